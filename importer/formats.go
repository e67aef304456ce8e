package importer

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/aimsgraph/aimsgraph/importer/assetregister"
	"github.com/aimsgraph/aimsgraph/importer/cisoassistant"
	"github.com/aimsgraph/aimsgraph/importer/cyclonedx"
	"github.com/aimsgraph/aimsgraph/importer/hfcard"
	"github.com/aimsgraph/aimsgraph/importer/native"
	"github.com/aimsgraph/aimsgraph/importer/openlineage"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/register"
	"github.com/aimsgraph/aimsgraph/importer/ropa"
	"github.com/aimsgraph/aimsgraph/importer/spdx"
)

// Formats is every format aimsgraph reads, in the order detection asks them: when two are
// certain of a file, the earlier wins (a JSON object with both bomFormat and datasets is a BOM).
// Adding a format is adding it here (docs/formats.md, "Adding a format").
var Formats = []record.Format{
	cyclonedx.Format,
	spdx.Format,
	openlineage.Format,
	native.JSON,
	native.YAML,
	// Registers are told by their header row, whatever the file's name, so they come before
	// native CSV, which goes by the name (docs/registers.md).
	assetregister.Format,
	cisoassistant.Format,
	cisoassistant.CLIFormat,
	cisoassistant.RiskAssessmentFormat,
	cisoassistant.EntitiesFormat,
	cisoassistant.SolutionsFormat,
	cisoassistant.ContractsFormat,
	cisoassistant.RepresentativesFormat,
	ropa.Format,
	native.CSV,
	hfcard.Format,
	register.Workbook(assetregister.Layout, cisoassistant.Layout, cisoassistant.CLILayout, cisoassistant.RiskAssessmentLayout,
		cisoassistant.EntitiesLayout, cisoassistant.SolutionsLayout, cisoassistant.ContractsLayout, cisoassistant.RepresentativesLayout,
		ropa.Layout),
}

// families name several formats at once for --format; each file is read as the member its name
// fits best (--format native reads .yaml as YAML and .csv as CSV).
var families = map[string][]record.Format{
	native.Family: {native.YAML, native.JSON, native.CSV},
}

// FormatNames lists the values Options.Format (--format) accepts: the families, then the formats
// that belong to none, in registry order.
func FormatNames() []string {
	var names []string
	inFamily := map[record.Format]bool{}
	for name, members := range families {
		names = append(names, name)
		for _, f := range members {
			inFamily[f] = true
		}
	}
	sort.Strings(names)
	for _, f := range Formats {
		if !inFamily[f] {
			names = append(names, f.Name())
		}
	}
	return names
}

// formatsNamed returns the formats --format NAME means: a family's members, or the one format.
func formatsNamed(name string) ([]record.Format, bool) {
	if members, ok := families[name]; ok {
		return members, true
	}
	for _, f := range Formats {
		if f.Name() == name {
			return []record.Format{f}, true
		}
	}
	return nil, false
}

// formatNamed returns the registered format called name, or nil.
func formatNamed(name string) record.Format {
	for _, f := range Formats {
		if f.Name() == name {
			return f
		}
	}
	return nil
}

// inputFile is one file of a run and the format it is read as.
type inputFile struct {
	path   string        // as the user named it, for messages
	format record.Format // nil: not recognised, why says so
	why    string
	source string // resolved source name (a document may name its own)
	sha256 string
	// explicit: named on the command line, not found in a folder. A folder's files that no
	// format recognises are skipped; a file named explicitly must be recognised.
	explicit bool
	// doc is set when this part of a run is a document already decoded (an EachDocument
	// format's): the passes replay its records instead of reading the file again.
	doc *Document
}

// formatName is the file's format for reports and the run record.
func (f *inputFile) formatName() string {
	switch {
	case f.doc != nil:
		return f.doc.Format
	case f.format == nil:
		return "unknown"
	}
	return f.format.Name()
}

// sniff tells a file's format: with override (--format), the one given or the family member the
// name fits best; otherwise the first format certain of it, else the first whose reader explains
// best what is wrong with it. claimed is false when no format reads files of this name at all.
func sniff(h *record.Head, override []record.Format) (format record.Format, why string, claimed bool) {
	matches := make(map[record.Format]record.Match, len(Formats))
	for _, f := range Formats {
		m := f.Sniff(h)
		matches[f] = m
		claimed = claimed || m.Level > record.NotThis
	}
	if override != nil {
		if len(override) == 1 {
			return override[0], "", claimed
		}
		best := record.NotThis
		for _, f := range override {
			if l := matches[f].Level; l > best {
				format, best = f, l
			}
		}
		if format == nil {
			return nil, fmt.Sprintf("a %s file cannot be read as the %s format", h.Ext(), familyOf(override)), claimed
		}
		return format, "", claimed
	}
	for _, level := range []record.Level{record.Certain, record.Fallback} {
		for _, f := range Formats {
			if matches[f].Level == level {
				return f, "", true
			}
		}
	}
	var expected []string
	for _, f := range Formats {
		if m := matches[f]; m.Level == record.NameFits && m.Expect != "" {
			expected = append(expected, m.Expect)
		}
	}
	return nil, "not a recognised format; aimsgraph looked for " + orList(expected), claimed
}

