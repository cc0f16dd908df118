import { errorMessage, verifyImages } from '../../ipc/api';
import type { DisplayStatus, Verdict, VerifyEvent } from '../../ipc/types';

export type VerifyRow = {
  index: number;
  reference: string;
  status: DisplayStatus;
  reason: string;
  verdict: Verdict | null;
};

const QUEUED = 'Waiting to be checked…';
const STARTED = 'Checking signatures and policy…';

/**
 * One round of checks. Lives outside the view so results survive switching tabs.
 * Rows show `checking` until their `finished` event arrives over the channel.
 */
export class VerifySession {
  input = $state('');
  rows: VerifyRow[] = $state([]);
  running = $state(false);
  error: string | null = $state(null);

  readonly counts = $derived.by(() => {
    const counts: Partial<Record<DisplayStatus, number>> = {};
    for (const row of this.rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    return counts;
  });

  async run(references: string[]): Promise<void> {
    if (this.running || references.length === 0) return;
    this.error = null;
    this.running = true;
    this.rows = references.map((reference, index) => ({
      index,
      reference,
      status: 'checking',
      reason: QUEUED,
      verdict: null,
    }));
    try {
      await verifyImages(references, (event) => this.apply(event));
    } catch (e) {
      this.error = errorMessage(e);
      this.settle(this.error);
      return;
    } finally {
      this.running = false;
    }
    this.settle('No result came back for this image.');
  }

  /** Applies one streamed event to its row. */
  apply(event: VerifyEvent): void {
    const row = this.rows[event.index];
    if (row === undefined) return;
    if (event.kind === 'started') {
      if (row.verdict === null) {
        row.status = 'checking';
        row.reason = STARTED;
      }
    } else {
      row.verdict = event.verdict;
      row.status = event.verdict.status;
      row.reason = event.verdict.reason;
    }
  }

  /** Rows still checking when the call ends get an error status instead of spinning forever. */
  private settle(reason: string): void {
    for (const row of this.rows) {
      if (row.status === 'checking') {
        row.status = 'error';
        row.reason = reason;
      }
    }
  }

  clear(): void {
    if (this.running) return;
    this.rows = [];
    this.error = null;
  }
}

export const verifySession = new VerifySession();
