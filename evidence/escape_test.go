package evidence_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/evidence"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
)

// TestPackEscapes: ids and names are data from outside; in the pack's pictures and page they are
// text, never markup, and the pictures are well-formed XML.
func TestPackEscapes(t *testing.T) {
	dir := t.TempDir()
	inventory := `version: 1
source: evil
datasets:
  - {id: 'ds:<b>&"q"', name: '<script>alert(1)</script>'}
systems:
  - {id: sys:s, name: S, inputs: ['ds:<b>&"q"']}
decisions:
  - {id: 'dec:<i>/../x', name: 'D "quoted" & <b>bold</b>', informedBy: [sys:s]}
`
	if err := os.WriteFile(filepath.Join(dir, "evil.yaml"), []byte(inventory), 0o644); err != nil {
		t.Fatal(err)
	}
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, filepath.Join(dir, "evil.yaml"))
	var pack bytes.Buffer
	m, err := evidence.Write(context.Background(), s, evidence.Options{IDs: []string{"dec:<i>/../x"}}, &pack)
	if err != nil {
		t.Fatal(err)
	}
	files := unzip(t, pack.Bytes())
	folder := m.Folders["dec:<i>/../x"]
	if strings.ContainsAny(folder, `<>/\"&`) || strings.HasPrefix(folder, ".") {
		t.Errorf("folder %q", folder)
	}
	svg := files[folder+"/lineage.svg"]
	for name, data := range map[string][]byte{"lineage.svg": svg, "index.html": files["index.html"]} {
		if bytes.Contains(data, []byte("<script>")) || bytes.Contains(data, []byte("<b>")) || bytes.Contains(data, []byte("<i>")) {
			t.Errorf("%s carries markup from the data", name)
		}
		if !bytes.Contains(data, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
			t.Errorf("%s lacks the escaped name", name)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("lineage.svg is not well-formed XML: %v", err)
		}
	}
}
