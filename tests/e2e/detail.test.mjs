// What the window says about each image, read in the real window: the reasons of the unsigned
// and tampered rows (the core's sentences), the detail view of an attested image with its
// provenance graph (signer and builder), text dropped on the window, and verify-then-pull with
// Debian's podman (scripts/fetch-peers.sh puts it in .tools) into a throwaway storage root.
// A publisher (its own profile) signs and attests with the CLI; the window's profile trusts it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, requireEnv } from './webdriver.mjs';
import { pushImage, tamperSignature } from './registry.mjs';
import { nativeDrop } from './nativedrop.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const skip = !app || !cli || !registry || !process.env.DISPLAY ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING detail tests: ${skip}\n`);

const here = path.dirname(fileURLToPath(import.meta.url));
const PREDICATE = path.join(here, '../../crates/core/tests/fixtures/slsa/v02-predicate.json');
const BUILDER = 'https://github.com/acme/builder@v1';
const PUBLISHER = 'Detail Release';
const repo = (name) => `detail-${process.pid}/${name}`;
const refs = {};
let s;
/** The podman the window finds on its PATH, and the environment it pulls with. */
const podman = path.join(here, '../../.tools/bin/podman');
let podmanEnv;

function vouch(args, profile) {
  return execFileSync(cli, args, { env: { ...process.env, ...(profile ? { VOUCH_PROFILE: profile } : {}) } }).toString();
}

/** The CLI's verdict for `ref` (in the window's profile): what the window must show. */
function cliVerdict(ref) {
  try {
    return JSON.parse(vouch(['verify', '--json', '--no-history', ref]));
  } catch (e) {
    return JSON.parse(e.stdout.toString());
  }
}

before(async () => {
  if (skip) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'vouch-detail-'));
  const publisher = `publisher-detail-${process.pid}`;
  const fingerprint = vouch(['key', 'generate', '--name', PUBLISHER, '--algorithm', 'p256'], publisher).trim();
  const pem = path.join(dir, 'publisher.pem');
  writeFileSync(pem, vouch(['key', 'export', fingerprint], publisher));
  vouch(['key', 'add', pem, '--name', PUBLISHER, '--scope', `${registry}/detail-${process.pid}/**`]);
  vouch(['policy', 'set', `${registry}/${repo('warned')}`, '--mode', 'warn']);
  for (const name of ['attested', 'plain', 'tampered', 'warned']) {
    await pushImage(registry, repo(name), 'v1');
    refs[name] = `${registry}/${repo(name)}:v1`;
  }
  vouch(['sign', refs.attested, '--key', fingerprint], publisher);
  vouch(['attest', refs.attested, '--key', fingerprint, '--predicate', PREDICATE, '--type', 'slsaprovenance'], publisher);
  vouch(['sign', refs.tampered, '--key', fingerprint], publisher);
  await tamperSignature(registry, repo('tampered'), cliVerdict(refs.tampered).digest);
  podmanEnv = throwawayPodman(dir);
  // The window inherits this environment: its PATH finds this podman and no docker.
  Object.assign(process.env, podmanEnv);
  s = await Session.start(app);
});

/**
 * Storage, registries and signature policy for podman, all in `dir` or the harness's throwaway
 * HOME: the plain-HTTP harness registry is allowed, images go to a storage root of their own.
 */
