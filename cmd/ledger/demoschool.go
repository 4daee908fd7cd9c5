package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
)

// The demo school, North Middle School: three CCSS-M ratio standards, three
// teachers, a grade 6 cohort in the middle of its improvement cycles, two
// rounds of the efficacy survey, and a round of the school's own staff
// instrument (demoInstrument). Its content is fixed by demoSeed: every run
// writes the same standards, learners, levels, texts and dates (event ids and
// recording times are the run's own). Dates lie in the autumn term of 2026,
// in the past, because the ledger refuses an occurredAt in the future.
const (
	demoSchool     = "north"
	demoSchoolName = "North Middle School"
	demoCohort     = "grade-6"
	demoLearners   = 30
	demoSeed       = 2026
	// demoLastDay is the index of the term's last school day, Friday 13
	// November 2026 (day 0 is Tuesday 1 September).
	demoLastDay = 53
	// demoTransferDay is when the last two learners join, Monday 12 October.
	demoTransferDay = 29
	// The claim the guide's examples show: scriptedCycle makes it met after
	// a not-yet attempt and a plan adjustment, every run.
	demoLearner  = "l-0001"
	demoStandard = "math-6-rp-1"
	demoTeacher  = "Ms Rivera"
)

var (
	demoTermStart = time.Date(2026, time.September, 1, 0, 0, 0, 0, time.UTC)
	demoAdmin     = domain.Actor{Role: domain.RoleAdmin, Name: "School office"}
	demoTeachers  = []string{demoTeacher, "Mr Chen", "Ms Okafor"}
)

