// A keyless signature's signer as the verdict will carry it. Defined here until the verdict
// types generated from the core have it: the fields mirror the ones the core's keyless
// verification adds to a signature report (`keyless`, optional; absent for key signatures).
// At merge this file becomes a re-export of the generated type.
import type { SignatureReport } from '../../ipc/types';

export interface KeylessLog {
  /** The transparency log's id (hex SHA-256 of its key). */
  log_id: string;
  /** The entry's index in that log. */
  index: number;
  /** When the log integrated the entry (RFC 3339), if the log says. */
  integrated_time: string | null;
}

export interface KeylessSigner {
  /** The OIDC issuer named in the certificate. */
  issuer: string;
  /** The certificate's subject (email or URI). */
  subject: string;
  /** The trusted identity's publisher name, when one matched. */
  publisher: string | null;
  /** The start of the certificate's validity (RFC 3339). */
  cert_not_before: string;
  log: KeylessLog | null;
  /** What established the signing time: a log's signed entry timestamp, an inclusion proof, a timestamp authority. */
  time_source: string;
}

/** A signature report that may carry its keyless signer. */
export type SignatureWithSigner = SignatureReport & { keyless?: KeylessSigner | null };

/** The keyless signer of a signature, if it was signed keyless. */
export function keylessOf(sig: SignatureReport): KeylessSigner | null {
  return (sig as SignatureWithSigner).keyless ?? null;
}

/** `2026-11-30 01:40:19 UTC`: a certificate lives minutes, so its time is shown to the second. */
export function exactTime(rfc3339: string): string {
  const time = Date.parse(rfc3339);
  if (Number.isNaN(time)) return rfc3339;
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
