// Accessibility of the real window: axe-core runs inside the webview (its source injected through
// WebDriver) on every view, in the light and the dark theme, and no serious or critical violation
// is allowed; the rest are printed. Then the main flow — add a key by pasting its PEM, paste
// images, check them, open the detail — is done with key events alone (no click, no element
// focused by WebDriver): Tab, Shift+Tab, Enter, Space, arrows, Ctrl+V, Ctrl+Enter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Session, poll, requireEnv } from './webdriver.mjs';
import { pushImage } from './registry.mjs';

const app = requireEnv('VOUCH_APP_BINARY');
const cli = requireEnv('VOUCH_CLI');
const registry = requireEnv('VOUCH_TEST_REGISTRY');
const skip = !app || !cli || !registry ? 'needs the harness: run through `make test`' : false;
if (skip) console.warn(`\n!!! SKIPPING accessibility tests: ${skip}\n`);

// axe-core is a pinned devDependency of the UI (ui/package.json).
const axeSource = readFileSync(createRequire(new URL('../../ui/package.json', import.meta.url)).resolve('axe-core/axe.min.js'), 'utf8');

let s;
const refs = {};
let seededFingerprint;
let identityId;
let pastedFingerprint;
let pastedPem;

function vouch(args, profile) {
  return execFileSync(cli, args, { env: { ...process.env, ...(profile ? { VOUCH_PROFILE: profile } : {}) } }).toString();
}

before(async () => {
  if (skip) return;
  // Publisher A's key is in the user's keychain before the window opens (the Keys and Policies
  // views have a row to check); publisher B's key is added in the keyboard test by pasting it.
  const a = `publisher-a11y-a-${process.pid}`;
  const b = `publisher-a11y-b-${process.pid}`;
  seededFingerprint = vouch(['key', 'generate', '--name', 'Seeded Publisher', '--algorithm', 'ed25519'], a).trim();
  pastedFingerprint = vouch(['key', 'generate', '--name', 'Keyboard Publisher', '--algorithm', 'p256'], b).trim();
  pastedPem = vouch(['key', 'export', pastedFingerprint], b);
  execFileSync(cli, ['key', 'add', '-', '--name', 'Seeded Publisher', '--scope', `${registry}/a11y/**`], {
    input: vouch(['key', 'export', seededFingerprint], a),
  });
  vouch(['policy', 'set', `${registry}/a11y/**`, '--mode', 'warn', '--threshold', '1']);
  // A keyless identity beside the key: the Publishers view lists both.
  identityId = vouch([
    'identity', 'add', '--issuer', 'https://token.actions.githubusercontent.com',
    '--subject', 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*',
    '--source-repository', 'https://github.com/acme/app', '--name', 'Seeded Workflow', '--scope', `${registry}/a11y/**`,
  ]).trim();
  for (const name of ['signed', 'plain', 'kb']) {
    await pushImage(registry, `a11y/${name}`, 'v1');
    refs[name] = `${registry}/a11y/${name}:v1`;
  }
  vouch(['sign', refs.signed, '--key', seededFingerprint], a);
  vouch(['sign', refs.kb, '--key', pastedFingerprint], b);
  // A team list publisher A signs, which the window subscribes to: Settings shows its diff.
  vouch(['key', 'generate', '--name', 'Team Publisher', '--algorithm', 'ed25519', '--scope', `${registry}/a11y-team/**`], a);
  vouch(['trust', 'publish', `${registry}/a11y-team/trust:prod`, '--key', seededFingerprint], a);
  vouch(['trust', 'subscribe', `${registry}/a11y-team/trust:prod`, '--signer', seededFingerprint]);
  // One past check, so History has a row.
  try {
    vouch(['verify', refs.signed]);
  } catch {
    /* the verdict is what History shows; its exit code does not matter here */
  }
  s = await Session.start(app);
});

after(async () => {
  await s?.stop();
});

const withShot = (name, fn) => s.shotOnFailure(`a11y-${name}`, fn);

