import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { verdicts } from '../../test/fixtures';
import type { Verdict } from '../../ipc/types';
import KeylessSigner from './KeylessSigner.svelte';
import VerdictDetails from './VerdictDetails.svelte';
import type { KeylessSigner as Signer } from './keyless';

const signer: Signer = {
  identity: { id: 'id:0123456789ab', publisher: 'Acme Release', subject: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*' },
  issuer: 'https://token.actions.githubusercontent.com',
  subject: { kind: 'uri', value: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0' },
  certificate_time: '2026-11-30T01:02:03Z',
  log: { log_id: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d', index: 123456789, integrated_time: '2026-11-30T01:02:05Z' },
  time_source: 'transparency_log',
  trusted_root: 'public-good',
};

describe('KeylessSigner', () => {
  it('shows the identity, the issuer, the certificate time, the log and its index', () => {
    render(KeylessSigner, { signer });
    expect(screen.getByTestId('keyless-subject').textContent).toBe(signer.subject.value);
    expect(screen.getByTestId('keyless-identity').textContent).toContain('Acme Release');
    expect(screen.getByTestId('keyless-issuer').textContent).toBe(signer.issuer);
    expect(screen.getByTestId('keyless-cert-time').textContent).toContain('2026-11-30 01:02:03 UTC');
    expect(screen.getByTestId('keyless-cert-time').textContent).toContain('the transparency log');
    const log = screen.getByTestId('keyless-log').textContent;
    expect(log).toContain('123456789');
    expect(log).toContain('c0d23d6ad406');
    expect(log).toContain('2026-11-30 01:02:05 UTC');
  });

  it('says when the signature is in no log', () => {
    render(KeylessSigner, { signer: { ...signer, log: null } });
    expect(screen.getByTestId('keyless-log').textContent).toContain('not logged');
  });

  it('is shown in a verdict for a keyless signature, and not for a key signature', () => {
    const verdict: Verdict = structuredClone(verdicts.verified);
    const [keySig] = verdict.signatures;
    if (keySig === undefined) throw new Error('the verified fixture has a signature');
    const keyless = { ...keySig, fingerprint: null, keyless: signer };
    verdict.signatures = [keySig, keyless];
    render(VerdictDetails, { verdict, id: 'v' });
    const [first, second] = screen.getAllByTestId('verdict-signature');
    if (first === undefined || second === undefined) throw new Error('two signatures shown');
    expect(within(first).queryByTestId('keyless-signer')).toBeNull();
    expect(within(second).getByTestId('keyless-issuer').textContent).toBe(signer.issuer);
  });
});
