import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { ExportPreview, ExportTarget } from '../../ipc/types';
import containers from '../../test/golden/export-containers.json';
import kyverno from '../../test/golden/export-kyverno.json';
import { ipcError, mockBackend } from '../../test/ipc';
import KeysView from './KeysView.svelte';

// The core's own exports of the UI's trust set (crates/core/tests/ui_golden.rs).
const CONTAINERS: ExportPreview = { ...containers, digest: 'sha256:' + 'c'.repeat(64) };
const KYVERNO: ExportPreview = { ...kyverno, digest: 'sha256:' + 'k'.repeat(64) };
const OVERLAP =
  '`ghcr.io/acme` is one scope in containers-policy.json for both the repository of that name and the repositories under it, but Vouch trusts 1 of Acme for the repository `ghcr.io/acme` and nothing for those under it. Tick “Accept the overlap” to export it anyway.';

function backend(preview: (target: ExportTarget) => unknown, extra: (cmd: string, args: Record<string, unknown> | undefined) => unknown = () => []) {
  return mockBackend((cmd, args) => {
    if (cmd === 'list_keys') return [];
    if (cmd === 'preview_export') return preview(args?.['target'] as ExportTarget);
    return extra(cmd, args);
  });
}

async function open(): Promise<HTMLElement> {
  render(KeysView);
  await screen.findByTestId('empty-state');
  await fireEvent.click(screen.getByTestId('policy-export-open'));
  return screen.findByTestId('policy-export-dialog');
}

