import { describe, expect, it } from 'vitest';
import { keys } from '../test/fixtures';
import { mockBackend } from '../test/ipc';
import { listKeysOnce, prefetchKeys } from './api';
import { bootTheme, hasBootKeys, readBoot, takeBootIdentities, takeBootKeys, takeBootTrustRoots } from './boot';
import type { Boot } from './types';

describe('boot data (window.__VOUCH_BOOT__, put in the page by the app)', () => {
  it('hands the keys out once, keeps the theme, and leaves nothing on window', () => {
    window.__VOUCH_BOOT__ = { keys: [...keys], theme: 'dark' };
    readBoot();
    expect(window.__VOUCH_BOOT__).toBeUndefined();
    expect(hasBootKeys()).toBe(true);
    expect(takeBootKeys()).toEqual(keys);
    expect(hasBootKeys()).toBe(false);
    expect(takeBootKeys()).toBeNull();
    expect(bootTheme()).toBe('dark');
  });

  it('hands the identities and the trusted roots out once each', () => {
    window.__VOUCH_BOOT__ = { keys: [], identities: [], trust_roots: ['public-good', 'corp'] };
    readBoot();
    expect(takeBootIdentities()).toEqual([]);
    expect(takeBootIdentities()).toBeNull();
    expect(takeBootTrustRoots()).toEqual(['public-good', 'corp']);
    expect(takeBootTrustRoots()).toBeNull();
  });

  it('is empty when the page came without it (a reload, the demo, tests)', () => {
    readBoot();
    expect(hasBootKeys()).toBe(false);
    expect(takeBootKeys()).toBeNull();
    expect(takeBootIdentities()).toBeNull();
    expect(takeBootTrustRoots()).toBeNull();
    expect(bootTheme()).toBeNull();
  });

  it('keeps only well-formed parts', () => {
    window.__VOUCH_BOOT__ = JSON.parse(
      '{"keys": "not a list", "identities": [null], "trust_roots": ["public-good", 7], "theme": "neon"}',
    ) as Boot;
    readBoot();
    expect(takeBootKeys()).toBeNull();
    expect(takeBootIdentities()).toBeNull();
    expect(takeBootTrustRoots()).toBeNull();
    expect(bootTheme()).toBeNull();
  });

  it('an empty key list is a list: the first screen shows no keys without asking', () => {
    window.__VOUCH_BOOT__ = { keys: [] };
    readBoot();
    expect(takeBootKeys()).toEqual([]);
  });

  it('the keys are not prefetched over IPC when the page came with them', async () => {
    const calls = mockBackend((cmd) => (cmd === 'list_keys' ? keys : null));
    window.__VOUCH_BOOT__ = { keys: [] };
    readBoot();
    prefetchKeys();
    expect(calls).toEqual([]);
    // Without them, the prefetch asks the core once and the first list is its answer.
    readBoot();
    prefetchKeys();
    expect(await listKeysOnce()).toEqual(keys);
    expect(calls.map((c) => c.cmd)).toEqual(['list_keys']);
  });
});
