import { describe, expect, it } from 'vitest';
import { ipcError, mockBackend } from '../test/ipc';
import {
  addKey,
  doctor,
  editKey,
  exportKeyToFile,
  exportTrustSet,
  exportTrustSetToFile,
  extractReferences,
  generateKey,
  importKeyFromFile,
  importTrustSet,
  importTrustSetFromFile,
  inspectDroppedFiles,
  IpcError,
  listPolicies,
  onFileDrag,
  removePolicy,
  setPolicy,
  toIpcError,
} from './api';

describe('ipc/api', () => {
  it('passes add_key arguments under `args`', async () => {
    const calls = mockBackend(() => null);
    await addKey({ pem: 'P', publisher: null, scopes: ['a/*'], note: 'n', expires_at: null });
    expect(calls).toEqual([
      { cmd: 'add_key', args: { args: { pem: 'P', publisher: null, scopes: ['a/*'], note: 'n', expires_at: null } } },
    ]);
  });

  it('uses the command names and argument shapes of the Rust side', async () => {
    const calls = mockBackend(() => null);
    await generateKey({ publisher: 'Me', algorithm: 'ed25519', scopes: [] });
    await editKey({ fingerprint: 'sha256:1', publisher: null, note: '', scopes: null, expires_at: null, clear_expiry: true });
    await listPolicies();
    await setPolicy('ghcr.io/*', 'warn', 2);
    await removePolicy('ghcr.io/*');
    await exportTrustSet();
    await exportTrustSetToFile();
    await exportKeyToFile('sha256:1');
    await importKeyFromFile();
    await importTrustSetFromFile();
    await importTrustSet('{}');
    await extractReferences(null, 'nginx');
    await inspectDroppedFiles(['/a/compose.yaml']);
    expect(calls).toEqual([
      { cmd: 'generate_key', args: { args: { publisher: 'Me', algorithm: 'ed25519', scopes: [] } } },
      {
        cmd: 'edit_key',
        args: { args: { fingerprint: 'sha256:1', publisher: null, note: '', scopes: null, expires_at: null, clear_expiry: true } },
      },
      { cmd: 'list_policies', args: {} },
      { cmd: 'set_policy', args: { pattern: 'ghcr.io/*', mode: 'warn', threshold: 2 } },
      { cmd: 'remove_policy', args: { pattern: 'ghcr.io/*' } },
      { cmd: 'export_trust_set', args: {} },
      // The file commands name no path: the core asks the user in a native dialog.
      { cmd: 'export_trust_set_to_file', args: {} },
      { cmd: 'export_key_to_file', args: { fingerprint: 'sha256:1' } },
      { cmd: 'import_key_from_file', args: {} },
      { cmd: 'import_trust_set_from_file', args: {} },
      { cmd: 'import_trust_set', args: { contents: '{}' } },
      // Tauri maps camelCase top-level keys to the Rust parameter `file_name`.
      { cmd: 'extract_references', args: { fileName: null, contents: 'nginx' } },
      { cmd: 'inspect_dropped_files', args: { paths: ['/a/compose.yaml'] } },
    ]);
  });

  it('has no command that writes to a path the window names', async () => {
    const api = await import('./api');
    expect(Object.keys(api)).not.toContain('saveTextFile');
    const calls = mockBackend(() => ({ kind: 'cancelled' }));
    await api.exportTrustSetToFile();
    await api.exportKeyToFile('sha256:1');
    for (const call of calls) {
      expect(Object.keys(call.args ?? {}).filter((k) => /path|file|dest/i.test(k))).toEqual([]);
    }
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

  it('offers no file drops (and does not throw) without a webview', async () => {
    const unlisten = await onFileDrag(() => undefined);
    expect(() => {
      unlisten();
    }).not.toThrow();
  });
});
