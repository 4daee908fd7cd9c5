package xapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

func newStatementID(now time.Time) string { return service.TimeOrderedID(now).String() }

func parseEventID(id string) (uuid.UUID, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return uuid.Nil, badf("statement id %q is not a UUID", id)
	}
	return u, nil
}

// sameStatement reports whether a statement sent again is the one stored:
// the same content, leaving aside what the ledger sets (id, stored,
// authority, version) and a timestamp the ledger filled in.
func sameStatement(stored, sent obj) bool {
	a, b := make(obj, len(stored)), make(obj, len(sent))
	for k, v := range stored {
		a[k] = v
	}
	for k, v := range sent {
		b[k] = v
	}
	for _, k := range []string{"id", "stored", "authority", "version"} {
		delete(a, k)
		delete(b, k)
	}
	if _, ok := b["timestamp"]; !ok && a["timestamp"] == stored["stored"] {
		delete(a, "timestamp")
	}
	ea, err1 := domain.EncodeJSON(a)
	eb, err2 := domain.EncodeJSON(b)
	return err1 == nil && err2 == nil && string(ea) == string(eb)
}

// level is the rubric level a statement's result gives on scale under
// cuts, or ok false if the result says nothing of mastery (no scaled
// score, no success).
func level(stmt obj, scale domain.Scale, cuts []domain.CutScore) (int, bool) {
	res, _ := stmt["result"].(obj)
	if res == nil {
		return 0, false
	}
	if sc, ok := res["score"].(obj); ok {
		if n, ok := sc["scaled"].(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				if len(cuts) == 0 {
					cuts = domain.DefaultCutScores(scale)
				}
				return domain.LevelForScore(cuts, f)
			}
		}
	}
	if s, ok := res["success"].(bool); ok {
		return domain.LevelForSuccess(scale, s), true
	}
	return 0, false
}

// evidenceFor returns the evidence commands an aligned statement gives, one
// per component it is aligned to, with ids derived from statement and
// component.
func (rs *Resource) evidenceFor(school, statementID string, stmt obj, actor domain.Actor, occurred time.Time) []domain.RecordStatementEvidence {
	var out []domain.RecordStatementEvidence
	for _, t := range rs.cfg.Index.targets(school, alignIDs(stmt)) {
		lv, ok := level(stmt, rs.cfg.Index.scale(t.standardID), t.cuts)
		if !ok {
			continue
		}
		out = append(out, domain.RecordStatementEvidence{
			Meta:        domain.Meta{EventID: domain.StatementEvidenceID(statementID, t.standardID, t.componentID), OccurredAt: occurred, Actor: actor},
			StatementID: statementID, StandardID: t.standardID, ComponentID: t.componentID, Level: lv,
		})
	}
	return out
}

// derive records the evidence a stored statement gives learner (Realign).
// A refusal by the domain (a retired standard, a withdrawn learner) is
// logged and skipped: the statement stays stored either way.
func (rs *Resource) derive(ctx context.Context, school, learner, statementID string, stmt obj, actor domain.Actor, occurred time.Time) {
	for _, c := range rs.evidenceFor(school, statementID, stmt, actor, occurred) {
		if _, err := rs.cfg.Service.RecordStatementEvidence(ctx, learner, c); err != nil {
			rs.logRefusal("derive evidence", statementID, err)
		}
	}
}

// retract retracts, each by its own append, the current evidence derived
// from a voided statement: the evidence a voiding statement could not
// retract in its own append (another stream), or that a crash left.
func (rs *Resource) retract(ctx context.Context, voided string, voiding domain.RecordedEvent) {
	for _, d := range rs.cfg.Index.derivedOf(voided) {
		if d.retracted {
			continue
		}
		c := retraction(voided, voiding.ID.String(), d, voiding.Actor, voiding.OccurredAt)
		if _, err := rs.cfg.Service.RetractStatementEvidence(ctx, d.learnerID, c); err != nil {
			rs.logRefusal("retract evidence", voided, err)
		}
	}
}

