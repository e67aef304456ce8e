package server_test

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/server"
)

// The web UI in a real headless Chromium, driven over the DevTools protocol (chromedp), against
// the real server on a loopback port over the sample estate, on both stores. Screenshots go to
// $AIMSGRAPH_ARTIFACTS (CI sets it to its log folder), else to a temporary folder; the test log
// names each file.

// chromium returns the browser to drive: $AIMSGRAPH_CHROMIUM, else Debian's chromium on PATH.
// Without one the test is skipped, unless AIMSGRAPH_BROWSER_REQUIRED=1 (as in CI).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("AIMSGRAPH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("AIMSGRAPH_BROWSER_REQUIRED") == "1" {
		t.Fatal("AIMSGRAPH_BROWSER_REQUIRED=1 but no Chromium found: apt-get install chromium, or set AIMSGRAPH_CHROMIUM")
	}
	t.Skip("no Chromium on PATH: skipping the browser tests (apt-get install chromium; CI requires them)")
	return ""
}

// tab is one browser tab with a download folder.
type tab struct {
	t         *testing.T
	ctx       context.Context
	base      string
	downloads string
	prefix    string // of screenshot names
}

func newTab(t *testing.T, base, prefix string) *tab {
	path := chromium(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1500, 1000))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &tab{t: t, ctx: ctx, base: base, downloads: t.TempDir(), prefix: prefix}
	// The first call starts the browser, which lives as long as that call's context: no timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.downloads,
	}); err != nil {
		t.Fatalf("download folder: %v", err)
	}
	return b
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failure")
		b.t.Fatalf("browser: %v", err)
	}
}

func (b *tab) open(path string) { b.t.Helper(); b.do(chromedp.Navigate(b.base + path)) }

// waitFor waits until a JavaScript expression is truthy.
func (b *tab) waitFor(expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.shot("failure")
		b.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// shot saves a screenshot of the page as <prefix>-<name>.png in the artifacts folder.
func (b *tab) shot(name string) {
	dir := os.Getenv("AIMSGRAPH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "aimsgraph-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot folder: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, b.prefix+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err == nil {
		b.t.Logf("screenshot: %s", path)
	}
}

// download waits for a finished download whose name starts with prefix and returns its content.
func (b *tab) download(prefix string) []byte {
	b.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		entries, _ := os.ReadDir(b.downloads)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix) && !strings.HasSuffix(e.Name(), ".crdownload") {
				data, err := os.ReadFile(filepath.Join(b.downloads, e.Name()))
				if err != nil {
					b.t.Fatal(err)
				}
				return data
			}
		}
	}
	b.t.Fatalf("no download named %s*", prefix)
	return nil
}

func serveEstate(t *testing.T, s graph.Store, opts server.Options) string {
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	opts.Limits = resolvers.DefaultLimits()
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := httptest.NewServer(server.New(s, opts))
	t.Cleanup(ts.Close)
	return ts.URL
}

type drawnNode struct {
	ID, Kind, Shape, Flags, Fill string
	Badge, ThirdParty            bool
}

