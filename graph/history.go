package graph

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sort"
	"time"
)

// History (docs/history.md): every node and relationship keeps the versions of its properties
// with the interval in which each held. These are the types the stores share.

// Change says how a fact differs between two instants.
type Change string

// The changes of docs/history.md.
const (
	Added   Change = "ADDED"   // absent at since, present at until
	Removed Change = "REMOVED" // present at since, absent at until
	Changed Change = "CHANGED" // present at both, with other properties
)

// ChangeQuery asks what differs between the graph as of Since and as of Until. Run, when set,
// keeps only the changes that run made (its own instants: ImportRun.SourceTimes and its
// effective instant).
type ChangeQuery struct {
	Since, Until time.Time
	Run          string
}

// NodeChange is a node that differs between two instants. Before is nil for ADDED, After for
// REMOVED.
type NodeChange struct {
	Change        Change
	ID            string
	Kind          Kind
	Before, After *Node
	Run           string // the run that made the last transition in the window
	At            time.Time
}

// RelChange is a relationship that differs between two instants.
type RelChange struct {
	Change        Change
	Type          RelType
	From, To      string
	Before, After *Relationship
	Run           string
	At            time.Time
}

// ChangeSet is the answer to a ChangeQuery: nodes ordered by id, relationships by key.
type ChangeSet struct {
	Since, Until  time.Time
	Nodes         []NodeChange
	Relationships []RelChange
}

// CompactSummary says what Compact dropped.
type CompactSummary struct {
	Before        time.Time
	NodeVersions  int
	RelVersions   int
	PreviousLimit time.Time // the horizon before this compaction (zero: none)
}

// NodeDiff decides how a node differs between two states (nil: absent), or ok=false when it
// does not. Provenance alone never makes a change: seeing a fact again changes nothing.
func NodeDiff(before, after *Node) (Change, bool) {
	return diff(before == nil, after == nil, func() bool { return !reflect.DeepEqual(before.Props, after.Props) })
}

// RelDiff is NodeDiff for relationships.
func RelDiff(before, after *Relationship) (Change, bool) {
	return diff(before == nil, after == nil, func() bool { return !reflect.DeepEqual(before.Props, after.Props) })
}

// diff is NodeDiff and RelDiff: absence at either end, else whether the properties differ.
func diff(absentBefore, absentAfter bool, propsDiffer func() bool) (Change, bool) {
	switch {
	case absentBefore && absentAfter:
		return "", false
	case absentBefore:
		return Added, true
	case absentAfter:
		return Removed, true
	case propsDiffer():
		return Changed, true
	}
	return "", false
}

// Sort orders a change set as the API lists it.
func (c *ChangeSet) Sort() {
	sort.Slice(c.Nodes, func(i, j int) bool { return c.Nodes[i].ID < c.Nodes[j].ID })
	sort.Slice(c.Relationships, func(i, j int) bool {
		a, b := c.Relationships[i], c.Relationships[j]
		return relChangeKey(a) < relChangeKey(b)
	})
}

func relChangeKey(c RelChange) string {
	r := c.After
	if r == nil {
		r = c.Before
	}
	return r.Key()
}

// VisibleInstant maps an as-of instant to the instant whose stamps a reader at t saw. A run's
// facts are stamped with its effective instant but become visible at its finish; a run still
// writing at t must not show, so t moves to just before its effective instant. Facts whose
// source has its own instant (SourceTimes) are stamped with that instant and are not masked.
func VisibleInstant(t time.Time, runs []*RunRecord) time.Time {
	out := t
	for _, r := range runs {
		writing := !r.EffectiveAt.IsZero() && !r.EffectiveAt.After(t) && r.FinishedAt.After(t)
		if before := r.EffectiveAt.Add(-time.Nanosecond); writing && before.Before(out) {
			out = before
		}
	}
	return out
}

// EffectiveInstant is the instant a record of source takes effect in a run that began writing
// at writeAt: the source's own instant when the run gives one (never later than writeAt: an
// event from the future takes effect when it arrives), else writeAt.
func EffectiveInstant(run ImportRun, source string, writeAt time.Time) time.Time {
	if t, ok := run.SourceTimes[source]; ok && !t.IsZero() && t.Before(writeAt) {
		return t
	}
	return writeAt
}

// RunInstants lists the instants a run stamped facts with: its effective instant and its
// sources' own instants (as EffectiveInstant applies them), sorted, without duplicates.
func RunInstants(r *RunRecord) []time.Time {
	run := ImportRun{SourceTimes: r.SourceTimes}
	out := []time.Time{r.EffectiveAt}
	for src := range r.SourceTimes {
		out = append(out, EffectiveInstant(run, src, r.EffectiveAt))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return slices.CompactFunc(out, time.Time.Equal)
}

// PropertyChange is a property whose value differs between two states; nil is absent.
type PropertyChange struct {
	Key    string  `json:"key"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

// DiffProps lists the properties whose values differ between two states, by key, values as
// PropText renders them.
func DiffProps(before, after map[string]any) []PropertyChange {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	out := []PropertyChange{}
	for k := range keys {
		b, a := propText(before, k), propText(after, k)
		if (b == nil) != (a == nil) || (b != nil && *b != *a) {
			out = append(out, PropertyChange{Key: k, Before: b, After: a})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func propText(props map[string]any, key string) *string {
	v, ok := props[key]
	if !ok {
		return nil
	}
	s := PropText(v)
	return &s
}

// PropText renders a property value as text: text as it is, numbers, booleans and lists as JSON.
func PropText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// CopyProps returns a shallow copy of a property map.
func CopyProps(p map[string]any) map[string]any { return maps.Clone(p) }
