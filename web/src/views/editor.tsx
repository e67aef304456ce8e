// The GraphQL editor: CodeMirror 6 with cm6-graphql, which completes, lints and explains against
// the server's schema (read once by introspection). Loaded on demand, so the lineage pages do not
// carry it.
import { autocompletion, closeBrackets } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { lintGutter } from "@codemirror/lint";
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { graphql as graphqlLanguage } from "cm6-graphql";
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from "graphql";
import { useEffect, useRef, useState } from "preact/hooks";
import { examples, graphql, graphqlRaw, type Example } from "../api";
import { navigate } from "../router";
import { ErrorBox, Table } from "../ui";
import { answerTables } from "./questions";

const savedKey = "aimsgraph.query";

export default function QueryEditor(props: { example: string | null }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [list, setList] = useState<Example[]>([]);
  const [vars, setVars] = useState("");
  const [result, setResult] = useState<{ status: number; ms: number; body: unknown } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [schemaState, setSchemaState] = useState("reading the schema…");
  const [asTables, setAsTables] = useState(false);

  const run = async () => {
    const query = view.current?.state.doc.toString() ?? "";
    localStorage.setItem(savedKey, query);
    let variables: Record<string, unknown> = {};
    try {
      variables = vars.trim() ? JSON.parse(vars) : {};
    } catch (e) {
      setError(new Error(`variables: ${e}`));
      return;
    }
    setError(null);
    const started = performance.now();
    try {
      const res = await graphqlRaw(query, variables);
      setResult({ status: res.status, ms: Math.round(performance.now() - started), body: res.body });
    } catch (e) {
      setError(e as Error);
    }
  };
  const runRef = useRef(run);
  runRef.current = run;

  useEffect(() => {
    const language = new Compartment();
    const state = EditorState.create({
      doc: localStorage.getItem(savedKey) ?? "{\n  nodes(first: 10) { nodes { id kind name } }\n}\n",
      extensions: [
        lineNumbers(),
        history(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ activateOnTyping: true }),
        lintGutter(),
        keymap.of([{ key: "Mod-Enter", run: () => (runRef.current(), true) }, ...defaultKeymap, ...historyKeymap]),
        language.of(graphqlLanguage()),
        EditorView.lineWrapping,
      ],
    });
    const v = new EditorView({ state, parent: host.current! });
    view.current = v;
    // Completion, linting and hover docs come from the server's own schema.
    graphql<IntrospectionQuery>(getIntrospectionQuery()).then(
      (data) => {
        const schema = buildClientSchema(data);
        v.dispatch({ effects: language.reconfigure(graphqlLanguage(schema)) });
        setSchemaState(`schema: ${Object.keys(schema.getTypeMap()).filter((n) => !n.startsWith("__")).length} types · Ctrl+Space completes · Ctrl+Enter runs`);
      },
      (e) => setSchemaState(`schema unavailable: ${e.message}`),
    );
    examples().then(setList, () => undefined);
    return () => v.destroy();
  }, []);

  useEffect(() => {
    const ex = list.find((e) => e.name === props.example);
    if (ex && view.current) {
      view.current.dispatch({ changes: { from: 0, to: view.current.state.doc.length, insert: ex.query } });
      runRef.current();
    }
  }, [props.example, list]);

  const data = (result?.body as { data?: Record<string, unknown> } | undefined)?.data;
  return (
    <section class="editor-view" data-view="editor">
      <div class="editor-bar">
        <label>
          example{" "}
          <select value={props.example ?? ""} onChange={(e) => navigate(`/query?example=${encodeURIComponent((e.target as HTMLSelectElement).value)}`, true)}>
            <option value="">—</option>
            {list.map((e) => (
              <option key={e.name} value={e.name}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="primary" onClick={run} title="Ctrl+Enter">
          Run ▶
        </button>
        <label>
          <input type="checkbox" checked={asTables} onChange={(e) => setAsTables((e.target as HTMLInputElement).checked)} /> tables
        </label>
        <span class="muted" data-schema-state>
          {schemaState}
        </span>
        {result && (
          <span class="muted">
            HTTP {result.status} in {result.ms} ms
          </span>
        )}
      </div>
      <div class="editor-panes">
        <div class="editor-left">
          <div ref={host} class="cm-host" data-editor />
          <textarea class="vars" placeholder="variables (JSON)" value={vars} onInput={(e) => setVars((e.target as HTMLTextAreaElement).value)} spellcheck={false} />
        </div>
        <div class="editor-right">
          {error && <ErrorBox error={error} />}
          {asTables && data
            ? answerTables(data).map((t) => <Table key={t.name} name={`query-${t.name}`} caption={t.caption} columns={t.columns} rows={t.rows} />)
            : result && <pre class="result" data-result>{JSON.stringify(result.body, null, 2)}</pre>}
        </div>
      </div>
    </section>
  );
}
