import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { DefaultPolicy, Policy, PolicyMode } from '../../ipc/types';
import { ipcError, mockBackend } from '../../test/ipc';
import KeysView from './KeysView.svelte';
import PoliciesPanel from './PoliciesPanel.svelte';

/** A tiny in-memory policy store behaving like the core's. */
function policyBackend(
  initial: Policy[],
  initialDefault: DefaultPolicy = { mode: 'enforce', threshold: 1 },
): { calls: ReturnType<typeof mockBackend>; stored: () => Policy[]; storedDefault: () => DefaultPolicy } {
  let stored = [...initial];
  let fallback = initialDefault;
  const calls = mockBackend((cmd, args) => {
    if (cmd === 'list_policies') return stored;
    if (cmd === 'get_default_policy') return fallback;
    if (cmd === 'set_default_policy') {
      if (Number(args?.['threshold']) < 1) return ipcError('bad_policy', 'bad policy: the threshold must be at least 1 distinct publisher');
      fallback = { mode: args?.['mode'] as PolicyMode, threshold: Number(args?.['threshold']) };
      return fallback;
    }
    if (cmd === 'set_policy') {
      const policy = { pattern: String(args?.['pattern']), mode: args?.['mode'] as PolicyMode, threshold: Number(args?.['threshold']) };
      stored = stored.some((p) => p.pattern === policy.pattern)
        ? stored.map((p) => (p.pattern === policy.pattern ? policy : p))
        : [...stored, policy];
      return policy;
    }
    if (cmd === 'remove_policy') {
      const before = stored.length;
      stored = stored.filter((p) => p.pattern !== args?.['pattern']);
      return stored.length < before;
    }
    if (cmd === 'list_keys') return [];
    return null;
  });
  return { calls, stored: () => stored, storedDefault: () => fallback };
}

function row(pattern: string): HTMLElement {
  const found = screen.getAllByTestId('policy-row').find((r) => r.dataset['pattern'] === pattern);
  if (found === undefined) throw new Error(`no policy row for ${pattern}`);
  return found;
}

