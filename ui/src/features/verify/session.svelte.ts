import { cancelVerification, errorMessage, extractReferences, pullImage, verifyImages } from '../../ipc/api';
import type { DisplayStatus, Extracted, ExtractedReference, PullOutcome, Verdict, VerifyEvent } from '../../ipc/types';
import { historyStore, type HistoryStore } from '../history/history.svelte';

/** A pull started from a row: its streamed output and how it ended. */
export type PullState = {
  /** `copy`: no docker/podman here, the pinned command is shown to copy. */
  phase: 'running' | 'done' | 'failed' | 'copy';
  /** Whether the user confirmed pulling an unverified image. */
  accepted: boolean;
  lines: string[];
  outcome: PullOutcome | null;
  error: string | null;
};

/** Most output lines kept per pull (the oldest are dropped). */
export const PULL_LOG_LIMIT = 2000;

export type VerifyRow = {
  /** Stable for the row's lifetime (indexes shift when rows are removed). */
  id: number;
  reference: string;
  /** Where the reference came from: a dropped file's name, or null for typed text. */
  source: string | null;
  /** Where in the source, as the core reports it (e.g. "line 3", "services.web.image"). */
  origin: string;
  platform: string | null;
  status: DisplayStatus;
  reason: string;
  verdict: Verdict | null;
  pull: PullState | null;
};

/** Something the core could not make sense of while extracting references. */
export type Problem = { source: string | null; message: string };

/** What the core found in the text box, shown before the user presses Check. */
export type Preview = { references: ExtractedReference[]; problems: string[] };

const QUEUED = 'Waiting to be checked…';
const STARTED = 'Checking signatures and policy…';

/**
 * The list of images on the Verify screen. Lives outside the view so results survive switching
 * tabs. References always come from the core's extractor; rows show `checking` until their
 * `finished` event arrives over the channel.
 */
export class VerifySession {
  input = $state('');
  rows: VerifyRow[] = $state([]);
  problems: Problem[] = $state([]);
  preview: Preview | null = $state(null);
  extracting = $state(false);
  error: string | null = $state(null);
  /** The reference whose detail (inspection) page is open, if any. */
  inspecting: string | null = $state(null);
  /** Set from Cancel (or Esc) until the batches in flight have ended. */
  cancelling = $state(false);
  /** Batches in flight (a drop can start one while another runs). */
  private active = $state(0);
  private nextId = 0;
  private readonly history: HistoryStore | null;

  /** `history` is re-read after each batch the core recorded (null: no history shown). */
  constructor(history: HistoryStore | null = historyStore) {
    this.history = history;
  }

  readonly running = $derived(this.active > 0);

