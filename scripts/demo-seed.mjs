// Seeds a registry for `make demo` (scripts/demo.sh): one image of each kind Vouch tells apart,
// pushed with the tests' registry helpers and signed and attested with the vouch CLI, in the
// active profile (VOUCH_PROFILE), by its demo publisher key (generated on first use, kept in the
// keychain under that profile).
//
//   node scripts/demo-seed.mjs REGISTRY VOUCH_CLI
//
// Prints one line per image: `REFERENCE<TAB>what it shows`.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushImage, pushIndex, tamperSignature } from '../tests/e2e/registry.mjs';

const [registry, cli] = process.argv.slice(2);
if (!registry || !cli) {
  console.error('usage: node scripts/demo-seed.mjs REGISTRY VOUCH_CLI');
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLISHER = 'Vouch Demo Publisher';
// Every demo registry is on loopback, on a new port each run: the scope covers them all.
const SCOPE = '127.0.0.1:*/demo/**';

const vouch = (args) => execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

function demoKey() {
  const keys = JSON.parse(vouch(['key', 'list', '--json']));
  const mine = keys.find((k) => k.publisher === PUBLISHER && k.has_private && k.status !== 'revoked');
  if (mine) return mine.fingerprint;
  return vouch(['key', 'generate', '--name', PUBLISHER, '--scope', SCOPE]).trim();
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

for (const [reference, what] of seeded) console.log(`${reference}\t${what}`);
