// /node/<id>: everything about one node: properties, flags and why, owners, risks, controls,
// assets, every relationship with its evidence, the node's own provenance and import runs, and
// the evidence pack download.
import { graphql } from "../api";
import { asOfArgs, getCapabilities, lineageHref, nodeFields, nodeHref, provenanceFields, relFields, type GNode, type GRel } from "../model";
import { Link } from "../router";
import { ErrorBox, EvidenceButton, Flags, KindTag, Loading, ProvenanceBlock, Table, useLoad } from "../ui";

interface RunFull {
  id: string;
  sources: string[];
  user?: string | null;
  startedAt: string;
  finishedAt: string;
  files: { path: string; sha256: string; source: string; format: string }[];
}

interface NodeFull extends GNode {
  description?: string | null;
  tags: string[];
  properties: { key: string; value: string }[];
  owners: { as: string; role: { id: string; name: string }; relationship: { provenance: GRel["provenance"] } }[];
  risks: { id: string; name: string; category?: string | null; status?: string | null; likelihood?: number | null; impact?: number | null }[];
  controls: { id: string; name: string; annexA?: string | null; status?: string | null }[];
  assets: { id: string; name: string; assetId?: string | null; classification?: string | null }[];
  relationships: (GRel & { from: { id: string; name: string; kind: string }; to: { id: string; name: string; kind: string }; lineage: boolean })[];
  runs: { firstRun?: RunFull | null; lastRun?: RunFull | null };
}

interface Exposure {
  category: string;
  sources: { node: { id: string; name: string; kind: string }; reason: { via: string; risk?: { id: string } | null }; distance: number; path: { nodes: { id: string }[] } }[];
}

