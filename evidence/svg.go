package evidence

import (
	"bytes"
	"fmt"
	"html"
	"sort"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// The lineage picture of a trace, drawn in Go so the pack needs no browser: a layered layout
// left to right (layers by longest path to the traced node, cycles broken at back edges found by
// a depth-first search, then a few barycentre sweeps to reduce crossings), each kind with the
// shape and colour the web UI gives it (web/src/graph.tsx), flagged nodes with a red outline
// and their categories, third-party ones dashed.

type kindStyle struct{ colour, fill, shape, label string }

var kindStyles = map[graph.Kind]kindStyle{
	graph.Vendor:   {"#5b6770", "#eef0f2", "parallelogram", "Vendor"},
	graph.Dataset:  {"#1d70b8", "#e6f0fa", "cylinder", "Dataset"},
	graph.Model:    {"#6f42c1", "#f0eafa", "hexagon", "Model"},
	graph.AISystem: {"#00796b", "#e3f4f1", "rect", "AI system"},
	graph.Decision: {"#b35c00", "#fdf0e2", "pill", "Decision"},
}

func styleOf(k graph.Kind) kindStyle {
	if s, ok := kindStyles[k]; ok {
		return s
	}
	return kindStyle{"#555555", "#f3f3f3", "note", string(k)}
}

const (
	flagColour = "#c62828"
	nodeH      = 44.0
	rowGap     = 30.0
	colGap     = 80.0
	margin     = 24.0
	sweeps     = 4
)

type placed struct {
	n     *graph.Node
	layer int
	pos   float64 // order within the layer
	x, y  float64 // centre
	w     float64
}

// layers assigns each node a layer so that the traced node is rightmost and every edge points
// right: a node's distance from the root is its longest path to it against the edges (a
// depth-first search from the root, upstream, finds the back edges of cycles, which are left
// out), and layers count from the furthest node. Nodes the search does not reach (none in an
// upstream trace) are searched from in id order after it.
func layers(root string, nodes []*graph.Node, rels []*graph.Relationship) map[string]int {
	in := map[string][]string{}
	for _, r := range rels {
		in[r.To] = append(in[r.To], r.From)
	}
	for k := range in {
		sort.Strings(in[k])
	}
	ids := []string{root}
	for _, n := range nodes {
		if n.ID != root {
			ids = append(ids, n.ID)
		}
	}
	sort.Strings(ids[1:])
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var order []string // every node after all its upstream neighbours (back edges aside)
	back := map[[2]string]bool{}
	var visit func(string)
	visit = func(id string) {
		state[id] = open
		for _, from := range in[id] {
			switch state[from] {
			case unseen:
				visit(from)
			case open:
				back[[2]string{from, id}] = true
			}
		}
		state[id] = done
		order = append(order, id)
	}
	for _, id := range ids {
		if state[id] == unseen {
			visit(id)
		}
	}
	// Distance to the root against the edges, longest first: walk from downstream to upstream.
	dist := map[string]int{}
	far := 0
	for i := len(order) - 1; i >= 0; i-- {
		id := order[i]
		for _, from := range in[id] {
			if !back[[2]string{from, id}] && dist[from] < dist[id]+1 {
				dist[from] = dist[id] + 1
			}
		}
		far = max(far, dist[id])
	}
	layer := make(map[string]int, len(dist))
	for _, id := range ids {
		layer[id] = far - dist[id]
	}
	return layer
}

func nodeWidth(n *graph.Node) float64 {
	return min(240, max(140, 24+6.6*float64(len([]rune(displayName(n))))))
}

func displayName(n *graph.Node) string {
	name, _ := n.Props["name"].(string)
	if name == "" {
		name = n.ID
	}
	if r := []rune(name); len(r) > 34 {
		name = string(r[:33]) + "…"
	}
	return name
}

// layout places the nodes of a trace.
func layout(root string, nodes []*graph.Node, rels []*graph.Relationship) (map[string]*placed, float64, float64) {
	layer := layers(root, nodes, rels)
	ps := map[string]*placed{}
	var byLayer [][]*placed
	sorted := append([]*graph.Node(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, n := range sorted {
		p := &placed{n: n, layer: layer[n.ID], w: nodeWidth(n)}
		ps[n.ID] = p
		for len(byLayer) <= p.layer {
			byLayer = append(byLayer, nil)
		}
		p.pos = float64(len(byLayer[p.layer]))
		byLayer[p.layer] = append(byLayer[p.layer], p)
	}
	preds, succs := map[string][]string{}, map[string][]string{}
	for _, r := range rels {
		if ps[r.From] != nil && ps[r.To] != nil {
			succs[r.From] = append(succs[r.From], r.To)
			preds[r.To] = append(preds[r.To], r.From)
		}
	}
	// Barycentre sweeps: order each layer by the mean position of its neighbours in the layers
	// already ordered, right then left, a few times.
	sweep := func(l int, nb map[string][]string) {
		bary := map[*placed]float64{}
		for _, p := range byLayer[l] {
			sum, k := 0.0, 0
			for _, o := range nb[p.n.ID] {
				sum += centred(ps[o], byLayer)
				k++
			}
			if k == 0 {
				bary[p] = centred(p, byLayer)
			} else {
				bary[p] = sum / float64(k)
			}
		}
		sort.SliceStable(byLayer[l], func(i, j int) bool { return bary[byLayer[l][i]] < bary[byLayer[l][j]] })
		for i, p := range byLayer[l] {
			p.pos = float64(i)
		}
	}
	for s := 0; s < sweeps; s++ {
		for l := 1; l < len(byLayer); l++ {
			sweep(l, preds)
		}
		for l := len(byLayer) - 2; l >= 0; l-- {
			sweep(l, succs)
		}
	}
	tallest := 0
	for _, l := range byLayer {
		tallest = max(tallest, len(l))
	}
	x := margin
	height := 2*margin + float64(tallest)*(nodeH+rowGap)
	for _, l := range byLayer {
		colW := 0.0
		for _, p := range l {
			colW = max(colW, p.w)
		}
		for _, p := range l {
			p.x = x + colW/2
			p.y = height/2 + (p.pos-float64(len(l)-1)/2)*(nodeH+rowGap)
		}
		x += colW + colGap
	}
	return ps, x - colGap + margin, height
}

// centred is a node's position measured from the middle of its layer, so layers of different
// sizes line up on their centres.
func centred(p *placed, byLayer [][]*placed) float64 {
	return p.pos - float64(len(byLayer[p.layer])-1)/2
}

func drawLineage(t *trace, f *facts) []byte {
	ps, width, height := layout(t.root.ID, t.nodes, t.rels)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="DejaVu Sans, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, "<title>Upstream lineage of %s</title>\n", esc(t.root.ID))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#59636e"/></marker></defs>` + "\n")
	b.WriteString(`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n")
	for _, r := range t.rels {
		a, z := ps[r.From], ps[r.To]
		if a == nil || z == nil {
			continue
		}
		x1, y1, x2, y2 := a.x+a.w/2, a.y, z.x-z.w/2, z.y
		dx := max(40, (x2-x1)/2)
		label := string(r.Type)
		if p, _ := r.Props["purpose"].(string); p != "" && p != "TRAINING" {
			label += " (" + p + ")"
		}
		typ := esc(string(r.Type))
		fmt.Fprintf(&b, `<g class="edge" data-edge="%s|%s|%s"><title>%s %s %s — %s</title>`, esc(r.From), typ, esc(r.To), esc(r.From), typ, esc(r.To), esc(evidenceText(r.Provenance)))
		fmt.Fprintf(&b, `<path d="M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="none" stroke="#8b949e" stroke-width="1.5" marker-end="url(#arrow)"/>`, x1, y1, x1+dx, y1, x2-dx, y2, x2, y2)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9" fill="#57606a" text-anchor="middle" stroke="#ffffff" stroke-width="3" paint-order="stroke">%s</text></g>`+"\n", (x1+x2)/2, (y1+y2)/2-3, esc(label))
	}
	ids := make([]string, 0, len(ps))
	for id := range ps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := ps[id]
		s := styleOf(p.n.Kind)
		flags := f.flags[id]
		fmt.Fprintf(&b, `<g class="node" data-node-id="%s" data-kind="%s" data-flags="%s" transform="translate(%.1f,%.1f)"><title>%s %s — %s</title>`,
			esc(id), esc(string(p.n.Kind)), esc(strings.Join(flags, ",")), p.x, p.y, esc(s.label), esc(id), esc(evidenceText(p.n.Provenance)))
		width := 1.6
		if id == t.root.ID {
			width = 3.2
		}
		if len(flags) > 0 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2.6"/>`, shapePath(s.shape, p.w+8, nodeH+8), flagColour)
		}
		dash := ""
		if f.thirdParty[id] {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<path d="%s" fill="%s" stroke="%s" stroke-width="%.1f"%s/>`, shapePath(s.shape, p.w, nodeH), s.fill, s.colour, width, dash)
		kind := strings.ToUpper(s.label)
		if f.thirdParty[id] {
			kind += " · THIRD-PARTY"
		}
		fmt.Fprintf(&b, `<text y="-4" font-size="8.5" font-weight="bold" fill="%s" text-anchor="middle">%s</text>`, s.colour, esc(kind))
		fmt.Fprintf(&b, `<text y="11" font-size="11.5" fill="#1b1f24" text-anchor="middle">%s</text>`, esc(displayName(p.n)))
		if len(flags) > 0 {
			text := "⚑ " + strings.Join(flags, ", ")
			w := 6.2*float64(len([]rune(text))) + 14
			fmt.Fprintf(&b, `<g transform="translate(0,%.1f)"><rect x="%.1f" y="-8" width="%.1f" height="15" rx="7" fill="%s"/><text y="3" font-size="9" font-weight="bold" fill="#ffffff" text-anchor="middle">%s</text></g>`,
				-nodeH/2-9, -w/2, w, flagColour, esc(text))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// evidenceText is a fact's provenance in one line, for tooltips.
func evidenceText(p graph.Provenance) string {
	s := "stated by " + strings.Join(p.Sources, ", ")
	if p.File != "" {
		s += fmt.Sprintf(" at %s:%d", p.File, p.Line)
	}
	if p.LastRun != "" {
		s += " in run " + p.LastRun
	}
	return s
}

func esc(s string) string { return html.EscapeString(s) }

// shapePath draws a kind's shape of width w and height h centred on the origin.
func shapePath(shape string, w, h float64) string {
	x, y := -w/2, -h/2
	switch shape {
	case "cylinder":
		const e = 6.0
		return fmt.Sprintf("M%.1f,%.1f A%.1f,%.1f 0 0 1 %.1f,%.1f V%.1f A%.1f,%.1f 0 0 1 %.1f,%.1f Z M%.1f,%.1f A%.1f,%.1f 0 0 0 %.1f,%.1f",
			x, y+e, w/2, e, x+w, y+e, y+h-e, w/2, e, x, y+h-e, x, y+e, w/2, e, x+w, y+e)
	case "hexagon":
		return fmt.Sprintf("M%.1f,%.1f H%.1f L%.1f,0 L%.1f,%.1f H%.1f L%.1f,0 Z", x+12, y, x+w-12, x+w, x+w-12, y+h, x+12, x)
	case "pill":
		r := h / 2
		return fmt.Sprintf("M%.1f,%.1f H%.1f A%.1f,%.1f 0 0 1 %.1f,%.1f H%.1f A%.1f,%.1f 0 0 1 %.1f,%.1f Z", x+r, y, x+w-r, r, r, x+w-r, y+h, x+r, r, r, x+r, y)
	case "parallelogram":
		return fmt.Sprintf("M%.1f,%.1f H%.1f L%.1f,%.1f H%.1f Z", x+10, y, x+w, x+w-10, y+h, x)
	case "note":
		return fmt.Sprintf("M%.1f,%.1f H%.1f L%.1f,%.1f V%.1f H%.1f Z", x, y, x+w-10, x+w, y+10, y+h, x)
	default: // rect with rounded corners
		return fmt.Sprintf("M%.1f,%.1f H%.1f Q%.1f,%.1f %.1f,%.1f V%.1f Q%.1f,%.1f %.1f,%.1f H%.1f Q%.1f,%.1f %.1f,%.1f V%.1f Q%.1f,%.1f %.1f,%.1f Z",
			x+7, y, x+w-7, x+w, y, x+w, y+7, y+h-7, x+w, y+h, x+w-7, y+h, x+7, x, y+h, x, y+h-7, y+7, x, y, x+7, y)
	}
}
