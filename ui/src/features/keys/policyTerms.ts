// What a policy's mode means and which thresholds a person may give, shared by the default
// policy and the policies of patterns.
import type { PolicyMode } from '../../ipc/types';

export const MODES: { id: PolicyMode; label: string; hint: string }[] = [
  { id: 'enforce', label: 'Enforce', hint: 'Unverified images are blocked' },
  { id: 'warn', label: 'Warn', hint: 'Unverified images are allowed after a warning' },
  { id: 'off', label: 'Off', hint: 'Images are not checked' },
];
export const MAX_THRESHOLD = 10;

/** A change made in a policy's controls. */
export type PolicyChange = { mode?: PolicyMode; threshold?: number };

/** The sentence shown when a threshold is out of range. */
export const THRESHOLD_RANGE = `The threshold must be a whole number from 1 to ${MAX_THRESHOLD}.`;

export function validThreshold(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_THRESHOLD;
}

/** A threshold in words: "1 publisher", "2 publishers" (a key or a keyless identity counts as one). */
export function publishers(threshold: number): string {
  return `${threshold} ${threshold === 1 ? 'publisher' : 'publishers'}`;
}

export function hintFor(m: PolicyMode): string {
  return MODES.find((x) => x.id === m)?.hint ?? '';
}
