package embedded

import (
	"encoding/json"
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
