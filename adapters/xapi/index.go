package xapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// Index is the statement resource's read model: every stored statement by
// id and in stored order, what voided it, the alignments and agent links of
// each school, the CASE URIs of the standards' components, and the evidence
// derived from statements. It is a projections.Model, fed the global order
// by the engine, so that it is rebuilt from the events alone. Safe for
// concurrent readers while Apply runs.
type Index struct {
	mu        sync.RWMutex
	byID      map[string]*entry
	list      []*entry // stored order (the log's)
	schools   map[string]*schoolXAPI
	caseURIs  map[string][]target // component caseUri -> the components that carry it
	standards map[string]*standardInfo
	learners  map[string]string // learner id -> school id
	// evidence derived from each statement, by statement id.
	evidence map[string][]derived
	// activities holds, by school and activity id, the definition merged
	// from every statement of the school that names the activity (the
	// Activities resource).
	activities map[string]map[string]obj
	// agentNamesBy holds, by school and agent identifier (agentIFI), the
	// names the school's statements gave the agent (the Agents resource).
	agentNamesBy map[string]map[string][]string
	// evidenceOf is the statement each derived evidence id came from, so
	// that a retraction finds it without walking every statement.
	evidenceOf map[uuid.UUID]string
	// position is the last position applied.
	position uint64
	// docs are the document resources' documents (documents_index.go).
	docs documents
}

type standardInfo struct {
	scale   domain.Scale
	retired bool
	uris    []string // the caseUris its current revision carries
}

// target is one component a statement's activity is aligned to.
type target struct {
	standardID, componentID string
	cuts                    []domain.CutScore
}

type schoolXAPI struct {
	alignments map[string][]target
	agents     map[string]string // XAPIAgent.Key -> learner id
	statements statementIndex
}

// statementIndex is a school's statements as the filters of GET
// /xapi/statements look for them, so that a query reads the shortest list
// its filters allow and stops at its page instead of walking every
// statement. Every list is in stored (log) order.
type statementIndex struct {
	all []*entry
	// maxStored[i] is the latest stored time (Unix nanoseconds) among
	// all[:i+1], minStored[i] the earliest among all[i:]. Both never
	// decrease with i, so since and until bounds are found by binary
	// search, though stored times, stamped before the append, may come
	// slightly out of log order.
	maxStored, minStored []int64
	// The lists of the statements that name an agent (by one of its
	// identifiers: "mbox\x00mailto:…"), a verb, an activity or a
	// registration, as filter.matchesContent reads them; related* with
	// related_agents or related_activities.
	byAgent, byRelatedAgent       map[string][]*entry
	byVerb                        map[string][]*entry
	byActivity, byRelatedActivity map[string][]*entry
	byRegistration                map[string][]*entry
	// refs are the statements whose object is a StatementRef (voiding
	// ones among them), which a filter also finds by their target's
	// content: every query that reads a list reads this one beside it.
	refs []*entry
}

// derived is one piece of evidence derived from a statement.
type derived struct {
	learnerID  string
	evidenceID uuid.UUID
	retracted  bool
}

// entry is one stored statement.
type entry struct {
	id       string
	stream   string
	school   string
	learner  string // the learner whose stream holds it, or ""
	position uint64
	stored   time.Time
	occurred time.Time
	actor    domain.Actor // who recorded it (the tool)
	raw      json.RawMessage
	stmt     obj // raw decoded, for filters
	// storedTime is the statement's stored property, parsed once.
	storedTime time.Time
	voids      string
	// voidedBy is the id of the voiding statement, or "".
	voidedBy    string
	attachments []domain.StatementAttachment
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: make(map[string]*entry), schools: make(map[string]*schoolXAPI), caseURIs: make(map[string][]target),
		standards: make(map[string]*standardInfo), learners: make(map[string]string), evidence: make(map[string][]derived),
		activities: make(map[string]map[string]obj), agentNamesBy: make(map[string]map[string][]string),
		evidenceOf: make(map[uuid.UUID]string)}
}

// Apply implements projections.Model.
func (x *Index) Apply(e domain.RecordedEvent) error {
	ev, err := domain.DecodeEvent(e)
	if err != nil {
		return fmt.Errorf("xapi index: %w", err)
	}
	return x.ApplyDecoded(e, ev)
}

