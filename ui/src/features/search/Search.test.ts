import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import App from '../../App.svelte';
import type { SearchAnswer, SearchResults } from '../../ipc/types';
import { searchResults } from '../../test/fixtures';
import { deferred, mockBackend, type Call } from '../../test/ipc';
import { VerifySession } from '../verify/session.svelte';
import VerifyView from '../verify/VerifyView.svelte';
import { completionQuery, tokenAt } from './completion.svelte';
import { SEARCH_DEBOUNCE_MS } from './search.svelte';
import SearchBox from './SearchBox.svelte';

const found = (r: SearchResults = searchResults()): SearchAnswer => ({ kind: 'found', ...r });
const ALL_TAGS: Record<string, string[]> = {
  'docker.io/globex/api': ['2.1', '2.0', '1.0'],
  'ghcr.io/acme/app': ['latest', 'v1.2', 'v1.1', 'v1.0', 'v0.9', 'v0.8'],
};

function backend(search: (query: string) => unknown = () => found()): Call[] {
  return mockBackend((cmd, args) => {
    if (cmd === 'search_repositories') return search(args?.['query'] as string);
    if (cmd === 'list_tags') {
      const repository = args?.['repository'] as string;
      return { repository, tags: ALL_TAGS[repository] ?? [] };
    }
    return null;
  });
}

const searchCalls = (calls: Call[]) => calls.filter((c) => c.cmd === 'search_repositories').map((c) => c.args?.['query']);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function field(): HTMLInputElement {
  return screen.getByTestId<HTMLInputElement>('search-input');
}

async function type(text: string): Promise<void> {
  await fireEvent.input(field(), { target: { value: text } });
}

async function key(k: string, target: Element = field()): Promise<void> {
  await fireEvent.keyDown(target, { key: k });
}

function selected(testid: string): string | undefined {
  const option = screen.getAllByTestId(testid).find((o) => o.getAttribute('aria-selected') === 'true');
  return option?.dataset['repository'] ?? option?.dataset['tag'];
}

