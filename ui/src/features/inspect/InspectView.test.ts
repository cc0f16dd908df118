import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { inspection, unsignedInspection } from '../../test/fixtures';
import { deferred, ipcError, mockBackend } from '../../test/ipc';
import { layoutColumns } from './graph';
import InspectView from './InspectView.svelte';

describe('InspectView', () => {
  it('asks the core to inspect the image and draws its graph as given', async () => {
    const fixture = inspection();
    const calls = mockBackend((cmd) => (cmd === 'inspect_image' ? fixture : null));
    render(InspectView, { reference: 'ghcr.io/acme/app:v1', onback: vi.fn() });

    expect(screen.getByTestId('inspect-loading')).toBeTruthy();
    const graph = await screen.findByTestId('inspect-graph');
    expect(calls).toEqual([{ cmd: 'inspect_image', args: { reference: 'ghcr.io/acme/app:v1' } }]);

    // Every node, with the kind and mark the core gave it.
    const nodes = within(graph).getAllByTestId('graph-node');
    expect(nodes).toHaveLength(fixture.graph.nodes.length);
    const byId = new Map(nodes.map((n) => [n.dataset['nodeId'], n]));
    for (const n of fixture.graph.nodes) {
      const el = byId.get(n.id);
      expect(el?.dataset['kind']).toBe(n.kind);
      expect(el?.dataset['mark']).toBe(n.mark ?? 'none');
      expect(el?.textContent).toContain(n.label);
    }
    // Marks are words and icons, not colour alone.
    const markOf = (id: string): string | undefined =>
      byId.get(id)?.querySelector('[data-testid="graph-node-mark"]')?.textContent.trim();
    expect(markOf('builder:https://github.com/docker/buildx@v0.20')).toBe('attested'); // covered by the index signature
    expect(markOf('attestation:2')).toBe('unverified'); // signed by a key scoped elsewhere
    expect(byId.get('signature:0')?.textContent).toContain('verified');
    expect(byId.get('publisher:Acme Platform')?.querySelector('[data-testid="graph-node-mark"]')).toBeNull();

    // The chain reads left to right: image → digest → … → materials.
    const order = (id: string): number =>
      [...graph.querySelectorAll('.column')].findIndex((c) =>
        [...c.querySelectorAll<HTMLElement>('[data-testid="graph-node"]')].some((n) => n.dataset['nodeId'] === id),
      );
    expect(order('image')).toBe(0);
    expect(order('signature:0')).toBeGreaterThan(order(`digest:${fixture.verdict.digest ?? ''}`));
    expect(order('publisher:Acme Platform')).toBeGreaterThan(order('signature:0'));
    expect(order(`material:pkg:docker/alpine@3.20?platform=linux%2Famd64@sha256:${'6f'.repeat(32)}`)).toBeGreaterThan(
      order('builder:https://github.com/docker/buildx@v0.20'),
    );

    // The verdict with every check and the signer.
    expect(screen.getByTestId('inspect-verdict').textContent).toContain('Verified');
    expect(screen.getAllByTestId('verdict-check')).toHaveLength(fixture.verdict.checks.length);
    expect(screen.getByTestId('verdict-signature').textContent).toContain('Acme Platform');
    expect(screen.getAllByTestId('verdict-platform').map((p) => p.textContent)).toEqual([
      expect.stringContaining('linux/amd64'),
      expect.stringContaining('linux/arm64'),
    ]);
  });

  it('lists attestations with their verification, builder, source, revision, times and materials', async () => {
    // The unsigned index: its BuildKit provenance is covered by nothing.
    mockBackend((cmd) => (cmd === 'inspect_image' ? unsignedInspection() : null));
    render(InspectView, { reference: 'ghcr.io/acme/app:v1', onback: vi.fn() });

    const rows = await screen.findAllByTestId('attestation-row');
    expect(rows.map((r) => r.dataset['verified'])).toEqual(['true', 'false', 'false']);
    const [signed, unsigned, untrusted] = rows as [HTMLElement, HTMLElement, HTMLElement];

    expect(signed.textContent).toContain('SLSA provenance v0.2');
    expect(within(signed).getByTestId('attestation-mark').textContent.trim()).toBe('verified');
    expect(within(signed).getByTestId('attestation-signer').textContent).toContain('Acme Platform');
    expect(within(signed).getByTestId('attestation-signer').textContent).toContain('45f0a7fb31b3');
    expect(within(signed).getByTestId('attestation-builder').textContent).toContain('https://github.com/acme/builder@v1');
    expect(within(signed).getByTestId('attestation-source').textContent).toContain('git+https://github.com/acme/app@refs/heads/main');
    expect(within(signed).getByTestId('attestation-revision').textContent).toContain('0123456789abcdef0123456789abcdef01234567');
    expect(within(signed).getByTestId('attestation-times').textContent).toContain('2026-01-02 03:04 UTC → 2026-01-02 03:09 UTC');
    expect(within(signed).getAllByTestId('attestation-material').map((m) => m.textContent)).toEqual([
      expect.stringContaining('pkg:docker/golang@1.22'),
    ]);

    // Unsigned: the core's reason is shown, and the mark says so in words.
    expect(within(unsigned).getByTestId('attestation-mark').textContent.trim()).toBe('unsigned');
    expect(within(unsigned).getByTestId('attestation-reason').textContent).toContain('no trusted signature covers it');
    expect(within(unsigned).getByTestId('attestation-signer').textContent).toContain('no trusted key');
    expect(unsigned.textContent).toContain('BuildKit attestation manifest');
    expect(within(unsigned).getAllByTestId('attestation-material').map((m) => m.textContent)).toEqual([
      expect.stringContaining('pkg:docker/alpine@3.20'),
    ]);

    // Signed by a key not trusted for this repository: the core's mark and reason.
    expect(within(untrusted).getByTestId('attestation-mark').textContent.trim()).toBe('unverified');
    expect(within(untrusted).getByTestId('attestation-reason').textContent).toContain('does not cover ghcr.io/acme/app');
    expect(untrusted.textContent).toContain('OCI referrer');
  });

  it('shows labels and metadata, and the notes', async () => {
    mockBackend((cmd) => (cmd === 'inspect_image' ? inspection() : null));
    render(InspectView, { reference: 'ghcr.io/acme/app:v1', onback: vi.fn() });

    const meta = await screen.findByTestId('inspect-metadata');
    expect(within(meta).getByTestId('metadata-kind').textContent).toContain('Multi-platform index · 2 platforms');
    expect(within(meta).getByTestId('metadata-created').textContent).toBe('2026-01-02 03:04 UTC');
    expect(within(meta).getByTestId('metadata-oci').textContent).toContain('https://github.com/acme/app');
    const platforms = within(meta).getAllByTestId('metadata-platform');
    expect(platforms).toHaveLength(2);
    expect(platforms[0]?.textContent).toContain('31.7 MB');
    expect(within(platforms[0] as HTMLElement).getByTestId('status-badge').dataset['status']).toBe('verified');
    expect(within(meta).getByTestId('metadata-labels').textContent).toContain('platform@acme.example');
    expect(screen.getByTestId('inspect-notes').textContent).toContain('does not support the referrers API');
  });

  it('shows layers, size and history for a single image without attestations', async () => {
    const single = inspection({
      attestations: [],
      metadata: {
        media_type: 'application/vnd.oci.image.manifest.v1+json',
        is_index: false,
        oci: {},
        labels: {},
        annotations: {},
        created: null,
        platforms: [],
        layer_count: 4,
        total_size: 1500,
        history_length: 9,
        attestation_manifests: 0,
        problems: ['config blob: HTTP 404'],
      },
      notes: [],
    });
    mockBackend(() => single);
    render(InspectView, { reference: 'ghcr.io/acme/app:v1', onback: vi.fn() });

    const meta = await screen.findByTestId('inspect-metadata');
    expect(within(meta).getByTestId('metadata-kind').textContent).toContain('Single image');
    expect(within(meta).getByTestId('metadata-layers').textContent).toBe('4');
    expect(within(meta).getByTestId('metadata-size').textContent).toContain('1.5 kB');
    expect(within(meta).getByTestId('metadata-history').textContent).toBe('9 steps');
    expect(meta.textContent).toContain('config blob: HTTP 404');
    expect(screen.getByTestId('inspect-no-attestations')).toBeTruthy();
    expect(screen.queryByTestId('inspect-notes')).toBeNull();
  });

  it('shows the error of a failed inspection and goes back', async () => {
    mockBackend(() => ipcError('registry', 'the registry ghcr.io could not be reached'));
    const onback = vi.fn();
    render(InspectView, { reference: 'ghcr.io/acme/app:v1', onback });

    expect((await screen.findByTestId('inspect-error')).textContent).toContain('could not be reached');
    await fireEvent.click(screen.getByTestId('inspect-back'));
    expect(onback).toHaveBeenCalledOnce();
  });

  it('keeps only the answer for the image shown now, and inspects again on request', async () => {
    const first = deferred<unknown>();
    const calls = mockBackend((_cmd, args) =>
      args?.['reference'] === 'ghcr.io/acme/app:v1' ? first.promise : inspection({ notes: ['about v2'] }),
    );
    const view = render(InspectView, { reference: 'ghcr.io/acme/app:v1', onback: vi.fn() });
    await view.rerender({ reference: 'ghcr.io/acme/app:v2' });
    await waitFor(() => {
      expect(screen.getByTestId('inspect-notes').textContent).toContain('about v2');
    });
    first.resolve(inspection({ notes: ['about v1'] })); // late: ignored
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.getByTestId('inspect-notes').textContent).toContain('about v2');

    await fireEvent.click(screen.getByTestId('inspect-refresh'));
    await waitFor(() => {
      expect(calls.map((c) => c.args?.['reference'])).toEqual(['ghcr.io/acme/app:v1', 'ghcr.io/acme/app:v2', 'ghcr.io/acme/app:v2']);
    });
  });
});