describe('Policies', () => {
  it('explains the default and teaches when there are no policies', async () => {
    policyBackend([]);
    render(PoliciesPanel);
    const empty = await screen.findByTestId('empty-state');
    expect(empty.textContent).toContain('the default policy applies to every image');
    const panel = screen.getByTestId('policies-panel');
    expect(panel.textContent).toContain('Where no pattern matches: enforce, 1 publisher.');
    expect(panel.textContent).toContain('The most specific pattern wins');
  });

  it('shows the default policy the core holds and changes it in place', async () => {
    const { calls, storedDefault } = policyBackend([], { mode: 'warn', threshold: 2 });
    render(PoliciesPanel);
    const fallback = await screen.findByTestId('default-policy');
    expect(screen.getByTestId('default-policy-summary').textContent).toContain('Where no pattern matches: warn, 2 publishers.');
    expect(within(fallback).getByTestId<HTMLSelectElement>('policy-mode').value).toBe('warn');
    expect(within(fallback).getByTestId<HTMLInputElement>('policy-threshold').value).toBe('2');

    await fireEvent.change(within(fallback).getByTestId('policy-mode'), { target: { value: 'enforce' } });
    await waitFor(() => {
      expect(screen.getByTestId('default-policy').dataset['mode']).toBe('enforce');
    });
    await fireEvent.change(within(screen.getByTestId('default-policy')).getByTestId('policy-threshold'), { target: { value: '1' } });
    await waitFor(() => {
      expect(storedDefault()).toEqual({ mode: 'enforce', threshold: 1 });
    });
    expect(calls.filter((c) => c.cmd === 'set_default_policy').map((c) => c.args)).toEqual([
      { mode: 'enforce', threshold: 2 },
      { mode: 'enforce', threshold: 1 },
    ]);
    expect(screen.getByTestId('default-policy-summary').textContent).toContain('Where no pattern matches: enforce, 1 publisher.');
    expect(calls.some((c) => c.cmd === 'set_policy')).toBe(false);
  });

  it('refuses a default threshold below 1 without calling the core', async () => {
    const { calls } = policyBackend([]);
    render(PoliciesPanel);
    const fallback = await screen.findByTestId('default-policy');
    await fireEvent.change(within(fallback).getByTestId('policy-threshold'), { target: { value: '0' } });
    expect((await screen.findByTestId('default-policy-error')).textContent).toContain('from 1 to 10');
    expect(calls.some((c) => c.cmd === 'set_default_policy')).toBe(false);
  });

  it('lists policies with their mode and threshold', async () => {
    policyBackend([
      { pattern: 'ghcr.io/acme/*', mode: 'enforce', threshold: 2 },
      { pattern: 'localhost:5000/*', mode: 'off', threshold: 1 },
    ]);
    render(PoliciesPanel);
    await screen.findAllByTestId('policy-row');
    expect(screen.getAllByTestId('policy-row').map((r) => r.dataset['pattern'])).toEqual(['ghcr.io/acme/*', 'localhost:5000/*']);
    const acme = row('ghcr.io/acme/*');
    expect(within(acme).getByTestId<HTMLSelectElement>('policy-mode').value).toBe('enforce');
    expect(within(acme).getByTestId<HTMLInputElement>('policy-threshold').value).toBe('2');
    expect(acme.textContent).toContain('Unverified images are blocked');
    const local = row('localhost:5000/*');
    expect(within(local).getByTestId<HTMLSelectElement>('policy-mode').value).toBe('off');
    expect(within(local).getByTestId<HTMLInputElement>('policy-threshold').disabled).toBe(true);
  });

  it('adds a policy with pattern, mode and threshold', async () => {
    const { calls } = policyBackend([]);
    render(PoliciesPanel);
    await screen.findByTestId('empty-state');

    await fireEvent.input(screen.getByTestId('policy-add-pattern'), { target: { value: ' ghcr.io/acme/* ' } });
    await fireEvent.change(screen.getByTestId('policy-add-mode'), { target: { value: 'warn' } });
    await fireEvent.input(screen.getByTestId('policy-add-threshold'), { target: { value: '2' } });
    await fireEvent.click(screen.getByTestId('policy-add-submit'));

    const added = await screen.findByTestId('policy-row');
    expect(added.dataset['pattern']).toBe('ghcr.io/acme/*');
    expect(added.dataset['mode']).toBe('warn');
    expect(within(added).getByTestId<HTMLInputElement>('policy-threshold').value).toBe('2');
    expect(calls.find((c) => c.cmd === 'set_policy')?.args).toEqual({ pattern: 'ghcr.io/acme/*', mode: 'warn', threshold: 2 });
    expect(screen.getByTestId<HTMLInputElement>('policy-add-pattern').value).toBe(''); // ready for the next one
  });

  it('rejects a threshold below 1 without calling the core', async () => {
    const { calls } = policyBackend([]);
    render(PoliciesPanel);
    await screen.findByTestId('empty-state');
    await fireEvent.input(screen.getByTestId('policy-add-pattern'), { target: { value: 'ghcr.io/*' } });
    await fireEvent.input(screen.getByTestId('policy-add-threshold'), { target: { value: '0' } });
    expect(screen.getByTestId<HTMLButtonElement>('policy-add-submit').disabled).toBe(true);
    expect(calls.some((c) => c.cmd === 'set_policy')).toBe(false);
  });

  it('changes mode and threshold in place', async () => {
    const { calls, stored } = policyBackend([{ pattern: 'ghcr.io/acme/*', mode: 'enforce', threshold: 1 }]);
    render(PoliciesPanel);
    await screen.findByTestId('policy-row');

    await fireEvent.change(within(row('ghcr.io/acme/*')).getByTestId('policy-mode'), { target: { value: 'warn' } });
    await waitFor(() => {
      expect(row('ghcr.io/acme/*').dataset['mode']).toBe('warn');
    });
    await fireEvent.change(within(row('ghcr.io/acme/*')).getByTestId('policy-threshold'), { target: { value: '3' } });
    await waitFor(() => {
      expect(stored()).toEqual([{ pattern: 'ghcr.io/acme/*', mode: 'warn', threshold: 3 }]);
    });
    expect(calls.filter((c) => c.cmd === 'set_policy').map((c) => c.args)).toEqual([
      { pattern: 'ghcr.io/acme/*', mode: 'warn', threshold: 1 },
      { pattern: 'ghcr.io/acme/*', mode: 'warn', threshold: 3 },
    ]);
    expect(row('ghcr.io/acme/*').textContent).toContain('publishers');
    expect(within(row('ghcr.io/acme/*')).getByTestId<HTMLInputElement>('policy-threshold').value).toBe('3');
  });

  it('keeps the sentence and the stored values when a change in place is refused', async () => {
    const acme: Policy = { pattern: 'ghcr.io/acme/*', mode: 'warn', threshold: 1 };
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_policies') return [acme];
      if (cmd === 'get_default_policy') return { mode: 'enforce', threshold: 1 };
      if (cmd === 'set_policy') return ipcError('bad_policy', 'bad policy: only 1 publisher is trusted');
      return null;
    });
    render(PoliciesPanel);
    await screen.findByTestId('policy-row');
    const threshold = () => within(row('ghcr.io/acme/*')).getByTestId<HTMLInputElement>('policy-threshold');

    // Refused by the core: its sentence stays after the stored values are read again.
    await fireEvent.change(threshold(), { target: { value: '2' } });
    expect((await screen.findByTestId('error')).textContent).toContain('only 1 publisher is trusted');
    expect(calls.filter((c) => c.cmd === 'list_policies')).toHaveLength(2);
    expect(threshold().value).toBe('1');
    // Out of range: refused before the core is asked.
    await fireEvent.change(threshold(), { target: { value: '11' } });
    expect(screen.getByTestId('error').textContent).toContain('from 1 to 10');
    expect(threshold().value).toBe('1');
    expect(calls.filter((c) => c.cmd === 'set_policy')).toHaveLength(1);
  });

  it('removes a policy', async () => {
    const { calls } = policyBackend([
      { pattern: 'ghcr.io/acme/*', mode: 'enforce', threshold: 1 },
      { pattern: 'docker.io/library/*', mode: 'warn', threshold: 1 },
    ]);
    render(PoliciesPanel);
    await screen.findAllByTestId('policy-row');

    await fireEvent.click(within(row('ghcr.io/acme/*')).getByTestId('policy-remove'));
    await waitFor(() => {
      expect(screen.getAllByTestId('policy-row').map((r) => r.dataset['pattern'])).toEqual(['docker.io/library/*']);
    });
    expect(calls.find((c) => c.cmd === 'remove_policy')?.args).toEqual({ pattern: 'ghcr.io/acme/*' });
  });

  it('shows the core error when saving fails', async () => {
    mockBackend((cmd) => {
      if (cmd === 'set_policy') return ipcError('invalid_pattern', 'Patterns must name a registry');
      return cmd === 'get_default_policy' ? { mode: 'enforce', threshold: 1 } : [];
    });
    render(PoliciesPanel);
    await screen.findByTestId('empty-state');
    await fireEvent.input(screen.getByTestId('policy-add-pattern'), { target: { value: 'acme' } });
    await fireEvent.click(screen.getByTestId('policy-add-submit'));
    expect((await screen.findByTestId('error')).textContent).toContain('Patterns must name a registry');
  });

  it('is a tab of the Keys screen', async () => {
    policyBackend([{ pattern: 'ghcr.io/acme/*', mode: 'enforce', threshold: 1 }]);
    render(KeysView);
    const tab = screen.getByTestId('keys-tab-policies');
    expect(tab.getAttribute('aria-selected')).toBe('false');
    await fireEvent.click(tab);
    expect(tab.getAttribute('aria-selected')).toBe('true');
    expect(await screen.findByTestId('policy-row')).toBeTruthy();
    expect(screen.queryByTestId('add-key-panel')).toBeNull();
  });
});
