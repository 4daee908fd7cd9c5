package casefile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// Ledger is what an import writes through: the command service
// (*service.Service) satisfies it. Each call appends one event, or answers
// the event first appended for a command whose event id is stored already.
type Ledger interface {
	PublishStandard(ctx context.Context, c domain.PublishStandard) (domain.RecordedEvent, error)
	ReviseStandard(ctx context.Context, id string, c domain.ReviseStandard, ifMatch *uint64) (domain.RecordedEvent, error)
	RetireStandard(ctx context.Context, id string, c domain.RetireStandard, ifMatch *uint64) (domain.RecordedEvent, error)
}

// EventReader reads the global order; an import folds the standards'
// streams from it to see what the ledger holds.
type EventReader interface {
	ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error)
}

// Options tune an import. Actor is required.
type Options struct {
	// Actor records the events; an admin.
	Actor domain.Actor
	// DryRun reports what the import would do and writes nothing.
	DryRun bool
	// RetireMissing retires the standards imported earlier from the same
	// CASE document whose items the package no longer holds. Without it
	// they are only reported as missing.
	RetireMissing bool
	// Now is the clock commands are checked against. Default time.Now.
	Now func() time.Time
	// Concurrency bounds the commands in flight at once: each standard
	// has its own stream, and the embedded store commits appends that
	// arrive together in one transaction, so writing several at once
	// shares the cost of a sync. Default 16.
	Concurrency int
	// OnAppended, if set, is called after each command is recorded, from
	// the goroutine that recorded it.
	OnAppended func(domain.RecordedEvent)
}

// Count is one line of a report: how many standards, and which.
type Count struct {
	Count int      `json:"count"`
	IDs   []string `json:"ids"`
}

// Report says what an import did (or, in a dry run, would do), by standard
// id, each list sorted.
type Report struct {
	// Published are the standards new to the ledger.
	Published Count `json:"published"`
	// Revised are the standards whose statement or components changed.
	Revised Count `json:"revised"`
	// Unchanged are the standards the ledger holds as the package gives
	// them (a standard retired earlier counts here: it stays retired).
	Unchanged Count `json:"unchanged"`
	// Missing are the standards imported earlier from this CASE document
	// whose items the package no longer holds.
	Missing Count `json:"missing"`
	// Retired are the missing standards retired by this import
	// (RetireMissing).
	Retired Count `json:"retired"`
	// DryRun is true when nothing was written.
	DryRun bool `json:"dryRun"`
}

func (c *Count) add(id string) { c.IDs = append(c.IDs, id); c.Count++ }

func (r *Report) sort() {
	for _, c := range []*Count{&r.Published, &r.Revised, &r.Unchanged, &r.Missing, &r.Retired} {
		if c.IDs == nil {
			c.IDs = []string{}
		}
		sort.Strings(c.IDs)
	}
}

// ErrNotImported is wrapped by *ClashError.
var ErrNotImported = errors.New("standard exists but was not imported from this CASE item")

// ClashError refuses an import that would publish over standards the
// ledger holds from elsewhere: a standard of that id written by hand, or
// imported from another CASE item. It wraps ErrNotImported and
// domain.ErrConflict; nothing is written.
type ClashError struct {
	// Clashes names each standard id and what holds it.
	Clashes []Problem
}

func (e *ClashError) Error() string {
	parts := make([]string, len(e.Clashes))
	for i, c := range e.Clashes {
		parts[i] = c.Path + ": " + c.Message
	}
	return "the package would overwrite standards it did not import: " + strings.Join(parts, "; ")
}

// Is matches ErrNotImported and domain.ErrConflict (409).
func (e *ClashError) Is(target error) bool {
	return target == ErrNotImported || target == domain.ErrConflict
}

// step is one command an import decided to record.
type step struct {
	id    string
	kind  *Count
	write func(ctx context.Context) (domain.RecordedEvent, error)
}

