package xapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
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
	// position is the last position applied.
	position uint64
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
	voids    string
	// voidedBy is the id of the voiding statement, or "".
	voidedBy    string
	attachments []domain.StatementAttachment
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: make(map[string]*entry), schools: make(map[string]*schoolXAPI), caseURIs: make(map[string][]target),
		standards: make(map[string]*standardInfo), learners: make(map[string]string), evidence: make(map[string][]derived),
		activities: make(map[string]map[string]obj), agentNamesBy: make(map[string]map[string][]string)}
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
		}
	case domain.EvidenceRetracted:
		for sid, list := range x.evidence {
			for i, d := range list {
				if d.evidenceID == ev.EvidenceID {
					x.evidence[sid][i].retracted = true
				}
			}
		}
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
		x.byID[en.id] = en
		x.list = append(x.list, en)
		x.noteActivities(ev.SchoolID, stmt)
		x.noteAgents(ev.SchoolID, stmt)
		if t := x.byID[ev.Voids]; ev.Voids != "" && t != nil && t.school == ev.SchoolID && t.voids == "" && t.voidedBy == "" {
			t.voidedBy = en.id
		}
	}
	return nil
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