/** Runs axe-core on the whole document; returns its violations (injecting it when missing). */
async function axe() {
  const has = await s.cmd('POST', '/execute/sync', { script: 'return typeof window.axe === "object";', args: [] });
  if (!has) await s.cmd('POST', '/execute/sync', { script: `${axeSource}\nreturn true;`, args: [] });
  const result = await s.cmd('POST', '/execute/async', {
    script: `const done = arguments[arguments.length - 1];
      const brief = (v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      });
      window.axe.run(document)
        .then((r) => done(JSON.stringify({
          violations: r.violations.map(brief),
          // Contrast axe could not decide (text over a gradient or an image): reported, not failed.
          undecided: r.incomplete.filter((v) => v.id === 'color-contrast').map(brief),
          contrastPassed: r.passes.find((v) => v.id === 'color-contrast')?.nodes.length ?? 0,
        })))
        .catch((e) => done(JSON.stringify({ error: String(e) })));`,
    args: [],
  });
  const parsed = JSON.parse(result);
  if (parsed.error !== undefined) throw new Error(`axe-core failed in the window: ${parsed.error}`);
  return parsed;
}

const THEMES = ['light', 'dark'];

/**
 * Waits until no CSS transition or animation runs: a colour caught halfway between two themes
 * would be measured as a contrast failure that nobody ever sees.
 */
async function settled() {
  await s.cmd('POST', '/execute/async', {
    script: `const done = arguments[arguments.length - 1];
      requestAnimationFrame(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))).then(() => done(true)));`,
    args: [],
  });
}

async function setTheme(theme) {
  // What Settings → Theme does (src/lib/theme.ts): <html data-theme> is what tokens.css follows.
  await s.cmd('POST', '/execute/sync', { script: 'document.documentElement.dataset.theme = arguments[0];', args: [theme] });
}

