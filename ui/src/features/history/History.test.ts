import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import App from '../../App.svelte';
import { historyEntry } from '../../demo/backend';
import type { HistoryEntry, HistoryRead, Verdict, VerifyEvent } from '../../ipc/types';
import { doctorReport, verdict } from '../../test/fixtures';
import { deferred, extractLines, mockBackend, sendOnChannel } from '../../test/ipc';
import { VerifySession } from '../verify/session.svelte';
import VerifyView from '../verify/VerifyView.svelte';
import { HistoryStore } from './history.svelte';
import HistoryView from './HistoryView.svelte';

/** Real verdicts of each status, moved to other images, as the core keeps them: newest first. */
function entries(): HistoryEntry[] {
  const at = (reference: string, repository: string, reason: string): Partial<Verdict> => ({ reference, repository, reason });
  return [
    historyEntry(verdict(at('ghcr.io/globex/web:1', 'ghcr.io/globex/web', 'Signed by an unknown key.'), 'untrusted'), '2026-03-01T12:00:00Z'),
    historyEntry(
      verdict({ ...at('ghcr.io/acme/api:2', 'ghcr.io/acme/api', 'No signature was found.'), digest: null }, 'unsigned'),
      '2026-03-01T11:00:00Z',
    ),
    historyEntry(verdict(at('docker.io/library/nginx:1.27', 'docker.io/library/nginx', 'Signed by Docker.')), '2026-03-01T10:00:00Z'),
  ];
}

/** A backend whose history behaves like the core's: recorded by verify_images, read, cleared. */
function historyBackend(initial: HistoryEntry[], warning: string | null = null) {
  let stored = [...initial];
  const calls = mockBackend((cmd) => {
    if (cmd === 'list_history') return { entries: stored, warning } satisfies HistoryRead;
    if (cmd === 'clear_history') {
      stored = [];
      return null;
    }
    if (cmd === 'list_keys') return [];
    if (cmd === 'doctor') return doctorReport;
    if (cmd === 'verify_images') return new Promise(() => undefined);
    return null;
  });
  return { calls };
}

const refs = (): (string | undefined)[] => screen.getAllByTestId('history-row').map((r) => r.dataset['reference']);

describe('History', () => {
  it('re-reads the core history after a batch; the window records nothing itself', async () => {
    const history = new HistoryStore();
    await history.load(); // as the History view does on opening
    let channel: unknown = null;
    const done = deferred<string | null>();
    let stored: HistoryEntry[] = [];
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      if (cmd === 'list_history') return { entries: stored, warning: null } satisfies HistoryRead;
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
    const redis = verdict({ reference: 'redis:7', status: 'unsigned', reason: 'No signature.' });
    send(0, { kind: 'finished', index: 1, verdict: redis });
    send(1, { kind: 'finished', index: 0, verdict: verdict({ reference: 'nginx:1.27' }) });
    expect(history.entries).toHaveLength(0); // nothing recorded by the window
    // The core recorded the batch, then resolved the command.
    stored = [historyEntry(redis, '2026-03-01T10:00:01Z'), historyEntry(verdict({ reference: 'nginx:1.27' }), '2026-03-01T10:00:00Z')];
    done.resolve(null);

    await waitFor(() => {
      expect(history.entries.map((e) => [e.reference, e.status])).toEqual([
        ['redis:7', 'unsigned'],
        ['nginx:1.27', 'verified'],
      ]);
    });
    expect(calls.filter((c) => c.cmd === 'list_history')).toHaveLength(1);
    expect(history.warning).toBeNull();
  });

  it('shows the sentence the core gives when a batch could not be recorded', async () => {
    const history = new HistoryStore();
    mockBackend((cmd, args) => {
      if (cmd === 'extract_references') return extractLines(String(args?.['contents']));
      if (cmd === 'list_history') return { entries: [], warning: null } satisfies HistoryRead;
      return 'These verdicts were not recorded in the history: disk full';
    });
    render(VerifyView, { session: new VerifySession(history) });
    await fireEvent.input(screen.getByTestId('verify-input'), { target: { value: 'nginx:1.27' } });
    await fireEvent.click(screen.getByTestId('verify-submit'));
    await waitFor(() => {
      expect(history.warning).toBe('These verdicts were not recorded in the history: disk full');
    });
  });

  it('says what the core did with a corrupt history file', async () => {
    historyBackend([], 'the history file /c/history/default.json could not be read (eof); it was kept as /c/history/default.json.corrupt-1 and the history starts empty');
    render(HistoryView, { history: new HistoryStore(), onrecheck: vi.fn() });
    expect((await screen.findByTestId('history-warning')).textContent).toContain('kept as /c/history/default.json.corrupt-1');
    expect(screen.getByTestId('empty-state').textContent).toContain('No checks yet.');
  });

  it('lists past checks newest first and filters by text and status', async () => {
    historyBackend(entries());
    render(HistoryView, { history: new HistoryStore(), onrecheck: vi.fn() });
    await screen.findAllByTestId('history-row');

    expect(refs()).toEqual(['ghcr.io/globex/web:1', 'ghcr.io/acme/api:2', 'docker.io/library/nginx:1.27']);
    const first = screen.getAllByTestId('history-row')[0] as HTMLElement;
    expect(within(first).getByTestId('status-badge').textContent.trim()).toBe('Untrusted');
    expect(first.textContent).toContain('Signed by an unknown key.');
    expect(first.dataset['cause']).not.toBe('');
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

  it('re-checks an entry and clears the history through the core after confirmation', async () => {
    const { calls } = historyBackend(entries());
    const history = new HistoryStore();
    const onrecheck = vi.fn();
    render(HistoryView, { history, onrecheck });
    await screen.findAllByTestId('history-row');

    await fireEvent.click(screen.getAllByTestId('history-recheck')[1] as HTMLElement);
    expect(onrecheck).toHaveBeenCalledWith('ghcr.io/acme/api:2');

    await fireEvent.click(screen.getByTestId('history-clear'));
    await fireEvent.click(within(screen.getByTestId('history-clear-confirm')).getByTestId('history-clear-accept'));
    await waitFor(() => {
      expect(history.entries).toHaveLength(0);
    });
    expect(calls.some((c) => c.cmd === 'clear_history')).toBe(true);
    expect(screen.getByTestId('empty-state').textContent).toContain('No checks yet.');
  });

  it('re-check sends the reference to Verify and checks it (whole app)', async () => {
    const { calls } = historyBackend([historyEntry(verdict({ reference: 'ghcr.io/acme/api:2' }, 'unsigned'), '2026-03-01T10:00:00Z')]);
    render(App, { session: new VerifySession(null) });

    await fireEvent.click(screen.getByTestId('nav-history'));
    expect(screen.getByTestId('nav-history').getAttribute('aria-current')).toBe('page');
    await fireEvent.click(await screen.findByTestId('history-recheck'));

    expect(screen.getByTestId('nav-verify').getAttribute('aria-current')).toBe('page');
    const row = await screen.findByTestId('verdict-row');
    expect(row.dataset['reference']).toBe('ghcr.io/acme/api:2');
    expect(row.dataset['status']).toBe('checking');
    expect(calls.find((c) => c.cmd === 'verify_images')?.args?.['references']).toEqual(['ghcr.io/acme/api:2']);
  });
});
