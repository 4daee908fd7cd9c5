package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/policy"
)

// policiesPage is what templates/pages/policies.html shows.
type policiesPage struct {
	LearnerID, StandardID, Code, Title string
	Proficient                         string
	// Scores counts the current evidence the research policies read.
	Scores int
	// Rows are the official rule, then each research policy.
	Rows []policyRow
}

// policyRow is one rule: its value, its decision, its parameters, the
// evidence it used and one sentence that says how they fit together.
type policyRow struct {
	Name, Value, Params, Sentence string
	Met                           bool
	Evidence                      []evidenceItem
	// Also names what a rule used that is not evidence: the official
	// rule's pre-assessment and attempt.
	Also string
}

// policyName is a research policy as the page names it.
func policyName(id string) string {
	switch id {
	case "latest":
		return "Latest"
	case "highest":
		return "Highest"
	case "mean":
		return "Average"
	case "weighted-average":
		return "Weighted average"
	case "decaying-average":
		return "Decaying average"
	case "n-mastery":
		return "N times at proficient"
	case "power-law":
		return "Power law"
	case "bkt":
		return "Knowledge tracing"
	}
	return id
}

// policiesPage reads /learners/{learnerId}/standards/{standardId}/policies:
// the official rule beside each research policy (projections/policy, with
// the default parameters) over the learner's current evidence on the
// standard, across its components.
func (s *Server) policiesPage(r *http.Request, _ access.Principal) (any, error) {
	id, sid := mux.Vars(r)["learnerId"], mux.Vars(r)["standardId"]
	if err := access.CheckID("standardId", sid); err != nil {
		return nil, err
	}
	v := s.cfg.View
	cmp, err := v.ComparePolicies(id, sid, policy.Defaults())
	if err != nil {
		return nil, err
	}
	std, err := v.Standard(sid)
	if err != nil {
		return nil, err
	}
	evidence, err := s.evidenceOf(r.Context(), id, sid)
	if err != nil {
		return nil, err
	}
	sc := scaleWords{scale: std.Scale}
	out := policiesPage{LearnerID: id, StandardID: sid, Code: std.Code, Title: std.Title,
		Proficient: strconv.Itoa(std.Scale.Proficient), Scores: len(cmp.Standard.Scores)}
	official, err := s.officialRow(r, cmp.Official, sc, evidence)
	if err != nil {
		return nil, err
	}
	out.Rows = append(out.Rows, official)
	for _, res := range cmp.Standard.Results {
		out.Rows = append(out.Rows, researchRow(res, sc, len(cmp.Standard.Scores), evidence))
	}
	return out, nil
}

// officialRow is the ledger's own rule: met by a summative attempt at or
// above proficient after an agreement; the evidence is what the agreement
// rested on, as the transcript lists it.
func (s *Server) officialRow(r *http.Request, o projections.OfficialRule, sc scaleWords, evidence map[uuid.UUID]evidenceItem) (policyRow, error) {
	id, sid := mux.Vars(r)["learnerId"], mux.Vars(r)["standardId"]
	row := policyRow{Name: "Official rule", Value: "none", Params: fmt.Sprintf("proficient = %d, revision %d", sc.scale.Proficient, o.StandardRevision)}
	if o.Status != domain.StatusMet || o.AttemptID == nil {
		row.Also = "no meeting attempt yet"
		row.Sentence = fmt.Sprintf("Official rule: no summative attempt at or above proficient (%s) has followed an agreement yet, so the standard is %s: not yet.",
			strconv.Itoa(sc.scale.Proficient), statusWords(o.Status))
		return row, nil
	}
	row.Met = true
	m, err := s.cfg.View.StandardMastery(r.Context(), id, sid, nil)
	if err != nil {
		return policyRow{}, err
	}
	level := 0
	if i := slices.IndexFunc(m.Attempts, func(a domain.Attempt) bool { return a.ID == *o.AttemptID }); i >= 0 {
		level = m.Attempts[i].Level
	}
	row.Value = sc.level(float64(level))
	tr, err := s.cfg.View.Transcript(id)
	if err != nil {
		return policyRow{}, err
	}
	var also []string
	for _, e := range tr.Standards {
		if e.StandardID != sid {
			continue
		}
		for _, eid := range e.EvidenceIDs {
			if it, ok := evidence[eid]; ok {
				row.Evidence = append(row.Evidence, it)
			}
		}
		if len(e.PreAssessed) > 0 {
			also = append(also, "shown at pre-assessment: "+strings.Join(e.PreAssessed, ", "))
		}
	}
	met := "an unknown date"
	if o.MetAt != nil {
		met = o.MetAt.UTC().Format("2 January 2006")
	}
	row.Also = strings.Join(append(also, "the summative attempt of "+met), "; ")
	row.Sentence = fmt.Sprintf("Official rule: the summative attempt of %s, taken after the learner and a teacher agreed the learner was ready, is at level %s, which is at or above proficient (%s): met.",
		met, row.Value, strconv.Itoa(sc.scale.Proficient))
	return row, nil
}

