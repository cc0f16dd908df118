// Cancelling a batch in the real window: 200 images seeded in the real registry are checked,
// the batch is cancelled midway with the Cancel button, the unfinished rows say "cancelled",
// the registry's own access log stops growing, and the history (read with the CLI, shared with
// the window) holds only the images that finished.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Session, requireEnv } from './webdriver.mjs';
import { pushImage } from './registry.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const accessLog = requireEnv('VOUCH_TEST_REGISTRY_LOG');
const skip = !app || !cli || !registry || !accessLog ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING cancel tests: ${skip}\n`);

const COUNT = 200;
/** Images the app checks at once (vouch-core's default `VerifyOptions::concurrency`). */
const CONCURRENCY = 16;
const repo = `cancel/many-${process.pid}`;
const refs = Array.from({ length: COUNT }, (_, i) => `${registry}/${repo}:i${String(i).padStart(3, '0')}`);
let s;

/**
 * Each of the 200 images is an index of PLATFORMS platform manifests: checking one asks the
 * registry for the index, its signatures and referrers, then the same for every platform — a
 * few hundred requests. A batch of plain images ends on this machine's local registry within a
 * fraction of a second, before any click reaches the window; this keeps the real registry busy
 * for seconds, so the cancel lands midway.
 */
const PLATFORMS = 64;

async function pushIndex(tag, platforms) {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: platforms,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    }),
  );
  const r = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: index,
  });
  if (r.status !== 201) throw new Error(`index put: ${r.status} ${await r.text()}`);
}

before(async () => {
  if (skip) return;
  const platforms = [];
  for (let k = 0; k < PLATFORMS; k++) {
    const digest = await pushImage(registry, repo, `p${k}`);
    const bytes = await (await fetch(`http://${registry}/v2/${repo}/manifests/${digest}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })).arrayBuffer();
    platforms.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: bytes.byteLength,
      platform: { os: 'linux', architecture: `arch${k}` },
    });
  }
  for (let i = 0; i < COUNT; i += 20) {
    await Promise.all(refs.slice(i, i + 20).map((_, j) => pushIndex(`i${String(i + j).padStart(3, '0')}`, platforms)));
  }
  s = await Session.start(app);
});

after(async () => {
  await s?.stop();
});

/** The rows' statuses, counted in the page (one WebDriver round trip, however many rows). */
function counts() {
  return s.cmd('POST', '/execute/sync', {
    script: `const c = {};
      for (const r of document.querySelectorAll('[data-testid="verdict-row"]')) c[r.dataset.status] = (c[r.dataset.status] ?? 0) + 1;
      return c;`,
    args: [],
  });
}

/** Access-log lines about this test's repository. */
function logLines() {
  return readFileSync(accessLog, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`/v2/${repo}/`));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a batch of 200 cancelled midway: rows say cancelled, the registry stops being asked, history keeps the finished', { skip }, async () => {
  try {
    await s.click('[data-testid="nav-verify"]');
    // Typing 200 references key by key would take minutes: set the text as a paste would.
    const input = await s.waitFor('[data-testid="verify-input"]');
    await s.cmd('POST', '/execute/sync', {
      script: `arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));`,
      args: [{ 'element-6066-11e4-a52e-4f735466cecf': input }, refs.join('\n')],
    });
    const before = logLines().length;
    await s.click('[data-testid="verify-submit"]');
    const cancel = await s.waitFor('[data-testid="verify-cancel"]');
    // Midway: once a few images have finished, while most are still to come.
    let seen = {};
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      seen = await counts();
      if ((seen.unsigned ?? 0) >= 10) break;
      await sleep(20);
    }
    assert.ok((seen.checking ?? 0) > COUNT / 2, `the batch was not midway when cancelled: ${JSON.stringify(seen)}`);
    await s.cmd('POST', `/element/${cancel}/click`, {});

    // The batch ends: every row has an outcome, the unfinished ones "cancelled".
    let after = {};
    const settle = Date.now() + 30_000;
    while (Date.now() < settle) {
      after = await counts();
      if ((after.checking ?? 0) === 0 && (await s.findAll('[data-testid="verify-cancel"]')).length === 0) break;
      await sleep(100);
    }
    const finished = after.unsigned ?? 0;
    const cancelled = after.cancelled ?? 0;
    assert.equal(after.checking ?? 0, 0, `rows still checking: ${JSON.stringify(after)}`);
    assert.equal(finished + cancelled, COUNT, `every image is unsigned or cancelled: ${JSON.stringify(after)}`);
    assert.ok(cancelled > COUNT / 2, `most images were cancelled: ${JSON.stringify(after)}`);
    assert.ok(finished >= 10, `some images finished before the cancel: ${JSON.stringify(after)}`);
    const row = await s.waitFor('[data-testid="verdict-row"][data-status="cancelled"]');
    const text = await s.cmd('GET', `/element/${row}/text`);
    assert.match(text, /Cancelled/);
    assert.match(text, /cancelled before its check finished; nothing was concluded about this image/);
    assert.match(await s.text('[data-testid="verify-summary"]'), new RegExp(`${cancelled} cancelled`));
    if (process.env.VOUCH_SCREENSHOTS_DIR) await s.screenshotTo(process.env.VOUCH_SCREENSHOTS_DIR, 'cancelled');

    // The registry stops being asked. Requests in flight at the cancel were dropped by the app,
    // but the registry logs each when it has finished with it, so let those land first.
    await sleep(500);
    const atCancel = logLines();
    await sleep(2000);
    const later = logLines();
    assert.equal(later.length, atCancel.length, `the registry kept being asked:\n${later.slice(atCancel.length).join('\n')}`);
    // No image was started after the cancel: only the finished ones and those in flight had
    // their manifest asked for.
    assert.ok(atCancel.length > before, 'the batch reached the registry');
    const asked = new Set(
      atCancel
        .map((l) => l.match(new RegExp(`GET /v2/${repo}/manifests/(i\\d{3}) `))?.[1])
        .filter(Boolean),
    );
    console.log(`cancelled at ${JSON.stringify(seen)}; ended ${JSON.stringify(after)}; ${asked.size} manifests asked for`);
    assert.ok(asked.size <= finished + CONCURRENCY, `${asked.size} images asked for, ${finished} finished`);

    // The history holds the finished images only, none cancelled.
    const history = JSON.parse(execFileSync(cli, ['history', '--json']).toString());
    const mine = history.filter((e) => e.repository?.endsWith(repo));
    assert.equal(mine.length, finished, `history entries for ${repo}: ${mine.length}, finished: ${finished}`);
    assert.ok(mine.every((e) => e.status === 'unsigned'), JSON.stringify(mine.map((e) => e.status)));
  } catch (e) {
    const file = await s.screenshot('failure-cancel').catch(() => 'none');
    e.message += `\n(screenshot: ${file})`;
    throw e;
  }
});
