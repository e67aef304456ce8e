// Package register holds what the register formats share (docs/registers.md): an ISO 27001
// asset register, CISO Assistant's asset export and a record of processing are tables told by
// their header row, kept as CSV (any delimiter, with or without a UTF-8 BOM) or as a workbook's
// first sheet. A Layout reads one kind of table a row at a time; CSV wraps a layout as a format
// of its own, Workbook reads .xlsx files with whichever layout knows the first sheet's header.
//
// Registers are systems of record, like native files: they are read Together with them, so a
// register's linked_ids and covers may name what the inventory of the same import describes,
// and a bad row is a problem that rejects the run, never a warning.
package register

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/internal/csvsafe"
)

// Layout is one kind of register table.
type Layout interface {
	// Name names the format of its CSV files: --format, reports, the run's file list.
	Name() string
	// Knows reports whether a header row (names trimmed, in file order) is this layout's.
	Knows(header []string) bool
	// Expect says what the header of this layout's files starts with, for the message about a
	// file no format recognises.
	Expect() string
	// Source is the default source of the layout's files: the register's name, stable across
	// exports however the file is named (an export's name often carries its date).
	Source() string
	// Row reads one row into records and problems.
	Row(row Row, out *record.Emitter)
}

// Row is one row of a register table: its cells by column, and where it is.
type Row struct {
	Line   int // the CSV line, or the worksheet row
	header []string
	index  map[string]int // column -> its position in header, built once per table
	cells  []string
}

// Columns returns the header, in file order.
func (r Row) Columns() []string { return r.header }

// Cell returns the trimmed text of a column, "" when the column is absent or the cell empty.
func (r Row) Cell(column string) string {
	if i, ok := r.index[column]; ok && i < len(r.cells) {
		return strings.TrimSpace(r.cells[i])
	}
	return ""
}

// Value returns a cell as a record value, for typed decoding (record.Emitter.Typed).
func (r Row) Value(column string) record.Value {
	return record.Value{Line: r.Line, Scalar: r.Cell(column), IsScalar: true, CSVCell: true}
}

// List returns a cell split into items on any of seps, trimmed, empty items left out, as a
// record value for typed decoding.
func (r Row) List(column, seps string) record.Value {
	items := Split(r.Cell(column), seps)
	v := record.Value{Line: r.Line, List: make([]record.Value, len(items))}
	for i, it := range items {
		v.List[i] = record.Value{Line: r.Line, Scalar: it, IsScalar: true}
	}
	return v
}

