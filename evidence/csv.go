package evidence

import (
	"bytes"
	"encoding/csv"
	"strings"
)

// csvTable writes rows as CSV (RFC 4180, CRLF line ends, as spreadsheets expect). A cell a
// spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a leading
// apostrophe, the usual defence: the pack is evidence, opened by people in spreadsheets. The web
// UI's downloads do the same (web/src/csv.ts).
func csvTable(header []string, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	_ = w.Write(header)
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, c := range r {
			safe[i] = defuse(c)
		}
		_ = w.Write(safe)
	}
	w.Flush()
	return b.Bytes()
}

func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