function throwawayPodman(dir) {
  if (!existsSync(podman)) throw new Error(`no podman at ${podman}: run scripts/fetch-peers.sh`);
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(podman, path.join(bin, 'podman'));
  const storage = path.join(dir, 'storage.conf');
  writeFileSync(storage, `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/root"\nrunroot = "${dir}/runroot"\n`);
  const registries = path.join(dir, 'registries.conf');
  writeFileSync(registries, `[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
  const policyDir = path.join(process.env.HOME, '.config', 'containers');
  mkdirSync(policyDir, { recursive: true });
  writeFileSync(path.join(policyDir, 'policy.json'), '{"default": [{"type": "insecureAcceptAnything"}]}\n');
  return {
    PATH: `${bin}:/usr/bin:/bin`,
    CONTAINERS_STORAGE_CONF: storage,
    CONTAINERS_REGISTRIES_CONF: registries,
  };
}

/** The digests of the images in podman's throwaway storage. */
function pulledDigests() {
  const out = execFileSync(podman, ['images', '--digests', '--format', 'json'], { env: { ...process.env, ...podmanEnv } });
  return JSON.parse(out.toString()).flatMap((i) => [i.Digest, ...(i.Digests ?? [])]);
}

after(async () => {
  await s?.stop();
});

const withShot = (name, fn) => s.shotOnFailure(name, fn);

const rowSelector = (name) => `[data-testid="verdict-row"][data-reference="${refs[name]}"]`;

/** Waits until the row of `name` has a final status; returns its element id. */
async function settledRow(name) {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const ids = await s.findAll(rowSelector(name));
    if (ids.length === 1) {
      const status = await s.attr(ids[0], 'data-status');
      if (status && status !== 'checking') return ids[0];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the row of ${refs[name]} never settled`);
}

async function inRow(row, css) {
  const found = await s.cmd('POST', `/element/${row}/element`, { using: 'css selector', value: css });
  return Object.values(found)[0];
}

const textOf = (id) => s.cmd('GET', `/element/${id}/text`);
/** All of an element's text, also the parts scrolled out of view in the wide graph. */
const contentOf = async (css) => s.cmd('GET', `/element/${await s.waitFor(css)}/property/textContent`);

async function check(...names) {
  await s.click('[data-testid="nav-verify"]');
  await s.type('[data-testid="verify-input"]', names.map((n) => refs[n]).join(' '));
  await s.click('[data-testid="verify-submit"]');
  const rows = {};
  for (const n of names) rows[n] = await settledRow(n);
  return rows;
}

test('the unsigned and tampered rows say why, in the core words', { skip }, async () => {
  await withShot('detail-reasons', async () => {
    const rows = await check('plain', 'tampered');
    const plain = cliVerdict(refs.plain);
    const tampered = cliVerdict(refs.tampered);
    assert.equal(await s.attr(rows.plain, 'data-status'), 'unsigned');
    const plainReason = await textOf(await inRow(rows.plain, '[data-testid="verdict-reason"]'));
    assert.equal(plainReason, plain.reason);
    assert.match(plainReason, new RegExp(`^no signature found for ${registry}/${repo('plain')} at sha256:[0-9a-f]+`));
    assert.match(plainReason, /a cosign signature by a trusted key scoped to .* would be accepted/);

    assert.equal(await s.attr(rows.tampered, 'data-status'), tampered.status);
    assert.notEqual(tampered.status, 'verified');
    const tamperedReason = await textOf(await inRow(rows.tampered, '[data-testid="verdict-reason"]'));
    assert.equal(tamperedReason, tampered.reason);
    assert.match(tamperedReason, /signature/i);
    assert.doesNotMatch(tamperedReason, /no signature found/);
  });
});

test('the detail view of an attested image shows its provenance graph, signer and builder', { skip }, async () => {
  await withShot('detail-provenance', async () => {
    const rows = await check('attested');
    assert.equal(await s.attr(rows.attested, 'data-status'), 'verified');
    await s.cmd('POST', `/element/${await inRow(rows.attested, '[data-testid="verdict-toggle"]')}/click`, {});
    await s.click('[data-testid="verdict-inspect"]');
    await s.waitFor('[data-testid="inspect-view"]');
    await s.waitFor('[data-testid="inspect-graph"]', undefined, 30_000);
    const publisher = await contentOf('[data-testid="graph-node"][data-kind="publisher"]');
    assert.match(publisher, new RegExp(PUBLISHER));
    const builder = await contentOf('[data-testid="graph-node"][data-kind="builder"]');
    assert.match(builder, new RegExp(BUILDER.replace(/[.?]/g, '\\$&')));
    assert.match(await s.text('[data-testid="attestation-signer"]'), new RegExp(PUBLISHER));
    assert.equal((await s.text('[data-testid="attestation-builder"]')).trim(), BUILDER);
    await s.click('[data-testid="inspect-back"]');
    await s.waitFor('[data-testid="verify-input"]');
  });
});

