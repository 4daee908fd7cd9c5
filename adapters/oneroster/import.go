package oneroster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// EventReader reads the ledger's log; every store is one.
type EventReader interface {
	ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error)
}

// Commands is the command service as the import uses it;
// *service.Service is one. Each call returns the event appended, or the
// stored one for an event id already recorded.
type Commands interface {
	RegisterSchool(ctx context.Context, c domain.RegisterSchool) (domain.RecordedEvent, error)
	EnrollLearner(ctx context.Context, schoolID string, c domain.EnrollLearner) (domain.RecordedEvent, error)
	WithdrawLearner(ctx context.Context, learnerID string, c domain.WithdrawLearner, ifMatch *uint64) (domain.RecordedEvent, error)
	UpdateProfile(ctx context.Context, learnerID string, c domain.UpdateProfile, ifMatch *uint64) (domain.RecordedEvent, error)
}

// Ledger is what the ledger holds of schools and learners, as the import
// compares the files with it.
type Ledger struct {
	Schools  map[string]bool
	Learners map[string]*Learner
	// Position is the last position scanned.
	Position uint64
}

// Learner is one learner as the ledger holds them.
type Learner struct {
	SchoolID, Cohort string
	Withdrawn        bool
	// Erased: their personal data was erased, and the import brings none
	// back.
	Erased bool
	// Enrollment is the id of their LearnerEnrolled.
	Enrollment uuid.UUID
	// Profiles holds the ids of their profile updates; LastProfile is the
	// latest, sealed as stored.
	Profiles    map[uuid.UUID]bool
	LastProfile *domain.RecordedEvent
}

// Scan reads the whole log for the schools and the learners. It decodes
// only the few event types it needs.
func Scan(ctx context.Context, r EventReader) (*Ledger, error) {
	l := &Ledger{Schools: map[string]bool{}, Learners: map[string]*Learner{}}
	for {
		page, err := r.ReadAll(ctx, l.Position, 10_000)
		if err != nil {
			return nil, fmt.Errorf("scan the log: %w", err)
		}
		if len(page) == 0 {
			return l, nil
		}
		for i := range page {
			if err := l.apply(&page[i]); err != nil {
				return nil, err
			}
		}
		l.Position = page[len(page)-1].Position
	}
}

func (l *Ledger) apply(e *domain.RecordedEvent) error {
	learner := func() *Learner {
		id := strings.TrimPrefix(e.Stream, domain.LearnerStream(""))
		if l.Learners[id] == nil {
			l.Learners[id] = &Learner{Profiles: map[uuid.UUID]bool{}}
		}
		return l.Learners[id]
	}
	switch e.Type {
	case domain.TypeSchoolRegistered:
		ev, err := domain.DecodeEvent(*e)
		if err != nil {
			return err
		}
		l.Schools[ev.(domain.SchoolRegistered).SchoolID] = true
	case domain.TypeLearnerEnrolled:
		ev, err := domain.DecodeEvent(*e)
		if err != nil {
			return err
		}
		en := ev.(domain.LearnerEnrolled)
		ln := learner()
		ln.SchoolID, ln.Cohort, ln.Enrollment = en.SchoolID, en.Cohort, e.ID
	case domain.TypeLearnerWithdrawn:
		learner().Withdrawn = true
	case domain.TypeLearnerPersonalDataErased:
		learner().Erased = true
	case domain.TypeLearnerProfileUpdated:
		ln := learner()
		ln.Profiles[e.ID] = true
		last := *e
		ln.LastProfile = &last
	}
	return nil
}