// researchRow is one research policy's result, said in words.
func researchRow(res policy.Result, sc scaleWords, scores int, evidence map[uuid.UUID]evidenceItem) policyRow {
	name := policyName(res.Policy)
	row := policyRow{Name: name, Value: "none", Met: res.Mastered, Params: paramWords(res.Params)}
	for _, raw := range res.EvidenceIDs {
		if eid, err := uuid.Parse(raw); err == nil {
			if it, ok := evidence[eid]; ok {
				row.Evidence = append(row.Evidence, it)
			}
		}
	}
	decision := "not yet"
	if res.Mastered {
		decision = "met"
	}
	prof := float64(sc.scale.Proficient)
	switch {
	case res.Err != nil:
		row.Sentence = fmt.Sprintf("%s: not computed over this evidence (%v): %s.", name, res.Err, decision)
		return row
	case res.Policy == "n-mastery":
		n := res.Params["n"]
		if res.Value != nil {
			row.Value = sc.number(*res.Value, prof)
		}
		row.Sentence = fmt.Sprintf("%s: %d of the %s at or above proficient (%s), and %s needed: %s.",
			name, len(res.EvidenceIDs), countScores(scores), strconv.Itoa(sc.scale.Proficient), strconv.FormatFloat(n, 'f', -1, 64)+isOrAre(n), decision)
		return row
	case res.Value == nil:
		row.Sentence = fmt.Sprintf("%s: there is no current evidence, so no value: %s.", name, decision)
		return row
	}
	v := *res.Value
	if res.Policy == "bkt" {
		threshold := res.Params["threshold"]
		row.Value = sc.number(v*100, threshold*100) + " %"
		row.Sentence = fmt.Sprintf("%s: the estimated chance that the learner knows the standard, after the %s, is %s, which is %s the threshold of %s: %s.",
			name, countScores(scores), row.Value, compareWords(v, threshold), sc.number(threshold*100, threshold*100)+" %", decision)
		return row
	}
	row.Value = sc.level(v)
	var what string
	switch res.Policy {
	case "latest":
		what = fmt.Sprintf("the most recent of the %s is", countScores(scores))
	case "highest":
		what = "the best current level across components is"
	case "mean":
		what = fmt.Sprintf("the mean of the %s is", countScores(scores))
	case "weighted-average":
		w := res.Params["w"]
		what = fmt.Sprintf("the latest score counts for %s and the mean of the earlier ones for %s, which gives",
			strconv.FormatFloat(w, 'f', -1, 64), strconv.FormatFloat(1-w, 'f', 2, 64))
	case "decaying-average":
		what = fmt.Sprintf("each score in turn counts for %s against the average before it, which ends at", strconv.FormatFloat(res.Params["w"], 'f', -1, 64))
	case "power-law":
		what = fmt.Sprintf("a learning curve fitted to the %s in order puts the latest at", countScores(scores))
	default:
		what = "the value is"
	}
	row.Sentence = fmt.Sprintf("%s: %s %s, which is %s proficient (%s): %s.", name, what, row.Value, compareWords(v, prof), strconv.Itoa(sc.scale.Proficient), decision)
	return row
}

// scaleWords says numbers on a standard's scale.
type scaleWords struct{ scale domain.Scale }

// level is a value with its level's label when it is one: "4 (Advanced)".
func (s scaleWords) level(v float64) string {
	out := s.number(v, float64(s.scale.Proficient))
	for _, l := range s.scale.Levels {
		if float64(l.Level) == v {
			return out + " (" + l.Label + ")"
		}
	}
	return out
}

// number shows v to two decimals, or to every digit it has when two
// would misstate how it compares with ref: 2.999 is never shown as 3
// beside a proficient 3.
func (scaleWords) number(v, ref float64) string {
	s := strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".")
	if shown, err := strconv.ParseFloat(s, 64); err != nil || (shown >= ref) != (v >= ref) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return s
}

func compareWords(v, ref float64) string {
	if v >= ref {
		return "at or above"
	}
	return "below"
}

func countScores(n int) string {
	if n == 1 {
		return "1 current score"
	}
	return strconv.Itoa(n) + " current scores"
}

// isOrAre is the verb after a count of n.
func isOrAre(n float64) string {
	if n == 1 {
		return " is"
	}
	return " are"
}

// paramWords lists a policy's parameters, "none" without any.
func paramWords(params map[string]float64) string {
	if len(params) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	// Knowledge tracing's parameters in the order its model is written
	// in; the other policies have one parameter each.
	order := []string{"w", "n", "pL0", "pT", "pS", "pG", "threshold"}
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " = " + strconv.FormatFloat(params[k], 'f', -1, 64)
	}
	return strings.Join(parts, ", ")
}
