// Package csvsafe keeps the CSV files aimsgraph writes from carrying spreadsheet formulas
// (docs/registers.md, docs/evidence.md). Their cells hold names and ids from outside (an
// OpenLineage event names datasets and jobs), and people open them in spreadsheets, which run a
// cell starting with =, +, -, @, tab or CR as a formula. Such a cell is written with a leading
// apostrophe, the usual defence, which a spreadsheet shows as text. Register imports take the
// apostrophe off again (Restore), so an export imports back unchanged. The web UI's downloads
// apply the same rule (web/src/csv.ts).
package csvsafe

import "strings"

// triggers are the first characters that make a spreadsheet read a cell as a formula.
const triggers = "=+-@\t\r"

// Defuse returns cell as it is written to a CSV file: with a leading apostrophe when a
// spreadsheet would run it as a formula. A cell that is apostrophes before such a character
// gets one more, so Restore gives every cell back exactly.
func Defuse(cell string) string {
	if formula(cell) {
		return "'" + cell
	}
	return cell
}

// Restore undoes Defuse: Restore(Defuse(s)) == s for every s. A cell Defuse would not have
// written (no apostrophe, or one before text) is returned as it is.
func Restore(cell string) string {
	if rest, ok := strings.CutPrefix(cell, "'"); ok && formula(rest) {
		return rest
	}
	return cell
}

// Row returns the row's cells defused, in a new slice.
func Row(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Defuse(c)
	}
	return out
}

// formula reports whether cell, past any leading apostrophes, starts with a trigger.
func formula(cell string) bool {
	rest := strings.TrimLeft(cell, "'")
	return rest != "" && strings.IndexByte(triggers, rest[0]) >= 0
}
