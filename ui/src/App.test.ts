import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';
import { readBoot } from './ipc/boot';
import { doctorReport, key } from './test/fixtures';
import { mockBackend } from './test/ipc';

describe('App shell', () => {
  it('starts on Publishers and switches views from the sidebar', async () => {
    mockBackend((cmd) => (cmd === 'list_keys' ? [] : cmd === 'doctor' ? doctorReport : null));
    render(App);

    const keys = screen.getByTestId('nav-keys');
    const verify = screen.getByTestId('nav-verify');
    const settings = screen.getByTestId('nav-settings');
    expect(keys.getAttribute('aria-current')).toBe('page');
    expect(verify.hasAttribute('aria-current')).toBe(false);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Publishers');

    await fireEvent.click(settings);
    expect(settings.getAttribute('aria-current')).toBe('page');
    expect(keys.hasAttribute('aria-current')).toBe(false);
    expect(await screen.findByTestId('doctor-report')).toBeTruthy();

    await fireEvent.click(verify);
    expect(verify.getAttribute('aria-current')).toBe('page');
    expect(await screen.findByTestId('verify-input')).toBeTruthy();
  });

  it('applies the theme from the settings file at start', async () => {
    mockBackend((cmd) =>
      cmd === 'list_keys' ? [] : cmd === 'get_settings' ? { insecure_registries: [], theme: 'dark' } : null,
    );
    render(App);
    await waitFor(() => {
      expect(document.documentElement.dataset['theme']).toBe('dark');
    });
    expect(screen.getByTestId('nav-history')).toBeTruthy();
  });

  it('asks the core nothing at start when the page came with the first screen', async () => {
    const calls = mockBackend(() => null);
    window.__VOUCH_BOOT__ = {
      keys: [key({ publisher: 'Acme' })],
      identities: [],
      trust_roots: ['public-good', 'corp'],
      theme: 'light',
    };
    readBoot();
    render(App);

    expect(screen.getAllByTestId('key-row')).toHaveLength(1);
    expect(screen.getByTestId('identities-empty')).toBeTruthy();
    // The identity form comes after the first paint, with the roots the page came with.
    const root = await screen.findByTestId('identity-root');
    expect([...root.querySelectorAll('option')].map((o) => o.value)).toEqual(['public-good', 'corp']);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.map((c) => c.cmd)).toEqual([]);
  });

  it('asks the core for neither the keys nor the theme at start when the page came with them', async () => {
    const calls = mockBackend(() => null);
    window.__VOUCH_BOOT__ = { keys: [key({ publisher: 'Acme' })], theme: 'light' };
    readBoot();
    render(App);

    expect(screen.getAllByTestId('key-row')).toHaveLength(1);
    // The IPC the shell would send on mount (settings for the theme, the key list) stays unsent;
    // the keyless identities and the trusted-root names, not in this page's boot data, are asked.
    await screen.findByTestId('identity-root');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.map((c) => c.cmd).sort()).toEqual(['list_identities', 'list_trust_root_names']);
  });
});
