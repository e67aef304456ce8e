// The lineage picture: a layered left-to-right layout (dagre, the Sugiyama-style layout Marquez
// uses for the same job) drawn as SVG. Kinds differ by shape and colour, third-party nodes have a
// dashed outline, flagged nodes a red outline and a badge naming their categories. Every node and
// edge is clickable; the element attributes (data-node-id, data-edge, data-flags) are what the
// browser tests read.
import { Graph, layout } from "@dagrejs/dagre";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { GNode, GRel } from "./model";

export interface KindStyle {
  colour: string;
  fill: string;
  shape: "cylinder" | "hexagon" | "rect" | "pill" | "parallelogram" | "chevron" | "note";
  label: string;
}

export const kindStyles: Record<string, KindStyle> = {
  VENDOR: { colour: "#5b6770", fill: "#eef0f2", shape: "parallelogram", label: "Vendor" },
  DATASET: { colour: "#1d70b8", fill: "#e6f0fa", shape: "cylinder", label: "Dataset" },
  MODEL: { colour: "#6f42c1", fill: "#f0eafa", shape: "hexagon", label: "Model" },
  AI_SYSTEM: { colour: "#00796b", fill: "#e3f4f1", shape: "rect", label: "AI system" },
  DECISION: { colour: "#b35c00", fill: "#fdf0e2", shape: "pill", label: "Decision" },
  JOB: { colour: "#8a6d00", fill: "#fbf5dc", shape: "chevron", label: "Job" },
};
const otherKind: KindStyle = { colour: "#555", fill: "#f3f3f3", shape: "note", label: "Other" };

export function styleOf(kind: string): KindStyle {
  return kindStyles[kind] ?? { ...otherKind, label: kind };
}

export const flagColour = "#c62828";

export type Selection = { kind: "node"; id: string } | { kind: "edge"; key: string } | null;

export function relKey(r: GRel): string {
  return `${r.from.id}|${r.type}|${r.to.id}|${r.purpose ?? r.as ?? ""}`;
}

const nodeH = 48;
const minScale = 0.6;
const charW = 6.6;

function nodeWidth(n: GNode): number {
  return Math.min(250, Math.max(130, 28 + charW * Math.max(shortName(n).length, n.id.length * 0.85)));
}

function shortName(n: GNode): string {
  const name = n.name || n.id;
  return name.length > 34 ? name.slice(0, 33) + "…" : name;
}

function shapePath(shape: KindStyle["shape"], w: number, h: number): string {
  const x = -w / 2, y = -h / 2, r = 7;
  switch (shape) {
    case "cylinder": {
      const e = 6;
      return `M${x},${y + e} A${w / 2},${e} 0 0 1 ${x + w},${y + e} V${y + h - e} A${w / 2},${e} 0 0 1 ${x},${y + h - e} Z M${x},${y + e} A${w / 2},${e} 0 0 0 ${x + w},${y + e}`;
    }
    case "hexagon":
      return `M${x + 12},${y} H${x + w - 12} L${x + w},0 L${x + w - 12},${y + h} H${x + 12} L${x},0 Z`;
    case "pill":
      return `M${x + h / 2},${y} H${x + w - h / 2} A${h / 2},${h / 2} 0 0 1 ${x + w - h / 2},${y + h} H${x + h / 2} A${h / 2},${h / 2} 0 0 1 ${x + h / 2},${y} Z`;
    case "parallelogram":
      return `M${x + 10},${y} H${x + w} L${x + w - 10},${y + h} H${x} Z`;
    case "chevron":
      return `M${x},${y} H${x + w - 10} L${x + w},0 L${x + w - 10},${y + h} H${x} L${x + 10},0 Z`;
    case "note":
      return `M${x},${y} H${x + w - 10} L${x + w},${y + 10} V${y + h} H${x} Z`;
    default:
      return `M${x + r},${y} H${x + w - r} Q${x + w},${y} ${x + w},${y + r} V${y + h - r} Q${x + w},${y + h} ${x + w - r},${y + h} H${x + r} Q${x},${y + h} ${x},${y + h - r} V${y + r} Q${x},${y} ${x + r},${y} Z`;
  }
}

