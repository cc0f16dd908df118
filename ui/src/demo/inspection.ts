// Demo-only stand-in for the core's `inspect`: a graph shaped like vouch-core's
// ProvenanceGraph::build output, from the demo verdict. (The real UI never builds graphs.)
import type { Attestation, GraphEdge, GraphNode, Inspection, Mark, Verdict } from '../ipc/types';

const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
const SLSA_V1 = 'https://slsa.dev/provenance/v1';

function provenance(over: Partial<Attestation>): Attestation {
  return {
    predicate_type: SLSA_V02,
    verified: false,
    signer: null,
    publisher: null,
    reason: '',
    cause: null,
    protection: 'none',
    origin: { kind: 'cosign_tag', tag: '' },
    statement_type: 'https://in-toto.io/Statement/v0.1',
    subjects: [],
    key_hints: [],
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
    ...over,
  };
}

export function demoInspection(verdict: Verdict): Inspection {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const node = (n: GraphNode): string => {
    if (!nodes.some((x) => x.id === n.id)) nodes.push(n);
    return n.id;
  };
  const edge = (from: string, to: string, kind: GraphEdge['kind']): void => {
    edges.push({ from, to, kind });
  };
  const image = node({ id: 'image', kind: 'image', label: verdict.reference, mark: null, detail: verdict.repository });
  const digest = verdict.digest;
  const hex = digest?.slice(7) ?? '';
  const signed = verdict.status === 'verified';
  const attestations: Attestation[] =
    digest === null
      ? []
      : [
          provenance({
            verified: signed,
            signer: signed ? (verdict.signatures[0]?.fingerprint ?? null) : null,
            publisher: signed ? (verdict.signatures[0]?.publisher ?? null) : null,
            reason: signed
              ? `Signed by ${verdict.signatures[0]?.publisher ?? 'a trusted key'}, trusted for this repository; the subject is this image.`
              : 'Signed by a key that is not in your trust store.',
            cause: signed ? null : { code: 'no_trusted_key', trusted_keys: 1 },
            protection: 'dsse',
            origin: { kind: 'cosign_tag', tag: `sha256-${hex}.att` },
            subjects: [{ name: verdict.repository ?? '', digest: { sha256: hex } }],
            key_hints: signed ? [] : ['SHA256:u7Vq…'],
            slsa_version: 'v0.2',
            builder_id: 'https://github.com/acme/release-builder@v2',
            build_type: 'https://example.com/buildtypes/make@v1',
            source_uri: 'git+https://github.com/acme/web@refs/tags/v2.4.1',
            source_revision: '9f2c4e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4',
            entry_point: '.github/workflows/release.yml',
            started_on: '2026-02-20T09:12:03Z',
            finished_on: '2026-02-20T09:17:41Z',
            invocation_id: 'https://github.com/acme/web/actions/runs/8812',
            materials: [
              { uri: 'pkg:docker/node@22-alpine', name: null, digest: { sha256: 'b1'.repeat(32) } },
              { uri: 'git+https://github.com/acme/web', name: null, digest: { sha1: '9f2c4e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4' } },
            ],
          }),
          provenance({
            predicate_type: SLSA_V1,
            reason: 'Not signed: BuildKit attestations are covered only by a trusted signature on the image index.',
            cause: { code: 'not_covered', describes: digest },
            origin: { kind: 'buildkit', manifest: `sha256:${'c4'.repeat(32)}`, for_digest: digest },
            statement_type: 'https://in-toto.io/Statement/v1',
            slsa_version: 'v1',
            builder_id: 'https://github.com/docker/buildx@v0.20',
            build_type: 'https://mobyproject.org/buildkit@v1',
            source_uri: 'https://github.com/acme/web',
            source_revision: '9f2c4e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4',
          }),
        ];
  if (digest !== null) {
    const mark: Mark = signed ? 'verified' : verdict.status === 'unsigned' ? 'unsigned' : 'unverified';
    const d = node({ id: `digest:${digest}`, kind: 'digest', label: digest, mark, detail: verdict.reason });
    edge(image, d, 'resolves_to');
    verdict.signatures.forEach((s, i) => {
      const sig = node({ id: `signature:${i}`, kind: 'signature', label: `signature ${i + 1}`, mark: s.valid ? 'verified' : 'unverified', detail: s.problem });
      edge(d, sig, 'signed_by');
      if (s.fingerprint !== null) {
        const k = node({ id: `key:${s.fingerprint}`, kind: 'key', label: s.fingerprint.slice(7, 19), mark: null, detail: s.fingerprint });
        edge(sig, k, 'verified_with');
        if (s.publisher !== null) edge(k, node({ id: `publisher:${s.publisher}`, kind: 'publisher', label: s.publisher, mark: null, detail: null }), 'belongs_to');
      }
    });
    attestations.forEach((a, i) => {
      const att = node({
        id: `attestation:${i}`,
        kind: 'attestation',
        label: a.predicate_type === SLSA_V02 ? 'SLSA provenance v0.2' : 'SLSA provenance v1',
        mark: a.verified ? 'verified' : a.protection === 'none' ? 'unsigned' : 'unverified',
        detail: a.reason,
      });
      edge(d, att, 'attested_by');
      if (a.signer !== null) edge(att, `key:${a.signer}`, 'verified_with');
      const claim: Mark = a.verified ? 'attested' : 'claimed';
      let tail = att;
      if (a.builder_id !== null) {
        const b = node({ id: `builder:${a.builder_id}`, kind: 'builder', label: a.builder_id, mark: claim, detail: a.build_type });
        edge(tail, b, 'built_by');
        tail = b;
      }
      if (a.source_uri !== null) {
        const label = `${a.source_uri}@${a.source_revision ?? ''}`;
        const s = node({ id: `source:${label}`, kind: 'source', label, mark: claim, detail: a.entry_point });
        edge(tail, s, 'built_from');
        tail = s;
      }
      for (const m of a.materials) {
        const what = m.uri ?? m.name ?? 'material';
        const dig = Object.entries(m.digest)[0];
        const digText = dig === undefined ? null : `${dig[0]}:${dig[1]}`;
        edge(tail, node({ id: `material:${what}@${digText ?? ''}`, kind: 'material', label: what, mark: claim, detail: digText }), 'depends_on');
      }
    });
  }
  return {
    verdict,
    metadata:
      digest === null
        ? null
        : {
            media_type: 'application/vnd.oci.image.manifest.v1+json',
            is_index: false,
            oci: {
              source: 'https://github.com/acme/web',
              revision: '9f2c4e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4',
              version: '2.4.1',
              licenses: 'Apache-2.0',
            },
            labels: { maintainer: 'platform@acme.example', 'org.opencontainers.image.source': 'https://github.com/acme/web' },
            annotations: {},
            created: '2026-02-20T09:17:02Z',
            platforms: [],
            layer_count: 6,
            total_size: 48_213_554,
            history_length: 14,
            attestation_manifests: 0,
            problems: [],
          },
    attestations,
    graph: { nodes, edges },
    notes: digest === null ? [] : ['Looked for attestations in the cosign .att tag, OCI referrers and BuildKit attestation manifests.'],
  };
}
