package xapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
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
	mu   sync.RWMutex
	byID map[string]*entry
	// interned holds the repeated strings of entries (schools, verbs,
	// agents, activities, registrations), one copy each.
	interned  map[string]string
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

// entry is one stored statement: its raw bytes and, beside them, only
// what the filters, voiding, alignment and repair read, so that what the
// index holds per statement is its bytes and a small constant, not the
// decoded tree (held decoded, a million statements took five times the
// heap and twice the start). A statement is decoded when it is served in
// another format than exact, compared with one sent again, or derived
// from.
type entry struct {
	id       string
	school   string // interned, as every repeated string below
	learner  string // the learner whose stream holds it, or ""
	position uint64
	// stored is the statement's stored property, in Unix nanoseconds
	// (nanos; the event's time if the property does not parse).
	stored   int64
	occurred time.Time
	actor    domain.Actor // who recorded it (the tool)
	raw      json.RawMessage
	// voidedBy is the id of the voiding statement, or "".
	voidedBy string
	keys
	// rare holds what few statements have.
	rare *rareKeys
}

// keys are what a filter and the alignment read of a statement, in one
// list: agents (identifiers as "mbox\x00mailto:…", the actor's and an
// agent object's first, then the related ones), then activity ids (the
// object's first, then the context's category ones, then the other
// related ones). Repeated values (verbs, agents, activities) are interned
// by the Index, so a key costs a string header.
type keys struct {
	verb     string
	actorKey string // the actor as domain.XAPIAgent.Key spells it, or ""
	list     []string
	// ownAgents, agents, ownActs and catActs end each part of list.
	ownAgents, agents, ownActs, catActs uint32
}

// rareKeys are the fields of a statement that most have not.
type rareKeys struct {
	registration string // lower case
	ref          string // a StatementRef object's target id, lower case
	voids        string
	attachments  []domain.StatementAttachment
}

func (k *keys) agentKeys(related bool) []string {
	if related {
		return k.list[:k.agents]
	}
	return k.list[:k.ownAgents]
}

func (k *keys) activityIDs(related bool) []string {
	if related {
		return k.list[k.agents:]
	}
	return k.list[k.agents:k.ownActs]
}

// alignIDs are the activity ids alignment reads: the object's and the
// context's category ones.
func (k *keys) alignIDs() []string { return k.list[k.agents:k.catActs] }

func (e *entry) voids() string {
	if e.rare == nil {
		return ""
	}
	return e.rare.voids
}

func (e *entry) registration() string {
	if e.rare == nil {
		return ""
	}
	return e.rare.registration
}

func (e *entry) ref() string {
	if e.rare == nil {
		return ""
	}
	return e.rare.ref
}

func (e *entry) attachments() []domain.StatementAttachment {
	if e.rare == nil {
		return nil
	}
	return e.rare.attachments
}

// statement decodes the statement, numbers kept as written.
func (e *entry) statement() (obj, error) { return decodeStatement(e.raw) }

func decodeStatement(raw []byte) (obj, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var stmt obj
	if err := dec.Decode(&stmt); err != nil {
		return nil, err
	}
	return stmt, nil
}

