import type { Attestation, DoctorReport, Inspection, KeyInfo, Verdict } from '../ipc/types';

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
    state: { kind: 'active' },
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
    state: { kind: 'expiring', days_left: 14, expires_at: '2026-03-15T00:00:00Z' },
  }),
  key({
    fingerprint: 'sha256:9999888877776666555544443333222211110000ffffeeeeddddccccbbbbaaaa',
    algorithm: 'rsa',
    publisher: 'Initech',
    expires_at: '2026-02-01T00:00:00Z', // before NOW
    state: { kind: 'expired', expired_at: '2026-02-01T00:00:00Z' },
  }),
  key({
    fingerprint: 'sha256:1111222233334444555566667777888899990000aaaabbbbccccddddeeeeffff',
    publisher: 'Umbrella',
    status: 'revoked',
    revoked_reason: 'leaked in CI logs',
    revoked_at: '2026-02-20T10:00:00Z',
    state: { kind: 'revoked' },
  }),
];

export function verdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    reference: 'docker.io/library/nginx:1.27',
    repository: 'docker.io/library/nginx',
    digest: 'sha256:feedfacecafebeef0000111122223333444455556666777788889999aaaabbbb',
    status: 'verified',
    reason: 'Signed by Acme Platform, a trusted key for this repository.',
    cause: null,
    enforced: true,
    checks: [
      { name: 'digest', outcome: 'passed', detail: 'resolved via registry' },
      { name: 'signature', outcome: 'passed', detail: '1 valid signature' },
      { name: 'platforms', outcome: 'not_applicable', detail: 'offline mode' },
    ],
    signatures: [
      {
        fingerprint: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        publisher: 'Acme Platform',
        valid: true,
        problem: null,
        cause: null,
      },
    ],
    platforms: [],
    policy: { pattern: 'docker.io/library/*', mode: 'enforce', threshold: 1 },
    ...overrides,
  };
}

const FP = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const INDEX = `sha256:${'1a'.repeat(32)}`;
const AMD64 = `sha256:${'2b'.repeat(32)}`;
const ARM64 = `sha256:${'3c'.repeat(32)}`;
const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
const SLSA_V1 = 'https://slsa.dev/provenance/v1';

const NO_PROVENANCE = {
  slsa_version: null,
  builder_id: null,
  builder_version: null,
  build_type: null,
  source_uri: null,
  source_revision: null,
  entry_point: null,
  started_on: null,
  finished_on: null,
  invocation_id: null,
  materials: [],
  materials_omitted: 0,
};

/** A DSSE-signed SLSA v0.2 provenance by the trusted key (cosign `.att` tag). */
export const verifiedAttestation: Attestation = {
  ...NO_PROVENANCE,
  predicate_type: SLSA_V02,
  verified: true,
  signer: FP,
  publisher: 'Acme Platform',
  reason: 'Signed by Acme Platform (0123456789ab), trusted for ghcr.io/acme/*; the subject is this image.',
  cause: null,
  protection: 'dsse',
  origin: { kind: 'cosign_tag', tag: `sha256-${'1a'.repeat(32)}.att` },
  statement_type: 'https://in-toto.io/Statement/v0.1',
  subjects: [{ name: 'ghcr.io/acme/app', digest: { sha256: '1a'.repeat(32) } }],
  key_hints: [],
  slsa_version: 'v0.2',
  builder_id: 'https://github.com/acme/builder@v1',
  build_type: 'https://example.com/buildtypes/make@v1',
  source_uri: 'git+https://github.com/acme/app@refs/heads/main',
  source_revision: '0123456789abcdef0123456789abcdef01234567',
  entry_point: '.github/workflows/build.yml',
  started_on: '2026-01-02T03:04:05Z',
  finished_on: '2026-01-02T03:09:05Z',
  invocation_id: 'run-42',
  materials: [
    { uri: 'pkg:docker/golang@1.22', name: null, digest: { sha256: '4d'.repeat(32) } },
  ],
};

