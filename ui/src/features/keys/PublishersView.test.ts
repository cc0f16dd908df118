import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { IdentityInfo } from '../../ipc/types';
import { keys } from '../../test/fixtures';
import { mockBackend } from '../../test/ipc';
import KeysView from './KeysView.svelte';

const workflow: IdentityInfo = {
  id: 'id:6ddca48ac17b',
  publisher: 'Acme Release Workflow',
  note: 'tags only',
  scopes: ['ghcr.io/acme/**'],
  status: 'active',
  revoked_reason: null,
  revoked_at: null,
  added_at: '2026-11-30T01:00:00Z',
  expires_at: '2027-06-30T00:00:00Z',
  issuer: 'https://token.actions.githubusercontent.com',
  subject: { kind: 'glob', value: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*' },
  claims: { source_repository: 'https://github.com/acme/app', trigger: 'push' },
  trusted_root: null,
  state: { kind: 'active' },
};

describe('Publishers view', () => {
  it('lists keys and identities side by side: publisher, identity, scopes, state, expiry', async () => {
    mockBackend((cmd) => (cmd === 'list_keys' ? keys : cmd === 'list_identities' ? [workflow] : null));
    render(KeysView);

    const row = await screen.findByTestId('identity-row');
    expect(screen.getAllByTestId('key-row')).toHaveLength(keys.length);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Publishers');
    expect(row.dataset['id']).toBe(workflow.id);
    expect(row.textContent).toContain('Acme Release Workflow');
    expect(within(row).getByTestId('identity-subject-cell').textContent).toBe(workflow.subject.value);
    expect(within(row).getByTestId('identity-issuer-cell').textContent).toContain('issued by https://token.actions.githubusercontent.com; 2 more claims');
    expect(within(row).getByTestId('identity-scopes').textContent).toContain('ghcr.io/acme/**');
    expect(within(row).getByTestId('key-status').textContent.trim()).toBe('active');
    expect(within(row).getByTestId('identity-expires').textContent.trim()).toBe('2027-06-30');
    expect(screen.getByTestId('keys-tab-keys').textContent).toContain(String(keys.length + 1));
    expect(within(row).queryByTestId('identity-source')).toBeNull();
  });

  it('marks an identity trusted through a team list with the list', async () => {
    const list = 'registry.example.com/team/trust:prod';
    mockBackend((cmd) => (cmd === 'list_keys' ? [] : cmd === 'list_identities' ? [{ ...workflow, source: list }] : null));
    render(KeysView);
    const row = await screen.findByTestId('identity-row');
    expect(within(row).getByTestId('identity-source').textContent).toBe(`from the team list ${list}`);
  });

  it("opens an identity's detail with its claims and root, and revokes it from there", async () => {
    let stored = [workflow];
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'list_identities') return stored;
      if (cmd === 'revoke_identity') {
        const revoked: IdentityInfo = {
          ...workflow,
          status: 'revoked',
          revoked_reason: String(args?.['reason']),
          revoked_at: '2026-11-30T02:00:00Z',
          state: { kind: 'revoked' },
        };
        stored = [revoked];
        return revoked;
      }
      return cmd === 'list_keys' ? [] : null;
    });
    render(KeysView);
    await fireEvent.click(await screen.findByTestId('identity-open'));
    const detail = await screen.findByTestId('identity-detail');
    expect(within(detail).getByTestId('identity-detail-id').textContent).toBe(workflow.id);
    expect(detail.textContent).toContain('Source repository');
    expect(detail.textContent).toContain('https://github.com/acme/app');
    expect(detail.textContent).toContain('Trigger');
    expect(within(detail).getByTestId('identity-detail-root').textContent).toBe('public-good');

    await fireEvent.click(within(detail).getByTestId('identity-detail-revoke'));
    const dialog = await screen.findByTestId('revoke-dialog');
    expect(dialog.textContent).toContain('Revoke identity');
    expect(dialog.textContent).toContain(workflow.id);
    await fireEvent.input(within(dialog).getByTestId('revoke-reason'), { target: { value: 'workflow compromised' } });
    await fireEvent.click(within(dialog).getByTestId('revoke-confirm'));

    await waitFor(() => expect(screen.queryByTestId('revoke-dialog')).toBeNull());
    expect(calls.find((c) => c.cmd === 'revoke_identity')?.args).toEqual({ id: workflow.id, reason: 'workflow compromised' });
    const row = await screen.findByTestId('identity-row');
    await waitFor(() => expect(within(row).getByTestId('key-status').dataset['state']).toBe('revoked'));
    expect(within(row).queryByTestId('identity-revoke')).toBeNull();
  });

  it('removes an identity through the shared Remove dialog', async () => {
    let stored = [workflow];
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_identities') return stored;
      if (cmd === 'remove_identity') {
        stored = [];
        return null;
      }
      return cmd === 'list_keys' ? keys : null;
    });
    render(KeysView);
    await fireEvent.click(within(await screen.findByTestId('identity-row')).getByTestId('identity-remove'));
    const dialog = await screen.findByTestId('remove-dialog');
    expect(within(dialog).getByTestId('remove-summary').textContent).toContain('identity of Acme Release Workflow');
    await fireEvent.click(within(dialog).getByTestId('remove-confirm'));
    await screen.findByTestId('identities-empty');
    expect(calls.find((c) => c.cmd === 'remove_identity')?.args).toEqual({ id: workflow.id });
  });
});
