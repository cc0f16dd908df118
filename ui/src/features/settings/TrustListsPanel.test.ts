import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { KeyChoice, ListDiff, SubscriptionInfo, SyncCheck } from '../../ipc/types';
import { key } from '../../test/fixtures';
import { mockBackend } from '../../test/ipc';
import TrustListsPanel from './TrustListsPanel.svelte';

const REF = 'registry.example.com/team/trust:prod';
const ADMIN = 'sha256:' + 'ad'.repeat(32);
const ACME = 'sha256:' + 'ac'.repeat(32);
const OLD = 'sha256:' + '0d'.repeat(32);

function sub(overrides: Partial<SubscriptionInfo> = {}): SubscriptionInfo {
  return {
    reference: REF,
    signers: [ADMIN],
    threshold: 1,
    version: 1,
    expires_at: '2099-01-01T00:00:00Z',
    last_sync: '2026-03-01T10:00:00Z',
    stale: false,
    last_problem: null,
    ...overrides,
  };
}

const diff: ListDiff = {
  added: [{ fingerprint: ACME, publisher: 'Acme Release', scopes: ['registry.example.com/acme/**'], detail: '' }],
  changed: [],
  revoked: [{ fingerprint: OLD, publisher: 'Old Builder', scopes: [], detail: 'revoked by the list: key leaked' }],
  removed: [],
  kept_local: [],
  identities: { added: [], changed: [], revoked: [], removed: [], kept_local: [], not_applied: [] },
};

const plan: SyncCheck = {
  kind: 'plan',
  digest: 'sha256:plan-two',
  plan: {
    reference: REF,
    version: 2,
    previous_version: 1,
    expires_at: '2099-01-01T00:00:00Z',
    signatures: 1,
    threshold: 1,
    up_to_date: false,
    diff,
  },
};

