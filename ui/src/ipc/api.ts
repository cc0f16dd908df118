// The only module that talks to the Tauri backend. Everything else imports from here.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { AddKeyArgs, DoctorReport, IpcErrorPayload, KeyInfo, VerifyEvent } from './types';

/** An error returned by a backend command, normalised to `{ code, message }`. */
export class IpcError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }
}

function isErrorPayload(value: unknown): value is IpcErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['code'] === 'string' &&
    typeof (value as Record<string, unknown>)['message'] === 'string'
  );
}

/** Turns whatever a rejected invoke produced into an IpcError with a readable message. */
export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof IpcError) return raw;
  if (isErrorPayload(raw)) return new IpcError(raw.code, raw.message);
  if (raw instanceof Error) return new IpcError('internal', raw.message);
  if (typeof raw === 'string' && raw.length > 0) return new IpcError('internal', raw);
  return new IpcError('internal', 'Unexpected error from the Vouch core.');
}

/** Message for display, whatever was thrown. */
export function errorMessage(raw: unknown): string {
  return toIpcError(raw).message;
}

/** True inside the Tauri webview (or when tests/demo installed an IPC mock). */
function hasBackend(): boolean {
  const internals = (window as unknown as { __TAURI_INTERNALS__?: { invoke?: unknown } })
    .__TAURI_INTERNALS__;
  return typeof internals?.invoke === 'function';
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasBackend()) {
    throw new IpcError('no_backend', 'The Vouch core is not running. Open this screen from the Vouch app.');
  }
  try {
    return await invoke<T>(cmd, args);
  } catch (raw) {
    throw toIpcError(raw);
  }
}

export function doctor(): Promise<DoctorReport> {
  return call<DoctorReport>('doctor');
}

export function listKeys(): Promise<KeyInfo[]> {
  return call<KeyInfo[]>('list_keys');
}

export function addKey(args: AddKeyArgs): Promise<KeyInfo> {
  return call<KeyInfo>('add_key', { args });
}

export function revokeKey(fingerprint: string, reason: string): Promise<KeyInfo> {
  return call<KeyInfo>('revoke_key', { fingerprint, reason });
}

export async function removeKey(fingerprint: string): Promise<void> {
  await call<null>('remove_key', { fingerprint });
}

export function exportKey(fingerprint: string): Promise<string> {
  return call<string>('export_key', { fingerprint });
}

/**
 * Checks the references; `onEvent` receives `started`/`finished` events as they stream in.
 * Resolves when every reference has been checked.
 */
export async function verifyImages(
  references: string[],
  onEvent: (event: VerifyEvent) => void,
): Promise<void> {
  const channel = new Channel<VerifyEvent>(onEvent);
  await call<null>('verify_images', { references, onEvent: channel });
}
