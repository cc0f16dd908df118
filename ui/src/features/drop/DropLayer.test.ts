import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import type { DroppedFile, KeyInfo } from '../../ipc/types';
import { key, verdict } from '../../test/fixtures';
import { mockBackend, sendOnChannel } from '../../test/ipc';
import { VerifySession } from '../verify/session.svelte';

const POSITION = { x: 200, y: 150 };
const PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAdroppedkey\n-----END PUBLIC KEY-----\n';

/**
 * Drives the window the way Tauri does: `onDragDropEvent` listens to the tauri://drag-* events,
 * which the event mock delivers. Waits until the listeners are registered (they are added
 * asynchronously on mount).
 */
async function dragOver(paths: string[]): Promise<void> {
  await waitFor(async () => {
    await emit('tauri://drag-enter', { paths, position: POSITION });
    expect(screen.getByTestId('drop-overlay')).toBeTruthy();
  });
  await emit('tauri://drag-over', { position: POSITION });
  expect(screen.getByTestId('drop-overlay').textContent).toContain(
    'Drop a compose file, Kubernetes YAML, Dockerfile, image list or a .pub key',
  );
}

async function drop(paths: string[]): Promise<void> {
  await dragOver(paths);
  await emit('tauri://drag-drop', { paths, position: POSITION });
  await waitFor(() => {
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
  });
}

