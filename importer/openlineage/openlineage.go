// Package openlineage maps OpenLineage events (spec 2-0-x) onto the graph: jobs, the datasets they
// read and write, and the models they produce (docs/formats.md, "OpenLineage events"). A file
// holds one event, a JSON array of events or one event per line; each event is a document of its
// own, imported as a run whose source is its job, so a completed run replaces what that job
// stated before and nothing else.
package openlineage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Format is OpenLineage JSON, registered in importer.Formats.
var Format record.Format = format{}

// Name is the format's name (--format, reports, the run's file list).
const Name = "openlineage"

type format struct{}

func (format) Name() string              { return Name }
func (format) Grouping() record.Grouping { return record.EachDocument }

// Sniff: an object (or an array of objects, or one per line) with an eventTime, eventType or
// producer and a job or dataset. An event too broken to parse is told by those keys' text.
func (format) Sniff(h *record.Head) record.Match {
	if !h.ExtIn(".json", ".jsonl", ".ndjson") {
		return record.No
	}
	var keys map[string]bool
	ok := false
	switch {
	case h.StartsWith('{'):
		keys, ok = h.JSONKeys()
	case h.StartsWith('['):
		keys, ok = firstElementKeys(h.Bytes())
	}
	if isEvent(keys) || (!ok && h.Contains(`"eventTime"`) && (h.Contains(`"job"`) || h.Contains(`"dataset"`))) {
		return record.Yes
	}
	return record.Lacks("an OpenLineage event (eventTime and a job or dataset)")
}

func isEvent(keys map[string]bool) bool {
	return (keys["job"] || keys["dataset"]) && (keys["eventTime"] || keys["eventType"] || keys["producer"])
}

// firstElementKeys reads the keys of the first object of a JSON array.
func firstElementKeys(data []byte) (map[string]bool, bool) {
	i := bytes.IndexByte(data, '[')
	return record.TopLevelKeys(bytes.TrimSpace(data[i+1:]))
}

func (format) Decode(r io.Reader, out *record.Emitter) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	values, err := record.ReadJSONValues(data)
	if err != nil {
		out.ParseFailed(err)
		return nil
	}
	events := values
	if len(values) == 1 && values[0].List != nil {
		events = values[0].List // a JSON array of events
	}
	for _, ev := range events {
		decodeEvent(ev, out)
	}
	return nil
}

// Event types (eventType) and what a static event is recorded as.
const (
	Start     = "START"
	Running   = "RUNNING"
	Complete  = "COMPLETE"
	Abort     = "ABORT"
	Fail      = "FAIL"
	Other     = "OTHER"
	JobEvent  = "JOB"     // a JobEvent: a job's static lineage, no run
	DataEvent = "DATASET" // a DatasetEvent: a dataset's facets, no job
)

var runEventTypes = []string{Start, Running, Complete, Abort, Fail, Other}

// JobID and DatasetID are the ids of docs/formats.md: namespace and name exactly as the event
// writes them.
func JobID(namespace, name string) string     { return "job:ol:" + namespace + "/" + name }
func DatasetID(namespace, name string) string { return "ds:ol:" + namespace + "/" + name }
func ModelID(namespace, name string) string   { return "mdl:ol:" + namespace + "/" + name }

// event maps one event; problems and warnings go to out with the event's lines. Its records
// speak for several sources: the job's lineage (the job's id: the job and the datasets it names,
// the FEEDS edges), replaced by the job's next completed run; and each description the event
// carries (facets: documentation, schema, owners, ...), under the described entity's own source
// (a dataset's id, the job's id + "#facets"), replaced by its next description. So a COMPLETE
// event that only names what its START described ends neither the descriptions nor the owners.
type event struct {
	out     *record.Emitter
	lineage *record.Builder
	facets  map[string]*record.Builder // by source
	order   []string
	v       record.Value
	quiet   bool // reading ahead: warnings are given when the document has begun
}

// FacetSource is the source of what a job's facets say about it.
func FacetSource(jobID string) string { return jobID + "#facets" }

