import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { RegistryAccess } from '../../ipc/types';
import { ipcError, mockBackend } from '../../test/ipc';
import RegistryAccessCheck from './RegistryAccessCheck.svelte';

const results: RegistryAccess[] = [
  {
    host: 'ghcr.io',
    credentials: { file: '/home/ada/.docker/config.json', entry: { kind: 'cred_helper', helper: 'docker-credential-pass' } },
    connection: { ok: true, detail: 'ok' },
  },
  {
    host: 'registry.internal:5000',
    credentials: { file: '/run/user/1000/containers/auth.json', entry: { kind: 'auths', key: 'registry.internal:5000' } },
    connection: {
      ok: false,
      detail: 'the registry registry.internal:5000 refused the credentials from … (HTTP 401): incorrect username or password',
    },
  },
  { host: 'quay.io', credentials: null, connection: { ok: true, detail: 'ok' } },
];

describe('RegistryAccessCheck', () => {
  it('tests the connections only when asked, and shows where credentials come from', async () => {
    const calls = mockBackend((cmd) => (cmd === 'check_registry_access' ? results : null));
    render(RegistryAccessCheck);
    expect(calls).toEqual([]);

    await fireEvent.click(screen.getByTestId('registry-access-check'));
    const items = await screen.findAllByTestId('registry-access-item');
    expect(calls.map((c) => c.cmd)).toEqual(['check_registry_access']);
    expect(items.map((i) => i.dataset['ok'])).toEqual(['true', 'false', 'true']);
    const sources = screen.getAllByTestId('registry-access-source').map((s) => s.textContent);
    expect(sources[0]).toContain('docker-credential-pass (credHelpers in /home/ada/.docker/config.json)');
    expect(sources[1]).toContain('the “registry.internal:5000” entry of /run/user/1000/containers/auth.json');
    expect(sources[2]).toContain('none found (anonymous)');
    expect(screen.getByTestId('registry-access-detail').textContent).toContain('incorrect username or password');
  });

  it('says when no registry is configured', async () => {
    mockBackend(() => []);
    render(RegistryAccessCheck);
    await fireEvent.click(screen.getByTestId('registry-access-check'));
    expect((await screen.findByTestId('registry-access-empty')).textContent).toContain('No registry');
  });

  it('shows the message of an IPC error', async () => {
    mockBackend(() => ipcError('settings', 'the settings file is not valid'));
    render(RegistryAccessCheck);
    await fireEvent.click(screen.getByTestId('registry-access-check'));
    expect((await screen.findByTestId('registry-access-error')).textContent).toContain('the settings file is not valid');
  });
});
