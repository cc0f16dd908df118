// The whole product through the real window: real keychain, real registry, real signatures.
// A publisher (its own profile) signs images with the CLI; the user, in the window, trusts the
// publisher's key by pasting its PEM, checks images, opens the detail, revokes and re-checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Session, requireEnv } from './webdriver.mjs';
import { pushImage, tamperSignature } from './registry.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const skip = !app || !cli || !registry ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING window flow tests: ${skip}\n`);

const shotsDir = process.env.VOUCH_SCREENSHOTS_DIR; // set by `make screenshots`
let s;
let fingerprint;
let pem;
const refs = {};

function vouch(args, profile) {
  return execFileSync(cli, args, { env: { ...process.env, ...(profile ? { VOUCH_PROFILE: profile } : {}) } }).toString();
}

function cliVerdict(ref) {
  try {
    return JSON.parse(vouch(['verify', '--json', ref]));
  } catch (e) {
    return JSON.parse(e.stdout.toString());
  }
}

before(async () => {
  if (skip) return;
  const publisher = `publisher-e2e-${process.pid}`;
  fingerprint = vouch(['key', 'generate', '--name', 'Acme Release', '--algorithm', 'p256'], publisher).trim();
  pem = vouch(['key', 'export', fingerprint], publisher);
  for (const name of ['app', 'plain', 'tampered']) {
    await pushImage(registry, `acme/${name}`, 'v1');
    refs[name] = `${registry}/acme/${name}:v1`;
  }
  vouch(['sign', refs.app, '--key', fingerprint], publisher);
  vouch(['sign', refs.tampered, '--key', fingerprint], publisher);
  // Tamper: flip one base64 character of the signature on acme/tampered.
  const digest = JSON.parse(vouch(['verify', '--json', refs.tampered], publisher)).digest;
  await tamperSignature(registry, 'acme/tampered', digest);
  s = await Session.start(app);
});

after(async () => {
  await s?.stop();
});

async function step(name, fn) {
  try {
    await fn();
    if (shotsDir) await s.screenshotTo(shotsDir, name);
  } catch (e) {
    const file = await s.screenshot(`failure-${name}`).catch(() => 'none');
    e.message += `\n(screenshot: ${file})`;
    throw e;
  }
}

async function rows() {
  const ids = await s.findAll('[data-testid="verdict-row"]');
  const out = [];
  for (const id of ids) {
    out.push({
      id,
      status: await s.attr(id, 'data-status'),
      text: await s.cmd('GET', `/element/${id}/text`),
    });
  }
  return out;
}

async function waitRows(pred, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  let last = [];
  while (Date.now() < end) {
    last = await rows();
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`rows never settled: ${JSON.stringify(last.map((r) => [r.status, r.text.slice(0, 80)]))}`);
}

const rowFor = (all, name) => all.find((r) => r.text.includes(`acme/${name}`));

test('add a publisher key by pasting its PEM', { skip }, async () => {
  await step('keys', async () => {
    await s.click('[data-testid="nav-keys"]');
    await s.type('[data-testid="add-key-pem"]', pem);
    await s.type('[data-testid="add-key-publisher"]', 'Acme Release');
    await s.type('[data-testid="add-key-scopes"]', `${registry}/acme/**`);
    await s.click('[data-testid="add-key-submit"]');
    const row = await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fingerprint}"]`);
    const text = await s.cmd('GET', `/element/${row}/text`);
    assert.match(text, /Acme Release/);
    assert.match(text, /active/i);
  });
});

test('check images: signed is Verified, unsigned is Unsigned, tampered is not verified', { skip }, async () => {
  await step('verify', async () => {
    await s.click('[data-testid="nav-verify"]');
    await s.type('[data-testid="verify-input"]', `${refs.app} ${refs.plain} ${refs.tampered}`);
    await s.click('[data-testid="verify-submit"]');
    const all = await waitRows((r) => r.length >= 3 && r.every((x) => x.status && x.status !== 'checking'));
    assert.equal(rowFor(all, 'app').status, 'verified', rowFor(all, 'app').text);
    assert.match(rowFor(all, 'app').text, /Verified/);
    assert.equal(rowFor(all, 'plain').status, 'unsigned');
    assert.match(rowFor(all, 'plain').text, /Unsigned/);
    const tampered = rowFor(all, 'tampered');
    assert.notEqual(tampered.status, 'verified');
    // The window shows exactly what the core says (the UI never computes trust).
    assert.equal(tampered.status, cliVerdict(refs.tampered).status);
  });
});

test('the detail view shows the signer and every check', { skip }, async () => {
  await step('detail', async () => {
    const app = rowFor(await rows(), 'app');
    const toggle = await s.cmd('POST', `/element/${app.id}/element`, { using: 'css selector', value: '[data-testid="verdict-toggle"]' });
    await s.cmd('POST', `/element/${Object.values(toggle)[0]}/click`, {});
    const sig = await s.text('[data-testid="verdict-signature"]');
    assert.match(sig, /Acme Release/);
    const checks = await s.findAll('[data-testid="verdict-check"]');
    assert.ok(checks.length >= 4, `expected every check listed, got ${checks.length}`);
  });
});

test('revoking the key makes the image no longer verified', { skip }, async () => {
  await step('revoked', async () => {
    await s.click('[data-testid="nav-keys"]');
    const row = await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fingerprint}"]`);
    const revoke = await s.cmd('POST', `/element/${row}/element`, { using: 'css selector', value: '[data-testid="key-revoke"]' });
    await s.cmd('POST', `/element/${Object.values(revoke)[0]}/click`, {});
    await s.type('[data-testid="revoke-reason"]', 'rotated after e2e');
    await s.click('[data-testid="revoke-confirm"]');
    await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fingerprint}"]`, (t) => /revoked/i.test(t));
    await s.click('[data-testid="nav-verify"]');
    await s.type('[data-testid="verify-input"]', refs.app);
    await s.click('[data-testid="verify-submit"]');
    const all = await waitRows((r) => {
      const a = rowFor(r, 'app');
      return a && a.status !== 'checking' && a.status !== 'verified';
    });
    assert.equal(rowFor(all, 'app').status, 'untrusted');
    assert.match(rowFor(all, 'app').text, /revoked/i);
  });
});
