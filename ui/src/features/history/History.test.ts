import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import App from '../../App.svelte';
import type { Verdict, VerifyEvent } from '../../ipc/types';
import { doctorReport, verdict } from '../../test/fixtures';
import { deferred, extractLines, mockBackend, sendOnChannel } from '../../test/ipc';
import { VerifySession } from '../verify/session.svelte';
import VerifyView from '../verify/VerifyView.svelte';
import { HISTORY_KEY, HISTORY_LIMIT, HistoryStore } from './history.svelte';
import HistoryView from './HistoryView.svelte';

function seeded(): HistoryStore {
  const h = new HistoryStore(localStorage);
  // Real verdicts of each status, moved to other images (the filter reads references, repositories and reasons).
  const at = (reference: string, repository: string, reason: string): Partial<Verdict> => ({ reference, repository, reason });
  h.record(verdict(at('docker.io/library/nginx:1.27', 'docker.io/library/nginx', 'Signed by Docker.')), '2026-03-01T10:00:00Z');
  h.record(
    verdict({ ...at('ghcr.io/acme/api:2', 'ghcr.io/acme/api', 'No signature was found.'), digest: null }, 'unsigned'),
    '2026-03-01T11:00:00Z',
  );
  h.record(verdict(at('ghcr.io/globex/web:1', 'ghcr.io/globex/web', 'Signed by an unknown key.'), 'untrusted'), '2026-03-01T12:00:00Z');
  return h;
}

const refs = (): (string | undefined)[] => screen.getAllByTestId('history-row').map((r) => r.dataset['reference']);

describe('History', () => {
  it('records every finished verdict from the Verify stream, persisted and bounded', async () => {
    const history = new HistoryStore(localStorage);
    let channel: unknown = null;
    const done = deferred<null>();
    mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      channel = args?.['onEvent'];
      return done.promise;
    });
    render(VerifyView, { session: new VerifySession(history) });

    await fireEvent.input(screen.getByTestId('verify-input'), { target: { value: 'nginx:1.27\nredis:7' } });
    await fireEvent.click(screen.getByTestId('verify-submit'));
    await waitFor(() => {
      expect(channel).not.toBeNull();
    });
    const send = (i: number, e: VerifyEvent): void => {
      sendOnChannel(channel, i, e);
    };
    send(0, { kind: 'started', index: 0, reference: 'nginx:1.27' });
    expect(history.entries).toHaveLength(0); // only finished checks count
    send(1, { kind: 'finished', index: 1, verdict: verdict({ reference: 'redis:7', status: 'unsigned', reason: 'No signature.' }) });
    send(2, { kind: 'finished', index: 0, verdict: verdict({ reference: 'nginx:1.27' }) });
    done.resolve(null);

    await waitFor(() => {
      expect(history.entries.map((e) => [e.reference, e.status])).toEqual([
        ['nginx:1.27', 'verified'],
        ['redis:7', 'unsigned'],
      ]);
    });
    // Persisted: a new store (next start) reads the same list.
    expect(new HistoryStore(localStorage).entries.map((e) => e.reference)).toEqual(['nginx:1.27', 'redis:7']);

    for (let i = 0; i < HISTORY_LIMIT + 10; i++) history.record(verdict({ reference: `r${i}` }));
    expect(history.entries).toHaveLength(HISTORY_LIMIT);
    expect(history.entries[0]?.reference).toBe(`r${HISTORY_LIMIT + 9}`);
    expect((JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown[]).length).toBe(HISTORY_LIMIT);
  });

  it('ignores a corrupt stored history', () => {
    localStorage.setItem(HISTORY_KEY, '{not json');
    expect(new HistoryStore(localStorage).entries).toEqual([]);
    localStorage.setItem(HISTORY_KEY, JSON.stringify([{ reference: 'x' }, ...seeded().entries]));
    expect(new HistoryStore(localStorage).entries).toHaveLength(3);
  });

  it('lists past checks newest first and filters by text and status', async () => {
    render(HistoryView, { history: seeded(), onrecheck: vi.fn() });

    expect(refs()).toEqual(['ghcr.io/globex/web:1', 'ghcr.io/acme/api:2', 'docker.io/library/nginx:1.27']);
    const first = screen.getAllByTestId('history-row')[0] as HTMLElement;
    expect(within(first).getByTestId('status-badge').textContent.trim()).toBe('Untrusted');
    expect(first.textContent).toContain('Signed by an unknown key.');
    expect(first.querySelector('time')?.getAttribute('datetime')).toBe('2026-03-01T12:00:00Z');

    await fireEvent.input(screen.getByTestId('history-filter'), { target: { value: 'ACME/' } });
    expect(refs()).toEqual(['ghcr.io/acme/api:2']);
    await fireEvent.input(screen.getByTestId('history-filter'), { target: { value: 'unknown key' } });
    expect(refs()).toEqual(['ghcr.io/globex/web:1']);

    await fireEvent.input(screen.getByTestId('history-filter'), { target: { value: '' } });
    await fireEvent.change(screen.getByTestId('history-status'), { target: { value: 'verified' } });
    expect(refs()).toEqual(['docker.io/library/nginx:1.27']);
    expect(screen.getByTestId('history-count').textContent).toContain('1 of 3 checks');

    await fireEvent.input(screen.getByTestId('history-filter'), { target: { value: 'globex' } });
    expect(screen.queryAllByTestId('history-row')).toHaveLength(0);
    expect(screen.getByTestId('history-none')).toBeTruthy();
  });

  it('re-checks an entry and clears the history after confirmation', async () => {
    const history = seeded();
    const onrecheck = vi.fn();
    render(HistoryView, { history, onrecheck });

    await fireEvent.click(screen.getAllByTestId('history-recheck')[1] as HTMLElement);
    expect(onrecheck).toHaveBeenCalledWith('ghcr.io/acme/api:2');

    await fireEvent.click(screen.getByTestId('history-clear'));
    await fireEvent.click(within(screen.getByTestId('history-clear-confirm')).getByTestId('history-clear-accept'));
    expect(history.entries).toHaveLength(0);
    expect(screen.getByTestId('empty-state').textContent).toContain('No checks yet.');
  });

  it('re-check sends the reference to Verify and checks it (whole app)', async () => {
    seeded(); // stored; the app's store was created before, so add to it directly
    const { historyStore } = await import('./history.svelte');
    historyStore.clear();
    historyStore.record(verdict({ reference: 'ghcr.io/acme/api:2', status: 'unsigned' }));
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_keys') return [];
      if (cmd === 'doctor') return doctorReport;
      if (cmd === 'verify_images') return new Promise(() => undefined);
      return null;
    });
    render(App, { session: new VerifySession(null) });

    await fireEvent.click(screen.getByTestId('nav-history'));
    expect(screen.getByTestId('nav-history').getAttribute('aria-current')).toBe('page');
    await fireEvent.click(await screen.findByTestId('history-recheck'));

    expect(screen.getByTestId('nav-verify').getAttribute('aria-current')).toBe('page');
    const row = await screen.findByTestId('verdict-row');
    expect(row.dataset['reference']).toBe('ghcr.io/acme/api:2');
    expect(row.dataset['status']).toBe('checking');
    expect(calls.find((c) => c.cmd === 'verify_images')?.args?.['references']).toEqual(['ghcr.io/acme/api:2']);
    historyStore.clear();
  });
});
