// The import runs: what was loaded from where, with each file's SHA-256.
import { useEffect } from "preact/hooks";
import { graphql } from "../api";
import { Link } from "../router";
import { ErrorBox, Loading, Table, useLoad } from "../ui";

interface Run {
  id: string;
  sources: string[];
  user?: string | null;
  startedAt: string;
  finishedAt: string;
  files: { path: string; sha256: string; source: string; format: string }[];
  counts: { name: string; created: number; updated: number; unchanged: number; removed: number }[];
}

export function RunsView() {
  const { data, error } = useLoad(
    () => graphql<{ importRuns: Run[] }>("query Runs { importRuns(last: 100) { id sources user startedAt finishedAt files { path sha256 source format } counts { name created updated unchanged removed } } }"),
    [],
  );
  useEffect(() => {
    if (data && location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  }, [data]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  return (
    <section data-view="runs">
      <h2>Import runs, latest first</h2>
      {data.importRuns.map((r) => (
        <div key={r.id} id={r.id} class={"run" + (location.hash === `#${r.id}` ? " target" : "")}>
          <h3>
            <code>{r.id}</code>
          </h3>
          <p>
            sources {r.sources.join(", ")} · by {r.user || "—"} · started {r.startedAt} · finished {r.finishedAt} ·{" "}
            <Link href={`/changes?since=${encodeURIComponent(r.startedAt)}`}>what changed since</Link>
          </p>
          <Table name={`run-${r.id}-files`} caption="Files" columns={["path", "sha256", "source", "format"]} rows={r.files.map((f) => [f.path, f.sha256, f.source, f.format])} />
          <Table
            name={`run-${r.id}-counts`}
            caption="What it changed"
            columns={["kind or type", "created", "updated", "unchanged", "removed"]}
            rows={r.counts.map((c) => [c.name, c.created, c.updated, c.unchanged, c.removed])}
          />
        </div>
      ))}
    </section>
  );
}
