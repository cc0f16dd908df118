// Export policy… in the real window: the trust set exported for the engines that enforce it on
// fleets, previewed (summary above the files), then saved through the native folder dialog —
// and the files on disk are exactly what `vouch export` writes for the same trust set.
// The window's dialogs are pre-answered with VOUCH_TEST_DIALOG_ANSWER (debug builds, read by Rust
// from the app's process environment), as in files.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, poll, requireEnv } from './webdriver.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const skip = !app || !cli ? 'VOUCH_APP_BINARY/VOUCH_CLI not set: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING export tests: ${skip}\n`);

const SCOPE = 'ghcr.io/e2e-export';
let dir;
let s;

/** The CLI in this file's own profile (the window runs in it too). */
function vouch(args) {
  return execFileSync(cli, args, { env: process.env }).toString();
}

/** Every file under `root`, relative path → content. */
function tree(root) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

/** The preview's file path and exact text (textContent: WebDriver's text trims). */
function shown() {
  return s.execute(
    `const el = document.querySelector('[data-testid="policy-export-file-preview"]');
     return el === null ? null : { path: el.dataset.path, text: el.querySelector('pre').textContent };`,
  );
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'vouch-e2e-export-'));
  process.env.VOUCH_PROFILE = `e2e-export-${process.pid}`;
  const key = path.join(dir, 'publisher.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  const pub = path.join(dir, 'publisher.pub');
  writeFileSync(pub, execFileSync('openssl', ['pkey', '-in', key, '-pubout']));
  vouch(['key', 'add', pub, '--name', 'Export E2E', '--scope', `${SCOPE}/**`]);
  process.env.VOUCH_TEST_DIALOG_ANSWER = path.join(dir, 'saved');
  s = await Session.start(app);
  await s.click('[data-testid="nav-keys"]');
});

after(async () => {
  await s?.stop();
  delete process.env.VOUCH_TEST_DIALOG_ANSWER;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Export policy… previews containers and Kyverno, and saves what `vouch export` writes', { skip }, async () => {
  await s.shotOnFailure('export', async () => {
    await s.click('[data-testid="policy-export-open"]');
    await s.waitFor('[data-testid="policy-export-dialog"]');
    // `SCOPE/**` is one scope of containers-policy.json with the repository `SCOPE` itself,
    // which Vouch does not trust: the core refuses unless the person accepts it by name.
    const first = await poll('the containers preview or its refusal', async () => {
      if ((await s.findAll('[data-testid="policy-export-refusal"]')).length > 0) return 'refused';
      return (await shown()) === null ? undefined : 'shown';
    });
    let accepted = false;
    if (first === 'refused') {
      const sentence = await s.text('[data-testid="policy-export-refusal"]');
      assert.match(sentence, new RegExp(`\`${SCOPE.replace(/[.]/g, '\\.')}\`.*more widely than Vouch`));
      assert.doesNotMatch(sentence, /--accept/, 'no CLI flag in the window');
      await s.click('[data-testid="policy-export-accept-overlap"]');
      accepted = true;
    }
    const containers = await poll('the containers preview', async () => {
      const p = await shown();
      return p?.path === 'policy.json' && p.text.includes(SCOPE) ? p : undefined;
    });
    assert.match(containers.text, /"sigstoreSigned"/);
    assert.match(containers.text, /"matchRepository"/);
    const cliContainers = path.join(dir, 'cli-containers');
    vouch(['export', 'containers', ...(accepted ? ['--accept-scope-overlap'] : []), '--output', cliContainers]);
    assert.equal(containers.text, readFileSync(path.join(cliContainers, 'policy.json'), 'utf8'));
    // The summary sits above the files and says what is enforced.
    assert.match(await s.text('[data-testid="policy-export-summary-exported"]'), new RegExp(`${SCOPE.replace(/[.]/g, '\\.')}: 1 of Export E2E`));

    await s.click('[data-testid="policy-export-target-kyverno"]');
    const kyverno = await poll('the Kyverno preview', async () => {
      const p = await shown();
      return p?.path === 'kyverno-imagevalidatingpolicies.yaml' ? p : undefined;
    });
    assert.match(kyverno.text, /ImageValidatingPolicy/);
    assert.ok(kyverno.text.includes(`${SCOPE}/`), kyverno.text);

    const saved = path.join(dir, 'saved');
    assert.ok(!existsSync(saved));
    await s.click('[data-testid="policy-export-save"]');
    await s.waitFor('[data-testid="policy-export-saved"]', (t) => t.includes(saved));
    const cliKyverno = path.join(dir, 'cli-kyverno');
    vouch(['export', 'kyverno', '--output', cliKyverno]);
    assert.deepEqual(tree(saved), tree(cliKyverno));
    assert.deepEqual(Object.keys(tree(saved)), ['kyverno-imagevalidatingpolicies.yaml'], 'no staging left behind');

    // Saving again into the same folder names the existing file and writes nothing until Replace.
    writeFileSync(path.join(saved, 'kyverno-imagevalidatingpolicies.yaml'), 'edited by hand\n');
    await s.click('[data-testid="policy-export-save"]');
    await s.waitFor('[data-testid="policy-export-exists"]', (t) => t.includes('kyverno-imagevalidatingpolicies.yaml'));
    assert.equal(readFileSync(path.join(saved, 'kyverno-imagevalidatingpolicies.yaml'), 'utf8'), 'edited by hand\n');
    await s.click('[data-testid="policy-export-replace"]');
    await s.waitFor('[data-testid="policy-export-saved"]', (t) => t.includes(saved));
    assert.deepEqual(tree(saved), tree(cliKyverno));
  });
});
