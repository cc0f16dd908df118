// A small W3C WebDriver client for driving the real Vouch window through WebKitWebDriver.
// No library: the protocol is JSON over HTTP.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function requireEnv(name) {
  const v = process.env[name];
  if (!v) {
    if (process.env.VOUCH_HARNESS === '1') throw new Error(`${name} is not set; the harness must provide it`);
    return null;
  }
  return v;
}

/**
 * Calls `probe` until it returns something other than undefined (and returns that), at most
 * `timeoutMs`; the error names `what` and the last thing seen (`probe` may set `seen.last`).
 */
export async function poll(what, probe, timeoutMs = 60_000) {
  const seen = { last: undefined };
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const v = await probe(seen);
      if (v !== undefined) return v;
    } catch (e) {
      seen.last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(seen.last)}`);
}

export class Session {
  static async start(appBinary) {
    const port = await freePort();
    // The driver (and the app it starts, which inherits its output) write to a file, not to
    // pipes: a pipe held open by a lingering app would keep this test process alive.
    const logFile = path.join(tmpdir(), `vouch-webdriver-${process.pid}-${port}.log`);
    const fd = openSync(logFile, 'w');
    const driver = spawn('WebKitWebDriver', [`--port=${port}`], {
      env: { ...process.env, TAURI_WEBVIEW_AUTOMATION: 'true' },
      stdio: ['ignore', fd, fd],
    });
    const log = () => {
      try {
        return readFileSync(logFile, 'utf8').slice(-4000);
      } catch {
        return '';
      }
    };
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try {
        const r = await fetch(`${base}/status`);
        if (r.ok) break;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = new Session(base, driver, log);
    s.appBinary = appBinary;
    const res = await s.request('POST', '/session', {
      capabilities: {
        alwaysMatch: { 'webkitgtk:browserOptions': { binary: appBinary, args: [] } },
      },
    });
    s.id = res.sessionId;
    return s;
  }

  constructor(base, driver, log) {
    this.base = base;
    this.driver = driver;
    this.log = log;
    this.id = null;
  }

  async request(method, url, body) {
    const r = await fetch(this.base + url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const json = await r.json();
    if (!r.ok) {
      throw new Error(`WebDriver ${method} ${url}: ${json.value?.error}: ${json.value?.message}\n${this.log()}`);
    }
    return json.value;
  }

  cmd(method, url, body) {
    return this.request(method, `/session/${this.id}${url}`, body);
  }

  title() {
    return this.cmd('GET', '/title');
  }

  async find(css) {
    const el = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return el[ELEMENT];
  }

  async findAll(css) {
    const els = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return els.map((e) => e[ELEMENT]);
  }

  async click(css) {
    const id = await this.waitFor(css);
    await this.cmd('POST', `/element/${id}/click`, {});
  }

  /**
   * Clicks `css` once it has stopped moving: on a view whose panels load one by one, the element
   * can shift between WebDriver scrolling it into view and clicking, and the click lands elsewhere.
   */
  async clickStill(css, timeoutMs = 20_000) {
    const id = await this.waitFor(css);
    const end = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const rect = JSON.stringify(
        await this.execute('arguments[0].scrollIntoView({ block: "center" }); return arguments[0].getBoundingClientRect();', {
          [ELEMENT]: id,
        }),
      );
      if (rect === last) break;
      if (Date.now() > end) throw new Error(`${css} kept moving for ${timeoutMs} ms (last at ${rect})`);
      last = rect;
      await new Promise((r) => setTimeout(r, 300));
    }
    await this.cmd('POST', `/element/${id}/click`, {});
  }

  async type(css, text) {
    const id = await this.waitFor(css);
    await this.cmd('POST', `/element/${id}/clear`, {});
    await this.cmd('POST', `/element/${id}/value`, { text });
  }

  async text(css) {
    const id = await this.waitFor(css);
    return this.cmd('GET', `/element/${id}/text`);
  }

  async attr(id, name) {
    return this.cmd('GET', `/element/${id}/attribute/${name}`);
  }

  /** The first element matching `css` inside element `id`. */
  async within(id, css) {
    const el = await this.cmd('POST', `/element/${id}/element`, { using: 'css selector', value: css });
    return el[ELEMENT];
  }

  /** Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value. */
  execute(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /**
   * Waits until no CSS transition or animation runs (a colour caught halfway between two themes
   * is neither of them).
   */
  settled() {
    return this.cmd('POST', '/execute/async', {
      script: `const done = arguments[arguments.length - 1];
        requestAnimationFrame(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))).then(() => done(true)));`,
      args: [],
    });
  }

  /** Resizes the window (the harness display is 1280×900). */
  setWindowSize(width, height) {
    return this.cmd('POST', '/window/rect', { width, height });
  }

  /** Waits until `css` exists (and, with `pred`, until pred(text) holds); returns its id. */
  async waitFor(css, pred, timeoutMs = 20_000) {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      try {
        const id = await this.find(css);
        if (!pred) return id;
        last = await this.cmd('GET', `/element/${id}/text`);
        if (pred(last)) return id;
      } catch {
        /* not there yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${css}${pred ? ` (last text: ${JSON.stringify(last)})` : ''}`);
  }

  /** Runs `fn`; if it throws, saves `failure-NAME.png` and names it in the error. */
  async shotOnFailure(name, fn) {
    try {
      await fn();
    } catch (e) {
      const file = await this.screenshot(`failure-${name}`).catch(() => 'none');
      e.message += `\n(screenshot: ${file})`;
      throw e;
    }
  }

  /** Saves a screenshot of the window into the artifacts folder. */
  async screenshot(name) {
    const dir = process.env.VOUCH_TEST_ARTIFACTS ?? 'tests/artifacts';
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.png`);
    try {
      const b64 = await this.cmd('GET', '/screenshot');
      writeFileSync(file, Buffer.from(b64, 'base64'));
    } catch {
      // Fall back to the whole X display.
      execFileSync('import', ['-window', 'root', file]);
    }
    return file;
  }

  /** Saves a screenshot as DIR/NAME.png (for docs/screenshots). */
  async screenshotTo(dir, name) {
    mkdirSync(dir, { recursive: true });
    const b64 = await this.cmd('GET', '/screenshot');
    const file = path.join(dir, `${name}.png`);
    writeFileSync(file, Buffer.from(b64, 'base64'));
    return file;
  }

  async stop() {
    try {
      if (this.id) {
        await Promise.race([
          this.request('DELETE', `/session/${this.id}`),
          new Promise((r) => setTimeout(r, 10_000)),
        ]);
      }
    } catch {
      /* the driver is killed below either way */
    } finally {
      this.driver.kill('SIGKILL');
      // Make sure the app itself is gone too (it runs in the harness's private session).
      try {
        execFileSync('pkill', ['-KILL', '-f', `^${this.appBinary}`]);
      } catch {
        /* nothing left to kill */
      }
    }
  }
}
