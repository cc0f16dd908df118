// Seeds a registry for `make demo` (scripts/demo.sh): one image of each kind Vouch tells apart,
// pushed with the tests' registry helpers and signed and attested with the vouch CLI, in the
// active profile (VOUCH_PROFILE), by its demo publisher key (generated on first use, kept in the
// keychain under that profile). Two images are signed keyless instead (cosign 2.x `.sig`
// signatures with Fulcio-style certificates), by MINT_KEYLESS (crates/core/examples/mint-keyless.rs)
// from a local Sigstore-like instance whose trusted root the profile trusts under the name
// `vouch-demo` (re-added on each seeding), with the demo workflow's identity tied to it.
//
//   node scripts/demo-seed.mjs REGISTRY VOUCH_CLI MINT_KEYLESS
//
// Prints one line per image: `REFERENCE<TAB>what it shows`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushImage, pushIndex, tamperSignature } from '../tests/e2e/registry.mjs';

const [registry, cli, minter] = process.argv.slice(2);
if (!registry || !cli || !minter) {
  console.error('usage: node scripts/demo-seed.mjs REGISTRY VOUCH_CLI MINT_KEYLESS');
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLISHER = 'Vouch Demo Publisher';
// Every demo registry is on loopback, on a new port each run: the scope covers them all.
const SCOPE = '127.0.0.1:*/demo/**';
// The keyless publisher: a GitHub Actions release workflow, certified by the demo's own
// Sigstore-like instance (its trusted root added as ROOT).
const WORKFLOW_PUBLISHER = 'Vouch Demo Workflow';
const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/vouch-demo/app/.github/workflows/release.yml@refs/heads/main';
const OTHER_WORKFLOW = 'https://github.com/vouch-demo/app/.github/workflows/nightly.yml@refs/heads/main';
const ROOT = 'vouch-demo';

const vouch = (args) => execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

function demoKey() {
  const keys = JSON.parse(vouch(['key', 'list', '--json']));
  const mine = keys.find((k) => k.publisher === PUBLISHER && k.has_private && k.status !== 'revoked');
  if (mine) return mine.fingerprint;
  return vouch(['key', 'generate', '--name', PUBLISHER, '--scope', SCOPE]).trim();
}

/** Pushes REPO:1.0 signed keyless by SUBJECT; the instance's trust files land in DIR. */
function mintKeyless(repo, subject, dir) {
  execFileSync(minter, [registry, repo, '1', dir, '--tag', '1.0', '--instance', 'vouch-demo', '--issuer', ISSUER, '--subject', subject],
    { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The demo instance's trusted root under ROOT (replaced: each seeding mints a fresh one), and
 * the demo workflow's identity tied to it (added once). */
function trustDemoWorkflow(dir) {
  const roots = JSON.parse(vouch(['trust-root', 'list', '--json']));
  if (roots.some((r) => r.name === ROOT)) vouch(['trust-root', 'rm', ROOT]);
  vouch(['trust-root', 'add', path.join(dir, 'trusted_root.json'), '--name', ROOT]);
  const identities = JSON.parse(vouch(['identity', 'list', '--json']));
  if (identities.some((i) => i.publisher === WORKFLOW_PUBLISHER && i.status !== 'revoked')) return;
  vouch(['identity', 'add', '--issuer', ISSUER, '--subject', WORKFLOW, '--name', WORKFLOW_PUBLISHER, '--scope', SCOPE, '--trusted-root', ROOT]);
}

const key = demoKey();
const ref = (repo) => `${registry}/${repo}:1.0`;
const sign = (repo) => vouch(['sign', ref(repo), '--key', key]);
const seeded = [];

await pushImage(registry, 'demo/signed', '1.0');
sign('demo/signed');
seeded.push([ref('demo/signed'), 'signed by the demo publisher: verified']);

await pushImage(registry, 'demo/unsigned', '1.0');
seeded.push([ref('demo/unsigned'), 'no signature: unsigned']);

const tampered = await pushImage(registry, 'demo/tampered', '1.0');
sign('demo/tampered');
await tamperSignature(registry, 'demo/tampered', tampered);
seeded.push([ref('demo/tampered'), 'its signature was altered after signing: untrusted (no trusted key verifies it)']);

const index = await pushIndex(registry, 'demo/multiarch', '1.0', [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
]);
sign('demo/multiarch');
// Each platform's image is signed too (as `cosign sign --recursive` does).
for (const digest of index.platforms) vouch(['sign', `${registry}/demo/multiarch@${digest}`, '--key', key]);
seeded.push([ref('demo/multiarch'), 'an index for linux/amd64 and linux/arm64/v8, it and each platform signed: verified']);

await pushImage(registry, 'demo/attested', '1.0');
sign('demo/attested');
const predicate = path.join(root, 'crates/core/tests/fixtures/slsa/v1-predicate.json');
vouch(['attest', ref('demo/attested'), '--key', key, '--type', 'slsaprovenance1', '--predicate', predicate]);
seeded.push([ref('demo/attested'), 'signed, with a signed SLSA v1 provenance: verified, builder shown']);

await pushImage(registry, 'elsewhere/app', '1.0');
sign('elsewhere/app');
seeded.push([ref('elsewhere/app'), `signed by the demo publisher, outside its scope (${SCOPE}): untrusted`]);

const keylessDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-demo-keyless-'));
try {
  mintKeyless('demo/keyless', WORKFLOW, keylessDir);
  trustDemoWorkflow(keylessDir);
  seeded.push([ref('demo/keyless'), `signed keyless by the demo release workflow (${ROOT} trusted root): verified, identity shown`]);
  mintKeyless('demo/keyless-nightly', OTHER_WORKFLOW, keylessDir);
  seeded.push([ref('demo/keyless-nightly'), 'signed keyless by another workflow (nightly.yml) of the same repository: untrusted (identity mismatch)']);
} finally {
  fs.rmSync(keylessDir, { recursive: true, force: true });
}

for (const [reference, what] of seeded) console.log(`${reference}\t${what}`);
