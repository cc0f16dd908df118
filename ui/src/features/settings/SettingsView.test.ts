import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { doctorReport } from '../../test/fixtures';
import { ipcError, mockBackend } from '../../test/ipc';
import SettingsView from './SettingsView.svelte';

describe('SettingsView', () => {
  it('renders the doctor report', async () => {
    const calls = mockBackend((cmd) => (cmd === 'doctor' ? doctorReport : null));
    render(SettingsView);

    const report = await screen.findByTestId('doctor-report');
    expect(calls.map((c) => c.cmd)).toEqual(['doctor']);

    const keychain = screen.getByTestId('doctor-keychain').textContent;
    expect(keychain).toMatch(/\breachable\b/);
    expect(keychain).not.toMatch(/unreachable/);
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
