import { describe, expect, it } from 'vitest';
import { ipcError, mockBackend } from '../test/ipc';
import { addKey, doctor, IpcError, toIpcError } from './api';

describe('ipc/api', () => {
  it('passes add_key arguments under `args`', async () => {
    const calls = mockBackend(() => null);
    await addKey({ pem: 'P', publisher: null, scopes: ['a/*'], note: 'n', expires_at: null });
    expect(calls).toEqual([
      { cmd: 'add_key', args: { args: { pem: 'P', publisher: null, scopes: ['a/*'], note: 'n', expires_at: null } } },
    ]);
  });

  it('rejects with an IpcError carrying the backend code and message', async () => {
    mockBackend(() => ipcError('keychain_unreachable', 'No Secret Service on the session bus'));
    const error = await doctor().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect(error).toMatchObject({ code: 'keychain_unreachable', message: 'No Secret Service on the session bus' });
  });

  it('normalises other rejections', () => {
    expect(toIpcError('plain text').message).toBe('plain text');
    expect(toIpcError(new Error('boom')).message).toBe('boom');
    expect(toIpcError(undefined).message).toBe('Unexpected error from the Vouch core.');
  });
});

describe('ipc/api outside the app', () => {
  it('explains that the core is not running when there is no Tauri backend', async () => {
    // No mockBackend() here: clearMocks() in setup removed the IPC internals.
    const error = await doctor().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'no_backend' });
    expect((error as IpcError).message).toContain('Vouch core is not running');
  });
});
