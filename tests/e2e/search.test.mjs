// Search in the real window: the harness registry configured as a search registry through
// Settings, a repository seeded in it and signed by a publisher the user trusts for it. Typing
// part of its name lists it with the publisher that covers it; choosing it and a tag checks it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, requireEnv } from './webdriver.mjs';
import { pushImage } from './registry.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const skip = !app || !cli || !registry ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING window search tests: ${skip}\n`);

const shotsDir = process.env.VOUCH_SCREENSHOTS_DIR; // set by `make screenshots`
const ENTER = '\uE007';
const DOWN = '\uE015';
// A name no other test pushes, so part of it finds exactly this repository.
const name = `searchdemo/gizmo-${process.pid}`;
const uncovered = `otherteam/gizmo-${process.pid}-tools`;
const repository = () => `${registry}/${name}`;
const publisher = 'Gizmo Builders';
let s;
let fingerprint;
let caFile;

function vouch(args, profile) {
  return execFileSync(cli, args, { env: { ...process.env, ...(profile ? { VOUCH_PROFILE: profile } : {}) } }).toString();
}

before(async () => {
  if (skip) return;
  // Its own profile: keys other e2e files trust for every repository must not cover the
  // repository this file expects nobody to cover.
  process.env.VOUCH_PROFILE = `search-e2e-${process.pid}`;
  const signer = `publisher-search-${process.pid}`;
  fingerprint = vouch(['key', 'generate', '--name', publisher, '--algorithm', 'ed25519'], signer).trim();
  const pem = vouch(['key', 'export', fingerprint], signer);
  await pushImage(registry, name, 'v1');
  await pushImage(registry, name, 'v2');
  // A second match nobody the user trusts covers.
  await pushImage(registry, uncovered, '1.0');
  vouch(['sign', `${repository()}:v1`, '--key', fingerprint], signer);
  // The user trusts the publisher for this repository only (a key file, as `vouch key add` takes).
  const dir = mkdtempSync(path.join(tmpdir(), 'vouch-search-'));
  const file = path.join(dir, 'gizmo.pub');
  writeFileSync(file, pem);
  vouch(['key', 'add', file, '--name', publisher, '--scope', `${registry}/searchdemo/**`]);
  // A CA certificate for the registry entry. Native dialogs cannot be driven through WebDriver:
  // this test-only hook (debug builds; read by Rust from the app's environment) answers them.
  caFile = path.join(dir, 'registry-ca.pem');
  const subject = ['-subj', '/CN=Vouch e2e CA', '-days', '1', '-nodes'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ed25519', '-keyout', path.join(dir, 'ca.key'), '-out', caFile, ...subject]);
  process.env.VOUCH_TEST_DIALOG_ANSWER = caFile;
  s = await Session.start(app);
  await s.waitFor('[data-testid="nav-keys"]');
});

after(async () => {
  if (s) {
    // Leave the settings as the other window tests expect them: no searched registry.
    await removeSearchRegistry().catch(() => undefined);
  }
  await s?.stop();
  if (fingerprint) {
    try {
      vouch(['key', 'rm', fingerprint]);
    } catch {
      /* the throwaway keychain goes with the harness anyway */
    }
  }
});

const withShot = (name, fn) => s.shotOnFailure(name, fn);

async function keys(css, text) {
  const id = await s.waitFor(css);
  await s.cmd('POST', `/element/${id}/value`, { text });
}

async function setTheme(theme) {
  await s.cmd('POST', '/execute/sync', { script: 'document.documentElement.dataset.theme = arguments[0];', args: [theme] });
}

/** WebKit's screenshot is the last frame painted: wait for two frames and a moment first. */
async function painted() {
  await s.cmd('POST', '/execute/async', {
    script: 'const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(null)));',
    args: [],
  });
  await new Promise((r) => setTimeout(r, 400));
}

async function shot(name) {
  // The pointer off the sidebar, so no item shows its hover colour.
  await s.cmd('POST', '/actions', {
    actions: [{ type: 'pointer', id: 'mouse', actions: [{ type: 'pointerMove', x: 1100, y: 740, origin: 'viewport' }] }],
  });
  await painted();
  await s.screenshotTo(shotsDir, name);
}

async function removeSearchRegistry() {
  await s.click('[data-testid="nav-settings"]');
  const item = await s.waitFor(`[data-testid="settings-search-item"][data-host="${registry}"]`);
  const remove = await s.cmd('POST', `/element/${item}/element`, { using: 'css selector', value: '[data-testid="settings-search-remove"]' });
  await s.cmd('POST', `/element/${Object.values(remove)[0]}/click`, {});
  await s.click('[data-testid="settings-save"]');
  await s.waitFor('[data-testid="settings-notice"]', (t) => /saved/i.test(t));
}

test('Settings → Registries adds the registry search lists', { skip }, async () => {
  await withShot('search-settings', async () => {
    await s.click('[data-testid="nav-settings"]');
    await s.type('[data-testid="settings-search-input"]', registry);
    await s.click('[data-testid="settings-search-add"]');
    // A second registry with its CA file. (Not the harness registry: a CA means HTTPS, and the
    // harness registry speaks plain HTTP.)
    const mirror = 'mirror.invalid:5000';
    await s.type('[data-testid="settings-search-input"]', mirror);
    await s.click('[data-testid="settings-search-add"]');
    const entry = `[data-testid="settings-search-item"][data-host="${mirror}"]`;
    await s.click(`${entry} [data-testid="settings-search-ca-choose"]`);
    await s.waitFor(`${entry} [data-testid="settings-search-ca"]`, (t) => t.includes(caFile));
    await s.click('[data-testid="settings-save"]');
    await s.waitFor('[data-testid="settings-notice"]', (t) => /Registries saved/.test(t));
    const configPath = JSON.parse(vouch(['doctor', '--json'])).config_path;
    const stored = () => JSON.parse(readFileSync(configPath, 'utf8')).registries;
    assert.deepEqual(stored(), [
      { host: registry, insecure: false },
      { host: mirror, insecure: false, ca_file: caFile },
    ]);
    // The mirror does not exist: searching it would only add a note.
    await s.click(`${entry} [data-testid="settings-search-remove"]`);
    await s.click('[data-testid="settings-save"]');
    await s.waitFor('[data-testid="settings-notice"]', (t) => /Registries saved/.test(t));
    assert.deepEqual(stored(), [{ host: registry, insecure: false }]);
    // What the core stored is what `vouch search` reads too.
    const found = JSON.parse(vouch(['search', 'gizmo', '--json', '--no-docker-hub']));
    assert.ok(
      found.some((r) => r.repository === repository() && r.trusted_by.includes(publisher)),
      JSON.stringify(found),
    );
  });
});

test('typing part of a name lists the repository with the publisher that covers it', { skip }, async () => {
  await withShot('search', async () => {
    // Ctrl+K from another screen focuses the search field.
    await s.click('[data-testid="nav-keys"]');
    await s.cmd('POST', '/actions', {
      actions: [
        {
          type: 'key',
          id: 'keyboard',
          actions: [
            { type: 'keyDown', value: '\uE009' },
            { type: 'keyDown', value: 'k' },
            { type: 'keyUp', value: 'k' },
            { type: 'keyUp', value: '\uE009' },
          ],
        },
      ],
    });
    await s.waitFor('[data-testid="search-input"]');
    const focused = await s.cmd('POST', '/execute/sync', {
      script: 'return document.activeElement?.dataset?.testid ?? null;',
      args: [],
    });
    assert.equal(focused, 'search-input', 'Ctrl+K focuses the search field');

    await keys('[data-testid="search-input"]', `gizmo-${process.pid}`.slice(0, 9));
    const result = await s.waitFor(`[data-testid="search-result"][data-repository="${repository()}"]`, undefined, 30_000);
    const text = await s.cmd('GET', `/element/${result}/text`);
    // Other tests' keys without a scope (every repository) may be listed beside it.
    assert.match(text, new RegExp(`Trusted publishers: (.+, )?${publisher}(,|  ·| ·)`));
    assert.match(text, /policy enforce, 1 publisher/);
    assert.match(text, /registry catalog/);
    assert.match(text, /\bv2\b/);
    assert.match(text, /\bv1\b/);
    const other = await s.waitFor(`[data-testid="search-result"][data-repository="${registry}/${uncovered}"]`);
    assert.match(await s.cmd('GET', `/element/${other}/text`), /No trusted publisher covers it/);
    // Docker Hub unreachable from the harness: at most a quiet note, never an error.
    assert.equal((await s.findAll('[data-testid="search-popup"] [role="alert"]')).length, 0);
    if (shotsDir) {
      await setTheme('light');
      await shot('search');
      await setTheme('dark');
      await shot('search-dark');
      await setTheme('light');
    }
  });
});

test('choosing the result and a tag adds the image and checks it', { skip }, async () => {
  await withShot('search-choose', async () => {
    // Move to this repository's option with the keyboard, then Enter.
    const options = await s.findAll('[data-testid="search-result"]');
    const wanted = [];
    for (const id of options) wanted.push(await s.attr(id, 'data-repository'));
    const index = wanted.indexOf(repository());
    assert.ok(index >= 0, JSON.stringify(wanted));
    await keys('[data-testid="search-input"]', DOWN.repeat(index) + ENTER);
    // Every tag listed (on demand) before moving among them.
    await s.waitFor('[data-testid="search-tags-list"][aria-busy="false"]');
    const tags = [];
    for (const id of await s.findAll('[data-testid="search-tag"]')) tags.push(await s.attr(id, 'data-tag'));
    assert.deepEqual(tags, ['v2', 'v1']); // the signature tag is not offered
    await keys('[data-testid="search-input"]', DOWN + ENTER); // v2 → v1
    const reference = `${repository()}:v1`;
    const row = await s.waitFor(`[data-testid="verdict-row"][data-reference="${reference}"]`);
    const end = Date.now() + 60_000;
    let status = await s.attr(row, 'data-status');
    while (status === 'checking' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 300));
      status = await s.attr(row, 'data-status');
    }
    assert.equal(status, 'verified', await s.cmd('GET', `/element/${row}/text`));
    assert.match(await s.cmd('GET', `/element/${row}/text`), /Verified/);
  });
});