// TestBrowserLineage is the auditor's path through the UI: the lineage picture of a sample
// decision (nodes, edges, kinds told apart, flags marked), an edge clicked for its evidence, the
// table downloaded as CSV, the evidence pack downloaded from the node page, the canonical
// question's picture, and the editor completing from the schema.
func TestBrowserLineage(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			s := st.Open(t)
			b := newTab(t, serveEstate(t, s, server.Options{}), st.Name)
			ctx := context.Background()

			// The picture holds exactly the upstream and downstream lineage the store has.
			const id = "dec:loan-approval"
			b.open("/lineage/" + id)
			b.waitFor(`document.querySelectorAll("svg.graph g.node").length > 0`)
			nodes := eval[[]drawnNode](b, `[...document.querySelectorAll("svg.graph g.node")].map(g => ({
				ID: g.dataset.nodeId, Kind: g.dataset.kind, Shape: g.dataset.shape, Flags: g.dataset.flags,
				Fill: g.querySelector("path.shape").getAttribute("fill"), Badge: !!g.querySelector(".flag-badge"),
				ThirdParty: g.dataset.thirdParty === "true"}))`)
			edges := eval[[]string](b, `[...document.querySelectorAll("svg.graph g.edge")].map(g => g.dataset.edge)`)
			wantNodes, wantEdges := map[string]*graph.Node{}, map[string]*graph.Relationship{}
			for _, dir := range []graph.Direction{graph.In, graph.Out} {
				sub, err := s.Lineage(ctx, graph.LineageQuery{ID: id, Direction: dir, MaxDepth: 10, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range sub.Nodes {
					wantNodes[n.ID] = n
				}
				for _, r := range sub.Relationships {
					wantEdges[r.From+"|"+string(r.Type)+"|"+r.To] = r
				}
			}
			var gotIDs []string
			for _, n := range nodes {
				gotIDs = append(gotIDs, n.ID)
				if wantNodes[n.ID] == nil || string(wantNodes[n.ID].Kind) != n.Kind {
					t.Errorf("drawn node %+v is not in the store's lineage of %s", n, id)
				}
			}
			if len(nodes) != len(wantNodes) || len(nodes) < 8 {
				t.Errorf("drawn nodes %v, the store's lineage has %d", gotIDs, len(wantNodes))
			}
			uniqueEdges := slices.Compact(slices.Sorted(slices.Values(edges)))
			if len(uniqueEdges) != len(wantEdges) {
				t.Errorf("drawn edges %v, the store's lineage has %d distinct", uniqueEdges, len(wantEdges))
			}
			for _, e := range edges {
				if wantEdges[e] == nil {
					t.Errorf("drawn edge %s is not in the store", e)
				}
			}
			// Kinds told apart: each kind its own shape and fill, the same within a kind.
			shapeOf, fillOf := map[string]string{}, map[string]string{}
			for _, n := range nodes {
				if s, ok := shapeOf[n.Kind]; ok && (s != n.Shape || fillOf[n.Kind] != n.Fill) {
					t.Errorf("%s drawn as %s/%s, other %s nodes as %s/%s", n.ID, n.Shape, n.Fill, n.Kind, s, fillOf[n.Kind])
				}
				shapeOf[n.Kind], fillOf[n.Kind] = n.Shape, n.Fill
			}
			if len(shapeOf) < 5 {
				t.Errorf("kinds drawn: %v; want vendor, dataset, model, AI system and decision", shapeOf)
			}
			for k, s := range shapeOf {
				for k2, s2 := range shapeOf {
					if k < k2 && (s == s2 || fillOf[k] == fillOf[k2]) {
						t.Errorf("%s and %s look alike (%s %s, %s %s)", k, k2, s, fillOf[k], s2, fillOf[k2])
					}
				}
			}
			// Flags marked with their categories: by own flags (the bureau feed) and by an open
			// risk (the scorecard); an unflagged node has no badge; third-party is marked.
			byID := map[string]drawnNode{}
			for _, n := range nodes {
				byID[n.ID] = n
			}
			if n := byID["ds:bureau-feed"]; n.Flags != "PRIVACY" || !n.Badge || !n.ThirdParty {
				t.Errorf("ds:bureau-feed drawn as %+v; want flagged PRIVACY with a badge, third-party", n)
			}
			if n := byID["sys:credit-scoring"]; !strings.Contains(n.Flags, "FAIRNESS") || !n.Badge {
				t.Errorf("sys:credit-scoring drawn as %+v; want flagged FAIRNESS (its open risk)", n)
			}
			if n := byID["ds:loan-applications"]; n.Flags != "" || n.Badge {
				t.Errorf("ds:loan-applications drawn as %+v; want no flag", n)
			}
			b.shot("lineage")

			// Click an edge: the panel shows its sources, file:line and run, as the store has them.
			const edge = "ds:bureau-feed|FEEDS|sys:credit-scoring"
			b.do(chromedp.Click(chromedp.CSS(`g.edge[data-edge="` + edge + `"] text.edge-label`)))
			b.waitFor(`document.querySelector('aside[data-panel="edge"]')`)
			type panel struct{ Edge, Sources, FileLine, FirstRun, LastRun string }
			p := eval[panel](b, `(() => { const a = document.querySelector('aside[data-panel="edge"]'); const f = (n) => a.querySelector('[data-field="' + n + '"]').textContent;
				return {Edge: a.dataset.edge, Sources: f("sources"), FileLine: f("file-line"), FirstRun: f("first-run"), LastRun: f("last-run")}; })()`)
			r := wantEdges[edge]
			if p.Edge != edge || p.Sources != strings.Join(r.Provenance.Sources, ", ") || p.FileLine != r.Provenance.File+":"+strconv.Itoa(r.Provenance.Line) ||
				!strings.Contains(p.LastRun, r.Provenance.LastRun) || !strings.Contains(p.FirstRun, r.Provenance.FirstRun) {
				t.Errorf("edge panel %+v\nstore: %+v", p, r.Provenance)
			}
			b.shot("lineage-edge")

			// The table of the picture's edges as CSV: every edge once, with its evidence.
			b.do(chromedp.Click(chromedp.CSS(`button[data-csv="lineage-dec_loan-approval"]`)))
			rows, err := csv.NewReader(strings.NewReader(string(b.download("lineage-dec_loan-approval.csv")))).ReadAll()
			if err != nil {
				t.Fatalf("CSV download: %v", err)
			}
			if strings.Join(rows[0], ",") != "from,type,to,sources,file,line,run,firstSeen,lastSeen" || len(rows)-1 != len(edges) {
				t.Errorf("CSV: header %v, %d rows for %d drawn edges", rows[0], len(rows)-1, len(edges))
			}
			found := false
			for _, row := range rows[1:] {
				if row[0]+"|"+row[1]+"|"+row[2] == edge {
					found = row[4] == r.Provenance.File && row[5] == strconv.Itoa(r.Provenance.Line) && row[6] == r.Provenance.LastRun
				}
			}
			if !found {
				t.Errorf("CSV has no row for %s with file %s:%d, run %s", edge, r.Provenance.File, r.Provenance.Line, r.Provenance.LastRun)
			}

			// The node page: its facts, and the evidence pack as a download.
			b.open("/node/" + id)
			b.waitFor(`document.querySelector('[data-view="node"] [data-table$="-relationships"]')`)
			// Exposure: the categories the decision inherits, e.g. PRIVACY from the bureau feed.
			b.waitFor(`document.querySelector('[data-table$="-exposure"] tbody')`)
			exposure := eval[[]string](b, `[...document.querySelectorAll('[data-table$="-exposure"] tbody tr')].map(tr => tr.cells[0].textContent + " " + tr.cells[1].textContent)`)
			if !slices.Contains(exposure, "PRIVACY ds:bureau-feed") {
				t.Errorf("exposure of %s: %v", id, exposure)
			}
			b.shot("node")
			b.do(chromedp.Click(chromedp.CSS(`button[data-action="evidence"]`)))
			pack := b.download("evidence-")
			z, err := zip.NewReader(strings.NewReader(string(pack)), int64(len(pack)))
			if err != nil {
				t.Fatalf("evidence download: %v", err)
			}
			var names []string
			for _, f := range z.File {
				names = append(names, f.Name)
			}
			if !slices.Contains(names, "manifest.json") || !slices.Contains(names, "dec%3Aloan-approval/trace.csv") || !slices.Contains(names, "index.html") {
				t.Errorf("evidence pack holds %v", names)
			}
			// Its index.html, opened from disk with no server, shows the picture.
			unpacked := t.TempDir()
			for _, f := range z.File {
				r, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(r)
				r.Close()
				_ = os.MkdirAll(filepath.Dir(filepath.Join(unpacked, f.Name)), 0o755)
				if err := os.WriteFile(filepath.Join(unpacked, f.Name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b.do(chromedp.Navigate("file://" + filepath.Join(unpacked, "index.html")))
			b.waitFor(`document.querySelectorAll(".picture svg g.node").length > 0`)
			if n := eval[int](b, `document.querySelectorAll(".picture svg g.node").length`); n != len(upstream(t, s, id).Nodes) {
				t.Errorf("the pack's index.html draws %d nodes, the upstream lineage has %d", n, len(upstream(t, s, id).Nodes))
			}
			b.shot("evidence-index")

			// The first page: the canonical question as a picture, the four decisions emphasised.
			b.open("/")
			b.waitFor(`document.querySelectorAll("svg.graph g.node.emphasis").length > 0`)
			reached := eval[[]string](b, `[...document.querySelectorAll("svg.graph g.node.emphasis")].map(g => g.dataset.nodeId).sort()`)
			if strings.Join(reached, ",") != "dec:card-block,dec:credit-limit,dec:loan-approval,dec:sar-filing" {
				t.Errorf("canonical picture emphasises %v", reached)
			}
			b.shot("home")

			// A question of schema/examples: its answer as a table and its paths as a picture.
			b.open("/questions/vendor-exit")
			b.waitFor(`document.querySelectorAll('[data-answer="vendor-exit"] svg.graph g.node.emphasis').length > 0`)
			ends := eval[[]string](b, `[...document.querySelectorAll("svg.graph g.node.emphasis")].map(g => g.dataset.nodeId).sort()`)
			rowsShown := eval[int](b, `document.querySelectorAll('[data-table="vendor-exit-impact"] tbody tr').length`)
			if strings.Join(ends, ",") != "dec:chat-escalation,sys:support-chatbot" || rowsShown != 2 {
				t.Errorf("vendor exit: picture ends %v, %d table rows", ends, rowsShown)
			}

			// The gaps page: the rules' findings, e.g. the fully automated card block without oversight.
			b.open("/gaps")
			b.waitFor(`document.querySelector('[data-table="gaps"] tbody')`)
			gaps := eval[[]string](b, `[...document.querySelectorAll('[data-table="gaps"] tbody tr')].map(tr => tr.cells[1].textContent + " " + tr.cells[2].textContent)`)
			if !slices.Contains(gaps, "AUTOMATED_DECISION_WITHOUT_OVERSIGHT dec:card-block") {
				t.Errorf("gaps: %v", gaps)
			}
			b.shot("gaps")

			// Search by name from the header.
			b.do(chromedp.SendKeys(chromedp.CSS(`header input[name="q"]`), "bureau\n"))
			b.waitFor(`document.querySelector('[data-view="search"] [data-table="search"] tbody')`)
			if hits := eval[[]string](b, `[...document.querySelectorAll('[data-table="search"] tbody tr td:first-child')].map(td => td.textContent)`); !slices.Contains(hits, "ds:bureau-feed") {
				t.Errorf("search for bureau: %v", hits)
			}

			// The editor completes from the server's schema: "nod" offers the query field nodes.
			b.do(chromedp.Evaluate[chromedp.Void](`localStorage.setItem("aimsgraph.query", "{ nod")`))
			b.open("/query")
			b.waitFor(`(document.querySelector("[data-schema-state]") || {}).textContent?.includes("types")`)
			b.do(chromedp.Click(chromedp.CSS(".cm-content")), chromedp.KeyEvent(kb.End), chromedp.KeyEvent("e"))
			b.waitFor(`(document.querySelector(".cm-tooltip-autocomplete") || {}).textContent?.includes("nodes")`)
			b.shot("editor")
		})
	}
}

// TestBrowserToken: against a server that wants a token, the UI asks for one once (again when
// the one typed is refused), keeps it, sends it on every request, and forgets it on request.
// The server is the real one, with a reader token in its store.
func TestBrowserToken(t *testing.T) {
	s := embeddedtest.Fresh(t)
	tok, token, err := auth.NewToken("browser", auth.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	au := auth.NewAuthenticator(s, auth.Tokens, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(au.Close)
	base := serveEstate(t, s, server.Options{Auth: au})
	b := newTab(t, base, "token")
	b.open("/")
	b.waitFor(`document.querySelector("[data-token-prompt]")`)
	b.shot("prompt")
	enter := func(secret string) {
		b.do(chromedp.SendKeys(chromedp.CSS(`[data-token-prompt] input[name="token"]`), secret),
			chromedp.Click(chromedp.CSS(`[data-token-prompt] button[type="submit"]`)))
	}
	enter("agt_wrong")
	b.waitFor(`(document.querySelector("[data-token-prompt]") || {}).textContent?.includes("refused the stored token")`)
	enter(token)
	b.waitFor(`document.querySelectorAll("svg.graph g.node").length > 0`)
	if got := eval[string](b, `localStorage.getItem("aimsgraph.token")`); got != token {
		t.Errorf("stored token %q", got)
	}
	// Another page's requests carry the token without asking again.
	b.open("/lineage/dec:loan-approval")
	b.waitFor(`document.querySelectorAll("svg.graph g.node").length > 0`)
	if eval[bool](b, `!!document.querySelector("[data-token-prompt]")`) {
		t.Errorf("asked for the token again")
	}
	b.do(chromedp.Click(chromedp.CSS(`header button.forget`)))
	if got := eval[*string](b, `localStorage.getItem("aimsgraph.token")`); got != nil {
		t.Errorf("after forget token the browser still holds %q", *got)
	}
}

// TestBrowserHistory: once the API keeps history, the UI offers the as-of picker, draws the
// lineage as it stood at an instant, and lists what changed since one: the 2027 estate adds the
// open-banking feed behind the loan decision.
func TestBrowserHistory(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			s := st.Open(t)
			ctx := context.Background()
			first := storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
			base := serveEstate(t, s, server.Options{}) // imports the estate again: changes nothing
			storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate-2027"))
			runs, err := s.Runs(ctx, graph.RunQuery{IDs: []string{first.RunID}})
			if err != nil || len(runs) != 1 {
				t.Fatal(runs, err)
			}
			then := runs[0].FinishedAt.UTC().Format(time.RFC3339Nano)
			b := newTab(t, base, st.Name+"-history")
			drawn := func() []string {
				b.waitFor(`document.querySelectorAll("svg.graph g.node").length > 0`)
				return eval[[]string](b, `[...document.querySelectorAll("svg.graph g.node")].map(g => g.dataset.nodeId)`)
			}
			b.open("/lineage/dec:loan-approval?asOf=" + then)
			if past := drawn(); slices.Contains(past, "ds:open-banking") || !slices.Contains(past, "ds:bureau-feed") {
				t.Errorf("lineage as of %s: %v", then, past)
			}
			b.waitFor(`document.querySelector("header .as-of input")`)
			b.shot("lineage-as-of")
			b.open("/lineage/dec:loan-approval")
			if now := drawn(); !slices.Contains(now, "ds:open-banking") {
				t.Errorf("lineage now lacks ds:open-banking: %v", now)
			}
			b.open("/changes?since=" + then)
			b.waitFor(`document.querySelector('[data-table="changes-nodes"] tbody')`)
			rows := eval[[]string](b, `[...document.querySelectorAll('[data-table="changes-nodes"] tbody tr')].map(tr => tr.cells[0].textContent + " " + tr.cells[1].textContent)`)
			if !slices.Contains(rows, "ADDED ds:open-banking") {
				t.Errorf("changes since %s: %v", then, rows)
			}
			b.shot("changes")
		})
	}
}

func upstream(t *testing.T, s graph.Store, id string) *graph.Subgraph {
	t.Helper()
	sub, err := s.Lineage(context.Background(), graph.LineageQuery{ID: id, Direction: graph.In, MaxDepth: 25, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
