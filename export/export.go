// Package export writes the graph out as the registers an ISMS and a privacy team keep
// (docs/registers.md): the AI inventory as asset register rows (importable again, and by CISO
// Assistant), the record of processing with what each activity's data reaches, and the ISO/IEC
// 42001 Statement of Applicability. Every export reads a graph.Reader, so it can be of the graph
// as it stood at an instant (Store.At). `aimsgraph export` and `serve`'s downloads both call
// Write.
package export

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/register"
	"github.com/aimsgraph/aimsgraph/internal/csvsafe"
)

// Registers names what can be exported, and Formats how.
var (
	Registers = []string{"assets", "ropa", "soa"}
	Formats   = []string{"csv", "xlsx", "ciso-assistant"}
)

// Table is an export: a header and rows of text, written as CSV or as a workbook's sheet.
type Table struct {
	Sheet  string // the worksheet's name in a workbook
	Header []string
	Rows   [][]string
}

// Usage is a request for an export that does not exist: an unknown register or format, or a
// format the register has not (ciso-assistant is for assets).
type Usage struct{ msg string }

func (e *Usage) Error() string { return e.msg }

// Check says whether register can be exported as format.
func Check(reg, format string) error {
	if !slices.Contains(Registers, reg) {
		return &Usage{fmt.Sprintf("unknown register %q: one of %s", reg, strings.Join(Registers, ", "))}
	}
	if !slices.Contains(Formats, format) {
		return &Usage{fmt.Sprintf("unknown format %q: one of %s", format, strings.Join(Formats, ", "))}
	}
	if format == "ciso-assistant" && reg != "assets" {
		return &Usage{"the ciso-assistant format is for assets: CISO Assistant imports assets, not " + reg}
	}
	return nil
}

// Build draws up the table of register in format's columns from r.
func Build(ctx context.Context, r graph.Reader, reg, format string) (*Table, error) {
	if err := Check(reg, format); err != nil {
		return nil, err
	}
	switch reg {
	case "assets":
		rows, err := assetRows(ctx, r)
		if err != nil {
			return nil, err
		}
		if format == "ciso-assistant" {
			return cisoTable(rows), nil
		}
		return registerTable(rows), nil
	case "ropa":
		return ropaTable(ctx, r)
	}
	return soaTable(ctx, r)
}

// Write exports register from r as format to w. xlsx is a workbook of one sheet; ciso-assistant
// is CISO Assistant's asset template, as CSV, or as a workbook when asWorkbook is set (its data
// import wizard reads both).
func Write(ctx context.Context, r graph.Reader, reg, format string, asWorkbook bool, w io.Writer) error {
	t, err := Build(ctx, r, reg, format)
	if err != nil {
		return err
	}
	if format == "xlsx" || asWorkbook {
		return t.WriteXLSX(w)
	}
	return t.WriteCSV(w)
}

// ContentType is the media type of an export written as format.
func ContentType(format string, asWorkbook bool) string {
	if format == "xlsx" || asWorkbook {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// WriteCSV writes the table as comma-separated values. Names come from outside (OpenLineage
// events among them) and registers are opened in spreadsheets: a cell a spreadsheet would run
// as a formula gets a leading apostrophe (package csvsafe), which the register import takes off
// again. A workbook needs none of this: its cells are written as text.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvsafe.Row(t.Header)); err != nil {
		return err
	}
	for _, row := range t.Rows {
		if err := cw.Write(csvsafe.Row(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the table as a workbook whose first (and only) sheet holds it, streamed row
// by row.
func (t *Table) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	write := func(i int, cells []string) error {
		row := make([]any, len(cells))
		for j, c := range cells {
			row[j] = c // text, as the registers read it: "007" stays "007"
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, row)
	}
	if err := write(0, t.Header); err != nil {
		return err
	}
	for i, row := range t.Rows {
		if err := write(i+1, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// text renders a property's value as a register cell: lists joined with `|`.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case []string, []any:
		return strings.Join(graph.TextList(x), register.ListSep)
	}
	return graph.PropText(v)
}

// all reads every node of kinds, in id order.
func all(ctx context.Context, r graph.Reader, kinds ...graph.Kind) ([]*graph.Node, error) {
	var out []*graph.Node
	for after := ""; ; {
		page, err := r.FindNodes(ctx, graph.NodeFilter{Kinds: kinds}, graph.PageRequest{First: 1000, After: after})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Nodes...)
		if !page.HasNext || len(page.Nodes) == 0 {
			return out, nil
		}
		after = page.Nodes[len(page.Nodes)-1].ID
	}
}

func ids(ns []*graph.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

// columnsOf returns the names of register columns.
func columnsOf(cs []register.Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}
