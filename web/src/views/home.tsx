// The first page a newcomer sees: the canonical question (which decisions depend on a third-party
// dataset flagged for privacy risk?) answered as a picture, every edge clickable to its source.
import { useMemo } from "preact/hooks";
import { graphql } from "../api";
import { asOfArgs, getCapabilities, nodeFields, nodeHref, relFields, type GNode, type GRel } from "../model";
import { Link } from "../router";
import { ErrorBox, EvidenceButton, Loading, Table, useLoad } from "../ui";
import { PathsPicture, unionOfPaths } from "./picture";
import { lineageHref } from "../model";

interface ImpactAnswer {
  impact: {
    truncated: boolean;
    items: { distance: number; node: GNode; paths: { nodes: GNode[]; relationships: GRel[] }[] }[];
  };
}

/**
 * Decisions drawn at most: the nearest, as the server keeps them; `truncated` says when there
 * were more. The server weighs a question by how many results it may return (docs/api.md).
 */
const pictureLimit = 100;

async function loadCanonical(): Promise<ImpactAnswer> {
  const a = asOfArgs(await getCapabilities());
  return graphql<ImpactAnswer>(
    `query CanonicalPrivacyImpact${a.decl ? `(${a.decl.slice(2)})` : ""} {
  impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}, targets: [DECISION], limit: ${pictureLimit}${a.arg}) {
    truncated
    items { distance node { ${nodeFields} } paths { nodes { ${nodeFields} } relationships { ${relFields} } } }
  }
}`,
    a.vars,
  );
}

export function HomeView() {
  const asOf = new URLSearchParams(location.search).get("asOf");
  const { data, error } = useLoad(loadCanonical, [asOf]);
  const picture = useMemo(() => (data ? unionOfPaths(data.impact.items.flatMap((i) => i.paths)) : null), [data]);
  if (error) return <ErrorBox error={error} />;
  if (!data || !picture) return <Loading />;
  const items = data.impact.items;
  return (
    <section data-view="home">
      <h2>Which decisions depend on a third-party dataset flagged for privacy risk?</h2>
      <p class="lead">
        {items.length === 0
          ? "None: no decision is downstream of a third-party dataset flagged for privacy."
          : `${items.length} decision${items.length > 1 ? "s" : ""}: ${items.map((i) => `${i.node.name} (${i.distance} step${i.distance > 1 ? "s" : ""})`).join(", ")}.`}{" "}
        The picture shows the evidence paths from the flagged datasets (⚑, left) to the decisions (right). Click any edge to see which source stated it, in which file and
        line, in which import run; click a node for its facts, double-click it for its whole lineage.
        {data.impact.truncated && <span class="warn"> More decisions are reached: these are the {pictureLimit} nearest; the query editor asks for more.</span>}
      </p>
      {items.length > 0 && (
        <p>
          <EvidenceButton ids={items.map((i) => i.node.id)} label="⬇ evidence pack of these decisions" />
        </p>
      )}
      <PathsPicture nodes={picture.nodes} rels={picture.rels} emphasis={new Set(items.map((i) => i.node.id))} label="the canonical question's evidence paths" />
      <Table
        name="canonical-privacy-impact"
        caption="The decisions, nearest first"
        columns={["decision", "name", "distance", "via", "lineage"]}
        rows={items.map((i) => [
          { text: i.node.id, href: nodeHref(i.node.id) },
          i.node.name,
          i.distance,
          i.paths.map((p) => p.nodes.map((n) => n.id).join(" → ")).join(" | "),
          { text: "picture", href: lineageHref(i.node.id) },
        ])}
      />
      <p class="muted">
        The same question and the others of the specification are under <Link href="/questions">Questions</Link>; the{" "}
        <Link href="/query">query editor</Link> runs any GraphQL query.
      </p>
    </section>
  );
}
