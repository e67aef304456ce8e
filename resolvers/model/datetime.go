package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDateTime writes an instant as RFC 3339 in UTC with nanoseconds, so that an instant read
// from an answer passes back as `asOf` exactly.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// InputError is a value the client sent that cannot be read: the API reports it as
// BAD_USER_INPUT with its message.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// UnmarshalDateTime reads an RFC 3339 instant, or a date alone as its midnight UTC.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &InputError{fmt.Sprintf("a DateTime is a string such as 2026-11-27T09:30:00Z or 2026-11-27, got %T", v)}
	}
	t, err := ParseInstant(s)
	if err != nil {
		return time.Time{}, &InputError{err.Error()}
	}
	return t, nil
}

// ParseInstant reads an instant as the API and the command line take it: RFC 3339 (fractions
// allowed), or a date alone meaning its midnight UTC.
func ParseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an instant: use RFC 3339 such as 2026-11-27T09:30:00Z, or a date such as 2026-11-27", s)
}
