package efficacy_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

func TestQueryValidation(t *testing.T) {
	hs := newHistory(t)
	hs.school("north")
	hs.enroll("l1", "east", "grade-6", day(0)) // east is never registered
	p := hs.project()

	ns := time.Nanosecond
	cases := []struct {
		name   string
		q      Query
		fields []string // nil: valid
	}{
		{"zero query", Query{}, nil},
		{"weeks", Query{Period: "week"}, nil},
		{"months", Query{Period: "month"}, nil},
		{"from only", Query{From: day(0)}, nil},
		{"to only", Query{To: day(0)}, nil},
		{"wins limit 1000", Query{WinsLimit: 1000}, nil},
		// 1900-01 to 1999-12: 1200 months, the most.
		{"1200 months", Query{From: date(1900, 1, 1), To: date(2000, 1, 1)}, nil},
		// 2000-01-03 is a Monday: 1200 ISO weeks.
		{"1200 weeks", Query{Period: "week", From: date(2000, 1, 3), To: date(2000, 1, 3).AddDate(0, 0, 7*1200)}, nil},
		{"a cohort of 64 characters", Query{Cohort: strings.Repeat("c", 64)}, nil},
		{"from in the year 1", Query{From: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"to in the year 9999", Query{To: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, nil},
		{"a time zone other than UTC", Query{From: time.Date(2026, 9, 1, 2, 0, 0, 0, time.FixedZone("MDT", -6*3600)), To: day(1)}, nil},

		{"unknown period", Query{Period: "year"}, []string{"period"}},
		{"period in capitals", Query{Period: "Month"}, []string{"period"}},
		{"from equals to", Query{From: day(1), To: day(1)}, []string{"to"}},
		{"from after to", Query{From: day(2), To: day(1)}, []string{"to"}},
		{"1201 months", Query{From: date(1900, 1, 1), To: date(2000, 1, 1).Add(ns)}, []string{"to"}},
		{"1201 weeks", Query{Period: "week", From: date(2000, 1, 3), To: date(2000, 1, 3).AddDate(0, 0, 7*1200).Add(ns)}, []string{"to"}},
		{"year 0", Query{From: time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)}, []string{"from"}},
		{"year 10000", Query{To: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"to"}},
		{"negative wins limit", Query{WinsLimit: -1}, []string{"winsLimit"}},
		{"wins limit 1001", Query{WinsLimit: 1001}, []string{"winsLimit"}},
		{"cohort with a space", Query{Cohort: "grade 6"}, []string{"cohort"}},
		{"cohort dot", Query{Cohort: "."}, []string{"cohort"}},
		{"a cohort of 65 characters", Query{Cohort: strings.Repeat("c", 65)}, []string{"cohort"}},
		{"every field at once", Query{Cohort: "..", Period: "day", WinsLimit: -5}, []string{"cohort", "period", "winsLimit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := p.School("north", c.q)
			if c.fields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("err = %v, want a *domain.ValidationError", err)
			}
			var fields []string
			for _, fe := range ve.Errors {
				fields = append(fields, fe.Field)
				if fe.Message == "" {
					t.Errorf("field %s without a message", fe.Field)
				}
			}
			if !reflect.DeepEqual(fields, c.fields) {
				t.Errorf("fields = %v, want %v (%v)", fields, c.fields, err)
			}
		})
	}

	for _, school := range []string{"west", "east", "../north", ""} {
		if _, err := p.School(school, Query{}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("School(%q): err = %v, want ErrNotFound", school, err)
		}
	}
	// The query is checked first, as commands check fields before their
	// subject.
	if _, err := p.School("west", Query{Period: "year"}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("bad query on an unknown school: err = %v, want ErrInvalid", err)
	}
}

// The report echoes the query as applied: defaults filled in, times in UTC.
func TestQueryEcho(t *testing.T) {
	hs := newHistory(t)
	hs.school("north")
	p := hs.project()

	r := report(t, p, "north", Query{})
	if got := toJSON(t, r.Query); got != `{"cohort":null,"period":"month","from":null,"to":null,"winsLimit":20}` {
		t.Errorf("echo = %s", got)
	}
	mdt := time.FixedZone("MDT", -6*3600)
	r = report(t, p, "north", Query{Cohort: "grade-6", Period: "week", From: time.Date(2026, 9, 1, 2, 0, 0, 0, mdt), To: day(7), WinsLimit: 5})
	want := `{"cohort":"grade-6","period":"week","from":"2026-09-01T08:00:00Z","to":"2026-09-08T09:00:00Z","winsLimit":5}`
	if got := toJSON(t, r.Query); got != want {
		t.Errorf("echo = %s, want %s", got, want)
	}
	if _, err := p.School("north", Query{}); err != nil || efficacy.MaxWinsLimit != 1000 {
		t.Errorf("err %v, MaxWinsLimit %d", err, efficacy.MaxWinsLimit)
	}
}
