// Answers with paths (impact, paths) drawn as one picture: the union of their paths, every node
// and edge clickable to its evidence, reached nodes emphasised.
import { useMemo, useState } from "preact/hooks";
import { graphql } from "../api";
import { Legend, LineageGraph, relKey, type Selection } from "../graph";
import { asOfArgs, getCapabilities, nodeFields, relFields, type GNode, type GRel } from "../model";
import { navigate } from "../router";
import { DetailsPanel } from "../ui";
import { lineageHref } from "../model";

export function PathsPicture(props: { nodes: GNode[]; rels: GRel[]; emphasis: Set<string>; label: string }) {
  const [selection, setSelection] = useState<Selection>(null);
  const byId = useMemo(() => new Map(props.nodes.map((n) => [n.id, n])), [props.nodes]);
  const selNode = selection?.kind === "node" ? byId.get(selection.id) : undefined;
  const selRel = selection?.kind === "edge" ? props.rels.find((r) => relKey(r) === selection.key) : undefined;
  const kinds = [...new Set(props.nodes.map((n) => n.kind))].sort();
  const recentre = (id: string) => navigate(lineageHref(id));
  return (
    <div class="picture">
      <Legend kinds={kinds} />
      <div class="graph-and-panel">
        <LineageGraph nodes={props.nodes} rels={props.rels} emphasis={props.emphasis} selection={selection} onSelect={setSelection} onRecentre={recentre} label={props.label} />
        <DetailsPanel node={selNode} rel={selRel} nodes={byId} onRecentre={recentre} />
      </div>
    </div>
  );
}

interface PathLike {
  nodes: { id: string }[];
  relationships: { type: string; purpose?: string | null }[];
}

function isPath(v: unknown): v is PathLike {
  const p = v as PathLike;
  return !!p && Array.isArray(p?.nodes) && Array.isArray(p?.relationships) && p.nodes.length === p.relationships.length + 1 && p.nodes.every((n) => typeof n?.id === "string");
}

/** Every path in an answer, wherever it sits (impact items, paths lists). */
export function findPaths(v: unknown, out: PathLike[] = []): PathLike[] {
  if (isPath(v)) out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => findPaths(x, out));
  else if (v && typeof v === "object") Object.values(v).forEach((x) => findPaths(x, out));
  return out;
}

/** The "reached" ends of an answer's paths: the last node of each. */
export function pathEnds(paths: PathLike[]): Set<string> {
  return new Set(paths.map((p) => p.nodes[p.nodes.length - 1].id));
}

/**
 * Turns paths that name only ids and types into a picture's nodes and edges with their kinds,
 * flags and provenance: one query for the nodes on the paths and their outgoing lineage edges.
 */
export async function enrichPaths(paths: PathLike[]): Promise<{ nodes: GNode[]; rels: GRel[] }> {
  const ids = [...new Set(paths.flatMap((p) => p.nodes.map((n) => n.id)))].sort();
  const wanted = new Set(paths.flatMap((p) => p.relationships.map((r, i) => `${p.nodes[i].id}|${r.type}|${p.nodes[i + 1].id}`)));
  if (!ids.length) return { nodes: [], rels: [] };
  const a = asOfArgs(await getCapabilities());
  const d = await graphql<{ nodes: { nodes: (GNode & { relationships: GRel[] })[] } }>(
    `query PathNodes($ids: [ID!], $first: Int${a.decl}) { nodes(filter: {ids: $ids}, first: $first${a.arg}) { nodes { ${nodeFields} relationships(direction: DOWNSTREAM, types: [FEEDS, TRAINS, BASE_OF, POWERS, INFORMS, SUPPLIES]) { ${relFields} } } } }`,
    // first: exactly the page needed, so the query's complexity stays within the server's cap
    { ids, first: ids.length, ...a.vars },
  );
  const rels = d.nodes.nodes.flatMap((n) => n.relationships).filter((r) => wanted.has(`${r.from.id}|${r.type}|${r.to.id}`));
  return { nodes: d.nodes.nodes, rels };
}

/** Collects the nodes and relationships of paths that carry full node and relationship fields. */
export function unionOfPaths(paths: { nodes: GNode[]; relationships: GRel[] }[]): { nodes: GNode[]; rels: GRel[] } {
  const nodes = new Map<string, GNode>();
  const rels = new Map<string, GRel>();
  for (const p of paths) {
    p.nodes.forEach((n) => nodes.set(n.id, n));
    p.relationships.forEach((r) => rels.set(relKey(r), r));
  }
  return { nodes: [...nodes.values()], rels: [...rels.values()] };
}
