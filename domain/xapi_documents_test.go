package domain

import (
	"errors"
	"testing"
	"time"
)

func TestXAPIDocumentDecisions(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	tool := Meta{Actor: Actor{Role: RoleTool, Name: "Quiz tool"}}
	school := &SchoolState{ID: "north", Name: "North"}
	learner := &LearnerState{ID: "l-0001", SchoolID: "north"}
	withdrawn := &LearnerState{ID: "l-0002", SchoolID: "north", Withdrawn: true}
	state := XAPIDocumentKeys{SchoolID: "north", Kind: XAPIDocumentState, ActivityID: "https://tool.example/a", Agent: "mbox:mailto:sam@example.org", DocumentID: "s"}
	with := func(f func(*XAPIDocumentKeys)) XAPIDocumentKeys { k := state; f(&k); return k }
	for _, c := range []struct {
		name     string
		meta     Meta
		keys     XAPIDocumentKeys
		learner  *LearnerState
		wantErr  error
		wantRule string
	}{
		{name: "state in the school's stream", meta: tool, keys: state},
		{name: "state in the learner's stream", meta: tool, keys: state, learner: learner},
		{name: "activity profile", meta: tool, keys: XAPIDocumentKeys{SchoolID: "north", Kind: XAPIDocumentActivityProfile, ActivityID: "https://tool.example/a", DocumentID: "p"}},
		{name: "agent profile", meta: tool, keys: XAPIDocumentKeys{SchoolID: "north", Kind: XAPIDocumentAgentProfile, Agent: "mbox:mailto:sam@example.org", DocumentID: "p"}},
		{name: "an unknown kind", meta: tool, keys: with(func(k *XAPIDocumentKeys) { k.Kind = "statement" }), wantErr: ErrInvalid},
		{name: "state without an agent", meta: tool, keys: with(func(k *XAPIDocumentKeys) { k.Agent = "" }), wantErr: ErrInvalid},
		{name: "activity profile with an agent", meta: tool, keys: with(func(k *XAPIDocumentKeys) { k.Kind = XAPIDocumentActivityProfile }), wantErr: ErrInvalid},
		{name: "a registration that is no UUID", meta: tool, keys: with(func(k *XAPIDocumentKeys) { k.Registration = "r1" }), wantErr: ErrInvalid},
		{name: "no profile id", meta: tool, keys: XAPIDocumentKeys{SchoolID: "north", Kind: XAPIDocumentAgentProfile, Agent: "mbox:mailto:sam@example.org"}, wantErr: ErrInvalid},
		{name: "a teacher", meta: Meta{Actor: Actor{Role: RoleTeacher, Name: "Ms Rivera"}}, keys: state, wantRule: RuleRoleNotPermitted},
		{name: "another school", meta: tool, keys: with(func(k *XAPIDocumentKeys) { k.SchoolID = "south" }), wantErr: ErrNotFound},
		{name: "another school's learner", meta: tool, keys: with(func(k *XAPIDocumentKeys) { k.SchoolID = "south" }), learner: learner, wantErr: ErrNotFound},
		{name: "a withdrawn learner", meta: tool, keys: state, learner: withdrawn, wantRule: RuleLearnerWithdrawn},
	} {
		t.Run(c.name, func(t *testing.T) {
			put := RecordXAPIDocument{Meta: c.meta, XAPIDocumentKeys: c.keys, ContentType: "application/json", Content: []byte(`{}`)}
			del := DeleteXAPIDocuments{Meta: c.meta, XAPIDocumentKeys: c.keys}
			var errPut, errDel error
			var ev XAPIDocumentPut
			if c.learner != nil {
				ev, errPut = put.DecideForLearner(c.learner, now)
				_, errDel = del.DecideForLearner(c.learner, now)
			} else {
				ev, errPut = put.DecideForSchool(school, now)
				_, errDel = del.DecideForSchool(school, now)
			}
			for _, err := range []error{errPut, errDel} {
				var rule *RuleError
				switch {
				case c.wantErr != nil && !errors.Is(err, c.wantErr):
					t.Errorf("error %v, want %v", err, c.wantErr)
				case c.wantRule != "" && (!errors.As(err, &rule) || rule.Rule != c.wantRule):
					t.Errorf("error %v, want the rule %s", err, c.wantRule)
				case c.wantErr == nil && c.wantRule == "" && err != nil:
					t.Errorf("refused: %v", err)
				}
			}
			if errPut == nil && (ev.DocumentID != c.keys.DocumentID || ev.Kind != c.keys.Kind || string(ev.Content) != "{}") {
				t.Errorf("event %+v", ev)
			}
		})
	}
	// Only a delete of state may leave the id out: every document of the set.
	noID := with(func(k *XAPIDocumentKeys) { k.DocumentID = "" })
	if _, err := (RecordXAPIDocument{Meta: tool, XAPIDocumentKeys: noID, ContentType: "text/plain"}).DecideForSchool(school, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("a write without stateId: %v, want ErrInvalid", err)
	}
	all := DeleteXAPIDocuments{Meta: tool, XAPIDocumentKeys: noID}
	if _, err := all.DecideForSchool(school, now); err != nil {
		t.Errorf("delete of every state document: %v", err)
	}
	all.Kind, all.Agent = XAPIDocumentActivityProfile, ""
	if _, err := all.DecideForSchool(school, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("delete of every activity profile: %v, want ErrInvalid", err)
	}
}
