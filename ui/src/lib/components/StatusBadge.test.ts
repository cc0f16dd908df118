import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { DisplayStatus } from '../../ipc/types';
import { DISPLAY_STATUSES } from '../status';
import StatusBadge from './StatusBadge.svelte';

const CASES: [DisplayStatus, string, string][] = [
  ['verified', 'Verified', 'shield-check'],
  ['unsigned', 'Unsigned', 'circle-dash'],
  ['untrusted', 'Untrusted', 'triangle-alert'],
  ['invalid', 'Invalid', 'circle-x'],
  ['error', 'Error', 'octagon-alert'],
  ['checking', 'Checking', 'spinner'],
];

describe('StatusBadge', () => {
  it.each(CASES)('shows %s as an icon, a word and a tone', (status, word, icon) => {
    render(StatusBadge, { status });
    const badge = screen.getByTestId('status-badge');
    expect(badge.dataset['status']).toBe(status);
    expect(badge.textContent.trim()).toBe(word);
    expect(badge.classList.contains(`tone-${status}`)).toBe(true);
    const svg = badge.querySelector('svg');
    expect(svg?.getAttribute('data-icon')).toBe(icon);
    expect(svg?.getAttribute('aria-hidden')).toBe('true'); // the word carries the meaning
    expect(badge.getAttribute('title')).not.toBe('');
  });

  it('gives every status a different icon and word, as rendered', () => {
    const shown = DISPLAY_STATUSES.map((status) => {
      const view = render(StatusBadge, { status });
      const badge = screen.getByTestId('status-badge');
      const seen = { icon: badge.querySelector('svg')?.getAttribute('data-icon'), word: badge.textContent.trim() };
      view.unmount();
      return seen;
    });
    expect(shown.every((s) => s.icon !== undefined && s.icon !== null && s.word !== '')).toBe(true);
    expect(new Set(shown.map((s) => s.icon)).size).toBe(DISPLAY_STATUSES.length);
    expect(new Set(shown.map((s) => s.word)).size).toBe(DISPLAY_STATUSES.length);
  });
});
