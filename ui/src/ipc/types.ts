// Mirror of the Rust IPC contract (snake_case field names, RFC 3339 timestamps).
// Keep in sync with src-tauri; the Rust side is the source of truth.

export type DoctorReport = {
  version: string;
  profile: string;
  config_path: string;
  keychain: { reachable: boolean; backend: string; detail: string };
  pullers: Puller[];
};

export type Puller = { name: string; path: string | null };

export type KeyStatus = 'active' | 'revoked';
export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256' | 'rsa';

export type KeyInfo = {
  fingerprint: string;
  algorithm: KeyAlgorithm;
  publisher: string;
  note: string | null;
  scopes: string[];
  status: KeyStatus;
  revoked_reason: string | null;
  revoked_at: string | null;
  added_at: string;
  expires_at: string | null;
  has_private: boolean;
};

export type AddKeyArgs = {
  pem: string;
  publisher: string | null;
  scopes: string[];
  note: string | null;
  expires_at: string | null;
};

export type Status = 'verified' | 'unsigned' | 'untrusted' | 'invalid' | 'error';
/** A verdict status, or `checking` while the check is still in flight (UI only). */
export type DisplayStatus = Status | 'checking';

export type CheckOutcome = 'passed' | 'failed' | 'not_applicable';
export type Check = { name: string; outcome: CheckOutcome; detail: string };

export type SignatureReport = {
  fingerprint: string | null;
  publisher: string | null;
  valid: boolean;
  problem: string | null;
};

export type PolicyMode = 'enforce' | 'warn' | 'off';
export type PolicyApplied = { pattern: string | null; mode: PolicyMode; threshold: number };

export type PlatformVerdict = { platform: string; digest: string; status: Status; reason: string };

export type Verdict = {
  reference: string;
  repository: string | null;
  digest: string | null;
  status: Status;
  reason: string;
  enforced: boolean;
  checks: Check[];
  signatures: SignatureReport[];
  platforms: PlatformVerdict[];
  policy: PolicyApplied | null;
};

export type VerifyEvent =
  | { kind: 'started'; index: number; reference: string }
  | { kind: 'finished'; index: number; verdict: Verdict };

export type GenerateKeyAlgorithm = 'ed25519' | 'p256';

export type GenerateKeyArgs = { publisher: string; algorithm: GenerateKeyAlgorithm; scopes: string[] };

/** `null` leaves a field as it is; `note: ''` clears the note; `clear_expiry` removes the expiry. */
export type EditKeyArgs = {
  fingerprint: string;
  publisher: string | null;
  note: string | null;
  scopes: string[] | null;
  expires_at: string | null;
  clear_expiry: boolean;
};

/** A verification policy for repositories matching `pattern` (the most specific pattern wins). */
export type Policy = { pattern: string; mode: PolicyMode; threshold: number };

export type TrustImportReport = {
  added: string[];
  unchanged: string[];
  revoked: string[];
  policies_added: string[];
  conflicts: string[];
};

export type ExtractedKind = 'text' | 'compose' | 'kubernetes' | 'dockerfile';
export type ExtractedReference = { reference: string; origin: string; platform: string | null };
/** Image references found by the core in a file or in text, plus what it could not make sense of. */
export type Extracted = { kind: ExtractedKind; references: ExtractedReference[]; problems: string[] };

export type DroppedFile =
  | { path: string; kind: 'key'; fingerprint: string; algorithm: string; pem: string }
  | { path: string; kind: 'references'; extracted: Extracted }
  | { path: string; kind: 'unreadable'; message: string };

/** Native file drag-and-drop on the window, as the UI needs it. */
export type FileDragEvent = { type: 'enter'; paths: string[] } | { type: 'over' } | { type: 'drop'; paths: string[] } | { type: 'leave' };

/** Commands reject with this shape. */
export type IpcErrorPayload = { code: string; message: string };