/** A BuildKit provenance nothing signs (only the image signature could cover it; here it does not). */
export const unsignedAttestation: Attestation = {
  ...NO_PROVENANCE,
  predicate_type: SLSA_V1,
  verified: false,
  signer: null,
  publisher: null,
  reason: 'Not signed: a BuildKit attestation is covered only by a trusted signature on the image index.',
  cause: { code: 'not_covered', describes: AMD64 },
  protection: 'none',
  origin: { kind: 'buildkit', manifest: `sha256:${'5e'.repeat(32)}`, for_digest: AMD64 },
  statement_type: 'https://in-toto.io/Statement/v1',
  subjects: [{ name: 'pkg:docker/ghcr.io/acme/app@v1?platform=linux%2Famd64', digest: { sha256: '2b'.repeat(32) } }],
  key_hints: [],
  slsa_version: 'v1',
  builder_id: 'https://github.com/docker/buildx@v0.20',
  build_type: 'https://mobyproject.org/buildkit@v1',
  source_uri: 'https://github.com/acme/app',
  source_revision: 'fedcba9876543210fedcba9876543210fedcba98',
  materials: [
    { uri: 'pkg:docker/alpine@3.20?platform=linux%2Famd64', name: null, digest: { sha256: '6f'.repeat(32) } },
    { uri: null, name: 'go.sum', digest: {} },
  ],
};

