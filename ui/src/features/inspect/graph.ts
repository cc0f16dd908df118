// Presentation of the core's provenance graph: columns for drawing, words and icons for marks.
// Nothing here decides trust; marks are shown exactly as the core set them.
import type { EdgeKind, GraphEdge, GraphNode, Mark, NodeKind, ProvenanceGraph } from '../../ipc/types';
import type { IconName } from '../../lib/components/icons';
import type { Tone } from '../../lib/components/tones';

export type MarkMeta = { tone: Tone; icon: IconName; word: string; description: string };

const MARKS: Record<Mark, MarkMeta> = {
  verified: { tone: 'verified', icon: 'shield-check', word: 'verified', description: 'Verified by a trusted key.' },
  attested: {
    tone: 'verified',
    icon: 'check',
    word: 'attested',
    description: 'Stated by verified content (a verified attestation).',
  },
  unverified: { tone: 'invalid', icon: 'circle-x', word: 'unverified', description: 'Present but not verified.' },
  unsigned: { tone: 'unsigned', icon: 'circle-dash', word: 'unsigned', description: 'Nothing signs it.' },
  claimed: {
    tone: 'warning',
    icon: 'triangle-alert',
    word: 'claimed',
    description: 'Stated by content that is not verified: a claim, not a fact.',
  },
};

/** How to show a mark; a mark this UI does not know yet is shown by its name. */
export function markMeta(mark: string): MarkMeta {
  return (
    (MARKS as Record<string, MarkMeta | undefined>)[mark] ?? {
      tone: 'neutral',
      icon: 'info',
      word: mark.replaceAll('_', ' '),
      description: mark,
    }
  );
}

export const MARK_ORDER: Mark[] = ['verified', 'attested', 'unverified', 'unsigned', 'claimed'];

type KindMeta = { word: string; plural: string; icon: IconName };

const KINDS: Record<NodeKind, KindMeta> = {
  image: { word: 'Image', plural: 'Image', icon: 'box' },
  digest: { word: 'Digest', plural: 'Digest', icon: 'hash' },
  platform: { word: 'Platform', plural: 'Platforms', icon: 'cpu' },
  signature: { word: 'Signature', plural: 'Signatures', icon: 'pencil' },
  key: { word: 'Key', plural: 'Keys', icon: 'key' },
  publisher: { word: 'Publisher', plural: 'Publishers', icon: 'user' },
  attestation: { word: 'Attestation', plural: 'Attestations', icon: 'file-check' },
  builder: { word: 'Builder', plural: 'Builders', icon: 'wrench' },
  source: { word: 'Source', plural: 'Sources', icon: 'git-commit' },
  material: { word: 'Material', plural: 'Materials', icon: 'layers' },
};

export function kindMeta(kind: string): KindMeta {
  return (KINDS as Record<string, KindMeta | undefined>)[kind] ?? { word: kind, plural: kind, icon: 'info' };
}

const EDGE_WORDS: Record<EdgeKind, string> = {
  resolves_to: 'resolves to',
  contains: 'contains',
  signed_by: 'is signed by',
  verified_with: 'verified with',
  belongs_to: 'belongs to',
  attested_by: 'is attested by',
  built_by: 'built by',
  built_from: 'built from',
  depends_on: 'depends on',
};

export function edgeWords(kind: string): string {
  return (EDGE_WORDS as Record<string, string | undefined>)[kind] ?? kind.replaceAll('_', ' ');
}

/** Node kinds whose labels are identifiers (shown in monospace). */
export const MONO_KINDS: ReadonlySet<string> = new Set(['image', 'digest', 'key', 'source', 'material', 'builder']);

export type Column = { title: string; nodes: GraphNode[] };

/**
 * Lays the graph out left to right: each node goes one column right of its furthest parent
 * (image → digest → signatures → keys → publishers; attestations → builder → source → materials).
 * Within a column, nodes follow their parents' order so lines cross as little as possible.
 */
export function layoutColumns(graph: ProvenanceGraph): Column[] {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const edges = graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to);
  const layer = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  // Longest path from the roots; bounded so a cycle (never sent by the core) cannot loop forever.
  for (let pass = 0; pass < graph.nodes.length; pass++) {
    let changed = false;
    for (const e of edges) {
      const next = (layer.get(e.from) ?? 0) + 1;
      if ((layer.get(e.to) ?? 0) < next) {
        layer.set(e.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }

  const count = Math.max(0, ...layer.values()) + 1;
  const columns: GraphNode[][] = Array.from({ length: count }, () => []);
  graph.nodes.forEach((n) => columns[layer.get(n.id) ?? 0]?.push(n));

  const position = new Map<string, number>();
  const original = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const parents = (id: string): GraphEdge[] => edges.filter((e) => e.to === id);
  return columns
    .map((column) => {
      const weight = (n: GraphNode): number => {
        const ps = parents(n.id)
          .map((e) => position.get(e.from))
          .filter((p): p is number => p !== undefined);
        return ps.length === 0 ? Number.MAX_SAFE_INTEGER : ps.reduce((a, b) => a + b, 0) / ps.length;
      };
      const sorted = [...column].sort(
        (a, b) => weight(a) - weight(b) || (original.get(a.id) ?? 0) - (original.get(b.id) ?? 0),
      );
      sorted.forEach((n, i) => position.set(n.id, i));
      const kinds = [...new Set(sorted.map((n) => n.kind))];
      const title = kinds
        .map((k) => (sorted.filter((n) => n.kind === k).length > 1 ? kindMeta(k).plural : kindMeta(k).word))
        .join(' · ');
      return { title, nodes: sorted };
    })
    .filter((c) => c.nodes.length > 0);
}
