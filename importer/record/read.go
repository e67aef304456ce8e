package record

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseError is a file that cannot be parsed at all, with the line where the parser gave up
// (0 when it cannot say).
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return e.Msg }

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// ReadYAML parses every document of a YAML stream.
func ReadYAML(data []byte) ([]Value, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Value
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			msg := err.Error()
			line := 0
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = msg[len(m[0]):]
			}
			return nil, &ParseError{Line: line, Msg: "invalid YAML: " + msg}
		}
		// Budget: generous for real inventories, fatal for alias bombs.
		c := yamlConverter{budget: 8*len(data) + 1024}
		v := c.convert(&n, 0)
		if c.err != nil {
			return nil, &ParseError{Msg: "invalid YAML: " + c.err.Error()}
		}
		docs = append(docs, v)
	}
}

// ReadJSON parses a JSON document keeping the line of every value. YAML parsers accept most
// JSON but not all of it (tabs, some escapes), so JSON gets a JSON parser.
func ReadJSON(data []byte) (Value, error) {
	lines := NewLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := jsonValue(dec, lines, 0)
	if err != nil {
		return Value{}, jsonError(err, dec, lines)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Value{}, &ParseError{Line: lines.At(dec.InputOffset()), Msg: "invalid JSON: unexpected content after the top-level value"}
	}
	return v, nil
}

// ReadJSONValues parses one or more JSON values separated by white space (JSON Lines, or
// documents written one after the other), keeping the line of every value.
func ReadJSONValues(data []byte) ([]Value, error) {
	lines := NewLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []Value
	for {
		v, err := jsonValue(dec, lines, 0)
		if err != nil {
			return nil, jsonError(err, dec, lines)
		}
		out = append(out, v)
		if off := dec.InputOffset(); off >= int64(len(data)) || len(bytes.TrimSpace(data[off:])) == 0 {
			return out, nil
		}
	}
}

func jsonError(err error, dec *json.Decoder, lines LineIndex) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ParseError{Line: lines.At(off), Msg: "invalid JSON: unexpected end of file"}
	}
	return &ParseError{Line: lines.At(off), Msg: "invalid JSON: " + err.Error()}
}

func jsonValue(dec *json.Decoder, lines LineIndex, depth int) (Value, error) {
	if depth > 200 {
		return Value{}, &ParseError{Line: lines.At(dec.InputOffset()), Msg: "invalid JSON: nested too deeply"}
	}
	tok, err := dec.Token()
	if err != nil {
		return Value{}, err
	}
	line := lines.At(dec.InputOffset() - 1)
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			fs := []Field{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return Value{}, err
				}
				key, _ := kt.(string)
				kline := lines.At(dec.InputOffset() - 1)
				v, err := jsonValue(dec, lines, depth+1)
				if err != nil {
					return Value{}, err
				}
				fs = append(fs, Field{Key: key, Line: kline, Val: v})
			}
			if _, err := dec.Token(); err != nil {
				return Value{}, err
			}
			return Value{Line: line, Fields: fs}, nil
		case '[':
			l := []Value{}
			for dec.More() {
				v, err := jsonValue(dec, lines, depth+1)
				if err != nil {
					return Value{}, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return Value{}, err
			}
			return Value{Line: line, List: l}, nil
		}
		return Value{}, &ParseError{Line: line, Msg: fmt.Sprintf("invalid JSON: unexpected %q", t)}
	case nil:
		return Value{Line: line, Null: true}, nil
	case string:
		return Value{Line: line, Scalar: t, IsScalar: true}, nil
	case json.Number:
		return Value{Line: line, Scalar: t.String(), IsScalar: true, Literal: true}, nil
	case bool:
		return Value{Line: line, Scalar: strconv.FormatBool(t), IsScalar: true, Literal: true}, nil
	}
	return Value{}, &ParseError{Line: line, Msg: fmt.Sprintf("invalid JSON: unexpected token %v", tok)}
}

// LineIndex maps byte offsets to 1-based line numbers.
type LineIndex []int64

// NewLineIndex indexes the line breaks of data.
func NewLineIndex(data []byte) LineIndex {
	var idx LineIndex
	for i, b := range data {
		if b == '\n' {
			idx = append(idx, int64(i))
		}
	}
	return idx
}

// At returns the line of byte offset off.
func (l LineIndex) At(off int64) int {
	return sort.Search(len(l), func(i int) bool { return l[i] >= off }) + 1
}

// ReadCSV streams the rows of one CSV file as mappings from header to cell, calling fn with the
// row's index and value; bad is told about rows that cannot be read as records. Memory is one
// row, whatever the file's size.
func ReadCSV(r io.Reader, fn func(idx int, rec Value), bad func(line int, msg string)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // ragged rows are reported with their line, not as a parse failure
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return csvError(err)
	}
	header = append([]string(nil), header...)
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if header[i] == "" {
			return &ParseError{Line: 1, Msg: fmt.Sprintf("header: column %d has no name", i+1)}
		}
	}
	for idx := 0; ; idx++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(row) != len(header) {
			if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
				continue // a blank line
			}
			bad(line, fmt.Sprintf("row has %d cells, the header has %d", len(row), len(header)))
			continue
		}
		fs := make([]Field, 0, len(row))
		for i, cell := range row {
			if strings.TrimSpace(cell) == "" {
				continue // an empty cell states nothing
			}
			fs = append(fs, Field{Key: header[i], Line: line, Val: Value{Line: line, Scalar: cell, IsScalar: true, CSVCell: true}})
		}
		fn(idx, Value{Line: line, Fields: fs})
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Msg: "invalid CSV: " + pe.Err.Error()}
	}
	return &ParseError{Msg: "invalid CSV: " + err.Error()}
}

// TopLevelKeys reads the keys of the JSON object data starts with, skipping their values; ok is
// false when the text breaks off or is not valid JSON before the object ends (a long file's
// head, cut at SniffSize, is fine).
func TopLevelKeys(data []byte) (map[string]bool, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	keys := map[string]bool{}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return keys, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys, len(data) >= SniffSize && len(keys) > 0
		}
		k, _ := t.(string)
		keys[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys, len(data) >= SniffSize && len(keys) > 0
		}
	}
	return keys, true
}
