import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { key } from '../../test/fixtures';
import KeyStatusBadge from './KeyStatusBadge.svelte';

describe('KeyStatusBadge', () => {
  it("renders the core's state, not one computed from the expiry and the browser clock", () => {
    // Long expired by any clock, but the core said "expiring in 1 day": the badge says so.
    render(KeyStatusBadge, {
      key: key({ expires_at: '2001-01-01T00:00:00Z', state: { kind: 'expiring', days_left: 1, expires_at: '2001-01-01T00:00:00Z' } }),
    });
    const badge = screen.getByTestId('key-status');
    expect(badge.textContent.trim()).toBe('expires in 1 day');
    expect(badge.dataset['state']).toBe('expiring');
    expect(badge.getAttribute('title')).toBe('Expires 2001-01-01');
  });

  it('shows an expired key with the time the core gave', () => {
    render(KeyStatusBadge, {
      key: key({ expires_at: '2099-01-01T00:00:00Z', state: { kind: 'expired', expired_at: '2026-02-01T00:00:00Z' } }),
    });
    const badge = screen.getByTestId('key-status');
    expect(badge.textContent.trim()).toBe('expired');
    expect(badge.getAttribute('title')).toBe('Expired 2026-02-01');
  });
});