func decodeEvent(v record.Value, out *record.Emitter) {
	if v.Fields == nil {
		out.Document(record.Document{Line: v.Line, Label: "not an event"})
		out.Problem(v.Line, "", "expected an OpenLineage event (an object), got %s", v.Shape())
		return
	}
	// What the document is (its label, sources, time, what it replaces) is read quietly first:
	// what the event gets wrong is reported once the document has begun, so it is the event's.
	e := &event{out: out, v: v, quiet: true, facets: map[string]*record.Builder{}}
	typ, ok := e.eventType()
	if !ok {
		out.Document(record.Document{Line: v.Line, Label: "not an event"})
		out.Problem(v.Line, "", "not an OpenLineage event: a run event has run and job, a job event job, a dataset event dataset")
		return
	}
	at := e.eventTime()
	info := &graph.EventInfo{Type: typ, Time: at}
	doc := record.Document{Line: v.Line, At: at, Event: info}
	if typ == DataEvent {
		ds := v.At("dataset")
		_, id := e.datasetID(ds)
		doc.Label, doc.Source = typ+" "+id, id
		doc.Prunes = e.describedSources(nil, []record.Value{ds})
		doc.Around = around(doc.Prunes, "")
		out.Document(doc)
		e.quiet = false
		e.header(info)
		if _, _, ok := e.name(ds, "dataset"); ok {
			e.lineage = record.NewBuilder(out)
			e.dataset(ds, "dataset")
			e.emit()
		}
		return
	}
	job := v.At("job")
	jobID := JobID(e.text(job, "namespace"), e.text(job, "name"))
	info.Job = jobID
	inputs, outputs := e.list(v, "inputs"), e.list(v, "outputs")
	doc.Label, doc.Source = typ+" "+jobID, jobID
	doc.Prunes = e.describedSources(&job, append(append([]record.Value{}, inputs...), outputs...))
	if (typ == Complete || typ == JobEvent) && len(inputs)+len(outputs) > 0 {
		// A completed run states the job's lineage. One that names no datasets says nothing
		// about them (many integrations send the datasets with START only): it ends nothing.
		doc.Prunes = append(doc.Prunes, jobID)
	}
	doc.Around = around(doc.Prunes, jobID)
	out.Document(doc)
	e.quiet = false
	e.header(info)
	ns, name, ok := e.name(job, "job")
	if !ok {
		return // no job to state anything about: the problem rejects the event
	}
	inputs, outputs = e.list(v, "inputs"), e.list(v, "outputs")
	e.lineage = record.NewBuilder(out)
	e.job(jobID, ns, name, job, info)
	edges := typ != Fail && typ != Abort // a failed run moved no data
	for i, in := range inputs {
		if id := e.dataset(in, fmt.Sprintf("inputs[%d]", i)); id != "" && edges {
			e.lineage.Rel(graph.Feeds, id, jobID, nil, in.Line, fmt.Sprintf("inputs[%d]", i))
		}
	}
	for i, o := range outputs {
		field := fmt.Sprintf("outputs[%d]", i)
		if id := e.dataset(o, field); id != "" && edges {
			props := map[string]any{}
			if cl := o.At("facets", "columnLineage"); cl.Fields != nil {
				props["columnLineage"] = facetText(cl)
			}
			e.lineage.Rel(graph.Feeds, jobID, id, props, o.Line, field)
		}
	}
	e.emit()
}

// around tells, for each source an event prunes, the node all that source states is around:
// the job for its lineage and its facets, the dataset for its description (docs/formats.md).
func around(prunes []string, jobID string) map[string]string {
	out := make(map[string]string, len(prunes))
	for _, s := range prunes {
		switch s {
		case jobID, FacetSource(jobID):
			out[s] = jobID
		default:
			out[s] = s // a description's source is the described entity's id
		}
	}
	return out
}

// emit hands the records over: the descriptions first, so the lineage's naming of a node
// described in the same event finds it there and leaves it as described.
func (e *event) emit() {
	for _, s := range e.order {
		e.facets[s].Emit()
	}
	e.lineage.Emit()
}

// describe returns the builder of what the event says about an entity, under source.
func (e *event) describe(source string) *record.Builder {
	b, ok := e.facets[source]
	if !ok {
		b = record.NewBuilder(e.out.With(source))
		e.facets[source] = b
		e.order = append(e.order, source)
	}
	return b
}

// The facets that describe a job or a dataset. An event describes an entity when it carries
// one of them; the datasetType facet only says what the dataset is, symlinks its other names.
var (
	jobFacets     = []string{"documentation", "jobType", "sourceCodeLocation", "sql", "ownership"}
	datasetFacets = []string{"documentation", "schema", "dataSource", "version", "tags", "ownership"}
)

func describes(facets record.Value, keys []string) bool {
	for _, k := range keys {
		if f := facets.At(k); f.Fields != nil {
			return true
		}
	}
	return false
}

// describedSources lists the sources of the descriptions the event carries: what it replaces.
func (e *event) describedSources(job *record.Value, datasets []record.Value) []string {
	var out []string
	if job != nil && describes(job.At("facets"), jobFacets) {
		out = append(out, FacetSource(JobID(e.text(*job, "namespace"), e.text(*job, "name"))))
	}
	for _, d := range datasets {
		if _, id := e.datasetID(d); describes(d.At("facets"), datasetFacets) {
			out = append(out, id)
		}
	}
	return out
}