/** Checks the view on screen in both themes: no serious or critical violation; prints the rest. */
async function assertAccessible(view) {
  const serious = [];
  for (const theme of THEMES) {
    await setTheme(theme);
    await settled();
    const { violations, undecided, contrastPassed } = await axe();
    // The contrast rule really ran on this screen's text (it is not silently inapplicable).
    assert.ok(contrastPassed > 0, `${view} [${theme}]: axe checked the contrast of no text at all`);
    for (const v of undecided) {
      console.log(`a11y (contrast axe could not decide, reported only): ${view} [${theme}] ${v.nodes.map((n) => n.target).join(', ')}`);
    }
    for (const v of violations) {
      const line = `${view} [${theme}] ${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target}: ${n.summary?.replace(/\n/g, ' ')}`).join('\n')}`;
      if (v.impact === 'serious' || v.impact === 'critical') serious.push(line);
      else console.log(`a11y (minor/moderate, reported only): ${line}`);
    }
  }
  await setTheme('light');
  assert.deepEqual(serious, [], `serious or critical violations:\n${serious.join('\n')}`);
  const rings = await assertFocusRings(view);
  console.log(`a11y: ${view}: ${rings} focusable elements, each with a visible focus ring`);
}

/**
 * Tabs through every focusable element of the screen (from the top) and asserts that each one,
 * focused by the keyboard, draws a focus ring: its outline or box shadow differs from when the
 * focus has moved on. Returns how many elements were visited.
 */
async function assertFocusRings(view) {
  await s.cmd('POST', '/execute/sync', { script: 'document.activeElement?.blur(); window.__ring = null; window.__seen = new Set();', args: [] });
  const missing = [];
  let visited = 0;
  for (let i = 0; i < 150; i++) {
    await keys(KEY.Tab);
    await settled();
    const step = await s.cmd('POST', '/execute/sync', {
      script: `const look = (e) => { const c = getComputedStyle(e); return c.outlineStyle === 'none' || parseFloat(c.outlineWidth) === 0 ? 'none ' + c.boxShadow : c.outlineStyle + ' ' + c.outlineWidth + ' ' + c.outlineColor + ' ' + c.boxShadow; };
        const before = window.__ring;
        let previous = null;
        if (before && before.el.isConnected && before.el !== document.activeElement) {
          previous = { name: before.name, ringed: before.focused !== look(before.el), focused: before.focused, after: look(before.el) };
        }
        const e = document.activeElement;
        if (!e || e === document.body) { window.__ring = null; return { previous, name: null }; }
        const name = (e.dataset.testid || e.id || e.tagName.toLowerCase()) + ' "' + (e.getAttribute('aria-label') || e.textContent.trim().slice(0, 30)) + '"';
        window.__ring = { el: e, name, focused: look(e) };
        const again = window.__seen.has(e);
        window.__seen.add(e);
        return { previous, name, again };`,
      args: [],
    });
    if (step.previous && !step.previous.ringed) missing.push(`${step.previous.name}: focused "${step.previous.focused}" = unfocused "${step.previous.after}"`);
    if (step.name === null || step.again) break;
    visited += 1;
  }
  assert.deepEqual(missing, [], `${view}: elements without a visible focus ring:\n${missing.join('\n')}`);
  assert.ok(visited > 0, `${view}: Tab focused nothing`);
  return visited;
}

test('every view passes axe-core in the light and dark themes', { skip }, async (t) => {
  await t.test('Publishers', () =>
    withShot('keys', async () => {
      await s.click('[data-testid="nav-keys"]');
      await s.waitFor(`[data-testid="key-row"][data-fingerprint="${seededFingerprint}"]`);
      await s.waitFor(`[data-testid="identity-row"][data-id="${identityId}"]`);
      await s.waitFor('[data-testid="add-identity-panel"]');
      await assertAccessible('Publishers');
    }),
  );
  await t.test('Identity detail', () =>
    withShot('identity-detail', async () => {
      const row = await s.waitFor(`[data-testid="identity-row"][data-id="${identityId}"]`);
      await s.cmd('POST', `/element/${await s.within(row, '[data-testid="identity-open"]')}/click`, {});
      await s.waitFor('[data-testid="identity-detail"]');
      await assertAccessible('Identity detail');
      await s.execute('document.querySelector(\'[data-testid="identity-detail"] .actions > :last-child\').click();');
      await poll('the identity detail to close', async () =>
        (await s.findAll('[data-testid="identity-detail"]')).length === 0 ? true : undefined,
      );
    }),
  );
  await t.test('Policies', () =>
    withShot('policies', async () => {
      await s.click('[data-testid="keys-tab-policies"]');
      await s.waitFor('[data-testid="policies-panel"]', (text) => text.includes('a11y'));
      await assertAccessible('Policies');
      await s.click('[data-testid="keys-tab-keys"]');
    }),
  );
  await t.test('Verify, empty and with results', () =>
    withShot('verify', async () => {
      await s.click('[data-testid="nav-verify"]');
      await s.waitFor('[data-testid="verify-input"]');
      await assertAccessible('Verify (empty)');
      await s.type('[data-testid="verify-input"]', `${refs.signed} ${refs.plain}`);
      await s.click('[data-testid="verify-submit"]');
      await s.waitFor('[data-testid="verify-summary"]', (t) => /verified/.test(t) && /unsigned/.test(t), 60_000);
      const toggle = await s.waitFor('[data-testid="verdict-row"][data-status="verified"] [data-testid="verdict-toggle"]');
      await s.cmd('POST', `/element/${toggle}/click`, {});
      await s.waitFor('[data-testid="verdict-details"]');
      await assertAccessible('Verify (results, one expanded)');
    }),
  );
  await t.test('Detail (inspect)', () =>
    withShot('inspect', async () => {
      await s.click('[data-testid="verdict-inspect"]');
      await s.waitFor('[data-testid="inspect-verdict"]');
      // Wait for the inspection to finish loading (the graph or a note replaces the loading line).
      const end = Date.now() + 30_000;
      while (Date.now() < end && (await s.findAll('[data-testid="inspect-loading"]')).length > 0) {
        await new Promise((r) => setTimeout(r, 200));
      }
      await assertAccessible('Detail');
      await s.click('[data-testid="inspect-back"]');
    }),
  );
  await t.test('History', () =>
    withShot('history', async () => {
      await s.click('[data-testid="nav-history"]');
      await s.waitFor('[data-testid="history-row"]');
      await assertAccessible('History');
    }),
  );
  await t.test('Settings', () =>
    withShot('settings', async () => {
      await s.click('[data-testid="nav-settings"]');
      await s.waitFor('[data-testid="doctor-keychain"] .badge', (t) => t.trim() === 'reachable');
      // The team list's diff and the Subscribe… form are on screen too.
      await s.clickStill('[data-testid="trust-list-check"]');
      await s.waitFor('[data-testid="list-diff-change"][data-kind="added"]');
      await s.click('[data-testid="trust-list-subscribe-open"]');
      await s.waitFor('[data-testid="trust-list-signer"]');
      await assertAccessible('Settings');
    }),
  );
  await t.test('a dialog (revoke)', () =>
    withShot('dialog', async () => {
      await s.click('[data-testid="nav-keys"]');
      const row = await s.waitFor(`[data-testid="key-row"][data-fingerprint="${seededFingerprint}"]`);
      const revoke = await s.cmd('POST', `/element/${row}/element`, { using: 'css selector', value: '[data-testid="key-revoke"]' });
      await s.cmd('POST', `/element/${Object.values(revoke)[0]}/click`, {});
      await s.waitFor('[data-testid="revoke-dialog"]');
      try {
        await assertAccessible('Revoke dialog');
      } finally {
        await keys('\uE00C'); // Escape closes it
        await waitGone('[data-testid="revoke-dialog"]');
      }
    }),
  );
  await t.test('the export for enforcers (summary and file preview)', () =>
    withShot('policy-export', async () => {
      await s.click('[data-testid="policy-export-open"]');
      await s.waitFor('[data-testid="policy-export-dialog"]');
      // The seeded key's `a11y/**` scope may be refused by containers-policy.json until accepted.
      const accept = await poll('the preview or the overlap to accept', async () =>
        (await s.findAll('[data-testid="policy-export-file-preview"]')).length > 0 ? 'shown' : (await s.findAll('[data-testid="policy-export-accept-overlap"]'))[0],
      );
      if (accept !== 'shown') await s.cmd('POST', `/element/${accept}/click`, {});
      await s.waitFor('[data-testid="policy-export-file-preview"]');
      try {
        await assertAccessible('Export for enforcers dialog');
      } finally {
        await keys('\uE00C'); // Escape closes it
        await waitGone('[data-testid="policy-export-dialog"]');
      }
    }),
  );
});

// ---- the keyboard alone ----

const KEY = { Tab: '\uE004', Enter: '\uE007', Space: ' ', Escape: '\uE00C', Shift: '\uE008', Control: '\uE009', Left: '\uE012', Right: '\uE014' };

/** Presses keys on whatever has the focus: a WebDriver key action, never an element command. */
async function keys(...sequence) {
  const actions = [];
  for (const k of sequence) {
    if (Array.isArray(k)) {
      // A chord: hold the first keys, press the last one.
      for (const m of k.slice(0, -1)) actions.push({ type: 'keyDown', value: m });
      actions.push({ type: 'keyDown', value: k.at(-1) }, { type: 'keyUp', value: k.at(-1) });
      for (const m of k.slice(0, -1).reverse()) actions.push({ type: 'keyUp', value: m });
    } else {
      for (const ch of [...k]) actions.push({ type: 'keyDown', value: ch }, { type: 'keyUp', value: ch });
    }
  }
  await s.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
  await s.cmd('DELETE', '/actions');
}

/** What has the focus: its data-testid (or tag), for asserting and for Tab loops. */
function focused() {
  return s.cmd('POST', '/execute/sync', {
    script: `const e = document.activeElement;
      return e ? [e.dataset.testid ?? e.id ?? '', e.tagName.toLowerCase(), e.getAttribute('aria-label') ?? e.textContent.trim().slice(0, 40),
        e.closest('[data-reference]')?.dataset.reference ?? ''].join('|') : '';`,
    args: [],
  });
}

/**
 * Presses Tab (Shift+Tab when `back`) until the focused element's testid is `testid` (inside the
 * row whose reference contains `row`, when given).
 */
async function tabTo(testid, { back = false, max = 60, row } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    const now = await focused();
    const [id, , , reference] = now.split('|');
    if (id === testid && (row === undefined || reference.includes(row))) return;
    seen.push(now);
    await keys(back ? [KEY.Shift, KEY.Tab] : KEY.Tab);
  }
  throw new Error(`Tab never reached ${testid}; the focus went through:\n  ${seen.join('\n  ')}`);
}

