package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/aimsgraph/aimsgraph/graph"
)

// sameAs on the embedded store (graph/sameas.go): aliases live in their own map and bbolt bucket,
// alias -> the id of the node it names. The import code calls in at three points, each marked:
// a node record with SameAs (stage.sameAs), the commit (stage.commitAliases) and the apply
// (stage.applyAliases).

var bucketAliases = []byte("aliases")

// loadAliases reads the alias bucket (created if absent).
func (s *Store) loadAliases(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketAliases)
	if err != nil {
		return err
	}
	s.aliases = map[string]string{}
	return b.ForEach(func(k, v []byte) error {
		s.aliases[string(k)] = string(v)
		return nil
	})
}

// Identify implements graph.Identifier.
func (s *Store) Identify(ctx context.Context, ids []string) (map[string]graph.Identity, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]graph.Identity, len(ids))
	for _, id := range ids {
		target := id
		if of, ok := s.aliases[id]; ok {
			target = of
		}
		if n := s.nodes[target]; n != nil {
			out[id] = graph.Identity{ID: n.ID, Kind: n.Kind}
		}
	}
	return out, nil
}

// aliasOf returns the id alias names in the staged view ("" when it is no alias).
func (st *stage) aliasOf(alias string) string {
	if of, ok := st.aliases[alias]; ok {
		return of
	}
	return st.s.aliases[alias]
}

// sameAs records n's aliases. An alias that is a node of its own is merged into n first: its
// relationships move to n, its sources join n's, and it goes, its last version kept as history.
func (st *stage) sameAs(n graph.NodeRecord) error {
	if st.aliases == nil {
		st.aliases = map[string]string{}
	}
	for _, alias := range n.SameAs {
		if alias == n.ID {
			continue
		}
		if of := st.aliasOf(alias); of != "" && of != n.ID {
			return fmt.Errorf("%s: sameAs %q: already another name of %s", n.ID, alias, of)
		}
		if old := st.node(alias); old != nil {
			if old.Kind != n.Kind {
				return fmt.Errorf("%s: sameAs %q: a %s cannot be another name of a %s", n.ID, alias, old.Kind, n.Kind)
			}
			st.merge(old, n.ID, st.instant(n.Source))
		}
		st.aliases[alias] = n.ID
	}
	return nil
}

// merge moves node from into the node `to` at instant at.
func (st *stage) merge(from *nodeRec, to string, at int64) {
	for _, r := range st.allRels() {
		if r.From != from.ID && r.To != from.ID {
			continue
		}
		moved := *r
		moved.From, moved.To = swap(r.From, from.ID, to), swap(r.To, from.ID, to)
		moved.key = relKey(moved.From, moved.Type, moved.To, keyValue(r.Type, r.Props))
		moved.from, moved.to = nil, nil
		moved.entity.Since, moved.entity.SinceRun = max(at, r.Since), st.run.ID
		if existing := st.rel(moved.key); existing != nil { // the node had that fact too: one fact, both evidences
			kept := *existing
			var ended *version
			kept.entity, ended = st.reattributed(existing.entity, joinSeen(existing.Seen, r.Seen), at)
			if ended != nil {
				st.relVers = append(st.relVers, &relVersion{Type: kept.Type, FromID: kept.From, ToID: kept.To, key: kept.key, version: *ended})
			}
			moved = kept
		}
		st.deleteRel(r, at)
		st.rels[moved.key] = &moved
	}
	target := st.node(to)
	kept := *target
	var ended *version
	kept.entity, ended = st.reattributed(target.entity, joinSeen(target.Seen, from.Seen), at)
	if ended != nil {
		st.nodeVers = append(st.nodeVers, &nodeVersion{ID: to, Kind: kept.Kind, version: *ended})
	}
	st.nodes[to] = &kept
	st.nodes[from.ID] = nil
	if v := st.removed(&from.entity, at); v != nil {
		st.nodeVers = append(st.nodeVers, &nodeVersion{ID: from.ID, Kind: from.Kind, version: *v})
	}
	st.summary.AddNodes(from.Kind, graph.Counts{Removed: 1})
	for alias, of := range st.s.aliases { // the merged node's own aliases now name `to`
		if of == from.ID && st.aliasOf(alias) == from.ID {
			st.aliases[alias] = to
		}
	}
	for alias, of := range st.aliases {
		if of == from.ID {
			st.aliases[alias] = to
		}
	}
}

func swap(id, from, to string) string {
	if id == from {
		return to
	}
	return id
}

// joinSeen adds the stamps of sources that a does not have from b.
func joinSeen(a, b []string) []string {
	out := slices.Clone(a)
	for _, stamp := range b {
		src, _, _ := strings.Cut(stamp, "\x1f")
		if !slices.ContainsFunc(out, func(s string) bool { return strings.HasPrefix(s, graph.SeenPrefix(src)) }) {
			out = append(out, stamp)
		}
	}
	return out
}

// commitAliases writes the staged aliases, and drops those whose node the run deleted.
func (st *stage) commitAliases(tx *bolt.Tx) error {
	b := tx.Bucket(bucketAliases)
	for alias, of := range st.liveAliases() {
		if of == "" {
			if err := b.Delete([]byte(alias)); err != nil {
				return err
			}
			continue
		}
		if err := b.Put([]byte(alias), []byte(of)); err != nil {
			return err
		}
	}
	return nil
}

// liveAliases is the staged aliases, with "" for aliases whose node the run deleted.
func (st *stage) liveAliases() map[string]string {
	out := map[string]string{}
	for alias, of := range st.aliases {
		out[alias] = of
	}
	for id, n := range st.nodes {
		if n != nil {
			continue
		}
		for alias, of := range st.s.aliases {
			if of == id {
				if _, staged := st.aliases[alias]; !staged {
					out[alias] = ""
				}
			}
		}
		for alias, of := range st.aliases {
			if of == id {
				out[alias] = ""
			}
		}
	}
	return out
}

// applyAliases makes the committed aliases visible (under s.mu).
func (st *stage) applyAliases() {
	for alias, of := range st.liveAliases() {
		if of == "" {
			delete(st.s.aliases, alias)
		} else {
			st.s.aliases[alias] = of
		}
	}
}
