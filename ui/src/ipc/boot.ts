// The first screen's data, put in the page by the app before any script ran
// (src-tauri/src/boot.rs sets `window.__VOUCH_BOOT__`), so the Keys view paints its list without
// a round trip to the core. Read once at start (main.ts); the keys are handed out once, so a
// view opened later asks the core. Absent (a reload, the demo, tests): the window asks through
// IPC as usual.
import type { Boot, KeyInfo, Theme } from './types';

declare global {
  interface Window {
    __VOUCH_BOOT__?: Boot;
  }
}

const THEMES: readonly string[] = ['system', 'light', 'dark'];

let keys: KeyInfo[] | null = null;
let theme: Theme | null = null;

/** Takes what the app put in the page (and removes it from `window`). */
export function readBoot(): void {
  const boot = window.__VOUCH_BOOT__;
  delete window.__VOUCH_BOOT__;
  keys = Array.isArray(boot?.keys) ? boot.keys : null;
  theme = typeof boot?.theme === 'string' && THEMES.includes(boot.theme) ? boot.theme : null;
}

/** Whether the page came with the keys, not handed out yet. */
export function hasBootKeys(): boolean {
  return keys !== null;
}

/** The keys the page came with, the first time only; null after that or when it had none. */
export function takeBootKeys(): KeyInfo[] | null {
  const k = keys;
  keys = null;
  return k;
}

/** The theme from the settings file, when the page came with it. */
export function bootTheme(): Theme | null {
  return theme;
}