  readonly counts = $derived.by(() => {
    const counts: Partial<Record<DisplayStatus, number>> = {};
    for (const row of this.rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    return counts;
  });

  /** Asks the core what references the text box holds, to show them before checking. */
  async previewInput(): Promise<void> {
    const text = this.input;
    if (text.trim() === '') {
      this.preview = null;
      return;
    }
    this.extracting = true;
    try {
      const extracted = await extractReferences(null, text);
      if (this.input === text) this.preview = { references: extracted.references, problems: extracted.problems };
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.extracting = false;
    }
  }

  /** Check: the core extracts the references from the text box; they join the list and are checked. */
  async checkInput(): Promise<void> {
    const text = this.input;
    if (text.trim() === '' || this.extracting) return;
    this.extracting = true;
    this.error = null;
    let extracted: Extracted;
    try {
      extracted = await extractReferences(null, text);
    } catch (e) {
      this.error = errorMessage(e);
      return;
    } finally {
      this.extracting = false;
    }
    // Problems in typed text: shown with the text while it stays, in the list once it is checked.
    this.problems = this.problems.filter((p) => p.source !== null);
    if (extracted.references.length === 0) {
      this.preview = { references: [], problems: extracted.problems };
      return;
    }
    this.problems.push(...extracted.problems.map((message) => ({ source: null, message })));
    this.preview = null;
    if (this.input === text) this.input = '';
    await this.add(extracted.references, null);
  }

  /** References found in a dropped file: they join the list and are checked. */
  async addExtracted(extracted: Extracted, source: string): Promise<void> {
    this.problems = [
      ...this.problems.filter((p) => p.source !== source),
      ...extracted.problems.map((message) => ({ source, message })),
    ];
    await this.add(extracted.references, source);
  }

  /**
   * Adds references to the list (ones already listed are checked again in place) and checks them
   * in one batch.
   */
  async add(references: ExtractedReference[], source: string | null): Promise<void> {
    const batch: VerifyRow[] = [];
    for (const ref of references) {
      const existing = this.rows.find((r) => r.reference === ref.reference);
      if (existing !== undefined) {
        if (existing.status === 'checking' || batch.includes(existing)) continue;
        Object.assign(existing, { status: 'checking', reason: QUEUED, verdict: null });
        batch.push(existing);
        continue;
      }
      const row: VerifyRow = {
        id: this.nextId++,
        reference: ref.reference,
        source,
        origin: ref.origin,
        platform: ref.platform,
        status: 'checking',
        reason: QUEUED,
        verdict: null,
        pull: null,
      };
      this.rows.push(row);
      batch.push(this.rows[this.rows.length - 1] as VerifyRow); // the reactive proxy
    }
    if (batch.length === 0) return;
    const ids = batch.map((r) => r.id);
    this.active += 1;
    try {
      const warning = await verifyImages(
        batch.map((r) => r.reference),
        (event) => this.apply(ids, event),
      );
      void this.history?.recorded(warning);
    } catch (e) {
      this.error = errorMessage(e);
      this.settle(ids, this.error);
      return;
    } finally {
      this.active -= 1;
      if (this.active === 0) this.cancelling = false;
    }
    this.settle(ids, 'No result came back for this image.');
  }

  /** Applies one streamed event to its row; `ids` maps the batch's indexes to rows. */
  private apply(ids: number[], event: VerifyEvent): void {
    const row = this.rows.find((r) => r.id === ids[event.index]);
    if (row === undefined) return; // removed from the list meanwhile
    if (event.kind === 'started') {
      if (row.verdict === null) {
        row.status = 'checking';
        row.reason = STARTED;
      }
    } else {
      // A cancelled image has no verdict to open or pull from: only its status and sentence.
      row.verdict = event.verdict.status === 'cancelled' ? null : event.verdict;
      row.status = event.verdict.status;
      row.reason = event.verdict.reason;
    }
  }

  /**
   * Cancels the batches in flight: the core drops their requests, starts no further image and
   * answers `cancelled` for every image not finished (which it leaves out of the history).
   */
  async cancel(): Promise<void> {
    if (!this.running || this.cancelling) return;
    this.cancelling = true;
    try {
      await cancelVerification();
    } catch (e) {
      this.error = errorMessage(e);
      this.cancelling = false;
    }
  }

  /** Rows of a finished batch still checking get an error status instead of spinning forever. */
  private settle(ids: number[], reason: string): void {
    for (const row of this.rows) {
      if (ids.includes(row.id) && row.status === 'checking') {
        row.status = 'error';
        row.reason = reason;
      }
    }
  }

  /**
   * Pulls a row's image pinned by digest. The core verifies it again and decides; the UI only
   * passes on whether the user confirmed pulling an unverified image.
   */
  async pull(id: number, acceptUnverified: boolean): Promise<void> {
    const found = this.rows.find((r) => r.id === id);
    if (found === undefined || found.pull?.phase === 'running') return;
    found.pull = { phase: 'running', accepted: acceptUnverified, lines: [], outcome: null, error: null };
    const job = found.pull; // the reactive proxy
    try {
      const outcome = await pullImage(found.reference, acceptUnverified, (text) => {
        job.lines.push(text);
        if (job.lines.length > PULL_LOG_LIMIT) job.lines.splice(0, job.lines.length - PULL_LOG_LIMIT);
      });
      job.outcome = outcome;
      job.phase = outcome.tool === null ? 'copy' : outcome.pulled ? 'done' : 'failed';
    } catch (e) {
      job.error = errorMessage(e);
      job.phase = 'failed';
    }
  }

  /** Hides a finished pull's log. */
  dismissPull(id: number): void {
    const row = this.rows.find((r) => r.id === id);
    if (row !== undefined && row.pull?.phase !== 'running') row.pull = null;
  }

  remove(id: number): void {
    this.rows = this.rows.filter((r) => r.id !== id);
  }

  /** Empties the list, the text box and the messages. Results still streaming are ignored. */
  clear(): void {
    this.rows = [];
    this.problems = [];
    this.preview = null;
    this.input = '';
    this.error = null;
    this.inspecting = null;
  }
}

export const verifySession = new VerifySession();
