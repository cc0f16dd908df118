import type { KeyAlgorithm } from '../../ipc/types';

export const ALGORITHM_LABELS: Record<KeyAlgorithm, string> = {
  ed25519: 'Ed25519',
  'ecdsa-p256': 'ECDSA P-256',
  rsa: 'RSA',
};

/** A label for an algorithm name from the core, known or not. */
export function algorithmLabel(algorithm: string): string {
  return (ALGORITHM_LABELS as Record<string, string>)[algorithm] ?? algorithm;
}
