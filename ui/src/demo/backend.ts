// An in-memory stand-in for the Rust core, for looking at the UI in a plain browser.
// Commands fail the way Tauri does: by rejecting with a plain `{ code, message }` object.
/* eslint-disable @typescript-eslint/only-throw-error */
import type {
  AddKeyArgs,
  DefaultPolicy,
  DoctorReport,
  DroppedFile,
  EditKeyArgs,
  Extracted,
  GenerateKeyArgs,
  HistoryEntry,
  KeyInfo,
  Policy,
  PolicyMode,
  PullOutcome,
  Settings,
  Status,
  TrustImportReport,
  Verdict,
  VerifyEvent,
} from '../ipc/types';

import { demoInspection } from './inspection';

type Internals = { runCallback: (id: number, data: unknown) => void };

const DAY = 24 * 60 * 60 * 1000;
const iso = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY).toISOString();
const hex = (seed: string): string => {
  let out = '';
  let h = 2166136261;
  while (out.length < 64) {
    for (const c of seed + out.length.toString()) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
};

const report: DoctorReport = {
  version: '0.1.0-demo',
  profile: 'default',
  config_path: '~/.config/vouch/config.toml',
  keychain: { reachable: true, backend: 'secret-service', detail: 'Demo data: nothing is stored.' },
  pullers: [
    { name: 'docker', path: '/usr/bin/docker' },
    { name: 'podman', path: null },
  ],
};

/** A PEM-shaped placeholder (demo keys are not real keys). */
const demoPem = (seed: string): string =>
  `-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA${btoa(seed).slice(0, 28)}=\n-----END PUBLIC KEY-----\n`;

/**
 * The demo stands in for the core, which computes a key's state when it lists keys (the real
 * window never does): a rough copy, good enough for demo data.
 */
function withState(key: Omit<KeyInfo, 'state'>): KeyInfo {
  const left = key.expires_at === null ? Infinity : Date.parse(key.expires_at) - Date.now();
  const state: KeyInfo['state'] =
    key.status === 'revoked'
      ? { kind: 'revoked' }
      : key.expires_at === null || left > 30 * DAY
        ? { kind: 'active' }
        : left <= 0
          ? { kind: 'expired', expired_at: key.expires_at }
          : { kind: 'expiring', days_left: Math.ceil(left / DAY), expires_at: key.expires_at };
  return { ...key, state };
}

function makeKey(publisher: string, extra: Partial<KeyInfo> = {}): KeyInfo {
  return withState({
    fingerprint: `sha256:${hex(publisher)}`,
    algorithm: 'ed25519',
    publisher,
    note: null,
    scopes: [],
    status: 'active',
    revoked_reason: null,
    revoked_at: null,
    added_at: iso(-40),
    expires_at: null,
    has_private: false,
    public_key: demoPem(hex(publisher)),
    ...extra,
  });
}

let keys: KeyInfo[] = [
  makeKey('Acme Platform', { scopes: ['ghcr.io/acme/*'], note: 'Release pipeline key', has_private: true }),
  makeKey('Docker Official Images', { algorithm: 'ecdsa-p256', scopes: ['docker.io/library/*'], expires_at: iso(12) }),
  makeKey('Globex Images', { algorithm: 'rsa', expires_at: iso(-3) }),
  makeKey('Umbrella', { status: 'revoked', revoked_reason: 'Leaked in CI logs', revoked_at: iso(-5) }),
];

let policies: Policy[] = [
  { pattern: 'ghcr.io/acme/*', mode: 'enforce', threshold: 1 },
  { pattern: 'ghcr.io/acme/payments', mode: 'enforce', threshold: 2 },
  { pattern: 'docker.io/library/*', mode: 'warn', threshold: 1 },
  { pattern: 'localhost:5000/*', mode: 'off', threshold: 1 },
];

/** A stand-in for the core's extractor: one reference per line, `image:` and `FROM` lines. */
function extract(contents: string): Extracted {
  const references: Extracted['references'] = [];
  const problems: string[] = [];
  contents.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^(?:-\s*)?(?:image:\s*|FROM\s+(?:--platform=(\S+)\s+)?|docker pull\s+)?["']?([\w./:@-]+)["']?(?:\s+AS\s+\w+)?$/i.exec(line);
    if (m?.[2] !== undefined && /[a-z]/.test(m[2])) {
      references.push({ reference: m[2], origin: `line ${i + 1}`, platform: m[1] ?? null });
    } else {
      problems.push(`line ${i + 1}: not an image reference: ${line.slice(0, 40)}`);
    }
  });
  return { kind: 'text', references, problems };
}