// ApplyDecoded implements projections.DecodedModel.
func (x *Index) ApplyDecoded(e domain.RecordedEvent, ev domain.Event) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.position = e.Position
	_, streamID, _ := domain.ParseStream(e.Stream)
	switch ev := ev.(type) {
	case domain.StandardPublished:
		x.setComponents(ev.StandardID, ev.Components, &ev.Scale)
	case domain.StandardRevised:
		x.setComponents(ev.StandardID, ev.Components, nil)
	case domain.StandardRetired:
		if s := x.standards[ev.StandardID]; s != nil {
			s.retired = true
		}
	case domain.LearnerEnrolled:
		x.learners[ev.LearnerID] = ev.SchoolID
	case domain.XAPIActivityAligned:
		s := x.school(streamID)
		list := s.alignments[ev.ActivityID]
		t := target{standardID: ev.StandardID, componentID: ev.ComponentID, cuts: ev.CutScores}
		replaced := false
		for i, old := range list {
			if old.standardID == t.standardID && old.componentID == t.componentID {
				list[i], replaced = t, true
			}
		}
		if !replaced {
			list = append(list, t)
		}
		s.alignments[ev.ActivityID] = list
	case domain.XAPIAgentLinked:
		x.school(streamID).agents[ev.Agent.Key()] = ev.LearnerID
	case domain.EvidenceRecorded:
		if ev.StatementID != "" {
			x.evidence[ev.StatementID] = append(x.evidence[ev.StatementID], derived{learnerID: streamID, evidenceID: e.ID})
			x.evidenceOf[e.ID] = ev.StatementID
		}
	case domain.EvidenceRetracted:
		sid, ok := x.evidenceOf[ev.EvidenceID]
		if !ok {
			break
		}
		for i, d := range x.evidence[sid] {
			if d.evidenceID == ev.EvidenceID {
				x.evidence[sid][i].retracted = true
			}
		}
	case domain.XAPIDocumentPut, domain.XAPIDocumentDeleted, domain.LearnerPersonalDataErased:
		x.docs.apply(e, ev)
	case domain.StatementRecorded:
		dec := json.NewDecoder(bytes.NewReader(ev.Statement))
		dec.UseNumber()
		var stmt obj
		if err := dec.Decode(&stmt); err != nil {
			return fmt.Errorf("xapi index: statement %s: %w", ev.StatementID, err)
		}
		en := &entry{id: ev.StatementID, stream: e.Stream, school: ev.SchoolID, position: e.Position, stored: e.RecordedAt,
			occurred: e.OccurredAt, actor: e.Actor, raw: ev.Statement, stmt: stmt, voids: ev.Voids, attachments: ev.Attachments}
		if cat, id, _ := domain.ParseStream(e.Stream); cat == domain.LearnerCategory {
			en.learner = id
		}
		en.storedTime = e.RecordedAt
		if s, ok := stmt["stored"].(string); ok {
			if t, err := parseTimestamp(s); err == nil {
				en.storedTime = t
			}
		}
		x.byID[en.id] = en
		x.list = append(x.list, en)
		x.noteActivities(ev.SchoolID, stmt)
		x.noteAgents(ev.SchoolID, stmt)
		x.school(ev.SchoolID).statements.add(en)
		if t := x.byID[ev.Voids]; ev.Voids != "" && t != nil && t.school == ev.SchoolID && t.voids == "" && t.voidedBy == "" {
			t.voidedBy = en.id
		}
	}
	return nil
}

// add indexes a statement stored after every one held.
func (si *statementIndex) add(e *entry) {
	if si.byAgent == nil {
		si.byAgent, si.byRelatedAgent = make(map[string][]*entry), make(map[string][]*entry)
		si.byVerb, si.byRegistration = make(map[string][]*entry), make(map[string][]*entry)
		si.byActivity, si.byRelatedActivity = make(map[string][]*entry), make(map[string][]*entry)
	}
	si.all = append(si.all, e)
	t := nanos(e.storedAt())
	if n := len(si.maxStored); n > 0 {
		si.maxStored = append(si.maxStored, max(si.maxStored[n-1], t))
	} else {
		si.maxStored = append(si.maxStored, t)
	}
	si.minStored = append(si.minStored, t)
	// A statement stored out of order lowers the minimum of those before
	// it: stored times are stamped moments before the append, so this
	// walks back over a few at most.
	for j := len(si.minStored) - 2; j >= 0 && si.minStored[j] > t; j-- {
		si.minStored[j] = t
	}
	post := func(m map[string][]*entry, key string) {
		list := m[key]
		if n := len(list); n > 0 && list[n-1] == e {
			return // named twice by the statement
		}
		m[key] = append(list, e)
	}
	for _, related := range []bool{false, true} {
		m := si.byAgent
		if related {
			m = si.byRelatedAgent
		}
		for _, a := range agentsOf(e.stmt, related) {
			for k, v := range identity(a) {
				post(m, k+"\x00"+v)
			}
		}
		m = si.byActivity
		if related {
			m = si.byRelatedActivity
		}
		for _, id := range activitiesOf(e.stmt, related) {
			post(m, id)
		}
	}
	if v, ok := e.stmt["verb"].(obj); ok {
		if id, ok := v["id"].(string); ok {
			post(si.byVerb, id)
		}
	}
	if ctx, ok := e.stmt["context"].(obj); ok {
		if r, ok := ctx["registration"].(string); ok {
			post(si.byRegistration, strings.ToLower(r))
		}
	}
	if ob, ok := e.stmt["object"].(obj); ok && ob["objectType"] == "StatementRef" {
		si.refs = append(si.refs, e)
	}
}

