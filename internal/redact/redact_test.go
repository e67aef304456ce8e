package redact

import (
	"context"
	"reflect"
	"testing"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
)

func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                                     "",
		"inventory.yaml":                       "inventory.yaml",
		"testdata/estate/inventory.yaml":       "testdata/estate/inventory.yaml", // relative: as given
		"request":                              "request",
		"/home/alice/estate/inventory.yaml":    "inventory.yaml",
		`C:\Users\alice\estate\inventory.yaml`: "inventory.yaml",
		"c:/Users/alice/inventory.yaml":        "inventory.yaml",
		`\\fileserver\alice\inventory.yaml`:    "inventory.yaml",
		"/":                                    "/",
	} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunIsACopy(t *testing.T) {
	r := &graph.RunRecord{ID: "run-1", User: "alice", Files: []graph.FileDigest{{Path: "/home/alice/inventory.yaml", SHA256: "ab"}}}
	got := Run(r)
	if got.User != "" || got.Files[0].Path != "inventory.yaml" || got.Files[0].SHA256 != "ab" || got.ID != "run-1" {
		t.Errorf("redacted run: %+v", got)
	}
	if r.User != "alice" || r.Files[0].Path != "/home/alice/inventory.yaml" {
		t.Errorf("the record was changed: %+v", r)
	}
	if p := Provenance(graph.Provenance{File: "/home/alice/x.yaml", Line: 3}); !reflect.DeepEqual(p, graph.Provenance{File: "x.yaml", Line: 3}) {
		t.Errorf("provenance: %+v", p)
	}
}

func TestWhole(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		role auth.Role
		want bool
	}{{auth.Reader, false}, {auth.Ingester, false}, {auth.Admin, true}} {
		if got := Whole(auth.WithPrincipal(ctx, auth.Principal{Name: "x", Role: tc.role, Via: auth.ViaToken})); got != tc.want {
			t.Errorf("%s: whole %v", tc.role, got)
		}
	}
	if Whole(ctx) {
		t.Error("a context without a caller sees provenance whole")
	}
}
