// Test helpers around @tauri-apps/api/mocks.
import { Channel } from '@tauri-apps/api/core';
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import type { Extracted } from '../ipc/types';

export type Call = { cmd: string; args: Record<string, unknown> | undefined };
type Handler = (cmd: string, args: Record<string, unknown> | undefined) => unknown;

/**
 * Tests written for keys alone answer every command they do not name with their key list (or
 * nothing); for the identity lists that means "none". An answer shaped for the command (or a
 * rejection) is passed on.
 */
function forIdentityLists(cmd: string, answer: unknown): unknown {
  if (answer instanceof Promise) return answer;
  const isList = (item: (v: unknown) => boolean): boolean => Array.isArray(answer) && answer.every(item);
  if (cmd === 'list_identities') {
    return isList((i) => typeof i === 'object' && i !== null && 'issuer' in i) ? answer : [];
  }
  if (cmd === 'list_trust_root_names') return isList((n) => typeof n === 'string') ? answer : [];
  return answer;
}

/**
 * Installs `handler` as the backend and records every call made to it.
 * With `events`, Tauri events are mocked too (`emit` reaches `listen`ers) and the current
 * window/webview is "main", as in the app.
 */
export function mockBackend(handler: Handler, options: { events?: boolean } = {}): Call[] {
  const calls: Call[] = [];
  const listed = (cmd: string, answer: unknown): unknown => forIdentityLists(cmd, answer);
  if (options.events === true) mockWindows('main');
  mockIPC(
    (cmd, payload) => {
      const args = payload as Record<string, unknown> | undefined;
      calls.push({ cmd, args });
      return listed(cmd, handler(cmd, args));
    },
    { shouldMockEvents: options.events === true },
  );
  return calls;
}

/**
 * What the core's extractor returns for plain text, close enough for UI tests: every non-empty,
 * non-comment line is a reference, with its line number as the origin.
 */
export function extractLines(contents: string): Extracted {
  const references = contents
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, n }) => ({ reference: line, origin: `line ${n}`, platform: null }));
  return { kind: 'text', references, problems: [] };
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