// Split splits text into trimmed, non-empty items on any of the runes in seps.
func Split(text, seps string) []string {
	var out []string
	for _, it := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// Table reads a table's header and rows: a CSV file's or a worksheet's. Header names come
// trimmed; a row is nil past the end.
type Table interface {
	Header() ([]string, error)
	// Next returns the next row that is not blank, with its line; ok is false at the end.
	Next() (cells []string, line int, ok bool, err error)
}

// Decode reads every row of t with layout, reporting a header the layout cannot read and rows
// of another width than the header's. Memory is one row.
func Decode(t Table, layout Layout, out *record.Emitter) error {
	header, err := t.Header()
	if err != nil {
		return err
	}
	if err := checkHeader(header); err != nil {
		return err
	}
	if !layout.Knows(header) {
		out.Problem(1, "", "the header is not %s's: expected %s", layout.Name(), layout.Expect())
		return nil
	}
	out.SetSource(layout.Source())
	index := make(map[string]int, len(header))
	for i, h := range header {
		index[h] = i
	}
	for {
		cells, line, ok, err := t.Next()
		if err != nil || !ok {
			return err
		}
		if len(cells) > len(header) {
			out.Problem(line, "", "row has %d cells, the header has %d", len(cells), len(header))
			continue
		}
		layout.Row(Row{Line: line, header: header, index: index, cells: cells}, out)
	}
}

func checkHeader(header []string) error {
	seen := map[string]bool{}
	for i, h := range header {
		switch {
		case h == "":
			return &record.ParseError{Line: 1, Msg: fmt.Sprintf("header: column %d has no name", i+1)}
		case seen[h]:
			return &record.ParseError{Line: 1, Msg: fmt.Sprintf("header: column %q appears twice", h)}
		}
		seen[h] = true
	}
	return nil
}

// csvTable reads a CSV file with a given delimiter, a UTF-8 BOM skipped.
type csvTable struct {
	r *csv.Reader
}

func newCSVTable(r io.Reader, comma rune) *csvTable {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // ragged rows are reported with their line
	cr.ReuseRecord = true
	return &csvTable{r: cr}
}

var bom = []byte("\ufeff")

func (t *csvTable) Header() ([]string, error) {
	h, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, &record.ParseError{Line: 1, Msg: "empty file: a register starts with its header row"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	restore(h)
	return trimAll(h), nil
}

func (t *csvTable) Next() ([]string, int, bool, error) {
	for {
		row, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return nil, 0, false, nil
		}
		if err != nil {
			return nil, 0, false, csvError(err)
		}
		line, _ := t.r.FieldPos(0)
		if blank(row) {
			continue
		}
		restore(row)
		return row, line, true, nil
	}
}

// restore takes off the apostrophe aimsgraph's CSV exports put before a cell a spreadsheet would
// run as a formula (package csvsafe), so an export imports back as it was. Workbook cells are
// text and carry none.
func restore(cells []string) {
	for i, c := range cells {
		cells[i] = csvsafe.Restore(c)
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func trimAll(h []string) []string {
	out := make([]string, len(h))
	for i, s := range h {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &record.ParseError{Line: pe.Line, Msg: "invalid CSV: " + pe.Err.Error()}
	}
	return err
}

// HeaderOf reads the header row at the start of a file's head: the first line, a UTF-8 BOM
// skipped, split on the delimiter that splits it most (comma or semicolon). ok is false when
// the head has no complete first line that CSV can read.
func HeaderOf(head []byte) (header []string, comma rune, ok bool) {
	head = bytes.TrimPrefix(head, bom)
	line, _, found := bytes.Cut(head, []byte("\n"))
	if !found && len(head) >= record.SniffSize {
		return nil, 0, false // a first line longer than the head is no header
	}
	if !utf8.Valid(line) {
		return nil, 0, false
	}
	best := ','
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		best = ';'
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.Comma = best
	cr.LazyQuotes = true // a sniff, not a parse: the reader reports bad quoting with its line
	h, err := cr.Read()
	if err != nil {
		return nil, 0, false
	}
	restore(h)
	return trimAll(h), best, true
}

// Has reports whether header has every one of columns.
func Has(header []string, columns ...string) bool {
	for _, c := range columns {
		found := false
		for _, h := range header {
			if h == c {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// HasAny reports whether header has one of columns.
func HasAny(header []string, columns ...string) bool {
	for _, c := range columns {
		if Has(header, c) {
			return true
		}
	}
	return false
}

// InventoryLabelPrefix marks a register row that lists an AI inventory node rather than an asset
// of the register: a row labelled aimsgraph-AI_SYSTEM (MODEL, DATASET) is that system, model or
// dataset, under its aimsgraph id. `aimsgraph export assets` writes such rows so the ISMS sees the
// AI inventory in its register; imported again they name the node and describe nothing, the
// inventory being the system of record for it (docs/registers.md).
const InventoryLabelPrefix = "aimsgraph-"

// InventoryKinds are the kinds an inventory row may list.
var InventoryKinds = []graph.Kind{graph.AISystem, graph.Model, graph.Dataset}

// InventoryLabel is the label that marks a row listing a node of kind k.
func InventoryLabel(k graph.Kind) string { return InventoryLabelPrefix + string(k) }

// InventoryKind returns the kind a row's labels mark it as listing, and the other labels.
// A label with the prefix but no inventory kind is a problem, reported at line.
func InventoryKind(labels []string, line int, column string, out *record.Emitter) (kind graph.Kind, rest []string) {
	for _, l := range labels {
		name, marked := strings.CutPrefix(l, InventoryLabelPrefix)
		if !marked {
			rest = append(rest, l)
			continue
		}
		k, ok := graph.ParseKind(name)
		if !ok || !inventoryKind(k) {
			out.Problem(line, column, "label %q marks an inventory row of unknown kind; one of %s", l, inventoryLabels())
			continue
		}
		if kind != "" && kind != k {
			out.Problem(line, column, "labels mark the row as both %s and %s", kind, k)
			continue
		}
		kind = k
	}
	return kind, rest
}

// InventoryNode is the node an inventory row names: a stub of kind under id (created with the
// row's name and description when the graph lacks it, never overwriting what the inventory
// says), named id when the row has no name.
func InventoryNode(row Row, kind graph.Kind, id string) graph.NodeRecord {
	props := map[string]any{"name": record.FirstNonEmpty(row.Cell("name"), id)}
	if d := row.Cell("description"); d != "" {
		props["description"] = d
	}
	return graph.NodeRecord{ID: id, Kind: kind, Props: props, Line: row.Line, Stub: true}
}

func inventoryKind(k graph.Kind) bool {
	for _, x := range InventoryKinds {
		if x == k {
			return true
		}
	}
	return false
}

func inventoryLabels() string {
	names := make([]string, len(InventoryKinds))
	for i, k := range InventoryKinds {
		names[i] = InventoryLabel(k)
	}
	return strings.Join(names, ", ")
}

// Column is a register column and the property of the row's node it holds; a List column holds
// items separated by ListSep.
type Column struct {
	Name string
	Prop string
	List bool
}

// ListSep separates the items of a list cell in aimsgraph's register layouts.
const ListSep = "|"

// Props reads columns into props, typed as kind's properties in the domain table, reporting
// bad values at the row's line under the column's name. Empty cells state nothing.
func Props(row Row, kind graph.Kind, columns []Column, props map[string]any, out *record.Emitter) {
	info, _ := graph.KindOf(kind)
	for _, c := range columns {
		p, ok := info.Prop(c.Prop)
		if !ok {
			panic("register: " + string(kind) + " has no property " + c.Prop) // a table out of step with graph.Kinds
		}
		v := row.Value(c.Name)
		if c.List {
			v = row.List(c.Name, ListSep)
			if len(v.List) == 0 {
				continue
			}
		} else if v.Scalar == "" {
			continue
		}
		if val, ok := out.Typed(p, c.Name, v); ok && val != nil {
			props[p.Name] = val
		}
	}
}

// Known is the set of the columns' names and the others given: the columns a layout reads.
func Known(columns []Column, others ...string) map[string]bool {
	m := make(map[string]bool, len(columns)+len(others))
	for _, c := range columns {
		m[c.Name] = true
	}
	for _, o := range others {
		m[o] = true
	}
	return m
}

// KeepOthers keeps the columns not in known as text properties named after them, as the native
// format keeps unknown keys; reserved names (graph bookkeeping, `kind`, `id`) are problems.
func KeepOthers(row Row, known map[string]bool, props map[string]any, out *record.Emitter) {
	for _, col := range row.Columns() {
		cell := row.Cell(col)
		switch {
		case known[col] || cell == "":
		case record.ReservedKey(col) || col == "id":
			out.Problem(row.Line, col, "column %q is reserved", col)
		default:
			props[col] = cell
		}
	}
}