async function waitGone(css, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await s.findAll(css)).length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${css} is still there`);
}

/**
 * Puts `text` on the X clipboard (a small GTK process owns it until killed) so that Ctrl+V in the
 * window is a real paste.
 */
function clipboard(text) {
  const owner = spawn('/usr/bin/python3', [new URL('./clipboard.py', import.meta.url).pathname], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  owner.stdin.end(text);
  return new Promise((resolve, reject) => {
    owner.stdout.once('data', () => resolve(owner));
    owner.once('exit', (code) => reject(new Error(`clipboard.py exited with ${code}`)));
  });
}

async function paste(text) {
  const owner = await clipboard(text);
  try {
    await keys([KEY.Control, 'v']);
  } finally {
    owner.kill();
  }
}

/** The focus ring is visible: the focused element draws an outline or a box shadow. */
async function assertFocusVisible() {
  const style = await s.cmd('POST', '/execute/sync', {
    script: `const e = document.activeElement; const c = getComputedStyle(e);
      return { outline: c.outlineStyle !== 'none' && parseFloat(c.outlineWidth) > 0, shadow: c.boxShadow !== 'none', matches: e.matches(':focus-visible') };`,
    args: [],
  });
  assert.ok(style.matches, `the focused element ${await focused()} does not match :focus-visible`);
  assert.ok(style.outline || style.shadow, `no visible focus ring on ${await focused()}: ${JSON.stringify(style)}`);
}

test('the main flow with the keyboard alone: paste a key, paste images, check, open the detail', { skip }, async () => {
  await withShot('keyboard', async () => {
    // Start from the top of the page with nothing focused.
    await s.cmd('POST', '/execute/sync', { script: 'document.activeElement?.blur(); window.scrollTo(0, 0);', args: [] });

    // Keys view: Tab to the navigation's Keys entry and open it.
    await tabTo('nav-keys');
    await assertFocusVisible();
    await keys(KEY.Enter);
    await s.waitFor(`[data-testid="key-row"][data-fingerprint="${seededFingerprint}"]`);

    // The PEM box: paste the key, then the publisher's name and scope, and submit with Enter.
    await tabTo('add-key-pem');
    await assertFocusVisible();
    await paste(pastedPem);
    await tabTo('add-key-publisher');
    await keys('Keyboard Publisher');
    await tabTo('add-key-scopes');
    await keys(`${registry}/a11y/**`);
    await tabTo('add-key-submit');
    await assertFocusVisible();
    await keys(KEY.Enter);
    const row = await s.waitFor(`[data-testid="key-row"][data-fingerprint="${pastedFingerprint}"]`);
    assert.match(await s.cmd('GET', `/element/${row}/text`), /Keyboard Publisher/);

    // The Keys / Policies tabs follow the arrow keys (one Tab stop for the tab list).
    await tabTo('keys-tab-keys', { back: true });
    await keys(KEY.Right);
    await s.waitFor('[data-testid="policies-panel"]');
    assert.equal((await focused()).split('|')[0], 'keys-tab-policies');
    await assertFocusVisible();
    await keys(KEY.Left);
    await s.waitFor(`[data-testid="key-row"][data-fingerprint="${pastedFingerprint}"]`);
    assert.equal((await focused()).split('|')[0], 'keys-tab-keys');

    // Verify view: back up to the navigation (Shift+Tab), down the list with Tab.
    await tabTo('nav-verify', { back: true });
    await keys(KEY.Space);
    await s.waitFor('[data-testid="verify-input"]');
    if ((await s.findAll('[data-testid="verdict-row"]')).length > 0) {
      // Results of an earlier check are listed: Clear them (it hands the focus to the text box).
      await tabTo('verify-clear');
      await keys(KEY.Enter);
      await waitGone('[data-testid="verdict-row"]');
    }
    await tabTo('verify-input');
    await assertFocusVisible();
    await paste(`${refs.kb}\n${refs.plain}\n`);
    await s.waitFor('[data-testid="verify-found"]', (t) => /2 images found/.test(t));
    await keys([KEY.Control, KEY.Enter]);
    await s.waitFor('[data-testid="verify-summary"]', (t) => /^1 verified · 1 unsigned$/.test(t.trim()), 60_000);
    await s.waitFor('[data-testid="verdict-row"][data-status="verified"][data-reference*="a11y/kb"]');

    // The verified row's toggle: open it with Enter, read the signer, then the detail view.
    await tabTo('verdict-toggle', { row: 'a11y/kb' });
    await assertFocusVisible();
    await keys(KEY.Enter);
    const sig = await s.waitFor('[data-testid="verdict-signature"]');
    assert.match(await s.cmd('GET', `/element/${sig}/text`), /Keyboard Publisher/);
    await tabTo('verdict-inspect');
    await assertFocusVisible();
    await keys(KEY.Enter);
    const verdict = await s.waitFor('[data-testid="inspect-verdict"]');
    assert.match(await s.cmd('GET', `/element/${verdict}/text`), /verified/i);
    assert.match(await s.text('[data-testid="inspect-reference"]'), /a11y\/kb/);

    // And back to the results with the keyboard: the focus returns to the row it came from.
    await tabTo('inspect-back', { back: true });
    await keys(KEY.Enter);
    await s.waitFor('[data-testid="verify-summary"]');
    const [back, , , backRow] = (await focused()).split('|');
    assert.equal(back, 'verdict-toggle');
    assert.match(backRow, /a11y\/kb/);
  });
});
