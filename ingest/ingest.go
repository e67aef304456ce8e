// Package ingest receives OpenLineage events over HTTP (docs/ingest.md): POST /api/v1/lineage
// (one event) and /api/v1/lineage/batch (a JSON array), gzip bodies included. Events are read by
// the importer's openlineage format, exactly as from files; concurrent requests are committed
// together (group commit), so a store transaction and its fsync serve many events; a request is
// answered once its events are durable.
package ingest

import (
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/importer/openlineage"
	"github.com/aimsgraph/aimsgraph/metrics"
)

// Options tune the endpoint.
type Options struct {
	// MaxBody caps a request's body after decompression; past it the request is refused (413)
	// without reading further, so a gzip bomb costs MaxBody of memory at most.
	MaxBody int64
	// MaxEvents caps the events of one batch request.
	MaxEvents int
	// MaxValues caps the JSON values (at any depth) of one request: decoding keeps a tree node
	// of each, about 150 bytes, so this bounds a request's memory whatever its shape.
	MaxValues int
	// MaxGroup caps the events committed in one store transaction.
	MaxGroup int
	// Timeout bounds one commit.
	Timeout time.Duration
}

// DefaultOptions are the limits `serve` uses unless told otherwise.
func DefaultOptions() Options {
	return Options{MaxBody: 8 << 20, MaxEvents: 1000, MaxValues: 250_000, MaxGroup: 500, Timeout: 30 * time.Second}
}

// Error codes, in the `extensions.code` of an error body (the GraphQL error shape).
const (
	CodeBadInput    = "BAD_USER_INPUT"         // the body is not an event, or the event has problems (400)
	CodeTooLarge    = "PAYLOAD_TOO_LARGE"      // the body is over MaxBody, or a batch over MaxEvents (413)
	CodeEncoding    = "UNSUPPORTED_ENCODING"   // a Content-Encoding other than gzip (415)
	CodeMediaType   = "UNSUPPORTED_MEDIA_TYPE" // a Content-Type other than application/json (415)
	CodeUnavailable = "STORE_UNAVAILABLE"      // the store did not answer (503)
	CodeInternal    = "INTERNAL"
)

// Ingester serves the lineage endpoints for one store.
type Ingester struct {
	store graph.Store
	opts  Options
	log   *slog.Logger
	clock *importer.Clock

	mu      sync.Mutex
	pending []*submission
	running bool // a committer goroutine is draining pending
}

// New returns an ingester writing to store.
func New(store graph.Store, opts Options, log *slog.Logger) *Ingester {
	return &Ingester{store: store, opts: opts, log: log, clock: importer.NewClock()}
}

// Routes registers the endpoints on mux, each behind wrap (the role check).
func (in *Ingester) Routes(mux *http.ServeMux, wrap func(http.Handler) http.Handler) {
	mux.Handle("POST /api/v1/lineage", wrap(in.handler(false)))
	mux.Handle("POST /api/v1/lineage/batch", wrap(in.handler(true)))
}

// submission is one request's events waiting for their commit.
type submission struct {
	user string
	docs []*importer.Document
	// done gets the outcomes, in the order of docs; when the commit failed (err), those of the
	// runs committed before it, the others empty.
	done chan []importer.FileOutcome
	err  error
}

// Answer limits, as GraphQL answers have them (docs/api.md, "Limits"): an answer shows at most
// maxProblems problems, or warnings, and counts the rest; a message, or an event's label, is cut
// at maxMessageBytes. So an answer's size is bounded whatever the body, and never echoes it.
const (
	maxProblems     = 20
	maxMessageBytes = 1000
)

// What became of an event: EventResult.Status, and the outcome label of the ingestion metric.
const (
	StatusStored     = "stored"     // applied: its run has committed
	StatusSuperseded = "superseded" // older than what the graph holds: not applied, nothing to store
	StatusRefused    = "refused"    // its problems, or the graph's (an id of another kind there): not stored
	StatusFailed     = "failed"     // the store failed before storing it: send it again
)

