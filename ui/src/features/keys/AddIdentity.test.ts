import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { IdentityInfo } from '../../ipc/types';
import { ipcError, mockBackend } from '../../test/ipc';
import AddIdentityPanel from './AddIdentityPanel.svelte';
import { githubWorkflowSubject, gitlabPipelineSubject } from './identityPresets';

const input = (testid: string): HTMLInputElement => screen.getByTestId(testid);

async function type(testid: string, value: string): Promise<void> {
  await fireEvent.input(input(testid), { target: { value } });
}

function identity(overrides: Partial<IdentityInfo> = {}): IdentityInfo {
  return {
    id: 'id:6ddca48ac17b',
    publisher: 'Acme Release',
    note: null,
    scopes: [],
    status: 'active',
    revoked_reason: null,
    revoked_at: null,
    added_at: '2026-11-30T01:00:00Z',
    expires_at: null,
    issuer: 'https://token.actions.githubusercontent.com',
    subject: { kind: 'glob', value: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*' },
    claims: { source_repository: 'https://github.com/acme/app' },
    state: { kind: 'active' },
    ...overrides,
  };
}

describe('identity presets', () => {
  it('build the subjects Fulcio writes', () => {
    expect(githubWorkflowSubject('acme/app', '.github/workflows/release.yml', 'refs/tags/*')).toBe(
      'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*',
    );
    expect(gitlabPipelineSubject('/acme/platform/app/', 'refs/heads/main')).toBe(
      'https://gitlab.com/acme/platform/app//.gitlab-ci.yml@refs/heads/main',
    );
  });
});

describe('AddIdentityPanel', () => {
  it('fills the fields from the GitHub Actions preset and sends them; shows the id returned', async () => {
    const calls = mockBackend((cmd, args) => {
      if (cmd === 'list_trust_root_names') return ['public-good', 'acme-private'];
      if (cmd === 'add_identity') return identity({ publisher: (args?.['args'] as { publisher: string }).publisher });
      return null;
    });
    const added: IdentityInfo[] = [];
    render(AddIdentityPanel, { onadded: (i: IdentityInfo) => void added.push(i) });

    expect(input('identity-issuer').value).toBe('https://token.actions.githubusercontent.com');
    expect(screen.getByTestId('identity-preset-explain').textContent).toContain('workflow of a GitHub repository');
    await type('identity-input-repository', 'acme/app');
    await type('identity-input-workflowFile', 'release.yml');
    expect(input('identity-subject').value).toBe(
      'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*',
    );
    expect(input('identity-source-repository').value).toBe('https://github.com/acme/app');
    // Every field says what it is for, read out with it.
    const hint = document.getElementById(input('identity-subject').getAttribute('aria-describedby') ?? '');
    expect(hint?.textContent).toContain('email or URI');
    await waitFor(() => expect(screen.getAllByRole('option').map((o) => o.textContent)).toContain('acme-private'));

    await type('identity-publisher', 'Acme Release');
    await fireEvent.submit(screen.getByTestId('add-identity-panel'));

    await waitFor(() => expect(screen.getByTestId('identity-added-id').textContent).toBe('id:6ddca48ac17b'));
    expect(calls.find((c) => c.cmd === 'add_identity')?.args).toEqual({
      args: {
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*',
        subject_kind: 'text',
        publisher: 'Acme Release',
        scopes: [],
        note: null,
        expires_at: null,
        source_repository: 'https://github.com/acme/app',
        source_ref: null,
        workflow: null,
        trigger: null,
        trusted_root: 'public-good',
      },
    });
    expect(added).toHaveLength(1);
  });

  it('switches presets: GitLab CI and account emails', async () => {
    mockBackend(() => null);
    render(AddIdentityPanel, { onadded: () => undefined });

    await fireEvent.click(screen.getByTestId('identity-preset-gitlab-ci'));
    expect(input('identity-issuer').value).toBe('https://gitlab.com');
    expect(screen.queryByTestId('identity-input-workflowFile')).toBeNull();
    await type('identity-input-repository', 'acme/app');
    await type('identity-input-ref', 'refs/heads/main');
    expect(input('identity-subject').value).toBe('https://gitlab.com/acme/app//.gitlab-ci.yml@refs/heads/main');

    await fireEvent.click(screen.getByTestId('identity-preset-google'));
    expect(input('identity-issuer').value).toBe('https://accounts.google.com');
    await type('identity-input-email', 'releases@acme.dev');
    expect(input('identity-subject').value).toBe('releases@acme.dev');
    expect(input('identity-source-repository').value).toBe('');

    await fireEvent.click(screen.getByTestId('identity-preset-github-account'));
    expect(input('identity-issuer').value).toBe('https://github.com/login/oauth');
    expect(input('identity-subject').value).toBe('releases@acme.dev');
  });

  it('shows a refused regular expression at the subject field, in the core’s words', async () => {
    mockBackend((cmd) =>
      cmd === 'add_identity'
        ? ipcError('bad_subject', 'the regular expression `https://github.com/(acme` does not compile: unclosed group')
        : null,
    );
    const added: IdentityInfo[] = [];
    render(AddIdentityPanel, { onadded: (i: IdentityInfo) => void added.push(i) });
    await type('identity-subject', 'https://github.com/(acme');
    await fireEvent.click(screen.getByTestId('identity-subject-regexp'));
    await fireEvent.submit(screen.getByTestId('add-identity-panel'));

    const error = await screen.findByTestId('identity-subject-error');
    expect(error.textContent).toContain('does not compile: unclosed group');
    expect(input('identity-subject').getAttribute('aria-invalid')).toBe('true');
    expect(input('identity-subject').getAttribute('aria-describedby')).toContain(error.id);
    expect(input('identity-issuer').getAttribute('aria-invalid')).toBe('false');
    expect(screen.queryByTestId('identity-added')).toBeNull();
    expect(added).toHaveLength(0);
  });

  it('shows an error that belongs to no field under the form', async () => {
    mockBackend((cmd) => (cmd === 'add_identity' ? ipcError('keychain_locked', 'The keychain is locked.') : null));
    render(AddIdentityPanel, { onadded: () => undefined });
    await fireEvent.submit(screen.getByTestId('add-identity-panel'));
    const panel = screen.getByTestId('add-identity-panel');
    expect((await within(panel).findByTestId('identity-add-error')).textContent).toContain('keychain is locked');
  });
});
