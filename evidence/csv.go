package evidence

import (
	"bytes"
	"encoding/csv"

	"github.com/aimsgraph/aimsgraph/internal/csvsafe"
)

// csvTable writes rows as CSV (RFC 4180, CRLF line ends, as spreadsheets expect). The pack is
// evidence, opened by people in spreadsheets: a cell a spreadsheet would run as a formula gets
// a leading apostrophe (package csvsafe, as every CSV file aimsgraph writes).
func csvTable(header []string, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	_ = w.Write(csvsafe.Row(header))
	for _, r := range rows {
		_ = w.Write(csvsafe.Row(r))
	}
	w.Flush()
	return b.Bytes()
}
