import { Channel } from '@tauri-apps/api/core';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { PullOutcome, Verdict } from '../../ipc/types';
import { inspection, verdict } from '../../test/fixtures';
import { deferred, ipcError, mockBackend, sendOnChannel } from '../../test/ipc';
import { VerifySession, type VerifyRow } from '../verify/session.svelte';
import VerifyView from '../verify/VerifyView.svelte';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const PINNED = `ghcr.io/acme/api@${DIGEST}`;

function sessionWith(v: Verdict): VerifySession {
  const session = new VerifySession(null);
  const row: VerifyRow = {
    id: 1,
    reference: v.reference,
    source: null,
    origin: 'line 1',
    platform: null,
    status: v.status,
    reason: v.reason,
    verdict: v,
    pull: null,
  };
  session.rows = [row];
  return session;
}

const warnUnsigned = verdict({
  reference: 'ghcr.io/acme/api:2',
  repository: 'ghcr.io/acme/api',
  digest: DIGEST,
  status: 'unsigned',
  reason: 'No signature was found for this image.',
  enforced: false,
  signatures: [],
  policy: { pattern: 'ghcr.io/acme/*', mode: 'warn', threshold: 1 },
});

function outcome(overrides: Partial<PullOutcome> = {}): PullOutcome {
  return { pinned: PINNED, command: `docker pull ${PINNED}`, tool: 'docker', pulled: true, status: 'verified', ...overrides };
}

