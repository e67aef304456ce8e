// Search by id or name (the API's text filter: id, name or description, any case).
import { graphql } from "../api";
import { asOfArgs, getCapabilities, lineageHref, nodeHref } from "../model";
import { ErrorBox, Loading, Table, useLoad } from "../ui";

interface Hit {
  id: string;
  kind: string;
  name: string;
  thirdParty: boolean;
  flaggedFor: { category: string }[];
}

async function search(text: string): Promise<{ nodes: { nodes: Hit[]; totalCount: number } }> {
  const a = asOfArgs(await getCapabilities());
  return graphql(
    `query Search($text: String${a.decl}) { nodes(filter: {text: $text}, first: 200${a.arg}) { totalCount nodes { id kind name thirdParty flaggedFor { category } } } }`,
    { text, ...a.vars },
  );
}

export function SearchView(props: { q: string }) {
  const { data, error } = useLoad(() => search(props.q), [props.q]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const hits = data.nodes.nodes;
  return (
    <section data-view="search">
      <h2>
        {data.nodes.totalCount} node{data.nodes.totalCount === 1 ? "" : "s"} match “{props.q}”
      </h2>
      <Table
        name="search"
        columns={["id", "kind", "name", "third-party", "flagged for", "lineage"]}
        rows={hits.map((h) => [
          { text: h.id, href: nodeHref(h.id) },
          h.kind,
          h.name,
          h.thirdParty ? "yes" : "",
          [...new Set(h.flaggedFor.map((f) => f.category))].join("; "),
          { text: "picture", href: lineageHref(h.id) },
        ])}
        empty="no node has this text in its id, name or description"
      />
    </section>
  );
}
