import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../ipc/types';
import { key, keys } from '../../test/fixtures';
import { ipcError, mockBackend } from '../../test/ipc';
import KeysView from './KeysView.svelte';

function rowFor(fingerprint: string): HTMLElement {
  const row = screen.getAllByTestId('key-row').find((r) => r.dataset['fingerprint'] === fingerprint);
  if (row === undefined) throw new Error(`no row for ${fingerprint}`);
  return row;
}

function fixture(i: number): KeyInfo {
  const k = keys[i];
  if (k === undefined) throw new Error('fixture');
  return k;
}

describe('Generate signing key', () => {
  it('generates with publisher, algorithm and scopes, then lists the key with the private-key icon', async () => {
    const generated = key({
      fingerprint: 'sha256:feed000000000000000000000000000000000000000000000000000000000000',
      publisher: 'Hooli Release',
      algorithm: 'ecdsa-p256',
      scopes: ['ghcr.io/hooli/*'],
      has_private: true,
    });
    let stored: KeyInfo[] = [];
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_keys') return stored;
      if (cmd === 'generate_key') {
        stored = [generated];
        return generated;
      }
      return null;
    });
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.click(screen.getByTestId('generate-key-open'));
    const dialog = await screen.findByTestId('generate-key-dialog');
    const submit = within(dialog).getByTestId<HTMLButtonElement>('generate-key-submit');
    expect(submit.disabled).toBe(true); // a publisher is required

    await fireEvent.input(within(dialog).getByTestId('generate-key-publisher'), { target: { value: ' Hooli Release ' } });
    await fireEvent.click(within(dialog).getByTestId('generate-key-algorithm-p256'));
    await fireEvent.input(within(dialog).getByTestId('generate-key-scopes'), { target: { value: 'ghcr.io/hooli/*' } });
    await fireEvent.click(submit);

    const row = await screen.findByTestId('key-row');
    expect(row.dataset['fingerprint']).toBe(generated.fingerprint);
    expect(within(row).getByTestId('has-private')).toBeTruthy();
    expect(calls.find((c) => c.cmd === 'generate_key')?.args).toEqual({
      args: { publisher: 'Hooli Release', algorithm: 'p256', scopes: ['ghcr.io/hooli/*'] },
    });
    expect(screen.queryByTestId('generate-key-dialog')).toBeNull();
  });

  it('keeps the dialog open with the message when generation fails', async () => {
    mockBackend((cmd) => (cmd === 'generate_key' ? ipcError('keychain', 'Keychain is locked') : []));
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.click(screen.getByTestId('generate-key-open'));
    await fireEvent.input(await screen.findByTestId('generate-key-publisher'), { target: { value: 'Me' } });
    await fireEvent.click(screen.getByTestId('generate-key-submit'));

    expect((await screen.findByTestId('dialog-error')).textContent).toContain('Keychain is locked');
    expect(screen.getByTestId('generate-key-dialog')).toBeTruthy();
    expect(screen.queryAllByTestId('key-row')).toHaveLength(0);
  });
});


