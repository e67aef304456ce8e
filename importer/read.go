package importer

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

// parseError is a file that cannot be parsed at all, with the line where the parser gave up.
type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return e.msg }

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// readYAML parses every document of a YAML stream.
func readYAML(data []byte) ([]value, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []value
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
			return nil, &parseError{line: line, msg: "invalid YAML: " + msg}
		}
		// Budget: generous for real inventories, fatal for alias bombs.
		c := yamlConverter{budget: 8*len(data) + 1024}
		v := c.convert(&n, 0)
		if c.err != nil {
			return nil, &parseError{msg: "invalid YAML: " + c.err.Error()}
		}
		docs = append(docs, v)
	}
}

// readJSON parses a JSON document keeping the line of every value. YAML parsers accept most
// JSON but not all of it (tabs, some escapes), so JSON gets a JSON parser.
func readJSON(data []byte) (value, error) {
	lines := newlineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := jsonValue(dec, lines, 0)
	if err != nil {
		return value{}, jsonError(err, dec, lines)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return value{}, &parseError{line: lines.at(dec.InputOffset()), msg: "invalid JSON: unexpected content after the top-level value"}
	}
	return v, nil
}

func jsonError(err error, dec *json.Decoder, lines lineIndex) error {
	var pe *parseError
	if errors.As(err, &pe) {
		return pe
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &parseError{line: lines.at(off), msg: "invalid JSON: unexpected end of file"}
	}
	return &parseError{line: lines.at(off), msg: "invalid JSON: " + err.Error()}
}

func jsonValue(dec *json.Decoder, lines lineIndex, depth int) (value, error) {
	if depth > 200 {
		return value{}, &parseError{line: lines.at(dec.InputOffset()), msg: "invalid JSON: nested too deeply"}
	}
	tok, err := dec.Token()
	if err != nil {
		return value{}, err
	}
	line := lines.at(dec.InputOffset() - 1)
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			fs := []field{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return value{}, err
				}
				key, _ := kt.(string)
				kline := lines.at(dec.InputOffset() - 1)
				v, err := jsonValue(dec, lines, depth+1)
				if err != nil {
					return value{}, err
				}
				fs = append(fs, field{key: key, line: kline, val: v})
			}
			if _, err := dec.Token(); err != nil {
				return value{}, err
			}
			return value{line: line, fields: fs}, nil
		case '[':
			l := []value{}
			for dec.More() {
				v, err := jsonValue(dec, lines, depth+1)
				if err != nil {
					return value{}, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return value{}, err
			}
			return value{line: line, list: l}, nil
		}
		return value{}, &parseError{line: line, msg: fmt.Sprintf("invalid JSON: unexpected %q", t)}
	case nil:
		return value{line: line, null: true}, nil
	case string:
		return value{line: line, scalar: t, isScal: true}, nil
	case json.Number:
		return value{line: line, scalar: t.String(), isScal: true}, nil
	case bool:
		return value{line: line, scalar: strconv.FormatBool(t), isScal: true}, nil
	}
	return value{}, &parseError{line: line, msg: fmt.Sprintf("invalid JSON: unexpected token %v", tok)}
}

// lineIndex maps byte offsets to 1-based line numbers.
type lineIndex []int64

func newlineIndex(data []byte) lineIndex {
	var idx lineIndex
	for i, b := range data {
		if b == '\n' {
			idx = append(idx, int64(i))
		}
	}
	return idx
}

func (l lineIndex) at(off int64) int {
	return sort.Search(len(l), func(i int) bool { return l[i] >= off }) + 1
}

// readCSV streams the rows of one CSV file as mappings from header to cell, calling fn with the
// row's index and value. Memory is one row, whatever the file's size.
func readCSV(r io.Reader, fn func(idx int, rec value), bad func(line int, msg string)) error {
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
			return &parseError{line: 1, msg: fmt.Sprintf("header: column %d has no name", i+1)}
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
		fs := make([]field, 0, len(row))
		for i, cell := range row {
			if strings.TrimSpace(cell) == "" {
				continue // an empty cell states nothing
			}
			fs = append(fs, field{key: header[i], line: line, val: value{line: line, scalar: cell, isScal: true, csvCell: true}})
		}
		fn(idx, value{line: line, fields: fs})
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &parseError{line: pe.Line, msg: "invalid CSV: " + pe.Err.Error()}
	}
	return &parseError{msg: "invalid CSV: " + err.Error()}
}
