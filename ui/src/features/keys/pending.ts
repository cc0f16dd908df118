import type { KeyInfo } from '../../ipc/types';

/** The dialog the Keys view has open (KeyDialogs.svelte shows it). */
export type Pending =
  | { kind: 'detail' | 'edit' | 'revoke' | 'remove' | 'export'; key: KeyInfo }
  | { kind: 'generate' | 'trust-export' | 'trust-import' | 'policy-export' };
