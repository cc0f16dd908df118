import type { DoctorReport, KeyInfo, Verdict } from '../ipc/types';

export const NOW = new Date('2026-03-01T12:00:00Z');

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

export function key(overrides: Partial<KeyInfo> = {}): KeyInfo {
  return {
    fingerprint: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    algorithm: 'ed25519',
    publisher: 'Acme Platform',
    note: null,
    scopes: [],
    status: 'active',
    revoked_reason: null,
    revoked_at: null,
    added_at: '2026-01-10T09:00:00Z',
    expires_at: null,
    has_private: false,
    ...overrides,
  };
}

export const keys: KeyInfo[] = [
  key(),
  key({
    fingerprint: 'sha256:aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999',
    algorithm: 'ecdsa-p256',
    publisher: 'Globex Images',
    scopes: ['ghcr.io/globex/*', 'docker.io/globex/api'],
    expires_at: '2026-03-15T00:00:00Z', // 14 days after NOW
    has_private: true,
  }),
  key({
    fingerprint: 'sha256:9999888877776666555544443333222211110000ffffeeeeddddccccbbbbaaaa',
    algorithm: 'rsa',
    publisher: 'Initech',
    expires_at: '2026-02-01T00:00:00Z', // before NOW
  }),
  key({
    fingerprint: 'sha256:1111222233334444555566667777888899990000aaaabbbbccccddddeeeeffff',
    publisher: 'Umbrella',
    status: 'revoked',
    revoked_reason: 'leaked in CI logs',
    revoked_at: '2026-02-20T10:00:00Z',
  }),
];

export function verdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    reference: 'docker.io/library/nginx:1.27',
    repository: 'docker.io/library/nginx',
    digest: 'sha256:feedfacecafebeef0000111122223333444455556666777788889999aaaabbbb',
    status: 'verified',
    reason: 'Signed by Acme Platform, a trusted key for this repository.',
    enforced: true,
    checks: [
      { name: 'resolve digest', outcome: 'passed', detail: 'resolved via registry' },
      { name: 'signature', outcome: 'passed', detail: '1 valid signature' },
      { name: 'transparency log', outcome: 'not_applicable', detail: 'offline mode' },
    ],
    signatures: [
      {
        fingerprint: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        publisher: 'Acme Platform',
        valid: true,
        problem: null,
      },
    ],
    platforms: [],
    policy: { pattern: 'docker.io/library/*', mode: 'enforce', threshold: 1 },
    ...overrides,
  };
}
