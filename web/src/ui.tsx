// Small pieces every view uses: tables with a CSV download, the provenance block, the details
// panel of a picked node or edge, loading and error states.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { APIError, download } from "./api";
import { downloadCSV } from "./csv";
import { flagColour, styleOf, edgeLabel } from "./graph";
import type { GNode, GRel, Provenance } from "./model";
import { fileLine, lineageHref, nodeHref, withAsOf } from "./model";
import { Link } from "./router";

/** Loads data for a view; reloads when deps change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: Error; loading: boolean } {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

export function ErrorBox(props: { error: Error }) {
  const code = props.error instanceof APIError ? props.error.code : "";
  return (
    <div class="error" role="alert" data-code={code}>
      {code && <strong>{code}: </strong>}
      {props.error.message}
    </div>
  );
}

export function Loading() {
  return <p class="muted">loading…</p>;
}

export type Cell = string | number | boolean | null | undefined | { text: string; href: string };

function cellText(c: Cell): string | number | boolean | null | undefined {
  return c !== null && typeof c === "object" ? c.text : c;
}

/** A table with a "CSV" button that downloads exactly its rows. */
export function Table(props: { name: string; columns: string[]; rows: Cell[][]; caption?: ComponentChildren; empty?: string }) {
  return (
    <div class="table-block" data-table={props.name}>
      <div class="table-head">
        {props.caption && <span class="caption">{props.caption}</span>}
        <span class="muted">{props.rows.length} rows</span>
        <button type="button" class="csv" data-csv={props.name} onClick={() => downloadCSV(`${props.name}.csv`, props.columns, props.rows.map((r) => r.map(cellText)))}>
          ⬇ CSV
        </button>
      </div>
      {props.rows.length === 0 ? (
        <p class="muted">{props.empty ?? "nothing"}</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                {props.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j}>{c !== null && typeof c === "object" ? <Link href={c.href}>{c.text}</Link> : c === undefined || c === null ? "" : String(c)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function KindTag(props: { kind: string }) {
  const s = styleOf(props.kind);
  return (
    <span class="kind-tag" style={{ color: s.colour, borderColor: s.colour, background: s.fill }}>
      {s.label}
    </span>
  );
}

export function Flags(props: { node: GNode }) {
  if (!props.node.flaggedFor.length) return null;
  return (
    <span class="flags">
      {props.node.flaggedFor.map((f, i) => (
        <span key={i} class="flag" style={{ background: flagColour }} title={f.via === "RISK" ? `risk ${f.risk?.id} (${f.risk?.status})` : "the node's own flags"}>
          ⚑ {f.category}
          {f.via === "RISK" && f.risk ? ` via ${f.risk.id}` : ""}
        </span>
      ))}
    </span>
  );
}

function runCell(r: Provenance["firstRun"]) {
  if (!r) return <span class="muted">—</span>;
  return (
    <span>
      <Link href={withAsOf(`/runs#${r.id}`)} class="run-id">
        {r.id}
      </Link>{" "}
      <span class="muted">finished {r.finishedAt}</span>
    </span>
  );
}

/** Where a node or relationship came from: the auditor's evidence (sources, file:line, runs). */
export function ProvenanceBlock(props: { p: Provenance }) {
  const { p } = props;
  return (
    <dl class="provenance" data-provenance>
      <dt>sources</dt>
      <dd data-field="sources">{p.sources.join(", ") || "—"}</dd>
      <dt>file:line</dt>
      <dd data-field="file-line">
        <code>{fileLine(p) || "—"}</code>
      </dd>
      <dt>first run</dt>
      <dd data-field="first-run">{runCell(p.firstRun)}</dd>
      <dt>last run</dt>
      <dd data-field="last-run">{runCell(p.lastRun)}</dd>
    </dl>
  );
}

/** The panel beside a picture: the picked node's or edge's facts and where each came from. */
export function DetailsPanel(props: { node?: GNode; rel?: GRel; nodes: Map<string, GNode>; onRecentre?: (id: string) => void }) {
  const { node, rel } = props;
  if (node) {
    return (
      <aside class="panel" data-panel="node" data-id={node.id}>
        <h3>
          <KindTag kind={node.kind} /> {node.name}
        </h3>
        <p>
          <code>{node.id}</code>
          {node.thirdParty && <span class="third-party"> third-party</span>}
        </p>
        <Flags node={node} />
        <h4>Provenance</h4>
        <ProvenanceBlock p={node.provenance} />
        <p class="actions">
          <Link href={nodeHref(node.id)}>node page →</Link>
          {props.onRecentre && (
            <button type="button" onClick={() => props.onRecentre!(node.id)}>
              centre lineage here
            </button>
          )}
        </p>
      </aside>
    );
  }
  if (rel) {
    const from = props.nodes.get(rel.from.id);
    const to = props.nodes.get(rel.to.id);
    return (
      <aside class="panel" data-panel="edge" data-edge={`${rel.from.id}|${rel.type}|${rel.to.id}`}>
        <h3>{edgeLabel(rel)}</h3>
        <p class="edge-ends">
          <Link href={nodeHref(rel.from.id)}>{from?.name ?? rel.from.id}</Link> <span class="muted">({rel.from.id})</span>
          <br />→ <Link href={nodeHref(rel.to.id)}>{to?.name ?? rel.to.id}</Link> <span class="muted">({rel.to.id})</span>
        </p>
        {rel.purpose && <p>purpose: {rel.purpose}</p>}
        {rel.as && <p>as: {rel.as}</p>}
        <h4>Where this fact came from</h4>
        <ProvenanceBlock p={rel.provenance} />
      </aside>
    );
  }
  return (
    <aside class="panel muted" data-panel="none">
      Click a node or an edge to see its properties and where it came from. Double-click a node to centre the lineage on it.
    </aside>
  );
}

/** The rows of a trace table: one per relationship, with its evidence (as the evidence pack's trace.csv). */
export const traceColumns = ["from", "type", "to", "sources", "file", "line", "run", "firstSeen", "lastSeen"];

export function traceRows(rels: GRel[]): Cell[][] {
  return rels.map((r) => [
    { text: r.from.id, href: nodeHref(r.from.id) },
    r.type,
    { text: r.to.id, href: nodeHref(r.to.id) },
    r.provenance.sources.join(";"),
    r.provenance.file ?? "",
    r.provenance.line ?? "",
    r.provenance.lastRun?.id ?? "",
    r.provenance.firstRun?.finishedAt ?? "",
    r.provenance.lastRun?.finishedAt ?? "",
  ]);
}

export { lineageHref };

/** The evidence pack of some nodes as a download (docs/evidence.md), with its error shown here. */
export function EvidenceButton(props: { ids: string[]; label: string }) {
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });
  const asOf = new URLSearchParams(location.search).get("asOf");
  const url = "/api/v1/evidence?" + props.ids.map((id) => `id=${encodeURIComponent(id)}`).join("&") + (asOf ? `&asOf=${encodeURIComponent(asOf)}` : "");
  return (
    <span class="evidence">
      <button
        type="button"
        data-action="evidence"
        disabled={state.busy}
        onClick={() => {
          setState({ busy: true });
          download(url, "evidence.zip").then(
            () => setState({ busy: false }),
            (error) => setState({ busy: false, error }),
          );
        }}
      >
        {state.busy ? "building the pack…" : props.label}
      </button>
      {state.error && <ErrorBox error={state.error} />}
    </span>
  );
}