const COMPOSE: Extracted = {
  kind: 'compose',
  references: [
    { reference: 'ghcr.io/acme/web:2.4.1', origin: 'services.web.image', platform: null },
    { reference: 'ghcr.io/acme/api:2.4.1', origin: 'services.api.image', platform: 'linux/amd64' },
    { reference: 'docker.io/library/redis:7.2', origin: 'services.cache.image', platform: null },
    { reference: 'docker.io/library/postgres:16', origin: 'services.db.image', platform: null },
  ],
  problems: ['services.worker: no image (built from ./worker)'],
};

function need(args: Record<string, unknown> | undefined, name: string): string {
  const value = args?.[name];
  if (typeof value !== 'string') throw { code: 'bad_request', message: `missing ${name}` };
  return value;
}

function verdictFor(reference: string): Verdict {
  const pick: [RegExp, Status, string][] = [
    [/acme|library\/nginx|^nginx/, 'verified', 'Signed by a trusted key for this repository.'],
    [/unsigned|redis/, 'unsigned', 'No signature was found for this image.'],
    [/untrusted|globex/, 'untrusted', 'Signed by a key you do not trust for this repository.'],
    [/invalid|tamper/, 'invalid', 'The signature does not match the image digest.'],
  ];
  const [, status, reason] = pick.find(([re]) => re.test(reference)) ?? [
    /.*/,
    'error',
    'The registry could not be reached (connection refused).',
  ];
  const signed = status === 'verified' || status === 'untrusted' || status === 'invalid';
  return {
    reference,
    repository: reference.split(/[:@]/)[0] ?? reference,
    digest: status === 'error' ? null : `sha256:${hex(reference)}`,
    status,
    reason,
    cause: status === 'verified' ? null : { code: 'failed', message: reason },
    enforced: !/redis|untrusted|globex/.test(reference),
    checks: [
      { name: 'digest', outcome: status === 'error' ? 'failed' : 'passed', detail: 'registry manifest' },
      { name: 'signatures_found', outcome: signed ? 'passed' : status === 'error' ? 'not_applicable' : 'failed', detail: '' },
      { name: 'signature', outcome: status === 'verified' ? 'passed' : signed ? 'failed' : 'not_applicable', detail: '' },
    ],
    signatures: signed
      ? [{ fingerprint: status === 'untrusted' ? null : keys[0]?.fingerprint ?? null, publisher: status === 'untrusted' ? null : 'Acme Platform', valid: status !== 'invalid', problem: status === 'invalid' ? 'digest mismatch' : null, cause: status === 'invalid' ? { code: 'broken', detail: 'digest mismatch' } : null }]
      : [],
    platforms: [],
    policy: /redis|untrusted|globex/.test(reference)
      ? { pattern: 'docker.io/library/*', mode: 'warn', threshold: 1 }
      : { pattern: status === 'verified' ? 'ghcr.io/acme/*' : null, mode: 'enforce', threshold: 1 },
  };
}

let settings: Settings = { insecure_registries: ['registry.lab.internal:5000'], theme: 'system', registries: [] };

function pull(channel: unknown, reference: string, accept: boolean): Promise<PullOutcome> {
  const v = verdictFor(reference);
  if (v.digest === null || v.repository === null || (v.status !== 'verified' && !(accept && !v.enforced))) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- Tauri rejects with the plain error object
    return Promise.reject({ code: 'not_verified', message: `not pulled: the image is ${v.status} (${v.reason})` });
  }
  const pinned = `${v.repository}@${v.digest}`;
  const id = (channel as { id: number }).id;
  const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
  if (reference.includes('postgres')) {
    return Promise.resolve({ pinned, command: `docker pull ${pinned}`, tool: null, pulled: false, status: v.status });
  }
  const lines = [
    `${v.digest.slice(7, 19)}: Pulling from ${v.repository.split('/').slice(1).join('/')}`,
    'a2318d6c47ec: Pull complete',
    '4f4fb700ef54: Pull complete',
    'd1b6e7c5a3f2: Pull complete',
    `Digest: ${v.digest}`,
    `Status: Downloaded newer image for ${pinned}`,
    pinned,
  ];
  return new Promise((resolve) => {
    lines.forEach((text, i) =>
      setTimeout(() => {
        internals.runCallback(id, { index: i, message: { kind: 'line', text } });
      }, 200 * (i + 1)),
    );
    setTimeout(() => {
      resolve({ pinned, command: `docker pull ${pinned}`, tool: 'docker', pulled: true, status: v.status });
    }, 200 * (lines.length + 1));
  });
}

