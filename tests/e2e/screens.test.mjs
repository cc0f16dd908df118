// Every screen of the real window with realistic data, each asserted to show that data, and each
// looked at in the light and the dark theme. `make screenshots` sets VOUCH_SCREENSHOTS_DIR and
// the same run saves docs/screenshots/<screen>.png and <screen>-dark.png; without it this is an
// ordinary end-to-end test (real keychain, real registry, real signatures and attestations).
//
// Three publishers sign with the CLI in their own profiles; the window's profile trusts their
// public keys (one revoked, one expiring soon), holds a signing key of its own, and has scoped
// policies. One batch then shows every kind of answer: verified, unsigned, a signature replayed
// from another digest, a revoked signer, a threshold not met, a warn-only scope, a missing tag.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, poll, requireEnv } from './webdriver.mjs';
import { getManifest, mintKeyless, pushImage, putManifest } from './registry.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const minter = requireEnv('VOUCH_MINT_KEYLESS');
const skip = !app || !cli || !registry || !minter ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING screen tests: ${skip}\n`);

const shotsDir = process.env.VOUCH_SCREENSHOTS_DIR; // set by `make screenshots`
const here = path.dirname(fileURLToPath(import.meta.url));
const SLSA_V1 = path.join(here, '../../crates/core/tests/fixtures/slsa/v1-predicate.json');
/** `<html data-theme>` → the page background tokens.css gives it (proof the theme applied). */
const BACKGROUND = { light: 'rgb(246, 248, 250)', dark: 'rgb(15, 20, 25)' };
const DAY = 86_400_000;
/** A registry the settings reach over plain HTTP. */
const LAB = 'registry.lab.internal:5000';

let s;
/** This file's own folder: the window's settings, the publishers' exported keys. */
let work;
const R = (repo) => `${registry}/${repo}`;
/** The batch checked on Verify: reference → the status the core must give it. */
const BATCH = {};
const keys = {};
let identityId;

/** Runs the CLI; `profile` null means the window's own profile. Returns stdout. */
function vouch(args, profile = null) {
  const env = { ...process.env, ...(profile ? { VOUCH_PROFILE: profile } : {}) };
  return execFileSync(cli, args, { env }).toString();
}

/** The CLI's verdicts for `refs` in the window's profile (exit 1 when one is not verified). */
function cliVerdicts(refs) {
  let out;
  try {
    out = vouch(['verify', '--json', '--no-history', ...refs]);
  } catch (e) {
    out = e.stdout.toString();
  }
  return new Map(JSON.parse(out).map((v) => [v.reference, v]));
}

/** A publisher with a key of its own (its own profile); the window's profile trusts its public key. */
function publisher(name, algorithm, trust) {
  const profile = `pub-${name.toLowerCase().replace(/[^a-z]+/g, '-')}-${process.pid}`;
  const fingerprint = vouch(['key', 'generate', '--name', name, '--algorithm', algorithm], profile).trim();
  const file = path.join(work, `${profile}.pub`);
  writeFileSync(file, vouch(['key', 'export', fingerprint], profile));
  vouch(['key', 'add', file, '--name', name, ...trust]);
  return { name, profile, fingerprint };
}

async function pushSigned(repo, tag, ...signers) {
  const digest = await pushImage(registry, repo, tag);
  for (const k of signers) vouch(['sign', `${R(repo)}:${tag}`, '--key', k.fingerprint], k.profile);
  return digest;
}

before(async () => {
  if (skip) return;
  // The window's profile and settings folder are this file's own: nothing from other tests shows.
  process.env.VOUCH_PROFILE = 'default';
  work = mkdtempSync(path.join(tmpdir(), 'vouch-screens-'));
  process.env.VOUCH_CONFIG_DIR = path.join(work, 'config');
  mkdirSync(process.env.VOUCH_CONFIG_DIR);
  writeFileSync(
    path.join(process.env.VOUCH_CONFIG_DIR, 'config.json'),
    JSON.stringify({ insecure_registries: [LAB], theme: 'system', registries: [{ host: registry, insecure: true }] }),
  );
  const iso = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
  keys.acme = publisher('Acme Release', 'p256', [
    '--scope', R('acme/**'), '--expires', iso(300 * DAY), '--note', 'Release pipeline key, rotated yearly',
  ]);
  keys.globex = publisher('Globex Platform', 'ed25519', ['--scope', R('globex/*'), '--expires', iso(12 * DAY)]);
  keys.old = publisher('Acme CI (2025)', 'p256', ['--scope', R('acme/**')]);
  vouch(['key', 'revoke', keys.old.fingerprint, '--reason', 'leaked in a public CI log']);
  keys.own = {
    fingerprint: vouch(['key', 'generate', '--name', 'Platform Team', '--algorithm', 'ed25519', '--scope', R('team/**')]).trim(),
  };
  // A keyless publisher beside the keys: Acme's release workflow on GitHub Actions.
  identityId = vouch([
    'identity', 'add', '--issuer', 'https://token.actions.githubusercontent.com',
    '--subject', 'https://github.com/acme/web/.github/workflows/release.yml@refs/tags/*',
    '--source-repository', 'https://github.com/acme/web', '--name', 'Acme Web Release Workflow',
    '--scope', R('acme/web'), '--expires', iso(200 * DAY),
  ]).trim();
  vouch(['policy', 'set', R('acme/payments'), '--mode', 'enforce', '--threshold', '2']);
  vouch(['policy', 'set', R('sandbox/**'), '--mode', 'warn']);
  vouch(['policy', 'set', R('dev/**'), '--mode', 'off']);

  const web = await pushSigned('acme/web', '2.0.0', keys.acme);
  vouch(['attest', `${R('acme/web')}@${web}`, '--key', keys.acme.fingerprint, '--predicate', SLSA_V1, '--type', 'slsaprovenance1'], keys.acme.profile);
  await pushSigned('acme/api', '1.4.2', keys.acme);
  await pushSigned('acme/batch', 'nightly');
  // Replayed: acme/billing:1.1 carries the (valid) signature made for acme/billing:1.0.
  const signed = await pushSigned('acme/billing', '1.0', keys.acme);
  const replayed = await pushImage(registry, 'acme/billing', '1.1');
  const sigTag = (d) => `${d.replace(':', '-')}.sig`;
  await putManifest(registry, 'acme/billing', sigTag(replayed), await getManifest(registry, 'acme/billing', sigTag(signed)));
  await pushSigned('acme/legacy', '0.9', keys.old);
  await pushSigned('acme/payments', '5.0', keys.acme);
  await pushSigned('sandbox/tool', 'latest');
  Object.assign(BATCH, {
    [`${R('acme/web')}:2.0.0`]: 'verified',
    [`${R('acme/api')}:1.4.2`]: 'verified',
    [`${R('acme/batch')}:nightly`]: 'unsigned',
    [`${R('acme/billing')}:1.1`]: 'invalid',
    [`${R('acme/legacy')}:0.9`]: 'untrusted',
    [`${R('acme/payments')}:5.0`]: 'untrusted',
    [`${R('sandbox/tool')}:latest`]: 'unsigned',
    [`${R('acme/api')}:9.9`]: 'error', // never pushed
  });
  s = await Session.start(app);
  // The whole harness display: more of each screen fits than in the default 1120×760.
  await s.setWindowSize(1280, 860);
});

after(async () => {
  await s?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Applies a theme as Settings does (`<html data-theme>`) and checks the page follows it. */
async function theme(name) {
  const background = await s.execute(
    'document.documentElement.dataset.theme = arguments[0]; return getComputedStyle(document.body).backgroundColor;',
    name,
  );
  assert.equal(background, BACKGROUND[name], `the ${name} theme did not apply`);
}

/** Saves the window as `<file>.png` for the docs (only under `make screenshots`). */
async function save(file) {
  if (!shotsDir) return;
  // The X pointer over the sidebar's empty part, so that no hover highlight shows (WebKitGTK
  // keeps hovering where the last click was, whatever WebDriver's pointer actions say).
  execFileSync('xdotool', ['mousemove', '3', '700']);
  await s.settled();
  await sleep(100); // and let the last frame paint
  await s.screenshotTo(shotsDir, file);
}

/**
 * Runs one screen's test, then looks at it in the light theme and in the dark one (`toDark`
 * switches; by default as Settings does it) and saves `<name>.png` and `<name>-dark.png`.
 * A failure keeps a screenshot of what the window showed.
 */
async function screen(name, fn, toDark = () => theme('dark')) {
  await s.shotOnFailure(`screens-${name}`, async () => {
    await fn();
    await theme('light');
    await save(name);
    await toDark();
    await save(`${name}-dark`);
  });
}

/** The left edges (whole pixels) of the elements matching `css`. */
function lefts(css) {
  return s.execute(
    'return [...document.querySelectorAll(arguments[0])].map((el) => Math.round(el.getBoundingClientRect().left));',
    css,
  );
}

/** `[data-testid=TESTID]` elements as {data attributes…, text}, read in one round trip. */
function rowsOf(testid) {
  return s.execute(
    `return [...document.querySelectorAll('[data-testid="' + arguments[0] + '"]')].map((el) => ({ ...el.dataset, text: el.innerText }));`,
    testid,
  );
}

test('Publishers: every trusted key and identity loaded, with its scopes and state', { skip }, async () => {
  await screen('keys', async () => {
    await s.click('[data-testid="nav-keys"]');
    const rows = await poll('the four keys listed', async (seen) => {
      seen.last = await rowsOf('key-row');
      return seen.last.length === 4 ? seen.last : undefined;
    });
    assert.doesNotMatch(await s.text('[data-testid="keys-tab-keys"]'), /Loading/);
    const row = (k) => rows.find((r) => r.fingerprint === k.fingerprint)?.text ?? '';
    assert.match(row(keys.acme), /Acme Release[\s\S]*acme\/\*\*[\s\S]*active/);
    assert.match(row(keys.globex), /Globex Platform[\s\S]*globex\/\*[\s\S]*expires in 1[12] days/);
    assert.match(row(keys.old), /Acme CI \(2025\)[\s\S]*revoked/);
    assert.match(row(keys.own), /Platform Team[\s\S]*team\/\*\*/);
    await s.waitFor(`[data-testid="key-row"][data-fingerprint="${keys.own.fingerprint}"] [data-testid="has-private"]`);
    const identity = await s.text(`[data-testid="identity-row"][data-id="${identityId}"]`);
    assert.match(identity, /Acme Web Release Workflow[\s\S]*acme\/web[\s\S]*token\.actions\.githubusercontent\.com[\s\S]*active/);
    // Layout: every row's Edit button in the same column, the revoked key's too (it has no Revoke).
    const edits = await lefts('[data-testid="key-edit"]');
    assert.equal(new Set(edits).size, 1, `Edit buttons at ${edits}`);
  });
});

test("Keys: a key's detail shows its whole fingerprint, scopes, note and expiry", { skip }, async () => {
  await screen('key-detail', async () => {
    const row = await s.waitFor(`[data-testid="key-row"][data-fingerprint="${keys.acme.fingerprint}"]`);
    await s.cmd('POST', `/element/${await s.within(row, '[data-testid="key-open"]')}/click`, {});
    const fp = await s.text('[data-testid="key-detail-fingerprint"]');
    assert.equal(fp.replace(/\s+/g, ''), keys.acme.fingerprint.replace(/^sha256:/, ''));
    assert.match(await s.text('[data-testid="key-detail-scopes"]'), /acme\/\*\*/);
    assert.match(await s.text('[data-testid="key-detail-note"]'), /rotated yearly/);
    assert.doesNotMatch(await s.text('[data-testid="key-detail-expires"]'), /Never/);
  });
  // Done closes the dialog.
  await s.execute('document.querySelector(\'[data-testid="key-detail"] .actions > :last-child\').click();');
  await poll('the key detail to close', async () => ((await s.findAll('[data-testid="key-detail"]')).length === 0 ? true : undefined));
});

test("Publishers: an identity's detail shows its issuer, subject, claims and root", { skip }, async () => {
  await screen('identity-detail', async () => {
    const row = await s.waitFor(`[data-testid="identity-row"][data-id="${identityId}"]`);
    await s.cmd('POST', `/element/${await s.within(row, '[data-testid="identity-open"]')}/click`, {});
    assert.equal((await s.text('[data-testid="identity-detail-id"]')).trim(), identityId);
    assert.match(await s.text('[data-testid="identity-detail-subject"]'), /acme\/web\/\.github\/workflows\/release\.yml@refs\/tags\/\*/);
    assert.match(await s.text('[data-testid="identity-detail"]'), /Source repository[\s\S]*https:\/\/github\.com\/acme\/web/);
    assert.equal((await s.text('[data-testid="identity-detail-root"]')).trim(), 'public-good');
  });
  await s.execute('document.querySelector(\'[data-testid="identity-detail"] .actions > :last-child\').click();');
  await poll('the identity detail to close', async () => ((await s.findAll('[data-testid="identity-detail"]')).length === 0 ? true : undefined));
});

test('Publishers: the add-identity form, filled by the GitHub Actions preset', { skip }, async () => {
  await screen('identity-add', async () => {
    await s.click('[data-testid="identity-preset-github-actions"]');
    await s.type('[data-testid="identity-input-repository"]', 'acme/api');
    await s.type('[data-testid="identity-input-workflowFile"]', 'release.yml');
    await s.type('[data-testid="identity-publisher"]', 'Acme API Release Workflow');
    const subject = await s.execute('return document.querySelector(\'[data-testid="identity-subject"]\').value;');
    assert.equal(subject, 'https://github.com/acme/api/.github/workflows/release.yml@refs/tags/*');
    // No expiry chosen: the date field paints no date (WebKit's placeholder is today's date,
    // which reads as a chosen expiry).
    const fill = () =>
      s.execute(`const e = document.querySelector('input[data-testid="identity-expires"]');
        return [e.value, getComputedStyle(e).webkitTextFillColor];`);
    assert.deepEqual(await fill(), ['', 'rgba(0, 0, 0, 0)']);
    const setExpiry = (value) =>
      s.execute(
        `const e = document.querySelector('input[data-testid="identity-expires"]');
         e.value = arguments[0]; e.dispatchEvent(new Event('input', { bubbles: true }));`,
        value,
      );
    await setExpiry('2027-12-31');
    await poll('a chosen expiry to be painted', async () => {
      const [value, color] = await fill();
      return value === '2027-12-31' && color !== 'rgba(0, 0, 0, 0)' ? true : undefined;
    });
    await setExpiry('');
    await s.execute('document.querySelector(\'[data-testid="add-identity-panel"]\').scrollIntoView({ block: "start" });');
  });
  await s.execute('document.querySelector("main")?.scrollTo(0, 0); window.scrollTo(0, 0);');
});

test('Policies: the default policy and the scoped ones', { skip }, async () => {
  await screen('policies', async () => {
    await s.click('[data-testid="keys-tab-policies"]');
    const rows = await poll('three policies listed', async (seen) => {
      seen.last = await rowsOf('policy-row');
      return seen.last.length === 3 ? seen.last : undefined;
    });
    const mode = (glob) => rows.find((r) => r.pattern === R(glob))?.mode;
    assert.deepEqual([mode('acme/payments'), mode('sandbox/**'), mode('dev/**')], ['enforce', 'warn', 'off']);
    const fallback = await s.waitFor('[data-testid="default-policy"]');
    assert.equal(await s.attr(fallback, 'data-mode'), 'enforce');
    assert.match(await s.text('[data-testid="default-policy-summary"]'), /enforce, 1 publisher/);
    // Layout: the default policy's mode and threshold sit right above the patterns' ones.
    const modes = await lefts('[data-testid="policy-mode"]');
    const thresholds = await lefts('[data-testid="policy-threshold"]');
    assert.equal(new Set(modes).size, 1, `mode selects at ${modes}`);
    assert.equal(new Set(thresholds).size, 1, `threshold fields at ${thresholds}`);
  });
  await s.click('[data-testid="keys-tab-keys"]');
});

test('Export policy…: what containers-policy.json will enforce, and what it cannot express', { skip }, async () => {
  await screen('export', async () => {
    await s.click('[data-testid="policy-export-open"]');
    await s.waitFor('[data-testid="policy-export-dialog"]');
    // `acme/**` is one scope of the file with the repository `acme` itself, which Vouch does not
    // trust: refused with a sentence until the person accepts the overlap.
    const accept = await poll('the preview or the overlap to accept', async () =>
      (await s.findAll('[data-testid="policy-export-file-preview"]')).length > 0 ? 'shown' : (await s.findAll('[data-testid="policy-export-accept-overlap"]'))[0],
    );
    if (accept !== 'shown') {
      assert.match(await s.text('[data-testid="policy-export-refusal"]'), /more widely than Vouch/);
      await s.cmd('POST', `/element/${accept}/click`, {});
    }
    await s.waitFor('[data-testid="policy-export-file-preview"]', (t) => t.includes('sigstoreSigned') && t.includes(R('acme')));
    const notExported = await s.text('[data-testid="policy-export-summary-not_exported"]');
    assert.match(notExported, /Acme CI \(2025\)[^\n]*revoked/);
    assert.match(notExported, /globex\/\*`? cannot be expressed/);
    assert.match(await s.text('[data-testid="policy-export-summary-exported"]'), /Acme Release/);
  });
  await s.click('[data-testid="policy-export-done"]');
  await poll('the export dialog to close', async () => ((await s.findAll('[data-testid="policy-export-dialog"]')).length === 0 ? true : undefined));
});

test('Verify: a batch where every row says what it is and why, as the core says it', { skip }, async () => {
  await screen('verify', async () => {
    await s.click('[data-testid="nav-verify"]');
    await s.type('[data-testid="verify-input"]', Object.keys(BATCH).join('\uE007') /* Enter: one per line */);
    await s.click('[data-testid="verify-submit"]');
    const rows = await poll('every row checked', async (seen) => {
      seen.last = await s.execute(
        `return [...document.querySelectorAll('[data-testid="verdict-row"]')].map((r) => ({
           reference: r.dataset.reference, status: r.dataset.status,
           reason: r.querySelector('[data-testid="verdict-reason"]').innerText }));`,
      );
      const done = seen.last.length === Object.keys(BATCH).length && seen.last.every((r) => r.status !== 'checking');
      return done ? seen.last : undefined;
    });
    const core = cliVerdicts(Object.keys(BATCH));
    for (const row of rows) {
      assert.equal(row.status, BATCH[row.reference], `${row.reference}: ${row.reason}`);
      // The window shows the core's own sentence: the same words `vouch verify` prints.
      assert.equal(row.reason.trim(), core.get(row.reference).reason, row.reference);
    }
    const reason = (repo) => rows.find((r) => r.reference.includes(repo)).reason;
    assert.match(reason('acme/web'), /signed by Acme Release/);
    assert.match(reason('acme/billing'), /sha256:/); // signed for another digest
    assert.match(reason('acme/legacy'), /revoked/);
    assert.match(reason('acme/payments'), /2/);
    assert.match(reason('sandbox/tool'), /warn-only policy: reported, not enforced/);
    assert.match(await s.text('[data-testid="verify-summary"]'), /2 verified · 2 unsigned · 2 untrusted · 1 invalid · 1 error/);
    // Layout: a reason is a sentence; it gets most of the row's width, not a narrow column.
    const narrow = await s.execute(
      `return [...document.querySelectorAll('[data-testid="verdict-row"]')]
         .filter((r) => r.querySelector('[data-testid="verdict-reason"]').offsetWidth < 0.6 * r.offsetWidth)
         .map((r) => r.dataset.reference);`,
    );
    assert.deepEqual(narrow, [], 'reasons squeezed beside the reference');
    // The results fill the window (the empty input box is above them).
    await s.execute(
      'document.activeElement?.blur(); document.querySelector(\'[data-testid="verify-summary"]\').scrollIntoView();',
    );
  });
});

