import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { doctorReport } from '../../test/fixtures';
import { deferred, ipcError, mockBackend } from '../../test/ipc';
import SettingsView from './SettingsView.svelte';

describe('SettingsView', () => {
  it('renders the doctor report', async () => {
    const calls = mockBackend((cmd) => (cmd === 'doctor' ? doctorReport : null));
    render(SettingsView);

    const report = await screen.findByTestId('doctor-report');
    expect(calls.map((c) => c.cmd).sort()).toEqual(['doctor', 'get_default_policy', 'get_settings', 'list_subscriptions']);

    const keychain = screen.getByTestId('doctor-keychain').textContent;
    expect(keychain).toMatch(/\breachable\b/);
    expect(keychain).not.toMatch(/unreachable/);
    // The element tests/e2e/window.test.mjs compares exactly.
    expect(document.querySelector('[data-testid="doctor-keychain"] .badge')?.textContent.trim()).toBe('reachable');
    expect(keychain).toContain('secret-service');
    expect(keychain).toContain('GNOME Keyring unlocked');
    expect(screen.getByTestId('doctor-profile').textContent).toContain('default');
    expect(screen.getByTestId('doctor-version').textContent).toContain('0.1.0');
    expect(report.textContent).toContain('/home/ada/.config/vouch/config.toml');

    const pullers = screen.getAllByTestId('doctor-puller');
    expect(pullers.map((p) => p.dataset['found'])).toEqual(['true', 'false']);
    expect(pullers[0]?.textContent).toContain('/usr/bin/docker');
    expect(pullers[1]?.textContent).toContain('not found');
    expect(screen.queryByTestId('error')).toBeNull();
  });

  it('says when the keychain is unreachable', async () => {
    mockBackend(() => ({
      ...doctorReport,
      keychain: { reachable: false, backend: 'secret-service', detail: 'no D-Bus session' },
    }));
    render(SettingsView);

    const keychain = await screen.findByTestId('doctor-keychain');
    expect(keychain.textContent).toContain('unreachable');
    expect(keychain.querySelector('.badge')?.textContent.trim()).toBe('unreachable');
    expect(keychain.textContent).toContain('secret-service');
    expect(keychain.textContent).toContain('no D-Bus session');
  });

  it('shows the message of an IPC error', async () => {
    mockBackend(() => ipcError('config', 'Config file is not valid TOML (line 3)'));
    render(SettingsView);

    const error = await screen.findByTestId('error');
    expect(error.textContent).toContain('Config file is not valid TOML (line 3)');
    expect(screen.queryByTestId('doctor-report')).toBeNull();
  });
});

describe('SettingsView: the default policy', () => {
  it('shows the default policy the core holds, changes it, and keeps what the core refused', async () => {
    let stored = { mode: 'warn', threshold: 2 };
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'doctor') return doctorReport;
      if (cmd === 'get_default_policy') return stored;
      if (cmd === 'set_default_policy') {
        if (Number(args?.['threshold']) > 3) return ipcError('bad_policy', 'bad policy: only 3 publishers are trusted');
        stored = { mode: String(args?.['mode']), threshold: Number(args?.['threshold']) };
        return stored;
      }
      return null;
    });
    render(SettingsView);

    const section = await screen.findByTestId('settings-default-policy');
    expect(section.textContent).toContain('every image no policy pattern covers');
    const row = await within(section).findByTestId('default-policy');
    expect(row.dataset['mode']).toBe('warn');
    expect(within(row).getByTestId<HTMLInputElement>('policy-threshold').value).toBe('2');

    await fireEvent.change(within(row).getByTestId('policy-mode'), { target: { value: 'enforce' } });
    await waitFor(() => {
      expect(within(section).getByTestId('default-policy').dataset['mode']).toBe('enforce');
    });
    await fireEvent.change(within(section).getByTestId('policy-threshold'), { target: { value: '3' } });
    await waitFor(() => {
      expect(stored).toEqual({ mode: 'enforce', threshold: 3 });
    });
    // Refused by the core: its sentence shows and the row shows what is stored.
    await fireEvent.change(within(section).getByTestId('policy-threshold'), { target: { value: '4' } });
    expect((await within(section).findByTestId('default-policy-error')).textContent).toContain('only 3 publishers are trusted');
    expect(within(section).getByTestId<HTMLInputElement>('policy-threshold').value).toBe('3');
    // Out of range never reaches the core.
    await fireEvent.change(within(section).getByTestId('policy-threshold'), { target: { value: '0' } });
    expect(within(section).getByTestId('default-policy-error').textContent).toContain('from 1 to 10');
    expect(within(section).getByTestId<HTMLInputElement>('policy-threshold').value).toBe('3');
    expect(calls.filter((c) => c.cmd === 'set_default_policy').map((c) => c.args)).toEqual([
      { mode: 'enforce', threshold: 2 },
      { mode: 'enforce', threshold: 3 },
      { mode: 'enforce', threshold: 4 },
    ]);
    expect(stored).toEqual({ mode: 'enforce', threshold: 3 });
  });
});

