// Package estategen writes generated estates in the native CSV form, for benchmarks and for the
// large-import measurements: a bank-shaped lineage graph of any size, the same for the same
// size (a fixed seed), so runs compare like with like.
package estategen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Sizes of a generated estate.
type Sizes struct {
	Vendors, Datasets, Models, Systems, Decisions, Relationships int
}

// ForRelationships scales an estate to about rels relationships.
func ForRelationships(rels int) Sizes {
	return Sizes{
		Vendors:       max(2, rels/2000),
		Datasets:      max(10, rels/8),
		Models:        max(4, rels/40),
		Systems:       max(4, rels/40),
		Decisions:     max(4, rels/40),
		Relationships: rels,
	}
}

// Write writes the estate as CSV files into dir and returns the number of nodes and
// relationships written. Every relationship is one the relationship table allows; some
// datasets are third-party (by origin or by a SUPPLIES edge) and flagged PRIVACY, so the
// canonical impact question has answers.
func Write(dir string, s Sizes) (nodes, rels int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	rng := rand.New(rand.NewPCG(42, 4242))
	section := func(name string, header []string, n int, row func(i int) []string) error {
		return writeCSV(filepath.Join(dir, name+".csv"), header, n, row)
	}
	origins := []string{"INTERNAL", "INTERNAL", "INTERNAL", "THIRD_PARTY", "PUBLIC"}
	steps := []struct {
		name   string
		header []string
		n      int
		row    func(i int) []string
	}{
		{"vendors", []string{"id", "name", "vendorType", "country"}, s.Vendors, func(i int) []string {
			return []string{fmt.Sprintf("vnd:%d", i), fmt.Sprintf("Vendor %d", i), "DATA_PROVIDER", "GB"}
		}},
		{"datasets", []string{"id", "name", "origin", "personalData", "flags"}, s.Datasets, func(i int) []string {
			flags := ""
			if rng.IntN(10) == 0 {
				flags = "PRIVACY"
			}
			return []string{fmt.Sprintf("ds:%d", i), fmt.Sprintf("Dataset %d", i), origins[rng.IntN(len(origins))], fmt.Sprint(rng.IntN(2) == 0), flags}
		}},
		{"models", []string{"id", "name", "origin"}, s.Models, func(i int) []string {
			return []string{fmt.Sprintf("mdl:%d", i), fmt.Sprintf("Model %d", i), "IN_HOUSE"}
		}},
		{"systems", []string{"id", "name", "euAiActTier"}, s.Systems, func(i int) []string {
			return []string{fmt.Sprintf("sys:%d", i), fmt.Sprintf("System %d", i), "HIGH"}
		}},
		{"decisions", []string{"id", "name", "impactLevel"}, s.Decisions, func(i int) []string {
			return []string{fmt.Sprintf("dec:%d", i), fmt.Sprintf("Decision %d", i), "HIGH"}
		}},
	}
	for _, st := range steps {
		if err := section(st.name, st.header, st.n, st.row); err != nil {
			return 0, 0, err
		}
		nodes += st.n
	}
	// Relationships: each decision is informed by a system, each system powered by a model and
	// fed by datasets, each model trained on datasets, datasets derived from datasets (with
	// cycles), some supplied by vendors.
	kinds := []func() []string{
		func() []string {
			return []string{ref("sys", rng.IntN(s.Systems)), "INFORMS", ref("dec", rng.IntN(s.Decisions))}
		},
		func() []string {
			return []string{ref("mdl", rng.IntN(s.Models)), "POWERS", ref("sys", rng.IntN(s.Systems))}
		},
		func() []string {
			return []string{ref("ds", rng.IntN(s.Datasets)), "FEEDS", ref("sys", rng.IntN(s.Systems))}
		},
		func() []string {
			return []string{ref("ds", rng.IntN(s.Datasets)), "TRAINS", ref("mdl", rng.IntN(s.Models))}
		},
		func() []string {
			return []string{ref("ds", rng.IntN(s.Datasets)), "FEEDS", ref("ds", rng.IntN(s.Datasets))}
		},
		func() []string {
			return []string{ref("ds", rng.IntN(s.Datasets)), "FEEDS", ref("ds", rng.IntN(s.Datasets))}
		},
		func() []string {
			return []string{ref("vnd", rng.IntN(s.Vendors)), "SUPPLIES", ref("ds", rng.IntN(s.Datasets))}
		},
	}
	err = writeCSV(filepath.Join(dir, "relationships.csv"), []string{"from", "type", "to"}, s.Relationships, func(int) []string {
		return kinds[rng.IntN(len(kinds))]()
	})
	return nodes, s.Relationships, err
}

func ref(prefix string, i int) string { return fmt.Sprintf("%s:%d", prefix, i) }

func writeCSV(path string, header []string, n int, row func(int) []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	w := csv.NewWriter(bw)
	_ = w.Write(header)
	for i := 0; i < n; i++ {
		_ = w.Write(row(i))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Revise writes into dst the estate of src as revision k (0 <= k < 100) would state it: the
// nodes on every hundredth row (row index ≡ k mod 100) are renamed "... rev k", and the
// relationships on every hundredth row are left out, so each revision changes about 1 % of the
// nodes and 1 % of the relationships and brings back the previous revision's. Rows keep their
// files, so a revision imported from dst over another revision in dst changes only that.
func Revise(src, dst string, k int) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".csv" {
			continue
		}
		f, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
		f.Close()
		if err != nil {
			return err
		}
		header, body := rows[0], rows[1:]
		name := -1
		for i, h := range header {
			if h == "name" {
				name = i
			}
		}
		var out [][]string
		for i, row := range body {
			switch {
			case i%100 != k:
				out = append(out, row)
			case e.Name() == "relationships.csv": // left out in this revision
			case name >= 0:
				row = append([]string(nil), row...)
				row[name] = fmt.Sprintf("%s rev %d", row[name], k)
				out = append(out, row)
			default:
				out = append(out, row)
			}
		}
		if err := writeCSV(filepath.Join(dst, e.Name()), header, len(out), func(i int) []string { return out[i] }); err != nil {
			return err
		}
	}
	return nil
}
