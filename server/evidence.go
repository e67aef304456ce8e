package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/evidence"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/redact"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
)

// evidenceHandler serves GET /api/v1/evidence?id=ID[&id=ID...][&asOf=T]: the evidence pack of
// docs/evidence.md as a zip download, the same bytes `aimsgraph evidence` writes. Traces go as
// deep as the server's maxDepth cap and hold at most its maxResults nodes; a larger one is a
// BAD_USER_INPUT error (the command line has no such cap). A caller who is not an admin gets the
// pack without the importing user and with file names for absolute paths (package redact), as
// the GraphQL API answers it.
func evidenceHandler(store graph.Store, limits resolvers.Limits, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		opts := evidence.Options{IDs: q["id"], MaxDepth: limits.MaxDepth, Limit: limits.MaxResults, Version: evidence.ProgramVersion(),
			Redacted: !redact.Whole(r.Context())}
		if s := q.Get("asOf"); s != "" {
			t, err := model.ParseInstant(s) // as every other asOf: RFC 3339 or a date
			if err != nil {
				auth.WriteError(w, http.StatusBadRequest, resolvers.CodeBadInput, "asOf: "+err.Error())
				return
			}
			opts.AsOf = t
		}
		ctx := r.Context()
		if limits.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, limits.Timeout)
			defer cancel()
		}
		// Built whole before the first byte goes out, so a failure is an error, not a cut zip.
		var pack bytes.Buffer
		m, err := evidence.Write(ctx, store, opts, &pack)
		switch {
		case errors.Is(err, evidence.ErrNotFound):
			auth.WriteError(w, http.StatusNotFound, resolvers.CodeNotFound, err.Error())
			return
		case errors.Is(err, evidence.ErrTooLarge):
			auth.WriteError(w, http.StatusBadRequest, resolvers.CodeBadInput, fmt.Sprintf("%v (this server's caps: maxDepth %d, %d nodes; the command line `aimsgraph evidence` traces up to %d)", err, limits.MaxDepth, limits.MaxResults, evidence.DefaultLimit))
			return
		case errors.Is(err, evidence.ErrInput):
			auth.WriteError(w, http.StatusBadRequest, resolvers.CodeBadInput, err.Error())
			return
		case errors.Is(err, graph.ErrUnavailable):
			auth.WriteError(w, http.StatusServiceUnavailable, resolvers.CodeUnavailable, "the graph store is unavailable")
			return
		case errors.Is(err, context.DeadlineExceeded):
			auth.WriteError(w, http.StatusGatewayTimeout, resolvers.CodeTimeout, "the evidence pack took longer than this server allows")
			return
		case err != nil:
			id := errorID()
			log.Error("evidence pack", "error_id", id, "err", err)
			auth.WriteError(w, http.StatusInternalServerError, resolvers.CodeInternal, "internal error "+id)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, packName(m)))
		w.Header().Set("Content-Length", strconv.Itoa(pack.Len()))
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(pack.Bytes())
	})
}

// packName is the download's file name: evidence-<first id's folder>[-and-N-more]-<as of>.zip.
func packName(m *evidence.Manifest) string {
	name := "evidence-" + strings.ReplaceAll(m.Folders[m.IDs[0]], "%", "_")
	if len(m.IDs) > 1 {
		name += fmt.Sprintf("-and-%d-more", len(m.IDs)-1)
	}
	stamp, _ := time.Parse(time.RFC3339Nano, m.AsOf)
	return name + "-" + stamp.UTC().Format("20060102T150405Z") + ".zip"
}

func errorID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