// EventResult is what happened to one event, in an answer's events.
type EventResult struct {
	Index        int           `json:"index"`                  // its place in the request: its index in a batch's array, 0 for a single event
	Event        string        `json:"event"`                  // the event's type and job, e.g. "COMPLETE job:ol:ns/name"
	Status       string        `json:"status"`                 // stored, superseded, refused or failed
	Run          string        `json:"run,omitempty"`          // the import run that applied it
	Superseded   string        `json:"superseded,omitempty"`   // why it was not applied: older than what the graph holds of all it states
	Problems     []ProblemJSON `json:"problems,omitempty"`     // why it was refused
	MoreProblems int           `json:"moreProblems,omitempty"` // its problems not shown: the answer shows maxProblems in all
	Warnings     []ProblemJSON `json:"warnings,omitempty"`     // what it got wrong, left out
	MoreWarnings int           `json:"moreWarnings,omitempty"` // its warnings not shown: the answer shows maxProblems in all
}

// ProblemJSON is a problem or warning as a response writes it: its line in the request body,
// the field and the message, and all of it as one text.
type ProblemJSON struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

// problemList writes at most limit of ps, and says how many it left out.
func problemList(ps []importer.Problem, limit int) ([]ProblemJSON, int) {
	n := min(len(ps), max(limit, 0))
	if n == 0 {
		return nil, len(ps)
	}
	out := make([]ProblemJSON, n)
	for i, p := range ps[:n] {
		out[i] = ProblemJSON{Line: p.Line, Field: cut(p.Field), Message: cut(p.Msg), Text: cut(p.String())}
	}
	return out, len(ps) - n
}

// cut shortens s to maxMessageBytes, on a character's boundary.
func cut(s string) string {
	if len(s) <= maxMessageBytes {
		return s
	}
	n := maxMessageBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

func (in *Ingester) handler(batch bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only JSON, declared as such: a page of another site can send text/plain or a form to
		// any server without asking (no CORS preflight), but not application/json.
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, CodeMediaType, "send the events as Content-Type: application/json (gzip them with Content-Encoding: gzip)", nil)
			return
		}
		body, status, code, err := in.readBody(w, r)
		if err != nil {
			writeError(w, status, code, err.Error(), nil)
			return
		}
		// What the body holds is counted before it is decoded: decoding makes a document of every
		// element, event or not, so a batch over the cap costs one pass over its bytes.
		o := outlineOf(body, in.opts.MaxEvents)
		switch {
		case !batch && (o.values > 1 || o.first == '['):
			writeError(w, http.StatusBadRequest, CodeBadInput, "this endpoint takes one event, a JSON object; send several to /api/v1/lineage/batch", nil)
			return
		case batch && (o.values > 1 || o.first != '['):
			writeError(w, http.StatusBadRequest, CodeBadInput, "this endpoint takes one JSON array of events", nil)
			return
		case batch && o.elements > in.opts.MaxEvents:
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the batch holds more than %d elements; a batch takes at most %d events", in.opts.MaxEvents, in.opts.MaxEvents), nil)
			return
		case in.opts.MaxValues > 0 && o.nested > in.opts.MaxValues:
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the body holds %d JSON values; a request takes at most %d: send fewer events at a time", o.nested, in.opts.MaxValues), nil)
			return
		}
		imp := &importer.Importer{Store: in.store}
		docs, err := imp.DecodeDocuments("request", openlineage.Format, body)
		if err != nil {
			writeError(w, http.StatusBadRequest, CodeBadInput, err.Error(), nil)
			return
		}
		if len(docs) > max(in.opts.MaxEvents, 1) { // the outline is exact for JSON, and the decoder refuses the rest whole
			count(StatusRefused, len(docs))
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("%d events; a batch takes at most %d", len(docs), in.opts.MaxEvents), nil)
			return
		}
		// A bad event changes nothing: problems found reading any event refuse the request.
		var problems []importer.Problem
		for _, d := range docs {
			problems = append(problems, d.Problems...)
		}
		if len(problems) > 0 {
			count(StatusRefused, len(docs))
			writeError(w, http.StatusBadRequest, CodeBadInput, fmt.Sprintf("%d %s in the events; nothing was stored", len(problems), plural(len(problems), "problem", "problems")), problems)
			return
		}
		if batch && o.elements == 0 { // `[]`: nothing to store (the decoder's one document holds nothing)
			writeAnswer(w, http.StatusOK, []EventResult{}, nil)
			return
		}
		user := "anonymous"
		if p, ok := auth.FromContext(r.Context()); ok {
			user = p.Name
		}
		sub := &submission{user: user, docs: docs, done: make(chan []importer.FileOutcome, 1)}
		in.submit(sub)
		var outcomes []importer.FileOutcome
		select {
		case outcomes = <-sub.done:
		case <-r.Context().Done():
			return // the client left; its events are committed or refused all the same
		}
		in.respond(w, sub, outcomes)
	})
}

