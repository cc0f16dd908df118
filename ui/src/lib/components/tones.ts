/** Colour families for badges; each maps to a pair of design tokens (`--color-X`, `--color-X-bg`). */
export type Tone =
  | 'verified'
  | 'unsigned'
  | 'untrusted'
  | 'invalid'
  | 'error'
  | 'cancelled'
  | 'checking'
  | 'warning'
  | 'neutral';