// Options tune an import.
type Options struct {
	// DryRun reports what the import would do and writes nothing.
	DryRun bool
	// WithdrawMissing withdraws the learners the files no longer list.
	WithdrawMissing bool
	// Profiles writes each learner's name into their sealed profile.
	Profiles bool
	// Actor records the commands; an admin.
	Actor domain.Actor
	// OpenProfile opens a stored profile, so that an update keeps what the
	// files do not hold (interests, goals). Nil: a learner's profile is
	// replaced by the name alone.
	OpenProfile func(ctx context.Context, e domain.RecordedEvent) (domain.Profile, error)
	// Workers bounds the commands in flight at once. The store commits the
	// appends in flight together, so a few dozen make an import of
	// thousands fast. Default 32.
	Workers int
}

// IDs is one list of a Report.
type IDs struct {
	Count int      `json:"count"`
	IDs   []string `json:"ids"`
}

func (l *IDs) add(id string) { l.IDs = append(l.IDs, id); l.Count++ }

// Report is what an import did (or, in a dry run, would do). Its first
// five lists are DOMAIN.md's; the rest say what those cannot.
type Report struct {
	DryRun bool `json:"dryRun"`
	// Registered and Enrolled are the schools and learners new to the
	// ledger.
	Registered IDs `json:"registered"`
	Enrolled   IDs `json:"enrolled"`
	// Unchanged are the learners enrolled already at the same school in
	// the same cohort.
	Unchanged IDs `json:"unchanged"`
	// Missing are the enrolled learners of the files' schools that a bulk
	// file no longer lists, or that a file marks tobedeleted.
	Missing IDs `json:"missing"`
	// Withdrawn are the missing learners withdrawn (WithdrawMissing).
	Withdrawn IDs `json:"withdrawn"`
	// SchoolsUnchanged are the files' schools registered already.
	SchoolsUnchanged IDs `json:"schoolsUnchanged"`
	// Changed are learners the files place at another school or in another
	// cohort than the ledger, or list though they are withdrawn. The
	// ledger records no transfer, cohort change or re-enrolment, so the
	// import writes nothing for them: a person decides.
	Changed IDs `json:"changed"`
	// Profiles are the learners whose profile was written (Profiles).
	Profiles IDs `json:"profiles"`
	// LastPosition is the position of the last event written, 0 if none.
	LastPosition uint64 `json:"-"`
}

func (r *Report) sort() {
	for _, l := range []*IDs{&r.Registered, &r.Enrolled, &r.Unchanged, &r.Missing, &r.Withdrawn, &r.SchoolsUnchanged, &r.Changed, &r.Profiles} {
		if l.IDs == nil {
			l.IDs = []string{}
		}
		slices.Sort(l.IDs)
	}
}

// namespace is the UUID namespace of the import's event ids.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:mastery-ledger:import:oneroster"))

// eventID is the id of the event a row makes: the same row, imported
// again, makes the same id. The fields are joined with NUL, which no CSV
// value of an id holds.
func eventID(kind string, fields ...string) uuid.UUID {
	return uuid.NewSHA1(namespace, []byte(kind+"\x00"+strings.Join(fields, "\x00")))
}

// withdrawReason says why, without naming anyone.
const withdrawReason = "no longer in the school information system's roster (OneRoster import)"

