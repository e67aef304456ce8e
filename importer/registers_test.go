package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/assetregister"
	"github.com/aimsgraph/aimsgraph/importer/cisoassistant"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/ropa"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
)

// decoded is what one file gives: nodes by id, relationships as "from TYPE to", problems.
type decoded struct {
	nodes map[string]graph.NodeRecord
	rels  []string
	probs []string
}

func decodeRegister(t *testing.T, name string, data []byte) decoded {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := (&Importer{}).resolve([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	d := decoded{nodes: map[string]graph.NodeRecord{}}
	for _, p := range decodeFile(t, path, in[0].format, func(n graph.NodeRecord) { d.nodes[n.ID] = n },
		func(r graph.RelRecord, _ string) { d.rels = append(d.rels, r.From+" "+string(r.Type)+" "+r.To) }) {
		d.probs = append(d.probs, strings.TrimPrefix(p.String(), filepath.Dir(path)+string(filepath.Separator)))
	}
	return d
}

// TestRegisterFormatsToldByHeader: each register is told by its header row, whatever the file is
// called, CISO Assistant's with its semicolons and BOM as well as its template's commas.
func TestRegisterFormatsToldByHeader(t *testing.T) {
	tests := []struct{ name, content, format string }{
		{"export-2026-11-27.csv", "asset_id,name\nA-1,One\n", "asset-register"},
		{"assets.csv", "asset_id,name,linked_ids\nA-1,One,ds:x\n", "asset-register"}, // a native section's name, a register's header
		{"whatever.csv", "\ufeffinternal_id;name;description;ref_id;type\nu-1;One;;X.01;PR\n", "ciso-assistant"},
		{"template.csv", "ref_id,name,description,domain,type,asset_class\nX.01,alpha,,Global,PR,\n", "ciso-assistant"},
		{"article30.csv", "activity_id,activity_name,covers\nPA-1,Payroll,ds:x\n", "ropa"},
		{"entities.csv", "ref_id,name,description,mission,country\nE1,Acme,,,FR\n", "ciso-assistant-entities"}, // CISO Assistant's third parties are no assets
		{"sample.csv", "name,description,domain,type\nasset1,x,Global,PR\n", "ciso-assistant-cli"},
		{"ra.csv", "ref_id;assets;threats;name;current_impact;current_proba;treatment\nR.1;;;Ransomware;Critical;Likely;open\n", "ciso-assistant-risk-assessment"},
		{"sol.csv", "ref_id,name,description,provider_entity_ref_id,criticality\nS1,Mail,,E1,3\n", "ciso-assistant-solutions"},
		{"con.csv", "ref_id,name,provider_entity_ref_id,solution_ref_id,status\nC1,SLA,E1,S1,active\n", "ciso-assistant-contracts"},
		{"reps.csv", "email,first_name,last_name,role,provider_entity_ref_id\na@b.c,A,B,CISO,E1\n", "ciso-assistant-representatives"},
	}
	for _, tc := range tests {
		path := filepath.Join(t.TempDir(), tc.name)
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		f, _, _ := sniff(record.NewHead(path), nil)
		if f == nil || f.Name() != tc.format {
			t.Errorf("%s: read as %v, want %s", tc.name, f, tc.format)
		}
	}
}

func TestAssetRegisterRows(t *testing.T) {
	d := decodeRegister(t, "reg.csv", []byte("asset_id,name,asset_type,confidentiality,labels,parent_assets,linked_ids,cmdb_ci\n"+
		"A-1,Feed store,Information,4,pii|prod,A-0,ds:a|sys:b,CI-1\n"+
		"sys:b,Scoring,,,aimsgraph-AI_SYSTEM,,ast:A-1,\n"))
	if len(d.probs) > 0 {
		t.Fatalf("problems: %v", d.probs)
	}
	a := d.nodes["ast:A-1"]
	want := map[string]any{"assetId": "A-1", "name": "Feed store", "category": "Information", "confidentiality": int64(4),
		"tags": []string{"pii", "prod"}, "parentAssets": []string{"A-0"}, "cmdb_ci": "CI-1"}
	if a.Kind != graph.Asset || !reflect.DeepEqual(a.Props, want) {
		t.Errorf("asset = %+v\nwant props %v", a, want)
	}
	if s := d.nodes["sys:b"]; s.Kind != graph.AISystem || !s.Stub || s.Props["name"] != "Scoring" {
		t.Errorf("inventory row = %+v, want a stub of the AI system", s)
	}
	wantRels := []string{"ast:A-1 REPRESENTS ds:a", "ast:A-1 REPRESENTS sys:b", "ast:A-1 REPRESENTS sys:b"}
	if !reflect.DeepEqual(d.rels, wantRels) {
		t.Errorf("relationships %v, want %v", d.rels, wantRels)
	}
}

func TestCISOAssistantRows(t *testing.T) {
	d := decodeRegister(t, "ciso.csv", []byte("\ufeffinternal_id;name;description;ref_id;type;security_objectives;parent_assets;labels\n"+
		"u-1;Cluster;Runs it;SRV-1;SP;confidentiality: 3,integrity: 4,availability: 1,proof: 2;sys:a,SRV-0;prod\n"+
		"u-2;Scoring;;sys:a;PR;;;aimsgraph-AI_SYSTEM\n"))
	if len(d.probs) > 0 {
		t.Fatalf("problems: %v", d.probs)
	}
	a := d.nodes["ast:SRV-1"]
	for k, v := range map[string]any{"assetId": "SRV-1", "cisoAssistantId": "u-1", "category": "supporting", "confidentiality": int64(4),
		"integrity": int64(5), "availability": int64(1), "parentAssets": []string{"SRV-0"}, "tags": []string{"prod"}} {
		if !reflect.DeepEqual(a.Props[k], v) {
			t.Errorf("%s = %#v, want %#v", k, a.Props[k], v)
		}
	}
	if s := d.nodes["sys:a"]; !s.Stub || s.Kind != graph.AISystem {
		t.Errorf("inventory row = %+v", s)
	}
	if !reflect.DeepEqual(d.rels, []string{"ast:SRV-1 REPRESENTS sys:a"}) {
		t.Errorf("relationships %v", d.rels)
	}
}

// TestSecurityScale: CISO Assistant's 1-4 values come back unchanged through aimsgraph's 1-5.
func TestSecurityScale(t *testing.T) {
	for v := int64(1); v <= 4; v++ {
		r, err := cisoassistant.SecurityToRating(strconv.FormatInt(v, 10))
		if err != nil || r < 1 || r > 5 || cisoassistant.RatingToSecurity(r) != v {
			t.Errorf("%d -> %d (%v) -> %d", v, r, err, cisoassistant.RatingToSecurity(r))
		}
	}
	for _, bad := range []string{"0", "5", "x"} {
		if _, err := cisoassistant.SecurityToRating(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRoPARows(t *testing.T) {
	d := decodeRegister(t, "ropa.csv", []byte("activity_id,activity_name,role,legal_basis,special_category,third_country_transfers,dpia_required,covers,reached_decisions\n"+
		"PA-1,Payroll,controller,Legal obligation,no,US|IN,yes,ds:pay|sys:hr,dec:x\n"))
	if len(d.probs) > 0 {
		t.Fatalf("problems: %v", d.probs)
	}
	want := map[string]any{"activityId": "PA-1", "name": "Payroll", "role": "CONTROLLER", "legalBasis": "LEGAL_OBLIGATION",
		"specialCategory": false, "thirdCountryTransfers": []string{"US", "IN"}, "dpiaRequired": true}
	if n := d.nodes["pa:PA-1"]; n.Kind != graph.ProcessingActivity || !reflect.DeepEqual(n.Props, want) {
		t.Errorf("activity = %+v\nwant props %v", n, want)
	}
	if !reflect.DeepEqual(d.rels, []string{"pa:PA-1 COVERS ds:pay", "pa:PA-1 COVERS sys:hr"}) {
		t.Errorf("relationships %v", d.rels)
	}
}

// TestRegisterProblems: bad rows are file:line: column: message, every one of them.
func TestRegisterProblems(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"reg.csv", "asset_id,name,confidentiality,labels\n,No id,3,\nA-2,,9,\nA-3,Three,3,aimsgraph-VENDOR\nA-4,Four,1,2,3\n", []string{
			"reg.csv:2: asset_id: missing asset id",
			"reg.csv:3: confidentiality: 9 is out of range 1-5",
			"reg.csv:3: name: missing name",
			`reg.csv:4: labels: label "aimsgraph-VENDOR" marks an inventory row of unknown kind; one of aimsgraph-AI_SYSTEM, aimsgraph-MODEL, aimsgraph-DATASET`,
			"reg.csv:5: row has 5 cells, the header has 4",
		}},
		{"ropa.csv", "activity_id,activity_name,legal_basis,dpia_required\nPA-1,X,because,maybe\n", []string{
			`ropa.csv:2: legal_basis: unknown value "because"; expected one of CONSENT, CONTRACT, LEGAL_OBLIGATION, VITAL_INTERESTS, PUBLIC_TASK, LEGITIMATE_INTERESTS`,
			`ropa.csv:2: dpia_required: expected true or false, got "maybe"`,
		}},
		{"ciso.csv", "ref_id;name;type;security_objectives\nX;A;XX;confidentiality: 7\n", []string{
			`ciso.csv:2: type: unknown asset type "XX"; expected PR (primary) or SP (supporting)`,
			"ciso.csv:2: security_objectives: confidentiality: 7 is out of CISO Assistant's scale 1-4 (export with the 1-4 display scale)",
		}},
		{"dup.csv", "asset_id,name,name\nA,B,C\n", []string{`dup.csv:1: header: column "name" appears twice`}},
		{"cli.csv", "name,description,domain,type\n,x,Global,PR\nb,,Global,XX\n", []string{
			"cli.csv:2: name: missing name: the CLI's asset file identifies an asset by its name",
			`cli.csv:3: type: unknown asset type "XX"; expected PR (primary) or SP (supporting)`,
		}},
		{"ra.csv", "ref_id;name;current_proba;treatment\nR.1;;Likely;open\nR.2;Two;Likely;ignore\n", []string{
			"ra.csv:2: name: missing name",
			`ra.csv:3: treatment: unknown treatment "ignore"; expected open, mitigate, accept, avoid or transfer`,
		}},
		{"ent.csv", "ref_id,name,country,dependency,trust\n,X,FR,,\nE2,,FR,5,x\n", []string{
			"ent.csv:2: ref_id: missing entity ref_id: aimsgraph identifies a third party by it",
			"ent.csv:3: name: missing name",
			`ent.csv:3: dependency: expected a whole number 0-4 (CISO Assistant's TPRM scale), got "5"`,
			`ent.csv:3: trust: expected a whole number 0-4 (CISO Assistant's TPRM scale), got "x"`,
		}},
		{"sol.csv", "ref_id,name,provider_entity_ref_id,criticality\nS1,Mail,,3\nS2,,E1,high\n", []string{
			"sol.csv:2: provider_entity_ref_id: missing entity ref_id: aimsgraph identifies a third party by it",
			"sol.csv:3: name: missing name",
			`sol.csv:3: criticality: expected a whole number, got "high"`,
		}},
		{"con.csv", "ref_id,name,provider_entity_ref_id,start_date,end_date\nC1,SLA,E1,01/01/2024,2024-12-31\n", []string{
			`con.csv:2: start_date: expected a date YYYY-MM-DD, got "01/01/2024"`,
		}},
		{"reps.csv", "email,role,provider_entity_ref_id\na@b.c,,E1\n", []string{
			"reps.csv:2: role: missing role: aimsgraph keeps a representative by role title only",
		}},
	}
	for _, tc := range tests {
		d := decodeRegister(t, tc.name, []byte(tc.content))
		if !reflect.DeepEqual(d.probs, tc.want) {
			t.Errorf("%s: problems\n%s\nwant\n%s", tc.name, strings.Join(d.probs, "\n"), strings.Join(tc.want, "\n"))
		}
	}
	d := decodeRegister(t, "quote.csv", []byte("asset_id,name\nA,\"B\n"))
	if len(d.probs) != 1 || !strings.HasPrefix(d.probs[0], "quote.csv:2: invalid CSV") {
		t.Errorf("unterminated quote: %v", d.probs)
	}
}

// workbook returns an .xlsx of one sheet holding rows.
func workbook(t testing.TB, sheet string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWorkbookRegisters: an .xlsx register's first sheet is read with the layout its header
// names; problems read file:sheet!row: column.
func TestWorkbookRegisters(t *testing.T) {
	d := decodeRegister(t, "isms.xlsx", workbook(t, "Assets", [][]string{
		{"asset_id", "name", "integrity", "linked_ids"}, {"A-1", "One", "2", "ds:a"}, {}, {"A-2", "Two", "six", ""}}))
	if n := d.nodes["ast:A-1"]; n.Props["integrity"] != int64(2) || !reflect.DeepEqual(d.rels, []string{"ast:A-1 REPRESENTS ds:a"}) {
		t.Errorf("row = %+v, rels %v", n, d.rels)
	}
	if want := []string{`isms.xlsx:Assets!4: integrity: expected a whole number, got "six"`}; !reflect.DeepEqual(d.probs, want) {
		t.Errorf("problems %v, want %v", d.probs, want)
	}
	d = decodeRegister(t, "ropa.xlsx", workbook(t, "RoPA", [][]string{{"activity_id", "activity_name"}, {"PA-9", "Nine"}}))
	if d.nodes["pa:PA-9"].Kind != graph.ProcessingActivity || len(d.probs) > 0 {
		t.Errorf("ropa workbook: %+v %v", d.nodes, d.probs)
	}
	d = decodeRegister(t, "other.xlsx", workbook(t, "Budget", [][]string{{"year", "amount"}}))
	if len(d.probs) != 1 || !strings.HasPrefix(d.probs[0], "other.xlsx:Budget!1: the first sheet is no register") {
		t.Errorf("not a register: %v", d.probs)
	}
	d = decodeRegister(t, "broken.xlsx", []byte("PK\x03\x04 not really"))
	if len(d.probs) != 1 || !strings.HasPrefix(d.probs[0], "broken.xlsx: not a readable .xlsx workbook") {
		t.Errorf("broken workbook: %v", d.probs)
	}
}

func registerSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		seedFiles(f, testdata("estate", "registers", n))
	}
}

func FuzzAssetRegister(f *testing.F) {
	registerSeeds(f, "isms-asset-register.csv")
	f.Add([]byte("asset_id,name,labels,linked_ids\nsys:x,X,aimsgraph-AI_SYSTEM,ast:1\n"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "reg.csv", assetregister.Format, data) })
}

func FuzzCISOAssistant(f *testing.F) {
	registerSeeds(f, "ciso-assistant-assets.csv")
	seedFiles(f, corpusFile("ciso-assistant/import_templates/assets_template.xlsx.csv"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "ciso.csv", cisoassistant.Format, data) })
}

