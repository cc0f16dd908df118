import type { Theme } from '../ipc/types';

const STORAGE_KEY = 'vouch.theme';
const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

/**
 * Applies a theme to the document at once: `<html data-theme>` is what tokens.css follows.
 * Remembered locally too, so the next start paints in the right theme before the core answers.
 */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // storage unavailable: the settings file still has it
  }
}

/** The theme used last time (before the settings file has been read), or `system`. */
export function rememberedTheme(): Theme {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isTheme(stored) ? stored : 'system';
  } catch {
    return 'system';
  }
}
