import type { Verdict } from '../../ipc/types';
import { STATUS_META } from '../../lib/status';

export type PullAvailability =
  | { kind: 'pull' }
  | { kind: 'confirm' }
  | { kind: 'disabled'; why: string };

/**
 * Whether the Pull button offers a pull, a pull after confirmation, or nothing — read from the
 * core's verdict (status and `enforced`); the core checks again when asked to pull.
 */
export function pullAvailability(verdict: Verdict | null): PullAvailability {
  if (verdict === null) return { kind: 'disabled', why: 'Wait for the check to finish.' };
  if (verdict.digest === null || verdict.repository === null) {
    return { kind: 'disabled', why: 'Cannot pull: the image was not resolved to a digest.' };
  }
  if (verdict.status === 'verified') return { kind: 'pull' };
  if (!verdict.enforced) return { kind: 'confirm' };
  return {
    kind: 'disabled',
    why: `Cannot pull: the image is ${STATUS_META[verdict.status].label.toLowerCase()} and the policy for this repository is enforced.`,
  };
}
