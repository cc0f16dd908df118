// The only module that talks to the Tauri backend. Everything else imports from here.
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AddIdentityArgs,
  AddKeyArgs,
  CaFileChoice,
  DefaultPolicy,
  DoctorReport,
  DroppedFile,
  EditKeyArgs,
  ExportPreview,
  ExportSaved,
  ExportTarget,
  Extracted,
  FileDragEvent,
  GenerateKeyArgs,
  HistoryRead,
  IdentityInfo,
  Inspection,
  IpcErrorPayload,
  KeyChoice,
  KeyInfo,
  ListDiff,
  Policy,
  PolicyMode,
  PullEvent,
  PullOutcome,
  RegistryAccess,
  RepositoryTags,
  Saved,
  SearchAnswer,
  SubscriptionInfo,
  SyncCheck,
  Settings,
  TrustImportReport,
  TrustSetChoice,
  VerifyEvent,
} from './types';
import { hasBootKeys } from './boot';

/** An error returned by a backend command, normalised to `{ code, message }`. */
export class IpcError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }
}

function isErrorPayload(value: unknown): value is IpcErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['code'] === 'string' &&
    typeof (value as Record<string, unknown>)['message'] === 'string'
  );
}

/** Turns whatever a rejected invoke produced into an IpcError with a readable message. */
export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof IpcError) return raw;
  if (isErrorPayload(raw)) return new IpcError(raw.code, raw.message);
  if (raw instanceof Error) return new IpcError('internal', raw.message);
  if (typeof raw === 'string' && raw.length > 0) return new IpcError('internal', raw);
  return new IpcError('internal', 'Unexpected error from the Vouch core.');
}

/** Message for display, whatever was thrown. */
export function errorMessage(raw: unknown): string {
  return toIpcError(raw).message;
}

/** True inside the Tauri webview (or when tests/demo installed an IPC mock). */
function hasBackend(): boolean {
  const internals = (window as unknown as { __TAURI_INTERNALS__?: { invoke?: unknown } })
    .__TAURI_INTERNALS__;
  return typeof internals?.invoke === 'function';
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasBackend()) {
    throw new IpcError('no_backend', 'The Vouch core is not running. Open this screen from the Vouch app.');
  }
  try {
    return await invoke<T>(cmd, args);
  } catch (raw) {
    throw toIpcError(raw);
  }
}

export function doctor(): Promise<DoctorReport> {
  return call<DoctorReport>('doctor');
}

/** Per configured registry: where its credentials come from and a "test connection". */
export function checkRegistryAccess(): Promise<RegistryAccess[]> {
  return call<RegistryAccess[]>('check_registry_access');
}

export function listKeys(): Promise<KeyInfo[]> {
  return call<KeyInfo[]>('list_keys');
}

let prefetchedKeys: Promise<KeyInfo[]> | null = null;

/** Start reading the keys before the first screen is rendered (main.ts), so the keychain round
 * trip overlaps the first layout; not when the page came with them (boot.ts). */
export function prefetchKeys(): void {
  if (hasBootKeys()) return;
  prefetchedKeys = listKeys();
  // Whoever takes it handles a failure; this only keeps it from being reported as unhandled.
  prefetchedKeys.catch(() => undefined);
}

/** The keys: the prefetched answer the first time, if there is one, else a fresh read. */
export function listKeysOnce(): Promise<KeyInfo[]> {
  const early = prefetchedKeys;
  prefetchedKeys = null;
  return early ?? listKeys();
}

export function addKey(args: AddKeyArgs): Promise<KeyInfo> {
  return call<KeyInfo>('add_key', { args });
}

export function revokeKey(fingerprint: string, reason: string): Promise<KeyInfo> {
  return call<KeyInfo>('revoke_key', { fingerprint, reason });
}

export async function removeKey(fingerprint: string): Promise<void> {
  await call<null>('remove_key', { fingerprint });
}

export function listIdentities(): Promise<IdentityInfo[]> {
  return call<IdentityInfo[]>('list_identities');
}

/** Trusts a keyless identity (or updates the one with the same id); the core checks every field. */
export function addIdentity(args: AddIdentityArgs): Promise<IdentityInfo> {
  return call<IdentityInfo>('add_identity', { args });
}

export function revokeIdentity(id: string, reason: string): Promise<IdentityInfo> {
  return call<IdentityInfo>('revoke_identity', { id, reason });
}

export async function removeIdentity(id: string): Promise<void> {
  await call<null>('remove_identity', { id });
}

/** The profile's trusted roots by name, the Sigstore public-good one first. */
export function listTrustRootNames(): Promise<string[]> {
  return call<string[]>('list_trust_root_names');
}

export function exportKey(fingerprint: string): Promise<string> {
  return call<string>('export_key', { fingerprint });
}

