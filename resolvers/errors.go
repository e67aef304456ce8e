package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
)

// Error codes in extensions.code. They are part of the API: clients branch on them.
const (
	CodeBadInput    = "BAD_USER_INPUT"            // an argument is invalid or over a cap
	CodeNotFound    = "NOT_FOUND"                 // the id names no node
	CodeUnavailable = "STORE_UNAVAILABLE"         // the graph store cannot be reached
	CodeTimeout     = "TIMEOUT"                   // the request ran out of time
	CodeInternal    = "INTERNAL"                  // a bug; details are in the server log
	CodeTooComplex  = "COMPLEXITY_LIMIT_EXCEEDED" // gqlgen's code for the complexity limit
	CodeTooDeep     = "DEPTH_LIMIT_EXCEEDED"      // selection nested deeper than the limit
	CodeCancelled   = "CANCELLED"                 // the client went away; nobody reads the answer
)

// userError is an error the client caused and can fix; its message is shown as is.
type userError struct {
	code string
	msg  string
}

func (e *userError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &userError{CodeBadInput, fmt.Sprintf(format, args...)}
}

func forbidden(msg string) error { return &userError{auth.CodeForbidden, msg} }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func notFound(id string) error {
	return &userError{CodeNotFound, fmt.Sprintf("no node with id %q", id)}
}

// PresentError gives every error a stable extensions.code and never shows internals: store and
// driver messages go to the log under an id the client sees.
func PresentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var ue *userError
		var ie *model.InputError
		switch {
		case errors.As(err, &ue):
			return withCode(gerr, ue.code, ue.msg)
		case errors.As(err, &ie):
			return withCode(gerr, CodeBadInput, ie.Msg)
		case errors.Is(ctx.Err(), context.Canceled):
			return withCode(gerr, CodeCancelled, "the request was cancelled")
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
			// The Neo4j driver reports a spent deadline as a connectivity error: ask the context.
			return withCode(gerr, CodeTimeout, "the query ran out of time; ask for less (lower maxDepth, limit or first)")
		case errors.Is(err, graph.ErrTooLarge):
			return withCode(gerr, CodeBadInput, err.Error())
		case errors.Is(err, graph.ErrCompacted):
			return withCode(gerr, CodeBadInput, err.Error())
		case errors.Is(err, graph.ErrUnavailable):
			log.Error("store unavailable", "err", err)
			return withCode(gerr, CodeUnavailable, "the graph store is unavailable; try again later")
		}
		var existing *gqlerror.Error
		if errors.As(err, &existing) && existing.Err == nil {
			// Parse, validation and limit errors from gqlgen: already meant for clients.
			if gerr.Extensions == nil || gerr.Extensions["code"] == nil {
				return withCode(gerr, CodeBadInput, gerr.Message)
			}
			return gerr
		}
		id := uuid.NewString()
		log.Error("query failed", "errorId", id, "path", gerr.Path.String(), "err", err)
		return withCode(gerr, CodeInternal, "internal error (id "+id+" in the server log)")
	}
}

func withCode(e *gqlerror.Error, code, msg string) *gqlerror.Error {
	e.Message = msg
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
	return e
}
