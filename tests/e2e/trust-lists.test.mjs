// Team trust lists in the real window, against the real registry: an admin publishes a signed list
// with the CLI from a profile of their own; in the window's profile (which trusts the admin's
// public key) Settings subscribes to it, checks for updates, shows the diff naming the publisher,
// applies it — and the Keys view lists the key as from the list. The admin then revokes the key
// and publishes version 2: the window shows "revoked" in the diff and applies it. Every outcome
// is also read back with the CLI in the window's profile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, poll, requireEnv } from './webdriver.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const skip = !app || !cli || !registry ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING trust list tests: ${skip}\n`);

const TEAM = `e2e-tl-team-${process.pid}`;
const LIST = `${registry}/${TEAM}/trust:prod`;
const ADMIN = `e2e-tl-admin-${process.pid}`;
let dir;
let s;
let adminFp;
let acmeFp;

/** Runs the CLI; `profile` null means the window's own profile. Returns stdout. */
function vouch(args, profile = null) {
  const env = { ...process.env, ...(profile ? { VOUCH_PROFILE: profile } : {}) };
  return execFileSync(cli, args, { env }).toString();
}

/** The admin publishes the team's publishers (the team's scope only: not the admin key). */
function publish() {
  return vouch(['trust', 'publish', LIST, '--key', adminFp, '--scope', `${registry}/${TEAM}/**`], ADMIN);
}

/** The window's key for the publisher `fingerprint`, as `vouch key list --json` gives it. */
function cliKey(fingerprint) {
  return JSON.parse(vouch(['key', 'list', '--json'])).find((k) => k.fingerprint === fingerprint);
}

/** Checks for updates and waits for the plan; returns its changes ({kind, fingerprint, text}). */
async function checkForUpdates(version) {
  await s.clickStill('[data-testid="trust-list-check"]');
  await s.waitFor('[data-testid="trust-list-plan"]', (t) => t.includes(`Version ${version}`));
  return s.execute(
    `return [...document.querySelectorAll('[data-testid="list-diff-change"]')].map((el) => ({ ...el.dataset, text: el.innerText }));`,
  );
}

async function apply(version) {
  await s.click('[data-testid="trust-list-apply"]');
  await s.waitFor('[data-testid="trust-list-applied"]', (t) => t.includes(`Version ${version} applied`));
  await s.waitFor('[data-testid="trust-list-version"]', (t) => t.includes(`version ${version}`));
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'vouch-e2e-tl-'));
  process.env.VOUCH_PROFILE = `e2e-tl-${process.pid}`;
  adminFp = vouch(['key', 'generate', '--name', 'Team Admin', '--algorithm', 'ed25519', '--scope', `${registry}/admins/**`], ADMIN).trim();
  acmeFp = vouch(['key', 'generate', '--name', 'Acme Release', '--algorithm', 'ed25519', '--scope', `${registry}/${TEAM}/**`], ADMIN).trim();
  // The window's profile trusts the admin's public key (imported with the CLI).
  const adminPub = path.join(dir, 'admin.pub');
  writeFileSync(adminPub, vouch(['key', 'export', adminFp], ADMIN));
  vouch(['key', 'add', adminPub, '--name', 'Team Admin', '--scope', `${registry}/admins/**`]);
  assert.match(publish(), /version 1 \(1 publisher key\(s\)\)/);
  s = await Session.start(app);
});