// eventType tells a run event (START ... OTHER) from a job event (JOB) and a dataset event
// (DATASET).
func (e *event) eventType() (string, bool) {
	_, hasJob := e.v.Get("job")
	_, hasRun := e.v.Get("run")
	_, hasDataset := e.v.Get("dataset")
	typ := strings.ToUpper(e.text(e.v, "eventType"))
	switch {
	case hasJob && hasRun:
		if typ == "" {
			return Other, true // eventType is optional: such an event states what it names
		}
		if !contains(runEventTypes, typ) {
			e.warnAt(e.v, "eventType", "unknown event type %q (one of %s): read as OTHER", typ, strings.Join(runEventTypes, ", "))
			return Other, true
		}
		return typ, true
	case hasJob:
		return JobEvent, true
	case hasDataset:
		return DataEvent, true
	}
	return "", false
}

// header reads what the event says about itself into info, reporting what it gets wrong: the
// type and time (read again, now aloud), the producer, the run and its parent.
func (e *event) header(info *graph.EventInfo) {
	e.eventType()
	e.eventTime()
	info.Producer = e.text(e.v, "producer")
	if info.Type == JobEvent || info.Type == DataEvent {
		return
	}
	run := e.v.At("run")
	if info.RunID = e.text(run, "runId"); info.RunID == "" {
		e.warnAt(run, "run.runId", "missing: the event is recorded without its run")
	}
	parent := run.At("facets", "parent")
	if pns, pname := e.text(parent.At("job"), "namespace"), e.text(parent.At("job"), "name"); pns != "" && pname != "" {
		info.ParentJob, info.ParentRun = JobID(pns, pname), e.text(parent.At("run"), "runId")
	}
}

// eventTime reads eventTime; one that is not an RFC 3339 time (a template's placeholder) is a
// warning: the event's facts then take effect when it is imported.
func (e *event) eventTime() time.Time {
	s := e.text(e.v, "eventTime")
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		e.warnAt(e.v, "eventTime", "%q is not an RFC 3339 time: the event takes effect when imported, unordered against other events of its job", s)
		return time.Time{}
	}
	return t.UTC()
}

// name reads an entity's namespace and name, which identify it; without them the event cannot
// be placed and is rejected.
func (e *event) name(v record.Value, field string) (ns, name string, ok bool) {
	ns, name = e.text(v, "namespace"), e.text(v, "name")
	switch {
	case v.Fields == nil:
		e.out.Problem(v.Line, field, "missing: the event names no %s", field)
	case ns == "" || name == "":
		e.out.Problem(v.Line, field, "a %s is named by its namespace and name, both required", field)
	case !record.ValidID(ns + name):
		e.out.Problem(v.Line, field, "namespace or name contains control characters")
	default:
		return ns, name, true
	}
	return ns, name, false
}

// job records the job: named in its lineage, described under its facet source when the event
// carries its facets.
func (e *event) job(id, ns, name string, v record.Value, info *graph.EventInfo) {
	e.lineage.Node(graph.Job, id, v.Line, true, map[string]any{"name": name, "namespace": ns})
	f := v.At("facets")
	if !describes(f, jobFacets) {
		return
	}
	b := e.describe(FacetSource(id))
	b.Node(graph.Job, id, v.Line, false, map[string]any{"name": name, "namespace": ns,
		"description":    e.text(f.At("documentation"), "description"),
		"jobType":        e.text(f.At("jobType"), "jobType"),
		"integration":    e.text(f.At("jobType"), "integration"),
		"processingType": e.text(f.At("jobType"), "processingType"),
		"sourceCodeUrl":  e.text(f.At("sourceCodeLocation"), "url"),
		"sql":            e.text(f.At("sql"), "query"),
		"parentJob":      info.ParentJob,
	})
	e.owners(b, id, f.At("ownership"), "job.facets.ownership")
}

// datasetID returns a dataset's kind and id: a Model when its datasetType facet says MODEL (what
// a training job writes), else a Dataset.
func (e *event) datasetID(v record.Value) (graph.Kind, string) {
	ns, name := e.text(v, "namespace"), e.text(v, "name")
	if strings.EqualFold(e.text(v.At("facets", "datasetType"), "datasetType"), "MODEL") {
		return graph.Model, ModelID(ns, name)
	}
	return graph.Dataset, DatasetID(ns, name)
}

