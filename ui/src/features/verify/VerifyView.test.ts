import { Channel } from '@tauri-apps/api/core';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it } from 'vitest';
import type { VerifyEvent } from '../../ipc/types';
import { verdict } from '../../test/fixtures';
import { deferred, ipcError, mockBackend, sendOnChannel } from '../../test/ipc';
import { VerifySession } from './session.svelte';
import VerifyView from './VerifyView.svelte';

function statuses(): (string | undefined)[] {
  return screen.getAllByTestId('verdict-row').map((r) => r.dataset['status']);
}

describe('VerifyView', () => {
  it('shows the empty state before anything is checked', () => {
    mockBackend(() => null);
    render(VerifyView, { session: new VerifySession() });
    expect(screen.getByTestId('empty-state').textContent).toContain(
      'Paste image references here, one per line — e.g. docker.io/library/nginx:1.27',
    );
    expect(screen.getByTestId<HTMLButtonElement>('verify-submit').disabled).toBe(true);
  });

  it('streams channel events into rows that start as checking', async () => {
    let channel: unknown = null;
    const done = deferred<null>();
    const calls = mockBackend((cmd, args) => {
      if (cmd !== 'verify_images') return null;
      channel = args?.['onEvent'];
      return done.promise;
    });
    render(VerifyView, { session: new VerifySession() });

    await fireEvent.input(screen.getByTestId('verify-input'), {
      target: { value: 'docker pull docker.io/library/nginx:1.27\nghcr.io/acme/api@sha256:' + 'ab'.repeat(32) + '\nnot a reference\n' },
    });
    await fireEvent.click(screen.getByTestId('verify-submit'));

    // Everything is in flight: one row per extracted reference, all checking.
    const rows = await screen.findAllByTestId('verdict-row');
    expect(rows.map((r) => r.dataset['reference'])).toEqual([
      'docker.io/library/nginx:1.27',
      `ghcr.io/acme/api@sha256:${'ab'.repeat(32)}`,
    ]);
    expect(statuses()).toEqual(['checking', 'checking']);
    expect(within(rows[0] as HTMLElement).getByTestId('status-badge').textContent.trim()).toBe('Checking');
    expect(calls[0]?.args?.['references']).toEqual([
      'docker.io/library/nginx:1.27',
      `ghcr.io/acme/api@sha256:${'ab'.repeat(32)}`,
    ]);
    expect(channel).toBeInstanceOf(Channel);

    const send = (index: number, event: VerifyEvent): void => {
      sendOnChannel(channel, index, event);
    };
    send(0, { kind: 'started', index: 0, reference: 'docker.io/library/nginx:1.27' });
    send(1, { kind: 'started', index: 1, reference: `ghcr.io/acme/api@sha256:${'ab'.repeat(32)}` });
    send(2, { kind: 'finished', index: 1, verdict: verdict({ reference: 'ghcr.io/acme/api', status: 'unsigned', reason: 'No signature found for this digest.', digest: `sha256:${'ab'.repeat(32)}` }) });

    // The second image finished first; the first is still checking.
    await waitFor(() => {
      expect(statuses()).toEqual(['checking', 'unsigned']);
    });
    const second = screen.getAllByTestId('verdict-row')[1] as HTMLElement;
    expect(within(second).getByTestId('verdict-reason').textContent).toBe('No signature found for this digest.');
    expect(within(second).getByTestId('verdict-digest').textContent.trim()).toBe('abababababab');
    expect(screen.getByTestId<HTMLButtonElement>('verify-submit').disabled).toBe(true);

    send(3, { kind: 'finished', index: 0, verdict: verdict() });
    done.resolve(null);

    await waitFor(() => {
      expect(statuses()).toEqual(['verified', 'unsigned']);
    });
    const first = screen.getAllByTestId('verdict-row')[0] as HTMLElement;
    expect(within(first).getByTestId('status-badge').textContent.trim()).toBe('Verified');
    expect(within(first).getByTestId('verdict-reason').textContent).toContain('Signed by Acme Platform');
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>('verify-submit').disabled).toBe(false);
    });
    expect(screen.getByTestId('verify-summary').textContent).toBe('1 verified · 1 unsigned');
  });

  it('delivers out-of-order channel messages in order', async () => {
    let channel: unknown = null;
    mockBackend((_cmd, args) => {
      channel = args?.['onEvent'];
      return new Promise(() => undefined); // never resolves in this test
    });
    render(VerifyView, { session: new VerifySession() });
    await fireEvent.input(screen.getByTestId('verify-input'), { target: { value: 'alpine:3.20' } });
    await fireEvent.click(screen.getByTestId('verify-submit'));
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

  it('expands a row to show checks, signatures and policy', async () => {
    mockBackend((_cmd, args) => {
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
            { name: 'rekor', outcome: 'not_applicable', detail: 'offline' },
          ],
          signatures: [{ fingerprint: null, publisher: null, valid: true, problem: 'key is not in your trust store' }],
          policy: { pattern: null, mode: 'warn', threshold: 2 },
        }),
      });
      return null;
    });
    render(VerifyView, { session: new VerifySession() });
    await fireEvent.input(screen.getByTestId('verify-input'), { target: { value: 'docker.io/library/nginx:1.27' } });
    await fireEvent.click(screen.getByTestId('verify-submit'));

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
    expect(within(details).getByTestId('verdict-policy').textContent).toContain('2 signatures required');
    expect(within(details).getByTestId('verdict-enforced').textContent).toContain('not enforced');
  });

  it('turns unfinished rows into errors and shows the message when the command fails', async () => {
    mockBackend(() => ipcError('registry', 'Registry unreachable: connection refused'));
    render(VerifyView, { session: new VerifySession() });
    await fireEvent.input(screen.getByTestId('verify-input'), { target: { value: 'nginx\nredis:7' } });
    await fireEvent.click(screen.getByTestId('verify-submit'));

    expect((await screen.findByTestId('error')).textContent).toContain('Registry unreachable: connection refused');
    expect(statuses()).toEqual(['error', 'error']);
  });
});
