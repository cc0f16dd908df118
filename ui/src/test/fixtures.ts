// Test fixtures: what the core really returns. Keys, verdicts and inspections are the golden
// JSON files that crates/core/tests/ui_golden.rs writes from real core values (fixed keys, a
// fixed clock), typed with the generated contract. To change them, change the Rust test and
// run `VOUCH_BLESS=1 cargo test -p vouch-core --test ui_golden`.
import type { DoctorReport, Inspection, KeyInfo, SearchResults, Status, Verdict } from '../ipc/types';
import inspectionJson from './golden/inspection.json';
import unsignedInspectionJson from './golden/inspection-unsigned.json';
import keysJson from './golden/keys.json';
import searchJson from './golden/search-results.json';
import verdictsJson from './golden/verdicts.json';

/** The instant the golden values were computed at (`NOW` in ui_golden.rs). */
export const NOW = new Date('2026-03-01T12:00:00Z');

/**
 * Acme Platform (ed25519, ghcr.io/acme/**, active), Globex Images (P-256, two scopes, expires
 * 14 days after NOW, has its private key, a note), Initech (RSA, expired before NOW), Umbrella
 * (P-256, revoked).
 */
export const keys: readonly KeyInfo[] = keysJson as KeyInfo[];

function pick<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`golden fixture ${i} is missing`);
  return structuredClone(item);
}

/** A copy of the Acme Platform key, with `overrides`. */
export function key(overrides: Partial<KeyInfo> = {}): KeyInfo {
  return { ...pick(keys, 0), ...overrides };
}

/** One verdict of each status, by `evaluate` (the error one: a reference the core refuses). */
export const verdicts: Readonly<Record<Status, Verdict>> = verdictsJson as Record<Status, Verdict>;

/** A copy of the verdict of `status` (default: verified), with `overrides`. */
export function verdict(overrides: Partial<Verdict> = {}, status: Status = 'verified'): Verdict {
  return { ...structuredClone(verdicts[status]), ...overrides };
}

/**
 * A signed two-platform index with three attestations: SLSA v0.2 signed by the trusted key, a
 * BuildKit provenance covered by the index signature, and a referrer by a key scoped elsewhere.
 */
export function inspection(overrides: Partial<Inspection> = {}): Inspection {
  return { ...structuredClone(inspectionJson as Inspection), ...overrides };
}

/** The same index unsigned: its BuildKit provenance is then covered by nothing. */
export function unsignedInspection(overrides: Partial<Inspection> = {}): Inspection {
  return { ...structuredClone(unsignedInspectionJson as Inspection), ...overrides };
}

/**
 * A search for `ap`, ranked by the core: docker.io/globex/api (trusted scope, Globex Images),
 * ghcr.io/acme/app (registry, also history; Acme Platform, policy ghcr.io/acme/**), an
 * uncovered registry.internal:5000/tools/apt-mirror, the official docker.io/library/nginx; and
 * Docker Hub's note from a real search that could not reach it.
 */
export function searchResults(): SearchResults {
  return structuredClone(searchJson as SearchResults);
}

/** The doctor report depends on the machine, so it has no golden file; it is typed by the contract. */
export const doctorReport: DoctorReport = {
  version: '0.1.0',
  profile: 'default',
  config_path: '/home/ada/.config/vouch/config.toml',
  keychain: { reachable: true, backend: 'secret-service', detail: 'GNOME Keyring unlocked' },
  pullers: [
    { name: 'docker', path: '/usr/bin/docker' },
    { name: 'podman', path: null },
  ],
};