describe('SettingsView: registries and theme', () => {
  function backend(overrides: Partial<Record<string, (args: Record<string, unknown> | undefined) => unknown>> = {}) {
    return mockBackend((cmd, args) => {
      const custom = overrides[cmd];
      if (custom !== undefined) return custom(args);
      if (cmd === 'doctor') return doctorReport;
      // A searched registry the window does not edit yet: every save must keep it.
      if (cmd === 'get_settings')
        return { insecure_registries: ['registry.internal:5000'], theme: 'system', registries: [{ host: 'search.example:5000', insecure: false }] };
      if (cmd === 'save_settings') return args?.['settings'];
      return null;
    });
  }

  it('edits the insecure registries and saves them', async () => {
    const calls = backend();
    render(SettingsView);

    expect((await screen.findAllByTestId('settings-insecure-item')).map((i) => i.textContent.trim())).toEqual([
      'registry.internal:5000',
    ]);
    const save = screen.getByTestId<HTMLButtonElement>('settings-save');
    expect(save.disabled).toBe(true); // nothing changed yet

    await fireEvent.input(screen.getByTestId('settings-insecure-input'), { target: { value: ' http://lab.example:5000/ ' } });
    await fireEvent.click(screen.getByTestId('settings-insecure-add'));
    // Duplicates are refused with a sentence.
    await fireEvent.input(screen.getByTestId('settings-insecure-input'), { target: { value: 'lab.example:5000' } });
    await fireEvent.click(screen.getByTestId('settings-insecure-add'));
    expect(screen.getByRole('alert').textContent).toContain('already in the list');
    await fireEvent.click(screen.getAllByTestId('settings-insecure-remove')[0] as HTMLElement);
    expect(screen.getAllByTestId('settings-insecure-item').map((i) => i.textContent.trim())).toEqual(['lab.example:5000']);

    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => {
      expect(screen.getByTestId('settings-notice').textContent).toContain('Registries saved.');
    });
    expect(calls.filter((c) => c.cmd === 'save_settings').map((c) => c.args)).toEqual([
      { settings: { insecure_registries: ['lab.example:5000'], theme: 'system', registries: [{ host: 'search.example:5000', insecure: false }] } },
    ]);
    expect(screen.getByTestId<HTMLButtonElement>('settings-save').disabled).toBe(true);
    // Credentials are explained, never shown.
    expect(screen.getByTestId('settings-credentials').textContent).toContain('never shows or stores them');
    expect(screen.getByTestId('settings-profile').textContent).toContain('default');
  });

  it('edits the registries search uses: add with plain HTTP, a CA file from the native dialog, remove', async () => {
    let answer: unknown = { kind: 'chosen', path: '/home/ada/certs/lab-ca.pem', certificates: 1 };
    const calls = backend({ choose_ca_file: () => answer });
    render(SettingsView);

    const items = () => screen.getAllByTestId('settings-search-item').map((i) => i.dataset['host']);
    expect((await screen.findAllByTestId('settings-search-item')).map((i) => i.dataset['host'])).toEqual([
      'search.example:5000',
    ]);
    await fireEvent.input(screen.getByTestId('settings-search-input'), { target: { value: 'https://lab.example:5000/' } });
    await fireEvent.click(screen.getByTestId('settings-search-new-insecure'));
    await fireEvent.click(screen.getByTestId('settings-search-add'));
    expect(items()).toEqual(['search.example:5000', 'lab.example:5000']);
    // The same host twice is refused with a sentence.
    await fireEvent.input(screen.getByTestId('settings-search-input'), { target: { value: 'lab.example:5000' } });
    await fireEvent.click(screen.getByTestId('settings-search-add'));
    expect(screen.getByRole('alert').textContent).toContain('lab.example:5000 is already in the list.');

    // The CA file comes from the native dialog the core opens: the window names no path.
    const choose = screen.getAllByTestId('settings-search-ca-choose');
    await fireEvent.click(choose[1] as HTMLElement);
    await waitFor(() => {
      expect(screen.getByTestId('settings-search-ca').textContent).toContain('/home/ada/certs/lab-ca.pem');
    });
    expect(calls.filter((c) => c.cmd === 'choose_ca_file').map((c) => c.args)).toEqual([{}]);
    // Cancelling the dialog changes nothing; a file without a certificate is the core's sentence.
    answer = { kind: 'cancelled' };
    await fireEvent.click(screen.getAllByTestId('settings-search-ca-choose')[1] as HTMLElement);
    answer = ipcError('file', '/home/ada/key.pem holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)');
    await fireEvent.click(screen.getAllByTestId('settings-search-ca-choose')[0] as HTMLElement);
    expect((await screen.findByTestId('settings-search-ca-problem')).textContent).toContain('holds no PEM certificate');
    expect(screen.getAllByTestId('settings-search-ca')).toHaveLength(1);
    // Chosen, then dropped, then chosen again.
    await fireEvent.click(screen.getByTestId('settings-search-ca-clear'));
    expect(screen.queryByTestId('settings-search-ca')).toBeNull();
    answer = { kind: 'chosen', path: '/home/ada/certs/lab-ca.pem', certificates: 1 };
    await fireEvent.click(screen.getAllByTestId('settings-search-ca-choose')[1] as HTMLElement);
    await screen.findByTestId('settings-search-ca');

    await fireEvent.click(screen.getAllByTestId('settings-search-remove')[0] as HTMLElement);
    expect(items()).toEqual(['lab.example:5000']);
    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => {
      expect(screen.getByTestId('settings-notice').textContent).toContain('Registries saved.');
    });
    expect(calls.filter((c) => c.cmd === 'save_settings').map((c) => c.args)).toEqual([
      {
        settings: {
          insecure_registries: ['registry.internal:5000'],
          theme: 'system',
          registries: [{ host: 'lab.example:5000', insecure: true, ca_file: '/home/ada/certs/lab-ca.pem' }],
        },
      },
    ]);
    expect(screen.getByTestId<HTMLButtonElement>('settings-save').disabled).toBe(true);
  });

  it('offers the searched registries for editing only once the settings are read', async () => {
    const settings = deferred<unknown>();
    const calls = backend({ get_settings: () => settings.promise });
    render(SettingsView);
    await waitFor(() => {
      expect(calls.map((c) => c.cmd)).toContain('get_settings');
    });
    // An entry added now would be overwritten when the file's settings arrive.
    expect(screen.queryByTestId('settings-search-input')).toBeNull();
    settings.resolve({ insecure_registries: [], theme: 'system', registries: [{ host: 'search.example:5000', insecure: false }] });
    await fireEvent.input(await screen.findByTestId('settings-search-input'), { target: { value: 'lab.example:5000' } });
    await fireEvent.click(screen.getByTestId('settings-search-add'));
    expect(screen.getAllByTestId('settings-search-item').map((i) => i.dataset['host'])).toEqual([
      'search.example:5000',
      'lab.example:5000',
    ]);
  });

  it('shows the core’s sentence for a bad host', async () => {
    backend({
      save_settings: () =>
        ipcError('settings', '`bad host` is not a registry host: use host or host:port, e.g. registry.internal:5000'),
    });
    render(SettingsView);
    await screen.findAllByTestId('settings-insecure-item');
    await fireEvent.click(screen.getByTestId('settings-insecure-remove'));
    await fireEvent.click(screen.getByTestId('settings-save'));

    expect((await screen.findByTestId('settings-error')).textContent).toContain('is not a registry host');
    expect(screen.queryByTestId('settings-notice')).toBeNull();
  });

  it('applies the theme to the document at once and saves it', async () => {
    const calls = backend();
    render(SettingsView);
    await screen.findAllByTestId('settings-insecure-item');
    expect(document.documentElement.dataset['theme']).toBe('system');

    // An unsaved registry edit is not saved along with the theme.
    await fireEvent.input(screen.getByTestId('settings-insecure-input'), { target: { value: 'other:5000' } });
    await fireEvent.click(screen.getByTestId('settings-insecure-add'));

    await fireEvent.change(screen.getByTestId('settings-theme'), { target: { value: 'dark' } });
    expect(document.documentElement.dataset['theme']).toBe('dark');
    expect(localStorage.getItem('vouch.theme')).toBe('dark');
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === 'save_settings').map((c) => c.args)).toEqual([
        {
          settings: {
            insecure_registries: ['registry.internal:5000'],
            theme: 'dark',
            registries: [{ host: 'search.example:5000', insecure: false }],
          },
        },
      ]);
    });
    expect(screen.getAllByTestId('settings-insecure-item')).toHaveLength(2); // the edit is still there

    await fireEvent.change(screen.getByTestId('settings-theme'), { target: { value: 'light' } });
    expect(document.documentElement.dataset['theme']).toBe('light');
  });

  it('uses the theme from the settings file when it loads', async () => {
    backend({ get_settings: () => ({ insecure_registries: [], theme: 'dark', registries: [] }) });
    render(SettingsView);
    await waitFor(() => {
      expect(document.documentElement.dataset['theme']).toBe('dark');
    });
    expect(screen.getByTestId<HTMLSelectElement>('settings-theme').value).toBe('dark');
    expect(screen.getByTestId('settings-insecure-empty')).toBeTruthy();
  });
});
