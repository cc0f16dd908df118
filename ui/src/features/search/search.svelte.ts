import { cancelSearch, errorMessage, searchRepositories } from '../../ipc/api';
import type { Note, SearchResult } from '../../ipc/types';
import { publishers } from '../keys/policyTerms';

/** How long typing must pause before a search starts. */
export const SEARCH_DEBOUNCE_MS = 200;
/** Shorter queries search nothing (every repository would match). */
export const MIN_QUERY = 2;

/**
 * A search as the person types: debounced, and only the latest query's answer is ever shown. A
 * newer query supersedes an older one twice over: the core drops the older search's requests
 * (it answers `superseded`), and an answer that arrives for an older query is ignored here.
 * Nothing waits on it: every call returns at once.
 */
export class RepositorySearch {
  results: SearchResult[] = $state([]);
  notes: Note[] = $state([]);
  /** Waiting for the debounce or the core's answer. */
  loading = $state(false);
  error: string | null = $state(null);
  /** The query the shown results answer, or null before any answer. */
  answered: string | null = $state(null);

  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped by every query and cancel: an answer for an older number is stale. */
  private seq = 0;
  /** Searches of this instance the core is still answering. */
  private inflight = 0;
  private readonly delay: number;

  constructor(delay = SEARCH_DEBOUNCE_MS) {
    this.delay = delay;
  }

  /** Searches `query` once typing pauses; a query too short clears the results. */
  set(query: string): void {
    const q = query.trim();
    if (q.length < MIN_QUERY) {
      this.clear();
      return;
    }
    this.stopTimer();
    const seq = ++this.seq;
    this.loading = true;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(seq, q);
    }, this.delay);
  }

  /** Stops what is pending: nothing in flight will be shown and the core drops its requests. */
  cancel(): void {
    this.stopTimer();
    this.seq += 1;
    this.loading = false;
    if (this.inflight > 0) cancelSearch().catch(() => undefined);
  }

  /** Cancels and forgets the results. */
  clear(): void {
    this.cancel();
    this.results = [];
    this.notes = [];
    this.answered = null;
    this.error = null;
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(seq: number, query: string): Promise<void> {
    this.inflight += 1;
    try {
      const answer = await searchRepositories(query);
      if (seq !== this.seq || answer.kind === 'superseded') return;
      this.results = answer.results;
      this.notes = answer.notes;
      this.answered = query;
      this.error = null;
    } catch (e) {
      if (seq === this.seq) this.error = errorMessage(e);
    } finally {
      this.inflight -= 1;
      if (seq === this.seq) this.loading = false;
    }
  }
}

/** `repository:tag`, or the repository alone when there is no tag (its `latest`). */
export function imageReference(repository: string, tag: string | null): string {
  return tag === null ? repository : `${repository}:${tag}`;
}

/** The tag a result is added with when none is chosen: `latest` if listed, else the first. */
export function defaultTag(result: SearchResult): string | null {
  return result.tags.includes('latest') ? 'latest' : (result.tags[0] ?? null);
}

const SOURCE_LABELS: Record<SearchResult['source'], string> = {
  registry: 'registry catalog',
  'docker-hub': 'Docker Hub',
  'trusted-scope': 'trusted key scope',
  history: 'history',
};

export function sourceLabel(source: SearchResult['source']): string {
  return SOURCE_LABELS[source];
}

/** The policy that applies, in words: "enforce, 1 publisher (ghcr.io/acme/**)". */
export function policyWords(result: SearchResult): string {
  const p = result.policy;
  const required = p.mode === 'off' ? '' : `, ${publishers(p.threshold)}`;
  return `${p.mode}${required} (${p.pattern ?? 'default policy'})`;
}