// count adds n events of an outcome (a Status) to the ingestion metric.
func count(status string, n int) {
	metrics.IngestionEvents.WithLabelValues(openlineage.Name, status).Add(float64(n))
}

// statusOf tells what became of an event from its outcome; one with none was in a run the store
// failed before committing, or after it.
func statusOf(o importer.FileOutcome) string {
	var ve *importer.ValidationError
	switch {
	case o.Summary != nil:
		return StatusStored
	case o.Superseded != "":
		return StatusSuperseded
	case errors.As(o.Err, &ve):
		return StatusRefused
	}
	return StatusFailed
}

// respond writes the outcome of a submission, each event with what became of it, in the order of
// the request. The status says what happened to the request as a whole:
//   - 201 some events were stored, none refused (the others superseded);
//   - 200 every event was superseded: nothing to store;
//   - 207 the graph refused some events and the others were stored (or superseded): a batch's
//     events land in several runs, each its own transaction, so a refusal cannot undo the others;
//   - 400 the graph refused events and none was stored;
//   - 503 (500) the store failed: the events it stored before are said so, the others failed.
func (in *Ingester) respond(w http.ResponseWriter, sub *submission, outcomes []importer.FileOutcome) {
	results := make([]EventResult, len(outcomes))
	var problems []importer.Problem
	tally := map[string]int{}
	warnings, shown := 0, 0 // warnings and problems shown so far: maxProblems of each in one answer
	for i, o := range outcomes {
		r := EventResult{Index: sub.docs[i].Index, Event: cut(o.Label), Status: statusOf(o), Superseded: cut(o.Superseded)}
		var ve *importer.ValidationError
		switch {
		case o.Summary != nil:
			r.Run = o.Summary.RunID
		case errors.As(o.Err, &ve):
			problems = append(problems, ve.Problems...)
			r.Problems, r.MoreProblems = problemList(ve.Problems, maxProblems-shown)
			shown += len(r.Problems)
		}
		r.Warnings, r.MoreWarnings = problemList(o.Warnings, maxProblems-warnings)
		warnings += len(r.Warnings)
		tally[r.Status]++
		results[i] = r
	}
	slices.SortStableFunc(results, func(a, b EventResult) int { return cmp.Compare(a.Index, b.Index) })
	stored, refused, all := tally[StatusStored], tally[StatusRefused], len(results)
	switch {
	case sub.err != nil:
		status, code := http.StatusInternalServerError, CodeInternal
		if errors.Is(sub.err, graph.ErrUnavailable) || errors.Is(sub.err, context.DeadlineExceeded) {
			status, code = http.StatusServiceUnavailable, CodeUnavailable
		}
		in.log.Error("lineage commit failed", "user", sub.user, "stored", stored, "events", all, "err", sub.err)
		msg := "the events could not be stored: " + sub.err.Error() + "; nothing of the request was stored, send it again"
		if stored > 0 {
			msg = fmt.Sprintf("the store failed after storing %d of the %d events (each event says whether it was): %v; send the others again (sending all again is safe)", stored, all, sub.err)
		}
		writeAnswer(w, status, results, errorOf(code, msg, nil))
	case refused > 0 && stored == 0:
		writeAnswer(w, http.StatusBadRequest, results, errorOf(CodeBadInput,
			fmt.Sprintf("the graph refused %d of the %d %s: nothing was stored", refused, all, plural(all, "event", "events")), problems))
	case refused > 0:
		writeAnswer(w, http.StatusMultiStatus, results, errorOf(CodeBadInput,
			fmt.Sprintf("the graph refused %d of the %d events, %d were stored (each event says which)", refused, all, stored), problems))
	case stored > 0:
		writeAnswer(w, http.StatusCreated, results, nil)
	default:
		writeAnswer(w, http.StatusOK, results, nil)
	}
}