// Import brings the ledger's standards in line with pkg: it publishes the
// standards new to the ledger, revises those whose statement or
// components changed, reports the ones imported earlier from the same
// CASE document that pkg no longer holds as missing, and retires them if
// opts.RetireMissing. Every command's event id is derived from the
// package, so an import run again appends nothing, and one run again after
// it stopped half way appends exactly what is missing.
//
// Every command is checked before the first is written: returns
// *InvalidPackageError (ErrInvalidPackage) for items that cannot become
// standards, *ClashError (domain.ErrConflict) for standard ids the ledger
// holds from elsewhere, a *domain.ValidationError for a command the
// ledger would refuse; nothing is written then. An error from the ledger
// part-way is returned with the report of what was recorded before it.
func Import(ctx context.Context, l Ledger, r EventReader, pkg *Package, opts Options) (Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	rep := Report{DryRun: opts.DryRun}
	mapped, err := Map(pkg)
	if err != nil {
		return rep, err
	}
	held, err := LoadStandards(ctx, r)
	if err != nil {
		return rep, err
	}
	now := opts.Now()
	doc := pkg.Document
	var (
		steps   []step
		clashes []Problem
		inPkg   = make(map[string]bool, len(mapped))
	)
	for _, m := range mapped {
		inPkg[m.StandardID] = true
		st := held[m.StandardID]
		switch {
		case st == nil || !st.Published():
			c := domain.PublishStandard{
				Meta:       domain.Meta{EventID: eventID("publish", doc.Identifier, m.Case.ItemIdentifier, m.Case.LastChangeDateTime), OccurredAt: occurred(m.Changed, now), Actor: opts.Actor},
				StandardID: m.StandardID, Framework: m.Framework, Code: m.Code, Title: m.Title,
				Statement: m.Statement, Components: m.Components, Scale: m.Scale, Case: caseRef(m.Case),
			}
			if err := c.Validate(now); err != nil {
				return rep, fmt.Errorf("%s (standard %s): %w", m.Path, m.StandardID, err)
			}
			steps = append(steps, step{id: m.StandardID, kind: &rep.Published, write: func(ctx context.Context) (domain.RecordedEvent, error) {
				return l.PublishStandard(ctx, c)
			}})
		case st.Case == nil || st.Case.ItemIdentifier != m.Case.ItemIdentifier:
			holder := "written without a CASE source"
			if st.Case != nil {
				holder = fmt.Sprintf("imported from CASE item %s of document %s", st.Case.ItemIdentifier, st.Case.DocumentIdentifier)
			}
			clashes = append(clashes, Problem{Path: m.Path, Message: fmt.Sprintf("maps to standard id %q, which the ledger holds %s", m.StandardID, holder)})
		case st.Retired || sameContent(st, m):
			rep.Unchanged.add(m.StandardID)
		default:
			id := eventID("revise", doc.Identifier, m.Case.ItemIdentifier, m.Case.LastChangeDateTime, contentDigest(m))
			c := domain.ReviseStandard{
				Meta:      domain.Meta{EventID: id, OccurredAt: occurred(m.Changed, now), Actor: opts.Actor},
				Statement: m.Statement, Components: m.Components, Case: caseRef(m.Case),
				Reason: "imported from CASE document " + doc.Identifier,
			}
			if err := c.Validate(now); err != nil {
				return rep, fmt.Errorf("%s (standard %s): %w", m.Path, m.StandardID, err)
			}
			sid := m.StandardID
			steps = append(steps, step{id: sid, kind: &rep.Revised, write: func(ctx context.Context) (domain.RecordedEvent, error) {
				return l.ReviseStandard(ctx, sid, c, nil)
			}})
		}
	}
	if clashes != nil {
		return rep, &ClashError{Clashes: clashes}
	}
	for _, id := range sortedIDs(held) {
		st := held[id]
		if inPkg[id] || st.Retired || st.Case == nil || st.Case.DocumentIdentifier != doc.Identifier {
			continue
		}
		rep.Missing.add(id)
		if !opts.RetireMissing {
			continue
		}
		c := domain.RetireStandard{
			Meta:   domain.Meta{EventID: eventID("retire", doc.Identifier, st.Case.ItemIdentifier, doc.LastChangeDateTime), Actor: opts.Actor},
			Reason: "no longer in CASE document " + doc.Identifier,
		}
		if err := c.Validate(now); err != nil {
			return rep, fmt.Errorf("retire standard %s: %w", id, err)
		}
		steps = append(steps, step{id: id, kind: &rep.Retired, write: func(ctx context.Context) (domain.RecordedEvent, error) {
			return l.RetireStandard(ctx, id, c, nil)
		}})
	}
	if opts.DryRun {
		for _, s := range steps {
			s.kind.add(s.id)
		}
		rep.sort()
		return rep, nil
	}
	err = run(ctx, steps, opts)
	rep.sort()
	return rep, err
}

