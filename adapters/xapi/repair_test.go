package xapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/xapi"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
)

// countingService counts the appends the xAPI resource asks for.
type countingService struct {
	xapi.Service
	appends, retractions atomic.Int64
}

func (c *countingService) RecordStatementEvidence(ctx context.Context, learnerID string, cmd domain.RecordStatementEvidence) (domain.RecordedEvent, error) {
	c.appends.Add(1)
	return c.Service.RecordStatementEvidence(ctx, learnerID, cmd)
}

func (c *countingService) RetractStatementEvidence(ctx context.Context, learnerID string, cmd domain.RetractStatementEvidence) (domain.RecordedEvent, error) {
	c.appends.Add(1)
	c.retractions.Add(1)
	return c.Service.RetractStatementEvidence(ctx, learnerID, cmd)
}

func (c *countingService) RecordStatements(ctx context.Context, schoolID, learnerID string, writes []service.StatementWrite) ([]domain.RecordedEvent, error) {
	c.appends.Add(1)
	return c.Service.RecordStatements(ctx, schoolID, learnerID, writes)
}

func voidingOf(id string) map[string]any {
	return map[string]any{
		"actor":  map[string]any{"mbox": "mailto:teacher@example.org"},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"},
		"object": map[string]any{"objectType": "StatementRef", "id": id},
	}
}

// TestVoidingRetractsInOneAppend: a voiding statement whose target and
// evidence are in one learner's stream is stored with the retraction in
// one append, so no crash can leave one without the other.
func TestVoidingRetractsInOneAppend(t *testing.T) {
	var svc *countingService
	l := startLRSWith(t, func(s xapi.Service) xapi.Service { svc = &countingService{Service: s}; return svc })
	l.school()
	id := l.post(stmt(caseURI, scaled(0.8)))[0]
	before := svc.appends.Load()
	voiding := l.post(voidingOf(id))[0]
	if n := svc.appends.Load() - before; n != 1 || svc.retractions.Load() != 0 {
		t.Errorf("voiding took %d appends and %d separate retractions, want 1 and 0", n, svc.retractions.Load())
	}
	evs := l.events(domain.LearnerStream("l-0001"))
	last, prev := evs[len(evs)-1], evs[len(evs)-2]
	if prev.ID.String() != voiding || last.Type != "EvidenceRetracted" || last.Position != prev.Position+1 {
		t.Errorf("the learner's stream ends with %s %s, %s %s: want the voiding statement then its retraction", prev.Type, prev.ID, last.Type, last.ID)
	}
}

// restart builds, over l's store, what a restarted ledger builds: a new
// index fed the whole log and a resource over a new service, and runs
// its startup repair.
func restart(t *testing.T, l *lrs) {
	t.Helper()
	index := xapi.NewIndex()
	engine := projections.NewEngine(l.store, projections.Models{index}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("projection engine: %v", err)
		}
	}()
	res := xapi.New(xapi.Config{Service: service.New(l.store, nil), Index: index, Projection: engine})
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := res.Repair(wctx, l.lastPosition()); err != nil {
		t.Fatal(err)
	}
}

// crashAfterVoiding stores a voiding statement of target in stream through
// the store alone, as a crash after the voiding statement's append and
// before its retraction's would leave it.
func crashAfterVoiding(t *testing.T, l *lrs, stream, target string) string {
	t.Helper()
	id := uuid.New()
	raw, _ := json.Marshal(map[string]any{"id": id.String(), "actor": map[string]any{"mbox": "mailto:teacher@example.org"},
		"verb": map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"}, "object": map[string]any{"objectType": "StatementRef", "id": target},
		"stored": "2026-01-02T10:00:00.000Z", "timestamp": "2026-01-02T10:00:00.000Z", "version": "2.0.0"})
	data, err := domain.NewEventData(domain.Meta{EventID: id, Actor: domain.Actor{Role: domain.RoleTool, Name: "Quiz tool"}},
		domain.StatementRecorded{StatementID: id.String(), SchoolID: "north", Statement: raw, Voids: target})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.store.Append(context.Background(), stream, domain.Any{}, data); err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// TestRepairRetractsAfterACrash: a voiding statement stored without the
// retraction of its target's evidence (a crash between the two appends)
// is repaired when the ledger starts: the retraction appears once, however
// often the ledger starts.
func TestRepairRetractsAfterACrash(t *testing.T) {
	cases := []struct {
		name string
		// store returns the statement to void and the stream its
		// voiding statement goes to.
		store func(l *lrs) (target, stream string)
	}{
		{"statement in the learner's stream", func(l *lrs) (string, string) {
			return l.post(stmt(caseURI, scaled(0.8)))[0], domain.LearnerStream("l-0001")
		}},
		{"statement linked late, in the school's stream", func(l *lrs) (string, string) {
			s := stmt(caseURI, scaled(0.8))
			s["actor"] = map[string]any{"account": map[string]any{"homePage": "https://tool.example", "name": "kim"}}
			id := l.post(s)[0]
			l.admin("POST", "/v1/schools/north/learners", map[string]any{"learnerId": "l-0002", "cohort": "g6"}, http.StatusCreated)
			l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"agent": map[string]any{"accountHomePage": "https://tool.example", "accountName": "kim"},
				"learnerId": "l-0002"}, http.StatusCreated)
			return id, domain.SchoolStream("north")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := startLRS(t)
			l.school()
			target, stream := c.store(l)
			var learner string
			for _, lr := range []string{"l-0001", "l-0002"} {
				if ev := ofType[domain.EvidenceRecorded](l, domain.LearnerStream(lr)); len(ev) == 1 && ev[0].StatementID == target {
					learner = lr
				}
			}
			if learner == "" {
				t.Fatalf("statement %s gave no evidence", target)
			}
			crashAfterVoiding(t, l, stream, target)
			if n := len(ofType[domain.EvidenceRetracted](l, domain.LearnerStream(learner))); n != 0 {
				t.Fatalf("%d retractions before the restart", n)
			}
			restart(t, l)
			ret := ofType[domain.EvidenceRetracted](l, domain.LearnerStream(learner))
			if len(ret) != 1 || ret[0].EvidenceID != domain.StatementEvidenceID(target, "math-1", "c1") {
				t.Fatalf("retractions after the restart %+v, want the one of %s's evidence", ret, target)
			}
			pos := l.lastPosition()
			restart(t, l)
			if got := l.lastPosition(); got != pos {
				t.Errorf("a second restart wrote %d events, want none", got-pos)
			}
		})
	}
}