func FuzzCISOAssistantCLI(f *testing.F) {
	seedFiles(f, corpusFile("ciso-assistant/cli/sample_assets.csv"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "assets.csv", cisoassistant.CLIFormat, data) })
}

func FuzzCISOAssistantRiskAssessment(f *testing.F) {
	seedFiles(f, corpusFile("ciso-assistant/cli/RA_sample.csv"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "ra.csv", cisoassistant.RiskAssessmentFormat, data) })
}

// FuzzCISOAssistantThirdParties reads any bytes as each of the four third-party tables.
func FuzzCISOAssistantThirdParties(f *testing.F) {
	for _, sheet := range []string{"Entities", "Solutions", "Contracts", "Representatives"} {
		seedFiles(f, corpusFile("ciso-assistant/import_templates/third_parties_template.xlsx."+sheet+".csv"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []record.Format{cisoassistant.EntitiesFormat, cisoassistant.SolutionsFormat,
			cisoassistant.ContractsFormat, cisoassistant.RepresentativesFormat} {
			decodeAs(t, "tp.csv", format, data)
		}
	})
}

func FuzzRoPA(f *testing.F) {
	registerSeeds(f, "records-of-processing.csv")
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "ropa.csv", ropa.Format, data) })
}

func FuzzWorkbook(f *testing.F) {
	f.Add(workbook(f, "Assets", [][]string{{"asset_id", "name", "linked_ids"}, {"A-1", "One", "ds:a"}}))
	f.Add(workbook(f, "RoPA", [][]string{{"activity_id", "activity_name", "covers"}, {"PA-1", "One", "ds:a"}}))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "reg.xlsx", formatNamed("xlsx"), data) })
}

