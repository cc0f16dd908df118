// The first screen's data, put in the page by the app before any script ran
// (src-tauri/src/boot.rs sets `window.__VOUCH_BOOT__`), so the Publishers view paints its lists
// (keys, keyless identities, the identity form's trusted roots) without a round trip to the core.
// Read once at start (main.ts); each part is handed out once, so a view opened later asks the
// core. Absent (a reload, the demo, tests): the window asks through IPC as usual.
import type { Boot, IdentityInfo, KeyInfo, Theme } from './types';

declare global {
  interface Window {
    __VOUCH_BOOT__?: Boot;
  }
}

const THEMES: readonly string[] = ['system', 'light', 'dark'];

let keys: KeyInfo[] | null = null;
let identities: IdentityInfo[] | null = null;
let trustRoots: string[] | null = null;
let theme: Theme | null = null;

/** `value` when it is a list whose items pass `ok`, else null. */
function listOf(value: unknown, ok: (item: unknown) => boolean): unknown[] | null {
  return Array.isArray(value) && value.every(ok) ? value : null;
}

const isObject = (item: unknown): boolean => typeof item === 'object' && item !== null;

/** Takes what the app put in the page (and removes it from `window`). */
export function readBoot(): void {
  const boot = window.__VOUCH_BOOT__;
  delete window.__VOUCH_BOOT__;
  // The app sends what the core answered; only the shape is checked here.
  keys = listOf(boot?.keys, isObject) as KeyInfo[] | null;
  identities = listOf(boot?.identities, isObject) as IdentityInfo[] | null;
  trustRoots = listOf(boot?.trust_roots, (item) => typeof item === 'string') as string[] | null;
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

/** The keyless identities the page came with, the first time only; null after that or when it had none. */
export function takeBootIdentities(): IdentityInfo[] | null {
  const i = identities;
  identities = null;
  return i;
}

/** The trusted roots' names the page came with, the first time only; null after that or when it had none. */
export function takeBootTrustRoots(): string[] | null {
  const r = trustRoots;
  trustRoots = null;
  return r;
}

/** The theme from the settings file, when the page came with it. */
export function bootTheme(): Theme | null {
  return theme;
}
