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
  /** What the key list shows, computed by the core when the key was listed. */
  state: KeyState;
};

/** A key's state as the core computes it (`expiring`: trust ends within the core's window). */
export type KeyState =
  | { kind: 'active' }
  | { kind: 'expiring'; days_left: number; expires_at: string }
  | { kind: 'expired'; expired_at: string }
  | { kind: 'revoked' };

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
export type CheckName =
  | 'resolve'
  | 'digest'
  | 'signatures_found'
  | 'signature'
  | 'payload'
  | 'digest_binding'
  | 'identity'
  | 'key_status'
  | 'scope'
  | 'policy'
  | 'platforms';
export type Check = { name: CheckName; outcome: CheckOutcome; detail: string };

/** The trusted key a problem is about. */
export type KeyRef = { fingerprint: string; publisher: string };

/** Why a signature does not count, or what decided a verdict (vouch-core `verify::Problem`). */
export type Problem =
  | { code: 'broken'; detail: string }
  | { code: 'no_trusted_key'; trusted_keys: number }
  | { code: 'notary' }
  | { code: 'unsupported'; what: string }
  | { code: 'bad_payload'; key: KeyRef; detail: string }
  | { code: 'wrong_digest'; key: KeyRef; signed_for: string[]; image: string }
  | { code: 'wrong_identity'; key: KeyRef; signed_for: string[]; repository: string }
  | { code: 'revoked'; key: KeyRef; reason: string | null; at: string | null }
  | { code: 'expired'; key: KeyRef; expired_at: string; checked_at: string }
  | { code: 'out_of_scope'; key: KeyRef; scopes: string[]; repository: string }
  | { code: 'bad_statement'; detail: string }
  | { code: 'wrong_subject'; subjects: string[]; expected: string }
  | { code: 'unknown_platform'; for_digest: string | null }
  | { code: 'not_covered'; describes: string }
  | { code: 'no_signatures'; repository: string; digest: string }
  | { code: 'threshold_not_met'; keys: KeyRef[]; required: number; policy: string | null; repository: string }
  | { code: 'bad_reference'; input: string; message: string }
  | { code: 'trust_unavailable'; message: string }
  | { code: 'unreachable'; host: string; message: string }
  | { code: 'registry_timeout'; host: string; message: string }
  | { code: 'gave_up'; host: string; secs: number }
  | { code: 'too_large'; host: string; limit: number; message: string }
  | { code: 'access_denied'; host: string; status: number; message: string }
  | { code: 'refused'; host: string; status: number | null; message: string }
  | { code: 'credential_helper'; host: string; helper: string; message: string }
  | { code: 'not_found'; host: string; message: string }
  | { code: 'registry_status'; host: string; status: number; message: string }
  | { code: 'digest_mismatch'; host: string; expected: string; actual: string; message: string }
  | { code: 'registry_protocol'; host: string; message: string }
  | { code: 'failed'; message: string };

export type SignatureReport = {
  fingerprint: string | null;
  publisher: string | null;
  valid: boolean;
  problem: string | null;
  cause: Problem | null;
};

export type PolicyMode = 'enforce' | 'warn' | 'off';
export type PolicyApplied = { pattern: string | null; mode: PolicyMode; threshold: number };

export type PlatformVerdict = {
  platform: string;
  digest: string;
  status: Status;
  reason: string;
  cause: Problem | null;
};

export type Verdict = {
  reference: string;
  repository: string | null;
  digest: string | null;
  status: Status;
  reason: string;
  /** What decided a status other than `verified` (`null` when verified). */
  cause: Problem | null;
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

// ---- Image inspection (vouch-core `provenance`): the verdict plus what the registry holds. ----

/** Where an attestation was found. */
export type AttestationOrigin =
  | { kind: 'cosign_tag'; tag: string }
  | { kind: 'referrer'; digest: string }
  | { kind: 'buildkit'; manifest: string; for_digest: string | null };

/** What protects an attestation's content: its own DSSE signature, the image signature, or nothing. */
export type Protection = 'dsse' | 'image_signature' | 'none';

export type Subject = { name: string; digest: Record<string, string> };

/** A SLSA material (v0.2) or resolved dependency (v1). */
export type MaterialRef = { uri: string | null; name: string | null; digest: Record<string, string> };

/** SLSA build facts (all empty for other predicate types); flattened into `Attestation`. */
export type BuildProvenance = {
  slsa_version: string | null;
  builder_id: string | null;
  builder_version: string | null;
  build_type: string | null;
  source_uri: string | null;
  source_revision: string | null;
  entry_point: string | null;
  started_on: string | null;
  finished_on: string | null;
  invocation_id: string | null;
  materials: MaterialRef[];
  materials_omitted: number;
};

/** One attestation, assessed by the core (`verified` and `reason` are its decision). */
export type Attestation = {
  predicate_type: string;
  verified: boolean;
  signer: string | null;
  publisher: string | null;
  reason: string;
  /** Which check failed, typed (`null` when verified). */
  cause: Problem | null;
  protection: Protection;
  origin: AttestationOrigin;
  statement_type: string | null;
  subjects: Subject[];
  key_hints: string[];
} & BuildProvenance;

export type PlatformInfo = {
  platform: string;
  digest: string;
  layer_count: number | null;
  total_size: number | null;
  history_length: number | null;
  created: string | null;
};

export type ImageMetadata = {
  media_type: string | null;
  is_index: boolean;
  /** `org.opencontainers.image.*` without the prefix. */
  oci: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  created: string | null;
  platforms: PlatformInfo[];
  layer_count: number | null;
  total_size: number | null;
  history_length: number | null;
  attestation_manifests: number;
  problems: string[];
};

export type NodeKind =
  | 'image'
  | 'digest'
  | 'platform'
  | 'signature'
  | 'key'
  | 'publisher'
  | 'attestation'
  | 'builder'
  | 'source'
  | 'material';

export type EdgeKind =
  | 'resolves_to'
  | 'contains'
  | 'signed_by'
  | 'verified_with'
  | 'belongs_to'
  | 'attested_by'
  | 'built_by'
  | 'built_from'
  | 'depends_on';

/** How a node is to be shown; decided by the core, never by the UI. */
export type Mark = 'verified' | 'unverified' | 'unsigned' | 'attested' | 'claimed';

export type GraphNode = { id: string; kind: NodeKind; label: string; mark: Mark | null; detail: string | null };
export type GraphEdge = { from: string; to: string; kind: EdgeKind };
export type ProvenanceGraph = { nodes: GraphNode[]; edges: GraphEdge[] };

export type Inspection = {
  verdict: Verdict;
  metadata: ImageMetadata | null;
  attestations: Attestation[];
  graph: ProvenanceGraph;
  /** What was consulted, and what could not be read. */
  notes: string[];
};

// ---- Pull ----

export type PullEvent = { kind: 'line'; text: string };

export type PullOutcome = {
  /** `repository@sha256:…`: what was (or would be) pulled. */
  pinned: string;
  /** The command that pulls it (to copy when no tool is installed). */
  command: string;
  /** `docker` or `podman` when one was found and run; null when the command is to be copied. */
  tool: string | null;
  pulled: boolean;
  status: Status;
};

// ---- Settings ----

export type Theme = 'system' | 'light' | 'dark';
export type Settings = { insecure_registries: string[]; theme: Theme };