interface Point {
  x: number;
  y: number;
}

/** A B-spline through dagre's edge points (the curve d3's curveBasis draws). */
function basisPath(pts: Point[]): string {
  if (pts.length < 3) return `M${pts[0].x},${pts[0].y}` + pts.slice(1).map((p) => ` L${p.x},${p.y}`).join("");
  let d = `M${pts[0].x},${pts[0].y}`;
  let [x0, y0, x1, y1] = [pts[0].x, pts[0].y, pts[1].x, pts[1].y];
  d += ` L${(5 * x0 + x1) / 6},${(5 * y0 + y1) / 6}`;
  const bez = (x: number, y: number) => {
    d += ` C${(2 * x0 + x1) / 3},${(2 * y0 + y1) / 3} ${(x0 + 2 * x1) / 3},${(y0 + 2 * y1) / 3} ${(x0 + 4 * x1 + x) / 6},${(y0 + 4 * y1 + y) / 6}`;
  };
  for (const p of pts.slice(2)) {
    bez(p.x, p.y);
    [x0, y0, x1, y1] = [x1, y1, p.x, p.y];
  }
  bez(x1, y1);
  d += ` L${x1},${y1}`;
  return d;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export interface Laid {
  nodes: { node: GNode; x: number; y: number; w: number }[];
  edges: { rel: GRel; key: string; path: string; lx: number; ly: number }[];
  width: number;
  height: number;
}

/** Lays out nodes and relationships left to right; deterministic for the same input. */
export function laySubgraph(nodes: GNode[], rels: GRel[]): Laid {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 26, ranksep: 70, edgesep: 12, marginx: 16, marginy: 28 });
  g.setDefaultEdgeLabel(() => ({}));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const sortedNodes = [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const n of sortedNodes) g.setNode(n.id, { width: nodeWidth(n), height: nodeH + (n.flaggedFor.length ? 14 : 0) });
  const sortedRels = rels.filter((r) => byId.has(r.from.id) && byId.has(r.to.id)).sort((a, b) => (relKey(a) < relKey(b) ? -1 : 1));
  for (const r of sortedRels) {
    const label = edgeLabel(r);
    g.setEdge(r.from.id, r.to.id, { width: label.length * 6 + 8, height: 14, labelpos: "c" }, relKey(r));
  }
  layout(g);
  const out: Laid = { nodes: [], edges: [], width: g.graph().width ?? 0, height: g.graph().height ?? 0 };
  for (const n of sortedNodes) {
    const l = g.node(n.id);
    out.nodes.push({ node: n, x: round(l.x), y: round(l.y), w: l.width });
  }
  for (const r of sortedRels) {
    const key = relKey(r);
    const e = g.edge(r.from.id, r.to.id, key);
    const pts = (e.points ?? []).map((p: Point) => ({ x: round(p.x), y: round(p.y) }));
    out.edges.push({ rel: r, key, path: basisPath(pts), lx: round(e.x ?? 0), ly: round(e.y ?? 0) });
  }
  return out;
}

export function edgeLabel(r: GRel): string {
  if (r.type === "TRAINS" && r.purpose && r.purpose !== "TRAINING") return `TRAINS (${r.purpose})`;
  return r.type;
}

function flagText(n: GNode): string {
  return [...new Set(n.flaggedFor.map((f) => f.category))].sort().join(", ");
}

let graphSeq = 0;

export interface LineageGraphProps {
  nodes: GNode[];
  rels: GRel[];
  centre?: string;
  emphasis?: Set<string>;
  selection: Selection;
  onSelect: (s: Selection) => void;
  onRecentre?: (id: string) => void;
  label: string;
}