// dataset records an input or output: named in the job's lineage (with its other names, the
// symlinks facet), described under its own source when the event carries its facets. It
// returns the node's id, or "" for one that names no dataset (a warning: left out).
func (e *event) dataset(v record.Value, field string) string {
	ns, name := e.text(v, "namespace"), e.text(v, "name")
	if v.Fields == nil || ns == "" || name == "" || !record.ValidID(ns+name) {
		e.warnAt(v, field, "a dataset is named by its namespace and name: left out")
		return ""
	}
	f := v.At("facets")
	kind, id := e.datasetID(v)
	naming := map[string]any{"name": name, "namespace": ns, "datasetType": e.text(f.At("datasetType"), "datasetType")}
	e.lineage.Node(kind, id, v.Line, true, naming)
	for i, s := range e.list(f.At("symlinks"), "identifiers") {
		sns, sname := e.text(s, "namespace"), e.text(s, "name")
		if sns == "" || sname == "" {
			e.warnAt(s, fmt.Sprintf("%s.facets.symlinks.identifiers[%d]", field, i), "a symlink is named by its namespace and name: left out")
			continue
		}
		alias := DatasetID(sns, sname)
		if kind == graph.Model {
			alias = ModelID(sns, sname)
		}
		e.lineage.SameAs(id, alias)
	}
	if !describes(f, datasetFacets) {
		return id
	}
	b := e.describe(id)
	props := map[string]any{
		"description": e.text(f.At("documentation"), "description"),
		"dataSource":  e.text(f.At("dataSource"), "name"),
		"uri":         e.text(f.At("dataSource"), "uri"),
		"version":     e.text(f.At("version"), "datasetVersion"),
		"columns":     e.columns(f.At("schema"), field+".facets.schema"),
		"tags":        e.tags(f.At("tags"), field+".facets.tags"),
	}
	for k, v := range naming {
		props[k] = v
	}
	b.Node(kind, id, v.Line, false, props)
	e.owners(b, id, f.At("ownership"), field+".facets.ownership")
	return id
}

// owners maps an ownership facet: each owner a Role RESPONSIBLE_FOR the node as OWNER. Owner
// names are written "user:jdoe" or "team:data-platform"; the prefix says person or team.
func (e *event) owners(b *record.Builder, target string, facet record.Value, field string) {
	for i, o := range e.list(facet, "owners") {
		name := e.text(o, "name")
		if name == "" {
			e.warnAt(o, fmt.Sprintf("%s.owners[%d].name", field, i), "an owner without a name: left out")
			continue
		}
		props := map[string]any{"name": name}
		kind, who, found := strings.Cut(name, ":")
		if !found {
			who = name
		}
		switch strings.ToLower(kind) {
		case "team", "group":
			props["team"] = who
		default:
			props["person"] = who
		}
		rid := "role:" + record.Slug(who)
		b.Node(graph.Role, rid, o.Line, false, props)
		b.Rel(graph.ResponsibleFor, rid, target, map[string]any{"as": "OWNER"}, o.Line, fmt.Sprintf("%s.owners[%d]", field, i))
	}
}

// columns reads a schema facet as "name type" items.
func (e *event) columns(schema record.Value, field string) []string {
	var out []string
	for i, c := range e.list(schema, "fields") {
		name := e.text(c, "name")
		if name == "" {
			e.warnAt(c, fmt.Sprintf("%s.fields[%d].name", field, i), "a column without a name: left out")
			continue
		}
		out = append(out, strings.TrimSpace(name+" "+e.text(c, "type")))
	}
	return out
}

// tags reads a tags facet as "key=value" items (the key alone when there is no value).
func (e *event) tags(facet record.Value, field string) []string {
	var out []string
	for i, t := range e.list(facet, "tags") {
		key := e.text(t, "key")
		if key == "" {
			e.warnAt(t, fmt.Sprintf("%s.tags[%d].key", field, i), "a tag without a key: left out")
			continue
		}
		if val := e.text(t, "value"); val != "" {
			key += "=" + val
		}
		out = append(out, key)
	}
	return out
}

// text returns a key's text; a value of another shape is left out with a warning.
func (e *event) text(v record.Value, key string) string {
	f, ok := v.Get(key)
	switch {
	case !ok || f.Null:
		return ""
	case !f.IsScalar:
		e.warnAt(f, key, "expected text, got %s: left out", f.Shape())
		return ""
	}
	return strings.TrimSpace(f.Scalar)
}

// list returns a key's items; a value that is no list is left out with a warning.
func (e *event) list(v record.Value, key string) []record.Value {
	f, ok := v.Get(key)
	switch {
	case !ok || f.Null:
		return nil
	case f.List == nil:
		e.warnAt(f, key, "expected a list, got %s: left out", f.Shape())
		return nil
	}
	return f.List
}

func (e *event) warnAt(v record.Value, field, format string, args ...any) {
	if !e.quiet {
		e.out.Warn(v.Line, field, format, args...)
	}
}

// facetText keeps a facet as compact JSON text, without the _producer and _schemaURL every facet
// carries.
func facetText(v record.Value) string {
	m, _ := v.JSON().(map[string]any)
	delete(m, "_producer")
	delete(m, "_schemaURL")
	b, _ := json.Marshal(m)
	return string(b)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