after(async () => {
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Settings subscribes to a team list, shows its diff, applies it, and a revocation in version 2', { skip }, async () => {
  await s.shotOnFailure('trust-lists', async () => {
    await s.click('[data-testid="nav-settings"]');
    await s.waitFor('[data-testid="trust-lists-empty"]');
    await s.click('[data-testid="trust-list-subscribe-open"]');
    await s.type('[data-testid="trust-list-reference"]', LIST);
    await s.click(`[data-testid="trust-list-signer"][value="${adminFp}"]`);
    await s.click('[data-testid="trust-list-subscribe"]');
    const item = await s.waitFor(`[data-testid="trust-list-item"][data-reference="${LIST}"]`);
    assert.match(await s.text('[data-testid="trust-list-version"]'), /no version yet/);
    assert.match(await s.text('[data-testid="trust-list-signers"]'), /1 of 1 admin must sign/);
    const sub = JSON.parse(vouch(['trust', 'subscriptions', '--json']));
    assert.deepEqual([sub[0].reference, sub[0].signers, sub[0].threshold], [LIST, [adminFp], 1]);
    assert.ok(item);

    // Version 1: the diff names the publisher; nothing is applied before Apply.
    const added = await checkForUpdates(1);
    assert.deepEqual(added.map((c) => [c.kind, c.fingerprint]), [['added', acmeFp]]);
    assert.match(added[0].text, /Acme Release/);
    assert.equal(cliKey(acmeFp), undefined, 'checking applied nothing');
    await apply(1);
    assert.equal(cliKey(acmeFp)?.source, LIST);
    assert.equal(cliKey(acmeFp)?.status, 'active');

    // The Keys view lists the key as from the list.
    await s.click('[data-testid="nav-keys"]');
    await s.waitFor(`[data-testid="key-row"][data-fingerprint="${acmeFp}"] [data-testid="key-source"]`, (t) => t.includes(LIST));
    await s.click('[data-testid="nav-settings"]');

    // Version 2 revokes it: the diff says "revoked", and applying it revokes the key here.
    vouch(['key', 'revoke', acmeFp, '--reason', 'leaked'], ADMIN);
    assert.match(publish(), /version 2/);
    await s.waitFor('[data-testid="trust-list-version"]', (t) => t.includes('version 1'));
    const revoked = await checkForUpdates(2);
    assert.deepEqual(revoked.map((c) => [c.kind, c.fingerprint]), [['revoked', acmeFp]]);
    assert.match(revoked[0].text, /Acme Release/);
    assert.match(await s.text('[data-testid="list-diff-group"]'), /revoked/);
    assert.equal(cliKey(acmeFp)?.status, 'active', 'checking applied nothing');
    await apply(2);
    assert.equal(cliKey(acmeFp)?.status, 'revoked');
    // Checking again: up to date, nothing to apply.
    await s.clickStill('[data-testid="trust-list-check"]');
    await s.waitFor('[data-testid="trust-list-up-to-date"]', (t) => t.includes('version 2 is applied'));
  });
});

test('a list signed by an admin the subscription does not trust is refused, and the sentence shown', { skip }, async () => {
  await s.shotOnFailure('trust-lists-refused', async () => {
    // A stranger publishes version 3 at the same place with a key of their own.
    const stranger = `e2e-tl-stranger-${process.pid}`;
    const fp = vouch(['key', 'generate', '--name', 'Stranger', '--algorithm', 'ed25519'], stranger).trim();
    vouch(['trust', 'publish', LIST, '--key', fp, '--list-version', '3'], stranger);
    await s.clickStill('[data-testid="trust-list-check"]');
    const refused = await s.waitFor('[data-testid="trust-list-refused"]');
    assert.match(await s.text('[data-testid="trust-list-refused"]'), /nothing was applied[\s\S]*0 valid signature\(s\)/i);
    assert.ok(refused);
    assert.equal((await s.findAll('[data-testid="trust-list-apply"]')).length, 0);
    await poll('the last problem recorded and shown', async () =>
      (await s.findAll('[data-testid="trust-list-problem"]')).length > 0 ? true : undefined,
    );
    const sub = JSON.parse(vouch(['trust', 'subscriptions', '--json']))[0];
    assert.equal(sub.version, 2, 'the applied version is kept');
    assert.equal(sub.last_problem.code, 'too_few_signatures');
    assert.equal(cliKey(acmeFp)?.status, 'revoked');
  });
});