// Import writes what rs adds to led through cmds, and reports it. It
// writes nothing if rs and the options hold a fault, and nothing at all
// in a dry run. On an error part way (the store failed, ctx ended) the
// report holds what was written; running the import again writes the
// rest.
//
// Returns a *FileError (ErrBadRoster) for a learner's name too long for a
// profile, and the command service's errors wrapped.
func Import(ctx context.Context, rs *Roster, led *Ledger, cmds Commands, opts Options) (Report, error) {
	if opts.Workers <= 0 {
		opts.Workers = 32
	}
	rep := Report{DryRun: opts.DryRun}
	p, err := plan(ctx, rs, led, opts, &rep)
	if err != nil {
		rep.sort()
		return rep, err
	}
	if opts.DryRun {
		rep.Registered.IDs, rep.Registered.Count = ids(p.schools, func(c domain.RegisterSchool) string { return c.SchoolID })
		rep.Enrolled.IDs, rep.Enrolled.Count = ids(p.enrolls, func(c enroll) string { return c.LearnerID })
		rep.Profiles.IDs, rep.Profiles.Count = ids(p.profiles, func(c profile) string { return c.learner })
		rep.Withdrawn.IDs, rep.Withdrawn.Count = ids(p.withdrawals, func(c withdrawal) string { return c.learner })
		rep.sort()
		return rep, nil
	}
	var mu sync.Mutex
	done := func(list *IDs, id string, rec domain.RecordedEvent) {
		mu.Lock()
		defer mu.Unlock()
		list.add(id)
		rep.LastPosition = max(rep.LastPosition, rec.Position)
	}
	// Schools first: the enrolments need them.
	err = each(ctx, opts.Workers, p.schools, func(ctx context.Context, c domain.RegisterSchool) error {
		rec, err := cmds.RegisterSchool(ctx, c)
		if err != nil {
			return fmt.Errorf("register school %q: %w", c.SchoolID, err)
		}
		done(&rep.Registered, c.SchoolID, rec)
		return nil
	})
	if err == nil {
		err = each(ctx, opts.Workers, p.enrolls, func(ctx context.Context, c enroll) error {
			rec, err := cmds.EnrollLearner(ctx, c.school, c.EnrollLearner)
			if err != nil {
				return fmt.Errorf("enroll learner %q at school %q: %w", c.LearnerID, c.school, err)
			}
			done(&rep.Enrolled, c.LearnerID, rec)
			return nil
		})
	}
	if err == nil {
		err = each(ctx, opts.Workers, p.profiles, func(ctx context.Context, c profile) error {
			rec, err := cmds.UpdateProfile(ctx, c.learner, c.UpdateProfile, nil)
			if err != nil {
				return fmt.Errorf("update the profile of learner %q: %w", c.learner, err)
			}
			done(&rep.Profiles, c.learner, rec)
			return nil
		})
	}
	if err == nil {
		err = each(ctx, opts.Workers, p.withdrawals, func(ctx context.Context, c withdrawal) error {
			rec, err := cmds.WithdrawLearner(ctx, c.learner, c.WithdrawLearner, nil)
			if err != nil {
				return fmt.Errorf("withdraw learner %q: %w", c.learner, err)
			}
			done(&rep.Withdrawn, c.learner, rec)
			return nil
		})
	}
	rep.sort()
	return rep, err
}

func ids[T any](cs []T, id func(T) string) ([]string, int) {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, id(c))
	}
	return out, len(out)
}

type enroll struct {
	domain.EnrollLearner
	school string
}

type profile struct {
	domain.UpdateProfile
	learner string
}

type withdrawal struct {
	domain.WithdrawLearner
	learner string
}

// importPlan is every command an import writes.
type importPlan struct {
	schools     []domain.RegisterSchool
	enrolls     []enroll
	profiles    []profile
	withdrawals []withdrawal
}

