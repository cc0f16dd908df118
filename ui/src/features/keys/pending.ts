import type { IdentityInfo, KeyInfo } from '../../ipc/types';

/** The dialog the Publishers view has open (KeyDialogs.svelte shows it). */
export type Pending =
  | { kind: 'detail' | 'edit' | 'revoke' | 'remove' | 'export'; key: KeyInfo }
  | { kind: 'identity-detail' | 'identity-revoke' | 'identity-remove'; identity: IdentityInfo }
  | { kind: 'generate' | 'trust-export' | 'trust-import' | 'policy-export' };

/** What can be opened on an identity. */
export type IdentityDialog = 'identity-detail' | 'identity-revoke' | 'identity-remove';
