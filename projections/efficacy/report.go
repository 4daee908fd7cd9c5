package efficacy

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// Report is the collective-efficacy figures of one school, in the JSON shape
// of GET /v1/schools/{schoolId}/efficacy. docs/metrics.md defines every
// field. Rates and means are null, never 0 or NaN, when their denominator is
// zero. Floating-point values are rounded to 12 decimal places.
type Report struct {
	SchoolID string `json:"schoolId"`
	// Query is the query as applied, defaults filled in.
	Query ReportQuery `json:"query"`
	// Position is the global position of the last event the figures
	// include.
	Position      uint64        `json:"position"`
	Enrolled      Enrolment     `json:"enrolled"`
	Proficiency   Proficiency   `json:"proficiency"`
	Growth        Growth        `json:"growth"`
	Persistence   Persistence   `json:"persistence"`
	TimeToMastery TimeToMastery `json:"timeToMastery"`
	Goals         Goals         `json:"goals"`
	// Wins are the newest met standards, newest first.
	Wins []Win `json:"wins"`
	// Agency is who records the learners' cycle: the learner or staff.
	Agency Agency `json:"agency"`
	// AcrossRounds is the proficiency rate at each survey round over one
	// population and one set of standards, stated, so that rounds compare.
	AcrossRounds AcrossRounds `json:"acrossRounds"`
	// Labels says which members are outcomes (proxies of efficacy),
	// which is the perceived efficacy, and which is agency.
	Labels Labels `json:"labels"`
	// Perceived holds one entry per survey round, oldest first
	// (perceived.go).
	Perceived []SurveyRound `json:"perceived"`
}

// ReportQuery echoes the query a report answers.
type ReportQuery struct {
	Cohort    *string    `json:"cohort"`
	Period    string     `json:"period"`
	From      *time.Time `json:"from"`
	To        *time.Time `json:"to"`
	WinsLimit int        `json:"winsLimit"`
}

// Enrolment counts the learners enrolled as of the window's end.
type Enrolment struct {
	// Learners enrolled and not withdrawn.
	Learners int `json:"learners"`
	// Withdrawn counts those enrolled whose withdrawal occurred by then.
	Withdrawn int            `json:"withdrawn"`
	Cohorts   []CohortCounts `json:"cohorts"`
}

// CohortCounts is Enrolment for one cohort.
type CohortCounts struct {
	Cohort    string `json:"cohort"`
	Learners  int    `json:"learners"`
	Withdrawn int    `json:"withdrawn"`
}

// Proficiency is the share of enrolled learners who have met each standard
// in play, as of the window's end.
type Proficiency struct {
	// Learners is every standard's denominator: Enrolled.Learners.
	Learners  int            `json:"learners"`
	Standards []StandardRate `json:"standards"`
	Overall   Overall        `json:"overall"`
}

// StandardRate is one standard's proficiency rate.
type StandardRate struct {
	StandardID string `json:"standardId"`
	Code       string `json:"code"`
	Title      string `json:"title"`
	// Retired standards are listed but left out of Overall.
	Retired  bool     `json:"retired"`
	Met      int      `json:"met"`
	Learners int      `json:"learners"`
	Rate     *float64 `json:"rate"`
}

// Overall pools the standards that are not retired: met (learner,
// standard) pairs over learners × standards.
type Overall struct {
	Standards int      `json:"standards"`
	Met       int      `json:"met"`
	Possible  int      `json:"possible"`
	Rate      *float64 `json:"rate"`
}

// Growth is the standards met per enrolled learner, period by period.
type Growth struct {
	Period string `json:"period"`
	// Truncated is true when the series, running from the first
	// enrolment, would have been longer than MaxPeriods and only the
	// latest MaxPeriods periods are shown.
	Truncated bool          `json:"truncated"`
	Series    []GrowthPoint `json:"series"`
}

