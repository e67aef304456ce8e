// Every question of schema/examples one click away: its answer as tables (each with a CSV
// download) and, when the answer has paths, as a picture.
import { useEffect, useState } from "preact/hooks";
import { APIError, examples, graphqlRaw, type GraphQLResponse } from "../api";
import { nodeHref, type GNode, type GRel } from "../model";
import { Link } from "../router";
import { ErrorBox, Loading, Table, useLoad, type Cell } from "../ui";
import { enrichPaths, findPaths, pathEnds, PathsPicture } from "./picture";

/** The leading # comment lines of an example: its question in words. */
export function describe(query: string): string {
  const lines: string[] = [];
  for (const l of query.split("\n")) {
    if (!l.startsWith("#")) break;
    lines.push(l.replace(/^#\s?/, ""));
  }
  return lines.join(" ");
}

function isPathLike(v: unknown): boolean {
  return findPaths(v).length === 1 && Array.isArray((v as { nodes?: unknown }).nodes);
}

function pathText(p: { nodes: { id: string }[]; relationships: { type: string }[] }): string {
  return p.nodes.map((n, i) => (i === 0 ? n.id : `—${p.relationships[i - 1]?.type ?? ""}→ ${n.id}`)).join(" ");
}

/** The first sentence of a description: the question itself. */
export function title(description: string): string {
  const m = /^.*?[?.](\s|$)/.exec(description);
  return (m ? m[0] : description).trim();
}

/** Flattens one answer row: nested objects become dotted columns, lists become text. */
function flatten(v: unknown, prefix: string, out: Map<string, Cell>) {
  if (v === null || v === undefined || typeof v !== "object") {
    out.set(prefix || "value", v as Cell);
    return;
  }
  if (Array.isArray(v)) {
    out.set(prefix, listText(v));
    return;
  }
  if (isPathLike(v)) {
    out.set(prefix || "path", pathText(v as { nodes: { id: string }[]; relationships: { type: string }[] }));
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (k === "id" && typeof x === "string") out.set(key, { text: x, href: nodeHref(x) });
    else flatten(x, key, out);
  }
}

function listText(l: unknown[]): string {
  return l
    .map((x) => {
      if (x === null || typeof x !== "object") return String(x);
      if (isPathLike(x)) return pathText(x as { nodes: { id: string }[]; relationships: { type: string }[] });
      const o = x as Record<string, unknown>;
      if (typeof o.id === "string") return o.id;
      const m = new Map<string, Cell>();
      flatten(o, "", m);
      return [...m].map(([k, c]) => `${k}=${c !== null && typeof c === "object" ? c.text : c ?? ""}`).join(" ");
    })
    .join("; ");
}

export interface AnswerTable {
  name: string;
  caption: string;
  columns: string[];
  rows: Cell[][];
}

/** One table per root field of an answer: its list (or the list inside it: items, nodes, ...). */
export function answerTables(data: Record<string, unknown>): AnswerTable[] {
  const tables: AnswerTable[] = [];
  for (const [field, value] of Object.entries(data ?? {})) {
    let rows: unknown[] = [];
    let caption = field;
    if (Array.isArray(value)) rows = value;
    else if (value && typeof value === "object") {
      const entries = Object.entries(value);
      const list = entries.find(([, x]) => Array.isArray(x) && x.some((e) => e && typeof e === "object"));
      if (list) {
        rows = list[1] as unknown[];
        caption = `${field}.${list[0]}`;
        const scalars = entries.filter(([, x]) => x === null || typeof x !== "object");
        if (scalars.length) caption += ` (${scalars.map(([k, x]) => `${k}: ${x}`).join(", ")})`;
      } else rows = [value];
    } else rows = [{ [field]: value }];
    const flat = rows.map((r) => {
      const m = new Map<string, Cell>();
      flatten(r, "", m);
      return m;
    });
    const columns = [...new Set(flat.flatMap((m) => [...m.keys()]))];
    tables.push({ name: field, caption, columns, rows: flat.map((m) => columns.map((c) => m.get(c))) });
  }
  return tables;
}

export function QuestionsView(props: { name: string | null }) {
  const list = useLoad(examples, []);
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading />;
  const current = list.data.find((e) => e.name === props.name) ?? list.data.find((e) => e.name.startsWith("canonical")) ?? list.data[0];
  return (
    <section class="questions" data-view="questions">
      <nav class="question-list">
        <h3>Questions</h3>
        <ul>
          {list.data.map((e) => (
            <li key={e.name} class={e === current ? "active" : ""}>
              <Link href={`/questions/${e.name}${location.search}`} data-example={e.name}>
                {title(describe(e.query)) || e.name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {current && <Answer key={current.name} name={current.name} query={current.query} />}
    </section>
  );
}

function Answer(props: { name: string; query: string }) {
  const [picture, setPicture] = useState<{ nodes: GNode[]; rels: GRel[]; ends: Set<string> } | null>(null);
  const [pictureError, setPictureError] = useState<Error | null>(null);
  // Examples run as written (some carry their own asOf); the pictures follow the as-of picker.
  const answer = useLoad(async () => {
    const res = await graphqlRaw<Record<string, unknown>>(props.query);
    return res.body as GraphQLResponse<Record<string, unknown>>;
  }, [props.query]);
  useEffect(() => {
    setPicture(null);
    setPictureError(null);
    const paths = findPaths(answer.data?.data);
    if (!paths.length) return;
    let live = true;
    enrichPaths(paths).then(
      (p) => live && setPicture({ ...p, ends: pathEnds(paths) }),
      (e) => live && setPictureError(e),
    );
    return () => {
      live = false;
    };
  }, [answer.data]);
  return (
    <div class="answer" data-answer={props.name}>
      <h2>{title(describe(props.query)) || props.name}</h2>
      <p class="lead">{describe(props.query).slice(title(describe(props.query)).length)}</p>
      <p>
        <Link href={`/query?example=${encodeURIComponent(props.name)}`}>open in the query editor</Link>
      </p>
      <details>
        <summary>the GraphQL query</summary>
        <pre class="code">{props.query}</pre>
      </details>
      {answer.error && <ErrorBox error={answer.error} />}
      {answer.loading && <Loading />}
      {answer.data?.errors?.map((e, i) => <ErrorBox key={i} error={new APIError(e.message, e.extensions?.code ?? "", 200)} />)}
      {pictureError && <ErrorBox error={pictureError} />}
      {picture && picture.nodes.length > 0 && (
        <PathsPicture nodes={picture.nodes} rels={picture.rels} emphasis={picture.ends} label={`the paths of ${props.name}`} />
      )}
      {answer.data?.data &&
        answerTables(answer.data.data).map((t) => <Table key={t.name} name={`${props.name}-${t.name}`} caption={t.caption} columns={t.columns} rows={t.rows} />)}
    </div>
  );
}
