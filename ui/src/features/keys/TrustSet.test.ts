import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { KeyInfo, TrustImportReport } from '../../ipc/types';
import { key } from '../../test/fixtures';
import { ipcError, mockBackend } from '../../test/ipc';
import KeysView from './KeysView.svelte';

const DOC = '{"version":1,"keys":[],"policies":[]}';

describe('Trust set', () => {
  it('imports pasted JSON, lists the report and reloads the keys', async () => {
    const report: TrustImportReport = {
      added: ['sha256:aaaa1111', 'sha256:bbbb2222'],
      unchanged: ['sha256:cccc3333'],
      revoked: ['sha256:dddd4444'],
      policies_added: ['ghcr.io/acme/*'],
      conflicts: ['sha256:eeee5555: publisher differs (yours: "Acme", file: "ACME Corp")'],
    };
    let stored: KeyInfo[] = [];
    const calls = mockBackend((cmd) => {
      if (cmd === 'list_keys') return stored;
      if (cmd === 'import_trust_set') {
        stored = [key({ publisher: 'Imported' })];
        return report;
      }
      return [];
    });
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.click(screen.getByTestId('trust-import-open'));
    const dialog = await screen.findByTestId('trust-import-dialog');
    expect(within(dialog).getByTestId<HTMLButtonElement>('trust-import-submit').disabled).toBe(true);
    await fireEvent.input(within(dialog).getByTestId('trust-import-text'), { target: { value: DOC } });
    await fireEvent.click(within(dialog).getByTestId('trust-import-submit'));

    const shown = await screen.findByTestId('trust-import-report');
    expect(calls.find((c) => c.cmd === 'import_trust_set')?.args).toEqual({ contents: DOC });
    const section = (id: string): HTMLElement => within(shown).getByTestId(`trust-import-${id}`);
    expect(section('added').dataset['count']).toBe('2');
    expect(section('added').textContent).toContain('sha256:aaaa1111');
    expect(section('added').textContent).toContain('sha256:bbbb2222');
    expect(section('unchanged').textContent).toContain('sha256:cccc3333');
    expect(section('revoked').textContent).toContain('sha256:dddd4444');
    expect(section('policies_added').textContent).toContain('ghcr.io/acme/*');
    expect(section('conflicts').textContent).toContain('publisher differs');

    // The store changed: the list behind the dialog shows it.
    await waitFor(() => {
      expect(screen.getAllByTestId('key-row')).toHaveLength(1);
    });
    await fireEvent.click(within(dialog).getByTestId('trust-import-done'));
    expect(screen.queryByTestId('trust-import-dialog')).toBeNull();
  });

  it('imports the file chosen in the native dialog, naming no path itself', async () => {
    const report: TrustImportReport = { added: [], unchanged: ['sha256:1'], revoked: [], policies_added: [], conflicts: [] };
    const calls = mockBackend((cmd) =>
      cmd === 'import_trust_set_from_file' ? { kind: 'imported', path: '/home/ada/team-trust.json', report } : [],
    );
    render(KeysView);
    await screen.findByTestId('empty-state');
    await fireEvent.click(screen.getByTestId('trust-import-open'));
    // No field to type a path into, and no file input: the core opens the dialog.
    expect((await screen.findByTestId('trust-import-dialog')).querySelector('input')).toBeNull();
    await fireEvent.click(screen.getByTestId('trust-import-file'));

    const shown = await screen.findByTestId('trust-import-report');
    expect(within(shown).getByTestId('trust-import-unchanged').textContent).toContain('sha256:1');
    expect(calls.find((c) => c.cmd === 'import_trust_set_from_file')?.args).toEqual({});
    expect(calls.some((c) => c.cmd === 'import_trust_set')).toBe(false);
  });

  it('stays open with nothing imported when the dialog is cancelled', async () => {
    mockBackend((cmd) => (cmd === 'import_trust_set_from_file' ? { kind: 'cancelled' } : []));
    render(KeysView);
    await screen.findByTestId('empty-state');
    await fireEvent.click(screen.getByTestId('trust-import-open'));
    await fireEvent.click(await screen.findByTestId('trust-import-file'));
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>('trust-import-file').disabled).toBe(false);
    });
    expect(screen.queryByTestId('trust-import-report')).toBeNull();
    expect(screen.queryByTestId('dialog-error')).toBeNull();
    expect(screen.getByTestId('trust-import-dialog')).toBeTruthy();
  });

  it('shows why the chosen file was refused', async () => {
    mockBackend((cmd) =>
      cmd === 'import_trust_set_from_file' ? ipcError('invalid_trust_set', 'Not a Vouch trust set: missing "version"') : [],
    );
    render(KeysView);
    await screen.findByTestId('empty-state');
    await fireEvent.click(screen.getByTestId('trust-import-open'));
    await fireEvent.click(await screen.findByTestId('trust-import-file'));
    expect((await screen.findByTestId('dialog-error')).textContent).toContain('missing "version"');
    expect(screen.queryByTestId('trust-import-report')).toBeNull();
  });

  it('shows why an import was refused', async () => {
    mockBackend((cmd) => (cmd === 'import_trust_set' ? ipcError('invalid_trust_set', 'Not a Vouch trust set: missing "version"') : []));
    render(KeysView);
    await screen.findByTestId('empty-state');
    await fireEvent.click(screen.getByTestId('trust-import-open'));
    await fireEvent.input(await screen.findByTestId('trust-import-text'), { target: { value: '{}' } });
    await fireEvent.click(screen.getByTestId('trust-import-submit'));
    expect((await screen.findByTestId('dialog-error')).textContent).toContain('missing "version"');
    expect(screen.queryByTestId('trust-import-report')).toBeNull();
  });

  it('exports the JSON and saves it where the native dialog pointed, naming no path itself', async () => {
    const calls = mockBackend((cmd) =>
      cmd === 'export_trust_set' ? DOC : cmd === 'export_trust_set_to_file' ? { kind: 'written', path: '/home/ada/vouch-trust.json' } : [],
    );
    render(KeysView);
    await screen.findByTestId('empty-state');

    await fireEvent.click(screen.getByTestId('trust-export-open'));
    const json = await screen.findByTestId<HTMLTextAreaElement>('trust-export-json');
    expect(json.value).toBe(DOC);
    expect(screen.getByTestId('trust-export-copy')).toBeTruthy();
    // No field to type a path into.
    expect(screen.getByTestId('trust-export-dialog').querySelector('input')).toBeNull();

    await fireEvent.click(screen.getByTestId('trust-export-save'));

    expect((await screen.findByTestId('trust-export-saved')).textContent).toContain('/home/ada/vouch-trust.json');
    expect(calls.find((c) => c.cmd === 'export_trust_set_to_file')?.args).toEqual({});
    expect(calls.some((c) => c.cmd === 'save_text_file')).toBe(false);
  });

  it('says nothing was saved when the dialog is cancelled', async () => {
    mockBackend((cmd) => (cmd === 'export_trust_set' ? DOC : cmd === 'export_trust_set_to_file' ? { kind: 'cancelled' } : []));
    render(KeysView);
    await screen.findByTestId('empty-state');
    await fireEvent.click(screen.getByTestId('trust-export-open'));
    await screen.findByTestId('trust-export-json');
    await fireEvent.click(screen.getByTestId('trust-export-save'));
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>('trust-export-save').disabled).toBe(false);
    });
    expect(screen.queryByTestId('trust-export-saved')).toBeNull();
    expect(screen.queryByTestId('dialog-error')).toBeNull();
  });

  it('shows why saving failed', async () => {
    mockBackend((cmd) =>
      cmd === 'export_trust_set'
        ? DOC
        : cmd === 'export_trust_set_to_file'
          ? ipcError('file', 'could not write /etc/trust.json: Permission denied')
          : [],
    );
    render(KeysView);
    await screen.findByTestId('empty-state');
    await fireEvent.click(screen.getByTestId('trust-export-open'));
    await screen.findByTestId('trust-export-json');
    await fireEvent.click(screen.getByTestId('trust-export-save'));
    expect((await screen.findByTestId('dialog-error')).textContent).toContain('Permission denied');
    expect(screen.queryByTestId('trust-export-saved')).toBeNull();
  });
});
