package graph

import "strings"

// AnnexAControl is one control objective of ISO/IEC 42001:2023 Annex A, as the Statement of
// Applicability lists it. Titles are aimsgraph's own short summaries, not the text of
// the standard: they say what the control is about, enough to recognise it in a report.
type AnnexAControl struct {
	ID    string // e.g. A.7.5
	Topic string // the clause it belongs to, e.g. "Data for AI systems"
	Title string
}

// AnnexA is the built-in catalogue: the 38 controls of Annex A in the standard's order. A
// CONTROL node names the one it implements in `annexA`; the importer accepts only these ids.
var AnnexA = []AnnexAControl{
	{"A.2.2", "AI policies", "A documented policy for how the organisation develops and uses AI"},
	{"A.2.3", "AI policies", "The AI policy fits the organisation's other policies"},
	{"A.2.4", "AI policies", "The AI policy is reviewed at planned intervals"},
	{"A.3.2", "Internal organisation", "Roles and responsibilities for AI are defined and assigned"},
	{"A.3.3", "Internal organisation", "People can raise concerns about AI systems"},
	{"A.4.2", "Resources for AI systems", "The resources an AI system needs are documented"},
	{"A.4.3", "Resources for AI systems", "Data resources are documented"},
	{"A.4.4", "Resources for AI systems", "Tools used for AI are documented"},
	{"A.4.5", "Resources for AI systems", "Computing and system resources are documented"},
	{"A.4.6", "Resources for AI systems", "The people and competences involved are documented"},
	{"A.5.2", "Impact assessment", "A process to assess the impacts of AI systems"},
	{"A.5.3", "Impact assessment", "Impact assessment results are documented and kept"},
	{"A.5.4", "Impact assessment", "Impacts on individuals and groups are assessed"},
	{"A.5.5", "Impact assessment", "Impacts on society are assessed"},
	{"A.6.1.2", "AI system life cycle", "Objectives for developing AI responsibly are set"},
	{"A.6.1.3", "AI system life cycle", "Design and development follow defined responsible processes"},
	{"A.6.2.2", "AI system life cycle", "Requirements of a new or changed AI system are specified"},
	{"A.6.2.3", "AI system life cycle", "Design and development are documented"},
	{"A.6.2.4", "AI system life cycle", "The AI system is verified and validated"},
	{"A.6.2.5", "AI system life cycle", "Deployment is planned and approved"},
	{"A.6.2.6", "AI system life cycle", "The AI system is operated and monitored"},
	{"A.6.2.7", "AI system life cycle", "Technical documentation is available to those who need it"},
	{"A.6.2.8", "AI system life cycle", "Event logs of the AI system are recorded"},
	{"A.7.2", "Data for AI systems", "Data for developing and improving AI is managed"},
	{"A.7.3", "Data for AI systems", "How data is acquired is recorded"},
	{"A.7.4", "Data for AI systems", "Data quality requirements are set and met"},
	{"A.7.5", "Data for AI systems", "The provenance of data is recorded"},
	{"A.7.6", "Data for AI systems", "How data is prepared is defined and recorded"},
	{"A.8.2", "Information for interested parties", "Users get the documentation and information they need"},
	{"A.8.3", "Information for interested parties", "Interested parties can report adverse impacts"},
	{"A.8.4", "Information for interested parties", "A plan to tell users about incidents"},
	{"A.8.5", "Information for interested parties", "Obligations to inform interested parties are met"},
	{"A.9.2", "Use of AI systems", "Processes for using AI systems responsibly"},
	{"A.9.3", "Use of AI systems", "Objectives for responsible use are set"},
	{"A.9.4", "Use of AI systems", "AI systems are used as intended"},
	{"A.10.2", "Third parties and customers", "Responsibilities are shared out with partners, suppliers and customers"},
	{"A.10.3", "Third parties and customers", "Suppliers' services and products fit the organisation's approach"},
	{"A.10.4", "Third parties and customers", "Customers' needs and expectations are taken into account"},
}

var annexAByID = func() map[string]*AnnexAControl {
	m := make(map[string]*AnnexAControl, len(AnnexA))
	for i := range AnnexA {
		m[AnnexA[i].ID] = &AnnexA[i]
	}
	return m
}()

// AnnexAIDs lists the catalogue's ids in order: the values a CONTROL's annexA may take.
func AnnexAIDs() []string {
	ids := make([]string, len(AnnexA))
	for i, c := range AnnexA {
		ids[i] = c.ID
	}
	return ids
}

// AnnexAOf returns the catalogue entry of id (any case: a.7.5 is A.7.5).
func AnnexAOf(id string) (*AnnexAControl, bool) {
	c, ok := annexAByID[strings.ToUpper(strings.TrimSpace(id))]
	return c, ok
}
