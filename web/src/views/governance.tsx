// History and governance analytics (SPEC §12–13): "what changed since" and the gap findings.
// The header links here only when the server's schema has `changes` and `gaps`.
import { useState } from "preact/hooks";
import { graphql } from "../api";
import { nodeHref } from "../model";
import { ErrorBox, Loading, Table, useLoad } from "../ui";

interface ChangeSet {
  nodes: { change: string; id: string; kind?: string | null; name?: string | null }[];
  relationships: { change: string; type: string; fromId: string; toId: string }[];
}

export function ChangesView() {
  const [since, setSince] = useState(() => new URLSearchParams(location.search).get("since") ?? new Date(Date.now() - 7 * 86400e3).toISOString().slice(0, 16));
  const { data, error } = useLoad(
    () =>
      graphql<{ changes: ChangeSet }>("query Changes($since: DateTime!) { changes(since: $since) { nodes { change id kind name } relationships { change type fromId toId } } }", {
        since: new Date(since).toISOString(),
      }),
    [since],
  );
  return (
    <section data-view="changes">
      <h2>What changed since</h2>
      <label>
        since <input type="datetime-local" value={since} onChange={(e) => setSince((e.target as HTMLInputElement).value)} />
      </label>
      {error && <ErrorBox error={error} />}
      {!data && !error && <Loading />}
      {data && (
        <>
          <Table name="changes-nodes" caption="Nodes" columns={["change", "id", "kind", "name"]} rows={data.changes.nodes.map((n) => [n.change, { text: n.id, href: nodeHref(n.id) }, n.kind, n.name])} />
          <Table
            name="changes-relationships"
            caption="Relationships"
            columns={["change", "from", "type", "to"]}
            rows={data.changes.relationships.map((r) => [r.change, { text: r.fromId, href: nodeHref(r.fromId) }, r.type, { text: r.toId, href: nodeHref(r.toId) }])}
          />
        </>
      )}
    </section>
  );
}

interface Finding {
  rule: string;
  severity: string;
  node: { id: string; kind: string; name: string };
  message: string;
}

export function GapsView() {
  const { data, error } = useLoad(() => graphql<{ gaps: Finding[] }>("query Gaps { gaps { rule severity node { id kind name } message } }"), []);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  return (
    <section data-view="gaps">
      <h2>Gaps: what the management system is missing</h2>
      <Table
        name="gaps"
        columns={["severity", "rule", "node", "kind", "name", "message"]}
        rows={data.gaps.map((f) => [f.severity, f.rule, { text: f.node.id, href: nodeHref(f.node.id) }, f.node.kind, f.node.name, f.message])}
        empty="no findings"
      />
    </section>
  );
}
