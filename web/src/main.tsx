// aimsgraph's web UI: the auditor's face of the graph. Routes (the server answers each with
// index.html): / the canonical question as a picture, /lineage/<id>, /node/<id>, /search?q=,
// /questions[/<example>], /runs, /query (the GraphQL editor), and /changes, /gaps once the
// server's schema has them.
import { render, type ComponentType } from "preact";
import { lazy, Suspense } from "preact/compat";
import { useEffect, useState } from "preact/hooks";
import { forgetToken, onTokenChange, setTokenPrompt, storedToken } from "./api";
import { currentAsOf, getCapabilities, type Capabilities } from "./model";
import { idAfter, Link, navigate, useLocation } from "./router";
import { Loading } from "./ui";
import { HomeView } from "./views/home";
import { LineageView } from "./views/lineage";
import { NodeView } from "./views/node";
import { QuestionsView } from "./views/questions";
import { RunsView } from "./views/runs";
import { SearchView } from "./views/search";
import { ChangesView, GapsView } from "./views/governance";
import "./style.css";

const EditorView = lazy(() => import("./views/editor")) as unknown as ComponentType<{ example: string | null }>;

function Page() {
  const { path, query } = useLocation();
  let id: string | null;
  if ((id = idAfter(path, "/lineage/"))) return <LineageView id={id} />;
  if ((id = idAfter(path, "/node/"))) return <NodeView id={id} />;
  if (path === "/search") return <SearchView q={query.get("q") ?? ""} />;
  if (path === "/questions" || path.startsWith("/questions/")) return <QuestionsView name={idAfter(path, "/questions/")} />;
  if (path === "/runs") return <RunsView />;
  if (path === "/changes") return <ChangesView />;
  if (path === "/gaps") return <GapsView />;
  if (path === "/query")
    return (
      <Suspense fallback={<Loading />}>
        <EditorView example={query.get("example")} />
      </Suspense>
    );
  if (path === "/") return <HomeView />;
  return <p class="error">No page at {path}.</p>;
}

/** The as-of picker: shown once the server keeps history; the instant travels in ?asOf=. */
function AsOfPicker() {
  const asOf = currentAsOf();
  const local = asOf ? new Date(asOf) : null;
  const value = local && !isNaN(+local) ? new Date(+local - local.getTimezoneOffset() * 60000).toISOString().slice(0, 16) : "";
  const set = (v: string) => {
    const q = new URLSearchParams(location.search);
    if (v) q.set("asOf", new Date(v).toISOString());
    else q.delete("asOf");
    const s = q.toString();
    navigate(location.pathname + (s ? `?${s}` : "") + location.hash);
  };
  return (
    <label class="as-of" title="show the graph as it stood at this instant">
      as of <input type="datetime-local" value={value} onChange={(e) => set((e.target as HTMLInputElement).value)} />
      {asOf && (
        <button type="button" onClick={() => set("")}>
          now
        </button>
      )}
    </label>
  );
}

function Header(props: { caps: Capabilities | null }) {
  const [token, setToken] = useState(storedToken());
  useEffect(() => onTokenChange(() => setToken(storedToken())), []);
  const { path, query } = useLocation();
  const [q, setQ] = useState(path === "/search" ? query.get("q") ?? "" : "");
  const nav = (href: string, label: string, match: (p: string) => boolean) => (
    <Link href={href} class={match(path) ? "active" : ""}>
      {label}
    </Link>
  );
  return (
    <header>
      <Link href="/" class="brand">
        aimsgraph
      </Link>
      <nav>
        {nav("/", "Canonical question", (p) => p === "/")}
        {nav("/questions", "Questions", (p) => p.startsWith("/questions"))}
        {props.caps?.gaps && nav("/gaps", "Gaps", (p) => p === "/gaps")}
        {props.caps?.changes && nav("/changes", "Changes", (p) => p === "/changes")}
        {nav("/runs", "Import runs", (p) => p === "/runs")}
        {nav("/query", "Query editor", (p) => p === "/query")}
      </nav>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (q.trim()) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
        }}
      >
        <input type="search" name="q" placeholder="search id or name…" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </form>
      {props.caps?.asOf && <AsOfPicker />}
      {token && (
        <button type="button" class="forget" onClick={forgetToken} title="remove the API token from this browser">
          forget token
        </button>
      )}
    </header>
  );
}

/** The token form, shown when the API answers 401. */
function TokenPrompt(props: { reason: string; done: (token: string | null) => void }) {
  const [value, setValue] = useState("");
  return (
    <div class="modal-backdrop">
      <form
        class="modal"
        data-token-prompt
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.done(value.trim());
        }}
      >
        <h2>This server needs a token</h2>
        <p class="muted">{props.reason}</p>
        <p>
          Paste an API token (<code>agt_…</code>, from <code>aimsgraph token create --role reader</code>). It is kept in this browser until you choose “forget token”.
        </p>
        <input type="password" name="token" autoFocus autoComplete="off" placeholder="agt_…" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <div class="modal-actions">
          <button type="submit" class="primary">
            Use token
          </button>
          <button type="button" onClick={() => props.done(null)}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

function App() {
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [prompt, setPrompt] = useState<{ n: number; reason: string; done: (t: string | null) => void } | null>(null);
  useEffect(() => {
    let n = 0; // each prompt is a fresh form: a refused token is not shown again
    setTokenPrompt((reason) => new Promise((resolve) => setPrompt({ n: ++n, reason, done: (t) => (setPrompt(null), resolve(t)) })));
    const load = () => getCapabilities().then(setCaps, () => undefined);
    load();
    return onTokenChange(load);
  }, []);
  return (
    <>
      <Header caps={caps} />
      <main>
        <Page />
      </main>
      {prompt && <TokenPrompt key={prompt.n} reason={prompt.reason} done={prompt.done} />}
    </>
  );
}

render(<App />, document.getElementById("app")!);
