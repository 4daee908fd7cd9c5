package research

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// Event is the research copy of a stored event: the envelope of
// domain.RecordedEvent without the salt, and without hash and prevHash for
// an event recorded before salts.
type Event struct {
	ID         uuid.UUID       `json:"eventId"`
	Type       string          `json:"type"`
	Stream     string          `json:"stream"`
	Revision   uint64          `json:"revision"`
	Position   uint64          `json:"position"`
	RecordedAt time.Time       `json:"recordedAt"`
	OccurredAt time.Time       `json:"occurredAt"`
	Actor      domain.Actor    `json:"actor"`
	PrevHash   string          `json:"prevHash,omitempty"`
	Hash       string          `json:"hash,omitempty"`
	Data       json.RawMessage `json:"data"`
}

// View is the research side of the read models: it follows the global order
// (a projections.Model) to know every learner id, each learner's school and
// each school's sharing setting, and it makes every copy a researcher gets.
// It is safe for concurrent use.
type View struct {
	p *Pseudonymizer

	mu       sync.RWMutex
	schoolOf map[string]string // learner id → school id
	freeText map[string]bool   // school id → the latest includeFreeText
}

// NewView returns a View that pseudonymises with p, having applied nothing.
func NewView(p *Pseudonymizer) *View {
	return &View{p: p, schoolOf: make(map[string]string), freeText: make(map[string]bool)}
}

// Apply implements projections.Model. Only enrolments and sharing settings
// are decoded; every other event changes nothing.
func (v *View) Apply(e domain.RecordedEvent) error {
	if e.Type != domain.TypeLearnerEnrolled && e.Type != domain.TypeResearchSharingSet {
		return nil
	}
	ev, err := domain.DecodeEvent(e)
	if err != nil {
		return fmt.Errorf("research: %w", err)
	}
	return v.ApplyDecoded(e, ev)
}

// ApplyDecoded implements projections.DecodedModel. Returns an error for an
// enrolment or a setting in a stream of the wrong kind.
func (v *View) ApplyDecoded(e domain.RecordedEvent, ev domain.Event) error {
	category, id, _ := domain.ParseStream(e.Stream)
	switch ev := ev.(type) {
	case domain.LearnerEnrolled:
		if category != domain.LearnerCategory || id != ev.LearnerID {
			return fmt.Errorf("research: event %s enrolls %q in stream %s: %w", e.ID, ev.LearnerID, e.Stream, domain.ErrInvalid)
		}
		v.mu.Lock()
		v.schoolOf[ev.LearnerID] = ev.SchoolID
		v.mu.Unlock()
	case domain.ResearchSharingSet:
		if category != domain.SchoolCategory {
			return fmt.Errorf("research: event %s sets research sharing in stream %s: %w", e.ID, e.Stream, domain.ErrInvalid)
		}
		v.mu.Lock()
		v.freeText[id] = ev.IncludeFreeText
		v.mu.Unlock()
	}
	return nil
}

// Pseudonym is the pseudonym of a learner id.
func (v *View) Pseudonym(learnerID string) string { return v.p.Learner(learnerID) }

// SharesFreeText reports whether school's free text is in the research copy.
func (v *View) SharesFreeText(schoolID string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.freeText[schoolID]
}

// Copy returns the research copy of e, and keep false for an event that
// is left out (a profile update). Returns an error wrapping domain.ErrInvalid
// if e's data is not a JSON object.
func (v *View) Copy(e domain.RecordedEvent) (Event, bool, error) {
	if left(e.Type) {
		return Event{}, false, nil
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	c := copier{v: v}
	out := Event{
		ID: e.ID, Type: e.Type, Stream: e.Stream, Revision: e.Revision, Position: e.Position,
		RecordedAt: e.RecordedAt, OccurredAt: e.OccurredAt, Actor: e.Actor,
	}
	if category, id, ok := domain.ParseStream(e.Stream); ok && category == domain.LearnerCategory {
		c.self = id
		c.includeText = v.freeText[v.schoolOf[id]]
		out.Stream = domain.LearnerStream(v.p.Learner(id))
	} else if ok && category == domain.SchoolCategory {
		// A school's own events with free text (a practice review's)
		// follow the school's setting as its learners' do.
		c.includeText = v.freeText[id]
	}
	if e.Actor.Role == domain.RoleLearner {
		out.Actor.Name = v.p.Learner(e.Actor.Name)
	} else {
		out.Actor.Name = c.scrub(e.Actor.Name)
	}
	// A salted hash covers a secret the copy does not hold; an unsalted
	// one is recomputable from the copy, so it would name the stream.
	if e.Salt != "" {
		out.PrevHash, out.Hash = e.PrevHash, e.Hash
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return Event{}, false, fmt.Errorf("research copy of event %s: data: %v: %w", e.ID, err, domain.ErrInvalid)
	}
	obj, ok := data.(map[string]any)
	if !ok {
		return Event{}, false, fmt.Errorf("research copy of event %s: data is not a JSON object: %w", e.ID, domain.ErrInvalid)
	}
	raw, err := domain.EncodeJSON(c.object(obj, allowlist[e.Type]))
	if err != nil {
		return Event{}, false, fmt.Errorf("research copy of event %s: %w", e.ID, err)
	}
	out.Data = raw
	return out, true, nil
}

// Efficacy returns the research copy of a school's efficacy report: every
// learnerId (the wins') replaced by its pseudonym, and learner ids replaced
// in every other string, whatever field a later version adds. The figures
// are counts and rates over the school; no other member names a learner.
func (v *View) Efficacy(r efficacy.Report) (json.RawMessage, error) {
	return v.answer(r)
}

// answer is the research copy of any JSON answer: a member named learnerId,
// at any depth, becomes its pseudonym; every other string has its learner
// ids replaced.
func (v *View) answer(x any) (json.RawMessage, error) {
	raw, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("research copy: encode: %w", err)
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, fmt.Errorf("research copy: decode: %w", err)
	}
	v.mu.RLock()
	c := copier{v: v}
	data = c.walk(data)
	v.mu.RUnlock()
	out, err := domain.EncodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("research copy: %w", err)
	}
	return out, nil
}

