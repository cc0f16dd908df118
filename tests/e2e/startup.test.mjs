// Start-up of the real window: the first screen's keys, keyless identities and trusted-root names
// come with the page (the main window's initialization script, src-tauri/src/boot.rs), not
// through IPC round trips; a publisher name
// written to break out of a script or a string is shown as written; a reload asks the core, so a
// key added since is listed. A profile of its own, so no other test's window sees these keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Session, requireEnv } from './webdriver.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const skip = !app || !cli ? 'VOUCH_APP_BINARY/VOUCH_CLI not set: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING start-up tests: ${skip}\n`);

const HOSTILE = 'Evil</script><script>window.__pwned = 1</script>\u2028\u2029"\'`${x}\\ Publisher';

let s;
let first;
let identity;
// A valid trusted root to add under a name of its own: the embedded public-good one.
const ROOT_FILE = fileURLToPath(new URL('../../crates/core/src/sigstore/trusted_root.production.json', import.meta.url));
const ROOT = 'startup-root';

function vouch(args) {
  return execFileSync(cli, args).toString().trim();
}

/** The names of the page's performance marks (main.ts and the Keys view set `vouch:*`). */
function marks() {
  return s.execute('return performance.getEntriesByType("mark").map((m) => m.name);');
}

/** The publisher name in the row of `fingerprint`, as the page holds it (not as WebDriver renders text). */
async function publisherOf(fingerprint) {
  await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fingerprint}"]`);
  return s.execute(
    'return document.querySelector(`[data-testid="key-row"][data-fingerprint="${arguments[0]}"] [data-testid="key-open"]`).textContent.trim();',
    fingerprint,
  );
}

before(async () => {
  if (skip) return;
  // The app and the CLI (children of this process and of the driver) use this profile.
  process.env.VOUCH_PROFILE = `startup-e2e-${process.pid}`;
  // The window waits this long for the keychain read (debug builds only; the release build
  // waits 100 ms): on a loaded machine the unoptimised build may read it after the window starts.
  process.env.VOUCH_TEST_BOOT_WAIT_MS = '10000';
  first = vouch(['key', 'generate', '--name', HOSTILE, '--algorithm', 'ed25519']);
  assert.match(first, /^sha256:[0-9a-f]{64}$/);
  identity = vouch([
    'identity', 'add', '--issuer', 'https://token.actions.githubusercontent.com',
    '--subject', 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*', '--name', 'Boot Workflow',
  ]);
  vouch(['trust-root', 'add', ROOT_FILE, '--name', ROOT]);
  s = await Session.start(app);
});

after(async () => {
  await s?.stop();
});

const withShot = (name, fn) => s.shotOnFailure(name, fn);

test('the first screen lists the keychain keys it was loaded with, names as written', { skip }, async () => {
  await withShot('startup-boot', async () => {
    assert.equal(await publisherOf(first), HOSTILE);
    await s.waitFor(`[data-testid="identity-row"][data-id="${identity}"]`);
    // The identity form (loaded after the first paint) offers the profile's roots.
    await s.waitFor(`[data-testid="identity-root"] option[value="${ROOT}"]`);
    const seen = await marks();
    assert.ok(seen.includes('vouch:keys-boot'), `the keys came with the page: marks ${seen}`);
    assert.ok(!seen.includes('vouch:keys-requested'), `no IPC read of the keys: marks ${seen}`);
    assert.ok(!seen.includes('vouch:identities-requested'), `no IPC read of the identities: marks ${seen}`);
    assert.ok(!seen.includes('vouch:trust-roots-requested'), `no IPC read of the root names: marks ${seen}`);
    const leftovers = await s.execute('return [typeof window.__pwned, typeof window.__VOUCH_BOOT__];');
    assert.deepEqual(leftovers, ['undefined', 'undefined'], 'no script ran from the name; the data was taken');
  });
});

test('a reload asks the core: a key added since is listed', { skip }, async () => {
  await withShot('startup-reload', async () => {
    const second = vouch(['key', 'generate', '--name', 'Added After Start', '--algorithm', 'ed25519']);
    await s.cmd('POST', '/refresh', {});
    assert.equal(await publisherOf(second), 'Added After Start');
    assert.equal(await publisherOf(first), HOSTILE);
    const seen = await marks();
    assert.ok(!seen.includes('vouch:keys-boot'), `the start-up data is not used twice: marks ${seen}`);
    assert.ok(seen.includes('vouch:keys-requested'), `read through IPC: marks ${seen}`);
    assert.ok(seen.includes('vouch:identities-requested'), `identities read through IPC: marks ${seen}`);
    await s.waitFor(`[data-testid="identity-row"][data-id="${identity}"]`);
  });
});