/** What the core remembers of a verdict (stand-in for `HistoryEntry::of`; tests use it too). */
export function historyEntry(v: Verdict, at: string): HistoryEntry {
  return {
    reference: v.reference,
    repository: v.repository,
    digest: v.digest,
    status: v.status,
    reason: v.reason,
    cause: v.cause?.code ?? null,
    checked_at: at,
  };
}

let defaultPolicy: DefaultPolicy = { mode: 'enforce', threshold: 1 };
let history: HistoryEntry[] = [];

/** The demo batches running now: each entry stops its batch (the stand-in for the core's Cancel). */
const runningBatches = new Set<() => void>();

function cancelledVerdict(reference: string): Verdict {
  const reason = 'cancelled before its check finished; nothing was concluded about this image';
  return {
    reference,
    repository: null,
    digest: null,
    status: 'cancelled',
    reason,
    cause: { code: 'cancelled' },
    enforced: true,
    checks: [],
    signatures: [],
    platforms: [],
    policy: null,
  };
}

function stream(channel: unknown, references: string[]): Promise<null> {
  const id = (channel as { id: number }).id;
  const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
  let seq = 0;
  const send = (event: VerifyEvent): void => {
    internals.runCallback(id, { index: seq++, message: event });
  };
  return new Promise((resolve) => {
    const timers: ReturnType<typeof setTimeout>[] = [];
    const finished = new Set<number>();
    const stop = (): void => {
      timers.forEach(clearTimeout);
      references.forEach((reference, index) => {
        if (!finished.has(index)) send({ kind: 'finished', index, verdict: cancelledVerdict(reference) });
      });
      runningBatches.delete(stop);
      resolve(null);
    };
    runningBatches.add(stop);
    references.forEach((reference, index) => {
      timers.push(
        setTimeout(() => {
          send({ kind: 'started', index, reference });
        }, 150 * index),
      );
      timers.push(
        setTimeout(() => {
          const verdict = verdictFor(reference);
          history = [historyEntry(verdict, new Date().toISOString()), ...history].slice(0, 500);
          finished.add(index);
          send({ kind: 'finished', index, verdict });
          if (finished.size === references.length) {
            runningBatches.delete(stop);
            resolve(null);
          }
        }, 700 + 450 * index),
      );
    });
  });
}

