package ingest

// outline is what a request body holds at its top level, read without decoding it: decoding
// makes a value tree of every element and a document of every array element, event or not, so
// 8 MiB of `[0,0,0,...]` would become four million documents before the event cap could be
// checked. The outline costs one pass over the bytes and allocates nothing.
type outline struct {
	values   int  // top-level values one after another, counted up to 2: a request holds one
	first    byte // the first value's opening byte ('{', '[', '"' or a literal's first); 0: none
	elements int  // the first value's elements when it is an array, counted up to maxElements+1
	nested   int  // values at any depth and keys, as the decoder makes a node or a field of each
}

// outlineOf reads body's outline, stopping as soon as it holds a second top-level value or more
// than maxElements elements. Of valid JSON (a sequence of values, as encoding/json's Decoder
// reads them) the counts are exact; of anything else they are a guess the decoder then refuses
// whole (one problem, one document), so what is decoded is bounded either way.
//
// Literals are scanned by JSON's grammar, since the decoder ends a number or a keyword where the
// grammar does: `00` is two values to it, `truefalse` too, so 8 MiB of zeros is four million
// documents unless the outline counts them as the decoder does.
func outlineOf(body []byte, maxElements int) outline {
	var o outline
	depth := 0
	inString, escaped := false, false
	lit := litNone // the literal being read, if any
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if lit != litNone {
			if lit = lit.next(c); lit != litNone {
				continue
			}
			// c does not continue the literal: it is read as what it is on its own.
		}
		starts := false // a value begins at c
		switch c {
		case ' ', '\t', '\r', '\n', ',', ':':
		case '}', ']':
			depth = max(depth-1, 0)
		case '{', '[', '"':
			starts, inString = true, c == '"'
		default: // a number, true, false or null (or something that is not JSON)
			starts, lit = true, literalStart(c)
		}
		if starts {
			o.nested++
			switch {
			case depth == 0:
				if o.values++; o.values > 1 {
					return o
				}
				o.first = c
			case depth == 1 && o.first == '[':
				if o.elements++; o.elements > maxElements {
					return o
				}
			}
		}
		if c == '{' || c == '[' {
			depth++
		}
	}
	return o
}

// literalState is where outlineOf is in a literal: a number by JSON's grammar, a keyword by
// the letters it has left, or bytes that are not JSON (read as one literal until a delimiter).
type literalState uint8

const (
	litNone     literalState = iota
	litMinus                 // "-": a digit must follow
	litZero                  // "0" or "-0": the integer part is over
	litInt                   // [1-9] and digits
	litDot                   // "." : a digit must follow
	litFrac                  // digits after the point
	litExp                   // "e": a sign or a digit
	litExpSign               // "e+": a digit
	litExpDigit              // digits of the exponent
	litJunk                  // not JSON: goes on until a delimiter
	litKeyword               // litKeyword+n: a keyword with n letters left, n >= 1
)

// literalStart is the state after a literal's first byte.
func literalStart(c byte) literalState {
	switch {
	case c == '-':
		return litMinus
	case c == '0':
		return litZero
	case c >= '1' && c <= '9':
		return litInt
	case c == 't' || c == 'n': // true, null
		return litKeyword + 3
	case c == 'f': // false
		return litKeyword + 4
	}
	return litJunk
}

// next is the state after c, or litNone when c is not part of the literal. A keyword takes as
// many bytes as it has letters left, up to a delimiter, whatever they are: a wrong one makes the
// body invalid, refused whole.
func (s literalState) next(c byte) literalState {
	digit := c >= '0' && c <= '9'
	switch s {
	case litMinus:
		if c == '0' {
			return litZero
		}
		if digit {
			return litInt
		}
	case litZero, litInt:
		switch {
		case digit && s == litInt:
			return litInt
		case c == '.':
			return litDot
		case c == 'e' || c == 'E':
			return litExp
		}
	case litDot, litFrac:
		switch {
		case digit:
			return litFrac
		case c == 'e' || c == 'E':
			if s == litFrac {
				return litExp
			}
		}
	case litExp:
		if c == '+' || c == '-' {
			return litExpSign
		}
		if digit {
			return litExpDigit
		}
	case litExpSign, litExpDigit:
		if digit {
			return litExpDigit
		}
	case litJunk:
		if !isDelimiter(c) {
			return litJunk
		}
	default: // a keyword
		if s > litKeyword && !isDelimiter(c) {
			return s - 1 // litKeyword+1 - 1 is litKeyword: the keyword is whole
		}
	}
	return litNone
}

// isDelimiter: c ends any literal (white space, punctuation, a string or container opening).
func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ':', '}', ']', '{', '[', '"':
		return true
	}
	return false
}
