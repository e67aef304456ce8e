package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// maxNameLen bounds a folder name in the pack; longer ids are cut and told apart by a hash.
const maxNameLen = 100

// FolderNames gives each id a folder name that is safe on every file system the pack may be
// unpacked on and unique among ids, also where names are compared without case (Windows,
// macOS): bytes outside [A-Za-z0-9._-] are written as %XX (so the id can be read back), a
// leading dot is escaped too, and where two names would still clash or a name is too long, a
// short hash of the id is added.
func FolderNames(ids []string) map[string]string {
	out := make(map[string]string, len(ids))
	byFold := map[string][]string{}
	for _, id := range ids {
		name := escape(id)
		if len(name) > maxNameLen {
			name = name[:maxNameLen-9] + "~" + shortHash(id)
		}
		out[id] = name
		byFold[strings.ToLower(name)] = append(byFold[strings.ToLower(name)], id)
	}
	for _, clash := range byFold {
		if len(clash) < 2 {
			continue
		}
		for _, id := range clash {
			if !strings.HasSuffix(out[id], "~"+shortHash(id)) {
				out[id] += "~" + shortHash(id)
			}
		}
	}
	return out
}

func escape(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		safe := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0
		if safe {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() == 0 {
		return "%00" // the empty id; the store has none, but a name must not be empty
	}
	return b.String()
}

func shortHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:4])
}