describe('search field', () => {
  it('is labelled Search and searches once typing pauses, not per keystroke', async () => {
    const calls = backend();
    render(SearchBox, { onpick: () => undefined });
    expect(field().placeholder).toMatch(/^Search/);
    expect(screen.getByLabelText('Search repositories')).toBe(field());

    await type('a'); // too short: nothing asked
    await type('ap');
    await type('app');
    await type('acme/app');
    await wait(SEARCH_DEBOUNCE_MS / 2);
    expect(searchCalls(calls)).toEqual([]);
    expect(screen.getByTestId('search-status').textContent).toContain('Searching…');

    await screen.findAllByTestId('search-result');
    expect(searchCalls(calls)).toEqual(['acme/app']);
  });

  it('shows each result’s registry, source, tags, and who covers it under which policy', async () => {
    backend();
    render(SearchBox, { onpick: () => undefined });
    await type('ap');
    const results = await screen.findAllByTestId('search-result');
    expect(results.map((r) => r.dataset['repository'])).toEqual([
      'docker.io/globex/api',
      'ghcr.io/acme/app',
      'registry.internal:5000/tools/apt-mirror',
      'docker.io/library/nginx',
    ]);
    const app = within(results[1] as HTMLElement);
    expect(app.getByTestId('search-result-meta').textContent).toContain('ghcr.io · registry catalog');
    expect(app.getByTestId('search-coverage').textContent).toContain('Trusted publishers: Acme Platform');
    expect(app.getByTestId('search-policy').textContent).toContain('policy enforce, 1 publisher (ghcr.io/acme/**)');
    // A few tags (the core leaves signature tags out), the rest counted.
    const tags = app.getByTestId('search-tags');
    expect([...tags.querySelectorAll<HTMLElement>('[data-tag]')].map((t) => t.dataset['tag'])).toEqual([
      'latest',
      'v1.2',
      'v1.1',
      'v1.0',
    ]);
    expect(tags.textContent).toContain('+1');
    const mirror = within(results[2] as HTMLElement);
    expect(mirror.getByTestId('search-coverage').textContent).toContain('No trusted publisher covers it');
    expect(mirror.getByTestId('search-policy').textContent).toContain('(default policy)');
    expect(results[3]?.textContent).toContain('official');

    // Docker Hub offline: a quiet note, not an error.
    const note = screen.getByTestId('search-note');
    expect(note.dataset['source']).toBe('docker-hub');
    expect(note.textContent.trim()).toBe('Docker Hub was not searched: it cannot be reached from here.');
    expect(note.title).toContain('Connection refused'); // the detail, on hover
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('search-popup').querySelector('.problem')).toBeNull();
  });

  it('moves with Up/Down, chooses a result and then a tag with Enter', async () => {
    const calls = backend();
    const onpick = vi.fn();
    render(SearchBox, { onpick });
    await type('ap');
    await screen.findAllByTestId('search-result');
    expect(field().getAttribute('aria-expanded')).toBe('true');
    expect(selected('search-result')).toBe('docker.io/globex/api');
    await key('ArrowDown');
    await key('ArrowDown');
    expect(selected('search-result')).toBe('registry.internal:5000/tools/apt-mirror');
    expect(field().getAttribute('aria-activedescendant')).toBe('search-option-2');
    await key('ArrowUp');
    expect(selected('search-result')).toBe('ghcr.io/acme/app');

    await key('Enter');
    // Every tag, on demand; `latest` is where the choice starts.
    await waitFor(() => {
      expect(screen.getAllByTestId('search-tag').map((t) => t.dataset['tag'])).toEqual(ALL_TAGS['ghcr.io/acme/app']);
    });
    expect(calls.filter((c) => c.cmd === 'list_tags').map((c) => c.args)).toEqual([{ repository: 'ghcr.io/acme/app' }]);
    expect(selected('search-tag')).toBe('latest');
    await key('ArrowDown');
    expect(selected('search-tag')).toBe('v1.2');
    expect(onpick).not.toHaveBeenCalled();

    await key('Enter');
    expect(onpick.mock.calls).toEqual([['ghcr.io/acme/app:v1.2']]);
    expect(screen.queryByTestId('search-popup')).toBeNull();
    expect(field().value).toBe('');
  });

  it('Esc goes back from the tags, then closes (and is not heard by the window)', async () => {
    backend();
    const onpick = vi.fn();
    const windowEsc = vi.fn();
    const listener = (e: KeyboardEvent) => {
      if (e.key === 'Escape') windowEsc();
    };
    window.addEventListener('keydown', listener);
    render(SearchBox, { onpick });
    await type('ap');
    await screen.findAllByTestId('search-result');
    await key('Enter');
    await screen.findByTestId('search-tags-list');
    await key('Escape');
    expect(screen.queryByTestId('search-tags-list')).toBeNull();
    expect(screen.getAllByTestId('search-result')).toHaveLength(4);
    await key('Escape');
    expect(screen.queryByTestId('search-popup')).toBeNull();
    expect(field().getAttribute('aria-expanded')).toBe('false');
    expect(onpick).not.toHaveBeenCalled();
    expect(windowEsc).not.toHaveBeenCalled();
    await key('Escape'); // the list is closed: this one is for the window
    expect(windowEsc).toHaveBeenCalledTimes(1);
    window.removeEventListener('keydown', listener);
  });

  it('a click on a result’s tag adds that image at once', async () => {
    backend();
    const onpick = vi.fn();
    render(SearchBox, { onpick });
    await type('ap');
    const results = await screen.findAllByTestId('search-result');
    const tag = (results[1] as HTMLElement).querySelector('[data-tag="v1.1"]') as HTMLElement;
    await fireEvent.click(tag);
    expect(onpick.mock.calls).toEqual([['ghcr.io/acme/app:v1.1']]);
  });

  it('a newer query supersedes an older one: the older answer is never shown', async () => {
    const answers = new Map<string, ReturnType<typeof deferred<SearchAnswer>>>();
    const calls = backend((q) => {
      const d = deferred<SearchAnswer>();
      answers.set(q, d);
      return d.promise;
    });
    render(SearchBox, { onpick: () => undefined });
    await type('globex');
    await waitFor(() => {
      expect(searchCalls(calls)).toEqual(['globex']);
    });
    await type('acme');
    await waitFor(() => {
      expect(searchCalls(calls)).toEqual(['globex', 'acme']);
    });
    const all = searchResults();
    const acme = { ...all, results: all.results.filter((r) => r.repository.includes('acme')) };
    answers.get('acme')?.resolve(found(acme));
    await waitFor(() => {
      expect(screen.getAllByTestId('search-result').map((r) => r.dataset['repository'])).toEqual(['ghcr.io/acme/app']);
    });
    // The older search's answer comes late (or as `superseded` from the core): dropped.
    answers.get('globex')?.resolve(found());
    await wait(20);
    expect(screen.getAllByTestId('search-result').map((r) => r.dataset['repository'])).toEqual(['ghcr.io/acme/app']);
    expect(screen.getByTestId('search-status').textContent).not.toContain('Searching');
  });

  it('Esc while a search is in flight asks the core to stop it and drops its answer', async () => {
    const answer = deferred<SearchAnswer>();
    const calls = backend(() => answer.promise);
    render(SearchBox, { onpick: () => undefined });
    await type('acme');
    await waitFor(() => {
      expect(searchCalls(calls)).toEqual(['acme']);
    });
    await key('Escape');
    expect(calls.map((c) => c.cmd)).toContain('cancel_search');
    answer.resolve({ kind: 'superseded' });
    await wait(20);
    await key('ArrowDown'); // open again: still nothing from the cancelled search
    expect(screen.queryAllByTestId('search-result')).toHaveLength(0);
  });

  it('a search answered `superseded` by the core keeps what was shown and stops waiting', async () => {
    let n = 0;
    backend(() => (++n === 1 ? found() : { kind: 'superseded' }));
    render(SearchBox, { onpick: () => undefined });
    await type('ap');
    await screen.findAllByTestId('search-result');
    await type('apt');
    await waitFor(() => {
      expect(screen.getByTestId('search-status').textContent).not.toContain('Searching');
    });
    expect(screen.getAllByTestId('search-result')).toHaveLength(4);
  });
});

