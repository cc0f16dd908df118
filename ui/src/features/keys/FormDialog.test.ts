import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { deferred } from '../../test/ipc';
import type { PublisherTarget } from './publisherTarget';
import RevokeDialog from './RevokeDialog.svelte';

function target(revoke: (reason: string) => Promise<unknown>): PublisherTarget {
  return { noun: 'key', publisher: 'Acme Release', label: '45f0a7fb31b3', revoke, remove: () => Promise.resolve() };
}

describe('FormDialog (through the revoke dialog)', () => {
  it('submits with the form (Enter in a field), is busy while it saves, and keeps the refusal on screen', async () => {
    const first = deferred<unknown>();
    const revoke = vi.fn<(reason: string) => Promise<unknown>>(() => first.promise);
    const ondone = vi.fn();
    render(RevokeDialog, { props: { target: target(revoke), onclose: () => {}, ondone } });

    const confirm = screen.getByTestId<HTMLButtonElement>('revoke-confirm');
    expect(confirm.disabled).toBe(true); // no reason yet
    const form = screen.getByTestId('revoke-reason').closest('form');
    if (form === null) throw new Error('the reason is not inside a form');
    await fireEvent.submit(form);
    expect(revoke).not.toHaveBeenCalled();

    await fireEvent.input(screen.getByTestId('revoke-reason'), { target: { value: ' key leaked ' } });
    await fireEvent.submit(form);
    expect(revoke).toHaveBeenCalledWith('key leaked');
    await waitFor(() => {
      expect(confirm.disabled).toBe(true);
      expect(confirm.textContent).toContain('Revoking…');
    });
    first.reject({ code: 'keychain', message: 'Keychain is locked' }); // what Tauri rejects with
    expect((await screen.findByTestId('dialog-error')).textContent).toContain('Keychain is locked');
    expect(confirm.disabled).toBe(false);
    expect(ondone).not.toHaveBeenCalled();

    revoke.mockImplementation(() => Promise.resolve());
    await fireEvent.click(confirm);
    await waitFor(() => {
      expect(ondone).toHaveBeenCalledOnce();
    });
    expect(screen.queryByTestId('dialog-error')).toBeNull();
  });
});
