import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { IdentityChange, ListDiff } from '../../ipc/types';
import ListDiffView from './ListDiffView.svelte';

const GITHUB = 'https://token.actions.githubusercontent.com';
const RELEASE = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const PIN = 'sha256:' + 'c0'.repeat(32);

function identity(overrides: Partial<IdentityChange> = {}): IdentityChange {
  return {
    id: 'id:0123456789ab',
    publisher: 'Acme CI',
    issuer: GITHUB,
    subject: RELEASE,
    subject_kind: 'exact',
    trusted_root: null,
    scopes: ['registry.example.com/acme/**'],
    detail: '',
    ...overrides,
  };
}

function diff(identities: Partial<ListDiff['identities']>): ListDiff {
  return {
    added: [],
    changed: [],
    revoked: [],
    removed: [],
    kept_local: [],
    identities: { added: [], changed: [], revoked: [], removed: [], kept_local: [], not_applied: [], ...identities },
  };
}

describe('ListDiffView', () => {
  it('lists added, changed and revoked identities next to keys, by publisher, subject and issuer', () => {
    render(ListDiffView, {
      diff: {
        ...diff({
          added: [identity()],
          changed: [identity({ id: 'id:111111111111', publisher: 'Beta', subject: 'ops@beta.example', detail: 'scopes [**] → [registry.example.com/beta/**]' })],
          revoked: [identity({ id: 'id:222222222222', publisher: 'Gamma', subject: 'https://github.com/gamma/*', subject_kind: 'glob', scopes: [], detail: 'revoked by the list' })],
        }),
        added: [{ fingerprint: 'sha256:' + 'ac'.repeat(32), publisher: 'Acme Key', scopes: [], detail: '' }],
      },
    });
    expect(screen.getAllByTestId('list-diff-change').map((c) => c.dataset['kind'])).toEqual(['added']);
    const rows = screen.getAllByTestId('list-diff-identity');
    expect(rows.map((r) => [r.dataset['kind'], r.dataset['id']])).toEqual([
      ['added', 'id:0123456789ab'],
      ['changed', 'id:111111111111'],
      ['revoked', 'id:222222222222'],
    ]);
    const [added, changed, revoked] = rows as [HTMLElement, HTMLElement, HTMLElement];
    expect(added.textContent).toContain('Acme CI');
    expect(added.textContent).toContain(RELEASE);
    expect(added.textContent).toContain(GITHUB);
    expect(added.textContent).toContain('registry.example.com/acme/**');
    expect(changed.textContent).toContain('ops@beta.example');
    expect(changed.textContent).toContain('→ [registry.example.com/beta/**]');
    expect(revoked.textContent).toContain('https://github.com/gamma/* (glob)');
    expect(revoked.textContent).toContain('every repository');
    expect(revoked.textContent).toContain('revoked by the list');
    const groups = screen.getAllByTestId('list-diff-identity-group');
    expect(groups.map((g) => g.dataset['kind'])).toEqual(['added', 'changed', 'revoked']);
    expect(groups[0]?.textContent).toContain('1 keyless identity');
  });

  it('says which identities were not applied and why', () => {
    const why = `identity Acme CI needs the trusted root \`corp\` (${PIN}), which this profile does not have`;
    render(ListDiffView, { diff: diff({ not_applied: [identity({ trusted_root: 'corp', detail: why })] }) });
    expect(screen.queryByTestId('list-diff-empty')).toBeNull();
    const group = screen.getByTestId('list-diff-identity-group');
    expect(group.dataset['kind']).toBe('not_applied');
    expect(group.textContent).toContain('not applied');
    const row = within(group).getByTestId('list-diff-identity');
    expect(row.textContent).toContain('root corp');
    expect(row.textContent).toContain(PIN);
  });

  it('says when nothing changes', () => {
    render(ListDiffView, { diff: diff({}) });
    expect(screen.getByTestId('list-diff-empty').textContent).toContain('No change');
  });
});