describe('Export for enforcers', () => {
  it('shows what cannot be expressed above the files, and switches the preview between files and targets', async () => {
    const calls = backend((t) => (t.target === 'kyverno' ? KYVERNO : CONTAINERS));
    const dialog = await open();
    const summary = await within(dialog).findByTestId('policy-export-summary');
    expect(within(summary).getByTestId('policy-export-counts').textContent.replace(/\s+/g, ' ').trim()).toBe(
      `${containers.summary.exported.length} rules enforced · ${containers.summary.not_exported.length} not exported · ${containers.summary.differences.length} differences from Vouch`,
    );
    const notExported = within(summary).getByTestId('policy-export-summary-not_exported');
    expect(notExported.dataset['count']).toBe(String(containers.summary.not_exported.length));
    expect(notExported.textContent).toContain('Umbrella');
    expect(notExported.textContent).toContain('is revoked: not exported');
    expect(notExported.textContent).toContain('`ghcr.io/globex/*` cannot be expressed');
    expect(within(summary).getByTestId('policy-export-summary-differences').textContent).toContain('export again before then');
    expect(within(summary).getByTestId('policy-export-summary-exported').textContent).toContain('ghcr.io/acme: 1 of Acme Platform');
    // The summary comes before the files.
    const preview = within(dialog).getByTestId('policy-export-file-preview');
    expect(summary.compareDocumentPosition(preview) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(calls.find((c) => c.cmd === 'preview_export')?.args).toEqual({
      target: { target: 'containers', accept_scope_overlap: false },
    });

    expect(preview.dataset['path']).toBe('policy.json');
    expect(preview.textContent).toContain('sigstoreSigned');
    const tabs = within(dialog).getAllByTestId('policy-export-file-tab');
    expect(tabs.map((t) => t.textContent.trim())).toEqual(['policy.json', 'registries.d/vouch.yaml']);
    await fireEvent.click(tabs[1] as HTMLElement);
    await waitFor(() => {
      expect(within(dialog).getByTestId('policy-export-file-preview').dataset['path']).toBe('registries.d/vouch.yaml');
    });
    expect(within(dialog).getByTestId('policy-export-file-preview').textContent).toContain('use-sigstore-attachments: true');
    // Copy takes the file shown, whole.
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await fireEvent.click(within(dialog).getByTestId('policy-export-file-copy'));
    expect(writeText).toHaveBeenCalledWith(containers.files[1]?.contents);
    expect(within(dialog).getByTestId('policy-export-file-copy').getAttribute('aria-label')).toBe('Copy registries.d/vouch.yaml');

    await fireEvent.click(within(dialog).getByTestId('policy-export-target-kyverno'));
    await waitFor(() => {
      expect(within(dialog).getByTestId('policy-export-file-preview').dataset['path']).toBe('kyverno-imagevalidatingpolicies.yaml');
    });
    expect(within(dialog).getByTestId('policy-export-file-preview').textContent).toContain('"kind": "ImageValidatingPolicy"');
    await fireEvent.change(within(dialog).getByTestId('policy-export-kyverno-api'), { target: { value: 'clusterpolicy' } });
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === 'preview_export').at(-1)?.args).toEqual({
        target: { target: 'kyverno', api: 'clusterpolicy' },
      });
    });
  });

  it('says why an export is refused, and offers to accept a scope overlap', async () => {
    const calls = backend((t) =>
      t.target === 'containers' && !t.accept_scope_overlap ? ipcError('scope_overlap', OVERLAP) : CONTAINERS,
    );
    const dialog = await open();
    const refusal = await within(dialog).findByTestId('policy-export-refusal');
    expect(refusal.textContent).toContain('`ghcr.io/acme` is one scope');
    expect(within(dialog).queryByTestId('policy-export-file-preview')).toBeNull();
    expect(within(dialog).getByTestId<HTMLButtonElement>('policy-export-save').disabled).toBe(true);

    await fireEvent.click(within(dialog).getByTestId('policy-export-accept-overlap'));
    await within(dialog).findByTestId('policy-export-file-preview');
    expect(within(dialog).queryByTestId('policy-export-refusal')).toBeNull();
    expect(calls.filter((c) => c.cmd === 'preview_export').at(-1)?.args).toEqual({
      target: { target: 'containers', accept_scope_overlap: true },
    });
  });

  it('shows a refusal without an overlap to accept', async () => {
    backend(() => ipcError('export_refused', 'the policy for `*.acme.dev/**` cannot be expressed in a Kyverno ImageValidatingPolicy'));
    const dialog = await open();
    expect((await within(dialog).findByTestId('policy-export-refusal')).textContent).toContain('`*.acme.dev/**` cannot be expressed');
    expect(within(dialog).queryByTestId('policy-export-accept-overlap')).toBeNull();
  });

  it('saves the previewed files by their digest, and replaces existing files only once confirmed', async () => {
    const calls = backend(
      () => CONTAINERS,
      (cmd) => {
        if (cmd === 'save_export') return { kind: 'exists', ticket: 7, folder: '/home/ada/policy', files: ['policy.json'] };
        if (cmd === 'replace_export_files') return { kind: 'written', folder: '/home/ada/policy', files: ['policy.json', 'registries.d/vouch.yaml'] };
        return [];
      },
    );
    const dialog = await open();
    await within(dialog).findByTestId('policy-export-file-preview');
    await fireEvent.click(within(dialog).getByTestId('policy-export-save'));
    const exists = await within(dialog).findByTestId('policy-export-exists');
    expect(exists.textContent).toContain('/home/ada/policy');
    expect(exists.textContent).toContain('policy.json');
    expect(calls.find((c) => c.cmd === 'save_export')?.args).toEqual({
      target: { target: 'containers', accept_scope_overlap: false },
      digest: CONTAINERS.digest,
    });
    expect(calls.some((c) => c.cmd === 'replace_export_files')).toBe(false);

    await fireEvent.click(within(exists).getByTestId('policy-export-replace'));
    expect((await within(dialog).findByTestId('policy-export-saved')).textContent).toContain('Saved 2 files to /home/ada/policy');
    expect(calls.find((c) => c.cmd === 'replace_export_files')?.args).toEqual({ ticket: 7 });
  });

  it('shows a failed save and reloads the preview when the trust set changed', async () => {
    let previews = 0;
    backend(
      () => {
        previews += 1;
        return CONTAINERS;
      },
      (cmd) => (cmd === 'save_export' ? ipcError('export_changed', 'The export changed since this preview (the trust set was edited), so nothing was saved.') : []),
    );
    const dialog = await open();
    await within(dialog).findByTestId('policy-export-file-preview');
    await fireEvent.click(within(dialog).getByTestId('policy-export-save'));
    expect((await within(dialog).findByTestId('policy-export-save-error')).textContent).toContain('nothing was saved');
    await waitFor(() => {
      expect(previews).toBe(2);
    });
    expect(within(dialog).getByTestId('policy-export-save-error').textContent).toContain('nothing was saved');
  });
});
