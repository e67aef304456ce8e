package embedded

import (
	"math"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aimsgraph/aimsgraph/graph"
)

// decodeFast reads a stored node, relationship or version record in one pass over its bytes, as
// decode does with encoding/json (which scans every record twice, and by reflection): JSON
// decoding was most of what opening a large store cost. It knows only the shape the store
// writes (text, yes or no, whole numbers, lists of text); on anything else (another field, a fraction, a
// null where text is, a property of another type, malformed JSON) it reports false and the
// caller decodes the record with encoding/json, so what is read never depends on which path
// read it (TestDecodeFastAgrees).
//
// strs, when not nil, holds strings read before: one that repeats (a run id, a stamp, a file,
// an enum value, an endpoint) is then not made again, record after record. Only one goroutine
// may use it.
func decodeFast(data []byte, v any, strs map[string]string) bool {
	switch x := v.(type) {
	case *nodeRec:
		return fastInto(data, x, strs)
	case *relRec:
		return fastInto(data, x, strs)
	case *nodeVersion:
		return fastInto(data, x, strs)
	case *relVersion:
		return fastInto(data, x, strs)
	}
	return false
}

// fastInto fills x only when the whole record was read.
func fastInto[T any](data []byte, x *T, strs map[string]string) bool {
	var tmp T
	if !readRecord(data, &tmp, strs) {
		return false
	}
	*x = tmp
	return true
}

func readRecord(data []byte, v any, strs map[string]string) bool {
	var (
		e                     *entity
		ver                   *version
		id, kind, typ, fr, to *string
	)
	switch x := v.(type) {
	case *nodeRec:
		e, id, kind = &x.entity, &x.ID, (*string)(&x.Kind)
	case *relRec:
		e, typ, fr, to = &x.entity, (*string)(&x.Type), &x.From, &x.To
	case *nodeVersion:
		e, ver, id, kind = &x.entity, &x.version, &x.ID, (*string)(&x.Kind)
	case *relVersion:
		e, ver, typ, fr, to = &x.entity, &x.version, (*string)(&x.Type), &x.FromID, &x.ToID
	default:
		return false
	}
	p := parser{b: data, strs: strs}
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return p.end()
	}
	for {
		key, ok := p.rawString()
		if !ok || !p.byte(':') {
			return false
		}
		p.prev = 0
		var str *string
		var num *int64
		switch string(key) {
		case "id": // one per record: not kept in strs
			str, p.once = id, true
		case "kind":
			str = kind
		case "type":
			str = typ
		case "from": // not kept: a relationship takes its node's id (Store.load), versions are few
			str, p.once = fr, true
		case "to":
			str, p.once = to, true
		case "firstRun":
			str = &e.FirstRun
		case "lastRun":
			str = &e.LastRun
		case "file":
			str = &e.File
		case "sinceRun":
			str = &e.SinceRun
		case "changedRun":
			str = &e.ChangedRun
		case "lastAt":
			num = &e.LastAt
		case "since":
			num = &e.Since
		case "changed":
			num = &e.Changed
		case "line":
			n, ok := p.int()
			if !ok || int64(int(n)) != n {
				return false
			}
			e.Line = int(n)
		case "hash":
			h, ok := p.rawString()
			if !ok || e.Hash.UnmarshalText(h) != nil {
				return false
			}
		case "seen":
			if p.null() {
				e.Seen = nil
				break
			}
			if e.Seen, ok = p.texts(); !ok {
				return false
			}
		case "props":
			if e.Props, ok = p.props(); !ok {
				return false
			}
		default:
			if ver == nil {
				return false
			}
			switch string(key) {
			case "start":
				num = &ver.Start
			case "end":
				num = &ver.End
			case "startRun":
				str = &ver.StartRun
			case "endRun":
				str = &ver.EndRun
			case "removed":
				if ver.Removed, ok = p.bool(); !ok {
					return false
				}
			default:
				return false
			}
		}
		switch {
		case str != nil:
			if *str, ok = p.string(); !ok {
				return false
			}
		case num != nil:
			if *num, ok = p.int(); !ok {
				return false
			}
		default: // read above, or a field this record does not have
			if p.prev != 'v' {
				return false
			}
		}
		if p.byte(',') {
			continue
		}
		return p.byte('}') && p.end()
	}
}

// parser reads JSON from b; every method skips the white space before what it reads and says
// whether it found it. prev is 'v' once a value was read by a method that sets it. Strings
// read are kept in strs (decodeFast), but for the next one when once is set, and long ones.
type parser struct {
	b    []byte
	i    int
	prev byte
	strs map[string]string
	once bool
}

