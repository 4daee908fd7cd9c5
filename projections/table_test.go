package projections_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/synthetic"
)

// TestSchoolTable: over synthetic histories of two schools (every status
// occurs), each cohort's table lists that cohort's learners of the school
// in id order, and each status is the one Mastery gives, for a standard
// never worked on (not started) too; the cohorts are the school's; an
// unknown school is ErrNotFound, an unknown cohort has no rows.
func TestSchoolTable(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	north, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 60, EventsPerLearner: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 20, EventsPerLearner: 20, Seed: 4,
		School: "south", SchoolName: "South", FirstLearner: 60}); err != nil {
		t.Fatal(err)
	}
	// The synthetic cycles run to the end; two learners more stop on the
	// way: one in progress on std-0, one ready on std-1.
	svc := service.New(store, nil)
	adm, tch := domain.Meta{Actor: admin}, domain.Meta{Actor: teacher}
	for _, id := range []string{"l-working", "l-ready"} {
		if _, err := svc.EnrollLearner(ctx, "north", domain.EnrollLearner{Meta: adm, LearnerID: id, Cohort: "grade-6"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.RecordEvidence(ctx, "l-working", domain.RecordEvidence{Meta: tch, StandardID: "std-0", ComponentID: "c1", Level: lvl(2), Source: domain.SourceTeacher}, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"c1", "c2", "c3"} {
		if _, err := svc.RecordEvidence(ctx, "l-ready", domain.RecordEvidence{Meta: tch, StandardID: "std-1", ComponentID: c, Level: lvl(3), Source: domain.SourceTeacher}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.AgreeReadiness(ctx, "l-ready", domain.AgreeReadiness{Meta: tch, StandardID: "std-1", LearnerConfirmed: true}, nil); err != nil {
		t.Fatal(err)
	}
	v := projections.NewView(store)
	if _, err := projections.Rebuild(ctx, store, v); err != nil {
		t.Fatal(err)
	}
	ids := []string{"no-such-standard"}
	for _, s := range v.Standards() {
		ids = append(ids, s.StandardID)
	}

	cohorts, err := v.SchoolCohorts("north")
	if err != nil {
		t.Fatal(err)
	}
	learners, err := v.SchoolLearners("north")
	if err != nil {
		t.Fatal(err)
	}
	var wantCohorts []string
	for _, l := range learners {
		if !slices.Contains(wantCohorts, l.Cohort) {
			wantCohorts = append(wantCohorts, l.Cohort)
		}
	}
	slices.Sort(wantCohorts)
	if !slices.Equal(cohorts, wantCohorts) || len(cohorts) < 2 {
		t.Fatalf("north's cohorts: %v, want %v (two or more)", cohorts, wantCohorts)
	}

	seen := map[domain.Status]int{}
	var listed []string
	for _, c := range cohorts {
		rows, err := v.SchoolTable("north", c, ids)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(rows, func(a, b projections.SchoolRow) int { return strings.Compare(a.ID, b.ID) }) {
			t.Errorf("cohort %s: rows not in id order", c)
		}
		for _, row := range rows {
			listed = append(listed, row.ID)
			if row.Cohort != c || row.SchoolID != "north" {
				t.Errorf("cohort %s lists %+v", c, row.Learner)
			}
			m, err := v.Mastery(ctx, row.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]domain.Status{}
			for _, sm := range m.Standards {
				want[sm.StandardID] = sm.Status
			}
			for i, id := range ids {
				w, ok := want[id]
				if !ok {
					w = domain.StatusNotStarted
				}
				if row.Statuses[i] != w {
					t.Errorf("%s on %s: %s in the table, %s in the mastery", row.ID, id, row.Statuses[i], w)
				}
				seen[row.Statuses[i]]++
			}
		}
	}
	slices.Sort(listed)
	want := append(slices.Clone(north.Learners), "l-working", "l-ready")
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("north's tables list %d learners, want the %d of north", len(listed), len(want))
	}
	for _, s := range []domain.Status{domain.StatusNotStarted, domain.StatusInProgress, domain.StatusReady, domain.StatusMet} {
		if seen[s] == 0 {
			t.Errorf("no %s in the tables: the histories do not test it", s)
		}
	}

	if rows, err := v.SchoolTable("north", "no-such-cohort", ids); err != nil || len(rows) != 0 {
		t.Errorf("an unknown cohort: %d rows, %v", len(rows), err)
	}
	if _, err := v.SchoolTable("nowhere", cohorts[0], ids); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("table of no school: %v", err)
	}
	if _, err := v.SchoolCohorts("nowhere"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("cohorts of no school: %v", err)
	}
}
