package oneroster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

var importer = domain.Actor{Role: domain.RoleAdmin, Name: "OneRoster import"}

// ledger is an embedded store with the served ledger's seal.
type ledger struct {
	store  *sqlite.Store
	svc    *service.Service
	sealer *keystore.Sealer
}

func newLedger(t testing.TB) *ledger {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ks, err := keystore.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	sealer := keystore.NewSealer(ks)
	return &ledger{store: store, sealer: sealer, svc: service.New(store, &service.Options{Seal: sealer.Seal})}
}

func (l *ledger) opts(o Options) Options {
	o.Actor = importer
	o.OpenProfile = l.sealer.Open
	return o
}

// run reads s and imports it.
func (l *ledger) run(t testing.TB, ctx context.Context, s set, o Options) (Report, error) {
	t.Helper()
	rs, err := Read(s.fs())
	if err != nil {
		t.Fatal(err)
	}
	led, err := Scan(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	return Import(ctx, rs, led, l.svc, l.opts(o))
}

func (l *ledger) mustRun(t testing.TB, s set, o Options) Report {
	t.Helper()
	rep, err := l.run(t, context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (l *ledger) events(t testing.TB) []domain.RecordedEvent {
	t.Helper()
	evs, err := l.store.ReadAll(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func list(ids ...string) IDs {
	if ids == nil {
		ids = []string{}
	}
	return IDs{Count: len(ids), IDs: ids}
}

func TestImport(t *testing.T) {
	for name, s := range map[string]set{"1.2": v12, "1.1": v11} {
		t.Run(name, func(t *testing.T) {
			l := newLedger(t)
			rep := l.mustRun(t, s, Options{})
			want := Report{Registered: list("north", "south"), Enrolled: list("l-0001", "l-0002", "l-0003"), Unchanged: list(), Missing: list(),
				Withdrawn: list(), SchoolsUnchanged: list(), Changed: list(), Profiles: list()}
			want.LastPosition = 5
			if !reflect.DeepEqual(rep, want) {
				t.Errorf("got  %+v\nwant %+v", rep, want)
			}
			evs := l.events(t)
			var got []string
			for _, e := range evs {
				got = append(got, e.Type+" "+e.Stream+" "+string(e.Data))
			}
			wantEvents := []string{
				`SchoolRegistered school-north {"schoolId":"north","name":"North Middle School"}`,
				`SchoolRegistered school-south {"schoolId":"south","name":"South School"}`,
				`LearnerEnrolled learner-l-0001 {"learnerId":"l-0001","schoolId":"north","cohort":"grade-6"}`,
				`LearnerEnrolled learner-l-0002 {"learnerId":"l-0002","schoolId":"north","cohort":"grade-7"}`,
				`LearnerEnrolled learner-l-0003 {"learnerId":"l-0003","schoolId":"south","cohort":"unassigned"}`,
			}
			// Enrolments are appended concurrently: compare as sets.
			if !sameSet(got, wantEvents) {
				t.Errorf("events:\n%s", strings.Join(got, "\n"))
			}
			for _, e := range evs {
				if e.Actor != importer {
					t.Errorf("%s: actor %+v", e.Type, e.Actor)
				}
			}

			again := l.mustRun(t, s, Options{Profiles: true, WithdrawMissing: true})
			if n := len(l.events(t)); n != 5+3 {
				t.Errorf("%d events after the second run with profiles, want 8", n)
			}
			if again.Unchanged.Count != 3 || again.SchoolsUnchanged.Count != 2 || again.Enrolled.Count != 0 || again.Profiles.Count != 3 || again.Missing.Count != 0 {
				t.Errorf("second run: %+v", again)
			}
			third := l.mustRun(t, s, Options{Profiles: true, WithdrawMissing: true})
			if n := len(l.events(t)); n != 8 || third.Profiles.Count != 0 || third.Unchanged.Count != 3 {
				t.Errorf("the third run appended: %d events, %+v", n, third)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		if m[s]--; m[s] < 0 {
			return false
		}
	}
	return true
}

// A later bulk file without a learner, or marking one tobedeleted, reports
// them missing; --withdraw-missing withdraws them once.
func TestMissing(t *testing.T) {
	l := newLedger(t)
	l.mustRun(t, v11, Options{})
	// A learner of another school, enrolled by hand, is not the file's to
	// judge.
	if _, err := l.svc.RegisterSchool(context.Background(), domain.RegisterSchool{Meta: domain.Meta{Actor: importer}, SchoolID: "east", Name: "East"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.svc.EnrollLearner(context.Background(), "east", domain.EnrollLearner{Meta: domain.Meta{Actor: importer}, LearnerID: "e-1", Cohort: "grade-6"}); err != nil {
		t.Fatal(err)
	}
	later := v11.with("users.csv", v11["users.csv"][0], v11["users.csv"][1], strings.Replace(v11["users.csv"][2], "l-0002,active,", "l-0002,tobedeleted,", 1))
	before := len(l.events(t))
	rep := l.mustRun(t, later, Options{})
	if !reflect.DeepEqual(rep.Missing, list("l-0002", "l-0003")) || rep.Withdrawn.Count != 0 || len(l.events(t)) != before {
		t.Errorf("report %+v", rep)
	}
	dry := l.mustRun(t, later, Options{WithdrawMissing: true, DryRun: true})
	if !dry.DryRun || !reflect.DeepEqual(dry.Withdrawn, list("l-0002", "l-0003")) || len(l.events(t)) != before {
		t.Errorf("dry run %+v", dry)
	}
	rep = l.mustRun(t, later, Options{WithdrawMissing: true})
	if !reflect.DeepEqual(rep.Withdrawn, list("l-0002", "l-0003")) || len(l.events(t)) != before+2 {
		t.Errorf("report %+v", rep)
	}
	rep = l.mustRun(t, later, Options{WithdrawMissing: true})
	if rep.Missing.Count != 0 || rep.Withdrawn.Count != 0 || len(l.events(t)) != before+2 {
		t.Errorf("again: %+v", rep)
	}
	// The withdrawn learner back in a file, and a learner moved: the
	// ledger has no event for either; the report says so.
	moved := v11.with("users.csv", v11["users.csv"][0], v11["users.csv"][1], v11["users.csv"][2], strings.Replace(v11["users.csv"][1], "l-0001,", "e-1,", 1))
	rep = l.mustRun(t, moved, Options{})
	if !reflect.DeepEqual(rep.Changed, list("e-1", "l-0002")) || !reflect.DeepEqual(rep.Unchanged, list("l-0001")) || len(l.events(t)) != before+2 {
		t.Errorf("moved: %+v", rep)
	}
}

// A delta file lists changes only: a learner it leaves out is not missing.
func TestDelta(t *testing.T) {
	l := newLedger(t)
	l.mustRun(t, v12, Options{})
	delta := v12.with("manifest.csv", manifest12("delta")...).
		with("users.csv", v12["users.csv"][0], strings.Replace(v12["users.csv"][2], "l-0002,,", "l-0002,tobedeleted,", 1)).
		with("roles.csv", v12["roles.csv"][0])
	rep := l.mustRun(t, delta, Options{})
	if !reflect.DeepEqual(rep.Missing, list("l-0002")) {
		t.Errorf("%+v", rep)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	l := newLedger(t)
	rep := l.mustRun(t, v12, Options{DryRun: true, Profiles: true})
	if n := len(l.events(t)); n != 0 {
		t.Fatalf("a dry run appended %d events", n)
	}
	if !rep.DryRun || rep.Registered.Count != 2 || rep.Enrolled.Count != 3 || rep.Profiles.Count != 3 {
		t.Errorf("%+v", rep)
	}
	real := l.mustRun(t, v12, Options{Profiles: true})
	real.DryRun, real.LastPosition = true, 0
	if !reflect.DeepEqual(rep, real) {
		t.Errorf("the dry run said\n%+v\nthe import did\n%+v", rep, real)
	}
}

// countingCommands stops the import (cancels its context) after n
// successful commands, as a crash would.
type countingCommands struct {
	Commands
	n      int64
	done   atomic.Int64
	cancel context.CancelFunc
}

func (c *countingCommands) count(rec domain.RecordedEvent, err error) (domain.RecordedEvent, error) {
	if err == nil && c.done.Add(1) == c.n {
		c.cancel()
	}
	return rec, err
}

func (c *countingCommands) RegisterSchool(ctx context.Context, cmd domain.RegisterSchool) (domain.RecordedEvent, error) {
	return c.count(c.Commands.RegisterSchool(ctx, cmd))
}

func (c *countingCommands) EnrollLearner(ctx context.Context, school string, cmd domain.EnrollLearner) (domain.RecordedEvent, error) {
	return c.count(c.Commands.EnrollLearner(ctx, school, cmd))
}

func (c *countingCommands) UpdateProfile(ctx context.Context, id string, cmd domain.UpdateProfile, m *uint64) (domain.RecordedEvent, error) {
	return c.count(c.Commands.UpdateProfile(ctx, id, cmd, m))
}

// An import stopped after n appends, run again, appends exactly what is
// missing: the same events, by id, as one run that was never stopped.
func TestCrashAndRerun(t *testing.T) {
	roster := bigSet(60)
	full := newLedger(t)
	full.mustRun(t, roster, Options{Profiles: true})
	want := map[string]string{}
	for _, e := range full.events(t) {
		want[e.ID.String()] = e.Type + " " + e.Stream
	}
	for _, n := range []int64{1, 2, 3, 30, 62, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			l := newLedger(t)
			rs, err := Read(roster.fs())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			led, err := Scan(ctx, l.store)
			if err != nil {
				t.Fatal(err)
			}
			cmds := &countingCommands{Commands: l.svc, n: n, cancel: cancel}
			if _, err := Import(ctx, rs, led, cmds, l.opts(Options{Profiles: true, Workers: 4})); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want the cancellation", err)
			}
			stopped := len(l.events(t))
			if stopped < int(n) || stopped >= len(want) {
				t.Fatalf("%d events after stopping at %d", stopped, n)
			}
			rep := l.mustRun(t, roster, Options{Profiles: true})
			got := map[string]string{}
			for _, e := range l.events(t) {
				got[e.ID.String()] = e.Type + " " + e.Stream
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("after the re-run: %d events, want %d", len(got), len(want))
			}
			if rep.Enrolled.Count+rep.Unchanged.Count != 60 {
				t.Errorf("re-run: %+v", rep)
			}
		})
	}
}

// bigSet is a 1.2 bulk set of n students at one school.
func bigSet(n int) set {
	s := set{
		"manifest.csv": manifest12("bulk"),
		"orgs.csv":     {"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId", "s1,,,School One,school,,"},
		"users.csv":    {"sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,email,grades"},
		"roles.csv":    {"sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId"},
	}
	for i := range n {
		id := fmt.Sprintf("stu-%05d", i)
		s["users.csv"] = append(s["users.csv"], fmt.Sprintf("%s,,,true,u%d,Given%05dx,Family%05dy,mail%05d@example.org,%02d", id, i, i, i, i, 1+i%12))
		s["roles.csv"] = append(s["roles.csv"], fmt.Sprintf("r%d,,,%s,primary,student,s1", i, id))
	}
	return s
}

// No name or e-mail address of the files reaches an event's data in plain
// text: profiles are sealed.
func TestPrivacy(t *testing.T) {
	l := newLedger(t)
	l.mustRun(t, v12, Options{Profiles: true})
	l.mustRun(t, v11, Options{Profiles: true})
	personal := personalValues(v12, v11)
	for _, e := range l.events(t) {
		for _, v := range personal {
			if bytes.Contains(e.Data, []byte(v)) || strings.Contains(e.Actor.Name, v) {
				t.Errorf("%s %s holds %q", e.Type, e.Stream, v)
			}
		}
	}
	// The profiles are there for those with the key: the 1.2 file's
	// preferred name, then the 1.1 file's legal one.
	var names []string
	for _, e := range l.events(t) {
		if e.Type == domain.TypeLearnerProfileUpdated && e.Stream == "learner-l-0001" {
			p, err := l.sealer.Open(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, p.DisplayName)
		}
	}
	if want := []string{"Ava Quarrington", "Avaline Quarrington"}; !reflect.DeepEqual(names, want) {
		t.Errorf("profiles %q, want %q", names, want)
	}
}

// personalValues are the names and e-mail addresses in the sets' users.
func personalValues(sets ...set) []string {
	var out []string
	for _, s := range sets {
		rs, err := Read(s.fs())
		if err != nil {
			panic(err)
		}
		for _, st := range rs.Students {
			for _, v := range []string{st.GivenName, st.FamilyName, st.PreferredGivenName, st.PreferredFamilyName} {
				if v != "" {
					out = append(out, v)
				}
			}
		}
		for _, line := range s["users.csv"] {
			for f := range strings.SplitSeq(line, ",") {
				if strings.Contains(f, "@") {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// An import with profiles keeps what the learner wrote into theirs, and
// brings nothing back for a learner whose data was erased.
func TestProfilesKeepAndErase(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	l.mustRun(t, v12, Options{})
	self := domain.Actor{Role: domain.RoleLearner, Name: "l-0001"}
	if _, err := l.svc.UpdateProfile(ctx, "l-0001", domain.UpdateProfile{Meta: domain.Meta{Actor: self},
		Profile: domain.Profile{DisplayName: "A. Q.", Interests: []string{"chess"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.svc.ErasePersonalData(ctx, "l-0002", domain.ErasePersonalData{Meta: domain.Meta{Actor: importer}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.sealer.Destroy(ctx, "l-0002"); err != nil {
		t.Fatal(err)
	}
	rep := l.mustRun(t, v12, Options{Profiles: true})
	if !reflect.DeepEqual(rep.Profiles, list("l-0001", "l-0003")) {
		t.Errorf("%+v", rep)
	}
	evs := l.events(t)
	last := evs[len(evs)-1]
	for _, e := range evs {
		if e.Type == domain.TypeLearnerProfileUpdated && e.Stream == "learner-l-0001" {
			last = e
		}
	}
	p, err := l.sealer.Open(ctx, last)
	if err != nil || p.DisplayName != "Ava Quarrington" || !reflect.DeepEqual(p.Interests, []string{"chess"}) {
		t.Errorf("profile %+v, %v", p, err)
	}
}
