// Keyless signatures in the real window, end to end: an image signed keyless by a GitHub Actions
// workflow (minted into the harness registry by crates/core/examples/mint-keyless.rs from a local
// Sigstore-like instance, whose trusted root the CLI adds as `e2e-keyless`), an identity added in
// the Publishers view with the GitHub Actions preset and that root, then Verify: the image is
// Verified with its signer shown (subject, issuer, log entry, publisher); an image signed by
// another workflow of the same repository is not, and its reason names the mismatch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, poll, requireEnv } from './webdriver.mjs';
import { mintKeyless } from './registry.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const minter = requireEnv('VOUCH_MINT_KEYLESS');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const skip = !app || !cli || !minter || !registry ? 'needs the harness and mint-keyless: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING keyless window tests: ${skip}\n`);

const ISSUER = 'https://token.actions.githubusercontent.com';
const OWNER_REPO = `acme-e2e/app-${process.pid}`;
const REF = 'refs/heads/main';
const workflowSubject = (file) => `https://github.com/${OWNER_REPO}/.github/workflows/${file}@${REF}`;
const ROOT = 'e2e-keyless';
const PUBLISHER = 'Acme E2E Release';
const REPO_PREFIX = `keyless-e2e-${process.pid}`;
let dir;
let s;
const refs = {};

/** The CLI in this file's own profile (the window runs in it too). */
function vouch(args) {
  return execFileSync(cli, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Pushes REPO_PREFIX/NAME:1.0 signed keyless by the workflow FILE. */
const mint = (name, file) => mintKeyless(minter, registry, `${REPO_PREFIX}/${name}`, '1.0',
  { dir: path.join(dir, name), instance: ROOT, issuer: ISSUER, subject: workflowSubject(file) });

/** The verdict the CLI gives (same profile): what the window must show. */
function cliVerdict(ref) {
  try {
    return JSON.parse(vouch(['verify', ref, '--json']));
  } catch (e) {
    // A refused image exits non-zero with its verdict on stdout.
    return JSON.parse(e.stdout.toString());
  }
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'vouch-e2e-keyless-'));
  // Its own profile: identities and keys other e2e files trust must not decide these verdicts.
  process.env.VOUCH_PROFILE = `e2e-keyless-${process.pid}`;
  const release = mint('release', 'release.yml');
  refs.release = release.ref;
  // The same instance label: the same keys (its certificate authority and log), so the root added
  // below covers both images.
  refs.nightly = mint('nightly', 'nightly.yml').ref;
  vouch(['trust-root', 'add', release.root, '--name', ROOT]);
  s = await Session.start(app);
});

after(async () => {
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const step = (name, fn) => s.shotOnFailure(name, fn);

/** The verdict row of REF once it is no longer being checked. */
async function settledRow(ref) {
  const css = `[data-testid="verdict-row"][data-reference="${ref}"]`;
  return poll(`${ref} to be checked`, async () => {
    const ids = await s.findAll(css);
    if (ids.length === 0) return undefined;
    const status = await s.attr(ids[0], 'data-status');
    if (!status || status === 'checking') return undefined;
    return { id: ids[0], status, text: await s.cmd('GET', `/element/${ids[0]}/text`), css };
  });
}

async function check(ref) {
  await s.click('[data-testid="nav-verify"]');
  await s.type('[data-testid="verify-input"]', ref);
  await s.click('[data-testid="verify-submit"]');
  return settledRow(ref);
}

test('an identity added with the GitHub Actions preset and a custom trusted root', { skip }, async () => {
  await step('keyless-identity', async () => {
    await s.click('[data-testid="nav-keys"]');
    await s.click('[data-testid="identity-preset-github-actions"]');
    await s.type('[data-testid="identity-input-repository"]', OWNER_REPO);
    await s.type('[data-testid="identity-input-workflowFile"]', 'release.yml');
    await s.type('[data-testid="identity-input-ref"]', REF);
    const subject = await s.execute('return document.querySelector(\'[data-testid="identity-subject"]\').value;');
    assert.equal(subject, workflowSubject('release.yml'));
    // The root picker lists the root the CLI added; choose it.
    await s.waitFor(`[data-testid="identity-root"] option[value="${ROOT}"]`);
    await s.click(`[data-testid="identity-root"] option[value="${ROOT}"]`);
    assert.equal(await s.execute('return document.querySelector(\'[data-testid="identity-root"]\').value;'), ROOT);
    await s.type('[data-testid="identity-publisher"]', PUBLISHER);
    await s.type('[data-testid="identity-scopes"]', `${registry}/${REPO_PREFIX}/**`);
    await s.click('[data-testid="add-identity-submit"]');
    const id = (await s.text('[data-testid="identity-added-id"]')).trim();
    assert.match(id, /^id:[0-9a-f]{12}$/);
    const listed = JSON.parse(vouch(['identity', 'list', '--json']));
    assert.equal(listed.length, 1);
    assert.equal(listed[0].trusted_root, ROOT, JSON.stringify(listed[0]));
  });
});

test('a keyless-signed image is Verified, its identity shown', { skip }, async () => {
  await step('keyless-verified', async () => {
    const row = await check(refs.release);
    assert.equal(row.status, 'verified', row.text);
    assert.match(row.text, /Verified/);
    // What the core says is what the window shows: the same log entry.
    const verdict = cliVerdict(refs.release);
    assert.equal(verdict.status, 'verified', JSON.stringify(verdict));
    const keyless = verdict.signatures.find((sig) => sig.keyless)?.keyless;
    assert.ok(keyless?.log, `the CLI's verdict names a logged keyless signer: ${JSON.stringify(verdict.signatures)}`);

    await s.cmd('POST', `/element/${await s.within(row.id, '[data-testid="verdict-toggle"]')}/click`, {});
    const signer = `${row.css} [data-testid="keyless-signer"]`;
    await s.waitFor(signer);
    assert.equal((await s.text(`${signer} [data-testid="keyless-subject"]`)).trim(), workflowSubject('release.yml'));
    assert.equal((await s.text(`${signer} [data-testid="keyless-issuer"]`)).trim(), ISSUER);
    assert.match(await s.text(`${signer} [data-testid="keyless-identity"]`), new RegExp(`trusted as ${PUBLISHER}`));
    assert.match(await s.text(`${signer} [data-testid="keyless-log"]`), new RegExp(`entry ${keyless.log.index}\\b`));
    assert.match(await s.text(`${signer} [data-testid="keyless-cert-time"]`), new RegExp(`trusted root ${ROOT}`));
  });
});

test('an image signed by another workflow of the repository is refused, the mismatch named', { skip }, async () => {
  await step('keyless-mismatch', async () => {
    const row = await check(refs.nightly);
    assert.notEqual(row.status, 'verified', row.text);
    assert.equal(row.status, cliVerdict(refs.nightly).status);
    const reason = await s.text(`${row.css} [data-testid="verdict-reason"]`);
    // The field, what the identity expects and what the certificate says.
    assert.match(reason, /not an identity you trust \(subject: expected \S*\/release\.yml@\S*, found \S*\/nightly\.yml@/, reason);
  });
});
