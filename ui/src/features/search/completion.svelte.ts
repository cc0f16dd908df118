import type { SearchResult } from '../../ipc/types';
import { MIN_QUERY, RepositorySearch, defaultTag, imageReference } from './search.svelte';

/** Most completions listed under the paste box. */
export const MAX_COMPLETIONS = 6;

/** The word being typed: `text.slice(start, end)`, `end` at the caret. */
export type Token = { start: number; end: number; text: string };

/** The word ending at `caret`, when the caret is at its end (a space, a line end or the end follows). */
export function tokenAt(text: string, caret: number): Token | null {
  const after = text.charAt(caret);
  if (after !== '' && !/\s/.test(after)) return null;
  let start = caret;
  while (start > 0 && !/\s/.test(text.charAt(start - 1))) start -= 1;
  if (start === caret) return null;
  return { start, end: caret, text: text.slice(start, caret) };
}

/**
 * What to search for a partly typed reference, or null when it is not one being typed: a
 * digest, YAML or shell syntax. The tag and a registry host (`host:port/`, `ghcr.io/`) are left
 * out, since catalogs list names without their host.
 */
export function completionQuery(token: string): string | null {
  if (/[@"'=`$]/.test(token) || token.endsWith(':') || token.startsWith('-') || token.startsWith('#')) return null;
  let name = token;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const first = name.split('/')[0] ?? '';
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    name = name.slice(first.length + 1);
  }
  return name.length >= MIN_QUERY ? name : null;
}

/**
 * Completion of references typed into the paste box, from the same search as the search field:
 * debounced, superseded by newer typing, never waited on.
 */
export class PasteCompletion {
  readonly search: RepositorySearch = new RepositorySearch();
  token: Token | null = $state(null);
  active = $state(0);
  private open = $state(false);

  readonly items: SearchResult[] = $derived(this.open ? this.search.results.slice(0, MAX_COMPLETIONS) : []);

  /** The text changed by typing: searches the word at the caret, or closes. */
  update(text: string, caret: number): void {
    const token = tokenAt(text, caret);
    const query = token === null ? null : completionQuery(token.text);
    if (token === null || query === null) {
      this.close();
      return;
    }
    this.token = token;
    this.active = 0;
    this.open = true;
    this.search.set(query);
  }

  move(delta: number): void {
    const n = this.items.length;
    if (n > 0) this.active = (this.active + delta + n) % n;
  }

  /** `text` with the word replaced by the chosen result's reference, and the caret after it. */
  accept(text: string, index = this.active): { text: string; caret: number } | null {
    const result = this.items[index];
    const token = this.token;
    if (result === undefined || token === null) return null;
    const reference = imageReference(result.repository, defaultTag(result));
    this.close();
    return { text: text.slice(0, token.start) + reference + text.slice(token.end), caret: token.start + reference.length };
  }

  close(): void {
    this.open = false;
    this.token = null;
    this.search.clear();
  }
}
