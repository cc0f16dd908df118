// How the Publishers view words a trusted identity's parts.
import type { IdentityInfo } from '../../ipc/types';

export type ClaimName = 'source_repository' | 'ref' | 'workflow' | 'trigger';

export const CLAIM_LABELS: Record<ClaimName, string> = {
  source_repository: 'Source repository',
  ref: 'Source ref',
  workflow: 'Workflow',
  trigger: 'Trigger',
};

export const SUBJECT_KIND_LABELS: Record<IdentityInfo['subject']['kind'], string> = {
  exact: 'exactly',
  glob: 'glob',
  regexp: 'regular expression',
};

/** The CI claims the identity requires, in the order Fulcio numbers them. */
export function requiredClaims(identity: IdentityInfo): [ClaimName, string][] {
  const claims = identity.claims ?? {};
  return (Object.keys(CLAIM_LABELS) as ClaimName[]).flatMap((name) => {
    const value = claims[name];
    return value === undefined || value === null ? [] : [[name, value] as [ClaimName, string]];
  });
}