test('Detail: the attested image with its provenance graph, signer and builder', { skip }, async () => {
  await screen('detail', async () => {
    const row = await s.waitFor(`[data-testid="verdict-row"][data-reference="${R('acme/web')}:2.0.0"]`);
    await s.cmd('POST', `/element/${await s.within(row, '[data-testid="verdict-toggle"]')}/click`, {});
    await s.click('[data-testid="verdict-inspect"]');
    await s.waitFor('[data-testid="inspect-graph"]');
    const graph = await s.execute('return document.querySelector(\'[data-testid="inspect-graph"]\').textContent;');
    assert.match(graph, /Acme Release/);
    assert.match(graph, /github\.com\/actions\/runner/);
    assert.match(await s.text('[data-testid="attestation-signer"]'), /Acme Release/);
    assert.match(await s.text('[data-testid="inspect-verdict"]'), /Verified/);
    // Layout: who signed it is in view without scrolling the graph sideways (its columns share
    // the width; only the materials, a sixth column here, may lie beyond it).
    const beyond = await s.execute(
      `const g = document.querySelector('[data-testid="inspect-graph"]').getBoundingClientRect();
       const p = document.querySelector('[data-testid="graph-node"][data-kind="publisher"]').getBoundingClientRect();
       return p.right - g.right;`,
    );
    assert.ok(beyond <= 0, `the publisher's node ends ${beyond}px beyond the graph's frame`);
    // Layout: the verdict's full digests wrap inside their card instead of running out of it.
    const overflow = await s.execute(
      'const card = document.querySelector(\'section[aria-labelledby="verdict-title"]\'); return card.scrollWidth - card.clientWidth;',
    );
    assert.ok(overflow <= 0, `the Verdict card's content is ${overflow}px wider than the card`);
  });
  await s.click('[data-testid="inspect-back"]');
});