// nanos is t in Unix nanoseconds, clamped to the int64 range: a bound of
// the year 1000 or 9999 prunes nothing it should not.
func nanos(t time.Time) int64 {
	switch {
	case t.Year() < 1678:
		return math.MinInt64
	case t.Year() > 2261:
		return math.MaxInt64
	}
	return t.UnixNano()
}

func (x *Index) school(id string) *schoolXAPI {
	s := x.schools[id]
	if s == nil {
		s = &schoolXAPI{alignments: make(map[string][]target), agents: make(map[string]string)}
		x.schools[id] = s
	}
	return s
}

// setComponents replaces the CASE URIs a standard's components carry.
func (x *Index) setComponents(standardID string, comps []domain.Component, scale *domain.Scale) {
	s := x.standards[standardID]
	if s == nil {
		s = &standardInfo{}
		x.standards[standardID] = s
	}
	if scale != nil {
		s.scale = *scale
	}
	for _, uri := range s.uris {
		list := x.caseURIs[uri]
		kept := list[:0:0]
		for _, t := range list {
			if t.standardID != standardID {
				kept = append(kept, t)
			}
		}
		x.caseURIs[uri] = kept
	}
	s.uris = nil
	for _, c := range comps {
		if c.CaseURI == "" {
			continue
		}
		x.caseURIs[c.CaseURI] = append(x.caseURIs[c.CaseURI], target{standardID: standardID, componentID: c.ID})
		s.uris = append(s.uris, c.CaseURI)
	}
}

// lookup returns a copy of the entry of a statement id.
func (x *Index) lookup(id string) (entry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e := x.byID[id]
	if e == nil {
		return entry{}, false
	}
	return *e, true
}

// learnerOf returns the enrolled learner of school an actor is linked to.
func (x *Index) learnerOf(school string, actor obj) string {
	key, ok := agentKey(actor)
	if !ok {
		return ""
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := x.schools[school]
	if s == nil {
		return ""
	}
	l := s.agents[key]
	if l == "" || x.learners[l] != school {
		return ""
	}
	return l
}

// agentKey is an actor's identity as domain.XAPIAgent.Key spells it, for
// an Agent identified by mbox or account.
func agentKey(actor obj) (string, bool) {
	if actor == nil || actor["objectType"] == "Group" {
		return "", false
	}
	if m, ok := actor["mbox"].(string); ok {
		return domain.XAPIAgent{Mbox: m}.Key(), true
	}
	if a, ok := actor["account"].(obj); ok {
		hp, _ := a["homePage"].(string)
		n, _ := a["name"].(string)
		return domain.XAPIAgent{AccountHomePage: hp, AccountName: n}.Key(), true
	}
	return "", false
}

// targets returns the components a statement is aligned to in its school:
// by admin alignment, or by a component's CASE URI, of its object's id and
// its context's category activities. Retired standards are left out.
func (x *Index) targets(school string, stmt obj) []target {
	var ids []string
	if o, ok := stmt["object"].(obj); ok {
		if t, _ := o["objectType"].(string); t == "" || t == "Activity" {
			if id, ok := o["id"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	if ctx, ok := stmt["context"].(obj); ok {
		if ca, ok := ctx["contextActivities"].(obj); ok {
			list, isList := ca["category"].([]any)
			if !isList && ca["category"] != nil {
				list = []any{ca["category"]}
			}
			for _, a := range list {
				if ao, ok := a.(obj); ok {
					if id, ok := ao["id"].(string); ok {
						ids = append(ids, id)
					}
				}
			}
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []target
	seen := map[[2]string]bool{}
	add := func(t target) {
		k := [2]string{t.standardID, t.componentID}
		if seen[k] {
			return
		}
		if s := x.standards[t.standardID]; s == nil || s.retired {
			return
		}
		seen[k] = true
		out = append(out, t)
	}
	s := x.schools[school]
	for _, id := range ids {
		if s != nil {
			for _, t := range s.alignments[id] {
				add(t)
			}
		}
		for _, t := range x.caseURIs[id] {
			add(t)
		}
	}
	return out
}

// scale returns a standard's scale.
func (x *Index) scale(standardID string) domain.Scale {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if s := x.standards[standardID]; s != nil {
		return s.scale
	}
	return domain.DefaultScale()
}

// derivedOf returns the evidence derived from a statement.
func (x *Index) derivedOf(statementID string) []derived {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]derived(nil), x.evidence[statementID]...)
}

// schoolEntries returns copies of the statements of a school, stored order.
func (x *Index) schoolEntries(school string) []entry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []entry
	for _, e := range x.list {
		if e.school == school {
			out = append(out, *e)
		}
	}
	return out
}

// statementSchools returns the schools that hold statements, sorted.
func (x *Index) statementSchools() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for _, e := range x.list {
		if !seen[e.school] {
			seen[e.school] = true
			out = append(out, e.school)
		}
	}
	sort.Strings(out)
	return out
}