func familyOf(members []record.Format) string {
	for name, fs := range families {
		if slices.Equal(fs, members) {
			return name
		}
	}
	return members[0].Name()
}

// orList joins items as "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// collect expands paths (files or folders, searched recursively, following symbolic links) into
// the files to read, in a stable order, each with its format told (sniff). What a folder holds
// that is not read at all is listed in skipped as "path: why"; a file named explicitly must be
// one some format reads.
func collect(paths []string, override []record.Format) (files []*inputFile, skipped []string, err error) {
	add := func(path string, explicit bool) (bool, error) {
		h := record.NewHead(path)
		format, why, claimed := sniff(h, override)
		if err := h.Err(); err != nil {
			return false, fmt.Errorf("%s: %w", path, unwrapPathError(err))
		}
		if !claimed {
			if explicit {
				return false, fmt.Errorf("%s: unsupported file type; aimsgraph reads %s (docs/formats.md)", path, strings.Join(FormatNames(), ", "))
			}
			skipped = append(skipped, path+": not a type any import format reads")
			return false, nil
		}
		files = append(files, &inputFile{path: path, format: format, why: why, explicit: explicit})
		return true, nil
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, unwrapPathError(err))
		}
		if !st.IsDir() {
			if _, err := add(p, true); err != nil {
				return nil, nil, err
			}
			continue
		}
		var found []string
		if err := walkFollowing(p, map[string]bool{}, &found, &skipped); err != nil {
			return nil, nil, err
		}
		sort.Strings(found)
		for _, path := range found {
			if _, err := add(path, false); err != nil {
				return nil, nil, err
			}
		}
	}
	return files, skipped, nil
}

// Collect expands paths (files or folders, searched recursively) into the files some format
// reads, in a stable order. Files of other types inside folders are skipped and returned in
// skipped; a file named explicitly must be of a supported type.
func Collect(paths []string) (files []string, skipped []string, err error) {
	in, skipped, err := collect(paths, nil)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range in {
		files = append(files, f.path)
	}
	return files, skipped, nil
}

// walkFollowing walks dir, following symbolic links; walking holds the real paths of the folders
// being walked, so a link back into one of them is reported instead of walked again.
func walkFollowing(dir string, walking map[string]bool, found, skipped *[]string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, unwrapPathError(err))
	}
	if walking[real] {
		*skipped = append(*skipped, dir+": a symbolic link loop (leads back to "+real+")")
		return nil
	}
	walking[real] = true
	defer delete(walking, real)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, unwrapPathError(err))
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			st, err := os.Stat(path)
			if err != nil {
				*skipped = append(*skipped, path+": a broken symbolic link")
				continue
			}
			mode = st.Mode().Type()
		}
		switch {
		case mode.IsDir() && strings.HasPrefix(e.Name(), "."):
			*skipped = append(*skipped, path+": a hidden folder")
		case mode.IsDir():
			if err := walkFollowing(path, walking, found, skipped); err != nil {
				return err
			}
		case mode.IsRegular():
			*found = append(*found, path)
		default:
			*skipped = append(*skipped, path+": not a regular file")
		}
	}
	return nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// resolve expands paths into files and tells each one's format: Options.Format when set,
// otherwise from the content (the name says which formats to ask).
func (im *Importer) resolve(paths []string) ([]*inputFile, error) {
	var override []record.Format
	if im.Opts.Format != "" {
		var ok bool
		if override, ok = formatsNamed(im.Opts.Format); !ok {
			return nil, fmt.Errorf("unknown format %q: one of %s", im.Opts.Format, strings.Join(FormatNames(), ", "))
		}
	}
	files, skipped, err := collect(paths, override)
	if err != nil {
		return nil, err
	}
	if im.Opts.Skipped != nil {
		for _, s := range skipped {
			im.Opts.Skipped(s)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no file any import format reads (%s) found in %s", strings.Join(FormatNames(), ", "), strings.Join(paths, ", "))
	}
	return files, nil
}
