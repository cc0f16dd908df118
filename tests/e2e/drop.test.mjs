// Real native file drops onto the Vouch window: a GTK3 drag source (python3-gi) offers
// text/uri-list and xdotool drags it onto the window under Xvfb.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, requireEnv } from './webdriver.mjs';
import { pushImage } from './registry.mjs';
import { nativeDrop } from './nativedrop.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const skip = !app || !registry || !process.env.DISPLAY ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING native drop tests: ${skip}\n`);

let s;
let dir;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'vouch-drop-'));
  s = await Session.start(app);
  await s.waitFor('[data-testid="nav-keys"]');
});

after(async () => {
  await s?.stop();
});

const withShot = (name, fn) => s.shotOnFailure(name, fn);

test('dropping a compose file lists its images on Verify', { skip }, async () => {
  await withShot('drop-compose', async () => {
    const compose = path.join(dir, 'compose.yaml');
    writeFileSync(
      compose,
      `services:\n  web:\n    image: ${registry}/dropped/web:1.0\n  worker:\n    image: ${registry}/dropped/worker:2.0\n  local:\n    build: .\n`,
    );
    await pushImage(registry, 'dropped/web', '1.0');
    await pushImage(registry, 'dropped/worker', '2.0');
    await nativeDrop([compose]);
    await s.waitFor('[data-testid="verdict-row"]', undefined, 20_000);
    let texts = [];
    let statuses = [];
    for (let i = 0; i < 100; i++) {
      const ids = await s.findAll('[data-testid="verdict-row"]');
      texts = await Promise.all(ids.map((id) => s.cmd('GET', `/element/${id}/text`)));
      statuses = await Promise.all(ids.map((id) => s.attr(id, 'data-status')));
      if (ids.length === 2 && statuses.every((x) => x && x !== 'checking')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Both images exist and nobody signed them: the core says unsigned, and the window shows it.
    assert.deepEqual(statuses, ['unsigned', 'unsigned']);
    const settled = await s.findAll('[data-testid="verdict-row"]');
    texts = await Promise.all(settled.map((id) => s.cmd('GET', `/element/${id}/text`)));
    const refsShown = await Promise.all(settled.map((id) => s.attr(id, 'data-reference')));
    assert.deepEqual(refsShown, [`${registry}/dropped/web:1.0`, `${registry}/dropped/worker:2.0`]);
    const all = texts.join('\n');
    assert.match(all, /dropped\/web\b/);
    assert.match(all, /dropped\/worker\b/);
    const origins = await Promise.all(
      (await s.findAll('[data-testid="verdict-origin"]')).map((id) => s.cmd('GET', `/element/${id}/property/textContent`)),
    );
    assert.ok(origins.some((o) => /services\.web\.image/.test(o)), JSON.stringify(origins));
  });
});

test('dropping a .pub key offers to import it', { skip }, async () => {
  await withShot('drop-key', async () => {
    const key = path.join(dir, 'publisher.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
    const pub = path.join(dir, 'publisher.pub');
    writeFileSync(pub, execFileSync('openssl', ['pkey', '-in', key, '-pubout']));
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', pub, '-outform', 'DER']);
    const { createHash } = await import('node:crypto');
    const fp = `sha256:${createHash('sha256').update(der).digest('hex')}`;
    await nativeDrop([pub]);
    await s.waitFor('[data-testid="import-key-dialog"]', undefined, 20_000);
    const shown = await s.text('[data-testid="import-key-fingerprint"]');
    const hex = (t) => t.replace(/^sha256:/, '').replace(/\s+/g, '');
    assert.equal(hex(shown), hex(fp));
    await s.type('[data-testid="import-key-publisher"]', 'Dropped Publisher');
    await s.click('[data-testid="import-key-submit"]');
    // After the import the window shows the Keys list with the new key.
    const row = await s.waitFor(`[data-testid="key-row"][data-fingerprint="${fp}"]`);
    assert.match(await s.cmd('GET', `/element/${row}/text`), /Dropped Publisher/);
  });
});
