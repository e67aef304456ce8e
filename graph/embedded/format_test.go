package embedded

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
)

// A record as stores before the hash was held in bytes wrote it (and as they write it still)
// reads back and is written again the same.
func TestStoredHashReadsBack(t *testing.T) {
	props := map[string]any{"name": "x", "n": int64(3)}
	want := graph.ContentHash(props)
	old := `{"id":"ds:1","kind":"Dataset","props":{"n":3,"name":"x"},"hash":"` + want + `","seen":["src\u001frun1"],"firstRun":"run1","lastRun":"run1"}`
	var n nodeRec
	if err := decode([]byte(old), &n); err != nil {
		t.Fatal(err)
	}
	if n.Hash != hashOf(props) {
		t.Fatalf("hash %x, want %s", n.Hash, want)
	}
	data, err := json.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"hash":"`+want+`"`) {
		t.Fatalf("written again as %s", data)
	}
	if err := decode([]byte(`{"id":"ds:1","kind":"Dataset","hash":"abc"}`), &n); err == nil {
		t.Fatal("a malformed hash was accepted")
	}
}

// Entities with the same stamps share one list, and its sources, once loaded; other stamps that
// join to the same text do not.
func TestInternSharesStamps(t *testing.T) {
	in := newInterner()
	a := entity{Seen: []string{"crm\x1frun1", "hr\x1frun2"}}
	b := entity{Seen: []string{"crm\x1frun1", "hr\x1frun2"}}
	c := entity{Seen: []string{"crm\x1frun1\x00hr\x1frun2"}}
	for _, e := range []*entity{&a, &b, &c} {
		e.intern(in)
	}
	if &a.Seen[0] != &b.Seen[0] || a.sources != b.sources {
		t.Fatal("the same stamps are not shared")
	}
	if got := a.provenance().Sources; !slices.Equal(got, []string{"crm", "hr"}) {
		t.Fatalf("sources %q", got)
	}
	if got := c.provenance().Sources; !slices.Equal(got, []string{"crm"}) || len(c.Seen) != 1 {
		t.Fatalf("other stamps joining the same: %q, sources %q", c.Seen, got)
	}
	if cap(a.Seen) != len(a.Seen) {
		t.Fatal("a shared list has room an append would write into")
	}
	var none entity
	none.intern(in)
	if none.provenance().Sources != nil {
		t.Fatal("no stamps, yet sources")
	}
}

// Equal property maps are one once loaded; a map whose hash is the same but content not stays its own.
func TestInternSharesProps(t *testing.T) {
	in := newInterner()
	p := func() map[string]any { return map[string]any{"as": "training", "n": int64(2)} }
	a, b := entity{Props: p(), Hash: hashOf(p())}, entity{Props: p(), Hash: hashOf(p())}
	c := entity{Props: map[string]any{"as": "other"}, Hash: hashOf(p())} // not its hash: never shared
	for _, e := range []*entity{&a, &b, &c} {
		e.intern(in)
	}
	if reflect.ValueOf(a.Props).UnsafePointer() != reflect.ValueOf(b.Props).UnsafePointer() {
		t.Fatal("equal properties are not shared")
	}
	if c.Props["as"] != "other" {
		t.Fatalf("other properties under the same hash: %v", c.Props)
	}
}

// decodeFast reads every record as encoding/json does, or leaves it to encoding/json.
func TestDecodeFastAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "x", "crm\x1frun-1", "<a&b>", "é ü 漢字", "tab\there \"quoted\" back\\slash", "\u2028\u2029",
		"emoji 😀", "nul\x00", "bad \xff utf8", "/slash", strings.Repeat("long ", 20)}
	text := func() string { return texts[rng.IntN(len(texts))] + texts[rng.IntN(len(texts))] }
	num := func() int64 {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return -rng.Int64()
		case 2:
			return math.MaxInt64
		}
		return rng.Int64N(1 << 62)
	}
	props := func() map[string]any {
		if rng.IntN(4) == 0 {
			return nil
		}
		p := map[string]any{}
		for range rng.IntN(5) {
			switch rng.IntN(6) {
			case 4:
				p[text()] = rng.IntN(2) == 0
			case 5:
				p[text()] = nil
			case 0:
				p[text()] = text()
			case 1:
				p[text()] = num()
			case 2:
				p[text()] = []string{text(), text()}
			case 3:
				p[text()] = []string{}
			}
		}
		return p
	}
	ent := func() entity {
		e := entity{Props: props(), FirstRun: text(), LastRun: text(), LastAt: num(), File: text(), Line: int(num()),
			Since: num(), SinceRun: text(), Changed: num(), ChangedRun: text()}
		e.Hash = hashOf(e.Props)
		switch rng.IntN(3) {
		case 0:
			e.Seen = []string{text()}
		case 1:
			e.Seen = []string{text(), text(), text()}
		}
		return e
	}
	ver := func() version {
		return version{entity: ent(), Start: num(), End: num(), StartRun: text(), EndRun: text(), Removed: rng.IntN(2) == 0}
	}
	fast := 0
	strs := map[string]string{}
	check := func(data []byte, got, _ any) {
		t.Helper()
		if agree(t, data, reflect.TypeOf(got).Elem(), strs) {
			fast++
		}
	}
	for range 3000 {
		for _, rec := range []any{
			&nodeRec{ID: text(), Kind: graph.Kind(text()), entity: ent()},
			&relRec{Type: graph.RelType(text()), From: text(), To: text(), entity: ent()},
			&nodeVersion{ID: text(), Kind: graph.Kind(text()), version: ver()},
			&relVersion{Type: graph.RelType(text()), FromID: text(), ToID: text(), version: ver()},
		} {
			data, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			typ := reflect.TypeOf(rec).Elem()
			check(data, reflect.New(typ).Interface(), reflect.New(typ).Interface())
			// and damaged: cut short, or a byte changed
			cut := data[:rng.IntN(len(data))]
			check(cut, reflect.New(typ).Interface(), reflect.New(typ).Interface())
			bent := slices.Clone(data)
			bent[rng.IntN(len(bent))] = " \"\\{}[],:0.e-tnux"[rng.IntN(17)]
			check(bent, reflect.New(typ).Interface(), reflect.New(typ).Interface())
		}
	}
	// Fields of another shape: encoding/json reads them.
	for _, data := range []string{
		`{"id":"a","kind":"Dataset","hash":"00112233445566778899aabb","seen":null,"props":{"n":1.5}}`,
		`{"id":"a","kind":"Dataset","hash":"00112233445566778899aabb","seen":null,"props":{"b":true,"z":null,"l":[1,"x"],"o":{}}}`,
		`{"ID":"a","kind":"Dataset","hash":"00112233445566778899aabb","seen":["x"],"extra":{"a":[1]}} `,
		`{"id":"a","kind":"Dataset","hash":"00112233445566778899aabb","line":1e3,"seen":["\ud83d\ude00","\ud800"]}`,
		`{"type":"FEEDS","from":"a","to":"b","id":"x","hash":"00112233445566778899aabb","seen":[]}`,
		`{"id":"a","kind":"Dataset","hash":"00112233445566778899aabb","lastAt":99999999999999999999}`,
	} {
		check([]byte(data), new(nodeRec), new(nodeRec))
		check([]byte(data), new(relRec), new(relRec))
	}
	if fast < 3000*4 {
		t.Fatalf("only %d of the %d records written were read by decodeFast", fast, 3000*4)
	}
}

// agree decodes data as a record of type typ both ways, decodeFast (falling back to decode) and
// encoding/json, and fails t when they disagree; it reports whether decodeFast read it.
func agree(t testing.TB, data []byte, typ reflect.Type, strs map[string]string) bool {
	t.Helper()
	got, want := reflect.New(typ).Interface(), reflect.New(typ).Interface()
	errWant := decodeJSON(data, want)
	ok := decodeFast(data, got, strs)
	if ok && errWant != nil {
		t.Fatalf("%s: read, yet encoding/json says %v", data, errWant)
	}
	if !ok {
		if err := decode(data, got); (err == nil) != (errWant == nil) {
			t.Fatalf("%s: decode says %v, encoding/json %v", data, err, errWant)
		}
	}
	if errWant == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\nfast (%v) %#v\nencoding/json %#v", data, ok, got, want)
	}
	return ok
}

// FuzzDecodeFast: whatever bytes a data directory holds, the one-pass decoder and
// encoding/json read the same record or both refuse it.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","kind":"Dataset","hash":"00112233445566778899aabb","seen":["x"],"props":{"n":1,"b":true,"l":["x"]}}`,
		`{"type":"FEEDS","from":"a","to":"b","hash":"00112233445566778899aabb","seen":[],"start":1,"end":2}`,
		`{"id":"a","props":{"n":1.5}}`, `{"id":"\ud83d\ude00"}`, `{`, `null`,
	} {
		f.Add([]byte(s))
	}
	types := []reflect.Type{reflect.TypeFor[nodeRec](), reflect.TypeFor[relRec](), reflect.TypeFor[nodeVersion](), reflect.TypeFor[relVersion]()}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, typ := range types {
			agree(t, data, typ, map[string]string{})
		}
	})
}