describe('Dropping files on the window', () => {
  it('shows the overlay while dragging and hides it when the drag leaves', async () => {
    const calls = mockBackend((cmd) => (cmd === 'list_keys' ? [] : null), { events: true });
    render(App, { session: new VerifySession() });

    await dragOver(['/home/ada/compose.yaml', '/home/ada/acme.pub']);
    expect(screen.getByTestId('drop-overlay').textContent).toContain('Drop 2 files to add them');
    await waitFor(async () => {
      await emit('tauri://drag-leave', null);
      expect(screen.queryByTestId('drop-overlay')).toBeNull();
    });
    expect(calls.some((c) => c.cmd === 'inspect_dropped_files')).toBe(false);
  });

  it('offers a dropped key for import, prefilled, and adds it', async () => {
    const dropped: DroppedFile[] = [
      { path: '/home/ada/keys/acme.pub', kind: 'key', fingerprint: 'sha256:' + 'ab12'.repeat(16), algorithm: 'ed25519', pem: PEM },
    ];
    const added = key({ fingerprint: 'sha256:' + 'ab12'.repeat(16), publisher: 'Acme Platform', scopes: ['ghcr.io/acme/*'] });
    let stored: KeyInfo[] = [];
    const calls = mockBackend(
      (cmd) => {
        if (cmd === 'list_keys') return stored;
        if (cmd === 'inspect_dropped_files') return dropped;
        if (cmd === 'add_key') {
          stored = [added];
          return added;
        }
        return null;
      },
      { events: true },
    );
    render(App, { session: new VerifySession() });
    await fireEvent.click(screen.getByTestId('nav-verify')); // dropping works from any screen

    await drop(['/home/ada/keys/acme.pub']);

    const dialog = await screen.findByTestId('import-key-dialog');
    expect(calls.find((c) => c.cmd === 'inspect_dropped_files')?.args).toEqual({ paths: ['/home/ada/keys/acme.pub'] });
    expect(dialog.textContent).toContain('acme.pub');
    expect(within(dialog).getByTestId<HTMLTextAreaElement>('import-key-pem').value).toBe(PEM);
    expect(within(dialog).getByTestId('import-key-fingerprint').textContent).toBe(Array(16).fill('ab12').join(' '));

    await fireEvent.input(within(dialog).getByTestId('import-key-publisher'), { target: { value: 'Acme Platform' } });
    await fireEvent.input(within(dialog).getByTestId('import-key-scopes'), { target: { value: 'ghcr.io/acme/*' } });
    await fireEvent.click(within(dialog).getByTestId('import-key-submit'));

    // The key is added and the Keys screen shows it.
    const row = await screen.findByTestId('key-row');
    expect(row.dataset['fingerprint']).toBe(added.fingerprint);
    expect(calls.find((c) => c.cmd === 'add_key')?.args).toEqual({
      args: { pem: PEM.trim(), publisher: 'Acme Platform', scopes: ['ghcr.io/acme/*'], note: null, expires_at: null },
    });
    expect(screen.queryByTestId('import-key-dialog')).toBeNull();
    expect(screen.getByTestId('nav-keys').getAttribute('aria-current')).toBe('page');
  });

  it('puts references from a dropped compose file on Verify, with their origin, and checks them', async () => {
    const dropped: DroppedFile[] = [
      {
        path: '/srv/app/compose.yaml',
        kind: 'references',
        extracted: {
          kind: 'compose',
          references: [
            { reference: 'docker.io/library/nginx:1.27', origin: 'services.web.image', platform: null },
            { reference: 'ghcr.io/acme/api:2.1', origin: 'services.api.image', platform: 'linux/arm64' },
          ],
          problems: ['services.worker: no image (built locally)'],
        },
      },
      { path: '/srv/app/notes.bin', kind: 'unreadable', message: 'Not a text file.' },
    ];
    const calls = mockBackend(
      (cmd, args) => {
        if (cmd === 'list_keys') return [];
        if (cmd === 'inspect_dropped_files') return dropped;
        if (cmd === 'verify_images') {
          const refs = args?.['references'] as string[];
          sendOnChannel(args?.['onEvent'], 0, { kind: 'finished', index: 0, verdict: verdict({ reference: refs[0] ?? '' }) });
          sendOnChannel(args?.['onEvent'], 1, {
            kind: 'finished',
            index: 1,
            verdict: verdict({ reference: refs[1] ?? '', status: 'unsigned', reason: 'No signature was found.' }),
          });
          return null;
        }
        return null;
      },
      { events: true },
    );
    render(App, { session: new VerifySession() });
    expect(screen.getByTestId('nav-keys').getAttribute('aria-current')).toBe('page');

    await drop(['/srv/app/compose.yaml', '/srv/app/notes.bin']);

    // Switched to Verify, rows carry the file and origin, and the check ran.
    await waitFor(() => {
      expect(screen.getByTestId('nav-verify').getAttribute('aria-current')).toBe('page');
    });
    await waitFor(() => {
      expect(screen.getAllByTestId('verdict-row').map((r) => r.dataset['status'])).toEqual(['verified', 'unsigned']);
    });
    const rows = screen.getAllByTestId('verdict-row');
    expect(rows.map((r) => r.dataset['reference'])).toEqual(['docker.io/library/nginx:1.27', 'ghcr.io/acme/api:2.1']);
    expect(within(rows[0] as HTMLElement).getByTestId('verdict-origin').textContent).toBe('compose.yaml · services.web.image');
    expect(within(rows[1] as HTMLElement).getByTestId('verdict-origin').textContent).toBe(
      'compose.yaml · services.api.image · linux/arm64',
    );
    expect(calls.find((c) => c.cmd === 'verify_images')?.args?.['references']).toEqual([
      'docker.io/library/nginx:1.27',
      'ghcr.io/acme/api:2.1',
    ]);
    expect(screen.getByTestId('verify-problems').textContent).toContain('compose.yaml: services.worker: no image (built locally)');

    // The unreadable file is reported, not silently dropped.
    const error = screen.getByTestId('drop-error');
    expect(error.textContent).toContain('Could not use notes.bin');
    expect(error.textContent).toContain('Not a text file.');
  });

  it('reports an error when the dropped files cannot be inspected', async () => {
    mockBackend(
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      (cmd) => (cmd === 'inspect_dropped_files' ? Promise.reject({ code: 'io', message: 'Permission denied' }) : []),
      { events: true },
    );
    render(App, { session: new VerifySession() });
    await drop(['/root/secret.yaml']);
    const error = await screen.findByTestId('drop-error');
    expect(error.textContent).toContain('Could not open secret.yaml');
    expect(error.textContent).toContain('Permission denied');
  });
});
