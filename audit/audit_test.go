package audit

import (
	"fmt"
	"testing"
)

func TestRingKeepsTheLastNewestFirst(t *testing.T) {
	r := NewRing(3)
	if got := r.Last(10); len(got) != 0 {
		t.Fatalf("empty ring: %v", got)
	}
	for i := range 5 {
		r.Add(Entry{Path: fmt.Sprint(i)})
	}
	got := r.Last(10)
	if len(got) != 3 || got[0].Path != "4" || got[1].Path != "3" || got[2].Path != "2" {
		t.Errorf("after 5 adds to a ring of 3: %+v", got)
	}
	if got := r.Last(1); len(got) != 1 || got[0].Path != "4" {
		t.Errorf("last 1: %+v", got)
	}
}