/** The risk categories a node inherits from upstream: asked apart, only when the server has it. */
function ExposureTable(props: { id: string }) {
  const asOf = new URLSearchParams(location.search).get("asOf");
  const { data, error } = useLoad(async () => {
    const caps = await getCapabilities();
    if (!caps.exposure) return null;
    const a = asOfArgs(caps);
    return graphql<{ exposure: Exposure[] }>(
      `query Exposure($id: ID!${a.decl}) { exposure(id: $id${a.arg}) { category sources { node { id name kind } reason { via risk { id } } distance path { nodes { id } } } } }`,
      { id: props.id, ...a.vars },
    );
  }, [props.id, asOf]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return null;
  return (
    <Table
      name={`${safe(props.id)}-exposure`}
      caption="Exposure: risk categories inherited from upstream"
      columns={["category", "source", "kind", "why", "distance", "path"]}
      rows={data.exposure.flatMap((e) =>
        e.sources.map((s) => [
          e.category,
          { text: s.node.id, href: nodeHref(s.node.id) },
          s.node.kind,
          s.reason.via === "RISK" ? `risk ${s.reason.risk?.id ?? ""}` : "own flags",
          s.distance,
          s.path.nodes.map((n) => n.id).join(" → "),
        ]),
      )}
      empty="no upstream node is flagged"
    />
  );
}

async function loadNode(id: string): Promise<{ node: NodeFull | null }> {
  const caps = await getCapabilities();
  const a = asOfArgs(caps);
  const runFields = "id sources user startedAt finishedAt files { path sha256 source format }";
  return graphql(
    `query NodePage($id: ID!${a.decl}) {
  node(id: $id${a.arg}) {
    ${nodeFields} description tags properties { key value }
    owners { as role { id name } relationship { ${provenanceFields} } }
    risks { id name category status likelihood impact }
    controls { id name annexA status }
    assets { id name assetId classification }
    relationships { lineage ${relFields} from { id name kind } to { id name kind } }
    runs: provenance { firstRun { ${runFields} } lastRun { ${runFields} } }
  }
}`,
    { id, ...a.vars },
  );
}

export function NodeView(props: { id: string }) {
  const asOf = new URLSearchParams(location.search).get("asOf");
  const { data, error } = useLoad(() => loadNode(props.id), [props.id, asOf]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const n = data.node;
  if (!n) return <ErrorBox error={new Error(`no node with id ${props.id}`)} />;
  const other = (r: NodeFull["relationships"][number]) => (r.from.id === n.id ? r.to : r.from);
  const runs = [n.runs.firstRun, n.runs.lastRun].filter((r, i, all): r is RunFull => !!r && all.findIndex((x) => x?.id === r.id) === i);
  return (
    <section class="node-page" data-view="node" data-id={n.id}>
      <h2>
        <KindTag kind={n.kind} /> {n.name} <code class="muted">{n.id}</code>
      </h2>
      <p>
        <Flags node={n} /> {n.thirdParty && <span class="third-party">third-party</span>}
      </p>
      {n.description && <p>{n.description}</p>}
      <p class="actions">
        <Link href={lineageHref(n.id)}>lineage picture →</Link>
        <EvidenceButton ids={[n.id]} label="⬇ evidence pack (zip)" />
      </p>
      <div class="columns">
        <div>
          <Table name={`${safe(n.id)}-properties`} caption="Properties" columns={["property", "value"]} rows={[["tags", n.tags.join("; ")], ...n.properties.map((p) => [p.key, p.value])]} />
          <h3>Provenance</h3>
          <ProvenanceBlock p={n.provenance} />
        </div>
        <div>
          <Table
            name={`${safe(n.id)}-owners`}
            caption="Owners"
            columns={["role", "name", "as", "file", "line"]}
            rows={n.owners.map((o) => [{ text: o.role.id, href: nodeHref(o.role.id) }, o.role.name, o.as, o.relationship.provenance.file, o.relationship.provenance.line])}
            empty="no role is responsible for it"
          />
          <Table
            name={`${safe(n.id)}-risks`}
            caption="Risks"
            columns={["risk", "name", "category", "status", "likelihood", "impact"]}
            rows={n.risks.map((r) => [{ text: r.id, href: nodeHref(r.id) }, r.name, r.category, r.status, r.likelihood, r.impact])}
            empty="no risk concerns it"
          />
          <Table
            name={`${safe(n.id)}-controls`}
            caption="Controls"
            columns={["control", "name", "annexA", "status"]}
            rows={n.controls.map((c) => [{ text: c.id, href: nodeHref(c.id) }, c.name, c.annexA, c.status])}
            empty="no control applies to it"
          />
          {n.assets.length > 0 && (
            <Table
              name={`${safe(n.id)}-assets`}
              caption="ISO 27001 assets"
              columns={["asset", "name", "assetId", "classification"]}
              rows={n.assets.map((x) => [{ text: x.id, href: nodeHref(x.id) }, x.name, x.assetId, x.classification])}
            />
          )}
        </div>
      </div>
      <ExposureTable id={n.id} />
      <Table
        name={`${safe(n.id)}-relationships`}
        caption="Relationships and where each came from"
        columns={["direction", "type", "other end", "name", "lineage", "purpose/as", "sources", "file", "line", "last run"]}
        rows={n.relationships.map((r) => [
          r.from.id === n.id ? "out" : "in",
          r.type,
          { text: other(r).id, href: nodeHref(other(r).id) },
          other(r).name,
          r.lineage ? "yes" : "",
          r.purpose ?? r.as ?? "",
          r.provenance.sources.join(";"),
          r.provenance.file,
          r.provenance.line,
          r.provenance.lastRun?.id,
        ])}
      />
      <Table
        name={`${safe(n.id)}-runs`}
        caption="Import runs that saw it first and last, with their files"
        columns={["run", "sources", "user", "finished", "file", "sha256"]}
        rows={runs.flatMap((r) => r.files.map((f) => [r.id, r.sources.join(";"), r.user, r.finishedAt, f.path, f.sha256]))}
      />
    </section>
  );
}

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, "_");
}
