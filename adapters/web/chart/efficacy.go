package chart

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/masteryledger/ledger/projections/efficacy"
)

// Figures are the charts of a collective-efficacy report, in the order a
// page shows them, and the wins feed as a table.
type Figures struct {
	// Scope says in words which learners and which time the figures
	// cover: "Cohort grade-6, by month, all time."
	Scope       string
	Proficiency Figure
	Growth      Figure
	Wins        Figure
	Persistence Figure
	// LearnerPersistence counts learners where Persistence counts
	// (learner, standard) pairs.
	LearnerPersistence Figure
	Goals              Figure
	TimeToMastery      Figure
	// AcrossRounds is proficiency at each survey round over one stated
	// population and set of standards.
	AcrossRounds Figure
	Perceived    Figure
	// Agency is the share of the cycle learners record themselves, by
	// period, for all learners and per cohort; AgencyKinds, by kind of
	// step.
	Agency      Figure
	AgencyKinds Figure
	// WinsFeed lists the newest standards met, newest first.
	WinsFeed Table
	// Surveys lists each survey round's subscale means and response
	// rate (survey.go).
	Surveys Table
}

// FromReport draws every chart of r. The charts' IDs are prefix followed by
// "-proficiency", "-growth" and so on, so prefix must be unique on the page.
func FromReport(prefix string, r efficacy.Report) (Figures, error) {
	if err := checkID(prefix); err != nil {
		return Figures{}, err
	}
	out := Figures{Scope: Scope(r.Query), WinsFeed: WinsTable(r.Wins), Surveys: SurveyTable(r.Perceived)}
	for _, c := range []struct {
		dst *Figure
		r   interface{ Render() (Figure, error) }
	}{
		{&out.Proficiency, ProficiencyChart(prefix+"-proficiency", r.Proficiency)},
		{&out.Growth, GrowthChart(prefix+"-growth", r.Growth)},
		{&out.Wins, WinsChart(prefix+"-wins", r.Growth)},
		{&out.Persistence, PersistenceMeter(prefix+"-persistence", r.Persistence)},
		{&out.LearnerPersistence, LearnerPersistenceMeter(prefix+"-persistence-learners", r.Persistence.ByLearner)},
		{&out.AcrossRounds, AcrossRoundsChart(prefix+"-across-rounds", r.AcrossRounds)},
		{&out.Agency, AgencyChart(prefix+"-agency", r.Agency)},
		{&out.AgencyKinds, AgencyKindsChart(prefix+"-agency-kinds", r.Agency.Overall)},
		{&out.Goals, GoalsMeter(prefix+"-goals", r.Goals)},
		{&out.TimeToMastery, TimeToMasteryChart(prefix+"-time", r.TimeToMastery)},
		{&out.Perceived, PerceivedChart(prefix+"-perceived", r.Perceived)},
	} {
		f, err := c.r.Render()
		if err != nil {
			return Figures{}, err
		}
		*c.dst = f
	}
	return out, nil
}

