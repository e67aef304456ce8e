// /lineage/<id>: the node's upstream and downstream lineage as a picture, left to right, with a
// depth control, the details of whatever is clicked, the edges as a table (CSV) and the evidence
// pack of the node.
import { useMemo, useState } from "preact/hooks";
import { graphql } from "../api";
import { Legend, LineageGraph, relKey, type Selection } from "../graph";
import { asOfArgs, getCapabilities, lineageHref, nodeFields, relFields, type GNode, type GRel, type Subgraph } from "../model";
import { navigate, Link, useLocation } from "../router";
import { DetailsPanel, ErrorBox, EvidenceButton, Flags, KindTag, Loading, Table, traceColumns, traceRows, useLoad } from "../ui";

type Direction = "BOTH" | "UPSTREAM" | "DOWNSTREAM";

interface LineageAnswer {
  node: GNode | null;
  up?: Subgraph;
  down?: Subgraph;
}

/**
 * Nodes drawn per direction at most: a picture of more is unreadable, and the server weighs a
 * traversal by how many results it may return (docs/api.md), so asking for a picture's worth
 * keeps the question well inside its cost limit. `truncated` says when the picture was cut.
 */
export const pictureLimit = 300;

export async function loadLineage(id: string, depth: number, direction: Direction): Promise<LineageAnswer> {
  const caps = await getCapabilities();
  const a = asOfArgs(caps);
  const part = (alias: string, dir: string) =>
    `${alias}: lineage(id: $id, direction: ${dir}, maxDepth: $depth, limit: ${pictureLimit}${a.arg}) { truncated nodes { ${nodeFields} } relationships { ${relFields} } }`;
  const parts = [direction !== "DOWNSTREAM" ? part("up", "UPSTREAM") : "", direction !== "UPSTREAM" ? part("down", "DOWNSTREAM") : ""];
  return graphql<LineageAnswer>(`query Lineage($id: ID!, $depth: Int${a.decl}) { node(id: $id${a.arg}) { ${nodeFields} } ${parts.join(" ")} }`, { id, depth, ...a.vars });
}

/** Both directions in one picture: the union of the two subgraphs, each node and edge once. */
export function mergeSubgraphs(...gs: (Subgraph | undefined)[]): { nodes: GNode[]; rels: GRel[]; truncated: boolean } {
  const nodes = new Map<string, GNode>();
  const rels = new Map<string, GRel>();
  let truncated = false;
  for (const g of gs) {
    if (!g) continue;
    truncated ||= !!g.truncated;
    g.nodes.forEach((n) => nodes.set(n.id, n));
    g.relationships.forEach((r) => rels.set(relKey(r), r));
  }
  return { nodes: [...nodes.values()], rels: [...rels.values()], truncated };
}

export function LineageView(props: { id: string }) {
  const { query } = useLocation();
  const depth = Math.min(25, Math.max(1, Number(query.get("depth")) || 10));
  const direction = (["UPSTREAM", "DOWNSTREAM"].includes(query.get("direction") ?? "") ? query.get("direction") : "BOTH") as Direction;
  const asOf = query.get("asOf");
  const { data, error, loading } = useLoad(() => loadLineage(props.id, depth, direction), [props.id, depth, direction, asOf]);
  const [selection, setSelection] = useState<Selection>(null);
  const merged = useMemo(() => (data ? mergeSubgraphs(data.up, data.down) : null), [data]);
  const byId = useMemo(() => new Map((merged?.nodes ?? []).map((n) => [n.id, n])), [merged]);

  const setParam = (k: string, v: string | null) => {
    const q = new URLSearchParams(location.search);
    if (v === null) q.delete(k);
    else q.set(k, v);
    navigate(`${location.pathname}?${q}`, true);
  };
  const recentre = (id: string) => {
    setSelection({ kind: "node", id });
    navigate(lineageHref(id, depth));
  };

  if (error) return <ErrorBox error={error} />;
  if (!data || !merged) return <Loading />;
  if (!data.node) return <ErrorBox error={new Error(`no node with id ${props.id}`)} />;
  const node = data.node;
  const selNode = selection?.kind === "node" ? byId.get(selection.id) : undefined;
  const selRel = selection?.kind === "edge" ? merged.rels.find((r) => relKey(r) === selection.key) : undefined;
  const kinds = [...new Set(merged.nodes.map((n) => n.kind))].sort();

  return (
    <section class="lineage" data-view="lineage" data-loading={String(loading)}>
      <h2>
        Lineage of <KindTag kind={node.kind} /> {node.name} <code class="muted">{node.id}</code> <Flags node={node} />
      </h2>
      <div class="controls">
        <label>
          direction{" "}
          <select value={direction} onChange={(e) => setParam("direction", (e.target as HTMLSelectElement).value === "BOTH" ? null : (e.target as HTMLSelectElement).value)}>
            <option value="BOTH">upstream and downstream</option>
            <option value="UPSTREAM">upstream only</option>
            <option value="DOWNSTREAM">downstream only</option>
          </select>
        </label>
        <label>
          depth{" "}
          <input type="range" min={1} max={25} value={depth} name="depth" onChange={(e) => setParam("depth", (e.target as HTMLInputElement).value)} />{" "}
          <output>{depth}</output>
        </label>
        <Link href={`/node/${encodeURIComponent(node.id)}${location.search}`}>node page</Link>
        <EvidenceButton ids={[node.id]} label="⬇ evidence pack" />
        {merged.truncated && <span class="warn">the picture shows the {pictureLimit} nearest nodes each way: lower the depth to see all of a smaller neighbourhood</span>}
      </div>
      <Legend kinds={kinds} />
      <div class="graph-and-panel">
        <LineageGraph
          nodes={merged.nodes}
          rels={merged.rels}
          centre={node.id}
          selection={selection}
          onSelect={setSelection}
          onRecentre={recentre}
          label={`lineage of ${node.id}: ${merged.nodes.length} nodes, ${merged.rels.length} relationships`}
        />
        <DetailsPanel node={selNode} rel={selRel} nodes={byId} onRecentre={recentre} />
      </div>
      <Table
        name={`lineage-${node.id.replace(/[^A-Za-z0-9._-]+/g, "_")}`}
        caption="Every edge of the picture, with where it came from"
        columns={traceColumns}
        rows={traceRows([...merged.rels].sort((a, b) => (relKey(a) < relKey(b) ? -1 : 1)))}
      />
    </section>
  );
}