// ownText are the properties whose text is each node's own (its name and description, from
// graph.CommonProps): keeping them to share would only grow strs by a string per node.
var ownText = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range graph.CommonProps {
		if p.Type == graph.String {
			m[p.Name] = true
		}
	}
	return m
}()

// made returns the string b holds, from strs when it is there.
func (p *parser) made(b []byte) string {
	once := p.once
	p.once = false
	if p.strs == nil || once || len(b) > 64 {
		return string(b)
	}
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	p.strs[s] = s
	return s
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) byte(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) end() bool {
	p.ws()
	return p.i == len(p.b)
}

func (p *parser) literal(s string) bool {
	p.ws()
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		p.prev = 'v'
		return true
	}
	return false
}

func (p *parser) null() bool { return p.literal("null") }

func (p *parser) bool() (bool, bool) {
	if p.literal("true") {
		return true, true
	}
	return false, p.literal("false")
}

// int reads a whole number that fits int64; a fraction or an exponent is not one here.
func (p *parser) int() (int64, bool) {
	p.ws()
	i, neg := p.i, false
	if i < len(p.b) && p.b[i] == '-' {
		neg = true
		i++
	}
	start := i
	var n uint64
	for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
		if i-start >= 19 { // 19 digits fit uint64; more: encoding/json
			return 0, false
		}
		n = n*10 + uint64(p.b[i]-'0')
		i++
	}
	if i == start || (p.b[start] == '0' && i-start > 1) || n > math.MaxInt64 {
		return 0, false
	}
	if i < len(p.b) && (p.b[i] == '.' || p.b[i] == 'e' || p.b[i] == 'E') {
		return 0, false
	}
	p.i, p.prev = i, 'v'
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// rawString reads a string without escapes and returns its bytes, valid while b is.
func (p *parser) rawString() ([]byte, bool) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	for j := p.i + 1; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := p.b[p.i+1 : j]
			p.i, p.prev = j+1, 'v'
			return s, true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

// string reads a string as encoding/json does: escapes resolved, and its bytes valid UTF-8
// (anything else: false, and encoding/json reads the record).
func (p *parser) string() (string, bool) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	j := p.i + 1
	plain := true
	for ; j < len(p.b); j++ {
		c := p.b[j]
		if c == '"' {
			break
		}
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
		if c < 0x20 {
			return "", false
		}
	}
	if plain {
		if j >= len(p.b) {
			return "", false
		}
		s := p.made(p.b[p.i+1 : j])
		p.i, p.prev = j+1, 'v'
		return s, true
	}
	out := make([]byte, 0, 32)
	out = append(out, p.b[p.i+1:j]...)
	for j < len(p.b) {
		c := p.b[j]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return "", false
			}
			p.i, p.prev = j+1, 'v'
			return p.made(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(p.b) {
			return "", false
		}
		switch p.b[j+1] {
		case '"', '\\', '/':
			out = append(out, p.b[j+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(p.b[j+2:])
			if !ok {
				return "", false
			}
			j += 4
			if utf16.IsSurrogate(r) {
				if len(p.b) < j+8 || p.b[j+2] != '\\' || p.b[j+3] != 'u' {
					return "", false
				}
				r2, ok := hex4(p.b[j+4:])
				if !ok {
					return "", false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", false
				}
				j += 6
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// texts reads a list of strings; an empty list is an empty slice, as encoding/json makes it.
func (p *parser) texts() ([]string, bool) {
	if !p.byte('[') {
		return nil, false
	}
	out := []string{}
	if p.byte(']') {
		p.prev = 'v'
		return out, true
	}
	for {
		s, ok := p.string()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if p.byte(',') {
			continue
		}
		p.prev = 'v'
		return out, p.byte(']')
	}
}

// props reads domain properties as decode leaves them: text, yes or no, whole numbers as int64,
// lists of text as []string (graph.TextList of a list of text), null.
func (p *parser) props() (map[string]any, bool) {
	if !p.byte('{') {
		return nil, false
	}
	out := map[string]any{}
	if p.byte('}') {
		p.prev = 'v'
		return out, true
	}
	for {
		k, ok := p.string()
		if !ok || !p.byte(':') {
			return nil, false
		}
		p.ws()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch c := p.b[p.i]; {
		case c == '"':
			p.once = ownText[k]
			out[k], ok = p.string()
		case c == '[':
			var l []string
			l, ok = p.texts()
			out[k] = l
		case c == '-' || ('0' <= c && c <= '9'):
			out[k], ok = p.int()
		case c == 't' || c == 'f':
			out[k], ok = p.bool()
		case c == 'n':
			out[k], ok = nil, p.null()
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
		if p.byte(',') {
			continue
		}
		p.prev = 'v'
		return out, p.byte('}')
	}
}