test('History: the batch just checked, newest first', { skip }, async () => {
  await screen('history', async () => {
    await s.click('[data-testid="nav-history"]');
    const rows = await poll('the batch in the history', async (seen) => {
      seen.last = await rowsOf('history-row');
      return seen.last.length === Object.keys(BATCH).length ? seen.last : undefined;
    });
    for (const row of rows) assert.equal(row.status, BATCH[row.reference], row.reference);
    assert.match(await s.text('[data-testid="history-count"]'), /8 checks/);
  });
});

/** Chooses the dark theme in Settings: the window turns dark and the settings file keeps it. */
async function chooseDark() {
  await s.click('[data-testid="settings-theme"] option[value="dark"]');
  await poll('the settings file to say dark', async () => {
    const file = path.join(process.env.VOUCH_CONFIG_DIR, 'config.json');
    return JSON.parse(readFileSync(file, 'utf8')).theme === 'dark' ? true : undefined;
  });
  assert.equal(await s.execute('return document.documentElement.dataset.theme;'), 'dark');
  assert.equal(await s.execute('return getComputedStyle(document.body).backgroundColor;'), BACKGROUND.dark);
}

test('Settings: registries, theme and what this computer offers; the dark theme chosen there', { skip }, async () => {
  await screen('settings', async () => {
    await s.click('[data-testid="nav-settings"]');
    await s.waitFor('[data-testid="doctor-keychain"] .badge', (t) => t.trim() === 'reachable');
    assert.match(await s.text('[data-testid="settings-profile"]'), /default/);
    assert.match(await s.text('[data-testid="doctor-version"]'), /Vouch \d/);
    assert.equal((await s.text('[data-testid="settings-insecure-item"]')).trim(), LAB);
    // The default policy, shown and changed here: the core stores it (the CLI reads it back).
    const fallback = '[data-testid="settings-default-policy"] [data-testid="default-policy"]';
    assert.equal(await s.attr(await s.waitFor(fallback), 'data-mode'), 'enforce');
    const setMode = async (mode) => {
      await s.click(`${fallback} [data-testid="policy-mode"] option[value="${mode}"]`);
      await poll(`the core to hold the default policy ${mode}`, async () =>
        JSON.parse(vouch(['policy', 'default', '--json'])).mode === mode ? true : undefined,
      );
      assert.equal(await s.attr(await s.waitFor(fallback), 'data-mode'), mode);
    };
    await setMode('warn');
    await setMode('enforce');
  }, chooseDark);
});