test('text dropped on the window is extracted', { skip }, async () => {
  await withShot('detail-text-drop', async () => {
    await s.click('[data-testid="nav-verify"]');
    await s.click('[data-testid="verify-clear"]').catch(() => {});
    const area = await s.waitFor('[data-testid="verify-input"]');
    const rect = await s.cmd('GET', `/element/${area}/rect`);
    const win = await s.cmd('GET', '/window/rect');
    const to = { x: Math.round(win.x + rect.x + rect.width / 2), y: Math.round(win.y + rect.y + rect.height / 2) };
    const text = `services:\n  web:\n    image: ${refs.plain}\n  api:\n    image: ${refs.attested}\n`;
    await nativeDrop(['--text', text], to);
    const preview = await s.waitFor('[data-testid="verify-preview"]', undefined, 20_000);
    const found = await Promise.all(
      (await s.findAll('[data-testid="verify-preview-ref"] code')).map((id) => textOf(id)),
    );
    assert.deepEqual(found, [refs.plain, refs.attested], await textOf(preview));
    assert.match(await s.text('[data-testid="verify-found"]'), /2 images found/);
  });
});

/** Waits for the pull log of `row` to end; returns its phase and text. */
async function pullEnded(row) {
  const end = Date.now() + 120_000;
  while (Date.now() < end) {
    const logs = await s.findAll(`${row} [data-testid="pull-log"]`);
    if (logs.length === 1) {
      const phase = await s.attr(logs[0], 'data-phase');
      if (phase !== 'running') return { phase, text: await textOf(logs[0]) };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the pull in ${row} never ended`);
}

test('verify then pull: a verified image is pulled by digest with podman; a warn-scope image asks first', { skip }, async () => {
  await withShot('detail-pull', async () => {
    await s.click('[data-testid="verify-clear"]').catch(() => {});
    const rows = await check('attested', 'warned');
    const attested = cliVerdict(refs.attested);
    const pinned = `${registry}/${repo('attested')}@${attested.digest}`;
    const pull = await inRow(rows.attested, '[data-testid="verdict-pull"]');
    assert.equal(await s.attr(pull, 'data-availability'), 'pull');
    await s.cmd('POST', `/element/${pull}/click`, {});
    const done = await pullEnded(rowSelector('attested'));
    assert.equal(done.phase, 'done', done.text);
    assert.match(done.text, new RegExp(`Pulled ${pinned.replace(/[.]/g, '\\.')} with podman`));
    assert.ok(pulledDigests().includes(attested.digest), `podman's storage holds ${attested.digest}`);

    // Unsigned in a warn scope: pulling asks first, and saying no pulls nothing.
    const warned = cliVerdict(refs.warned);
    assert.equal(warned.status, 'unsigned');
    assert.equal(warned.enforced, false);
    const warnPull = await inRow(rows.warned, '[data-testid="verdict-pull"]');
    assert.equal(await s.attr(warnPull, 'data-availability'), 'confirm');
    await s.cmd('POST', `/element/${warnPull}/click`, {});
    assert.equal((await s.text('[data-testid="pull-confirm-reason"]')).trim(), warned.reason);
    await s.click('[data-testid="pull-confirm-cancel"]');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await s.findAll('[data-testid="pull-confirm-reason"]')).length, 0, 'the question is gone');
    assert.equal((await s.findAll(`${rowSelector('warned')} [data-testid="pull-log"]`)).length, 0, 'nothing was pulled');
    assert.ok(!pulledDigests().includes(warned.digest), 'declined: podman holds no copy');

    // Confirmed: pulled, pinned by its digest.
    await s.cmd('POST', `/element/${warnPull}/click`, {});
    await s.click('[data-testid="pull-confirm-accept"]');
    const accepted = await pullEnded(rowSelector('warned'));
    assert.equal(accepted.phase, 'done', accepted.text);
    assert.ok(pulledDigests().includes(warned.digest), `podman's storage holds ${warned.digest}`);
  });
});
