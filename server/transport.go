package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aimsgraph/aimsgraph/resolvers"
)

// Error codes of requests refused before they are GraphQL.
const (
	CodeTooLarge   = "REQUEST_TOO_LARGE" // the body is over the cap (HTTP 413)
	CodeBadRequest = "BAD_REQUEST"       // not a GraphQL request: bad JSON, wrong method (HTTP 400)
)

// queryTransport is gqlgen's POST and GET transports made safe for a shared server: the body is
// read through a cap, an undecodable body is never echoed back (gqlgen quotes it whole), and an
// answer carries at most maxErrors errors, each at most maxErrorBytes long.
type queryTransport struct {
	maxBody       int64
	maxErrors     int
	maxErrorBytes int
}

// Supports implements graphql.Transport.
func (t queryTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	if r.Method == http.MethodGet {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mediaType == "application/json"
}

// Do implements graphql.Transport.
func (t queryTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	params := &graphql.RawParams{Headers: r.Header}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			if err := decodeJSON([]byte(v), &params.Variables); err != nil {
				t.fail(w, http.StatusBadRequest, CodeBadRequest, "the variables parameter is not a JSON object: "+err.Error())
				return
			}
		}
	} else {
		if r.ContentLength > t.maxBody { // said up front: refused without reading a byte
			t.fail(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the request body is over %d bytes, the most this server reads", t.maxBody))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			t.fail(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the request body is over %d bytes, the most this server reads", t.maxBody))
			return
		case err != nil:
			t.fail(w, http.StatusBadRequest, CodeBadRequest, "reading the request body failed")
			return
		}
		if err := decodeJSON(body, params); err != nil {
			t.fail(w, http.StatusBadRequest, CodeBadRequest, "the body is not a GraphQL request ({\"query\": ..., \"variables\": {...}}): "+err.Error())
			return
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		t.write(w, resp)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// gqlgen answers nothing once the request's context has ended.
		code, msg := resolvers.CodeCancelled, "the request was cancelled"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			code, msg = resolvers.CodeTimeout, "the query ran out of time; ask for less (lower maxDepth, limit or first)"
		}
		noteCode(ctx, code)
		resp = &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}}
	}
	t.write(w, resp)
}

// decodeJSON decodes one JSON value; its error says where, never what the body held.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("invalid JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return fmt.Errorf("field %q must be a JSON %s", te.Field, map[string]string{"query": "string", "operationName": "string", "variables": "object", "extensions": "object"}[te.Field])
		}
		return errors.New("invalid JSON")
	}
	return nil
}

func (t queryTransport) fail(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	t.write(w, &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

// write writes resp with its errors capped.
func (t queryTransport) write(w io.Writer, resp *graphql.Response) {
	if n := len(resp.Errors); n > t.maxErrors {
		kept := append(gqlerror.List{}, resp.Errors[:t.maxErrors]...)
		last := &gqlerror.Error{Message: fmt.Sprintf("%d more errors not shown", n-t.maxErrors), Extensions: resp.Errors[t.maxErrors].Extensions}
		resp.Errors = append(kept, last)
	}
	for _, e := range resp.Errors {
		if len(e.Message) > t.maxErrorBytes {
			e.Message = e.Message[:t.maxErrorBytes] + "..."
		}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b, _ = json.Marshal(&graphql.Response{Errors: gqlerror.List{{Message: "the answer could not be encoded", Extensions: map[string]any{"code": "INTERNAL"}}}})
	}
	_, _ = w.Write(b)
}
