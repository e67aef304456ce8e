package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/export"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
)

// ExportPattern is the route of the register downloads: the same exports as `aimsgraph export`
// (docs/registers.md), e.g. GET /api/v1/export/soa?format=xlsx&asOf=2026-06-30.
const ExportPattern = "GET /api/v1/export/{register}"

// exportHandler serves the downloads. Errors are in the GraphQL error shape with the API's codes:
// BAD_USER_INPUT for an unknown register, format or instant, STORE_UNAVAILABLE, INTERNAL. The
// export is built before anything is sent, so a failure never arrives as half a file.
func exportHandler(store graph.Store, timeout time.Duration, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if timeout > 0 {
			var cancel func()
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		reg, format := r.PathValue("register"), r.URL.Query().Get("format")
		if format == "" {
			format = "csv"
		}
		workbook := format == "ciso-assistant" && r.URL.Query().Get("workbook") == "true"
		if err := export.Check(reg, format); err != nil {
			auth.WriteError(w, http.StatusBadRequest, resolvers.CodeBadInput, err.Error())
			return
		}
		var reader graph.Reader = store
		if s := r.URL.Query().Get("asOf"); s != "" {
			at, err := model.ParseInstant(s)
			if err != nil {
				auth.WriteError(w, http.StatusBadRequest, resolvers.CodeBadInput, "asOf: "+err.Error())
				return
			}
			if reader, err = store.At(ctx, at); err != nil {
				exportFailed(w, log, err)
				return
			}
		}
		var buf bytes.Buffer
		if err := export.Write(ctx, reader, reg, format, workbook, &buf); err != nil {
			exportFailed(w, log, err)
			return
		}
		ext := ".csv"
		if format == "xlsx" || workbook {
			ext = ".xlsx"
		}
		w.Header().Set("Content-Type", export.ContentType(format, workbook))
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", reg+ext))
		_, _ = w.Write(buf.Bytes())
	})
}

func exportFailed(w http.ResponseWriter, log *slog.Logger, err error) {
	switch {
	case errors.Is(err, graph.ErrCompacted):
		auth.WriteError(w, http.StatusBadRequest, resolvers.CodeBadInput, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		auth.WriteError(w, http.StatusGatewayTimeout, resolvers.CodeTimeout, "the export ran out of time")
	case errors.Is(err, graph.ErrUnavailable):
		auth.WriteError(w, http.StatusServiceUnavailable, resolvers.CodeUnavailable, "the store is unavailable")
	default:
		log.Error("export failed", "err", err)
		auth.WriteError(w, http.StatusInternalServerError, resolvers.CodeInternal, "the export failed; see the server log")
	}
}