describe('TrustListsPanel', () => {
  it('shows each subscription, a stale one clearly, and the last problem', async () => {
    mockBackend((cmd) =>
      cmd === 'list_subscriptions'
        ? [
            sub(),
            sub({
              reference: 'registry.example.com/ops/trust:prod',
              version: 4,
              expires_at: '2026-01-01T00:00:00Z',
              stale: true,
              last_problem: {
                at: '2026-02-01T00:00:00Z',
                code: 'expired',
                problem: 'the trust list at registry.example.com/ops/trust:prod (version 5) expired at 2026-01-31T00:00:00Z',
              },
            }),
          ]
        : null,
    );
    render(TrustListsPanel);
    const items = await screen.findAllByTestId('trust-list-item');
    expect(items.map((i) => i.dataset['stale'])).toEqual(['false', 'true']);
    const [fresh, stale] = items as [HTMLElement, HTMLElement];
    expect(within(fresh).queryByTestId('trust-list-stale')).toBeNull();
    expect(within(fresh).getByTestId('trust-list-version').textContent).toContain('version 1');
    expect(within(fresh).getByTestId('trust-list-signers').textContent).toContain('1 of 1 admin must sign');
    expect(within(fresh).getByTestId('trust-list-signers').textContent).toContain('adadadadadad');
    expect(within(stale).getByTestId('trust-list-stale').textContent).toContain('stale');
    expect(within(stale).getByTestId('trust-list-expiry').textContent).toContain('this list is stale');
    expect(within(stale).getByTestId('trust-list-problem').textContent).toContain('(version 5) expired');
  });

  it('shows the diff of a new version and applies exactly that plan only when asked', async () => {
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_subscriptions') return [sub()];
      if (cmd === 'plan_sync') return plan;
      if (cmd === 'apply_sync') return diff;
      return null;
    });
    render(TrustListsPanel);
    await fireEvent.click(await screen.findByTestId('trust-list-check'));
    const shown = await screen.findByTestId('trust-list-plan');
    expect(shown.textContent).toContain('Version 2 (version 1 applied now)');
    const changes = within(shown).getAllByTestId('list-diff-change');
    expect(changes.map((c) => [c.dataset['kind'], c.dataset['fingerprint']])).toEqual([
      ['added', ACME],
      ['revoked', OLD],
    ]);
    expect(changes[0]?.textContent).toContain('Acme Release');
    expect(changes[0]?.textContent).toContain('acacacacacac');
    expect(changes[0]?.textContent).toContain('registry.example.com/acme/**');
    expect(changes[1]?.textContent).toContain('Old Builder');
    expect(changes[1]?.textContent).toContain('every repository');
    expect(changes[1]?.textContent).toContain('key leaked');
    const groups = within(shown).getAllByTestId('list-diff-group');
    expect(groups.map((g) => g.textContent)).toEqual([
      expect.stringContaining('added'),
      expect.stringContaining('revoked'),
    ]);
    expect(calls.map((c) => c.cmd)).not.toContain('apply_sync');

    await fireEvent.click(within(shown).getByTestId('trust-list-apply'));
    const applied = await screen.findByTestId('trust-list-applied');
    expect(applied.textContent).toContain('Version 2 applied');
    const apply = calls.filter((c) => c.cmd === 'apply_sync');
    expect(apply).toEqual([{ cmd: 'apply_sync', args: { reference: REF, digest: 'sha256:plan-two' } }]);
  });

  it('"Not now" leaves the list unapplied', async () => {
    const calls = mockBackend((cmd) => (cmd === 'list_subscriptions' ? [sub()] : cmd === 'plan_sync' ? plan : null));
    render(TrustListsPanel);
    await fireEvent.click(await screen.findByTestId('trust-list-check'));
    await fireEvent.click(await screen.findByTestId('trust-list-not-now'));
    expect(screen.queryByTestId('trust-list-plan')).toBeNull();
    expect(calls.map((c) => c.cmd)).not.toContain('apply_sync');
  });

  it('shows a refusal sentence and offers nothing to apply', async () => {
    const refused: SyncCheck = {
      kind: 'refused',
      code: 'rollback',
      problem: `the trust list at ${REF} is version 1, older than version 2 already applied: a rollback, refused`,
    };
    const calls = mockBackend((cmd) =>
      cmd === 'list_subscriptions' ? [sub({ version: 2 })] : cmd === 'plan_sync' ? refused : null,
    );
    render(TrustListsPanel);
    await fireEvent.click(await screen.findByTestId('trust-list-check'));
    const alert = await screen.findByTestId('trust-list-refused');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('nothing was applied');
    expect(alert.textContent).toContain('a rollback, refused');
    expect(screen.queryByTestId('trust-list-apply')).toBeNull();
    expect(calls.map((c) => c.cmd)).not.toContain('apply_sync');
  });

  it('says when a list is up to date', async () => {
    const same: SyncCheck = {
      kind: 'plan',
      digest: 'd',
      plan: { ...plan.plan, version: 1, previous_version: 1, up_to_date: true, diff: { ...diff, added: [], revoked: [] } },
    };
    mockBackend((cmd) => (cmd === 'list_subscriptions' ? [sub()] : cmd === 'plan_sync' ? same : null));
    render(TrustListsPanel);
    await fireEvent.click(await screen.findByTestId('trust-list-check'));
    expect((await screen.findByTestId('trust-list-up-to-date')).textContent).toContain('version 1 is applied');
    expect(screen.queryByTestId('trust-list-apply')).toBeNull();
  });

  it('subscribes with trusted keys and key files picked in the dialog, never a typed path', async () => {
    const admin = key({ fingerprint: ADMIN, publisher: 'Team Admin' });
    const fromFile: KeyChoice = {
      kind: 'key',
      path: '/home/ada/admin2.pub',
      fingerprint: 'sha256:' + 'be'.repeat(32),
      algorithm: 'ed25519',
      pem: '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n',
    };
    let subscribed = false;
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_subscriptions') return subscribed ? [sub({ version: null, expires_at: null, last_sync: null })] : [];
      if (cmd === 'list_keys') return [admin];
      if (cmd === 'import_key_from_file') return fromFile;
      if (cmd === 'subscribe') {
        subscribed = true;
        return sub();
      }
      return null;
    });
    render(TrustListsPanel);
    expect((await screen.findByTestId('trust-lists-empty')).textContent).toContain('No subscriptions');
    await fireEvent.click(screen.getByTestId('trust-list-subscribe-open'));
    await fireEvent.input(screen.getByLabelText('List reference'), { target: { value: ` ${REF} ` } });
    await fireEvent.click(await screen.findByRole('checkbox', { name: /Team Admin/ }));
    await fireEvent.click(screen.getByTestId('trust-list-signer-file'));
    expect((await screen.findByTestId('trust-list-signer-files')).textContent).toContain('admin2.pub');
    await fireEvent.input(screen.getByLabelText('Signatures required'), { target: { value: '2' } });
    await fireEvent.click(screen.getByTestId('trust-list-subscribe'));
    const item = await screen.findByTestId('trust-list-item');
    expect(within(item).getByTestId('trust-list-version').textContent).toContain('no version yet');
    expect(calls.find((c) => c.cmd === 'subscribe')?.args).toEqual({
      reference: REF,
      signers: [ADMIN],
      signerKeys: [fromFile.pem],
      threshold: 2,
    });
    expect(screen.queryByTestId('trust-list-subscribe-form')).toBeNull();
  });
});