describe('Verify & pull', () => {
  it('pulls a verified image without asking, streaming the output into the log', async () => {
    const done = deferred<PullOutcome>();
    let channel: unknown = null;
    const calls = mockBackend((cmd, args) => {
      channel = args?.['onEvent'];
      return cmd === 'pull_image' ? done.promise : null;
    });
    render(VerifyView, { session: sessionWith(verdict({ reference: 'ghcr.io/acme/api:2', repository: 'ghcr.io/acme/api', digest: DIGEST })) });

    const pull = screen.getByTestId<HTMLButtonElement>('verdict-pull');
    expect(pull.disabled).toBe(false);
    await fireEvent.click(pull);

    expect(screen.queryByTestId('pull-confirm')).toBeNull();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.cmd).toBe('pull_image');
    expect(calls[0]?.args).toMatchObject({ reference: 'ghcr.io/acme/api:2', acceptUnverified: false });
    expect(channel).toBeInstanceOf(Channel);

    const log = await screen.findByTestId('pull-log');
    expect(log.dataset['phase']).toBe('running');
    expect(screen.getByTestId<HTMLButtonElement>('verdict-pull').disabled).toBe(true);
    sendOnChannel(channel, 0, { kind: 'line', text: `${DIGEST.slice(7, 19)}: Pulling from acme/api` });
    sendOnChannel(channel, 1, { kind: 'line', text: 'Status: Downloaded newer image' });
    await waitFor(() => {
      expect(within(log).getByTestId('pull-output').textContent).toBe(
        `${DIGEST.slice(7, 19)}: Pulling from acme/api\nStatus: Downloaded newer image`,
      );
    });

    done.resolve(outcome());
    await waitFor(() => {
      expect(screen.getByTestId('pull-log').dataset['phase']).toBe('done');
    });
    expect(screen.getByTestId('pull-result').textContent).toContain(`Pulled ${PINNED} with docker`);
    expect(screen.queryByTestId('pull-command')).toBeNull();

    await fireEvent.click(screen.getByTestId('pull-dismiss'));
    expect(screen.queryByTestId('pull-log')).toBeNull();
  });

  it('asks before pulling an unverified image in a warn scope, stating status and reason', async () => {
    const calls = mockBackend((cmd) => (cmd === 'pull_image' ? outcome({ status: 'unsigned' }) : null));
    render(VerifyView, { session: sessionWith(warnUnsigned) });

    const pull = screen.getByTestId<HTMLButtonElement>('verdict-pull');
    expect(pull.disabled).toBe(false);
    expect(pull.dataset['availability']).toBe('confirm');

    // Cancel: nothing is pulled.
    await fireEvent.click(pull);
    let dialog = screen.getByTestId('pull-confirm');
    expect(within(dialog).getByTestId('status-badge').textContent.trim()).toBe('Unsigned');
    expect(within(dialog).getByTestId('pull-confirm-reason').textContent).toBe('No signature was found for this image.');
    expect(dialog.textContent).toContain('warn only');
    await fireEvent.click(within(dialog).getByTestId('pull-confirm-cancel'));
    expect(screen.queryByTestId('pull-confirm')).toBeNull();
    expect(calls).toHaveLength(0);

    // Confirm: the core gets acceptUnverified.
    await fireEvent.click(screen.getByTestId('verdict-pull'));
    dialog = screen.getByTestId('pull-confirm');
    await fireEvent.click(within(dialog).getByTestId('pull-confirm-accept'));
    expect(calls.map((c) => [c.cmd, c.args?.['reference'], c.args?.['acceptUnverified']])).toEqual([
      ['pull_image', 'ghcr.io/acme/api:2', true],
    ]);
    await waitFor(() => {
      expect(screen.getByTestId('pull-log').dataset['phase']).toBe('done');
    });
    expect(within(screen.getByTestId('pull-log')).getByTestId('status-badge').textContent.trim()).toBe('Unsigned');
  });

  it('does not offer to pull an unverified image whose policy is enforced', async () => {
    const calls = mockBackend(() => null);
    render(VerifyView, {
      session: sessionWith(
        verdict({ status: 'invalid', reason: 'The signature does not match the image digest.', enforced: true }),
      ),
    });

    const pull = screen.getByTestId<HTMLButtonElement>('verdict-pull');
    expect(pull.disabled).toBe(true);
    expect(screen.getByTestId('verdict-pull-wrap').title).toBe(
      'Cannot pull: the image is invalid and the policy for this repository is enforced.',
    );
    await fireEvent.click(pull);
    expect(screen.queryByTestId('pull-confirm')).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it('shows the pinned command to copy when neither docker nor podman is installed', async () => {
    mockBackend(() => outcome({ tool: null, pulled: false }));
    render(VerifyView, { session: sessionWith(verdict({ reference: 'ghcr.io/acme/api:2', repository: 'ghcr.io/acme/api', digest: DIGEST })) });

    await fireEvent.click(screen.getByTestId('verdict-pull'));

    const command = await screen.findByTestId('pull-command');
    expect(command.querySelector('code')?.textContent).toBe(`docker pull ${PINNED}`);
    expect(within(command).getByTestId('pull-command-copy')).toBeTruthy();
    expect(screen.getByTestId('pull-log').dataset['phase']).toBe('copy');
    expect(screen.getByTestId('pull-result').textContent).toContain('Neither docker nor podman is installed');
  });

  it('shows why the core refused, and a failed pull', async () => {
    let n = 0;
    mockBackend(() =>
      ++n === 1
        ? ipcError('not_verified', 'not pulled: the image is untrusted (signed by an unknown key)')
        : outcome({ pulled: false }),
    );
    render(VerifyView, { session: sessionWith(verdict({ reference: 'ghcr.io/acme/api:2', repository: 'ghcr.io/acme/api', digest: DIGEST })) });

    await fireEvent.click(screen.getByTestId('verdict-pull'));
    expect((await screen.findByTestId('pull-error')).textContent).toContain('not pulled: the image is untrusted');
    expect(screen.getByTestId('pull-log').dataset['phase']).toBe('failed');

    await fireEvent.click(screen.getByTestId('verdict-pull'));
    await waitFor(() => {
      expect(screen.getByTestId('pull-result').textContent).toContain(`docker pull ${PINNED} did not succeed`);
    });
    expect(screen.queryByTestId('pull-error')).toBeNull();
  });
});

describe('Verify → image details', () => {
  it('opens the detail page from an expanded row and comes back to the list', async () => {
    const calls = mockBackend((cmd) => (cmd === 'inspect_image' ? inspection() : null));
    const session = sessionWith(verdict({ reference: 'ghcr.io/acme/app:v1' }));
    render(VerifyView, { session });

    await fireEvent.click(screen.getByTestId('verdict-toggle'));
    await fireEvent.click(screen.getByTestId('verdict-inspect'));

    const view = await screen.findByTestId('inspect-view');
    expect(view.dataset['reference']).toBe('ghcr.io/acme/app:v1');
    expect(screen.queryByTestId('verify-input')).toBeNull();
    await screen.findByTestId('inspect-graph');
    expect(calls).toEqual([{ cmd: 'inspect_image', args: { reference: 'ghcr.io/acme/app:v1' } }]);
    // The row's Pull is offered on the detail page too.
    expect(within(view).getByTestId<HTMLButtonElement>('verdict-pull').disabled).toBe(false);

    await fireEvent.click(screen.getByTestId('inspect-back'));
    expect(screen.queryByTestId('inspect-view')).toBeNull();
    expect(screen.getAllByTestId('verdict-row')).toHaveLength(1);
    expect(session.inspecting).toBeNull();
  });
});
