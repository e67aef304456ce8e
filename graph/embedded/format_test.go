package embedded

import (
	"encoding/json"
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
