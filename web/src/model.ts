// What the UI asks the API for, in one place: the fields of nodes and relationships every view
// shows, and the schema capabilities (as-of, changes, gaps, exposure) that switch views on once
// the server has them.
import { graphql } from "./api";

export interface RunRef {
  id: string;
  startedAt: string;
  finishedAt: string;
  user?: string | null;
}

export interface Provenance {
  sources: string[];
  file?: string | null;
  line?: number | null;
  firstRun?: RunRef | null;
  lastRun?: RunRef | null;
}

export interface FlagReason {
  category: string;
  via: "FLAGS" | "RISK";
  risk?: { id: string; name: string; status?: string | null } | null;
}

export interface GNode {
  id: string;
  kind: string;
  name: string;
  thirdParty: boolean;
  flaggedFor: FlagReason[];
  provenance: Provenance;
}

export interface GRel {
  type: string;
  from: { id: string };
  to: { id: string };
  purpose?: string | null;
  as?: string | null;
  provenance: Provenance;
}

export interface Subgraph {
  nodes: GNode[];
  relationships: GRel[];
  truncated?: boolean;
}

const runFields = "id startedAt finishedAt user";
export const provenanceFields = `provenance { sources file line firstRun { ${runFields} } lastRun { ${runFields} } }`;
export const nodeFields = `id kind name thirdParty flaggedFor { category via risk { id name status } } ${provenanceFields}`;
export const relFields = `type from { id } to { id } purpose as ${provenanceFields}`;

/** Capabilities of the server's schema that some views need; detected by introspection. */
export interface Capabilities {
  asOf: boolean; // node/nodes/lineage/paths/impact take asOf (history)
  changes: boolean; // changes(since, until)
  gaps: boolean; // gaps(rules)
  exposure: boolean; // exposure(id)
}

let capabilities: Promise<Capabilities> | null = null;

export function getCapabilities(): Promise<Capabilities> {
  capabilities ??= graphql<{ __schema: { queryType: { fields: { name: string; args: { name: string }[] }[] } } }>(
    "query Capabilities { __schema { queryType { fields { name args { name } } } } }",
  )
    .then((d) => {
      const fields = new Map(d.__schema.queryType.fields.map((f) => [f.name, f.args.map((a) => a.name)]));
      return {
        asOf: fields.get("lineage")?.includes("asOf") ?? false,
        changes: fields.has("changes"),
        gaps: fields.has("gaps"),
        exposure: fields.has("exposure"),
      };
    })
    .catch((e) => {
      capabilities = null; // ask again next time (e.g. after a token was entered)
      throw e;
    });
  return capabilities;
}

/** The as-of instant the person picked (RFC 3339), kept in the URL's ?asOf= so links carry it. */
export function currentAsOf(): string | null {
  return new URLSearchParams(location.search).get("asOf");
}

/** Declares and passes $asOf when the server has history and one is picked. */
export function asOfArgs(caps: Capabilities | null): { decl: string; arg: string; vars: Record<string, unknown> } {
  const asOf = currentAsOf();
  if (!caps?.asOf || !asOf) return { decl: "", arg: "", vars: {} };
  return { decl: ", $asOf: DateTime", arg: ", asOf: $asOf", vars: { asOf } };
}

export function nodeHref(id: string): string {
  return withAsOf(`/node/${encodeURIComponent(id)}`);
}

export function lineageHref(id: string, depth?: number): string {
  const base = `/lineage/${encodeURIComponent(id)}`;
  return withAsOf(depth ? `${base}?depth=${depth}` : base);
}

/** Keeps the picked as-of instant on internal links. */
export function withAsOf(href: string): string {
  const asOf = currentAsOf();
  if (!asOf) return href;
  return href + (href.includes("?") ? "&" : "?") + "asOf=" + encodeURIComponent(asOf);
}

export function fileLine(p: Provenance): string {
  if (!p.file) return "";
  return p.line ? `${p.file}:${p.line}` : p.file;
}