/**
 * Checks the references; `onEvent` receives `started`/`finished` events as they stream in.
 * Resolves when every reference has been checked and the core has recorded the verdicts in the
 * profile's history: with null, or a sentence when they could not be recorded.
 */
export function verifyImages(references: string[], onEvent: (event: VerifyEvent) => void): Promise<string | null> {
  const channel = new Channel<VerifyEvent>(onEvent);
  return call<string | null>('verify_images', { references, onEvent: channel });
}

/** Cancels the batches running now; the core answers how many there were. */
export function cancelVerification(): Promise<number> {
  return call<number>('cancel_verification');
}

/** The profile's past checks, newest first, as the core keeps them (shared with the CLI). */
export function listHistory(): Promise<HistoryRead> {
  return call<HistoryRead>('list_history');
}

export async function clearHistory(): Promise<void> {
  await call<null>('clear_history');
}

export function generateKey(args: GenerateKeyArgs): Promise<KeyInfo> {
  return call<KeyInfo>('generate_key', { args });
}

export function editKey(args: EditKeyArgs): Promise<KeyInfo> {
  return call<KeyInfo>('edit_key', { args });
}

export function listPolicies(): Promise<Policy[]> {
  return call<Policy[]>('list_policies');
}

export function setPolicy(pattern: string, mode: PolicyMode, threshold: number): Promise<Policy> {
  return call<Policy>('set_policy', { pattern, mode, threshold });
}

/** The policy where no pattern matches. */
export function getDefaultPolicy(): Promise<DefaultPolicy> {
  return call<DefaultPolicy>('get_default_policy');
}

export function setDefaultPolicy(mode: PolicyMode, threshold: number): Promise<DefaultPolicy> {
  return call<DefaultPolicy>('set_default_policy', { mode, threshold });
}

/** True when a policy with that pattern existed and was removed. */
export function removePolicy(pattern: string): Promise<boolean> {
  return call<boolean>('remove_policy', { pattern });
}

/** The whole trust set (keys, revocations, policies) as the JSON document text. */
export function exportTrustSet(): Promise<string> {
  return call<string>('export_trust_set');
}

/** What a native save dialog led to: nothing written, or the file the user chose. */
export type SaveResult = Saved;

/** What a native open dialog for a key led to: nothing chosen, or the public key it holds. */
export type KeyFileChoice = KeyChoice;

/**
 * Saves a key's public PEM to a file the user picks in the native save dialog, which the core
 * opens: the window never names a path to write.
 */
export function exportKeyToFile(fingerprint: string): Promise<SaveResult> {
  return call<SaveResult>('export_key_to_file', { fingerprint });
}

/**
 * The trust set exported for an enforcer (containers-policy.json, Kyverno, policy-controller):
 * the files and the summary of what could and could not be expressed, as `vouch export` writes
 * them. A refusal rejects with its sentence (`scope_overlap` can be accepted by the person).
 */
export function previewExport(target: ExportTarget): Promise<ExportPreview> {
  return call<ExportPreview>('preview_export', { target });
}

/**
 * Saves the previewed export (named by its digest) into a folder the user picks in the native
 * folder dialog; existing files are named, never replaced (see `replaceExportFiles`).
 */
export function saveExport(target: ExportTarget, digest: string): Promise<ExportSaved> {
  return call<ExportSaved>('save_export', { target, digest });
}

/** Replaces the files a `save_export` answer named as existing, once the person confirmed. */
export function replaceExportFiles(ticket: number): Promise<ExportSaved> {
  return call<ExportSaved>('replace_export_files', { ticket });
}

/** Saves the trust set to a file the user picks in the native save dialog. */
export function exportTrustSetToFile(): Promise<SaveResult> {
  return call<SaveResult>('export_trust_set_to_file');
}

/** Reads a public key from a file the user picks in the native open dialog (not yet trusted). */
export function importKeyFromFile(): Promise<KeyFileChoice> {
  return call<KeyFileChoice>('import_key_from_file');
}

/** What a native open dialog for a trust set led to: nothing chosen, or the import's report. */
export type TrustSetFileChoice = TrustSetChoice;

/**
 * Merges the trust set in a file the user picks in the native open dialog, which the core opens
 * and reads: the window never names a path.
 */
export function importTrustSetFromFile(): Promise<TrustSetFileChoice> {
  return call<TrustSetFileChoice>('import_trust_set_from_file');
}

export function importTrustSet(contents: string): Promise<TrustImportReport> {
  return call<TrustImportReport>('import_trust_set', { contents });
}

/** Image references in `contents`; the core parses (text, compose, Kubernetes, Dockerfile). */
export function extractReferences(fileName: string | null, contents: string): Promise<Extracted> {
  return call<Extracted>('extract_references', { fileName, contents });
}