// plan compares rs with led and lists the commands, filling the report's
// lists that need no write.
func plan(ctx context.Context, rs *Roster, led *Ledger, opts Options, rep *Report) (importPlan, error) {
	var p importPlan
	meta := func(id uuid.UUID) domain.Meta { return domain.Meta{EventID: id, Actor: opts.Actor} }
	covered := map[string]bool{}
	for _, s := range rs.Schools {
		covered[s.ID] = true
		if led.Schools[s.ID] {
			rep.SchoolsUnchanged.add(s.ID)
			continue
		}
		p.schools = append(p.schools, domain.RegisterSchool{Meta: meta(eventID("school", s.ID, s.DateLastModified, s.Name)), SchoolID: s.ID, Name: s.Name})
	}
	listed := make(map[string]bool, len(rs.Students))
	for _, s := range rs.Students {
		listed[s.ID] = true
		l := led.Learners[s.ID]
		switch {
		case l == nil || l.Enrollment == uuid.Nil:
			p.enrolls = append(p.enrolls, enroll{school: s.SchoolID, EnrollLearner: domain.EnrollLearner{
				Meta: meta(eventID("enroll", s.ID, s.DateLastModified, s.SchoolID, s.Cohort)), LearnerID: s.ID, Cohort: s.Cohort}})
		case l.Withdrawn || l.SchoolID != s.SchoolID || l.Cohort != s.Cohort:
			rep.Changed.add(s.ID)
			continue
		default:
			rep.Unchanged.add(s.ID)
		}
		if !opts.Profiles {
			continue
		}
		pr, ok, err := profileFor(ctx, s, l, opts)
		if err != nil {
			return p, err
		}
		if ok {
			pr.Meta = meta(eventID("profile", s.ID, s.DateLastModified, s.DisplayName()))
			if l != nil && l.Profiles[pr.EventID] {
				continue // written by an earlier run of the same row
			}
			p.profiles = append(p.profiles, profile{learner: s.ID, UpdateProfile: pr})
		}
	}
	removed := make(map[string]bool, len(rs.Removed))
	for _, id := range rs.Removed {
		removed[id] = true
	}
	for id, l := range led.Learners {
		if l.Enrollment == uuid.Nil || l.Withdrawn {
			continue
		}
		gone := removed[id] || (rs.Bulk && covered[l.SchoolID] && !listed[id])
		if !gone {
			continue
		}
		rep.Missing.add(id)
		if opts.WithdrawMissing {
			p.withdrawals = append(p.withdrawals, withdrawal{learner: id, WithdrawLearner: domain.WithdrawLearner{
				Meta: meta(eventID("withdraw", id, l.Enrollment.String())), Reason: withdrawReason}})
		}
	}
	return p, nil
}

// profileFor is the profile the import writes for s, keeping what the
// stored one holds besides the name; ok is false when there is nothing to
// write: no name, the same name, or a learner whose data was erased or
// who is withdrawn.
func profileFor(ctx context.Context, s Student, l *Learner, opts Options) (domain.UpdateProfile, bool, error) {
	name := s.DisplayName()
	if name == "" {
		return domain.UpdateProfile{}, false, nil
	}
	if utf8.RuneCountInString(name) > domain.MaxNameLen {
		return domain.UpdateProfile{}, false, &FileError{File: usersFile, Line: s.Line, Column: s.nameCol, Name: "givenName",
			Message: fmt.Sprintf("student %q: the name is over %d characters", s.ID, domain.MaxNameLen)}
	}
	var cur domain.Profile
	if l != nil {
		if l.Erased || l.Withdrawn {
			return domain.UpdateProfile{}, false, nil
		}
		if l.LastProfile != nil && opts.OpenProfile != nil {
			var err error
			cur, err = opts.OpenProfile(ctx, *l.LastProfile)
			var rule *domain.RuleError
			if errors.As(err, &rule) && rule.Rule == domain.RulePersonalDataErased {
				return domain.UpdateProfile{}, false, nil
			}
			if err != nil {
				return domain.UpdateProfile{}, false, fmt.Errorf("open the profile of learner %q: %w", s.ID, err)
			}
			if cur.DisplayName == name {
				return domain.UpdateProfile{}, false, nil
			}
		}
	}
	cur.DisplayName = name
	return domain.UpdateProfile{Profile: cur}, true, nil
}

// each runs do on every item, at most workers at once, and returns the
// first error; after it, or once ctx ends, no new item starts.
func each[T any](ctx context.Context, workers int, items []T, do func(context.Context, T) error) error {
	if len(items) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, it := range items {
		select {
		case <-ctx.Done():
		case sem <- struct{}{}:
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				if ctx.Err() != nil {
					return
				}
				if err := do(ctx, it); err != nil {
					cancel(err)
				}
			}()
			continue
		}
		break
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