describe('search on the Verify screen', () => {
  it('choosing a result and a tag adds the image to the list and checks it', async () => {
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'search_repositories') return found();
      if (cmd === 'list_tags') return { repository: args?.['repository'], tags: ['2.0', '1.0'] };
      return null; // verify_images: resolves at once, no verdict streamed
    });
    render(VerifyView, { session: new VerifySession(null) });
    await type('globex');
    await screen.findAllByTestId('search-result');
    await key('Enter');
    await waitFor(() => {
      expect(selected('search-tag')).toBe('2.0');
    });
    await key('Enter');
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === 'verify_images').map((c) => c.args?.['references'])).toEqual([
        ['docker.io/globex/api:2.0'],
      ]);
    });
    const row = await screen.findByTestId('verdict-row');
    expect(row.dataset['reference']).toBe('docker.io/globex/api:2.0');
    expect(row.textContent).toContain('from search');
  });

  it('completes a reference typed into the paste box, with the keyboard', async () => {
    const calls = mockBackend((cmd) => (cmd === 'search_repositories' ? found() : null));
    render(VerifyView, { session: new VerifySession(null) });
    const box = screen.getByTestId<HTMLTextAreaElement>('verify-input');
    await fireEvent.input(box, { target: { value: 'nginx:1.27\n127.0.0.1:5000/acme/ap' } });
    const items = await screen.findAllByTestId('completion');
    // The host is left out of the query: catalogs list names without it.
    expect(searchCalls(calls)).toEqual(['acme/ap']);
    expect(items.map((i) => i.dataset['reference'])).toEqual([
      'docker.io/globex/api:2.0',
      'ghcr.io/acme/app:latest',
      'registry.internal:5000/tools/apt-mirror:1',
      'docker.io/library/nginx',
    ]);
    expect(box.getAttribute('aria-activedescendant')).toBe('verify-completions-0');
    await key('ArrowDown', box);
    await key('ArrowDown', box);
    await key('ArrowUp', box);
    expect(box.getAttribute('aria-activedescendant')).toBe('verify-completions-1');
    await key('Enter', box);
    expect(box.value).toBe('nginx:1.27\nghcr.io/acme/app:latest');
    expect(screen.queryByTestId('completions')).toBeNull();
    expect(calls.map((c) => c.cmd)).not.toContain('verify_images'); // completing is not checking

    await fireEvent.input(box, { target: { value: 'nginx:1.27\napt' } });
    await screen.findAllByTestId('completion');
    await key('Escape', box);
    expect(screen.queryByTestId('completions')).toBeNull();
    expect(box.value).toBe('nginx:1.27\napt');
  });

  it('Ctrl+K opens Verify and focuses the search field from anywhere', async () => {
    mockBackend((cmd) => (cmd === 'list_keys' ? [] : null));
    render(App, { session: new VerifySession(null) });
    expect(screen.getByTestId('nav-keys').getAttribute('aria-current')).toBe('page');
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const input = await screen.findByTestId('search-input');
    await waitFor(() => {
      expect(document.activeElement).toBe(input);
    });
    expect(screen.getByTestId('nav-verify').getAttribute('aria-current')).toBe('page');
    // Plain k typed elsewhere does nothing.
    (document.activeElement as HTMLElement).blur();
    await fireEvent.keyDown(window, { key: 'k' });
    expect(document.activeElement).not.toBe(input);
  });
});

describe('completion: what is being typed', () => {
  it('finds the word at the caret only when the caret ends it', () => {
    expect(tokenAt('nginx ghcr.io/ac', 16)).toEqual({ start: 6, end: 16, text: 'ghcr.io/ac' });
    expect(tokenAt('nginx ghcr.io/ac', 3)).toBeNull(); // inside a word
    expect(tokenAt('nginx\n', 6)).toBeNull();
  });

  it('searches the name without host or tag, and leaves digests and YAML alone', () => {
    expect(completionQuery('ghcr.io/acme/ap')).toBe('acme/ap');
    expect(completionQuery('localhost:5000/acme/app:v1')).toBe('acme/app');
    expect(completionQuery('nginx:1.2')).toBe('nginx');
    expect(completionQuery('team/app')).toBe('team/app');
    expect(completionQuery('image:')).toBeNull();
    expect(completionQuery(`nginx@sha256:${'a'.repeat(64)}`)).toBeNull();
    expect(completionQuery('- ')).toBeNull();
    expect(completionQuery('n')).toBeNull();
  });
});
