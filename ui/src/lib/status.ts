import type { DisplayStatus } from '../ipc/types';
import type { IconName } from './components/icons';

export type StatusMeta = { label: string; icon: IconName; description: string };

/** Every status gets an icon and a word as well as a colour. */
export const STATUS_META: Record<DisplayStatus, StatusMeta> = {
  verified: {
    label: 'Verified',
    icon: 'shield-check',
    description: 'Signed by a trusted key and allowed by policy.',
  },
  unsigned: {
    label: 'Unsigned',
    icon: 'circle-dash',
    description: 'No signature was found for this image.',
  },
  untrusted: {
    label: 'Untrusted',
    icon: 'triangle-alert',
    description: 'Signed, but not by a key you trust for this repository.',
  },
  invalid: {
    label: 'Invalid',
    icon: 'circle-x',
    description: 'A signature is present but does not match the image.',
  },
  error: {
    label: 'Error',
    icon: 'octagon-alert',
    description: 'The image could not be checked.',
  },
  cancelled: {
    label: 'Cancelled',
    icon: 'ban',
    description: 'The check was cancelled before it finished; nothing was concluded.',
  },
  checking: {
    label: 'Checking',
    icon: 'spinner',
    description: 'The check is in progress.',
  },
};

export const DISPLAY_STATUSES: DisplayStatus[] = [
  'verified',
  'unsigned',
  'untrusted',
  'invalid',
  'error',
  'cancelled',
  'checking',
];
