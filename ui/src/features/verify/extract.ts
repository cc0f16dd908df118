// Pulls image references out of pasted text. Deliberately simple: the authoritative extractor will
// live in the Rust core; this only has to turn "one per line" or a pasted `docker pull` into a list.

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:(?:localhost|[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+)(?::[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+)';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);

/** Words that often sit next to references in pasted commands and are not images themselves. */
const NOISE = new Set(['docker', 'podman', 'nerdctl', 'pull', 'run', 'push', 'image', 'images', 'from', 'as']);

/** True when `token` is shaped like an image reference (name, optional registry, tag and digest). */
export function looksLikeReference(token: string): boolean {
  return token.length <= 512 && REFERENCE.test(token);
}

/** Command-line flags whose next word is a value, not an image. */
const VALUE_FLAGS = new Set([
  '--platform', '--name', '-e', '--env', '-v', '--volume', '-p', '--publish', '--network',
  '--entrypoint', '-w', '--workdir', '-u', '--user', '-l', '--label', '--mount', '--env-file',
]);

function clean(token: string): string {
  return token.replace(/^["'`([{<]+/, '').replace(/["'`)\]}>,;]+$/, '');
}

/** Flags, URLs, YAML keys (`image:`) and command words are never references. */
function isCandidate(token: string): boolean {
  return (
    token !== '' &&
    !token.startsWith('-') &&
    !token.endsWith(':') &&
    !token.includes('://') &&
    !NOISE.has(token.toLowerCase())
  );
}

/**
 * References found in `text`, in order, without duplicates.
 * A line holding a single token counts if it is shaped like a reference ("nginx" is fine);
 * in longer lines only tokens with a registry, path, tag or digest count, so prose words are skipped.
 */
export function extractReferences(text: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const words = line.split(/[\s,]+/).map(clean);
    const tokens = words.filter((w, i) => isCandidate(w) && !VALUE_FLAGS.has(words[i - 1] ?? ''));
    const single = tokens.length === 1;
    for (const token of tokens) {
      const qualified = /[/:@]/.test(token);
      if (!single && !qualified) continue;
      if (!looksLikeReference(token) || seen.has(token)) continue;
      seen.add(token);
      found.push(token);
    }
  }
  return found;
}
