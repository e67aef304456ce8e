package register

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/aimsgraph/aimsgraph/importer/record"
)

// CSV is the format of a layout's CSV files: told by the header row whatever the file's name,
// comma- or semicolon-separated, with or without a UTF-8 BOM.
func CSV(l Layout) record.Format { return csvFormat{l} }

type csvFormat struct{ l Layout }

func (f csvFormat) Name() string              { return f.l.Name() }
func (f csvFormat) Grouping() record.Grouping { return record.Together }

func (f csvFormat) Sniff(h *record.Head) record.Match {
	if !h.ExtIn(".csv", ".txt", "") {
		return record.No
	}
	header, _, ok := HeaderOf(h.Bytes())
	if ok && f.l.Knows(header) {
		return record.Yes
	}
	if h.Ext() == ".csv" {
		return record.Lacks(f.l.Expect())
	}
	return record.No
}

// Decode streams the rows with the delimiter the header uses: memory is one row.
func (f csvFormat) Decode(r io.Reader, out *record.Emitter) error {
	br := newPeeker(r)
	_, comma, ok := HeaderOf(br.head())
	if !ok {
		comma = ','
	}
	return reported(Decode(newCSVTable(br, comma), f.l, out), out)
}

// reported reports a table that does not parse (a *record.ParseError) as the file's problem and
// returns any other error: a failure to read at all.
func reported(err error, out *record.Emitter) error {
	var pe *record.ParseError
	if errors.As(err, &pe) {
		out.ParseFailed(err)
		return nil
	}
	return err
}

// Workbook is the format of .xlsx registers: the first sheet, read with the first of layouts
// that knows its header row. Problems read file:sheet!row: column.
func Workbook(layouts ...Layout) record.Format { return &workbook{layouts} } // a pointer: formats are map keys

type workbook struct{ layouts []Layout }

func (*workbook) Name() string              { return "xlsx" }
func (*workbook) Grouping() record.Grouping { return record.Together }

// Sniff: a workbook cannot be told by its first bytes (a zip's directory is at its end), so an
// .xlsx file is this format's by name; Decode says when its first sheet is no register.
func (*workbook) Sniff(h *record.Head) record.Match {
	if h.Ext() != ".xlsx" {
		return record.No
	}
	return record.Maybe
}

// Limits on what a workbook may unpack to: a register of a million rows fits, a zip bomb does
// not. Worksheets larger than workbookInMemory are streamed from a temporary file by excelize.
const (
	workbookUnzipLimit = 1 << 30
	workbookInMemory   = 16 << 20
)

func (w *workbook) Decode(r io.Reader, out *record.Emitter) error {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: workbookUnzipLimit, UnzipXMLSizeLimit: workbookInMemory})
	if err != nil {
		out.Problem(0, "", "not a readable .xlsx workbook: %v", err)
		return nil
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		out.Problem(0, "", "the workbook has no sheet")
		return nil
	}
	out.InSheet(sheets[0])
	rows, err := f.Rows(sheets[0])
	if err != nil {
		out.Problem(0, "", "cannot read the first sheet: %v", err)
		return nil
	}
	defer rows.Close()
	t := &sheetTable{rows: rows}
	header, err := t.Header()
	if err != nil {
		return reported(err, out)
	}
	for _, l := range w.layouts {
		if l.Knows(header) {
			t.header = header
			return reported(Decode(t, l, out), out)
		}
	}
	var expect []string
	for _, l := range w.layouts {
		expect = append(expect, l.Expect())
	}
	out.Problem(1, "", "the first sheet is no register aimsgraph reads: its header row should be %s", strings.Join(expect, ", or "))
	return nil
}

// sheetTable reads a worksheet row by row (excelize's iterator: one row in memory).
type sheetTable struct {
	rows   *excelize.Rows
	row    int
	header []string // once read
}

func (t *sheetTable) Header() ([]string, error) {
	if t.header != nil {
		return t.header, nil
	}
	cells, _, ok, err := t.Next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &record.ParseError{Line: 1, Msg: "empty sheet: a register starts with its header row"}
	}
	if t.row != 1 {
		return nil, &record.ParseError{Line: t.row, Msg: "the header row must be the sheet's first row"}
	}
	return trimAll(cells), nil
}

func (t *sheetTable) Next() ([]string, int, bool, error) {
	for t.rows.Next() {
		t.row++
		cells, err := t.rows.Columns()
		if err != nil {
			return nil, 0, false, &record.ParseError{Line: t.row, Msg: fmt.Sprintf("unreadable row: %v", err)}
		}
		if blank(cells) {
			continue
		}
		return cells, t.row, true, nil
	}
	if err := t.rows.Error(); err != nil {
		return nil, 0, false, &record.ParseError{Line: t.row, Msg: fmt.Sprintf("unreadable sheet: %v", err)}
	}
	return nil, 0, false, nil
}

// peeker keeps the first bytes of a stream to look at, then reads on from the start.
type peeker struct {
	r   io.Reader
	buf []byte
	off int
}

func newPeeker(r io.Reader) *peeker {
	buf := make([]byte, record.SniffSize)
	n, _ := io.ReadFull(r, buf)
	return &peeker{r: r, buf: buf[:n]}
}

func (p *peeker) head() []byte { return p.buf }

func (p *peeker) Read(b []byte) (int, error) {
	if p.off < len(p.buf) {
		n := copy(b, p.buf[p.off:])
		p.off += n
		return n, nil
	}
	return p.r.Read(b)
}
