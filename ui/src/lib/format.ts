const HEX_PREFIX = /^sha256:/i;

/** First 12 hex digits after "sha256:" (the whole string if it is shorter). */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.replace(HEX_PREFIX, '').slice(0, 12);
}

/**
 * The full fingerprint in groups of four hex digits, for reading aloud and comparing by eye:
 * "sha256:0123456789ab…" -> "0123 4567 89ab …".
 */
export function groupFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(HEX_PREFIX, '');
  return (hex.match(/.{1,4}/g) ?? []).join(' ');
}

/** The last segment of a file path (either separator). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** A date-input value (YYYY-MM-DD) as the start of that day in UTC, RFC 3339. */
export function dateInputToRfc3339(value: string): string {
  return `${value}T00:00:00Z`;
}

/** A digest shortened like `docker images` does: the first 12 hex digits. */
export function shortDigest(digest: string | null): string {
  if (digest === null || digest === '') return '—';
  const colon = digest.indexOf(':');
  return digest.slice(colon + 1, colon + 1 + 12);
}

/** Splits scopes typed as comma- or newline-separated text; trims, drops blanks and duplicates. */
export function parseScopes(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[,\n]/)) {
    const scope = part.trim();
    if (scope !== '') seen.add(scope);
  }
  return [...seen];
}

/** YYYY-MM-DD for an RFC 3339 time, or the input unchanged if it does not parse. */
export function formatDate(rfc3339: string): string {
  const time = Date.parse(rfc3339);
  if (Number.isNaN(time)) return rfc3339;
  return new Date(time).toISOString().slice(0, 10);
}

/** "1 key", "2 keys". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The current time, RFC 3339 (UTC). */
export function isoNow(): string {
  return new Date().toISOString();
}

/** A size in bytes for reading: "812 B", "4.2 kB", "31.7 MB" (decimal units, as docker prints). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value.toFixed(value < 100 ? 1 : 0)} ${unit}`;
}

/** "2026-03-01 12:00 UTC" for an RFC 3339 time; the input unchanged if it does not parse. */
export function formatUtc(rfc3339: string): string {
  const time = Date.parse(rfc3339);
  if (Number.isNaN(time)) return rfc3339;
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "2026-03-01 13:00" in the computer's time zone. */
export function formatLocal(rfc3339: string): string {
  const time = Date.parse(rfc3339);
  if (Number.isNaN(time)) return rfc3339;
  const d = new Date(time);
  const pad = (n: number): string => n.toString().padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
