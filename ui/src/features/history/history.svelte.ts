import { clearHistory, errorMessage, listHistory } from '../../ipc/api';
import type { HistoryEntry } from '../../ipc/types';

export type { HistoryEntry };

/**
 * Past checks, newest first, as the core keeps them for the active profile (shared with
 * `vouch history`; the core records every verdict and caps the list). The window only reads,
 * clears and re-reads them.
 */
export class HistoryStore {
  /** Immutable entries, replaced as a whole (no deep proxies over hundreds of rows). */
  entries: readonly HistoryEntry[] = $state.raw([]);
  /** The core's sentence when the history file was unreadable (set aside) or not written. */
  warning: string | null = $state(null);
  error: string | null = $state(null);
  loaded = $state(false);

  /** Reads the history from the core. */
  async load(): Promise<void> {
    try {
      const read = await listHistory();
      this.entries = read.entries;
      if (read.warning !== null) this.warning = read.warning;
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loaded = true;
    }
  }

  /** A batch finished and the core recorded it (`warning`: why it could not). */
  async recorded(warning: string | null): Promise<void> {
    if (warning !== null) this.warning = warning;
    if (this.loaded) await this.load();
  }

  async clear(): Promise<void> {
    try {
      await clearHistory();
      this.entries = [];
      this.warning = null;
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    }
  }
}

export const historyStore = new HistoryStore();
