package evidence

import (
	"bytes"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/graph"
)

// index.html: the pack for a person, readable offline (no script, no remote asset): each traced
// node's picture and edges with their evidence, the runs and their files, how to verify it.
var indexTemplate = template.Must(template.New("index").Funcs(template.FuncMap{
	"join": strings.Join,
	"line": func(n int) string {
		if n <= 0 {
			return ""
		}
		return strconv.Itoa(n)
	},
	"time": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// href links a file of the pack: folder names hold %XX escapes, which a link must escape again.
	"href": func(path string) string { return (&url.URL{Path: path}).EscapedPath() },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aimsgraph evidence: {{join .M.IDs ", "}}</title>
<style>
body { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 1.5em 2em; color: #1b1f24; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; border-top: 1px solid #d8dee4; padding-top: 1em; }
table { border-collapse: collapse; font-size: .9em; margin: .5em 0 1em; }
th, td { border: 1px solid #d8dee4; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f0f3f6; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; }
.picture { overflow-x: auto; border: 1px solid #d8dee4; border-radius: 6px; margin: .5em 0; }
.picture svg { display: block; max-width: 100%; height: auto; }
.muted { color: #66707a; }
.flag { color: #fff; background: #c62828; border-radius: 8px; padding: 0 .5em; font-size: .85em; font-weight: 600; }
</style>
</head>
<body>
<h1>Evidence pack: upstream lineage of {{range $i, $t := .Traces}}{{if $i}}, {{end}}<a href="#{{$t.Folder}}">{{$t.ID}}</a>{{end}}</h1>
<p>The graph as of <strong>{{.M.AsOf}}</strong>, traced up to {{.M.MaxDepth}} lineage edges upstream, written by aimsgraph {{.M.Version}}.
Each edge below names the sources that stated it, the file and line of its latest statement, and the import run; the runs list the files they read with their SHA-256.</p>
<p class="muted">To verify the pack, compare each file's SHA-256 (<code>sha256sum -c</code> or <code>shasum -a 256</code>) with <code>manifest.json</code>, and each run's file hashes with the files themselves.</p>
{{range .Traces}}
<h2 id="{{.Folder}}">{{.Root.Kind}} {{.Name}} <code>{{.ID}}</code>{{range .Flags}} <span class="flag">⚑ {{.}}</span>{{end}}</h2>
<p>{{len .Nodes}} nodes and {{len .Rels}} lineage edges upstream. Files: <a href="{{href .Folder}}/trace.csv">{{.Folder}}/trace.csv</a>, <a href="{{href .Folder}}/lineage.svg">{{.Folder}}/lineage.svg</a>.</p>
<div class="picture">{{.SVG}}</div>
<table>
<tr><th>from</th><th>type</th><th>to</th><th>sources</th><th>file:line</th><th>run</th><th>first seen</th><th>last seen</th></tr>
{{range .Rows}}<tr><td><code>{{index . 0}}</code></td><td>{{index . 1}}</td><td><code>{{index . 2}}</code></td><td>{{index . 3}}</td><td><code>{{index . 4}}{{if index . 5}}:{{index . 5}}{{end}}</code></td><td><a href="#run-{{index . 6}}"><code>{{index . 6}}</code></a></td><td>{{index . 7}}</td><td>{{index . 8}}</td></tr>
{{end}}</table>
{{end}}
<h2>Import runs that stated any of it</h2>
<table>
<tr><th>run</th><th>sources</th><th>user</th><th>finished</th><th>files (SHA-256)</th></tr>
{{range .Runs}}<tr id="run-{{.ID}}"><td><code>{{.ID}}</code></td><td>{{join .Sources ", "}}</td><td>{{.User}}</td><td>{{time .FinishedAt}}</td><td>{{range .Files}}<code>{{.Path}}</code> <code class="muted">{{.SHA256}}</code><br>{{end}}</td></tr>
{{end}}</table>
<h2>Gaps found on the traced nodes</h2>
<p class="muted">The gap rules of the management system (<a href="gaps.csv">gaps.csv</a>), evaluated on the graph as of the pack's instant.</p>
{{if .Gaps}}<table><tr><th>severity</th><th>rule</th><th>node</th><th>message</th></tr>
{{range .Gaps}}<tr><td>{{.Severity}}</td><td>{{.Rule.ID}}</td><td><code>{{.Node.ID}}</code></td><td>{{.Message}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
<h2>Files</h2>
<table><tr><th>path</th><th>SHA-256</th></tr>
<tr><td><code>index.html</code></td><td class="muted">this page: its hash is in manifest.json</td></tr>
{{range .Listed}}<tr><td><a href="{{href .Path}}"><code>{{.Path}}</code></a></td><td><code>{{.SHA256}}</code></td></tr>
{{end}}</table>
</body>
</html>
`))

type indexTrace struct {
	ID, Folder, Name string
	Root             *graph.Node
	Flags            []string
	Nodes            []*graph.Node
	Rels             []*graph.Relationship
	Rows             [][]string
	SVG              template.HTML
}

func renderIndex(m *Manifest, traces []*trace, f *facts, findings []governance.Finding, listed []ManifestFile) ([]byte, error) {
	data := struct {
		M      *Manifest
		Traces []indexTrace
		Runs   []*graph.RunRecord
		Gaps   []governance.Finding
		Listed []ManifestFile
	}{M: m, Runs: f.usedRuns, Gaps: findings, Listed: listed}
	for _, t := range traces {
		data.Traces = append(data.Traces, indexTrace{
			ID: t.id, Folder: t.folder, Name: displayName(t.root), Root: t.root, Flags: f.flags[t.root.ID],
			Nodes: t.nodes, Rels: t.rels, Rows: traceRows(t, f.runs),
			// Our own SVG writer escapes every text and attribute value it writes (drawLineage),
			// so it is safe inline.
			SVG: template.HTML(drawLineage(t, f)),
		})
	}
	var b bytes.Buffer
	if err := indexTemplate.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
