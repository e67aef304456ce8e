package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/importer/record"
)

func TestOutline(t *testing.T) {
	for _, c := range []struct {
		body string
		max  int // maxElements; 0: 3
		want outline
	}{
		{``, 0, outline{}},
		{` {"job": {"name": "a]"}, "inputs": [1, 2]} `, 0, outline{values: 1, first: '{'}},
		{`[{"a": "\"]"}, [3, 4], "x", 12.5e3, null]`, 10, outline{values: 1, first: '[', elements: 5}},
		{`[]`, 0, outline{values: 1, first: '['}},
		{"{}\n{}\n{}", 0, outline{values: 2, first: '{'}},
		{`[1] 2`, 0, outline{values: 2, first: '[', elements: 1}},
		{`[0,0,0,0,0,0]`, 0, outline{values: 1, first: '[', elements: 4}}, // stops past 3
		{`"a\\" 1`, 0, outline{values: 2, first: '"'}},
		{`]]] [1]`, 0, outline{values: 1, first: '[', elements: 1}}, // not JSON: the decoder refuses it
		// Literals end where JSON's grammar ends them, as the decoder reads a sequence of values.
		{`00`, 0, outline{values: 2, first: '0'}},
		{`-0.5e-3`, 0, outline{values: 1, first: '-'}},
		{`0-0`, 0, outline{values: 2, first: '0'}},
		{`truefalse`, 0, outline{values: 2, first: 't'}},
		{`null"x"`, 0, outline{values: 2, first: 'n'}},
		{`[1,-2.5E+7,true,null]`, 0, outline{values: 1, first: '[', elements: 4}},
	} {
		maxElements := c.max
		if maxElements == 0 {
			maxElements = 3
		}
		got := outlineOf([]byte(c.body), maxElements)
		got.nested = 0 // TestOutlineNested
		if got != c.want {
			t.Errorf("%q: %+v, want %+v", c.body, got, c.want)
		}
	}
}

// TestOutlineNested: every value counts, at any depth, and every key, as the decoder builds a
// node or a field of each.
func TestOutlineNested(t *testing.T) {
	for body, want := range map[string]int{
		``: 0, `{}`: 1, `[1, [2, {"a": [3, "x"]}], null]`: 10, `{"job": {"name": "a]"}}`: 5,
	} {
		if got := outlineOf([]byte(body), 1000).nested; got != want {
			t.Errorf("%q: %d values, want %d", body, got, want)
		}
	}
}

// TestOutlineBoundsDecoding: a body of 8 MiB of zeros is four million values to the decoder;
// the outline counts two and stops.
func TestOutlineBoundsDecoding(t *testing.T) {
	zeros := bytes.Repeat([]byte("0"), 8<<20)
	if got := outlineOf(zeros, 1000); got.values != 2 {
		t.Errorf("8 MiB of zeros: %+v, want 2 values counted", got)
	}
	if got := outlineOf(append(append([]byte("[1"), zeros...), ']'), 1000); got.values != 1 || got.elements != 1 {
		t.Errorf("an array of one long number: %+v", got)
	}
	if got := outlineOf(append(append([]byte("["), zeros...), ']'), 1000); got.elements != 1001 {
		t.Errorf("an array of zeros without commas (not JSON): %+v, want the cap passed", got)
	}
}

// FuzzOutline: the outline of any input is bounded; what the handler's decoder
// (record.ReadJSONValues) reads of it never holds more values or elements than the outline
// counted; and of a sequence of JSON values the outline agrees with encoding/json.
func FuzzOutline(f *testing.F) {
	for _, s := range []string{`{"a": [1, {"b": "]"}]}`, `[1, "x", [2], {}]`, "{}\n{}", `[`, `"\u005d" 1`, `[[[]]]`, `tru e`} {
		f.Add([]byte(s))
	}
	f.Add([]byte("00"))
	f.Add([]byte("-1.5e+3 truefalse"))
	const maxElements = 4
	f.Fuzz(func(t *testing.T, data []byte) {
		got := outlineOf(data, maxElements)
		if got.values > 2 || got.elements > maxElements+1 {
			t.Fatalf("unbounded: %+v", got)
		}
		if read, err := record.ReadJSONValues(data); err == nil && got.elements <= maxElements {
			if min(len(read), 2) > got.values {
				t.Fatalf("%q: the decoder reads %d values, the outline counted %+v", data, len(read), got)
			}
			if read[0].List != nil && len(read[0].List) > got.elements {
				t.Fatalf("%q: the decoder reads %d elements, the outline counted %+v", data, len(read[0].List), got)
			}
		}
		values, err := jsonValues(data)
		if err != nil {
			return // not a sequence of JSON values: the decoder refuses it whole
		}
		var elements []json.RawMessage
		if len(values) > 0 && values[0][0] == '[' {
			if err := json.Unmarshal(values[0], &elements); err != nil {
				t.Fatal(err)
			}
		}
		if len(elements) > maxElements {
			if got.elements != maxElements+1 {
				t.Fatalf("%q: %+v, want %d elements counted", data, got, maxElements+1)
			}
			return
		}
		want := outline{values: min(len(values), 2), elements: len(elements)}
		if len(values) > 0 {
			want.first = values[0][0]
		}
		if len(values) == 1 { // read to the end: every value and key counted
			want.nested = tokens(values[0])
		} else {
			got.nested = 0 // the outline stopped at the second value
		}
		if got != want {
			t.Fatalf("%q: %+v, want %+v", data, got, want)
		}
	})
}

// tokens counts the values at any depth and the keys of one JSON value, as encoding/json reads
// them.
func tokens(v json.RawMessage) int {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber() // a number beyond float64 is still one value
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		if d, ok := tok.(json.Delim); !ok || d == '{' || d == '[' {
			n++
		}
	}
}

// jsonValues splits data into the JSON values it holds one after another.
func jsonValues(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, json.RawMessage(strings.TrimSpace(string(v))))
	}
}
