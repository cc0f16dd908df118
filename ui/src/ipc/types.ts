// The IPC contract. Every type the Rust side sends or receives is generated from the Rust types
// into ./generated (ts-rs; regenerate with `scripts/gen-ts.sh`, `make lint` fails when stale).
// This file only re-exports them, names a few under the UI's words, and adds UI-only types.

import type {
  Algorithm,
  FoundRef,
  ImportReport,
  IpcError,
  Origin,
  Outcome,
  SourceKind,
  Status,
  Target,
} from './generated';

export type * from './generated';

// ---- UI names for generated types ----

export type KeyAlgorithm = Algorithm;
/** Which enforcer an export is for (`vouch export containers|kyverno|policy-controller`). */
export type ExportTarget = Target;
export type CheckOutcome = Outcome;
export type TrustImportReport = ImportReport;
export type ExtractedKind = SourceKind;
export type ExtractedReference = FoundRef;
/** Where an attestation was found. */
export type AttestationOrigin = Origin;
/** Commands reject with this shape. */
export type IpcErrorPayload = IpcError;

// ---- UI-only types ----

/** A verdict status, or `checking` while the check is still in flight (UI only). */
export type DisplayStatus = Status | 'checking';

/** The algorithms the Generate dialog offers (the shell also accepts `ecdsa-p256`). */
export type GenerateKeyAlgorithm = 'ed25519' | 'p256';

/** Native file drag-and-drop on the window, as the UI needs it. */
export type FileDragEvent = { type: 'enter'; paths: string[] } | { type: 'over' } | { type: 'drop'; paths: string[] } | { type: 'leave' };
