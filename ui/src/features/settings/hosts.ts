/** A registry host as typed, made plain: no scheme, no trailing slash, no surrounding spaces. */
export function normalizeHost(typed: string): string {
  return typed.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/**
 * Why `host` cannot join `list`, or null when it can. The core checks the host's syntax when
 * saving; this only catches what a person can fix while typing.
 */
export function hostProblem(host: string, list: readonly string[]): string | null {
  if (/\s/.test(host)) return 'A registry host has no spaces: use host or host:port, e.g. registry.internal:5000.';
  if (list.includes(host)) return `${host} is already in the list.`;
  return null;
}