// GrowthPoint is one period, clipped to the window: [Start, End).
type GrowthPoint struct {
	Label      string    `json:"label"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Met        int       `json:"met"`
	Learners   int       `json:"learners"`
	PerLearner *float64  `json:"perLearner"`
}

// Persistence is effort turning into proficiency. Its flat members are
// the learner × standard persistence: among (learner, standard) pairs with
// a not-yet summative attempt, the share met after a plan adjustment for
// that standard. ByLearner is the learner persistence of DOMAIN.md: the
// share of learners who did so on at least one standard.
type Persistence struct {
	Pairs          int      `json:"pairs"`
	MetAfterNotYet int      `json:"metAfterNotYet"`
	Persisted      int      `json:"persisted"`
	Rate           *float64 `json:"rate"`
	// ByLearner counts learners, not pairs.
	ByLearner LearnerPersistence `json:"byLearner"`
}

// LearnerPersistence is persistence counted by learner: Learners had a
// not-yet pair, MetAfterNotYet met at least one of them, Persisted met at
// least one after a linked plan adjustment.
type LearnerPersistence struct {
	Learners       int      `json:"learners"`
	MetAfterNotYet int      `json:"metAfterNotYet"`
	Persisted      int      `json:"persisted"`
	Rate           *float64 `json:"rate"`
}

// TimeToMastery holds the two distributions of the time a met standard
// took.
type TimeToMastery struct {
	AgreementToMet     Distribution `json:"agreementToMet"`
	FirstEvidenceToMet Distribution `json:"firstEvidenceToMet"`
}

// Distribution summarises durations in days (24-hour days, with
// fractions). Percentiles are nearest-rank.
type Distribution struct {
	N int `json:"n"`
	// Excluded counts met standards in the window that could not be
	// measured (no evidence before metAt; a start later than metAt).
	Excluded   int      `json:"excluded"`
	MedianDays *float64 `json:"medianDays"`
	P90Days    *float64 `json:"p90Days"`
}

// Goals counts SMARTER goals set in the window by their latest evaluation.
type Goals struct {
	Set          int      `json:"set"`
	Met          int      `json:"met"`
	NotYet       int      `json:"notYet"`
	NotEvaluated int      `json:"notEvaluated"`
	ShareMet     *float64 `json:"shareMet"`
}

// Win is one newly met standard.
type Win struct {
	LearnerID        string    `json:"learnerId"`
	Cohort           string    `json:"cohort"`
	StandardID       string    `json:"standardId"`
	Code             string    `json:"code"`
	Title            string    `json:"title"`
	StandardRevision int       `json:"standardRevision"`
	MetAt            time.Time `json:"metAt"`
	RecordedAt       time.Time `json:"recordedAt"`
	AttemptID        uuid.UUID `json:"attemptId"`
	AgreementID      uuid.UUID `json:"agreementId"`
	// AfterNotYet: a summative attempt on the standard did not meet
	// before the meeting one. AfterPlanAdjustment: a plan of a goal
	// listing the standard was adjusted after that not-yet attempt and
	// before the meeting one (persistence's linked adjustment).
	AfterNotYet         bool `json:"afterNotYet"`
	AfterPlanAdjustment bool `json:"afterPlanAdjustment"`
	// Trail is the API path of the claim's replay: how it was met.
	Trail string `json:"trail"`
}

// Labels names the report's members by what they measure. Outcomes are
// the measured results of the cycle, proxies of collective efficacy but
// not efficacy itself; PerceivedEfficacy is the survey rounds; Agency is
// who records the cycle.
type Labels struct {
	Outcomes          []string `json:"outcomes"`
	PerceivedEfficacy []string `json:"perceivedEfficacy"`
	Agency            []string `json:"agency"`
}

// AcrossRounds compares the measured proficiency of the survey rounds in
// the window over a stable population and set of standards: the learners
// of the scope enrolled by the first round's AsOf and not withdrawn by the
// last's, and the standards published by the first round's AsOf, not
// retired by the last's, and started by one of those learners by then.
// From and To are the first and last rounds' AsOf (null with no round).
type AcrossRounds struct {
	From      *time.Time  `json:"from"`
	To        *time.Time  `json:"to"`
	Learners  int         `json:"learners"`
	Standards []string    `json:"standards"`
	Rounds    []RoundRate `json:"rounds"`
}

// RoundRate is the stable population's proficiency as of one round's
// AsOf, inclusive: Met of Possible = Learners × len(Standards) pairs.
type RoundRate struct {
	RoundID  string    `json:"roundId"`
	AsOf     time.Time `json:"asOf"`
	Met      int       `json:"met"`
	Possible int       `json:"possible"`
	Rate     *float64  `json:"rate"`
}

// reportLabels is the one Labels every report carries.
func reportLabels() Labels {
	return Labels{
		Outcomes:          []string{"proficiency", "growth", "persistence", "timeToMastery", "goals", "wins", "acrossRounds"},
		PerceivedEfficacy: []string{"perceived"},
		Agency:            []string{"agency"},
	}
}

// Agency is the share of the learners' steps of the cycle (goals set,
// plans drafted, plans adjusted, evidence, readiness requests) that the
// learner recorded rather than staff, over the window and period by
// period. Steps recorded by a tool are counted apart and left out of the
// share.
type Agency struct {
	Period    string `json:"period"`
	Truncated bool   `json:"truncated"`
	// Periods are the growth series' periods; every Series is aligned
	// with them.
	Periods   []AgencyPeriod  `json:"periods"`
	Overall   AgencyGroup     `json:"overall"`
	ByCohort  []CohortAgency  `json:"byCohort"`
	ByLearner []LearnerAgency `json:"byLearner"`
}

// AgencyPeriod is one period of the series: [Start, End).
type AgencyPeriod struct {
	Label string    `json:"label"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// AgencyCounts counts steps by who recorded them. Share is ByLearner /
// (ByLearner + ByStaff), null when both are 0.
type AgencyCounts struct {
	ByLearner int      `json:"byLearner"`
	ByStaff   int      `json:"byStaff"`
	ByTool    int      `json:"byTool"`
	Share     *float64 `json:"share"`
}

// KindAgency is AgencyCounts for one kind of step.
type KindAgency struct {
	Kind string `json:"kind"`
	AgencyCounts
}

// AgencyGroup is the pooled counts of a group of learners: over the
// window, per kind of step, and per period.
type AgencyGroup struct {
	Total  AgencyCounts   `json:"total"`
	Kinds  []KindAgency   `json:"kinds"`
	Series []AgencyCounts `json:"series"`
}

// CohortAgency is one cohort's agency.
type CohortAgency struct {
	Cohort string `json:"cohort"`
	AgencyGroup
}

// LearnerAgency is one learner's counts over the window (the school
// report) or per period too (LearnerAgency).
type LearnerAgency struct {
	LearnerID string         `json:"learnerId"`
	Cohort    string         `json:"cohort"`
	Total     AgencyCounts   `json:"total"`
	Series    []AgencyCounts `json:"series,omitempty"`
}

// kindNames are the JSON names of the kinds of step, in actKind order.
var kindNames = [actKinds]string{"goals", "plans", "planAdjustments", "evidence", "readinessRequests"}

// Measured is the overall proficiency rate as of a round's AsOf
// (inclusive), with the same definition as Proficiency.Overall.
type Measured struct {
	AsOf     time.Time `json:"asOf"`
	Learners int       `json:"learners"`
	Overall
}

// School reports the figures of one school.
//
// It returns a *domain.ValidationError (domain.ErrInvalid) naming each
// field of q at fault, then an error wrapping domain.ErrNotFound if no
// SchoolRegistered for schoolID has been applied.
func (p *Projection) School(schoolID string, q Query) (Report, error) {
	q, err := q.normalize()
	if err != nil {
		return Report{}, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := p.schools[schoolID]
	if s == nil || !s.registered {
		return Report{}, fmt.Errorf("school %q: %w", schoolID, domain.ErrNotFound)
	}
	scope := s.learners
	if q.Cohort != "" {
		scope = nil
		for _, l := range s.learners {
			if l.cohort == q.Cohort {
				scope = append(scope, l)
			}
		}
	}
	r := Report{
		SchoolID:      schoolID,
		Query:         echo(q),
		Position:      p.position,
		Enrolled:      enrolment(scope, q.end()),
		Growth:        growth(scope, q),
		Persistence:   persistence(scope, q),
		TimeToMastery: timeToMastery(scope, q),
		Goals:         goals(scope, q),
		Wins:          p.wins(scope, q),
		Perceived:     p.perceived(s, scope, q),
		Agency:        agency(scope, q),
		Labels:        reportLabels(),
	}
	r.AcrossRounds = p.acrossRounds(r.Perceived, scope)
	r.Proficiency = p.proficiency(scope, q.end())
	return r, nil
}

func echo(q Query) ReportQuery {
	e := ReportQuery{Period: q.Period, WinsLimit: q.WinsLimit}
	if q.Cohort != "" {
		c := q.Cohort
		e.Cohort = &c
	}
	if !q.From.IsZero() {
		t := q.From
		e.From = &t
	}
	if !q.To.IsZero() {
		t := q.To
		e.To = &t
	}
	return e
}

// enrolledAsOf reports whether l is enrolled and not withdrawn as of c.
func (l *learner) enrolledAsOf(c cut) bool {
	return c.has(l.enrolledAt) && !(l.withdrawn && c.has(l.withdrawnAt))
}

func enrolment(scope []*learner, c cut) Enrolment {
	byCohort := map[string]*CohortCounts{}
	var out Enrolment
	for _, l := range scope {
		if !c.has(l.enrolledAt) {
			continue
		}
		cc := byCohort[l.cohort]
		if cc == nil {
			cc = &CohortCounts{Cohort: l.cohort}
			byCohort[l.cohort] = cc
		}
		if l.withdrawn && c.has(l.withdrawnAt) {
			out.Withdrawn++
			cc.Withdrawn++
		} else {
			out.Learners++
			cc.Learners++
		}
	}
	out.Cohorts = make([]CohortCounts, 0, len(byCohort))
	for _, cc := range byCohort {
		out.Cohorts = append(out.Cohorts, *cc)
	}
	slices.SortFunc(out.Cohorts, func(a, b CohortCounts) int { return cmp.Compare(a.Cohort, b.Cohort) })
	return out
}

// proficiency computes the rates as of c: the denominator is the learners
// enrolled as of c; a standard is in play if one of them started it by c.
func (p *Projection) proficiency(scope []*learner, c cut) Proficiency {
	met := make([]int, len(p.ids))
	inPlay := make([]bool, len(p.ids))
	played := 0
	n := 0
	for _, l := range scope {
		if !l.enrolledAsOf(c) {
			continue
		}
		n++
		for _, pr := range l.pairs {
			if !inPlay[pr.std] && c.has(pr.startedAt) {
				inPlay[pr.std] = true
				played++
			}
			if pr.met != nil && c.has(pr.met.at) {
				met[pr.std]++
			}
		}
	}
	out := Proficiency{Learners: n, Standards: make([]StandardRate, 0, played)}
	for i, sid := range p.ids {
		if !inPlay[i] {
			continue
		}
		sr := StandardRate{StandardID: sid, Met: met[i], Learners: n, Rate: ratio(met[i], n)}
		if s := p.standards[sid]; s != nil {
			sr.Code, sr.Title = s.code, s.title
			sr.Retired = s.retired && c.has(s.retiredAt)
		}
		if !sr.Retired {
			out.Overall.Standards++
			out.Overall.Met += sr.Met
		}
		out.Standards = append(out.Standards, sr)
	}
	slices.SortFunc(out.Standards, func(a, b StandardRate) int { return cmp.Compare(a.StandardID, b.StandardID) })
	out.Overall.Possible = out.Overall.Standards * n
	out.Overall.Rate = ratio(out.Overall.Met, out.Overall.Possible)
	return out
}

// frame is a series' periods: the window (the query's, or derived from the
// scope's data where the query leaves it open) cut into periods, the first
// and last clipped to it. Growth and agency share it.
type frame struct {
	from, to  time.Time
	i0        int64
	points    []GrowthPoint // Label, Start and End set
	truncated bool
}

func seriesFrame(scope []*learner, q Query) frame {
	from, to := q.From, q.To
	if from.IsZero() || to.IsZero() {
		if len(scope) == 0 {
			return frame{}
		}
		first, last := scope[0].enrolledAt, scope[0].lastAt
		for _, l := range scope {
			if l.enrolledAt.Before(first) {
				first = l.enrolledAt
			}
			if l.lastAt.After(last) {
				last = l.lastAt
			}
		}
		if from.IsZero() {
			from = periodStart(q.Period, periodIndex(q.Period, first))
		}
		if to.IsZero() {
			to = periodStart(q.Period, periodIndex(q.Period, last)+1)
		}
	}
	if !from.Before(to) {
		return frame{}
	}
	f := frame{from: from, to: to}
	i0, i1 := periodIndex(q.Period, from), periodIndex(q.Period, to.Add(-time.Nanosecond))
	if i1-i0+1 > MaxPeriods {
		// Only when the window was derived from the data: normalize
		// refuses an explicit one this long.
		i0 = i1 - MaxPeriods + 1
		f.from = periodStart(q.Period, i0)
		f.truncated = true
	}
	f.i0 = i0
	n := int(i1 - i0 + 1)
	f.points = make([]GrowthPoint, n)
	for j := range n {
		start, end := periodStart(q.Period, i0+int64(j)), periodStart(q.Period, i0+int64(j)+1)
		if start.Before(f.from) {
			start = f.from
		}
		if end.After(to) {
			end = to
		}
		f.points[j] = GrowthPoint{Label: periodLabel(q.Period, start), Start: start, End: end}
	}
	return f
}

// edges are the frame's period starts and its end, as instants, so that
// acts are placed by comparing integers: a report places every act of the
// scope.
func (f frame) edges() []instant {
	out := make([]instant, 0, len(f.points)+1)
	for _, p := range f.points {
		out = append(out, instantOf(p.Start))
	}
	if n := len(f.points); n > 0 {
		out = append(out, instantOf(f.points[n-1].End))
	}
	return out
}

// instant is a time as Unix seconds and nanoseconds, ordered as times are.
type instant struct {
	sec  int64
	nsec int32
}

func instantOf(t time.Time) instant { return instant{t.Unix(), int32(t.Nanosecond())} }

func (a instant) before(b instant) bool { return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec }

// place is the index of the period a lies in, or -1 outside the frame
// whose edges are given. hint, the period of the learner's previous act,
// is tried first: acts mostly come in time order.
func place(edges []instant, a act, hint int) int {
	n := len(edges) - 1
	x := instant{a.sec, a.nsec}
	if n < 1 || x.before(edges[0]) || !x.before(edges[n]) {
		return -1
	}
	if hint >= 0 && hint < n && !x.before(edges[hint]) && x.before(edges[hint+1]) {
		return hint
	}
	return sort.Search(n, func(i int) bool { return x.before(edges[i+1]) })
}

func growth(scope []*learner, q Query) Growth {
	out := Growth{Period: q.Period, Series: []GrowthPoint{}}
	fr := seriesFrame(scope, q)
	if len(fr.points) == 0 {
		return out
	}
	from, to, i0 := fr.from, fr.to, fr.i0
	out.Truncated = fr.truncated
	out.Series = fr.points
	n := len(out.Series)
	bucket := func(t time.Time) int { return int(periodIndex(q.Period, t) - i0) }
	diff := make([]int, n+1)
	for _, l := range scope {
		// The learner's enrolment [enrolledAt, withdrawnAt) clipped to
		// [from, to); the buckets it overlaps are j0..j1.
		a := l.enrolledAt
		if a.Before(from) {
			a = from
		}
		if !a.Before(to) {
			continue
		}
		j0, j1 := bucket(a), n-1
		if l.withdrawn {
			w := l.withdrawnAt
			if !w.After(a) {
				continue
			}
			if w.Before(to) {
				j1 = bucket(w.Add(-time.Nanosecond))
			}
		}
		diff[j0]++
		diff[j1+1]--
		for _, pr := range l.pairs {
			if pr.met == nil || pr.met.at.Before(from) || !pr.met.at.Before(to) {
				continue
			}
			if j := bucket(pr.met.at); j0 <= j && j <= j1 {
				out.Series[j].Met++
			}
		}
	}
	running := 0
	for j := range out.Series {
		running += diff[j]
		out.Series[j].Learners = running
		out.Series[j].PerLearner = ratio(out.Series[j].Met, running)
	}
	return out
}

func persistence(scope []*learner, q Query) Persistence {
	var out Persistence
	end := q.end()
	for _, l := range scope {
		var pairs, met, persisted int
		for _, pr := range l.pairs {
			if !pr.notYet || !q.inWindow(pr.notYetAt) {
				continue
			}
			pairs++
			if pr.met != nil && end.has(pr.met.at) {
				met++
				if pr.adjusted {
					persisted++
				}
			}
		}
		out.Pairs += pairs
		out.MetAfterNotYet += met
		out.Persisted += persisted
		if pairs > 0 {
			out.ByLearner.Learners++
		}
		if met > 0 {
			out.ByLearner.MetAfterNotYet++
		}
		if persisted > 0 {
			out.ByLearner.Persisted++
		}
	}
	out.Rate = ratio(out.Persisted, out.Pairs)
	out.ByLearner.Rate = ratio(out.ByLearner.Persisted, out.ByLearner.Learners)
	return out
}

// roundTimes returns the rounds perceived reports, with their AsOf,
// oldest first: the rounds compared are exactly those the perceived
// figures show beside them, opened rounds without answers included.
func roundTimes(perceived []SurveyRound) []RoundRate {
	out := make([]RoundRate, 0, len(perceived))
	for _, r := range perceived {
		out = append(out, RoundRate{RoundID: r.RoundID, AsOf: r.AsOf})
	}
	slices.SortFunc(out, func(a, b RoundRate) int {
		return cmp.Or(a.AsOf.Compare(b.AsOf), cmp.Compare(a.RoundID, b.RoundID))
	})
	return out
}

func (p *Projection) acrossRounds(perceived []SurveyRound, scope []*learner) AcrossRounds {
	out := AcrossRounds{Standards: []string{}, Rounds: roundTimes(perceived)}
	if len(out.Rounds) == 0 {
		return out
	}
	from, to := out.Rounds[0].AsOf, out.Rounds[len(out.Rounds)-1].AsOf
	out.From, out.To = &from, &to
	first := cut{t: from, set: true, inclusive: true}
	last := cut{t: to, set: true, inclusive: true}
	var population []*learner
	for _, l := range scope {
		if first.has(l.enrolledAt) && !(l.withdrawn && last.has(l.withdrawnAt)) {
			population = append(population, l)
		}
	}
	stable := make([]bool, len(p.ids))
	for _, l := range population {
		for _, pr := range l.pairs {
			if stable[pr.std] || !last.has(pr.startedAt) {
				continue
			}
			st := p.standards[p.ids[pr.std]]
			if st != nil && first.has(st.publishedAt) && !(st.retired && last.has(st.retiredAt)) {
				stable[pr.std] = true
			}
		}
	}
	for i, sid := range p.ids {
		if stable[i] {
			out.Standards = append(out.Standards, sid)
		}
	}
	slices.Sort(out.Standards)
	out.Learners = len(population)
	possible := out.Learners * len(out.Standards)
	for k := range out.Rounds {
		r := &out.Rounds[k]
		at := cut{t: r.AsOf, set: true, inclusive: true}
		for _, l := range population {
			for _, pr := range l.pairs {
				if stable[pr.std] && pr.met != nil && at.has(pr.met.at) {
					r.Met++
				}
			}
		}
		r.Possible = possible
		r.Rate = ratio(r.Met, possible)
	}
	return out
}

// agency counts the acts of the scope that occurred in the series' frame.
func agency(scope []*learner, q Query) Agency {
	fr := seriesFrame(scope, q)
	out := Agency{
		Period:    q.Period,
		Truncated: fr.truncated,
		Periods:   make([]AgencyPeriod, len(fr.points)),
		ByCohort:  []CohortAgency{},
		ByLearner: []LearnerAgency{},
	}
	for j, pt := range fr.points {
		out.Periods[j] = AgencyPeriod{Label: pt.Label, Start: pt.Start, End: pt.End}
	}
	n := len(fr.points)
	edges := fr.edges()
	overall := newTally(n)
	cohorts := map[string]*tally{}
	end := q.end()
	for _, l := range scope {
		if !end.has(l.enrolledAt) {
			continue
		}
		c := cohorts[l.cohort]
		if c == nil {
			c = newTally(n)
			cohorts[l.cohort] = c
		}
		var mine [3]int
		j := -1
		for _, a := range l.acts {
			if j = place(edges, a, j); j < 0 {
				continue
			}
			mine[a.by]++
			overall.add(a, j)
			c.add(a, j)
		}
		out.ByLearner = append(out.ByLearner, LearnerAgency{LearnerID: l.id, Cohort: l.cohort, Total: counts(mine)})
	}
	out.Overall = overall.group()
	for name, c := range cohorts {
		out.ByCohort = append(out.ByCohort, CohortAgency{Cohort: name, AgencyGroup: c.group()})
	}
	slices.SortFunc(out.ByCohort, func(a, b CohortAgency) int { return cmp.Compare(a.Cohort, b.Cohort) })
	slices.SortFunc(out.ByLearner, func(a, b LearnerAgency) int {
		return cmp.Or(cmp.Compare(a.Cohort, b.Cohort), cmp.Compare(a.LearnerID, b.LearnerID))
	})
	return out
}

// tally pools acts: counts by recorder, in total, per kind and per period.
type tally struct {
	total  [3]int
	kinds  [actKinds][3]int
	series [][3]int
}

func newTally(periods int) *tally { return &tally{series: make([][3]int, periods)} }

func (t *tally) add(a act, period int) {
	t.total[a.by]++
	t.kinds[a.kind][a.by]++
	t.series[period][a.by]++
}

func (t *tally) group() AgencyGroup {
	g := AgencyGroup{Total: counts(t.total), Kinds: make([]KindAgency, actKinds), Series: make([]AgencyCounts, len(t.series))}
	for k := range actKinds {
		g.Kinds[k] = KindAgency{Kind: kindNames[k], AgencyCounts: counts(t.kinds[k])}
	}
	for j, c := range t.series {
		g.Series[j] = counts(c)
	}
	return g
}

// counts turns counts by recorder into AgencyCounts: the share is a ratio
// of sums, the learner's steps over the learner's and staff's.
func counts(c [3]int) AgencyCounts {
	return AgencyCounts{
		ByLearner: c[byLearner],
		ByStaff:   c[byStaff],
		ByTool:    c[byTool],
		Share:     ratio(c[byLearner], c[byLearner]+c[byStaff]),
	}
}

// LearnerAgency reports one learner's agency in the frame the school's
// report would use for q (q.Cohort is ignored: the learner's school and
// cohort are the learner's), with the period-by-period series, for the
// learner's page. It returns an error wrapping domain.ErrNotFound for a
// learner the projection has not seen enrolled, and the query's
// *domain.ValidationError first.
func (p *Projection) LearnerAgency(learnerID string, q Query) (LearnerAgency, []AgencyPeriod, error) {
	q.Cohort = ""
	q, err := q.normalize()
	if err != nil {
		return LearnerAgency{}, nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	l := p.learners[learnerID]
	if l == nil {
		return LearnerAgency{}, nil, fmt.Errorf("learner %q: %w", learnerID, domain.ErrNotFound)
	}
	fr := seriesFrame([]*learner{l}, q)
	periods := make([]AgencyPeriod, len(fr.points))
	for j, pt := range fr.points {
		periods[j] = AgencyPeriod{Label: pt.Label, Start: pt.Start, End: pt.End}
	}
	t := newTally(len(fr.points))
	edges, j := fr.edges(), -1
	for _, a := range l.acts {
		if j = place(edges, a, j); j >= 0 {
			t.add(a, j)
		}
	}
	g := t.group()
	return LearnerAgency{LearnerID: l.id, Cohort: l.cohort, Total: g.Total, Series: g.Series}, periods, nil
}

func timeToMastery(scope []*learner, q Query) TimeToMastery {
	var agreement, evidence []float64
	var out TimeToMastery
	for _, l := range scope {
		for _, pr := range l.pairs {
			m := pr.met
			if m == nil || !q.inWindow(m.at) {
				continue
			}
			if m.agreementAt.After(m.at) {
				out.AgreementToMet.Excluded++
			} else {
				agreement = append(agreement, days(m.at.Sub(m.agreementAt)))
			}
			if pr.firstEvidenceAt.IsZero() || pr.firstEvidenceAt.After(m.at) {
				out.FirstEvidenceToMet.Excluded++
			} else {
				evidence = append(evidence, days(m.at.Sub(pr.firstEvidenceAt)))
			}
		}
	}
	out.AgreementToMet.fill(agreement)
	out.FirstEvidenceToMet.fill(evidence)
	return out
}

func (d *Distribution) fill(values []float64) {
	slices.Sort(values)
	d.N = len(values)
	d.MedianDays = nearestRank(values, 50)
	d.P90Days = nearestRank(values, 90)
}

// nearestRank is the p-th percentile of sorted by the nearest-rank method:
// the value at rank ⌈p·n/100⌉ (1-based), computed in integers; nil when
// sorted is empty. For p = 50 and even n it is the lower of the two middle
// values.
func nearestRank(sorted []float64, p int) *float64 {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	rank := (p*n + 99) / 100
	rank = max(rank, 1)
	v := sorted[rank-1]
	return &v
}

func days(d time.Duration) float64 {
	return round12(float64(d) / float64(24*time.Hour))
}

func goals(scope []*learner, q Query) Goals {
	var out Goals
	end := q.end()
	for _, l := range scope {
		for _, g := range l.goals {
			if !q.inWindow(g.setAt) {
				continue
			}
			out.Set++
			var result domain.GoalResult
			for _, ev := range g.evaluations {
				if end.has(ev.at) {
					result = ev.result
				}
			}
			switch result {
			case domain.GoalMet:
				out.Met++
			case domain.GoalNotYet:
				out.NotYet++
			default:
				out.NotEvaluated++
			}
		}
	}
	out.ShareMet = ratio(out.Met, out.Met+out.NotYet)
	return out
}

// win is a met standard found for the wins feed.
type win struct {
	l   *learner
	pr  *pair
	std int32
	m   *claim
}

// newer orders wins newest first: by metAt, then by position.
func newer(a, b win) int {
	if c := b.m.at.Compare(a.m.at); c != 0 {
		return c
	}
	return cmp.Compare(b.m.position, a.m.position)
}

// winHeap holds the best wins found so far, the oldest at the root.
type winHeap []win

func (h winHeap) Len() int           { return len(h) }
func (h winHeap) Less(i, j int) bool { return newer(h[i], h[j]) > 0 }
func (h winHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *winHeap) Push(x any)        { *h = append(*h, x.(win)) }
func (h *winHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// wins keeps the newest q.WinsLimit met standards in the window, in
// O(n log limit) rather than sorting every claim of the school.
func (p *Projection) wins(scope []*learner, q Query) []Win {
	best := make(winHeap, 0, q.WinsLimit)
	for _, l := range scope {
		for _, pr := range l.pairs {
			if pr.met == nil || !q.inWindow(pr.met.at) {
				continue
			}
			w := win{l, pr, pr.std, pr.met}
			switch {
			case best.Len() < q.WinsLimit:
				heap.Push(&best, w)
			case newer(w, best[0]) < 0:
				best[0] = w
				heap.Fix(&best, 0)
			}
		}
	}
	slices.SortFunc(best, newer)
	out := make([]Win, 0, len(best))
	for _, f := range best {
		sid := p.ids[f.std]
		w := Win{
			LearnerID:        f.l.id,
			Cohort:           f.l.cohort,
			StandardID:       sid,
			StandardRevision: f.m.revision,
			MetAt:            f.m.at,
			RecordedAt:       f.m.recordedAt,
			AttemptID:        f.m.attemptID,
			AgreementID:      f.m.agreementID,
			// notYet and adjusted are set only while the standard is
			// not met: both came before the meeting attempt.
			AfterNotYet:         f.pr.notYet,
			AfterPlanAdjustment: f.pr.adjusted,
			Trail:               "/v1/learners/" + f.l.id + "/standards/" + sid + "/replay",
		}
		if s := p.standards[sid]; s != nil {
			w.Code, w.Title = s.code, s.title
		}
		out = append(out, w)
	}
	return out
}

// ratio is num/den rounded to 12 decimal places, or nil when den is 0.
func ratio(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := round12(float64(num) / float64(den))
	return &v
}

// round12 rounds to 12 decimal places, so that representation noise
// (0.30000000000000004) never reaches a report.
func round12(x float64) float64 {
	return math.Round(x*1e12) / 1e12
}