describe('Edit key', () => {
  it('sends only what changed: publisher, cleared note, scopes and a new expiry', async () => {
    const target = key({ note: 'old note', scopes: ['ghcr.io/acme/*'], expires_at: '2027-01-01T00:00:00Z' });
    let stored = [target];
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'list_keys') return stored;
      if (cmd === 'edit_key') {
        const a = args?.['args'] as { publisher: string };
        const updated = { ...target, publisher: a.publisher, note: null, scopes: ['ghcr.io/acme/*', 'quay.io/acme/*'], expires_at: '2027-06-30T00:00:00Z' };
        stored = [updated];
        return updated;
      }
      return null;
    });
    render(KeysView);
    await screen.findByTestId('key-row');

    await fireEvent.click(within(rowFor(target.fingerprint)).getByTestId('key-edit'));
    const dialog = await screen.findByTestId('edit-key-dialog');
    expect(within(dialog).getByTestId<HTMLInputElement>('edit-key-publisher').value).toBe('Acme Platform');
    expect(within(dialog).getByTestId<HTMLInputElement>('edit-key-expires').value).toBe('2027-01-01');
    expect(within(dialog).getByTestId<HTMLButtonElement>('edit-key-submit').disabled).toBe(true); // nothing changed yet

    await fireEvent.input(within(dialog).getByTestId('edit-key-publisher'), { target: { value: 'Acme Build' } });
    await fireEvent.input(within(dialog).getByTestId('edit-key-note'), { target: { value: '' } });
    await fireEvent.input(within(dialog).getByTestId('edit-key-scopes'), { target: { value: 'ghcr.io/acme/*\nquay.io/acme/*' } });
    await fireEvent.input(within(dialog).getByTestId('edit-key-expires'), { target: { value: '2027-06-30' } });
    await fireEvent.click(within(dialog).getByTestId('edit-key-submit'));

    await waitFor(() => {
      expect(rowFor(target.fingerprint).textContent).toContain('Acme Build');
    });
    expect(calls.find((c) => c.cmd === 'edit_key')?.args).toEqual({
      args: {
        fingerprint: target.fingerprint,
        publisher: 'Acme Build',
        note: '',
        scopes: ['ghcr.io/acme/*', 'quay.io/acme/*'],
        expires_at: '2027-06-30T00:00:00Z',
        clear_expiry: false,
      },
    });
    expect(screen.queryByTestId('edit-key-dialog')).toBeNull();
  });

  it('clears the expiry with "Never expires" and leaves everything else as it is', async () => {
    const target = fixture(1); // expires soon
    const calls = mockBackend((cmd) => (cmd === 'edit_key' ? { ...target, expires_at: null } : keys));
    render(KeysView);
    await screen.findAllByTestId('key-row');

    await fireEvent.click(within(rowFor(target.fingerprint)).getByTestId('key-edit'));
    const clear = await screen.findByTestId<HTMLInputElement>('edit-key-clear-expiry');
    expect(clear.checked).toBe(false);
    await fireEvent.click(clear);
    expect(screen.getByTestId<HTMLInputElement>('edit-key-expires').disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('edit-key-submit'));

    await waitFor(() => {
      expect(calls.find((c) => c.cmd === 'edit_key')?.args).toEqual({
        args: { fingerprint: target.fingerprint, publisher: null, note: null, scopes: null, expires_at: null, clear_expiry: true },
      });
    });
  });
});

describe('Key detail', () => {
  it('shows the full fingerprint in groups of four, every field and the revocation', async () => {
    mockBackend(() => keys);
    render(KeysView);
    await screen.findAllByTestId('key-row');

    const revoked = fixture(3);
    await fireEvent.click(within(rowFor(revoked.fingerprint)).getByTestId('key-open'));
    const detail = await screen.findByTestId('key-detail');
    expect(within(detail).getByTestId('key-detail-fingerprint').textContent).toBe(
      'f268 8859 e42d 0b93 5f7a 2ac6 88a0 8e82 0eba 531f 6f85 a52e fc18 d2f3 162a d0dd',
    );
    expect(within(detail).getByTestId('key-status').textContent.trim()).toBe('revoked');
    const revocation = within(detail).getByTestId('key-detail-revoked').textContent;
    expect(revocation).toContain('Revoked on 2026-02-20');
    expect(revocation).toContain('Reason: leaked in CI logs');
    expect(within(detail).getByTestId('key-detail-algorithm').textContent).toBe('ECDSA P-256');
    expect(within(detail).getByTestId('key-detail-scopes').textContent.trim()).toBe('All repositories');
    expect(within(detail).queryByTestId('key-detail-revoke')).toBeNull();

    await fireEvent.click(within(detail).getByText('Done'));
    expect(screen.queryByTestId('key-detail')).toBeNull();
  });

  it('edits from the detail view and returns to it with the stored key', async () => {
    const target = fixture(1);
    let stored = [...keys];
    mockBackend((cmd) => {
      if (cmd === 'edit_key') {
        const updated = { ...target, note: 'rotates yearly' };
        stored = stored.map((k) => (k.fingerprint === target.fingerprint ? updated : k));
        return updated;
      }
      return stored;
    });
    render(KeysView);
    await screen.findAllByTestId('key-row');

    await fireEvent.click(within(rowFor(target.fingerprint)).getByTestId('key-open'));
    expect(await screen.findByTestId('key-detail-private')).toBeTruthy();
    expect(screen.getByTestId('key-detail-scopes').textContent).toContain('ghcr.io/globex/*');
    await fireEvent.click(screen.getByTestId('key-detail-edit'));
    await fireEvent.input(screen.getByTestId('edit-key-note'), { target: { value: 'rotates yearly' } });
    await fireEvent.click(screen.getByTestId('edit-key-submit'));

    expect((await screen.findByTestId('key-detail-note')).textContent).toBe('rotates yearly');
  });
});