/** What `inspect_image` returns for a signed multi-platform image with two attestations. */
export function inspection(overrides: Partial<Inspection> = {}): Inspection {
  const v = verdict({
    reference: 'ghcr.io/acme/app:v1',
    repository: 'ghcr.io/acme/app',
    digest: INDEX,
    reason: 'Signed by Acme Platform, a trusted key for this repository.',
    platforms: [
      { platform: 'linux/amd64', digest: AMD64, status: 'verified', reason: 'covered by the index signature', cause: null },
      { platform: 'linux/arm64', digest: ARM64, status: 'verified', reason: 'covered by the index signature', cause: null },
    ],
    policy: { pattern: 'ghcr.io/acme/*', mode: 'enforce', threshold: 1 },
  });
  return {
    verdict: v,
    metadata: {
      media_type: 'application/vnd.oci.image.index.v1+json',
      is_index: true,
      oci: { source: 'https://github.com/acme/app', revision: '0123456789abcdef0123456789abcdef01234567', version: '1.0.0' },
      labels: { maintainer: 'platform@acme.example', 'org.opencontainers.image.source': 'https://github.com/acme/app' },
      annotations: {},
      created: '2026-01-02T03:04:05Z',
      platforms: [
        { platform: 'linux/amd64', digest: AMD64, layer_count: 3, total_size: 31_700_000, history_length: 7, created: '2026-01-02T03:04:05Z' },
        { platform: 'linux/arm64', digest: ARM64, layer_count: 3, total_size: 30_100_000, history_length: 7, created: '2026-01-02T03:04:07Z' },
      ],
      layer_count: null,
      total_size: null,
      history_length: null,
      attestation_manifests: 1,
      problems: [],
    },
    attestations: [verifiedAttestation, unsignedAttestation],
    graph: {
      nodes: [
        { id: 'image', kind: 'image', label: 'ghcr.io/acme/app:v1', mark: null, detail: 'ghcr.io/acme/app' },
        { id: `digest:${INDEX}`, kind: 'digest', label: INDEX, mark: 'verified', detail: v.reason },
        { id: `digest:${AMD64}`, kind: 'platform', label: 'linux/amd64', mark: 'verified', detail: AMD64 },
        { id: `digest:${ARM64}`, kind: 'platform', label: 'linux/arm64', mark: 'verified', detail: ARM64 },
        { id: 'signature:0', kind: 'signature', label: 'signature 1', mark: 'verified', detail: null },
        { id: `key:${FP}`, kind: 'key', label: '0123456789ab', mark: null, detail: FP },
        { id: 'publisher:Acme Platform', kind: 'publisher', label: 'Acme Platform', mark: null, detail: null },
        { id: 'attestation:0', kind: 'attestation', label: 'SLSA provenance v0.2', mark: 'verified', detail: verifiedAttestation.reason },
        { id: 'builder:https://github.com/acme/builder@v1', kind: 'builder', label: 'https://github.com/acme/builder@v1', mark: 'attested', detail: 'https://example.com/buildtypes/make@v1' },
        {
          id: 'source:git+https://github.com/acme/app@refs/heads/main@0123456789abcdef0123456789abcdef01234567',
          kind: 'source',
          label: 'git+https://github.com/acme/app@refs/heads/main@0123456789abcdef0123456789abcdef01234567',
          mark: 'attested',
          detail: '.github/workflows/build.yml',
        },
        { id: `material:pkg:docker/golang@1.22@sha256:${'4d'.repeat(32)}`, kind: 'material', label: 'pkg:docker/golang@1.22', mark: 'attested', detail: `sha256:${'4d'.repeat(32)}` },
        { id: 'attestation:1', kind: 'attestation', label: 'SLSA provenance v1', mark: 'unsigned', detail: unsignedAttestation.reason },
        { id: 'builder:https://github.com/docker/buildx@v0.20', kind: 'builder', label: 'https://github.com/docker/buildx@v0.20', mark: 'claimed', detail: 'https://mobyproject.org/buildkit@v1' },
        {
          id: 'source:https://github.com/acme/app@fedcba9876543210fedcba9876543210fedcba98',
          kind: 'source',
          label: 'https://github.com/acme/app@fedcba9876543210fedcba9876543210fedcba98',
          mark: 'claimed',
          detail: null,
        },
        { id: `material:pkg:docker/alpine@3.20?platform=linux%2Famd64@sha256:${'6f'.repeat(32)}`, kind: 'material', label: 'pkg:docker/alpine@3.20?platform=linux%2Famd64', mark: 'claimed', detail: `sha256:${'6f'.repeat(32)}` },
        { id: 'material:go.sum@', kind: 'material', label: 'go.sum', mark: 'claimed', detail: null },
      ],
      edges: [
        { from: 'image', to: `digest:${INDEX}`, kind: 'resolves_to' },
        { from: `digest:${INDEX}`, to: `digest:${AMD64}`, kind: 'contains' },
        { from: `digest:${INDEX}`, to: `digest:${ARM64}`, kind: 'contains' },
        { from: `digest:${INDEX}`, to: 'signature:0', kind: 'signed_by' },
        { from: 'signature:0', to: `key:${FP}`, kind: 'verified_with' },
        { from: `key:${FP}`, to: 'publisher:Acme Platform', kind: 'belongs_to' },
        { from: `digest:${INDEX}`, to: 'attestation:0', kind: 'attested_by' },
        { from: 'attestation:0', to: `key:${FP}`, kind: 'verified_with' },
        { from: 'attestation:0', to: 'builder:https://github.com/acme/builder@v1', kind: 'built_by' },
        {
          from: 'builder:https://github.com/acme/builder@v1',
          to: 'source:git+https://github.com/acme/app@refs/heads/main@0123456789abcdef0123456789abcdef01234567',
          kind: 'built_from',
        },
        {
          from: 'source:git+https://github.com/acme/app@refs/heads/main@0123456789abcdef0123456789abcdef01234567',
          to: `material:pkg:docker/golang@1.22@sha256:${'4d'.repeat(32)}`,
          kind: 'depends_on',
        },
        { from: `digest:${AMD64}`, to: 'attestation:1', kind: 'attested_by' },
        { from: 'attestation:1', to: 'builder:https://github.com/docker/buildx@v0.20', kind: 'built_by' },
        {
          from: 'builder:https://github.com/docker/buildx@v0.20',
          to: 'source:https://github.com/acme/app@fedcba9876543210fedcba9876543210fedcba98',
          kind: 'built_from',
        },
        {
          from: 'source:https://github.com/acme/app@fedcba9876543210fedcba9876543210fedcba98',
          to: `material:pkg:docker/alpine@3.20?platform=linux%2Famd64@sha256:${'6f'.repeat(32)}`,
          kind: 'depends_on',
        },
        { from: 'source:https://github.com/acme/app@fedcba9876543210fedcba9876543210fedcba98', to: 'material:go.sum@', kind: 'depends_on' },
      ],
    },
    notes: [
      'Looked for attestations in the cosign .att tag, OCI referrers and the BuildKit attestation manifests.',
      'The OCI referrers API is not supported by this registry (HTTP 404); the fallback tag was read instead.',
    ],
    ...overrides,
  };
}