// Scope describes the query a report answers.
func Scope(q efficacy.ReportQuery) string {
	who := "All cohorts"
	if q.Cohort != nil {
		who = "Cohort " + *q.Cohort
	}
	when := "all time"
	switch {
	case q.From != nil && q.To != nil:
		when = "from " + day(*q.From) + " to before " + day(*q.To)
	case q.From != nil:
		when = "from " + day(*q.From)
	case q.To != nil:
		when = "before " + day(*q.To)
	}
	return fmt.Sprintf("%s, by %s, %s.", who, q.Period, when)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// periodName heads the column of a growth series' periods.
func periodName(period string) string {
	switch period {
	case efficacy.PeriodMonth:
		return "Month"
	case efficacy.PeriodWeek:
		return "ISO week"
	}
	return period
}

// percentOf turns a rate (0 to 1) into a percentage, keeping nil.
func percentOf(rate *float64) *float64 {
	if rate == nil {
		return nil
	}
	p := *rate * 100
	return &p
}

func count(n int) string { return fmt.Sprint(n) }

// standardLabel names a standard by code and title, falling back on its id
// when the ledger has not seen the standard's own events.
func standardLabel(id, code, title string) string {
	if l := strings.TrimSpace(code + " " + title); l != "" {
		return l
	}
	return id
}

// ProficiencyChart is the share of enrolled learners who met each standard
// in play; retired standards say so in their label.
func ProficiencyChart(id string, p efficacy.Proficiency) BarChart {
	c := BarChart{
		ID:       id,
		Title:    "Proficiency by standard",
		Desc:     fmt.Sprintf("Share of the %d enrolled learners who have met each standard in play.", p.Learners),
		Category: "Standard",
		Axis:     "Learners who met it",
		Extra:    []string{"Learners who met it", "Learners enrolled"},
	}
	for _, s := range p.Standards {
		label := standardLabel(s.StandardID, s.Code, s.Title)
		if s.Retired {
			label += " (retired)"
		}
		c.Bars = append(c.Bars, Bar{Label: label, Percent: percentOf(s.Rate), Extra: []string{count(s.Met), count(s.Learners)}})
	}
	return c
}

// GrowthChart is the standards met per enrolled learner, period by period.
func GrowthChart(id string, g efficacy.Growth) LineChart {
	period := cmp.Or(g.Period, "period")
	c := LineChart{
		ID:       id,
		Title:    "Growth: standards met per learner, by " + period,
		Desc:     "Standards met in each " + period + ", divided by the learners enrolled in it.",
		Category: periodName(g.Period),
		Axis:     "Standards met per learner",
		Extra:    []string{"Standards met", "Learners enrolled"},
		Series:   []Series{{Name: "Standards met per learner"}},
	}
	if g.Truncated {
		c.Desc += fmt.Sprintf(" Only the latest %d periods are shown.", len(g.Series))
	}
	for _, p := range g.Series {
		c.Points = append(c.Points, Point{Label: p.Label, Extra: []string{count(p.Met), count(p.Learners)}})
		c.Series[0].Values = append(c.Series[0].Values, p.PerLearner)
	}
	return c
}

// WinsChart counts the standards met, period by period: every win, where
// the feed lists only the newest.
func WinsChart(id string, g efficacy.Growth) LineChart {
	period := cmp.Or(g.Period, "period")
	c := GrowthChart(id, g)
	c.Title = "Wins: standards met, by " + period
	c.Desc = "Standards met by the learners in each " + period + "."
	c.Axis = "Standards met"
	c.Extra = nil
	c.Series = []Series{{Name: "Standards met"}}
	for i, p := range g.Series {
		met := float64(p.Met)
		c.Points[i].Extra = nil
		c.Series[0].Values = append(c.Series[0].Values, &met)
	}
	return c
}

// PersistenceMeter is the share of (learner, standard) pairs with a not-yet
// attempt that were met after a plan adjustment: learner × standard
// persistence.
func PersistenceMeter(id string, p efficacy.Persistence) Meter {
	return Meter{
		ID:      id,
		Title:   "Persistence, learner × standard",
		Desc:    "Of the standards a learner did not yet meet at an attempt, the share met after the learner's plan was adjusted.",
		Label:   "Share persisted",
		Percent: percentOf(p.Rate),
		Detail:  fmt.Sprintf("%d of %d not-yet standards met after a plan adjustment", p.Persisted, p.Pairs),
		Extra:   []string{"Not yet at an attempt", "Met since", "Met after a plan adjustment"},
		Cells:   []string{count(p.Pairs), count(p.MetAfterNotYet), count(p.Persisted)},
	}
}

// LearnerPersistenceMeter is the share of learners with a not-yet attempt
// who met a standard after a not-yet attempt and a plan adjustment:
// learner persistence.
func LearnerPersistenceMeter(id string, p efficacy.LearnerPersistence) Meter {
	return Meter{
		ID:      id,
		Title:   "Persistence, by learner",
		Desc:    "Of the learners who did not yet meet a standard at an attempt, the share who then met one after their plan for it was adjusted.",
		Label:   "Share of learners persisted",
		Percent: percentOf(p.Rate),
		Detail:  fmt.Sprintf("%d of %d learners met a standard after a not-yet attempt and a plan adjustment", p.Persisted, p.Learners),
		Extra:   []string{"Learners with a not-yet attempt", "Met one since", "Met one after a plan adjustment"},
		Cells:   []string{count(p.Learners), count(p.MetAfterNotYet), count(p.Persisted)},
	}
}

// AcrossRoundsChart is the proficiency rate at each survey round over the
// one population and set of standards the report states, so that rounds
// compare like with like.
func AcrossRoundsChart(id string, a efficacy.AcrossRounds) LineChart {
	standards := "none"
	if len(a.Standards) > 0 {
		standards = strings.Join(a.Standards, ", ")
	}
	c := LineChart{
		ID:    id,
		Title: "Proficiency across survey rounds, one population",
		Desc: fmt.Sprintf("At each survey round, the share met of the same %d learners (enrolled by the first round and not withdrawn by the last) "+
			"on the same %d standards (published by the first round, not retired by the last, started by those learners): %s.",
			a.Learners, len(a.Standards), standards),
		Category: "Survey round",
		Axis:     "Share of learner × standard met",
		Percent:  true,
		Extra:    []string{"As of", "Met", "Possible"},
		Series:   []Series{{Name: "Same learners, same standards"}},
	}
	for _, r := range a.Rounds {
		c.Points = append(c.Points, Point{Label: r.RoundID, Extra: []string{day(r.AsOf), count(r.Met), count(r.Possible)}})
		c.Series[0].Values = append(c.Series[0].Values, percentOf(r.Rate))
	}
	return c
}

// AgencyChart is the share of the learners' steps of the cycle that they
// recorded themselves, period by period: all learners, then each cohort.
func AgencyChart(id string, a efficacy.Agency) LineChart {
	period := cmp.Or(a.Period, "period")
	c := LineChart{
		ID:    id,
		Title: "Learner agency: the share of the cycle learners record, by " + period,
		Desc: "Of the goals set, plans drafted and adjusted, evidence and readiness requests recorded in each " + period +
			", the share the learner recorded rather than staff (steps a tool recorded are counted apart).",
		Category: periodName(a.Period),
		Axis:     "Recorded by learners",
		Percent:  true,
		Extra:    []string{"All learners: steps they recorded", "All learners: steps staff recorded", "All learners: steps tools recorded"},
		Series:   []Series{{Name: "All learners"}},
	}
	if a.Truncated {
		c.Desc += fmt.Sprintf(" Only the latest %d periods are shown.", len(a.Periods))
	}
	for _, ch := range a.ByCohort {
		c.Series = append(c.Series, Series{Name: "Cohort " + ch.Cohort})
	}
	for i, p := range a.Periods {
		o := a.Overall.Series[i]
		c.Points = append(c.Points, Point{Label: p.Label, Extra: []string{count(o.ByLearner), count(o.ByStaff), count(o.ByTool)}})
		c.Series[0].Values = append(c.Series[0].Values, percentOf(o.Share))
		for j, ch := range a.ByCohort {
			c.Series[j+1].Values = append(c.Series[j+1].Values, percentOf(ch.Series[i].Share))
		}
	}
	return c
}

// kindWords names the kinds of step.
var kindWords = map[string]string{
	"goals": "Goals set", "plans": "Plans drafted", "planAdjustments": "Plans adjusted",
	"evidence": "Evidence", "readinessRequests": "Readiness requests",
}

// AgencyKindsChart is the share each kind of step the learners recorded
// themselves, over the window.
func AgencyKindsChart(id string, g efficacy.AgencyGroup) BarChart {
	c := BarChart{
		ID:       id,
		Title:    "Learner agency by kind of step",
		Desc:     "Of each kind of step of the cycle, the share the learner recorded rather than staff.",
		Category: "Step",
		Axis:     "Recorded by learners",
		Extra:    []string{"By learners", "By staff", "By tools"},
	}
	for _, k := range g.Kinds {
		c.Bars = append(c.Bars, Bar{Label: cmp.Or(kindWords[k.Kind], k.Kind), Percent: percentOf(k.Share),
			Extra: []string{count(k.ByLearner), count(k.ByStaff), count(k.ByTool)}})
	}
	return c
}

// LearnerAgencyChart is one learner's share of their own cycle, period by
// period, for the learner's page.
func LearnerAgencyChart(id, period string, la efficacy.LearnerAgency, periods []efficacy.AgencyPeriod) LineChart {
	c := AgencyChart(id, efficacy.Agency{Period: period, Periods: periods,
		Overall: efficacy.AgencyGroup{Series: la.Series}})
	c.Title = "Who records the cycle: the share the learner recorded, by " + cmp.Or(period, "period")
	c.Desc = "Of the goals set, plans drafted and adjusted, evidence and readiness requests recorded about this learner in each " +
		cmp.Or(period, "period") + ", the share the learner recorded rather than staff (steps a tool recorded are counted apart)."
	c.Axis = "Recorded by the learner"
	c.Extra = []string{"By the learner", "By staff", "By tools"}
	c.Series[0].Name = "Recorded by the learner"
	return c
}

// HowWords says how a win's challenge was met.
func HowWords(w efficacy.Win) string {
	switch {
	case w.AfterNotYet && w.AfterPlanAdjustment:
		return "After a not-yet attempt and a plan adjustment"
	case w.AfterNotYet:
		return "After a not-yet attempt"
	}
	return "At the first attempt"
}

// GoalsMeter is the share of evaluated goals that were met; goals not yet
// evaluated are counted beside it, not against it.
func GoalsMeter(id string, g efficacy.Goals) Meter {
	return Meter{
		ID:      id,
		Title:   "Goals met",
		Desc:    "Of the goals set and evaluated, the share met by their latest evaluation.",
		Label:   "Share of evaluated goals met",
		Percent: percentOf(g.ShareMet),
		Detail:  fmt.Sprintf("%d of %d evaluated goals met; %d of %d set not yet evaluated", g.Met, g.Met+g.NotYet, g.NotEvaluated, g.Set),
		Extra:   []string{"Set", "Met", "Not yet", "Not evaluated"},
		Cells:   []string{count(g.Set), count(g.Met), count(g.NotYet), count(g.NotEvaluated)},
	}
}

// TimeToMasteryChart shows both distributions of the time a met standard
// took, by the median and 90th percentile the projection keeps.
func TimeToMasteryChart(id string, t efficacy.TimeToMastery) RangeChart {
	c := RangeChart{
		ID:       id,
		Title:    "Time to mastery",
		Desc:     "Days from the start of the work to meeting a standard, for the standards met.",
		Category: "Measured from",
		Unit:     "days",
		Extra:    []string{"Standards measured", "Not measurable"},
	}
	for _, r := range []struct {
		label string
		d     efficacy.Distribution
	}{
		{"Agreement to met", t.AgreementToMet},
		{"First evidence to met", t.FirstEvidenceToMet},
	} {
		c.Rows = append(c.Rows, Range{Label: r.label, Median: r.d.MedianDays, P90: r.d.P90Days, Extra: []string{count(r.d.N), count(r.d.Excluded)}})
	}
	return c
}

// PerceivedChart sets each survey round's perceived efficacy beside the
// proficiency measured at the round's time. A group's mean score is placed
// on its own scale, lowest answer 0%, highest 100%, so that it shares the
// axis of the measured rate; the table also gives the mean itself.
func PerceivedChart(id string, rounds []efficacy.SurveyRound) LineChart {
	// A series is one kind of respondent on one scale and one instrument
	// version (none for the ledger's own items): a line never joins
	// rounds of two instruments or versions.
	type key struct {
		respondent string
		lo, hi     int
		instrument string
	}
	instrumentOf := func(r efficacy.SurveyRound) string {
		if r.Instrument == nil {
			return ""
		}
		return fmt.Sprintf("%s, version %d", r.Instrument.Title, r.Instrument.Version)
	}
	var groups []key
	seen := map[key]bool{}
	for _, r := range rounds {
		for _, g := range r.Groups {
			k := key{g.Respondent, g.ScaleMin, g.ScaleMax, instrumentOf(r)}
			if !seen[k] {
				seen[k] = true
				groups = append(groups, k)
			}
		}
	}
	c := LineChart{
		ID:    id,
		Title: "Perceived efficacy beside measured proficiency",
		Desc: "Per survey round, each group's mean answer placed on its scale (the lowest answer is 0%, the highest 100%), " +
			"beside the share of standards met by the enrolled learners at the round's time.",
		Category: "Survey round",
		Axis:     "Perceived and measured",
		Percent:  true,
		Extra:    []string{"As of"},
	}
	slices.SortFunc(groups, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.respondent, b.respondent), cmp.Compare(a.lo, b.lo), cmp.Compare(a.hi, b.hi), cmp.Compare(a.instrument, b.instrument))
	})
	for _, k := range groups {
		name := fmt.Sprintf("%s, perceived (%d–%d)", respondentName(k.respondent), k.lo, k.hi)
		if k.instrument != "" {
			name = fmt.Sprintf("%s, perceived on %s (%d–%d)", respondentName(k.respondent), k.instrument, k.lo, k.hi)
		}
		c.Series = append(c.Series, Series{Name: name})
		c.Extra = append(c.Extra, name+", mean answer", name+", responses")
	}
	c.Series = append(c.Series, Series{Name: "Measured proficiency"})
	c.Extra = append(c.Extra, "Learners enrolled")
	for _, r := range rounds {
		extra := []string{day(r.AsOf)}
		for i, k := range groups {
			var placed *float64
			mean, responses := Missing, "0"
			for _, g := range r.Groups {
				if (key{g.Respondent, g.ScaleMin, g.ScaleMax, instrumentOf(r)}) != k {
					continue
				}
				responses = count(g.Responses)
				if finite(g.Overall) {
					mean = Number(*g.Overall)
					if g.ScaleMax > g.ScaleMin {
						v := (*g.Overall - float64(g.ScaleMin)) / float64(g.ScaleMax-g.ScaleMin) * 100
						placed = &v
					}
				}
			}
			c.Series[i].Values = append(c.Series[i].Values, placed)
			extra = append(extra, mean, responses)
		}
		last := len(c.Series) - 1
		c.Series[last].Values = append(c.Series[last].Values, percentOf(r.Measured.Rate))
		c.Points = append(c.Points, Point{Label: r.RoundID, Extra: append(extra, count(r.Measured.Learners))})
	}
	return c
}

func respondentName(r string) string {
	switch r {
	case "learner":
		return "Learners"
	case "staff":
		return "Staff"
	}
	return r
}

// WinsTable lists the wins feed, newest first.
func WinsTable(wins []efficacy.Win) Table {
	t := Table{
		Caption: "Wins: the newest standards met",
		Columns: []string{"Met", "Standard", "Learner", "Cohort", "How"},
		Empty:   "No wins yet.",
	}
	for _, w := range wins {
		t.Rows = append(t.Rows, []string{day(w.MetAt), standardLabel(w.StandardID, w.Code, w.Title), w.LearnerID, w.Cohort, HowWords(w)})
	}
	return t
}
