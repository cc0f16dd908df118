import { Channel } from '@tauri-apps/api/core';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it } from 'vitest';
import type { Extracted, VerifyEvent } from '../../ipc/types';
import { verdict, verdicts } from '../../test/fixtures';
import { deferred, extractLines, ipcError, mockBackend, sendOnChannel } from '../../test/ipc';
import { VerifySession } from './session.svelte';
import VerifyView from './VerifyView.svelte';

function statuses(): (string | undefined)[] {
  return screen.getAllByTestId('verdict-row').map((r) => r.dataset['status']);
}

function references(): (string | undefined)[] {
  return screen.getAllByTestId('verdict-row').map((r) => r.dataset['reference']);
}

async function typeAndCheck(text: string): Promise<void> {
  await fireEvent.input(screen.getByTestId('verify-input'), { target: { value: text } });
  await fireEvent.click(screen.getByTestId('verify-submit'));
}

const PINNED = `ghcr.io/acme/api@sha256:${'ab'.repeat(32)}`;

describe('VerifyView', () => {
  it('teaches what to do before anything is checked', () => {
    mockBackend(() => null);
    render(VerifyView, { session: new VerifySession() });
    expect(screen.getByTestId('empty-state').textContent).toContain(
      'Drop a compose file, Kubernetes YAML, Dockerfile or a list of images on this window.',
    );
    expect(screen.getByTestId<HTMLButtonElement>('verify-submit').disabled).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>('verify-clear').disabled).toBe(true);
  });

  it('asks the core to extract the references on Check, then streams channel events into rows', async () => {
    let channel: unknown = null;
    const done = deferred<null>();
    const text = 'docker pull docker.io/library/nginx:1.27\n' + PINNED + '\nnot a reference\n';
    const extracted: Extracted = {
      kind: 'text',
      references: [
        { reference: 'docker.io/library/nginx:1.27', origin: 'line 1', platform: null },
        { reference: PINNED, origin: 'line 2', platform: 'linux/arm64' },
      ],
      problems: [],
    };
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extracted;
      if (cmd !== 'verify_images') return null;
      channel = args?.['onEvent'];
      return done.promise;
    });
    render(VerifyView, { session: new VerifySession() });

    await typeAndCheck(text);

    // The UI does not parse: the core gets the whole text and its answer becomes the rows.
    const rows = await screen.findAllByTestId('verdict-row');
    expect(calls[0]).toEqual({ cmd: 'extract_references', args: { fileName: null, contents: text } });
    expect(references()).toEqual(['docker.io/library/nginx:1.27', PINNED]);
    expect(statuses()).toEqual(['checking', 'checking']);
    expect(within(rows[0] as HTMLElement).getByTestId('status-badge').textContent.trim()).toBe('Checking');
    expect(within(rows[1] as HTMLElement).getByTestId('verdict-origin').textContent).toBe('line 2 · linux/arm64');
    expect(calls[1]?.cmd).toBe('verify_images');
    expect(calls[1]?.args?.['references']).toEqual(['docker.io/library/nginx:1.27', PINNED]);
    expect(channel).toBeInstanceOf(Channel);
    expect(screen.getByTestId<HTMLTextAreaElement>('verify-input').value).toBe(''); // now in the list
    expect(screen.getByTestId('verify-submit').textContent).toContain('Checking…');

    const send = (index: number, event: VerifyEvent): void => {
      sendOnChannel(channel, index, event);
    };
    send(0, { kind: 'started', index: 0, reference: 'docker.io/library/nginx:1.27' });
    send(1, { kind: 'started', index: 1, reference: PINNED });
    send(2, { kind: 'finished', index: 1, verdict: verdict({ reference: 'ghcr.io/acme/api', digest: `sha256:${'ab'.repeat(32)}` }, 'unsigned') });

    // The second image finished first; the first is still checking.
    await waitFor(() => {
      expect(statuses()).toEqual(['checking', 'unsigned']);
    });
    const second = screen.getAllByTestId('verdict-row')[1] as HTMLElement;
    expect(within(second).getByTestId('verdict-reason').textContent).toBe(verdicts.unsigned.reason);
    expect(within(second).getByTestId('verdict-digest').textContent.trim()).toBe('abababababab');

    send(3, { kind: 'finished', index: 0, verdict: verdict() });
    done.resolve(null);

    await waitFor(() => {
      expect(statuses()).toEqual(['verified', 'unsigned']);
    });
    const first = screen.getAllByTestId('verdict-row')[0] as HTMLElement;
    expect(within(first).getByTestId('status-badge').textContent.trim()).toBe('Verified');
    expect(within(first).getByTestId('verdict-reason').textContent).toContain('signed by Acme Platform');
    await waitFor(() => {
      expect(screen.getByTestId('verify-submit').textContent).toContain('Check');
    });
    expect(screen.getByTestId('verify-summary').textContent).toBe('1 verified · 1 unsigned');
  });

  /**
   * Starts a batch of three whose backend answers `cancel_verification` the way the core does:
   * the images not finished come back `cancelled` and the batch then ends.
   */
  async function batchOfThree(): Promise<{ calls: ReturnType<typeof mockBackend>; finishOne: () => void }> {
    let channel: unknown = null;
    let sent = 0;
    const done = deferred<null>();
    const send = (event: VerifyEvent): void => {
      sendOnChannel(channel, sent++, event);
    };
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      if (cmd === 'verify_images') {
        if (channel !== null) return new Promise(() => {}); // a later batch: still running
        channel = args?.['onEvent'];
        return done.promise;
      }
      if (cmd === 'cancel_verification') {
        for (const index of [1, 2]) {
          send({ kind: 'finished', index, verdict: verdict({ reference: `img${index}` }, 'cancelled') });
        }
        done.resolve(null);
        return 1;
      }
      return null;
    });
    render(VerifyView, { session: new VerifySession() });
    await typeAndCheck('img0\nimg1\nimg2');
    await screen.findByTestId('verify-cancel');
    return {
      calls,
      finishOne: () => {
        send({ kind: 'finished', index: 0, verdict: verdict({ reference: 'img0' }, 'unsigned') });
      },
    };
  }

  async function expectCancelled(calls: ReturnType<typeof mockBackend>): Promise<void> {
    await waitFor(() => {
      expect(statuses()).toEqual(['unsigned', 'cancelled', 'cancelled']);
    });
    expect(calls.filter((c) => c.cmd === 'cancel_verification')).toHaveLength(1);
    const row = screen.getAllByTestId('verdict-row')[2] as HTMLElement;
    expect(within(row).getByTestId('status-badge').textContent.trim()).toBe('Cancelled');
    expect(within(row).getByTestId('verdict-reason').textContent).toBe(verdicts.cancelled.reason);
    expect(within(row).getByTestId('verdict-reason').textContent).toContain('cancelled before its check finished');
    // Nothing to open or pull for an image nobody judged.
    expect(within(row).getByTestId('verdict-toggle').getAttribute('aria-expanded')).toBeNull();
    expect(screen.getByTestId('verify-summary').textContent).toBe('1 unsigned · 2 cancelled');
    await waitFor(() => {
      expect(screen.queryByTestId('verify-cancel')).toBeNull();
    });
  }

  it('shows Cancel only while a batch runs, and cancelling marks the unfinished rows cancelled', async () => {
    const { calls, finishOne } = await batchOfThree();
    expect(screen.getByTestId('verify-cancel').getAttribute('aria-keyshortcuts')).toBe('Escape');
    finishOne();
    await waitFor(() => {
      expect(statuses()).toEqual(['unsigned', 'checking', 'checking']);
    });
    await fireEvent.click(screen.getByTestId('verify-cancel'));
    await expectCancelled(calls);
  });

  it('cancels a running batch with Esc', async () => {
    const { calls, finishOne } = await batchOfThree();
    finishOne();
    await fireEvent.keyDown(window, { key: 'Escape' });
    await expectCancelled(calls);
    // Esc with nothing running asks the core nothing.
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(calls.filter((c) => c.cmd === 'cancel_verification')).toHaveLength(1);
  });

  it('checks a cancelled row again when its reference is added again', async () => {
    const { calls, finishOne } = await batchOfThree();
    finishOne();
    await fireEvent.click(screen.getByTestId('verify-cancel'));
    await expectCancelled(calls);
    await typeAndCheck('img1');
    await waitFor(() => {
      expect(statuses()).toEqual(['unsigned', 'checking', 'cancelled']);
    });
    expect(calls.filter((c) => c.cmd === 'verify_images').at(-1)?.args?.['references']).toEqual(['img1']);
  });

  it('lists the problems the core reports and checks nothing when it found no references', async () => {
    const calls = mockBackend((cmd) =>
      cmd === 'extract_references'
        ? { kind: 'compose', references: [], problems: ['line 3: mapping values are not allowed here'] }
        : null,
    );
    render(VerifyView, { session: new VerifySession() });

    await typeAndCheck('services:\n  web:\n image: : nginx');

    const problems = await screen.findByTestId('verify-problems');
    expect(within(problems).getAllByTestId('verify-problem').map((p) => p.textContent.trim())).toEqual([
      'line 3: mapping values are not allowed here',
    ]);
    expect(screen.getByTestId('verify-found').textContent).toContain('No image references found in this text.');
    expect(calls.map((c) => c.cmd)).toEqual(['extract_references']);
    expect(screen.queryAllByTestId('verdict-row')).toHaveLength(0);
    // The text stays so it can be fixed.
    expect(screen.getByTestId<HTMLTextAreaElement>('verify-input').value).toContain('image: : nginx');
  });

  it('shows what the core found in pasted text before checking', async () => {
    const calls = mockBackend((cmd, args) =>
      cmd === 'extract_references'
        ? { ...extractLines(String(args?.['contents'])), problems: ['line 3: not an image reference'] }
        : null,
    );
    render(VerifyView, { session: new VerifySession() });
    const input = screen.getByTestId('verify-input');

    await fireEvent.paste(input);
    await fireEvent.input(input, { target: { value: 'nginx:1.27\nredis:7' } });

    const preview = await screen.findByTestId('verify-preview');
    expect(within(preview).getAllByTestId('verify-preview-ref').map((r) => r.querySelector('code')?.textContent)).toEqual([
      'nginx:1.27',
      'redis:7',
    ]);
    expect(screen.getByTestId('verify-found').textContent).toContain('2 images found');
    expect(screen.getByTestId('verify-problems').textContent).toContain('line 3: not an image reference');
    expect(calls).toEqual([{ cmd: 'extract_references', args: { fileName: null, contents: 'nginx:1.27\nredis:7' } }]);

    // Typing afterwards drops the preview: the core looks again on Check.
    await fireEvent.input(input, { target: { value: 'nginx:1.27\nredis:7\nalpine' } });
    expect(screen.queryByTestId('verify-preview')).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('extracts text dropped on the input', async () => {
    const calls = mockBackend((cmd, args) => (cmd === 'extract_references' ? extractLines(String(args?.['contents'])) : null));
    render(VerifyView, { session: new VerifySession() });
    const input = screen.getByTestId('verify-input');

    const dataTransfer = { files: [], getData: (type: string) => (type === 'text/plain' ? 'quay.io/acme/web:2\n' : '') };
    await fireEvent.drop(input, { dataTransfer });

    await screen.findByTestId('verify-preview');
    expect(screen.getByTestId<HTMLTextAreaElement>('verify-input').value).toBe('quay.io/acme/web:2\n');
    expect(calls).toEqual([{ cmd: 'extract_references', args: { fileName: null, contents: 'quay.io/acme/web:2\n' } }]);
  });

  it('delivers out-of-order channel messages in order', async () => {
    let channel: unknown = null;
    mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      channel = args?.['onEvent'];
      return new Promise(() => undefined); // never resolves in this test
    });
    render(VerifyView, { session: new VerifySession() });
    await typeAndCheck('alpine:3.20');
    await screen.findByTestId('verdict-row');

    // "finished" (index 1) arrives before "started" (index 0): the row must end finished.
    sendOnChannel(channel, 1, { kind: 'finished', index: 0, verdict: verdict({ reference: 'alpine:3.20', status: 'invalid', reason: 'Signature does not match the digest.' }) });
    await tick();
    expect(statuses()).toEqual(['checking']);
    sendOnChannel(channel, 0, { kind: 'started', index: 0, reference: 'alpine:3.20' });
    await waitFor(() => {
      expect(statuses()).toEqual(['invalid']);
    });
  });

  it('adds to the list on a second Check and re-checks references already listed', async () => {
    const batches: string[][] = [];
    mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      const refs = args?.['references'] as string[];
      batches.push(refs);
      refs.forEach((reference, index) => {
        sendOnChannel(args?.['onEvent'], index, { kind: 'finished', index, verdict: verdict({ reference, status: 'unsigned', reason: 'none' }) });
      });
      return null;
    });
    render(VerifyView, { session: new VerifySession() });

    await typeAndCheck('nginx\nredis:7');
    await waitFor(() => {
      expect(statuses()).toEqual(['unsigned', 'unsigned']);
    });
    await typeAndCheck('alpine\nnginx');
    await waitFor(() => {
      expect(references()).toEqual(['nginx', 'redis:7', 'alpine']);
    });
    expect(batches).toEqual([['nginx', 'redis:7'], ['alpine', 'nginx']]);
  });

  it('removes the focused row with Delete, and Clear empties the list', async () => {
    mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      const refs = args?.['references'] as string[];
      refs.forEach((reference, index) => {
        sendOnChannel(args?.['onEvent'], index, { kind: 'finished', index, verdict: verdict({ reference }) });
      });
      return null;
    });
    const session = new VerifySession();
    render(VerifyView, { session });
    await typeAndCheck('nginx\nredis:7\nalpine');
    await waitFor(() => {
      expect(statuses()).toEqual(['verified', 'verified', 'verified']);
    });

    const middle = within(screen.getAllByTestId('verdict-row')[1] as HTMLElement).getByTestId('verdict-toggle');
    middle.focus();
    await fireEvent.keyDown(middle, { key: 'Delete' });

    expect(references()).toEqual(['nginx', 'alpine']);
    // Focus moves to the row that took its place, so Delete can be pressed again.
    await waitFor(() => {
      expect(document.activeElement?.closest('[data-testid="verdict-row"]')?.getAttribute('data-reference')).toBe('alpine');
    });
    expect(screen.getByTestId('verify-summary').textContent).toBe('2 verified');

    // Other keys do nothing.
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'a' });
    expect(references()).toEqual(['nginx', 'alpine']);

    await fireEvent.click(screen.getByTestId('verify-clear'));
    expect(screen.queryAllByTestId('verdict-row')).toHaveLength(0);
    expect(session.rows).toEqual([]);
    expect(screen.getByTestId('empty-state')).toBeTruthy();
  });

  it('expands a row to show checks, signatures and policy', async () => {
    mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      sendOnChannel(args?.['onEvent'], 0, { kind: 'started', index: 0, reference: 'docker.io/library/nginx:1.27' });
      sendOnChannel(args?.['onEvent'], 1, {
        kind: 'finished',
        index: 0,
        verdict: verdict({
          status: 'untrusted',
          enforced: false,
          reason: 'Signed by a key you do not trust.',
          checks: [
            { name: 'signature', outcome: 'failed', detail: 'no trusted signer' },
            { name: 'scope', outcome: 'not_applicable', detail: 'offline' },
          ],
          signatures: [
            {
              fingerprint: null,
              publisher: null,
              valid: false,
              problem: 'key is not in your trust store',
              cause: { code: 'no_trusted_key', trusted_keys: 1 },
            },
          ],
          policy: { pattern: null, mode: 'warn', threshold: 2 },
        }),
      });
      return null;
    });
    render(VerifyView, { session: new VerifySession() });
    await typeAndCheck('docker.io/library/nginx:1.27');

    await waitFor(() => {
      expect(statuses()).toEqual(['untrusted']);
    });
    expect(screen.queryByTestId('verdict-details')).toBeNull();
    const toggle = screen.getByTestId('verdict-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');

    const details = screen.getByTestId('verdict-details');
    const checks = within(details).getAllByTestId('verdict-check');
    expect(checks.map((c) => c.dataset['outcome'])).toEqual(['failed', 'not_applicable']);
    expect(checks[0]?.textContent).toContain('no trusted signer');
    expect(checks[1]?.textContent).toContain('not applicable');
    const sig = within(details).getByTestId('verdict-signature');
    expect(sig.textContent).toContain('Unknown publisher');
    expect(sig.textContent).toContain('key is not in your trust store');
    expect(within(details).getByTestId('verdict-policy').textContent).toContain('default policy');
    expect(within(details).getByTestId('verdict-policy').textContent).toContain('2 publishers required');
    expect(within(details).getByTestId('verdict-enforced').textContent).toContain('not enforced');
  });

  it('turns unfinished rows into errors and shows the message when the command fails', async () => {
    mockBackend((cmd, args) =>
      cmd === 'extract_references'
        ? extractLines(String(args?.['contents']))
        : ipcError('registry', 'Registry unreachable: connection refused'),
    );
    render(VerifyView, { session: new VerifySession() });
    await typeAndCheck('nginx\nredis:7');

    expect((await screen.findByTestId('error')).textContent).toContain('Registry unreachable: connection refused');
    expect(statuses()).toEqual(['error', 'error']);
  });

  it('shows the error when extraction fails and keeps the text', async () => {
    mockBackend(() => ipcError('internal', 'extractor crashed'));
    render(VerifyView, { session: new VerifySession() });
    await typeAndCheck('nginx');

    expect((await screen.findByTestId('error')).textContent).toContain('extractor crashed');
    expect(screen.getByTestId<HTMLTextAreaElement>('verify-input').value).toBe('nginx');
    expect(screen.queryAllByTestId('verdict-row')).toHaveLength(0);
  });
});
