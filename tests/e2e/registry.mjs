// Pushes small, distinct images to the real test registry with the OCI distribution API.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const sha256 = (buf) => `sha256:${createHash('sha256').update(buf).digest('hex')}`;

async function pushBlob(registry, repo, bytes) {
  const digest = sha256(bytes);
  const start = await fetch(`http://${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status}`);
  const location = new URL(start.headers.get('location'), `http://${registry}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return { digest, size: bytes.length };
}

/** A real tar layer (one small file of random bytes), so that engines can unpack it. */
function tarLayer() {
  const dir = mkdtempSync(path.join(tmpdir(), 'vouch-layer-'));
  try {
    writeFileSync(path.join(dir, 'random.bin'), randomBytes(256));
    return execFileSync('tar', ['-c', '--owner=0', '--group=0', '-C', dir, 'random.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Pushes manifest bytes as `registry/repo:ref` (a tag or their digest); returns a descriptor. */
async function pushManifest(registry, repo, ref, mediaType, bytes) {
  const r = await fetch(`http://${registry}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (r.status !== 201) throw new Error(`manifest put: ${r.status} ${await r.text()}`);
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

/**
 * Pushes a one-layer image for `platform` (default linux/amd64) as `registry/repo:tag`, or
 * by digest only when `tag` is null; returns its manifest digest.
 */
export async function pushImage(registry, repo, tag, platform) {
  return (await pushPlatformImage(registry, repo, tag, platform)).digest;
}

async function pushPlatformImage(registry, repo, tag, platform = { os: 'linux', architecture: 'amd64' }) {
  const layer = tarLayer();
  const config = Buffer.from(
    JSON.stringify({
      ...platform,
      created: new Date().toISOString(),
      config: { Labels: { 'org.opencontainers.image.source': `https://example.invalid/${repo}` } },
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  const l = await pushBlob(registry, repo, layer);
  const c = await pushBlob(registry, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: c.digest, size: c.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size }],
    }),
  );
  return pushManifest(registry, repo, tag ?? sha256(manifest), OCI_MANIFEST, manifest);
}

/**
 * Pushes a multi-platform image as `registry/repo:tag`: one image per platform (by digest) and
 * the OCI index listing them; returns the index's digest and the platform images' digests.
 */
export async function pushIndex(registry, repo, tag, platforms) {
  const manifests = [];
  for (const platform of platforms) {
    manifests.push({ ...(await pushPlatformImage(registry, repo, null, platform)), platform });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  const { digest } = await pushManifest(registry, repo, tag, OCI_INDEX, index);
  return { digest, platforms: manifests.map((m) => m.digest) };
}

/**
 * Breaks the first cosign signature on `digest` in `repo`: one base64 character of it is
 * changed, the signature manifest pushed back under its `.sig` tag.
 */
export async function tamperSignature(registry, repo, digest) {
  const sigTag = digest.replace(':', '-') + '.sig';
  const sig = await getManifest(registry, repo, sigTag);
  if (sig === null) throw new Error(`no signature to tamper with at ${repo}:${sigTag}`);
  const ann = sig.layers[0].annotations;
  const b64 = ann['dev.cosignproject.cosign/signature'];
  ann['dev.cosignproject.cosign/signature'] = b64.slice(0, 5) + (b64[5] === 'A' ? 'B' : 'A') + b64.slice(6);
  await putManifest(registry, repo, sigTag, sig);
}

/** Reads a manifest (e.g. a signature manifest) as JSON, or null when absent. */
export async function getManifest(registry, repo, ref) {
  const r = await fetch(`http://${registry}/v2/${repo}/manifests/${ref}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  return r.ok ? r.json() : null;
}

/** Replaces a manifest (pushes it as-is under `ref`). */
export async function putManifest(registry, repo, ref, manifest) {
  const r = await fetch(`http://${registry}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: Buffer.from(JSON.stringify(manifest)),
  });
  if (r.status !== 201) throw new Error(`manifest put: ${r.status} ${await r.text()}`);
}

/**
 * Pushes REPO:TAG signed keyless (a cosign 2.x `.sig` with a Fulcio-style certificate for
 * SUBJECT from ISSUER) by crates/core/examples/mint-keyless.rs at MINTER, from the local
 * Sigstore-like instance INSTANCE (its keys derive from the label). Returns the image's reference
 * and the instance's trusted_root.json (written under DIR, for `vouch trust-root add`).
 */
export function mintKeyless(minter, registry, repo, tag, { dir, instance, issuer, subject }) {
  execFileSync(minter, [registry, repo, '1', dir, '--tag', tag, '--instance', instance, '--issuer', issuer, '--subject', subject],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  return { ref: `${registry}/${repo}:${tag}`, root: path.join(dir, 'trusted_root.json') };
}
