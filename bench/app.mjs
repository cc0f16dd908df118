// App row of `make bench`: Vouch's window against a minimal Tauri 2 window built the same way
// (bench/minimal-window: same Tauri, features, release profile, window size), measured in the
// same run through WebKitWebDriver, runs interleaved so both see the same background load.
//
//   node bench/app.mjs VOUCH_APP MINIMAL_APP OUT.json [RUNS]
//
// Start to interactive: from the WebDriver "new session" request (which starts the binary)
// until the first screen is painted (the page's first-contentful-paint entry exists) and usable —
// for Vouch the Keys view showing the trusted keys read from the keychain (handed to the page by
// the window's initialization script, or through the IPC bridge when the keychain is slower)
// (`[data-testid="key-row"]`), for the minimal window its static page (`[data-testid="ready"]`).
// Polled every 5 ms from inside the page. Requiring the paint matters: a cold web process spends
// a few hundred ms on its first style/layout/paint (font set-up), which a check of the DOM alone
// would not see for a static page.
// Idle memory: 5 s after interactive, the sum over the app's process tree (the app and the
// WebKit web and network processes) of RSS and of PSS (shared pages split between processes).
// Run inside tests/harness/with-env.sh (Xvfb, private D-Bus, keychain).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../tests/e2e/webdriver.mjs';

const [vouchApp, minimalApp, outFile, runsArg] = process.argv.slice(2);
if (!vouchApp || !minimalApp || !outFile) {
  console.error('usage: node bench/app.mjs VOUCH_APP MINIMAL_APP OUT.json [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const IDLE_MS = 5000;
const READY_TIMEOUT_MS = 60_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function request(base, method, url, body) {
  const r = await fetch(base + url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = await r.json();
  if (!r.ok) throw new Error(`WebDriver ${method} ${url}: ${json.value?.error}: ${json.value?.message}`);
  return json.value;
}

function children(pid) {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

function tree(pid) {
  const out = [pid];
  for (const c of children(pid)) out.push(...tree(c));
  return out;
}

function kib(file, field) {
  try {
    const m = readFileSync(file, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

async function measure(binary, readySelector) {
  const port = await freePort();
  const logFile = path.join(tmpdir(), `vouch-bench-app-${process.pid}-${port}.log`);
  const fd = openSync(logFile, 'w');
  const driver = spawn('WebKitWebDriver', [`--port=${port}`], {
    env: { ...process.env, TAURI_WEBVIEW_AUTOMATION: 'true', NO_AT_BRIDGE: '1' },
    stdio: ['ignore', fd, fd],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${base}/status`)).ok) break;
      } catch {
        /* not up yet */
      }
      await sleep(50);
    }
    const t0 = performance.now();
    const session = await request(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary, args: [] } } },
    });
    const id = session.sessionId;
    const tSession = performance.now() - t0;
    // Milestones, first time seen (ms since the session request): the page's first paint of
    // any element, and the ready selector; plus, from inside the page at ready time, how long
    // since its navigation started (the rest is process start and webview creation).
    let ready = null;
    let firstElementMs = null;
    while (!ready) {
      if (performance.now() - t0 > READY_TIMEOUT_MS) {
        throw new Error(`${binary}: ${readySelector} did not appear within ${READY_TIMEOUT_MS / 1000} s`);
      }
      try {
        const seen = await request(base, 'POST', `/session/${id}/execute/sync`, {
          script:
            'const body = document.body && document.body.querySelector("*:not(script)") !== null;' +
            'const painted = performance.getEntriesByType("paint").some((e) => e.name === "first-contentful-paint");' +
            'const ready = painted && document.querySelector(arguments[0]) !== null;' +
            'const nav = performance.getEntriesByType("navigation")[0];' +
            'const marks = Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]));' +
            'return { body, ready, marks, sincePageStart: performance.now(),' +
            ' domContentLoaded: nav ? nav.domContentLoadedEventEnd : null };',
          args: [readySelector],
        });
        if (seen.body && firstElementMs === null) firstElementMs = performance.now() - t0;
        if (seen.ready) ready = seen;
      } catch {
        /* page still loading */
      }
      if (!ready) await sleep(5);
    }
    const interactiveMs = performance.now() - t0;
    await sleep(IDLE_MS);
    const app = children(driver.pid).find((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(binary);
      } catch {
        return false;
      }
    });
    if (!app) throw new Error(`${binary}: the app process was not found under the driver`);
    const pids = tree(app);
    const processes = pids.map((p) => ({
      name: comm(p),
      rssKiB: kib(`/proc/${p}/status`, 'VmRSS'),
      pssKiB: kib(`/proc/${p}/smaps_rollup`, 'Pss'),
    }));
    await Promise.race([request(base, 'DELETE', `/session/${id}`).catch(() => {}), sleep(10_000)]);
    return {
      interactiveMs,
      sessionMs: tSession,
      firstElementMs,
      pageStartToReadyMs: ready.sincePageStart,
      domContentLoadedMs: ready.domContentLoaded,
      marks: ready.marks,
      rssKiB: processes.reduce((a, p) => a + p.rssKiB, 0),
      pssKiB: processes.reduce((a, p) => a + p.pssKiB, 0),
      processes,
    };
  } finally {
    driver.kill('SIGKILL');
    for (const b of [binary]) {
      try {
        execFileSync('pkill', ['-KILL', '-f', `^${b}`]);
      } catch {
        /* gone */
      }
    }
    await sleep(300);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = { vouch: [], minimal: [] };
// One warm-up of each (page cache, font cache), not counted.
await measure(minimalApp, '[data-testid="ready"]');
await measure(vouchApp, '[data-testid="key-row"]');
for (let i = 0; i < runs; i++) {
  results.minimal.push(await measure(minimalApp, '[data-testid="ready"]'));
  results.vouch.push(await measure(vouchApp, '[data-testid="key-row"]'));
  console.error(
    `bench app: run ${i + 1}/${runs}: minimal ${results.minimal.at(-1).interactiveMs.toFixed(0)} ms, ` +
      `vouch ${results.vouch.at(-1).interactiveMs.toFixed(0)} ms`,
  );
}
const summary = {};
for (const [name, rs] of Object.entries(results)) {
  summary[name] = {
    interactiveMs: { median: median(rs.map((r) => r.interactiveMs)), min: Math.min(...rs.map((r) => r.interactiveMs)), max: Math.max(...rs.map((r) => r.interactiveMs)) },
    rssKiB: { median: median(rs.map((r) => r.rssKiB)), min: Math.min(...rs.map((r) => r.rssKiB)), max: Math.max(...rs.map((r) => r.rssKiB)) },
    pssKiB: { median: median(rs.map((r) => r.pssKiB)), min: Math.min(...rs.map((r) => r.pssKiB)), max: Math.max(...rs.map((r) => r.pssKiB)) },
    processes: rs.at(-1).processes,
  };
}
summary.runs = runs;
summary.idleMs = IDLE_MS;
summary.raw = results;
writeFileSync(outFile, JSON.stringify(summary, null, 2));
console.error(`bench app: wrote ${outFile}`);