/** The picture, with wheel zoom and drag to pan. */
export function LineageGraph(p: LineageGraphProps) {
  const laid = useMemo(() => laySubgraph(p.nodes, p.rels), [p.nodes, p.rels]);
  const ids = useMemo(() => `g${++graphSeq}`, []);
  const full = { x: 0, y: 0, w: Math.max(laid.width, 200), h: Math.max(laid.height, 80) };
  const [view, setView] = useState<typeof full | null>(null);
  const v = view ?? full;
  const svgRef = useRef<SVGSVGElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  // A graph wider than the page opens scrolled to its centre node, so the node asked for shows.
  useEffect(() => {
    const box = scrollRef.current;
    const centre = laid.nodes.find((n) => n.node.id === p.centre);
    if (!box || !centre || box.scrollWidth <= box.clientWidth) return;
    const scale = box.scrollWidth / Math.max(laid.width, 1);
    box.scrollLeft = Math.max(0, centre.x * scale - box.clientWidth / 2);
  }, [laid, p.centre]);
  const drag = useRef<{ x: number; y: number; view: typeof full } | null>(null);

  const toSvg = (clientX: number, clientY: number) => {
    const r = svgRef.current!.getBoundingClientRect();
    const scale = Math.max(v.w / r.width, v.h / r.height);
    return { scale, x: v.x + (clientX - r.left) * scale, y: v.y + (clientY - r.top) * scale };
  };

  return (
    <div class="graph-wrap">
      <div class="graph-tools">
        <button type="button" onClick={() => setView({ ...v, x: v.x + v.w * 0.1, y: v.y + v.h * 0.1, w: v.w * 0.8, h: v.h * 0.8 })} title="zoom in">+</button>
        <button type="button" onClick={() => setView({ ...v, x: v.x - v.w * 0.125, y: v.y - v.h * 0.125, w: v.w * 1.25, h: v.h * 1.25 })} title="zoom out">−</button>
        <button type="button" onClick={() => setView(null)} title="fit the whole graph">fit</button>
      </div>
      <div class="graph-scroll" ref={scrollRef}>
      <svg
        ref={svgRef}
        class="graph"
        role="img"
        aria-label={p.label}
        viewBox={`${v.x} ${v.y} ${v.w} ${v.h}`}
        // Fills the width, but never below 0.6 of its natural size (text stays readable) nor above
        // it; a larger graph scrolls, and zooms. The height follows from the viewBox.
        style={{ width: "100%", minWidth: `${Math.round(full.w * minScale)}px`, maxWidth: `${full.w}px` }}
        onWheel={(e) => {
          e.preventDefault();
          const at = toSvg(e.clientX, e.clientY);
          const f = e.deltaY > 0 ? 1.15 : 1 / 1.15;
          setView({ x: at.x - (at.x - v.x) * f, y: at.y - (at.y - v.y) * f, w: v.w * f, h: v.h * f });
        }}
        onPointerDown={(e) => {
          if ((e.target as Element).closest(".node, .edge")) return;
          drag.current = { x: e.clientX, y: e.clientY, view: v };
          (e.currentTarget as Element).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const r = svgRef.current!.getBoundingClientRect();
          const scale = Math.max(d.view.w / r.width, d.view.h / r.height);
          setView({ ...d.view, x: d.view.x - (e.clientX - d.x) * scale, y: d.view.y - (e.clientY - d.y) * scale });
        }}
        onPointerUp={() => (drag.current = null)}
        onClick={(e) => {
          if (!(e.target as Element).closest(".node, .edge")) p.onSelect(null);
        }}
      >
        <defs>
          <marker id={`${ids}-arrow`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#59636e" />
          </marker>
          <marker id={`${ids}-arrow-sel`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#e63946" />
          </marker>
        </defs>
        {laid.edges.map((e) => {
          const selected = p.selection?.kind === "edge" && p.selection.key === e.key;
          return (
            <g
              key={e.key}
              class={"edge" + (selected ? " selected" : "")}
              data-edge={`${e.rel.from.id}|${e.rel.type}|${e.rel.to.id}`}
              data-type={e.rel.type}
              onClick={() => p.onSelect({ kind: "edge", key: e.key })}
              tabIndex={0}
              role="button"
              aria-label={`${e.rel.from.id} ${e.rel.type} ${e.rel.to.id}`}
              onKeyDown={(ev) => {
                if (ev.key === "Enter" || ev.key === " ") {
                  ev.preventDefault();
                  p.onSelect({ kind: "edge", key: e.key });
                }
              }}
            >
              <title>{`${e.rel.from.id} —${e.rel.type}→ ${e.rel.to.id}`}</title>
              <path class="edge-hit" d={e.path} />
              <path class="edge-line" d={e.path} marker-end={`url(#${ids}-arrow${selected ? "-sel" : ""})`} />
              <text class="edge-label" x={e.lx} y={e.ly + 4} text-anchor="middle">
                {edgeLabel(e.rel)}
              </text>
            </g>
          );
        })}
        {laid.nodes.map(({ node: n, x, y, w }) => {
          const s = styleOf(n.kind);
          const flags = flagText(n);
          const selected = p.selection?.kind === "node" && p.selection.id === n.id;
          const cls = ["node", n.id === p.centre ? "centre" : "", selected ? "selected" : "", flags ? "flagged" : "", p.emphasis?.has(n.id) ? "emphasis" : ""].filter(Boolean).join(" ");
          const top = flags ? 7 : 0; // room for the badge above the shape
          return (
            <g
              key={n.id}
              class={cls}
              transform={`translate(${x},${y + top})`}
              data-node-id={n.id}
              data-kind={n.kind}
              data-shape={s.shape}
              data-flags={flags}
              data-third-party={String(n.thirdParty)}
              onClick={() => p.onSelect({ kind: "node", id: n.id })}
              onDblClick={() => p.onRecentre?.(n.id)}
              // Reachable by keyboard: Tab to a node, Enter shows it, Shift+Enter centres on it.
              tabIndex={0}
              role="button"
              aria-label={`${s.label} ${n.name} (${n.id})${flags ? `, flagged ${flags}` : ""}`}
              onKeyDown={(e) => {
                if (e.key !== "Enter" && e.key !== " ") return;
                e.preventDefault();
                if (e.shiftKey) p.onRecentre?.(n.id);
                else p.onSelect({ kind: "node", id: n.id });
              }}
            >
              <title>{`${s.label} ${n.id}\n${n.name}${flags ? `\nflagged: ${flags}` : ""}${n.thirdParty ? "\nthird-party" : ""}`}</title>
              {flags && <path class="flag-ring" d={shapePath(s.shape, w + 8, nodeH + 8)} stroke={flagColour} />}
              <path class="shape" d={shapePath(s.shape, w, nodeH)} fill={s.fill} stroke={s.colour} stroke-dasharray={n.thirdParty ? "5 3" : undefined} />
              <text class="kind-label" y={-4} text-anchor="middle" fill={s.colour}>
                {s.label.toUpperCase()}
                {n.thirdParty ? " · THIRD-PARTY" : ""}
              </text>
              <text class="node-name" y={12} text-anchor="middle">
                {shortName(n)}
              </text>
              {flags && (
                <g class="flag-badge" transform={`translate(0,${-nodeH / 2 - 9})`}>
                  <rect x={-(flags.length * 3.3 + 14)} y={-8} width={flags.length * 6.6 + 28} height={15} rx={7} fill={flagColour} />
                  <text y={3} text-anchor="middle" fill="#fff">
                    {"⚑ " + flags}
                  </text>
                </g>
              )}
            </g>
          );
        })}
      </svg>
      </div>
    </div>
  );
}

/** The legend: each kind's shape and colour, and what dashed and red outlines mean. */
export function Legend(props: { kinds: string[] }) {
  return (
    <div class="legend" aria-label="legend">
      {props.kinds.map((k) => {
        const s = styleOf(k);
        return (
          <span class="legend-item" key={k}>
            <svg width="34" height="20" viewBox="-17 -10 34 20">
              <path d={shapePath(s.shape, 30, 16)} fill={s.fill} stroke={s.colour} />
            </svg>
            {s.label}
          </span>
        );
      })}
      <span class="legend-item">
        <svg width="34" height="20" viewBox="-17 -10 34 20">
          <path d={shapePath("rect", 30, 16)} fill="#fff" stroke="#555" stroke-dasharray="5 3" />
        </svg>
        third-party
      </span>
      <span class="legend-item">
        <svg width="34" height="20" viewBox="-17 -10 34 20">
          <path d={shapePath("rect", 30, 16)} fill="#fff" stroke={flagColour} stroke-width="3" />
        </svg>
        flagged (⚑ categories)
      </span>
    </div>
  );
}