// keysOf reads a statement's keys, each interned by in.
func keysOf(stmt obj, in func(string) string) (keys, *rareKeys) {
	var k keys
	var seen map[string]bool
	put := func(s string) {
		if seen[s] {
			return // named twice by the statement
		}
		if seen == nil {
			seen = make(map[string]bool)
		}
		seen[s] = true
		k.list = append(k.list, in(s))
	}
	own := agentsOf(stmt, false)
	for _, a := range own {
		for kk, v := range identity(a) {
			put(kk + "\x00" + v)
		}
	}
	k.ownAgents = uint32(len(k.list))
	for _, a := range agentsOf(stmt, true) {
		for kk, v := range identity(a) {
			put(kk + "\x00" + v)
		}
	}
	k.agents = uint32(len(k.list))
	seen = nil
	for _, id := range activitiesOf(stmt, false) {
		put(id)
	}
	k.ownActs = uint32(len(k.list))
	for _, id := range categoryIDs(stmt) {
		put(id)
	}
	k.catActs = uint32(len(k.list))
	for _, id := range activitiesOf(stmt, true) {
		put(id)
	}
	k.list = slices.Clip(k.list)
	if v, ok := stmt["verb"].(obj); ok {
		if id, ok := v["id"].(string); ok {
			k.verb = in(id)
		}
	}
	if a, ok := stmt["actor"].(obj); ok {
		if key, ok := agentKey(a); ok {
			k.actorKey = in(key)
		}
	}
	var r rareKeys
	if ctx, ok := stmt["context"].(obj); ok {
		if reg, ok := ctx["registration"].(string); ok {
			r.registration = in(strings.ToLower(reg))
		}
	}
	if ob, ok := stmt["object"].(obj); ok && ob["objectType"] == "StatementRef" {
		id, _ := ob["id"].(string)
		r.ref = strings.ToLower(id)
	}
	if r.registration == "" && r.ref == "" {
		return k, nil
	}
	return k, &r
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: make(map[string]*entry), interned: make(map[string]string), schools: make(map[string]*schoolXAPI), caseURIs: make(map[string][]target),
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
		stmt, err := decodeStatement(ev.Statement)
		if err != nil {
			return fmt.Errorf("xapi index: statement %s: %w", ev.StatementID, err)
		}
		k, rare := keysOf(stmt, x.intern)
		if ev.Voids != "" || len(ev.Attachments) > 0 {
			if rare == nil {
				rare = &rareKeys{}
			}
			rare.voids, rare.attachments = ev.Voids, ev.Attachments
		}
		en := &entry{id: ev.StatementID, school: x.intern(ev.SchoolID), position: e.Position, stored: nanos(e.RecordedAt),
			occurred: e.OccurredAt, actor: domain.Actor{Role: x.intern(e.Actor.Role), Name: x.intern(e.Actor.Name)},
			raw: ev.Statement, keys: k, rare: rare}
		if cat, id, _ := domain.ParseStream(e.Stream); cat == domain.LearnerCategory {
			en.learner = x.intern(id)
		}
		if s, ok := stmt["stored"].(string); ok {
			if t, err := parseTimestamp(s); err == nil {
				en.stored = nanos(t)
			}
		}
		x.byID[en.id] = en
		x.noteActivities(ev.SchoolID, stmt)
		x.noteAgents(ev.SchoolID, stmt)
		x.school(ev.SchoolID).statements.add(en)
		if t := x.byID[ev.Voids]; ev.Voids != "" && t != nil && t.school == ev.SchoolID && t.voids() == "" && t.voidedBy == "" {
			t.voidedBy = en.id
		}
	}
	return nil
}

// intern returns the Index's copy of s. Called under the write lock.
func (x *Index) intern(s string) string {
	if c, ok := x.interned[s]; ok {
		return c
	}
	s = strings.Clone(s)
	x.interned[s] = s
	return s
}

// add indexes a statement stored after every one held.
func (si *statementIndex) add(e *entry) {
	if si.byAgent == nil {
		si.byAgent, si.byRelatedAgent = make(map[string][]*entry), make(map[string][]*entry)
		si.byVerb, si.byRegistration = make(map[string][]*entry), make(map[string][]*entry)
		si.byActivity, si.byRelatedActivity = make(map[string][]*entry), make(map[string][]*entry)
	}
	si.all = append(si.all, e)
	t := e.stored
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
		for _, k := range e.agentKeys(related) {
			post(m, k)
		}
		m = si.byActivity
		if related {
			m = si.byRelatedActivity
		}
		for _, id := range e.activityIDs(related) {
			post(m, id)
		}
	}
	if e.verb != "" {
		post(si.byVerb, e.verb)
	}
	if r := e.registration(); r != "" {
		post(si.byRegistration, r)
	}
	if e.ref() != "" {
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
	return x.learnerOfKey(school, key)
}

// learnerOfKey is learnerOf for an actor's agentKey.
func (x *Index) learnerOfKey(school, key string) string {
	if key == "" {
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

// alignIDs are the activity ids a statement is aligned by: its object's
// id and its context's category activities.
func alignIDs(stmt obj) []string {
	var ids []string
	if o, ok := stmt["object"].(obj); ok {
		if t, _ := o["objectType"].(string); t == "" || t == "Activity" {
			if id, ok := o["id"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return append(ids, categoryIDs(stmt)...)
}

// categoryIDs are the ids of a statement's context's category activities.
func categoryIDs(stmt obj) []string {
	var ids []string
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
	return ids
}

// targets returns the components a statement is aligned to in its school
// (ids: its alignIDs): by admin alignment, or by a component's CASE URI.
// Retired standards are left out.
func (x *Index) targets(school string, ids []string) []target {
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

// schoolEntries returns copies of at most n statements of a school, stored
// order, from the from-th: a school's statements are read a part at a
// time, so that a walk over a million copies no more than n at once.
func (x *Index) schoolEntries(school string, from, n int) []entry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := x.schools[school]
	if s == nil || from >= len(s.statements.all) {
		return nil
	}
	part := s.statements.all[from:min(len(s.statements.all), from+n)]
	out := make([]entry, len(part))
	for i, e := range part {
		out[i] = *e
	}
	return out
}

// statementSchools returns the schools that hold statements, sorted.
func (x *Index) statementSchools() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []string
	for id, s := range x.schools {
		if len(s.statements.all) > 0 {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
