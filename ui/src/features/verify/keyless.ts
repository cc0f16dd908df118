// A keyless signature's signer, as the core's verdict carries it (`SignatureReport.keyless`,
// absent for key signatures).
import type { KeylessSignature, SignatureReport, TimeSource } from '../../ipc/types';

export type KeylessSigner = KeylessSignature;

/** The keyless signer of a signature, if it was signed keyless. */
export function keylessOf(sig: SignatureReport): KeylessSigner | null {
  return sig.keyless ?? null;
}

/** What established the signing time, in words. */
export function timeSourceText(source: TimeSource): string {
  switch (source) {
    case 'transparency_log':
      return 'the transparency log';
    case 'timestamp_authority':
      return 'a timestamp authority';
    case 'both':
      return 'the transparency log and a timestamp authority';
  }
}

/** `2026-11-30 01:40:19 UTC`: a certificate lives minutes, so its time is shown to the second. */
export function exactTime(rfc3339: string): string {
  const time = Date.parse(rfc3339);
  if (Number.isNaN(time)) return rfc3339;
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
