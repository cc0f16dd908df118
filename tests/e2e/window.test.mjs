// The real Vouch window, driven through WebKitWebDriver under Xvfb, against the real keychain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, requireEnv } from './webdriver.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const skip = !app || !cli ? 'VOUCH_APP_BINARY/VOUCH_CLI not set: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING window tests: ${skip}\n`);

let s;
let fingerprint;
let exportPath;

before(async () => {
  if (skip) return;
  // Seed the real keychain through the CLI (same profile the app reads).
  const dir = mkdtempSync(path.join(tmpdir(), 'vouch-e2e-'));
  const key = path.join(dir, 'acme.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  const pub = execFileSync('openssl', ['pkey', '-in', key, '-pubout']);
  writeFileSync(path.join(dir, 'acme.pub'), pub);
  const out = execFileSync(cli, ['key', 'add', path.join(dir, 'acme.pub'), '--name', 'Acme E2E', '--scope', 'ghcr.io/acme/**']).toString();
  fingerprint = out.split(/\s+/)[1];
  assert.match(fingerprint, /^sha256:[0-9a-f]{64}$/);
  // Native dialogs cannot be driven through WebDriver. This test-only hook (debug builds; read
  // by Rust from the app's process environment, never from the webview) pre-answers them.
  exportPath = path.join(dir, 'exported-trust.json');
  process.env.VOUCH_TEST_DIALOG_ANSWER = exportPath;
  s = await Session.start(app);
});

after(async () => {
  await s?.stop();
});

const withShot = (name, fn) => s.shotOnFailure(name, fn);

test('the window is titled Vouch and shows the trusted key from the keychain', { skip }, async () => {
  await withShot('keys', async () => {
    assert.equal(await s.title(), 'Vouch');
    await s.click('[data-testid="nav-keys"]');
    const row = await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fingerprint}"]`);
    const text = await s.cmd('GET', `/element/${row}/text`);
    assert.match(text, /Acme E2E/);
    assert.match(text, /ghcr\.io\/acme\/\*\*/);
    await s.screenshot('keys');
  });
});

test('Settings renders the doctor report from vouch-core over IPC', { skip }, async () => {
  await withShot('settings', async () => {
    await s.click('[data-testid="nav-settings"]');
    const keychain = await s.text('[data-testid="doctor-keychain"]');
    // The state badge's whole text, compared exactly: a pattern like /reachable/ also matches
    // "unreachable", so an unreachable keychain would have passed this wait.
    await s.waitFor('[data-testid="doctor-keychain"] .badge', (t) => t.trim() === 'reachable');
    const now = await s.text('[data-testid="doctor-keychain"]');
    assert.match(now, /Secret Service/, keychain);
    assert.doesNotMatch(now, /unreachable/i);
    assert.match(await s.text('[data-testid="doctor-profile"]'), /test/);
    await s.screenshot('settings');
  });
});

test('Export… saves the trust set where the save dialog pointed (no path typed in the window)', { skip }, async () => {
  await withShot('trust-export-file', async () => {
    await s.click('[data-testid="nav-keys"]');
    await s.click('[data-testid="trust-export-open"]');
    await s.waitFor('[data-testid="trust-export-json"]');
    await s.click('[data-testid="trust-export-save"]');
    await s.waitFor('[data-testid="trust-export-saved"]', (t) => t.includes(exportPath));
    const saved = JSON.parse(readFileSync(exportPath, 'utf8'));
    assert.ok(
      saved.keys.some((k) => k.fingerprint === fingerprint),
      `the exported file holds the trusted key: ${JSON.stringify(saved.keys)}`,
    );
  });
});