// run records steps, up to opts.Concurrency at once, adding each to its
// line of the report once recorded. It stops at the first error and
// returns it, with the others that were in flight joined to it.
func run(ctx context.Context, steps []step, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan step)
	)
	workers := min(opts.Concurrency, len(steps))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				rec, err := s.write(ctx)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("standard %s: %w", s.id, err))
					cancel()
				} else {
					s.kind.add(s.id)
				}
				mu.Unlock()
				if err == nil && opts.OnAppended != nil {
					opts.OnAppended(rec)
				}
			}
		}()
	}
	handed := 0
feed:
	for _, s := range steps {
		select {
		case next <- s:
			handed++
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if handed < len(steps) {
		// Stopped by the caller's context before every step was handed
		// out: the import is incomplete, which the caller must hear.
		return fmt.Errorf("stopped after %d of %d commands: %w", handed, len(steps), context.Cause(ctx))
	}
	return nil
}

// LoadStandards folds every standard's stream from the global order, as
// the store holds it now (not a read model that may lag behind).
func LoadStandards(ctx context.Context, r EventReader) (map[string]*domain.StandardState, error) {
	const page = 1000
	out := make(map[string]*domain.StandardState)
	var after uint64
	for {
		evs, err := r.ReadAll(ctx, after, page)
		if err != nil {
			return nil, fmt.Errorf("read the standards: %w", err)
		}
		for _, e := range evs {
			after = e.Position
			cat, id, ok := domain.ParseStream(e.Stream)
			if !ok || cat != domain.StandardCategory {
				continue
			}
			st := out[id]
			if st == nil {
				st = &domain.StandardState{}
				out[id] = st
			}
			if err := st.Apply(e); err != nil {
				return nil, fmt.Errorf("fold standard %s: %w", id, err)
			}
		}
		if len(evs) < page {
			return out, nil
		}
	}
}

func sortedIDs(m map[string]*domain.StandardState) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// sameContent reports whether the standard's current revision says what
// the package says: the statement and the components, with their CASE
// sources. Framework, code, title and scale are not revisable, and are
// not compared.
func sameContent(st *domain.StandardState, m Mapped) bool {
	return st.Statement == m.Statement && slices.Equal(st.Components, m.Components)
}

// contentDigest identifies what a revision says, so that two different
// revisions of an item that share a lastChangeDateTime (a package edited
// without bumping it on the parent when only a child changed) get two
// event ids.
func contentDigest(m Mapped) string {
	b, _ := json.Marshal(struct { // strings and slices of them: cannot fail
		S string             `json:"s"`
		C []domain.Component `json:"c"`
	}{m.Statement, m.Components})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// importNamespace is the UUID namespace (RFC 9562 §5.5) of the event ids
// the CASE import derives: a version 5 UUID of the ledger's name for it.
func importNamespace() uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:mastery-ledger:import:case"))
}

// eventID derives a command's event id from what it does and where its
// content comes from: the action, the CASE document and item, and the
// item's lastChangeDateTime (and, for a revision, a digest of what it
// says). The parts are joined with a newline, which none of them holds
// in a valid package, so two different lists never give the same name.
func eventID(parts ...string) uuid.UUID {
	return uuid.NewSHA1(importNamespace(), []byte(strings.Join(parts, "\n")))
}

// occurred is when an item last changed, as its occurredAt, unless it
// lies in the future by the ledger's clock (then the ledger's now).
func occurred(changed, now time.Time) time.Time {
	if changed.IsZero() || changed.After(now) {
		return time.Time{}
	}
	return changed
}

func caseRef(r domain.CaseRef) *domain.CaseRef { return &r }