// TestAnnexAFromCatalogue: a control's annexA is an id of the built-in Annex A catalogue, in any
// case; another is a problem naming the valid ids.
func TestAnnexAFromCatalogue(t *testing.T) {
	d := decodeRegister(t, "c.yaml", []byte("controls:\n  - {id: c1, annexA: a.7.5}\n  - {id: c2, annexA: A.11.1}\n"))
	if d.nodes["c1"].Props["annexA"] != "A.7.5" {
		t.Errorf("a.7.5 read as %v", d.nodes["c1"].Props["annexA"])
	}
	want := `c.yaml:3: controls[1].annexA: unknown annexA "A.11.1"; expected one of ` + strings.Join(graph.AnnexAIDs(), ", ")
	if len(d.probs) != 1 || d.probs[0] != want || !strings.Contains(want, "A.2.2, A.2.3") || !strings.HasSuffix(want, "A.10.4") {
		t.Errorf("problems %v\nwant %s", d.probs, want)
	}
}

// TestThirdPartyParts: a vendor's solutions and contracts, read from other files of the run,
// fold into the vendor the entity's row describes; without that row the vendor is named by its id.
func TestThirdPartyParts(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a-contracts.csv": "ref_id,name,provider_entity_ref_id,solution_ref_id,status,start_date,end_date\nC1,SLA,E1,S1,active,2024-01-01,2024-12-31\nC2,Support,E9,,draft,,\n",
		"b-entities.csv":  "ref_id,name,country,dependency\nE1,Acme,FR,2\n",
		"c-solutions.csv": "ref_id,name,provider_entity_ref_id,criticality\nS1,Mail,E1,3\nS2,CRM,E1,\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := embeddedtest.Fresh(t)
	out, err := (&Importer{Store: s}).ImportEach(context.Background(), []string{dir})
	if err != nil || len(out) != 1 || out[0].Err != nil {
		t.Fatalf("import: %v %+v", err, out)
	}
	ns, err := s.Nodes(context.Background(), []string{"vnd:E1", "vnd:E9"})
	if err != nil || len(ns) != 2 {
		t.Fatalf("vendors: %v %v", ns, err)
	}
	byID := map[string]*graph.Node{ns[0].ID: ns[0], ns[1].ID: ns[1]}
	want := map[string]any{"refId": "E1", "name": "Acme", "country": "FR", "dependency": "2",
		"contracts": []string{"C1 SLA: active, 2024-01-01 to 2024-12-31, solution S1"},
		"solutions": []string{"Mail (S1, criticality 3)", "CRM (S2)"}}
	if got := byID["vnd:E1"].Props; !reflect.DeepEqual(got, want) {
		t.Errorf("vnd:E1 = %#v\nwant %#v", got, want)
	}
	want = map[string]any{"refId": "E9", "name": "vnd:E9", "contracts": []string{"C2 Support: draft"}}
	if got := byID["vnd:E9"].Props; !reflect.DeepEqual(got, want) {
		t.Errorf("vnd:E9 = %#v\nwant %#v", got, want)
	}
}
