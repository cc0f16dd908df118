import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { key } from '../../test/fixtures';
import { ipcError, mockBackend } from '../../test/ipc';
import KeysView from './KeysView.svelte';

// Keys to and from files: the core opens the native dialogs; the window never names a path.
const PEM = '-----BEGIN PUBLIC KEY-----\nXYZ\n-----END PUBLIC KEY-----\n';

describe('Key files', () => {
  it('saves a public key where the native dialog pointed', async () => {
    const target = key({ publisher: 'Acme' });
    const calls = mockBackend((cmd) =>
      cmd === 'export_key' ? PEM : cmd === 'export_key_to_file' ? { kind: 'written', path: '/home/ada/Acme.pub' } : [target],
    );
    render(KeysView);
    const row = await screen.findByTestId('key-row');
    await fireEvent.click(within(row).getByTestId('key-export'));
    await screen.findByTestId('export-pem');

    await fireEvent.click(screen.getByTestId('export-save'));

    expect((await screen.findByTestId('export-saved')).textContent).toContain('/home/ada/Acme.pub');
    expect(calls.find((c) => c.cmd === 'export_key_to_file')?.args).toEqual({ fingerprint: target.fingerprint });
  });

  it('loads a key chosen in the native open dialog into the form', async () => {
    const calls = mockBackend((cmd) =>
      cmd === 'import_key_from_file'
        ? { kind: 'key', path: '/home/ada/keys/acme.pub', fingerprint: 'sha256:ab', algorithm: 'ed25519', pem: PEM }
        : [],
    );
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.click(await screen.findByTestId('add-key-from-file'));

    expect((await screen.findByTestId('add-key-loaded-from')).textContent).toContain('acme.pub');
    expect(screen.getByTestId<HTMLTextAreaElement>('add-key-pem').value).toBe(PEM);
    expect(calls.find((c) => c.cmd === 'import_key_from_file')?.args).toEqual({});
    // Loading is not trusting: nothing was added yet.
    expect(calls.some((c) => c.cmd === 'add_key')).toBe(false);
  });

  it('leaves the form as it was when the dialog is cancelled, and shows why a file was refused', async () => {
    let answer: unknown = { kind: 'cancelled' };
    mockBackend((cmd) => (cmd === 'import_key_from_file' ? answer : []));
    render(KeysView);
    await screen.findByTestId('empty-state');
    await fireEvent.input(await screen.findByTestId('add-key-pem'), { target: { value: 'typed' } });

    await fireEvent.click(screen.getByTestId('add-key-from-file'));
    await Promise.resolve();
    expect(screen.getByTestId<HTMLTextAreaElement>('add-key-pem').value).toBe('typed');
    expect(screen.queryByTestId('add-key-loaded-from')).toBeNull();

    answer = ipcError('bad_key', '/home/ada/images.txt is not a public key: no key was found in the input');
    await fireEvent.click(screen.getByTestId('add-key-from-file'));
    expect((await screen.findByText(/is not a public key/)).textContent).toContain('images.txt');
    expect(screen.getByTestId<HTMLTextAreaElement>('add-key-pem').value).toBe('typed');
  });
});
