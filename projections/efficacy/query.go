package efficacy

import (
	"fmt"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// Periods of the growth series.
const (
	// PeriodMonth is a calendar month in UTC, from the 1st at 00:00.
	PeriodMonth = "month"
	// PeriodWeek is an ISO 8601 week in UTC, from Monday 00:00.
	PeriodWeek = "week"
)

// Limits of a query.
const (
	// DefaultWinsLimit is the length of the wins feed when the query does
	// not say.
	DefaultWinsLimit = 20
	// MaxWinsLimit is the longest wins feed a query may ask for.
	MaxWinsLimit = 1000
	// MaxPeriods is the longest growth series: 100 years of months, 23 of
	// weeks.
	MaxPeriods = 1200
)

// Query selects what School reports. The zero Query is valid: the whole
// school, every cohort, all time, by month, 20 wins.
type Query struct {
	// Cohort, if set, restricts every figure to the learners enrolled in
	// that cohort, and the survey responses to those that name it.
	Cohort string
	// Period is the growth series' period: "month" (the default) or
	// "week" (ISO weeks).
	Period string
	// From and To, if set, are the window on occurredAt: From inclusive,
	// To exclusive. Either may be left zero (unbounded).
	From, To time.Time
	// WinsLimit is the length of the wins feed: 0 means DefaultWinsLimit,
	// at most MaxWinsLimit.
	WinsLimit int
}

// normalize validates q and fills its defaults. It returns a
// *domain.ValidationError naming every field at fault.
func (q Query) normalize() (Query, error) {
	var errs []domain.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, domain.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if q.Cohort != "" && !domain.ValidID(q.Cohort) {
		add("cohort", "must be 1 to %d characters of A-Z, a-z, 0-9, '.', '_' and '-' (not \".\" or \"..\")", domain.MaxIDLen)
	}
	switch q.Period {
	case "":
		q.Period = PeriodMonth
	case PeriodMonth, PeriodWeek:
	default:
		add("period", "must be %q or %q", PeriodMonth, PeriodWeek)
	}
	if !q.From.IsZero() {
		q.From = domain.CanonicalTime(q.From)
	}
	if !q.To.IsZero() {
		q.To = domain.CanonicalTime(q.To)
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"from", q.From}, {"to", q.To}} {
		if !f.t.IsZero() && (f.t.Year() < 1 || f.t.Year() > 9999) {
			add(f.name, "must lie in the years 1 to 9999")
		}
	}
	switch {
	case q.WinsLimit == 0:
		q.WinsLimit = DefaultWinsLimit
	case q.WinsLimit < 0 || q.WinsLimit > MaxWinsLimit:
		add("winsLimit", "must be 1 to %d (0 means %d)", MaxWinsLimit, DefaultWinsLimit)
	}
	if len(errs) == 0 && !q.From.IsZero() && !q.To.IsZero() {
		if !q.From.Before(q.To) {
			add("to", "must be after from")
		} else if n := periodsIn(q.Period, q.From, q.To); n > MaxPeriods {
			add("to", "the window spans %d periods of a %s; at most %d", n, q.Period, MaxPeriods)
		}
	}
	if len(errs) > 0 {
		return q, &domain.ValidationError{Errors: errs}
	}
	return q, nil
}

// Check returns what School would refuse q for: a *domain.ValidationError
// naming each field at fault, or nil. A caller that reads a query from
// text checks the fields it could read with it, so that every field at
// fault is named at once.
func (q Query) Check() error {
	_, err := q.normalize()
	return err
}

// inWindow reports whether t lies in [From, To).
func (q Query) inWindow(t time.Time) bool {
	return (q.From.IsZero() || !t.Before(q.From)) && (q.To.IsZero() || t.Before(q.To))
}

// cut is an "as of" instant on occurredAt: everything at or before it
// (inclusive) or strictly before it. The zero cut includes everything.
type cut struct {
	t         time.Time
	set       bool
	inclusive bool
}

func (c cut) has(t time.Time) bool {
	switch {
	case !c.set:
		return true
	case c.inclusive:
		return !t.After(c.t)
	}
	return t.Before(c.t)
}

// end is the query's "as of": before To, or everything.
func (q Query) end() cut {
	return cut{t: q.To, set: !q.To.IsZero()}
}

// Periods are numbered: a month by year*12 + month-1, a week by the number
// of weeks since Monday 1970-01-05 (negative before).
var weekEpoch = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

func periodIndex(period string, t time.Time) int64 {
	t = t.UTC()
	if period == PeriodWeek {
		days := floorDiv(t.Unix()-weekEpoch.Unix(), 24*60*60)
		return floorDiv(days, 7)
	}
	return int64(t.Year())*12 + int64(t.Month()) - 1
}

func periodStart(period string, i int64) time.Time {
	if period == PeriodWeek {
		return weekEpoch.AddDate(0, 0, int(i*7))
	}
	return time.Date(int(floorDiv(i, 12)), time.Month(i-floorDiv(i, 12)*12+1), 1, 0, 0, 0, 0, time.UTC)
}

func periodLabel(period string, start time.Time) string {
	if period == PeriodWeek {
		y, w := start.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}
	return start.Format("2006-01")
}

// periodsIn counts the periods that [from, to) touches; from < to.
func periodsIn(period string, from, to time.Time) int64 {
	return periodIndex(period, to.Add(-time.Nanosecond)) - periodIndex(period, from) + 1
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
