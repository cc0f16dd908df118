import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../ipc/types';
import { key, keys } from '../../test/fixtures';
import { readBoot } from '../../ipc/boot';
import { ipcError, mockBackend } from '../../test/ipc';
import KeysView from './KeysView.svelte';

function rowFor(fingerprint: string): HTMLElement {
  const row = screen.getAllByTestId('key-row').find((r) => r.dataset['fingerprint'] === fingerprint);
  if (row === undefined) throw new Error(`no row for ${fingerprint}`);
  return row;
}

describe('KeysView', () => {
  it('lists keys with short fingerprint, scopes and status', async () => {
    const calls = mockBackend((cmd) => (cmd === 'list_keys' ? keys : null));
    render(KeysView);

    const rows = await screen.findAllByTestId('key-row');
    // The keys first (the read the app may have made while starting), then the identities.
    expect(calls.map((c) => c.cmd).slice(0, 2)).toEqual(['list_keys', 'list_identities']);
    expect(rows.map((r) => r.dataset['fingerprint'])).toEqual(keys.map((k) => k.fingerprint));

    const acme = rowFor(keys[0]?.fingerprint ?? '');
    expect(within(acme).getByTestId('key-fingerprint').textContent).toBe('45f0a7fb31b3');
    expect(within(acme).getByTestId('key-scopes').textContent).toContain('ghcr.io/acme/**');
    expect(within(acme).getByTestId('key-status').textContent.trim()).toBe('active');
    expect(within(acme).queryByTestId('has-private')).toBeNull();
    expect(acme.textContent).toContain('Ed25519');

    const globex = rowFor(keys[1]?.fingerprint ?? '');
    expect(within(globex).getByTestId('key-scopes').textContent).toContain('ghcr.io/globex/*');
    expect(within(globex).getByTestId('key-scopes').textContent).not.toContain('all repositories');
    expect(within(globex).getByTestId('key-status').textContent.trim()).toBe('expires in 14 days');
    expect(within(globex).getByTestId('has-private')).toBeTruthy();

    const initech = rowFor(keys[2]?.fingerprint ?? '');
    expect(within(initech).getByTestId('key-status').textContent.trim()).toBe('expired');
    expect(within(initech).getByTestId('key-scopes').textContent).toContain('all repositories');
    expect(initech.textContent).toContain('RSA');

    const umbrella = rowFor(keys[3]?.fingerprint ?? '');
    const revoked = within(umbrella).getByTestId('key-status');
    expect(revoked.textContent.trim()).toBe('revoked');
    expect(revoked.getAttribute('title')).toContain('leaked in CI logs');
    expect(within(umbrella).queryByTestId('key-revoke')).toBeNull(); // already revoked
    expect(screen.queryByTestId('empty-state')).toBeNull();
  });

  it('paints the keys the page came with in its first render, without asking the core', async () => {
    const calls = mockBackend((cmd) => (cmd === 'list_keys' ? keys : null));
    window.__VOUCH_BOOT__ = { keys: [...keys] };
    readBoot();
    const first = render(KeysView);

    // Synchronously after mounting: no await, so no IPC answer could have arrived.
    const rows = screen.getAllByTestId('key-row');
    expect(rows.map((r) => r.dataset['fingerprint'])).toEqual(keys.map((k) => k.fingerprint));
    expect(calls.filter((c) => c.cmd === 'list_keys')).toEqual([]);

    // Opened again later (another view in between), it asks the core: the keys may have changed.
    first.unmount();
    render(KeysView);
    await waitFor(() => {
      expect(calls.map((c) => c.cmd)).toContain('list_keys');
    });
    expect(await screen.findAllByTestId('key-row')).toHaveLength(keys.length);
  });

  it('teaches what to do when there are no keys', async () => {
    mockBackend(() => []);
    render(KeysView);

    const empty = await screen.findByTestId('empty-state');
    expect(empty.textContent).toContain(
      "No trusted keys yet. Paste a publisher's public key (cosign.pub) to start.",
    );
    expect(screen.queryAllByTestId('key-row')).toHaveLength(0);
  });

  it('adds a key with the typed arguments and shows it after refreshing', async () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAabc\n-----END PUBLIC KEY-----';
    const added = key({
      fingerprint: 'sha256:abcdefabcdef0000000000000000000000000000000000000000000000000000',
      publisher: 'Hooli',
      scopes: ['ghcr.io/hooli/*', 'quay.io/hooli/app'],
    });
    let stored: KeyInfo[] = [];
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_keys') return stored;
      if (cmd === 'add_key') {
        stored = [added];
        return added;
      }
      return null;
    });
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.input(await screen.findByTestId('add-key-pem'), { target: { value: `  ${pem}\n` } });
    await fireEvent.input(screen.getByTestId('add-key-publisher'), { target: { value: ' Hooli ' } });
    await fireEvent.input(screen.getByTestId('add-key-scopes'), {
      target: { value: 'ghcr.io/hooli/*, quay.io/hooli/app\n\nghcr.io/hooli/*' },
    });
    await fireEvent.click(screen.getByTestId('add-key-submit'));

    const row = await screen.findByTestId('key-row');
    expect(row.dataset['fingerprint']).toBe(added.fingerprint);
    expect(row.textContent).toContain('Hooli');
    expect(calls.filter((c) => c.cmd === 'add_key')).toEqual([
      {
        cmd: 'add_key',
        args: {
          args: {
            pem,
            publisher: 'Hooli',
            scopes: ['ghcr.io/hooli/*', 'quay.io/hooli/app'],
            note: null,
            expires_at: null,
          },
        },
      },
    ]);
    expect(calls.filter((c) => c.cmd === 'list_keys')).toHaveLength(2);
    expect(screen.getByTestId<HTMLTextAreaElement>('add-key-pem').value).toBe('');
  });

  it('sends null publisher and no scopes when those fields are left empty', async () => {
    const calls = mockBackend((cmd) => (cmd === 'add_key' ? key() : []));
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.input(await screen.findByTestId('add-key-pem'), { target: { value: 'PEM' } });
    await fireEvent.click(screen.getByTestId('add-key-submit'));

    await waitFor(() => {
      expect(calls.find((c) => c.cmd === 'add_key')?.args).toEqual({
        args: { pem: 'PEM', publisher: null, scopes: [], note: null, expires_at: null },
      });
    });
  });

  it('shows the error message when adding fails and keeps the input', async () => {
    mockBackend((cmd) =>
      cmd === 'add_key' ? ipcError('invalid_key', 'Not a PEM public key: missing BEGIN line') : [],
    );
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.input(await screen.findByTestId('add-key-pem'), { target: { value: 'garbage' } });
    await fireEvent.click(screen.getByTestId('add-key-submit'));

    const error = await screen.findByTestId('error');
    expect(error.textContent).toContain('Not a PEM public key: missing BEGIN line');
    expect(screen.getByTestId<HTMLTextAreaElement>('add-key-pem').value).toBe('garbage');
    expect(screen.queryAllByTestId('key-row')).toHaveLength(0);
  });

  it('shows the error when the key list cannot be loaded', async () => {
    mockBackend(() => ipcError('keychain', 'Keychain is locked'));
    render(KeysView);
    expect((await screen.findByTestId('error')).textContent).toContain('Keychain is locked');
  });

  it('confirms removal naming the publisher and short fingerprint', async () => {
    let stored = [...keys];
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'list_keys') return stored;
      if (cmd === 'remove_key') {
        stored = stored.filter((k) => k.fingerprint !== args?.['fingerprint']);
        return null;
      }
      return null;
    });
    render(KeysView);
    const target = keys[1];
    if (target === undefined) throw new Error('fixture');

    await screen.findAllByTestId('key-row');
    await fireEvent.click(within(rowFor(target.fingerprint)).getByTestId('key-remove'));
    const dialog = await screen.findByTestId('remove-dialog');
    expect(within(dialog).getByTestId('remove-summary').textContent).toContain('Globex Images');
    expect(within(dialog).getByTestId('remove-summary').textContent).toContain('5b3d21c06529');
    expect(calls.some((c) => c.cmd === 'remove_key')).toBe(false); // nothing happens before confirming

    await fireEvent.click(within(dialog).getByTestId('remove-confirm'));
    await waitFor(() => {
      expect(screen.getAllByTestId('key-row')).toHaveLength(keys.length - 1);
    });
    expect(calls.find((c) => c.cmd === 'remove_key')?.args).toEqual({ fingerprint: target.fingerprint });
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
  });

  it('revokes with the reason typed in the dialog', async () => {
    const target = keys[0];
    if (target === undefined) throw new Error('fixture');
    let stored = [...keys];
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'list_keys') return stored;
      if (cmd === 'revoke_key') {
        const revoked = {
          ...target,
          status: 'revoked' as const,
          revoked_reason: String(args?.['reason']),
          state: { kind: 'revoked' as const },
        };
        stored = stored.map((k) => (k.fingerprint === target.fingerprint ? revoked : k));
        return revoked;
      }
      return null;
    });
    render(KeysView);
    await screen.findAllByTestId('key-row');

    await fireEvent.click(within(rowFor(target.fingerprint)).getByTestId('key-revoke'));
    const confirm = await screen.findByTestId<HTMLButtonElement>('revoke-confirm');
    expect(confirm.disabled).toBe(true); // a reason is required
    await fireEvent.input(screen.getByTestId('revoke-reason'), { target: { value: 'rotated' } });
    await fireEvent.click(confirm);

    await waitFor(() => {
      expect(within(rowFor(target.fingerprint)).getByTestId('key-status').textContent.trim()).toBe('revoked');
    });
    expect(calls.find((c) => c.cmd === 'revoke_key')?.args).toEqual({
      fingerprint: target.fingerprint,
      reason: 'rotated',
    });
  });

  it('exports the public PEM', async () => {
    const target = keys[0];
    if (target === undefined) throw new Error('fixture');
    const calls = mockBackend((cmd) =>
      cmd === 'export_key' ? '-----BEGIN PUBLIC KEY-----\nXYZ\n-----END PUBLIC KEY-----\n' : keys,
    );
    render(KeysView);
    await screen.findAllByTestId('key-row');

    await fireEvent.click(within(rowFor(target.fingerprint)).getByTestId('key-export'));
    const pem = await screen.findByTestId<HTMLTextAreaElement>('export-pem');
    expect(pem.value).toContain('XYZ');
    expect(calls.find((c) => c.cmd === 'export_key')?.args).toEqual({ fingerprint: target.fingerprint });
  });
});