test('Settings → Team trust lists: a subscription and the diff of a new version before it is applied', { skip }, async () => {
  // A team admin (a profile of their own) publishes a list of the team's publishers; the
  // window's profile subscribes to it with the admin's public key (the CLI, as a person would).
  const admin = `pub-team-admin-${process.pid}`;
  const adminFp = vouch(['key', 'generate', '--name', 'Team Admin', '--algorithm', 'ed25519', '--scope', R('admins/**')], admin).trim();
  vouch(['key', 'add', path.join(work, `${keys.acme.profile}.pub`), '--name', 'Acme Release', '--scope', R('acme/**')], admin);
  vouch(['key', 'generate', '--name', 'Initech Build', '--algorithm', 'p256', '--scope', R('initech/**')], admin);
  vouch(['key', 'generate', '--name', 'Hooli Deploy', '--algorithm', 'ed25519', '--scope', R('hooli/*')], admin);
  const list = `${R('platform/trust')}:prod`;
  const adminPub = path.join(work, 'team-admin.pub');
  writeFileSync(adminPub, vouch(['key', 'export', adminFp], admin));
  const scopes = ['acme/**', 'initech/**', 'hooli/*'].flatMap((g) => ['--scope', R(g)]);
  vouch(['trust', 'publish', list, '--key', adminFp, '--expires', '30d', ...scopes], admin);
  vouch(['trust', 'subscribe', list, '--signer-key', adminPub]);
  await screen('trust-lists', async () => {
    // Settings is open from the test before: away and back reads the new subscription.
    await s.click('[data-testid="nav-keys"]');
    await s.click('[data-testid="nav-settings"]');
    await s.clickStill('[data-testid="trust-list-check"]');
    await s.waitFor('[data-testid="trust-list-plan"]', (t) => t.includes('Version 1'));
    const changes = await rowsOf('list-diff-change');
    assert.deepEqual(changes.map((c) => c.kind).sort(), ['added', 'added', 'kept_local'], JSON.stringify(changes));
    assert.ok(changes.some((c) => c.kind === 'kept_local' && c.fingerprint === keys.acme.fingerprint));
    assert.ok(changes.some((c) => c.kind === 'added' && /Initech Build/.test(c.text)));
    await s.execute('document.querySelector(\'[data-testid="trust-lists"]\').scrollIntoView({ block: "start" });');
  });
});

