// History and governance analytics (docs/history.md, docs/governance.md): "what changed since" and the gap findings.
// The header links here only when the server's schema has `changes` and `gaps`.
import { graphql } from "../api";
import { asOfArgs, getCapabilities, nodeHref } from "../model";
import { navigate, useLocation } from "../router";
import { ErrorBox, Loading, Table, useLoad } from "../ui";

interface Change {
  change: string;
  properties: { key: string; before?: string | null; after?: string | null }[];
  run?: { id: string; user?: string | null; finishedAt: string } | null;
  at: string;
}

interface ChangeSet {
  since: string;
  until: string;
  truncated: boolean;
  nodes: (Change & { id: string; kind: string; name: string })[];
  relationships: (Change & { type: string; fromId: string; toId: string })[];
}

function propText(c: Change): string {
  return c.properties.map((p) => `${p.key}: ${p.before ?? "—"} → ${p.after ?? "—"}`).join("; ");
}

/** "What changed since": every node and relationship added, removed or changed, with the run. */
export function ChangesView() {
  const { query } = useLocation();
  const since = query.get("since") ?? new Date(Date.now() - 30 * 86400e3).toISOString();
  const until = query.get("until");
  const { data, error } = useLoad(
    () =>
      graphql<{ changes: ChangeSet }>(
        `query Changes($since: DateTime!, $until: DateTime) { changes(since: $since, until: $until) { since until truncated
  nodes { change id kind name properties { key before after } run { id user finishedAt } at }
  relationships { change type fromId toId properties { key before after } run { id user finishedAt } at } } }`,
        { since, until },
      ),
    [since, until],
  );
  const set = (k: string, v: string) => {
    const q = new URLSearchParams(location.search);
    if (v) q.set(k, new Date(v).toISOString());
    else q.delete(k);
    navigate(`/changes?${q}`, true);
  };
  return (
    <section data-view="changes">
      <h2>What changed</h2>
      <p class="controls">
        <label>
          since <input type="datetime-local" name="since" value={localInput(since)} onChange={(e) => set("since", (e.target as HTMLInputElement).value)} />
        </label>
        <label>
          until <input type="datetime-local" name="until" value={until ? localInput(until) : ""} onChange={(e) => set("until", (e.target as HTMLInputElement).value)} />
        </label>
        <span class="muted">{data ? `from ${data.changes.since} to ${data.changes.until}` : ""}</span>
        {data?.changes.truncated && <span class="warn">the answer was cut at the server's limit</span>}
      </p>
      {error && <ErrorBox error={error} />}
      {!data && !error && <Loading />}
      {data && (
        <>
          <Table
            name="changes-nodes"
            caption="Nodes"
            columns={["change", "id", "kind", "name", "properties (before → after)", "run", "at"]}
            rows={data.changes.nodes.map((n) => [n.change, { text: n.id, href: nodeHref(n.id) }, n.kind, n.name, propText(n), n.run?.id, n.at])}
            empty="no node changed"
          />
          <Table
            name="changes-relationships"
            caption="Relationships"
            columns={["change", "from", "type", "to", "properties (before → after)", "run", "at"]}
            rows={data.changes.relationships.map((r) => [
              r.change,
              { text: r.fromId, href: nodeHref(r.fromId) },
              r.type,
              { text: r.toId, href: nodeHref(r.toId) },
              propText(r),
              r.run?.id,
              r.at,
            ])}
            empty="no relationship changed"
          />
        </>
      )}
    </section>
  );
}

/** An RFC 3339 instant as the value of a datetime-local input (local time, minutes). */
export function localInput(iso: string): string {
  const d = new Date(iso);
  return isNaN(+d) ? "" : new Date(+d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

interface Finding {
  rule: string;
  severity: string;
  node: { id: string; kind: string; name: string };
  message: string;
}

/** The gap rules' findings (docs/governance.md), gravest first, with the rules they come from. */
export function GapsView() {
  const asOf = new URLSearchParams(location.search).get("asOf");
  const { data, error } = useLoad(async () => {
    const a = asOfArgs(await getCapabilities());
    return graphql<{ gaps: Finding[]; rules: { id: string; severity: string; description: string }[] }>(
      `query Gaps${a.decl ? `(${a.decl.slice(2)})` : ""} { gaps${a.arg ? `(${a.arg.slice(2)})` : ""} { rule severity node { id kind name } message } rules { id severity description } }`,
      a.vars,
    );
  }, [asOf]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const count = (rule: string) => data.gaps.filter((f) => f.rule === rule).length;
  return (
    <section data-view="gaps">
      <h2>Gaps: what the management system is missing</h2>
      <Table
        name="gaps"
        caption={`${data.gaps.length} findings`}
        columns={["severity", "rule", "node", "kind", "name", "message"]}
        rows={data.gaps.map((f) => [f.severity, f.rule, { text: f.node.id, href: nodeHref(f.node.id) }, f.node.kind, f.node.name, f.message])}
        empty="no findings"
      />
      <Table
        name="gap-rules"
        caption="The rules"
        columns={["rule", "severity", "findings", "what it finds"]}
        rows={data.rules.map((r) => [r.id, r.severity, count(r.id), r.description])}
      />
    </section>
  );
}
