import { describe, expect, it } from 'vitest';
import { formatDate, parseScopes, plural, shortDigest, shortFingerprint } from './format';

describe('format', () => {
  it('shortens fingerprints and digests to 12 hex digits', () => {
    expect(shortFingerprint('sha256:0123456789abcdef0123')).toBe('0123456789ab');
    expect(shortFingerprint('0123456789abcdef')).toBe('0123456789ab');
    expect(shortDigest('sha256:feedfacecafebeef00')).toBe('feedfacecafe');
    expect(shortDigest(null)).toBe('—');
  });

  it('parses comma and newline separated scopes', () => {
    expect(parseScopes(' a/*, b/c \n\n a/* ,')).toEqual(['a/*', 'b/c']);
    expect(parseScopes('   ')).toEqual([]);
  });

  it('formats dates and counts', () => {
    expect(formatDate('2026-03-01T12:00:00Z')).toBe('2026-03-01');
    expect(formatDate('soon')).toBe('soon');
    expect(plural(1, 'key')).toBe('1 key');
    expect(plural(3, 'key')).toBe('3 keys');
  });
});
