// Files the user picks or saves in the real window go through native dialogs opened by Rust:
// importing a trust set and a public key, exporting a public key. No path is typed anywhere.
// Native dialogs cannot be driven through WebDriver, so each window is started with the
// test-only VOUCH_TEST_DIALOG_ANSWER (debug builds; read by Rust from the app's process
// environment, never from the webview), which answers every dialog of that window with one path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, requireEnv } from './webdriver.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const skip = !app || !cli ? 'VOUCH_APP_BINARY/VOUCH_CLI not set: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING file dialog tests: ${skip}\n`);

let dir;
let s;

/** A fresh ed25519 public key (PEM) in DIR/NAME.pub. */
function publicKey(name) {
  const key = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  const pub = path.join(dir, `${name}.pub`);
  writeFileSync(pub, execFileSync('openssl', ['pkey', '-in', key, '-pubout']));
  return pub;
}

/** The CLI in PROFILE (the app runs in the harness's profile, `test`). */
function vouch(args, profile = process.env.VOUCH_PROFILE) {
  return execFileSync(cli, args, { env: { ...process.env, VOUCH_PROFILE: profile } }).toString();
}

function trustedFingerprints() {
  return JSON.parse(vouch(['key', 'list', '--json'])).map((k) => k.fingerprint);
}

/** A window whose dialogs all answer `answer`. */
async function openWindow(answer) {
  await s?.stop();
  process.env.VOUCH_TEST_DIALOG_ANSWER = answer;
  s = await Session.start(app);
  await s.click('[data-testid="nav-keys"]');
}

async function withShot(name, fn) {
  try {
    await fn();
  } catch (e) {
    const file = await s?.screenshot(`failure-${name}`).catch(() => 'none');
    e.message += `\n(screenshot: ${file})`;
    throw e;
  }
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'vouch-e2e-files-'));
});

after(async () => {
  await s?.stop();
  delete process.env.VOUCH_TEST_DIALOG_ANSWER;
});

test('Import… reads the trust set from the file chosen in the open dialog', { skip }, async () => {
  // A team's trust set, written by the CLI in another profile.
  const out = vouch(['key', 'add', publicKey('team'), '--name', 'Team Files E2E', '--scope', 'ghcr.io/team/**'], 'e2e-files-team');
  const fingerprint = out.split(/\s+/)[1];
  assert.match(fingerprint, /^sha256:[0-9a-f]{64}$/);
  const file = path.join(dir, 'team-trust.json');
  vouch(['trust', 'export', file], 'e2e-files-team');
  assert.ok(!trustedFingerprints().includes(fingerprint), 'the key is not trusted before the import');

  await openWindow(file);
  await withShot('trust-import-file', async () => {
    await s.click('[data-testid="trust-import-open"]');
    // The dialog offers a button for the native dialog and a paste box, no path or file field.
    assert.deepEqual(await s.findAll('[data-testid="trust-import-dialog"] input'), []);
    await s.click('[data-testid="trust-import-file"]');
    // The report names the added key by publisher and short fingerprint.
    const short = fingerprint.slice(0, 'sha256:'.length + 12);
    await s.waitFor('[data-testid="trust-import-added"]', (t) => t.includes('Team Files E2E') && t.includes(short));
    await s.click('[data-testid="trust-import-done"]');
    await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fingerprint}"]`);
  });
  assert.ok(trustedFingerprints().includes(fingerprint), 'the imported key is in the keychain');
});

test('Load from file… fills the add-key form from the key chosen in the open dialog', { skip }, async () => {
  const pub = publicKey('loaded');
  await openWindow(pub);
  await withShot('key-import-file', async () => {
    await s.click('[data-testid="add-key-from-file"]');
    await s.waitFor('[data-testid="add-key-loaded-from"]', (t) => t.includes('loaded.pub'));
    const pem = await s.cmd('GET', `/element/${await s.find('[data-testid="add-key-pem"]')}/property/value`);
    assert.equal(pem.trim(), readFileSync(pub, 'utf8').trim());
  });
});

test('Save to file… writes the public key where the save dialog pointed', { skip }, async () => {
  const out = vouch(['key', 'add', publicKey('exported'), '--name', 'Export Files E2E']);
  const fingerprint = out.split(/\s+/)[1];
  const target = path.join(dir, 'saved-key.pub');
  assert.ok(!existsSync(target));
  await openWindow(target);
  await withShot('key-export-file', async () => {
    const row = `[data-testid="key-row"][data-fingerprint="${fingerprint}"]`;
    await s.waitFor(row);
    await s.click(`${row} [data-testid="key-export"]`);
    await s.waitFor('[data-testid="export-pem"]');
    await s.click('[data-testid="export-save"]');
    await s.waitFor('[data-testid="export-saved"]', (t) => t.includes(target));
  });
  assert.equal(readFileSync(target, 'utf8').trim(), readFileSync(path.join(dir, 'exported.pub'), 'utf8').trim());
});
