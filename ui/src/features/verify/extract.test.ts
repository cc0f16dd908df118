import { describe, expect, it } from 'vitest';
import { extractReferences, looksLikeReference } from './extract';

const DIGEST = `sha256:${'0f'.repeat(32)}`;

describe('extractReferences', () => {
  it('takes one reference per line', () => {
    expect(extractReferences('nginx\ndocker.io/library/nginx:1.27\n\nlocalhost:5000/team/app:dev\n')).toEqual([
      'nginx',
      'docker.io/library/nginx:1.27',
      'localhost:5000/team/app:dev',
    ]);
  });

  it('keeps digests and tags with digests', () => {
    expect(extractReferences(`ghcr.io/acme/api@${DIGEST}\nquay.io/x/y:1.0@${DIGEST}`)).toEqual([
      `ghcr.io/acme/api@${DIGEST}`,
      `quay.io/x/y:1.0@${DIGEST}`,
    ]);
  });

  it('finds references inside commands, compose files and Dockerfiles', () => {
    const text = [
      'docker pull --platform linux/amd64 redis:7.2',
      '    image: "ghcr.io/acme/web:2.1"',
      'FROM node:20-alpine AS build',
      'podman run -it --rm registry.example.com:8443/tools/debug',
    ].join('\n');
    expect(extractReferences(text)).toEqual([
      'redis:7.2',
      'ghcr.io/acme/web:2.1',
      'node:20-alpine',
      'registry.example.com:8443/tools/debug',
    ]);
  });

  it('skips prose, URLs, comments and duplicates', () => {
    const text = 'please check these images\nhttps://example.com/page\n# comment nginx:1\nalpine:3.20\nalpine:3.20';
    expect(extractReferences(text)).toEqual(['alpine:3.20']);
  });

  it('rejects things that are not references', () => {
    expect(looksLikeReference('Nginx')).toBe(false);
    expect(looksLikeReference('nginx:')).toBe(false);
    expect(looksLikeReference('a//b')).toBe(false);
    expect(looksLikeReference('nginx@sha256:123')).toBe(false);
    expect(looksLikeReference('ghcr.io/acme/api')).toBe(true);
  });
});
