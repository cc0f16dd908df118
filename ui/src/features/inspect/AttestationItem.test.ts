import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Attestation } from '../../ipc/types';
import keylessJson from '../../test/golden/attestations-keyless.json';
import AttestationItem from './AttestationItem.svelte';

// What the core returns for a real keyless Sigstore bundle (GitHub Actions SLSA v1 provenance,
// public-good root) found as an OCI referrer: for a user who trusts the workflow's identity, and
// for one who trusts none (crates/core/tests/ui_golden.rs).
const [trusted, untrusted] = keylessJson as unknown as [Attestation, Attestation];

describe('AttestationItem with attestations from Sigstore bundles', () => {
  it('shows a keyless bundle verified by a trusted identity as provenance, with the core’s reason', () => {
    render(AttestationItem, { attestation: trusted, node: undefined });
    const row = screen.getByTestId('attestation-row');
    expect(row.dataset['verified']).toBe('true');
    expect(screen.getByTestId('attestation-mark').textContent.trim()).toBe('verified');
    expect(row.textContent).toContain('https://slsa.dev/provenance/v1');
    expect(screen.getByTestId('attestation-signer').textContent).toContain('Acme CI');
    expect(screen.getByTestId('attestation-reason').textContent).toContain('signed keyless by https://github.com/sigstore-conformance/');
    expect(screen.getByTestId('attestation-reason').textContent).toContain('issuer https://token.actions.githubusercontent.com');
    expect(screen.getByTestId('attestation-source').textContent).toContain('https://github.com/loosebazooka/aa-test');
    expect(row.textContent).toContain('OCI referrer');
  });

  it('lists the same bundle unverified, with the reason, when no identity is trusted', () => {
    render(AttestationItem, { attestation: untrusted, node: undefined });
    const row = screen.getByTestId('attestation-row');
    expect(row.dataset['verified']).toBe('false');
    expect(screen.getByTestId('attestation-mark').textContent.trim()).toBe('unverified');
    expect(screen.getByTestId('attestation-reason').textContent).toContain('you trust no keyless identity');
    expect(screen.getByTestId('attestation-signer').textContent).toContain('no trusted key');
  });
});