// retraction is the command that retracts evidence d of statement voided,
// voided by statement voiding. Its id derives from the evidence's, so
// that retracting again writes nothing.
func retraction(voided, voiding string, d derived, actor domain.Actor, occurred time.Time) domain.RetractStatementEvidence {
	return domain.RetractStatementEvidence{
		Meta:       domain.Meta{EventID: domain.StatementRetractionID(d.evidenceID), OccurredAt: occurred, Actor: actor},
		EvidenceID: d.evidenceID, Reason: fmt.Sprintf("xAPI statement %s voided by %s", voided, voiding),
	}
}

func (rs *Resource) logRefusal(what, statementID string, err error) {
	var rule *domain.RuleError
	var reused *domain.EventIDConflictError
	if errors.As(err, &rule) || errors.As(err, &reused) || errors.Is(err, domain.ErrNotFound) {
		rs.cfg.Logger.Info("xapi: "+what+" refused", "statement", statementID, "err", err.Error())
		return
	}
	rs.cfg.Logger.Error("xapi: "+what, "statement", statementID, "err", err.Error())
}

// Realign derives, from the statements of school stored so far, the
// evidence that the school's alignments and agent links now give, and
// retracts what voided statements gave: after an alignment or a link is
// recorded (call it once the Index has applied that event). Evidence ids
// are derived from statement and component, so what was derived before is
// not derived again. Returns ctx's error if it ends first.
func (rs *Resource) Realign(ctx context.Context, school string) error {
	// A part at a time: the index is read under its lock, and a part's
	// copies are all this holds.
	const part = 1024
	for from := 0; ; from += part {
		entries := rs.cfg.Index.schoolEntries(school, from, part)
		if len(entries) == 0 {
			return nil
		}
		for i := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			rs.realign(ctx, school, &entries[i])
		}
	}
}

// realign derives what one statement of school should have given and has
// not, or retracts what it gave if it is voided. It reads the statement's
// keys, and decodes it only when evidence is missing.
func (rs *Resource) realign(ctx context.Context, school string, e *entry) {
	if e.voids() != "" {
		return
	}
	if e.voidedBy != "" {
		// A crash between a voiding statement and its retractions left
		// evidence current: retract it now.
		if v, ok := rs.cfg.Index.lookup(e.voidedBy); ok {
			id, _ := uuid.Parse(v.id)
			rs.retract(ctx, e.id, domain.RecordedEvent{ID: id, Actor: v.actor, OccurredAt: v.occurred})
		}
		return
	}
	learner := e.learner
	if learner == "" {
		learner = rs.cfg.Index.learnerOfKey(school, e.actorKey)
	}
	if learner == "" {
		return
	}
	targets := rs.cfg.Index.targets(school, e.alignIDs())
	if len(targets) == 0 {
		return
	}
	have := map[uuid.UUID]bool{}
	for _, d := range rs.cfg.Index.derivedOf(e.id) {
		have[d.evidenceID] = true
	}
	missing := false
	for _, t := range targets {
		if !have[domain.StatementEvidenceID(e.id, t.standardID, t.componentID)] {
			missing = true
		}
	}
	if !missing {
		return
	}
	stmt, err := e.statement()
	if err != nil {
		rs.cfg.Logger.Error("xapi: realign: decode statement", "statement", e.id, "err", err.Error())
		return
	}
	rs.derive(ctx, school, learner, e.id, stmt, e.actor, e.occurred)
}

// Repair derives, for every school, the evidence its statements give and
// the retractions its voided statements call for that are not in the log
// (Realign, school by school), once the Index has applied position upTo:
// what a crash between two appends left undone (a retraction in another
// stream than its voiding statement, evidence in another stream than its
// statement's). Derived ids are the same however often it runs, so what
// is there already is not written again. Run it when the ledger starts,
// with the log's last position then.
func (rs *Resource) Repair(ctx context.Context, upTo uint64) error {
	if err := rs.cfg.Projection.WaitFor(ctx, upTo); err != nil {
		return fmt.Errorf("xapi repair: wait for the index: %w", err)
	}
	for _, school := range rs.cfg.Index.statementSchools() {
		if err := rs.Realign(ctx, school); err != nil {
			return fmt.Errorf("xapi repair: school %s: %w", school, err)
		}
	}
	return nil
}
