// What the Revoke and Remove dialogs act on: a trusted key or a trusted identity, said the
// same way (the dialogs are shared; only the words and the command differ).
import { removeIdentity, removeKey, revokeIdentity, revokeKey } from '../../ipc/api';
import type { IdentityInfo, KeyInfo } from '../../ipc/types';
import { shortFingerprint } from '../../lib/format';

export interface PublisherTarget {
  noun: 'key' | 'identity';
  publisher: string;
  /** The short fingerprint or the identity's id. */
  label: string;
  revoke: (reason: string) => Promise<unknown>;
  remove: () => Promise<void>;
}

export function keyTarget(key: KeyInfo): PublisherTarget {
  return {
    noun: 'key',
    publisher: key.publisher,
    label: shortFingerprint(key.fingerprint),
    revoke: (reason) => revokeKey(key.fingerprint, reason),
    remove: () => removeKey(key.fingerprint),
  };
}

export function identityTarget(identity: IdentityInfo): PublisherTarget {
  return {
    noun: 'identity',
    publisher: identity.publisher,
    label: identity.id,
    revoke: (reason) => revokeIdentity(identity.id, reason),
    remove: () => removeIdentity(identity.id),
  };
}