// demoDay returns the date of school day n of the term, weekends skipped.
func demoDay(n int) time.Time {
	d := demoTermStart
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// demoStd is a standard of the demo and the texts of its dialogue.
type demoStd struct {
	id, code, title, statement string
	short                      string // stem of goal and plan ids
	components                 []domain.Component
	start                      int // the school day the class begins it
	// Texts of the dialogue about the standard.
	strengths, nextSteps, causes []string
	goal                         string
}

var demoStandards = []demoStd{
	{
		id: "math-6-rp-1", code: "6.RP.A.1", title: "Ratios", short: "rp1", start: 0,
		statement: "Understand the concept of a ratio and use ratio language to describe a ratio relationship between two quantities.",
		components: []domain.Component{
			{ID: "c1", Statement: "Describe a ratio relationship between two quantities"},
			{ID: "c2", Statement: "Use ratio language: for every, to, per"},
			{ID: "c3", Statement: "Tell part-to-part from part-to-whole ratios"},
		},
		strengths: []string{"Describes ratios in everyday contexts with confidence", "Uses 'for every' precisely", "Draws clear tape diagrams"},
		nextSteps: []string{"Write the ratio both ways and say what each number counts", "Label each part of a tape diagram", "Check whether the question asks about a part or the whole"},
		causes:    []string{"Mixes up part-to-part and part-to-whole ratios", "Reads 'for every' as a difference, not a comparison", "Skips the units when writing a ratio"},
		goal:      "Describe ratio relationships in recipes and sports statistics",
	},
	{
		id: "math-6-rp-2", code: "6.RP.A.2", title: "Unit rates", short: "rp2", start: 15,
		statement: "Understand the concept of a unit rate a/b associated with a ratio a:b with b ≠ 0, and use rate language in the context of a ratio relationship.",
		components: []domain.Component{
			{ID: "c1", Statement: "Find the unit rate of a ratio"},
			{ID: "c2", Statement: "Use rate language: per, each, for each"},
		},
		strengths: []string{"Finds unit rates quickly with a double number line", "Explains what 'per' means in a price label", "Checks answers by estimating"},
		nextSteps: []string{"Divide in the right order: what is counted per one of what", "Say the unit rate in a full sentence with units", "Try a rate with a fraction in it"},
		causes:    []string{"Divides the quantities in the wrong order", "Drops the units, so the rate loses its meaning", "Unsure with fractional unit rates"},
		goal:      "Compare prices and speeds using unit rates",
	},
	{
		id: "math-6-rp-3", code: "6.RP.A.3", title: "Ratio and rate reasoning", short: "rp3", start: 30,
		statement: "Use ratio and rate reasoning to solve real-world and mathematical problems.",
		components: []domain.Component{
			{ID: "c1", Statement: "Make tables of equivalent ratios and plot the pairs"},
			{ID: "c2", Statement: "Solve unit rate problems, including unit pricing and constant speed"},
			{ID: "c3", Statement: "Find a percent of a quantity as a rate per 100"},
		},
		strengths: []string{"Builds tables of equivalent ratios carefully", "Plots the pairs and sees the line", "Sets up percent problems as rates per 100"},
		nextSteps: []string{"Explain why the points lie on a line through zero", "Convert units before comparing speeds", "Find the whole when a part and the percent are known"},
		causes:    []string{"Converts units halfway through a problem", "Treats percent as an amount, not a rate per 100", "Misses a row in the table of equivalent ratios"},
		goal:      "Plan the class trip budget with ratio and rate reasoning",
	},
}

// Evidence texts by source: who assessed, and what.
var (
	demoExperts    = []string{"Chef from the community kitchen", "Pharmacist from the health clinic", "Bike mechanic (gear ratios)", "Structural engineer"}
	demoAudiences  = []string{"Families at the autumn showcase", "Grade 4 class (taught a mini-lesson)", "School garden committee", "Local radio interview"}
	demoTechnology = []string{"Adaptive practice: unit quiz", "Geometry app: interactive table", "Online checkpoint quiz"}
	demoPeers      = []string{"Peer review circle", "Math partner check", "Group project rubric"}
	demoMedia      = []string{"application/pdf", "image/jpeg", "video/mp4"}
	demoInterests  = []string{"football", "cooking", "drawing", "robotics", "music", "animals", "gaming", "cycling", "theatre", "gardening"}
	demoStyles     = []string{"visual models", "talking it through", "hands-on", "working alone", "small groups"}
	demoCareers    = []string{"Veterinarian", "Game designer", "Chef", "Engineer", "Nurse", "Architect", "Not sure yet"}
	demoNames      = []string{"Ana", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade"}
)

// writeDemo records the whole school through the command service: the
// catalog and the school first, then every learner's term and the survey
// rounds concurrently (each learner's stream is written in order; the
// store group-commits the learners' appends), then the practice reviews,
// whose figures are read from store (the store svc writes to).
func writeDemo(ctx context.Context, svc *service.Service, store projections.Reader, learners int) error {
	setup := time.Date(2026, time.August, 24, 10, 0, 0, 0, time.UTC)
	meta := func(at time.Time) domain.Meta { return domain.Meta{Actor: demoAdmin, OccurredAt: at} }
	for i, s := range demoStandards {
		if _, err := svc.PublishStandard(ctx, domain.PublishStandard{
			Meta: meta(setup.Add(time.Duration(i) * time.Minute)), StandardID: s.id, Framework: "CCSS-M",
			Code: s.code, Title: s.title, Statement: s.statement, Components: s.components,
		}); err != nil {
			return fmt.Errorf("publish %s: %w", s.id, err)
		}
	}
	if _, err := svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: meta(setup.Add(time.Hour)), SchoolID: demoSchool, Name: demoSchoolName}); err != nil {
		return fmt.Errorf("register %s: %w", demoSchool, err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			cancel()
		}
	}
	for n := 1; n <= learners; n++ {
		wg.Go(func() { fail(newLearnerTerm(ctx, svc, n).term()) })
	}
	wg.Go(func() { fail(demoSurveys(ctx, svc)) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return demoReviews(ctx, svc, store, learners)
}

// learnerTerm writes one learner's term. Its methods stop at the first
// refusal (kept in err) or when the term is over.
type learnerTerm struct {
	ctx     context.Context
	svc     *service.Service
	id      string
	n       int
	teacher domain.Actor
	self    domain.Actor
	rng     *rand.Rand
	pace    int // up to how many school days a step takes: 2 (quick) to 5 (needs time)
	notYet  float64
	day     int
	at      time.Time
	over    bool
	err     error
}

func newLearnerTerm(ctx context.Context, svc *service.Service, n int) *learnerTerm {
	id := fmt.Sprintf("l-%04d", n)
	rng := rand.New(rand.NewPCG(demoSeed, uint64(n)))
	return &learnerTerm{
		ctx: ctx, svc: svc, id: id, n: n, rng: rng,
		teacher: domain.Actor{Role: domain.RoleTeacher, Name: demoTeachers[(n-1)%len(demoTeachers)]},
		self:    domain.Actor{Role: domain.RoleLearner, Name: id},
		pace:    2 + rng.IntN(4),
		notYet:  0.15 + 0.3*rng.Float64(),
		day:     -1,
	}
}

// step moves the learner's clock on by days school days (0: later the same
// day) and reports false once the term is over or a command was refused.
func (l *learnerTerm) step(days int) bool {
	if l.over || l.err != nil {
		return false
	}
	if days == 0 && !l.at.IsZero() {
		l.at = l.at.Add(time.Duration(10+l.rng.IntN(50)) * time.Minute)
		return true
	}
	l.day += max(days, 1)
	if l.day > demoLastDay {
		l.over = true
		return false
	}
	l.at = demoDay(l.day).Add(8*time.Hour + 30*time.Minute + time.Duration(l.rng.IntN(300))*time.Minute)
	return true
}

// gap is how many school days the learner's next step takes.
func (l *learnerTerm) gap() int { return 1 + l.rng.IntN(l.pace) }

func (l *learnerTerm) meta(a domain.Actor) domain.Meta {
	return domain.Meta{Actor: a, OccurredAt: l.at}
}

// do runs one command unless an earlier one failed, and returns the id of
// the event it recorded.
func (l *learnerTerm) do(what string, cmd func() (domain.RecordedEvent, error)) uuid.UUID {
	if l.err != nil {
		return uuid.Nil
	}
	rec, err := cmd()
	if err != nil {
		l.err = fmt.Errorf("%s: %s: %w", l.id, what, err)
		return uuid.Nil
	}
	return rec.ID
}

func pick[T any](rng *rand.Rand, from []T) T { return from[rng.IntN(len(from))] }

func lv(n int) *int { return &n }

func (l *learnerTerm) term() error {
	enrolled := time.Date(2026, time.August, 31, 8, 0, 0, 0, time.UTC).Add(time.Duration(l.n) * time.Minute)
	if l.n > demoLearners-2 {
		// Two learners transfer in mid-term and start where they are.
		l.day = demoTransferDay - 1
		enrolled = demoDay(demoTransferDay).Add(8*time.Hour + time.Duration(l.n)*time.Minute)
	}
	l.do("enroll", func() (domain.RecordedEvent, error) {
		return l.svc.EnrollLearner(l.ctx, demoSchool, domain.EnrollLearner{
			Meta: domain.Meta{Actor: demoAdmin, OccurredAt: enrolled}, LearnerID: l.id, Cohort: demoCohort,
		})
	})
	l.step(1)
	if l.id == demoLearner || l.rng.IntN(3) == 0 {
		l.profile()
	}
	for i := range demoStandards {
		s := &demoStandards[i]
		if l.id == demoLearner && s.id == demoStandard {
			l.scriptedCycle(s)
			continue
		}
		l.cycle(s)
	}
	return l.err
}

func (l *learnerTerm) profile() {
	interests := []string{pick(l.rng, demoInterests), pick(l.rng, demoInterests)}
	if interests[0] == interests[1] {
		interests = interests[:1]
	}
	l.do("update profile", func() (domain.RecordedEvent, error) {
		return l.svc.UpdateProfile(l.ctx, l.id, domain.UpdateProfile{Meta: l.meta(l.self), Profile: domain.Profile{
			DisplayName:         pick(l.rng, demoNames),
			Interests:           interests,
			LearningPreferences: []string{pick(l.rng, demoStyles)},
			BackgroundKnowledge: "Fractions and division from grade 5",
			CollegeCareerGoals:  pick(l.rng, demoCareers),
		}}, nil)
	})
}

func (l *learnerTerm) preAssess(s *demoStd, demonstrated []string) {
	note := "Starts at the beginning of the progression"
	if len(demonstrated) > 0 {
		note = "Diagnostic task at the start of the unit"
	}
	l.do("pre-assessment", func() (domain.RecordedEvent, error) {
		return l.svc.RecordPreAssessment(l.ctx, l.id, domain.RecordPreAssessment{
			Meta: l.meta(l.teacher), StandardID: s.id, Demonstrated: demonstrated, Note: note,
		}, nil)
	})
}

// evidence records one piece of evidence; self-assessments are the
// learner's own writes.
func (l *learnerTerm) evidence(s *demoStd, component string, level int, source domain.Source, note string) uuid.UUID {
	c := domain.RecordEvidence{StandardID: s.id, ComponentID: component, Level: lv(level), Source: source, Note: note}
	c.Meta = l.meta(l.teacher)
	switch source {
	case domain.SourceSelf:
		c.Meta = l.meta(l.self)
	case domain.SourceExpert:
		c.Assessor = pick(l.rng, demoExperts)
	case domain.SourceAuthenticAudience:
		c.Assessor = pick(l.rng, demoAudiences)
	case domain.SourceTechnology:
		c.Assessor = pick(l.rng, demoTechnology)
	case domain.SourcePeer:
		c.Assessor = pick(l.rng, demoPeers)
	}
	if source != domain.SourceSelf && l.rng.IntN(2) == 0 {
		c.Artifact = l.artifact()
	}
	if c.Note == "" {
		c.Note = demoLevelLabel(level) + " on the rubric row: " + componentStatement(s, component)
	}
	return l.do("evidence", func() (domain.RecordedEvent, error) { return l.svc.RecordEvidence(l.ctx, l.id, c, nil) })
}

// artifact points at a piece of work; its name says nothing of the learner.
func (l *learnerTerm) artifact() *domain.Artifact {
	var b [8]byte
	for i := range b {
		b[i] = byte(l.rng.UintN(256))
	}
	name := hex.EncodeToString(b[:])
	media := pick(l.rng, demoMedia)
	ext := map[string]string{"application/pdf": "pdf", "image/jpeg": "jpg", "video/mp4": "mp4"}[media]
	sum := sha256.Sum256([]byte(name))
	return &domain.Artifact{URI: "https://files.north.example/work/" + name + "." + ext, SHA256: hex.EncodeToString(sum[:]), MediaType: media}
}

func componentStatement(s *demoStd, id string) string {
	for _, c := range s.components {
		if c.ID == id {
			return c.Statement
		}
	}
	return id
}

func demoLevelLabel(level int) string {
	for _, l := range domain.DefaultScale().Levels {
		if l.Level == level {
			return l.Label
		}
	}
	return fmt.Sprint(level)
}

func (l *learnerTerm) randomSource() domain.Source {
	r := l.rng.IntN(100)
	switch {
	case r < 30:
		return domain.SourceTeacher
	case r < 52:
		return domain.SourceTechnology
	case r < 70:
		return domain.SourcePeer
	case r < 85:
		return domain.SourceSelf
	case r < 93:
		return domain.SourceExpert
	default:
		return domain.SourceAuthenticAudience
	}
}

func (l *learnerTerm) feedback(s *demoStd, evidence []uuid.UUID, causes string) {
	l.do("feedback", func() (domain.RecordedEvent, error) {
		return l.svc.GiveFeedback(l.ctx, l.id, domain.GiveFeedback{
			Meta: l.meta(l.teacher), StandardID: s.id, EvidenceIDs: evidence,
			Strengths: pick(l.rng, s.strengths), NextSteps: pick(l.rng, s.nextSteps), Causes: causes,
		}, nil)
	})
}

// owns reports whether the learner records the steps of their cycle on s
// themself (the gradual release of responsibility the agency figures
// follow): on the first standard the teacher sets the goal and drafts the
// plan with the class; from the second standard on, later in the term, two
// learners in three set their own goals, draft and adjust their own plans,
// assess themselves and ask to be assessed, and the others still leave it
// to the teacher.
func (l *learnerTerm) owns(s *demoStd) bool { return s.start > 0 && l.n%3 != 0 }

// writer is who records the learner's steps on s.
func (l *learnerTerm) writer(s *demoStd) domain.Actor {
	if l.owns(s) {
		return l.self
	}
	return l.teacher
}

func (l *learnerTerm) goalAndPlan(s *demoStd) {
	target := demoDay(min(l.day+10+2*l.pace, demoLastDay)).Format(time.DateOnly)
	l.do("goal", func() (domain.RecordedEvent, error) {
		return l.svc.SetGoal(l.ctx, l.id, domain.SetGoal{
			Meta: l.meta(l.writer(s)), GoalID: "g-" + s.short, Specific: s.goal,
			Measurable:  "Every component shown at Proficient (3) or above on the rubric",
			Achievable:  "Two practice sessions a week and a check-in with my teacher",
			Relevant:    "I need it for the science lab and for shopping",
			TargetDate:  target,
			Evaluate:    "Weekly check against the rubric with my teacher",
			Review:      "After the summative assessment",
			StandardIDs: []string{s.id},
		}, nil)
	})
	if !l.step(0) {
		return
	}
	l.do("plan", func() (domain.RecordedEvent, error) {
		return l.svc.DraftPlan(l.ctx, l.id, domain.DraftPlan{
			Meta: l.meta(l.writer(s)), PlanID: "p-" + s.short, GoalID: "g-" + s.short,
			Plan:   "Unit playlist, worked examples & the class tape-diagram kit",
			Learn:  "Practice sets, a partner task and one real-world project",
			Check:  "Rubric rows for each component; exemplar from the class wall",
			Adjust: "If a check falls short: a small-group session and a new practice set",
		}, nil)
	})
}

func (l *learnerTerm) adjust(s *demoStd, change, reason string) {
	actor := l.writer(s)
	if l.rng.IntN(3) == 0 {
		actor = l.teacher
	}
	l.do("adjust plan", func() (domain.RecordedEvent, error) {
		return l.svc.AdjustPlan(l.ctx, l.id, domain.AdjustPlan{Meta: l.meta(actor), PlanID: "p-" + s.short, Change: change, Reason: reason}, nil)
	})
}

func (l *learnerTerm) evaluate(s *demoStd, result domain.GoalResult, evidence []uuid.UUID, note string) {
	l.do("evaluate goal", func() (domain.RecordedEvent, error) {
		return l.svc.EvaluateGoal(l.ctx, l.id, domain.EvaluateGoal{
			Meta: l.meta(l.teacher), GoalID: "g-" + s.short, Result: result, EvidenceIDs: evidence, Note: note,
		}, nil)
	})
}

func (l *learnerTerm) review(s *demoStd) {
	l.do("review goal", func() (domain.RecordedEvent, error) {
		return l.svc.ReviewGoal(l.ctx, l.id, domain.ReviewGoal{
			Meta: l.meta(l.self), GoalID: "g-" + s.short,
			Reflection: "Explaining my thinking out loud helped most; next time I will check units first",
			NextGoal:   "Start the next standard with a plan for the hardest component",
		}, nil)
	})
}

// request is the learner asking to be assessed on s, pointing at the
// evidence they think shows every component.
func (l *learnerTerm) request(s *demoStd, evidence []uuid.UUID) {
	l.do("readiness request", func() (domain.RecordedEvent, error) {
		return l.svc.RequestReadiness(l.ctx, l.id, domain.RequestReadiness{
			Meta: l.meta(l.self), StandardID: s.id, EvidenceIDs: evidence,
			Note: "I think my evidence shows every component: can I take the summative task?",
		}, nil)
	})
}

func (l *learnerTerm) agree(s *demoStd) {
	l.do("agreement", func() (domain.RecordedEvent, error) {
		return l.svc.AgreeReadiness(l.ctx, l.id, domain.AgreeReadiness{
			Meta: l.meta(l.teacher), StandardID: s.id, LearnerConfirmed: true,
			Note: "We looked at the evidence together; signed up for the summative task",
		}, nil)
	})
}

func (l *learnerTerm) attempt(s *demoStd, level int) {
	note := "Meets the standard on every rubric row"
	if level < 3 {
		note = "Not yet: the written explanation does not show the reasoning"
	}
	c := domain.RecordSummativeAttempt{Meta: l.meta(l.teacher), StandardID: s.id, Level: lv(level), Note: note}
	if l.rng.IntN(2) == 0 {
		c.Artifact = l.artifact()
	}
	l.do("summative attempt", func() (domain.RecordedEvent, error) { return l.svc.RecordSummativeAttempt(l.ctx, l.id, c, nil) })
}

func (l *learnerTerm) retract(id uuid.UUID, reason string) {
	l.do("retract evidence", func() (domain.RecordedEvent, error) {
		return l.svc.RetractEvidence(l.ctx, l.id, domain.RetractEvidence{Meta: l.meta(l.teacher), EvidenceID: id, Reason: reason}, nil)
	})
}

// cycle walks one Learner Improvement Cycle on s, as far as the term and
// the learner's pace allow: pre-assessment, formative evidence, feedback, a
// SMARTER goal and a PLCA plan, more evidence until every component is
// shown, then agreements and summative attempts until one meets, with the
// plan adjusted after each not-yet.
func (l *learnerTerm) cycle(s *demoStd) {
	if !l.step(max(s.start-l.day, l.gap())) {
		return
	}
	covered := map[string]bool{}
	var demonstrated []string
	for i, c := range s.components[:len(s.components)-1] {
		p := 0.1
		if i == 0 {
			p = 0.35
		}
		if l.rng.Float64() < p {
			demonstrated = append(demonstrated, c.ID)
			covered[c.ID] = true
		}
	}
	l.preAssess(s, demonstrated)

	// First formative round: where the learner is.
	var first, proficient []uuid.UUID
	for _, c := range s.components {
		if covered[c.ID] {
			continue
		}
		if !l.step(l.gap() - 1) {
			return
		}
		if l.rng.IntN(10) == 0 {
			wrong := l.evidence(s, c.ID, 4, domain.SourceTeacher, "Entered from the gradebook")
			l.step(0)
			l.retract(wrong, "Entered for the wrong assignment: this score belongs to another task")
			l.step(0)
		}
		level := []int{1, 2, 2, 2, 3, 3}[l.rng.IntN(6)]
		id := l.evidence(s, c.ID, level, l.randomSource(), "")
		first = append(first, id)
		if level >= 3 {
			covered[c.ID] = true
			proficient = append(proficient, id)
		}
	}
	if !l.step(l.gap()) {
		return
	}
	l.feedback(s, first, pick(l.rng, s.causes))
	if !l.step(0) {
		return
	}
	l.goalAndPlan(s)
	if l.owns(s) && l.step(0) {
		// A learner who owns the cycle starts practice by assessing
		// themself against the rubric: still developing.
		l.evidence(s, s.components[len(s.components)-1].ID, 2, domain.SourceSelf, "Self-check against the rubric before practice")
	}

	// Second round: practice until every component is shown.
	for _, c := range s.components {
		for !covered[c.ID] {
			if !l.step(l.gap()) {
				return
			}
			level := []int{2, 3, 3, 3, 3, 4}[l.rng.IntN(6)]
			id := l.evidence(s, c.ID, level, l.randomSource(), "")
			if level >= 3 {
				covered[c.ID] = true
				proficient = append(proficient, id)
			} else if l.rng.IntN(3) == 0 && l.step(0) {
				l.adjust(s, "Added a small-group session on "+c.ID, "A check fell short: still Developing on "+c.ID)
			}
		}
	}

	// The agreement and the summative attempt, until met.
	for tries := 0; ; tries++ {
		if !l.step(l.gap()) {
			return
		}
		if l.owns(s) && len(proficient) > 0 {
			l.request(s, proficient)
			l.step(0)
		}
		l.agree(s)
		if !l.step(1 + l.rng.IntN(2)) {
			return
		}
		if l.rng.Float64() >= l.notYet/float64(tries+1) {
			l.attempt(s, []int{3, 3, 3, 4}[l.rng.IntN(4)])
			break
		}
		l.attempt(s, 2)
		if !l.step(0) {
			return
		}
		l.feedback(s, nil, pick(l.rng, s.causes))
		l.step(0)
		l.adjust(s, "Redo the practice set with worked examples, then a partner check", "The summative attempt did not meet: Developing on the written explanation")
		l.step(0)
		l.evaluate(s, domain.GoalNotYet, nil, "Not yet; the plan is adjusted")
		if !l.step(l.gap()) {
			return
		}
		c := pick(l.rng, s.components)
		proficient = append(proficient, l.evidence(s, c.ID, 3, l.randomSource(), "The re-check the adjusted plan called for"))
	}
	if !l.step(0) {
		return
	}
	l.evaluate(s, domain.GoalMet, proficient, "Goal met with the summative attempt")
	if l.step(l.gap() - 1) {
		l.review(s)
	}
}

// scriptedCycle is the claim the guide shows, the same every run: a
// pre-assessment, evidence from every source, a retraction, feedback with
// causes, a SMARTER goal and a PLCA plan, an agreement, a not-yet attempt,
// the plan adjusted, evidence again, a new agreement and an attempt that
// meets.
func (l *learnerTerm) scriptedCycle(s *demoStd) {
	l.step(s.start - l.day)
	l.preAssess(s, []string{"c1"})
	l.step(1)
	tech := l.evidence(s, "c2", 2, domain.SourceTechnology, "Ratio language quiz: 6 of 10")
	l.step(0)
	peer := l.evidence(s, "c3", 3, domain.SourcePeer, "Peer scored the poster as part-to-whole")
	l.step(1)
	l.retract(peer, "The peer scored it against the rubric of 6.RP.A.3, not this standard's")
	l.step(0)
	l.feedback(s, []uuid.UUID{tech}, "Reads 'for every' as a difference, not a comparison; mixes up part-to-part and part-to-whole")
	l.step(0)
	l.goalAndPlan(s)
	l.step(2)
	teacher := l.evidence(s, "c2", 3, domain.SourceTeacher, "Conference: explains 3 to 2 and 3 for every 2 correctly")
	l.step(1)
	self := l.evidence(s, "c3", 3, domain.SourceSelf, "I sorted 12 ratio cards into part-to-part and part-to-whole")
	l.step(1)
	expert := l.evidence(s, "c1", 4, domain.SourceExpert, "Scaled a bread recipe for 40 people with the chef")
	l.step(1)
	l.agree(s)
	l.step(2)
	l.attempt(s, 2)
	l.step(0)
	l.feedback(s, nil, "Rushed the written explanation; the table was right but the reasoning was missing")
	l.step(0)
	l.adjust(s, "Explain each answer aloud to a partner before writing it; two extra practice sets",
		"The summative attempt did not meet: Developing on explaining the reasoning")
	l.step(0)
	l.evaluate(s, domain.GoalNotYet, nil, "Not yet; plan adjusted after the summative attempt")
	l.step(2)
	audience := l.evidence(s, "c3", 4, domain.SourceAuthenticAudience, "Explained part-to-whole ratios to families at the showcase")
	l.step(1)
	l.agree(s)
	l.step(1)
	l.attempt(s, 3)
	l.step(0)
	l.evaluate(s, domain.GoalMet, []uuid.UUID{teacher, self, expert, audience}, "All three components at Proficient or above")
	l.step(1)
	l.review(s)
}

// demoSurveys records two rounds of the collective-efficacy survey, staff
// and learners, at the start and the middle of the term.
func demoSurveys(ctx context.Context, svc *service.Service) error {
	rng := rand.New(rand.NewPCG(demoSeed, 0))
	staffItems := []string{"staff-can-reach-every-learner", "staff-all-learners-can-master", "staff-learn-from-colleagues", "staff-feedback-moves-learning"}
	learnerItems := []string{"learner-can-master-hard-things", "learner-mistakes-help-me-learn", "learner-teachers-believe-in-me"}
	rounds := []struct {
		id   string
		at   time.Time
		base int // the usual score: perceived efficacy grows over the term
	}{
		{"2026-09-start", demoDay(3).Add(15 * time.Hour), 3},
		{"2026-11-mid", demoDay(50).Add(15 * time.Hour), 4},
	}
	for _, r := range rounds {
		for i := range 5 + 10 {
			respondent, items, cohort := domain.RespondentStaff, staffItems, ""
			if i >= 5 {
				respondent, items, cohort = domain.RespondentLearner, learnerItems, demoCohort
			}
			var answers []domain.SurveyItem
			for _, it := range items {
				score := min(max(r.base+rng.IntN(3)-1, domain.LikertMin), domain.LikertMax)
				answers = append(answers, domain.SurveyItem{ItemID: it, Score: score})
			}
			_, err := svc.RecordEfficacySurvey(ctx, demoSchool, domain.RecordEfficacySurvey{
				Meta:    domain.Meta{Actor: demoAdmin, OccurredAt: r.at.Add(time.Duration(i) * time.Minute)},
				RoundID: r.id, Respondent: respondent, Cohort: cohort, Items: answers,
			})
			if err != nil {
				return fmt.Errorf("survey %s: %w", r.id, err)
			}
		}
	}
	return demoInstrumentRound(ctx, svc)
}

// demoInstrument is the demo's own staff instrument: six items of its own
// wording, on a 6-point scale, in the two dimensions of collective teacher
// efficacy that Goddard, Hoy and Hoy (2000) name (docs/metrics.md), with
// one reverse-keyed item in each.
var demoInstrument = domain.PublishSurveyInstrument{
	InstrumentID: "north-staff-efficacy", Version: 1, Title: "North staff collective efficacy",
	Respondent: domain.RespondentStaff, ScaleMin: 1, ScaleMax: 6,
	Subscales: []domain.SurveySubscale{{ID: "group-competence", Name: "Group competence"}, {ID: "task-analysis", Name: "Task analysis"}},
	Items: []domain.InstrumentItem{
		{ItemID: "gc-reach", Text: "Together, the staff of this school can help every learner meet the standards.", Subscale: "group-competence"},
		{ItemID: "gc-methods", Text: "We know how to adjust our teaching when a learner's evidence shows a gap.", Subscale: "group-competence"},
		{ItemID: "gc-doubt", Text: "Some of our learners are beyond what our teaching can change.", Subscale: "group-competence", ReverseKeyed: true},
		{ItemID: "ta-support", Text: "Our learners have the support they need to keep working at a standard.", Subscale: "task-analysis"},
		{ItemID: "ta-resources", Text: "This school has what it takes to teach every standard well.", Subscale: "task-analysis"},
		{ItemID: "ta-pressure", Text: "What happens outside school undoes much of what we teach.", Subscale: "task-analysis", ReverseKeyed: true},
	},
	Source: "Written for the demo; its two subscales follow the shape of Goddard, Hoy and Hoy (2000), whose items it does not use.",
}

// demoInstrumentRound publishes the demo instrument, opens a round of it
// late in the term for the 8 staff, and records the 6 who answered. Its
// own random stream leaves the other rounds' answers as they were.
func demoInstrumentRound(ctx context.Context, svc *service.Service) error {
	// Learners' streams are 1 to demoLearners, the other rounds' 0.
	rng := rand.New(rand.NewPCG(demoSeed, 1000))
	at := demoDay(55).Add(15 * time.Hour)
	inst := demoInstrument
	inst.Meta = domain.Meta{Actor: demoAdmin, OccurredAt: at.Add(-2 * time.Hour)}
	if _, err := svc.PublishSurveyInstrument(ctx, demoSchool, inst); err != nil {
		return fmt.Errorf("survey instrument: %w", err)
	}
	const round = "2026-11-staff-efficacy"
	if _, err := svc.OpenSurveyRound(ctx, demoSchool, domain.OpenSurveyRound{
		Meta:    domain.Meta{Actor: demoAdmin, OccurredAt: at.Add(-time.Hour)},
		RoundID: round, InstrumentID: inst.InstrumentID, InstrumentVersion: inst.Version, Invited: 8,
	}); err != nil {
		return fmt.Errorf("survey round %s: %w", round, err)
	}
	for i := range 6 {
		var answers []domain.SurveyItem
		for j, it := range inst.Items {
			if i == 5 && j == 4 {
				continue // one respondent left an item unanswered
			}
			// Staff lean towards efficacy (4 of 6, give or take one):
			// they disagree with the reverse-keyed items.
			score := min(max(4+rng.IntN(3)-1, inst.ScaleMin), inst.ScaleMax)
			if it.ReverseKeyed {
				score = inst.ScaleMin + inst.ScaleMax - score
			}
			answers = append(answers, domain.SurveyItem{ItemID: it.ItemID, Score: score})
		}
		_, err := svc.RecordEfficacySurvey(ctx, demoSchool, domain.RecordEfficacySurvey{
			Meta:    domain.Meta{Actor: demoAdmin, OccurredAt: at.Add(time.Duration(i) * time.Minute)},
			RoundID: round, Respondent: domain.RespondentStaff, Items: answers,
			InstrumentID: inst.InstrumentID, InstrumentVersion: inst.Version,
		})
		if err != nil {
			return fmt.Errorf("survey %s: %w", round, err)
		}
	}
	return nil
}