test('Verify: a keyless-signed image, its signer (workflow identity, issuer, log entry) in the details', { skip }, async () => {
  // Acme's release workflow signs keyless through Acme's own Sigstore deployment: its trusted
  // root added with the CLI, the workflow's identity tied to it.
  const subject = 'https://github.com/acme/web/.github/workflows/release.yml@refs/tags/v2.1.0';
  const minted = mintKeyless(minter, registry, 'acme/web', '2.1.0', {
    dir: path.join(work, 'keyless'), instance: 'acme-sigstore', issuer: 'https://token.actions.githubusercontent.com', subject,
  });
  vouch(['trust-root', 'add', minted.root, '--name', 'acme-sigstore']);
  vouch([
    'identity', 'add', '--issuer', 'https://token.actions.githubusercontent.com',
    '--subject', 'https://github.com/acme/web/.github/workflows/release.yml@refs/tags/*',
    '--name', 'Acme Web Release (Acme Sigstore)', '--scope', R('acme/web'), '--trusted-root', 'acme-sigstore',
  ]);
  await screen('verify-keyless', async () => {
    await s.click('[data-testid="nav-verify"]');
    await s.type('[data-testid="verify-input"]', minted.ref);
    await s.click('[data-testid="verify-submit"]');
    const css = `[data-testid="verdict-row"][data-reference="${minted.ref}"]`;
    const row = await s.waitFor(css, () => true, 60_000);
    await poll('the keyless image checked', async () => {
      const status = await s.attr(row, 'data-status');
      return status && status !== 'checking' ? status : undefined;
    });
    assert.equal(await s.attr(row, 'data-status'), 'verified', await s.cmd('GET', `/element/${row}/text`));
    await s.cmd('POST', `/element/${await s.within(row, '[data-testid="verdict-toggle"]')}/click`, {});
    assert.equal((await s.text(`${css} [data-testid="keyless-subject"]`)).trim(), subject);
    assert.match(await s.text(`${css} [data-testid="keyless-identity"]`), /trusted as Acme Web Release \(Acme Sigstore\)/);
    assert.match(await s.text(`${css} [data-testid="keyless-log"]`), /entry \d+ of log/);
    assert.match(await s.text(`${css} [data-testid="keyless-cert-time"]`), /trusted root acme-sigstore/);
    await s.execute('document.querySelector(arguments[0]).scrollIntoView({ block: "start" });', css);
  });
});