// copier makes one copy under the View's read lock.
type copier struct {
	v *View
	// self is the learner whose stream the event is in, known even before
	// the View has applied the learner's enrolment.
	self        string
	includeText bool
}

// object keeps the members of m that rule names, each by its rule.
func (c copier) object(m map[string]any, rule fields) map[string]any {
	out := make(map[string]any, len(rule))
	for k, x := range m {
		f, ok := rule[k]
		if !ok {
			continue
		}
		if y, ok := c.value(x, f); ok {
			out[k] = y
		}
	}
	return out
}

// value applies f to x, and reports false if x is left out.
func (c copier) value(x any, f field) (any, bool) {
	switch x := x.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, el := range x {
			if y, ok := c.value(el, f); ok {
				out = append(out, y)
			}
		}
		return out, true
	case map[string]any:
		if f.of == nil {
			return nil, false // an object where the rule knows a scalar
		}
		return c.object(x, f.of), true
	}
	if f.of != nil {
		return nil, false // a scalar where the rule knows an object
	}
	s, isString := x.(string)
	switch f.kind {
	case shared:
		if isString {
			return c.scrub(s), true
		}
		return x, true
	case learner:
		if !isString {
			return nil, false
		}
		return c.v.p.Learner(s), true
	case named:
		if isString && c.known(s) {
			return c.v.p.Learner(s), true
		}
	}
	// Free text, or a name that is not a learner id.
	if !c.includeText {
		return nil, false
	}
	if isString {
		return c.scrub(s), true
	}
	return x, true
}

// walk is answer's pass over a decoded JSON value.
func (c copier) walk(x any) any {
	switch x := x.(type) {
	case map[string]any:
		for k, y := range x {
			if s, ok := y.(string); ok && k == "learnerId" {
				x[k] = c.v.p.Learner(s)
				continue
			}
			x[k] = c.walk(y)
		}
		return x
	case []any:
		for i, y := range x {
			x[i] = c.walk(y)
		}
		return x
	case string:
		return c.scrub(x)
	}
	return x
}

// known reports whether s is a learner id the View knows.
func (c copier) known(s string) bool {
	if s == "" {
		return false
	}
	if s == c.self {
		return true
	}
	_, ok := c.v.schoolOf[s]
	return ok
}

// replacement is what a token becomes: a learner id its pseudonym, a
// learner's stream name the pseudonym's stream.
func (c copier) replacement(tok string) (string, bool) {
	if c.known(tok) {
		return c.v.p.Learner(tok), true
	}
	if id, ok := strings.CutPrefix(tok, domain.LearnerCategory+"-"); ok && c.known(id) {
		return domain.LearnerStream(c.v.p.Learner(id)), true
	}
	return "", false
}

// scrub replaces every whole token of s that is a learner id (or a learner's
// stream name). A token is a longest run of the characters ids are made of
// ([A-Za-z0-9._-]); one that does not match is tried again without the
// dots, dashes and underscores at its ends, so "l-0003." at the end of a
// sentence is found.
func (c copier) scrub(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !idChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && idChar(s[j]) {
			j++
		}
		lo, hi := i, j
		repl, ok := c.replacement(s[lo:hi])
		if !ok {
			for lo < hi && edge(s[lo]) {
				lo++
			}
			for hi > lo && edge(s[hi-1]) {
				hi--
			}
			repl, ok = c.replacement(s[lo:hi])
		}
		if ok {
			b.WriteString(s[last:lo])
			b.WriteString(repl)
			last = hi
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func idChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

func edge(c byte) bool { return c == '.' || c == '_' || c == '-' }

// ErrNoView is returned by a caller that has no View to make the research
// copy with: no research answer is ever sent raw instead.
var ErrNoView = errors.New("research: no research view is configured")