export function demoBackend(cmd: string, payload: unknown): unknown {
  const args = payload as Record<string, unknown> | undefined;
  switch (cmd) {
    case 'doctor':
      return report;
    case 'list_keys':
      return keys;
    case 'add_key': {
      const a = args?.['args'] as AddKeyArgs;
      if (!a.pem.includes('BEGIN PUBLIC KEY')) {
        throw { code: 'invalid_key', message: 'That is not a PEM public key: it has no "BEGIN PUBLIC KEY" line.' };
      }
      const key = makeKey(a.publisher ?? 'Unnamed publisher', { fingerprint: `sha256:${hex(a.pem)}`, scopes: a.scopes, note: a.note, expires_at: a.expires_at, added_at: iso(0) });
      keys = [...keys, key];
      return key;
    }
    case 'revoke_key': {
      const fp = need(args, 'fingerprint');
      keys = keys.map((k) => (k.fingerprint === fp ? withState({ ...k, status: 'revoked', revoked_reason: need(args, 'reason'), revoked_at: iso(0) }) : k));
      return keys.find((k) => k.fingerprint === fp);
    }
    case 'remove_key': {
      const fp = need(args, 'fingerprint');
      keys = keys.filter((k) => k.fingerprint !== fp);
      return null;
    }
    case 'export_key':
      return demoPem(need(args, 'fingerprint'));
    case 'generate_key': {
      const a = args?.['args'] as GenerateKeyArgs;
      const key = makeKey(a.publisher, {
        fingerprint: `sha256:${hex(a.publisher + Date.now().toString())}`,
        algorithm: a.algorithm === 'p256' ? 'ecdsa-p256' : 'ed25519',
        scopes: a.scopes,
        has_private: true,
        added_at: iso(0),
      });
      keys = [...keys, key];
      return key;
    }
    case 'edit_key': {
      const a = args?.['args'] as EditKeyArgs;
      keys = keys.map((k) =>
        k.fingerprint !== a.fingerprint
          ? k
          : withState({
              ...k,
              publisher: a.publisher ?? k.publisher,
              note: a.note === null ? k.note : a.note === '' ? null : a.note,
              scopes: a.scopes ?? k.scopes,
              expires_at: a.clear_expiry ? null : (a.expires_at ?? k.expires_at),
            }),
      );
      return keys.find((k) => k.fingerprint === a.fingerprint);
    }
    case 'list_policies':
      return policies;
    case 'set_policy': {
      const policy: Policy = { pattern: need(args, 'pattern'), mode: args?.['mode'] as PolicyMode, threshold: Number(args?.['threshold']) };
      policies = policies.some((p) => p.pattern === policy.pattern)
        ? policies.map((p) => (p.pattern === policy.pattern ? policy : p))
        : [...policies, policy];
      return policy;
    }
    case 'get_default_policy':
      return defaultPolicy;
    case 'set_default_policy':
      defaultPolicy = { mode: args?.['mode'] as PolicyMode, threshold: Number(args?.['threshold']) };
      return defaultPolicy;
    case 'list_history':
      return { entries: history, warning: null };
    case 'clear_history':
      history = [];
      return null;
    case 'remove_policy': {
      const before = policies.length;
      policies = policies.filter((p) => p.pattern !== need(args, 'pattern'));
      return policies.length < before;
    }
    case 'export_trust_set':
      return JSON.stringify(
        {
          version: 1,
          keys: keys.map((k) => ({ fingerprint: k.fingerprint, publisher: k.publisher, scopes: k.scopes, status: k.status })),
          policies,
        },
        null,
        2,
      );
    // The app opens a native dialog; the demo pretends the user chose a file.
    case 'export_key_to_file':
      return { kind: 'written', path: `/home/demo/${need(args, 'fingerprint').slice(7, 19)}.pub` };
    case 'export_trust_set_to_file':
      return { kind: 'written', path: '/home/demo/vouch-trust.json' };
    case 'import_key_from_file':
    case 'import_trust_set_from_file':
      return { kind: 'cancelled' };
    case 'import_trust_set': {
      const report: TrustImportReport = {
        added: [`sha256:${hex('imported-1')}`],
        unchanged: keys.slice(0, 2).map((k) => k.fingerprint),
        revoked: [],
        policies_added: ['quay.io/initech/*'],
        conflicts: [`${keys[0]?.fingerprint ?? ''}: publisher differs ("Acme Platform" here, "ACME Corp" in the file)`],
      };
      return report;
    }
    case 'extract_references':
      return extract(need(args, 'contents'));
    case 'inspect_dropped_files':
      return (args?.['paths'] as string[]).map((path): DroppedFile => {
        if (/\.(pub|pem)$/.test(path)) {
          return {
            path,
            kind: 'key',
            fingerprint: `sha256:${hex(path)}`,
            algorithm: 'ed25519',
            pem: `-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA${btoa(path).slice(0, 28)}=\n-----END PUBLIC KEY-----\n`,
          };
        }
        if (/compose|\.ya?ml$/.test(path)) return { path, kind: 'references', extracted: COMPOSE };
        return { path, kind: 'unreadable', message: 'This is not a text file Vouch understands.' };
      });
    case 'verify_images':
      return stream(args?.['onEvent'], args?.['references'] as string[]);
    case 'cancel_verification': {
      const stops = [...runningBatches];
      stops.forEach((stop) => {
        stop();
      });
      return stops.length;
    }
    case 'inspect_image':
      return new Promise((resolve) =>
        setTimeout(() => {
          resolve(demoInspection(verdictFor(need(args, 'reference'))));
        }, 400),
      );
    case 'pull_image':
      return pull(args?.['onEvent'], need(args, 'reference'), args?.['acceptUnverified'] === true);
    case 'get_settings':
      return settings;
    case 'list_subscriptions':
      return [];
    case 'save_settings': {
      const next = args?.['settings'] as Settings;
      const bad = next.insecure_registries.find((h) => !/^[\w.-]+(:\d+)?$/.test(h));
      if (bad !== undefined) {
        throw { code: 'settings', message: `\`${bad}\` is not a registry host: use host or host:port, e.g. registry.internal:5000` };
      }
      settings = next;
      return settings;
    }
    default:
      throw { code: 'unknown_command', message: `The demo backend has no "${cmd}" command.` };
  }
}