// readBody reads the request body, decompressing gzip, refusing more than MaxBody.
func (in *Ingester) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string, error) {
	var src io.Reader = http.MaxBytesReader(w, r.Body, in.opts.MaxBody) // compressed, too
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, http.StatusBadRequest, CodeBadInput, fmt.Errorf("the body is not gzip: %v", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, http.StatusUnsupportedMediaType, CodeEncoding, fmt.Errorf("content encoding %q: send the body as is or gzip", enc)
	}
	body, err := io.ReadAll(io.LimitReader(src, in.opts.MaxBody+1))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || int64(len(body)) > in.opts.MaxBody:
		return nil, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Errorf("the body is over %d bytes", in.opts.MaxBody)
	case err != nil:
		return nil, http.StatusBadRequest, CodeBadInput, fmt.Errorf("reading the body: %v", err)
	}
	return body, 0, "", nil
}

// submit queues a submission for the committer, starting it when none runs.
func (in *Ingester) submit(s *submission) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.pending = append(in.pending, s)
	if !in.running {
		in.running = true
		go in.commit()
	}
}

// commit drains the queue: what arrived while the previous commit ran is committed together,
// up to MaxGroup events, per user (a run records who caused it). It stops when the queue is
// empty, so an idle server holds no goroutine.
func (in *Ingester) commit() {
	for {
		in.mu.Lock()
		if len(in.pending) == 0 {
			in.running = false
			in.mu.Unlock()
			return
		}
		var group []*submission
		events := 0
		user := in.pending[0].user
		rest := in.pending[:0]
		for _, s := range in.pending {
			if s.user == user && (len(group) == 0 || events+len(s.docs) <= in.opts.MaxGroup) {
				group = append(group, s)
				events += len(s.docs)
			} else {
				rest = append(rest, s)
			}
		}
		in.pending = append([]*submission(nil), rest...)
		in.mu.Unlock()
		in.commitGroup(user, group)
	}
}

// commitGroup imports the events of several requests of one user, and answers them.
func (in *Ingester) commitGroup(user string, group []*submission) {
	var docs []*importer.Document
	for _, s := range group {
		docs = append(docs, s.docs...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), in.opts.Timeout)
	defer cancel()
	imp := &importer.Importer{Store: in.store, Opts: importer.Options{User: user}, Clock: in.clock}
	outcomes, err := imp.ImportDocuments(ctx, docs, true) // as many outcomes as docs, even with err
	if len(outcomes) != len(docs) {
		outcomes = make([]importer.FileOutcome, len(docs)) // none known: each failed
	}
	for _, s := range group {
		mine := outcomes[:len(s.docs):len(s.docs)]
		outcomes = outcomes[len(s.docs):]
		in.tally(s.user, mine)
		s.err = err
		s.done <- mine
	}
}

// tally counts a request's events in the ingestion metric, and logs those the graph refused,
// once per request: its answer says so too, but a client that takes any 2xx for success (a
// 207) may not read it.
func (in *Ingester) tally(user string, outcomes []importer.FileOutcome) {
	refused, first := 0, ""
	for _, o := range outcomes {
		status := statusOf(o)
		count(status, 1)
		if status == StatusRefused {
			if refused++; first == "" {
				first = cut(o.Err.Error())
			}
		}
	}
	if refused > 0 {
		in.log.Warn("lineage events refused by the graph", "user", user, "refused", refused, "events", len(outcomes), "first", first)
	}
}

// writeError writes the GraphQL error shape (as auth.WriteError does), with the problems of the
// events under extensions.problems (the first maxProblems; extensions.moreProblems counts the
// rest): file is "request", line the line in the body.
func writeError(w http.ResponseWriter, status int, code, msg string, problems []importer.Problem) {
	if problems == nil {
		auth.WriteError(w, status, code, cut(msg))
		return
	}
	writeAnswer(w, status, nil, errorOf(code, msg, problems))
}

// errorOf is one error of the GraphQL error shape.
func errorOf(code, msg string, problems []importer.Problem) map[string]any {
	ext := map[string]any{"code": code}
	if problems != nil {
		list, more := problemList(problems, maxProblems)
		ext["problems"] = list
		if more > 0 {
			ext["moreProblems"] = more
		}
	}
	return map[string]any{"message": cut(msg), "extensions": ext}
}

// writeAnswer writes the events' results and an error, either of them, or both.
func writeAnswer(w http.ResponseWriter, status int, results []EventResult, err map[string]any) {
	body := map[string]any{}
	if results != nil {
		body["events"] = results
	}
	if err != nil {
		body["errors"] = []any{err}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
