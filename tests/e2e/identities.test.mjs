// Keyless identities in the real window: one added through the GitHub Actions preset of the
// Publishers view is listed beside a key, is the identity `vouch identity list --json` (the CLI,
// same profile) shows, and is revoked in the window with its state shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, poll, requireEnv } from './webdriver.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const skip = !app || !cli ? 'VOUCH_APP_BINARY/VOUCH_CLI not set: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING identities tests: ${skip}\n`);

const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*';
let dir;
let s;
let fingerprint;

/** The CLI in this file's own profile (the window runs in it too). */
function vouch(args) {
  return execFileSync(cli, args, { env: process.env }).toString();
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'vouch-e2e-identities-'));
  process.env.VOUCH_PROFILE = `e2e-identities-${process.pid}`;
  const key = path.join(dir, 'publisher.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  const pub = path.join(dir, 'publisher.pub');
  writeFileSync(pub, execFileSync('openssl', ['pkey', '-in', key, '-pubout']));
  fingerprint = vouch(['key', 'add', pub, '--name', 'Acme Keys']).trim().split(/\s+/).find((w) => w.startsWith('sha256:'));
  s = await Session.start(app);
  await s.click('[data-testid="nav-keys"]');
});

after(async () => {
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('an identity added with the GitHub Actions preset is listed beside a key, seen by the CLI, and revoked', { skip }, async () => {
  await s.shotOnFailure('identities', async () => {
    await s.waitFor('[data-testid="key-row"]');
    assert.match(await s.text('h1'), /Publishers/);

    // The preset: GitHub Actions is chosen; its inputs build the subject and the repository claim.
    await s.click('[data-testid="identity-preset-github-actions"]');
    await s.type('[data-testid="identity-input-repository"]', 'acme/app');
    await s.type('[data-testid="identity-input-workflowFile"]', 'release.yml');
    const subject = await s.execute('return document.querySelector(\'[data-testid="identity-subject"]\').value;');
    assert.equal(subject, SUBJECT);
    await s.type('[data-testid="identity-publisher"]', 'Acme Release Workflow');
    await s.click('[data-testid="add-identity-submit"]');

    const id = (await s.text('[data-testid="identity-added-id"]')).trim();
    assert.match(id, /^id:[0-9a-f]{12}$/);
    const row = `[data-testid="identity-row"][data-id="${id}"]`;
    assert.match(await s.text(row), /Acme Release Workflow[\s\S]*acme\/app[\s\S]*token\.actions\.githubusercontent\.com[\s\S]*active/);
    // Beside the key, in the same view.
    assert.ok(fingerprint, 'the CLI named the key it added');
    await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fingerprint}"]`);

    // The CLI reads the same trust set.
    const listed = JSON.parse(vouch(['identity', 'list', '--json']));
    assert.equal(listed.length, 1);
    assert.equal(listed[0].id, id);
    assert.equal(listed[0].issuer, ISSUER);
    assert.deepEqual(listed[0].subject, { kind: 'glob', value: SUBJECT });
    assert.equal(listed[0].claims.source_repository, 'https://github.com/acme/app');
    assert.equal(listed[0].publisher, 'Acme Release Workflow');
    assert.equal(listed[0].status, 'active');

    // Revoked in the window: the row shows it, the CLI agrees.
    const rowId = await s.waitFor(row);
    await s.cmd('POST', `/element/${await s.within(rowId, '[data-testid="identity-revoke"]')}/click`, {});
    await s.waitFor('[data-testid="revoke-dialog"]');
    assert.match(await s.text('[data-testid="revoke-dialog"]'), new RegExp(`Revoke identity[\\s\\S]*${id}`));
    await s.type('[data-testid="revoke-reason"]', 'workflow compromised');
    await s.click('[data-testid="revoke-confirm"]');
    await s.waitFor(`${row} [data-testid="key-status"][data-state="revoked"]`);
    assert.equal((await s.findAll(`${row} [data-testid="identity-revoke"]`)).length, 0);
    const after = JSON.parse(vouch(['identity', 'show', id, '--json']));
    assert.equal(after.status, 'revoked');
    assert.equal(after.revoked_reason, 'workflow compromised');
    assert.equal(after.state.kind, 'revoked');
    await poll('the revoke dialog to close', async () => ((await s.findAll('[data-testid="revoke-dialog"]')).length === 0 ? true : undefined));
  });
});