/** What each dropped file is: a key to offer for import, references to check, or unreadable. */
export function inspectDroppedFiles(paths: string[]): Promise<DroppedFile[]> {
  return call<DroppedFile[]>('inspect_dropped_files', { paths });
}

/** Verdict, metadata, attestations and provenance graph of one image, as the core assessed them. */
export function inspectImage(reference: string): Promise<Inspection> {
  return call<Inspection>('inspect_image', { reference });
}

/**
 * Verifies again, then pulls pinned by digest; `onLine` receives the tool's output as it comes.
 * `acceptUnverified` is the user's confirmation for an unverified image in a warn/off scope.
 * With no docker/podman installed it resolves with `tool: null` and the command to copy.
 */
export function pullImage(
  reference: string,
  acceptUnverified: boolean,
  onLine: (text: string) => void,
): Promise<PullOutcome> {
  const channel = new Channel<PullEvent>((event) => {
    onLine(event.text);
  });
  return call<PullOutcome>('pull_image', { reference, acceptUnverified, onEvent: channel });
}

/**
 * Searches the configured registries, Docker Hub, trusted scopes and the history. A newer search
 * (or `cancelSearch`) makes this one answer `superseded`: the core drops its requests.
 */
export function searchRepositories(query: string): Promise<SearchAnswer> {
  return call<SearchAnswer>('search_repositories', { query });
}

/** Stops the search in flight, if any. */
export async function cancelSearch(): Promise<void> {
  await call<null>('cancel_search');
}

/** Every tag of a repository worth showing, the newest-looking first. */
export function listTags(repository: string): Promise<RepositoryTags> {
  return call<RepositoryTags>('list_tags', { repository });
}

/** A PEM file of CA certificates the user picks in the native open dialog (not saved yet). */
export function chooseCaFile(): Promise<CaFileChoice> {
  return call<CaFileChoice>('choose_ca_file');
}

export function getSettings(): Promise<Settings> {
  return call<Settings>('get_settings');
}

/** Saves and returns the settings; a bad registry host rejects with code `settings`. */
export function saveSettings(settings: Settings): Promise<Settings> {
  return call<Settings>('save_settings', { settings });
}

/**
 * Listens for native file drags on the window (files from the file manager).
 * Resolves to an unlisten function; outside the app (no webview) it does nothing.
 */
export async function onFileDrag(handler: (event: FileDragEvent) => void): Promise<() => void> {
  const internals = (window as unknown as { __TAURI_INTERNALS__?: { metadata?: { currentWebview?: unknown } } })
    .__TAURI_INTERNALS__;
  if (!hasBackend() || internals?.metadata?.currentWebview === undefined) return () => undefined;
  try {
    // Loaded here, not at start-up: the webview module (and the window module it pulls in) is
    // the largest script of the first screen's bundle and nothing else needs it.
    const { getCurrentWebview } = await import('@tauri-apps/api/webview');
    const unlisten = await getCurrentWebview().onDragDropEvent((event) => {
      const p = event.payload;
      if (p.type === 'enter') handler({ type: 'enter', paths: p.paths });
      else if (p.type === 'over') handler({ type: 'over' });
      else if (p.type === 'drop') handler({ type: 'drop', paths: p.paths });
      else handler({ type: 'leave' });
    });
    return () => {
      // Typed as returning void, but the webview's unlisten is async: a failure (the webview
      // is already gone) must not surface as an unhandled rejection.
      const stop: () => unknown = unlisten;
      const result = stop();
      if (result instanceof Promise) result.catch(() => undefined);
    };
  } catch {
    return () => undefined; // no drag-and-drop events (e.g. the permission is missing): drop is simply unavailable
  }
}

// ---- Team trust lists (Settings) ----

/** The active profile's subscriptions to signed team trust lists. */
export function listSubscriptions(): Promise<SubscriptionInfo[]> {
  return call<SubscriptionInfo[]>('list_subscriptions');
}

/**
 * Subscribes to the list at `reference`, trusting the admins `signers` (fingerprints of trusted
 * keys) and `signerKeys` (PEM public keys read from files chosen in the native dialog).
 */
export function subscribeToList(
  reference: string,
  signers: string[],
  signerKeys: string[],
  threshold: number,
): Promise<SubscriptionInfo> {
  return call<SubscriptionInfo>('subscribe', { reference, signers, signerKeys, threshold });
}

export async function unsubscribeFromList(reference: string): Promise<void> {
  await call<null>('unsubscribe', { reference });
}

/** Fetches and verifies a subscription's list: what applying it would change, or why it is refused. */
export function planSync(reference: string): Promise<SyncCheck> {
  return call<SyncCheck>('plan_sync', { reference });
}

/** Applies the plan shown (named by its digest); refused when the list changed since. */
export function applySync(reference: string, digest: string): Promise<ListDiff> {
  return call<ListDiff>('apply_sync', { reference, digest });
}
