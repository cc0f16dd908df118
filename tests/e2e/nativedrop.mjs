// A real native drag and drop onto the Vouch window under Xvfb: a GTK3 drag source
// (dragsource.py) offers files or text, and xdotool drags it from the bottom-right corner of the
// screen to a point on the window (WebDriver's actions cannot produce native drops in WebKitGTK).
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Drags what `sourceArgs` offers (file paths, or `['--text', TEXT]`) onto the screen point
 * `to` ({x, y}; default the middle of the window).
 */
export async function nativeDrop(sourceArgs, to = { x: 600, y: 400 }) {
  const src = spawn('/usr/bin/python3', [path.join(here, 'dragsource.py'), '1160', '800', ...sourceArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    src.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    src.on('exit', (code) => reject(new Error(`drag source exited early (${code})`)));
  });
  await sleep(500);
  const xdo = (...a) => execFileSync('xdotool', a.map(String));
  xdo('mousemove', 1200, 830);
  xdo('mousedown', 1);
  const path_ = [[1190, 820], [1150, 780], [900, 600], [to.x + 20, to.y + 20], [to.x, to.y]];
  for (const [x, y] of path_) {
    xdo('mousemove', x, y);
    await sleep(150);
  }
  await sleep(400);
  xdo('mouseup', 1);
  await new Promise((resolve) => {
    const t = setTimeout(() => {
      src.kill();
      resolve();
    }, 5000);
    src.on('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
