package ingest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aimsgraph/aimsgraph/ingest"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
)

// FuzzLineageRequest posts any body to the lineage endpoints (an embedded store, caps made small
// so the fuzzer reaches them): the answer always has a status docs/ingest.md documents and a
// JSON body of events (none only for an empty batch) or one error; never a panic; at most 20 problems and 20 warnings shown,
// each message at most 1,000 bytes; an error never sends the body back. mode picks how the
// body is sent: as is, gzipped, or as is but said to be gzip.
func FuzzLineageRequest(f *testing.F) {
	event := `{"eventType": "COMPLETE", "eventTime": "2026-03-01T00:00:00Z", "producer": "p", "run": {"runId": "r"},
  "job": {"namespace": "ns", "name": "j"}, "inputs": [{"namespace": "s3://in", "name": "a",
  "facets": {"documentation": {"description": "d"}, "symlinks": {"identifiers": [{"namespace": "s3://x", "name": "y"}]}}}],
  "outputs": [{"namespace": "s3://out", "name": "b", "facets": {"datasetType": {"datasetType": "MODEL"}}}]}`
	for _, seed := range []struct {
		body  string
		batch bool
		mode  uint8
	}{
		{event, false, 0},
		{event, false, 1},
		{"[" + event + "," + event + "]", true, 0},
		{`[{"eventType": "START", "run": {}, "job": {"namespace": "ns"}}, 1, "x", null]`, true, 0},
		{`{"eventType": "DATASET", "eventTime": "2026-03-01T00:00:00Z", "dataset": {"namespace": "n", "name": "d"}}`, false, 0},
		{`[0,0,0,0,0,0,0]`, true, 0},
		{`00`, false, 0},
		{`{"eventTime": `, false, 2},
		{`{}{}`, false, 0},
		{`[] []`, true, 1},
	} {
		f.Add([]byte(seed.body), seed.batch, seed.mode)
	}
	opts := ingest.DefaultOptions()
	opts.MaxBody, opts.MaxEvents = 64<<10, 5
	h := handlerOf(embeddedtest.Fresh(f), opts)
	f.Fuzz(func(t *testing.T, body []byte, batch bool, mode uint8) {
		path := "/api/v1/lineage"
		if batch {
			path += "/batch"
		}
		sent := body
		if mode%3 == 1 {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(body)
			_ = zw.Close()
			sent = b.Bytes()
		}
		req := jsonRequest(path, bytes.NewReader(sent))
		if mode%3 != 0 {
			req.Header.Set("Content-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusCreated, http.StatusMultiStatus, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("HTTP %d for %q\n%.2000s", w.Code, body, w.Body.Bytes())
		}
		var r struct {
			Events []ingest.EventResult `json:"events"`
			Errors []struct {
				Message    string `json:"message"`
				Extensions struct {
					Code     string               `json:"code"`
					Problems []ingest.ProblemJSON `json:"problems"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatalf("HTTP %d: the answer is not JSON: %v\n%.2000s", w.Code, err, w.Body.Bytes())
		}
		if len(r.Errors) > 1 || len(r.Events) > opts.MaxEvents {
			t.Fatalf("HTTP %d: %d events, %d errors\n%.2000s", w.Code, len(r.Events), len(r.Errors), w.Body.Bytes())
		}
		if w.Code >= 300 && len(r.Errors) != 1 || w.Code < 300 && len(r.Events) == 0 && !(batch && w.Code == http.StatusOK) {
			t.Fatalf("HTTP %d without its body\n%.2000s", w.Code, w.Body.Bytes())
		}
		long := func(s string) bool { return len(s) > 1003 }
		for _, e := range r.Errors {
			if long(e.Message) || len(e.Extensions.Problems) > 20 {
				t.Fatalf("an error unbounded: %.2000s", w.Body.Bytes())
			}
			for _, p := range e.Extensions.Problems {
				if long(p.Message) || long(p.Text) {
					t.Fatalf("a problem of %d bytes", len(p.Text))
				}
			}
		}
		problems, warnings := 0, 0 // in the events: 20 of each in one answer
		for _, e := range r.Events {
			problems, warnings = problems+len(e.Problems), warnings+len(e.Warnings)
			if long(e.Event) || long(e.Superseded) {
				t.Fatalf("an event's label or note unbounded: %.2000s", w.Body.Bytes())
			}
			for _, p := range append(e.Problems, e.Warnings...) {
				if long(p.Message) || long(p.Text) {
					t.Fatalf("a problem of %d bytes", len(p.Text))
				}
			}
		}
		if problems > 20 || warnings > 20 {
			t.Fatalf("%d problems, %d warnings shown in one answer", problems, warnings)
		}
		if w.Code >= 300 && len(body) > 200 && bytes.Contains(w.Body.Bytes(), body[:200]) {
			t.Fatalf("the body was echoed back")
		}
	})
}
