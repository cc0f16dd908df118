// Test helpers around @tauri-apps/api/mocks.
import { Channel } from '@tauri-apps/api/core';
import { mockIPC } from '@tauri-apps/api/mocks';

export type Call = { cmd: string; args: Record<string, unknown> | undefined };
type Handler = (cmd: string, args: Record<string, unknown> | undefined) => unknown;

/** Installs `handler` as the backend and records every call made to it. */
export function mockBackend(handler: Handler): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    const args = payload as Record<string, unknown> | undefined;
    calls.push({ cmd, args });
    return handler(cmd, args);
  });
  return calls;
}

/** A rejection shaped like the Rust side's `{ code, message }` error. */
export function ipcError(code: string, message: string): Promise<never> {
  // Tauri rejects with the serialised error object, not an Error instance.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return Promise.reject({ code, message });
}

type Internals = { runCallback: (id: number, data: unknown) => void };

/**
 * Delivers `message` on a channel the way the Rust side does: through the callback registered
 * by `transformCallback`, wrapped as `{ index, message }` so the Channel's ordering applies.
 */
export function sendOnChannel(channel: unknown, index: number, message: unknown): void {
  if (!(channel instanceof Channel)) throw new Error('expected a Channel in the IPC arguments');
  const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
  internals.runCallback(channel.id, { index, message });
}

/** A promise with its resolve/reject handles exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
