import type { Status, Verdict } from '../../ipc/types';
import { isoNow } from '../../lib/format';

/** One finished check, as remembered on this computer. */
export type HistoryEntry = {
  id: string;
  reference: string;
  digest: string | null;
  status: Status;
  reason: string;
  /** RFC 3339, when the verdict arrived. */
  checked_at: string;
};

export const HISTORY_KEY = 'vouch.history.v1';
export const HISTORY_LIMIT = 500;

const STATUSES: readonly string[] = ['verified', 'unsigned', 'untrusted', 'invalid', 'error'];

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['id'] === 'string' &&
    typeof v['reference'] === 'string' &&
    (v['digest'] === null || typeof v['digest'] === 'string') &&
    typeof v['status'] === 'string' &&
    STATUSES.includes(v['status']) &&
    typeof v['reason'] === 'string' &&
    typeof v['checked_at'] === 'string'
  );
}

/**
 * Past checks, newest first, kept in localStorage (bounded to the last {@link HISTORY_LIMIT}).
 * Only what the core decided is stored: reference, digest, status, reason and time.
 */
export class HistoryStore {
  /** Immutable entries, replaced as a whole (no deep proxies over hundreds of rows). */
  entries: readonly HistoryEntry[] = $state.raw([]);
  private readonly storage: Storage | null;
  private seq = 0;

  constructor(storage: Storage | null = typeof localStorage === 'undefined' ? null : localStorage) {
    this.storage = storage;
    this.entries = this.load();
  }

  private load(): HistoryEntry[] {
    try {
      const raw = this.storage?.getItem(HISTORY_KEY) ?? null;
      if (raw === null) return [];
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed) ? parsed.filter(isEntry).slice(0, HISTORY_LIMIT) : [];
    } catch {
      return []; // unreadable history is dropped, not fatal
    }
  }

  private persist(): void {
    try {
      this.storage?.setItem(HISTORY_KEY, JSON.stringify(this.entries));
    } catch {
      // full or unavailable: the in-memory list still works this session
    }
  }

  /** Records a finished verdict. */
  record(verdict: Verdict, at: string = isoNow()): void {
    const entry: HistoryEntry = {
      id: `${Date.parse(at).toString(36)}-${(this.seq++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
      reference: verdict.reference,
      digest: verdict.digest,
      status: verdict.status,
      reason: verdict.reason,
      checked_at: at,
    };
    this.entries = [entry, ...this.entries].slice(0, HISTORY_LIMIT);
    this.persist();
  }

  clear(): void {
    this.entries = [];
    this.persist();
  }
}

export const historyStore = new HistoryStore();