describe('layoutColumns', () => {
  it('puts each node one column right of its furthest parent, in its parents’ order', () => {
    const cols = layoutColumns(inspection().graph);
    expect(cols.map((c) => c.nodes.map((n) => n.kind))).toEqual([
      ['image'],
      ['digest'],
      ['platform', 'platform', 'signature', 'attestation', 'attestation'],
      ['attestation', 'key', 'builder', 'key'],
      ['builder', 'publisher', 'source', 'publisher'],
      ['material', 'material'],
    ]);
    expect(cols[0]?.title).toBe('Image');
    expect(cols[2]?.title).toBe('Platforms · Signature · Attestations');
    expect(cols[5]?.title).toBe('Materials');
  });

  it('survives edges to unknown nodes and a graph with only the image', () => {
    const image = { id: 'image', kind: 'image', label: 'x', mark: null, detail: null } as const;
    const cols = layoutColumns({ nodes: [image], edges: [{ from: 'image', to: 'nope', kind: 'resolves_to' }] });
    // One column holding just the image: the dangling edge adds no column and no node.
    expect(cols).toEqual([{ title: 'Image', nodes: [image] }]);
    // An edge from an unknown node does not push a known node right of the other roots.
    const digest = { id: 'digest', kind: 'digest', label: 'd', mark: null, detail: null } as const;
    const again = layoutColumns({ nodes: [image, digest], edges: [{ from: 'ghost', to: 'image', kind: 'contains' }] });
    expect(again).toEqual([{ title: 'Image · Digest', nodes: [image, digest] }]);
  });
});
