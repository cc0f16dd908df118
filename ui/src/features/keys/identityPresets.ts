// The add-identity form's presets: where a kind of keyless signer gets its certificates, and
// how Fulcio writes its subject. Only text is built here; the core checks every field.

export type PresetId = 'github-actions' | 'gitlab-ci' | 'google' | 'github-account';

/** The form's raw fields a preset fills. */
export interface IdentityFields {
  issuer: string;
  subject: string;
  regexp: boolean;
  sourceRepository: string;
  sourceRef: string;
  workflow: string;
  trigger: string;
}

/** What a person types for a preset (only some apply to each). */
export interface PresetInputs {
  /** `owner/repo` (GitHub) or `group/project` (GitLab, subgroups allowed). */
  repository: string;
  /** The workflow file under `.github/workflows/` (GitHub). */
  workflowFile: string;
  /** A ref or a ref glob: `refs/tags/*`, `refs/heads/main`. */
  ref: string;
  email: string;
}

export interface Preset {
  id: PresetId;
  label: string;
  issuer: string;
  /** One line: what this kind of identity is. */
  explain: string;
  /** Which inputs the preset asks for. */
  inputs: (keyof PresetInputs)[];
  fill: (inputs: PresetInputs) => Partial<IdentityFields>;
}

const trimSlashes = (s: string): string => s.trim().replace(/^\/+|\/+$/g, '');

/** `https://github.com/OWNER/REPO/.github/workflows/FILE@REF` (the SAN of a workflow's certificate). */
export function githubWorkflowSubject(repository: string, workflowFile: string, ref: string): string {
  const file = trimSlashes(workflowFile).replace(/^\.github\/workflows\//, '');
  return `https://github.com/${trimSlashes(repository)}/.github/workflows/${file}@${ref.trim()}`;
}

/** `https://gitlab.com/GROUP/PROJECT//.gitlab-ci.yml@REF` (Fulcio's `ci_config_ref_uri` SAN). */
export function gitlabPipelineSubject(project: string, ref: string): string {
  return `https://gitlab.com/${trimSlashes(project)}//.gitlab-ci.yml@${ref.trim()}`;
}

export const PRESETS: [Preset, ...Preset[]] = [
  {
    id: 'github-actions',
    label: 'GitHub Actions workflow',
    issuer: 'https://token.actions.githubusercontent.com',
    explain: 'Images signed by a workflow of a GitHub repository, e.g. its release workflow on a tag.',
    inputs: ['repository', 'workflowFile', 'ref'],
    fill: ({ repository, workflowFile, ref }) => ({
      subject: githubWorkflowSubject(repository, workflowFile, ref),
      regexp: false,
      sourceRepository: `https://github.com/${trimSlashes(repository)}`,
    }),
  },
  {
    id: 'gitlab-ci',
    label: 'GitLab CI pipeline',
    issuer: 'https://gitlab.com',
    explain: 'Images signed by a GitLab.com project’s pipeline (its .gitlab-ci.yml) on a branch or tag.',
    inputs: ['repository', 'ref'],
    fill: ({ repository, ref }) => ({
      subject: gitlabPipelineSubject(repository, ref),
      regexp: false,
      sourceRepository: `https://gitlab.com/${trimSlashes(repository)}`,
    }),
  },
  {
    id: 'google',
    label: 'Google account',
    issuer: 'https://accounts.google.com',
    explain: 'Images a person signed with cosign after signing in with this Google account.',
    inputs: ['email'],
    fill: ({ email }) => ({ subject: email.trim(), regexp: false, sourceRepository: '' }),
  },
  {
    id: 'github-account',
    label: 'GitHub account',
    issuer: 'https://github.com/login/oauth',
    explain: 'Images a person signed with cosign after signing in with GitHub (the account’s email).',
    inputs: ['email'],
    fill: ({ email }) => ({ subject: email.trim(), regexp: false, sourceRepository: '' }),
  },
];

export const INPUT_LABELS: Record<keyof PresetInputs, { label: string; hint: string; placeholder: string }> = {
  repository: {
    label: 'Repository',
    hint: 'The owner and name of the repository (GitLab: group/project).',
    placeholder: 'acme/app',
  },
  workflowFile: {
    label: 'Workflow file',
    hint: 'The file under .github/workflows/ that signs the images.',
    placeholder: 'release.yml',
  },
  ref: {
    label: 'Ref',
    hint: 'The branch or tag it runs on; * matches any name, e.g. refs/tags/*.',
    placeholder: 'refs/tags/*',
  },
  email: {
    label: 'Email',
    hint: 'The account’s email address, as the certificate names it.',
    placeholder: 'releases@acme.dev',
  },
};

/** The fields with a preset applied: its issuer, and what its inputs make (blank inputs leave a field as it was). */
export function applyPreset(preset: Preset, inputs: PresetInputs, fields: IdentityFields): IdentityFields {
  const asked = preset.inputs.every((k) => inputs[k].trim() !== '');
  return { ...fields, issuer: preset.issuer, ...(asked ? preset.fill(inputs) : {}) };
}

/** Which form field an error code from `add_identity` belongs to. */
export type FieldName = 'issuer' | 'subject' | 'claims' | 'root' | 'scopes' | 'expires';

export function fieldOfError(code: string): FieldName | null {
  switch (code) {
    case 'bad_issuer':
      return 'issuer';
    case 'bad_subject':
      return 'subject';
    case 'bad_claim':
      return 'claims';
    case 'bad_trust_root':
      return 'root';
    case 'bad_scope':
      return 'scopes';
    case 'bad_time':
      return 'expires';
    default:
      return null;
  }
}
