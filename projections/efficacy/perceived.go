package efficacy

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// The perceived side of collective efficacy: survey rounds, the
// instruments they answer, and their figures (docs/metrics.md, "Perceived
// efficacy" and "Survey instruments").

// SurveyRound is one survey round's perceived efficacy beside the measured
// proficiency at the round's time. A round answers one instrument version
// or none, so no figure pools two instruments or two versions.
type SurveyRound struct {
	RoundID string `json:"roundId"`
	// AsOf is the latest occurredAt of the round's responses counted, or
	// the round's opening if none is.
	AsOf time.Time `json:"asOf"`
	// Instrument is the instrument version the round's responses answer;
	// null for responses on the ledger's own items ("no instrument").
	Instrument *SurveyInstrumentRef `json:"instrument"`
	// Invited is the number invited when the round was opened; null for
	// a round without instrument, which records none.
	Invited *int `json:"invited"`
	// Responses counts the round's responses the query selects.
	Responses int `json:"responses"`
	// ResponseRate is Responses / Invited; null without an invited count,
	// and when the query names a cohort the round did not invite alone
	// (the invited count is the round's whole population).
	ResponseRate *float64 `json:"responseRate"`
	// Groups has one entry per respondent kind (and scale), learner before
	// staff.
	Groups []SurveyGroup `json:"groups"`
	// Subscales are the instrument's subscale means in the instrument's
	// order; empty for a round without instrument.
	Subscales []SubscaleMean `json:"subscales"`
	Measured  Measured       `json:"measured"`
}

// SurveyInstrumentRef names the instrument version a round answers.
type SurveyInstrumentRef struct {
	InstrumentID string `json:"instrumentId"`
	Version      int    `json:"version"`
	Title        string `json:"title"`
}

// SurveyGroup is the responses of one kind of respondent to one round.
type SurveyGroup struct {
	Respondent string     `json:"respondent"`
	ScaleMin   int        `json:"scaleMin"`
	ScaleMax   int        `json:"scaleMax"`
	Responses  int        `json:"responses"`
	Items      []ItemMean `json:"items"`
	// Overall is the mean over responses of each response's mean score
	// (null if no response scored an item, which the ledger never records).
	// Reverse-keyed items count scored.
	Overall *float64 `json:"overall"`
}

// ItemMean is the mean score of one item. The items of an instrument are
// in its order and their means are scored: a reverse-keyed item's score s
// counts as ScaleMin + ScaleMax − s. Items without instrument are in id
// order.
type ItemMean struct {
	ItemID       string  `json:"itemId"`
	Responses    int     `json:"responses"`
	Mean         float64 `json:"mean"`
	ReverseKeyed bool    `json:"reverseKeyed,omitempty"`
}

// SubscaleMean is one subscale of a round's instrument: the mean over the
// responses that scored at least one of its items of each response's mean
// scored item of the subscale.
type SubscaleMean struct {
	SubscaleID string `json:"subscaleId"`
	Name       string `json:"name"`
	// Items is the number of items the instrument gives the subscale.
	Items int `json:"items"`
	// Responses counts the responses that scored at least one of them.
	Responses int `json:"responses"`
	// Mean is null when Responses is 0.
	Mean *float64 `json:"mean"`
}

// surveys is what a school's stream holds of surveys.
type surveys struct {
	responses []response
	// instruments by id, version v at index v-1.
	instruments map[string][]*instrument
	rounds      map[string]*openRound
	// bare holds the round ids of responses without instrument.
	bare map[string]bool
}

// response is one EfficacySurveyRecorded.
type response struct {
	round      string
	respondent domain.Respondent
	cohort     string
	scaleMin   int
	scaleMax   int
	occurredAt time.Time
	items      []domain.SurveyItem
	// open is the round the response answers, nil without instrument.
	open *openRound
}

type instrument struct {
	domain.SurveyInstrumentPublished
	// item and subscale index Items and Subscales by id.
	item     map[string]int
	subscale map[string]int
}

// score is the scored value of a score s of item i: reversed if the item is
// reverse-keyed.
func (in *instrument) score(i, s int) int {
	if in.Items[i].ReverseKeyed {
		return in.ScaleMin + in.ScaleMax - s
	}
	return s
}

type openRound struct {
	inst     *instrument
	invited  int
	cohort   string
	openedAt time.Time
}

// applySurvey folds a survey event of school s's stream, checking first
// that the stream keeps instruments, versions and rounds apart as the
// decisions do.
func (s *school) applySurvey(e domain.RecordedEvent, ev domain.Event, id string) error {
	if !s.registered {
		return refuse(e, "%s before school %s is registered", e.Type, id)
	}
	sv := &s.surveys
	switch ev := ev.(type) {
	case domain.SurveyInstrumentPublished:
		if ev.Version != len(sv.instruments[ev.InstrumentID])+1 {
			return refuse(e, "instrument %s version %d after %d versions", ev.InstrumentID, ev.Version, len(sv.instruments[ev.InstrumentID]))
		}
		in := &instrument{SurveyInstrumentPublished: ev, item: map[string]int{}, subscale: map[string]int{}}
		for i, sc := range ev.Subscales {
			in.subscale[sc.ID] = i
		}
		for i, it := range ev.Items {
			if _, ok := in.subscale[it.Subscale]; !ok {
				return refuse(e, "item %s names no subscale of the instrument", it.ItemID)
			}
			in.item[it.ItemID] = i
		}
		if sv.instruments == nil {
			sv.instruments = map[string][]*instrument{}
		}
		sv.instruments[ev.InstrumentID] = append(sv.instruments[ev.InstrumentID], in)
	case domain.SurveyRoundOpened:
		in := sv.instrument(ev.InstrumentID, ev.InstrumentVersion)
		if in == nil {
			return refuse(e, "round %s of instrument %s version %d, not published", ev.RoundID, ev.InstrumentID, ev.InstrumentVersion)
		}
		if sv.rounds[ev.RoundID] != nil || sv.bare[ev.RoundID] {
			return refuse(e, "round %s is taken", ev.RoundID)
		}
		if sv.rounds == nil {
			sv.rounds = map[string]*openRound{}
		}
		sv.rounds[ev.RoundID] = &openRound{inst: in, invited: ev.Invited, cohort: ev.Cohort, openedAt: e.OccurredAt}
	case domain.EfficacySurveyRecorded:
		open := sv.rounds[ev.RoundID]
		switch {
		case ev.InstrumentID == "" && open != nil:
			return refuse(e, "a response without instrument to round %s of instrument %s", ev.RoundID, open.inst.InstrumentID)
		case ev.InstrumentID == "":
			if sv.bare == nil {
				sv.bare = map[string]bool{}
			}
			sv.bare[ev.RoundID] = true
		case open == nil || open.inst.InstrumentID != ev.InstrumentID || open.inst.Version != ev.InstrumentVersion:
			return refuse(e, "a response of instrument %s version %d to round %s, not a round of it", ev.InstrumentID, ev.InstrumentVersion, ev.RoundID)
		default:
			for _, it := range ev.Items {
				if _, ok := open.inst.item[it.ItemID]; !ok {
					return refuse(e, "item %s is not in instrument %s version %d", it.ItemID, ev.InstrumentID, ev.InstrumentVersion)
				}
			}
		}
		sv.responses = append(sv.responses, response{
			round:      ev.RoundID,
			respondent: ev.Respondent,
			cohort:     ev.Cohort,
			scaleMin:   ev.ScaleMin,
			scaleMax:   ev.ScaleMax,
			occurredAt: e.OccurredAt,
			items:      slices.Clone(ev.Items),
			open:       open,
		})
	}
	return nil
}

func (sv *surveys) instrument(id string, version int) *instrument {
	vs := sv.instruments[id]
	if version < 1 || version > len(vs) {
		return nil
	}
	return vs[version-1]
}

func (p *Projection) perceived(s *school, scope []*learner, q Query) []SurveyRound {
	type groupKey struct {
		respondent         domain.Respondent
		scaleMin, scaleMax int
	}
	type sum struct {
		n   int
		sum float64
	}
	type group struct {
		responses int
		scored    int     // responses with at least one item
		meanSum   float64 // sum of each scored response's mean, in stream order
		items     map[string]*sum
	}
	type round struct {
		asOf      time.Time
		open      *openRound
		responses int
		groups    map[groupKey]*group
		subscales []sum // per subscale of open's instrument: response means
	}
	rounds := map[string]*round{}
	newRound := func(id string, at time.Time, open *openRound) *round {
		rd := &round{asOf: at, open: open, groups: map[groupKey]*group{}}
		if open != nil {
			rd.subscales = make([]sum, len(open.inst.Subscales))
		}
		rounds[id] = rd
		return rd
	}
	for _, r := range s.surveys.responses {
		if !q.inWindow(r.occurredAt) || (q.Cohort != "" && r.cohort != q.Cohort) {
			continue
		}
		rd := rounds[r.round]
		if rd == nil {
			rd = newRound(r.round, r.occurredAt, r.open)
		}
		if r.occurredAt.After(rd.asOf) {
			rd.asOf = r.occurredAt
		}
		rd.responses++
		k := groupKey{r.respondent, r.scaleMin, r.scaleMax}
		g := rd.groups[k]
		if g == nil {
			g = &group{items: map[string]*sum{}}
			rd.groups[k] = g
		}
		g.responses++
		var in *instrument
		var bySub []sum
		if r.open != nil {
			in = r.open.inst
			bySub = make([]sum, len(in.Subscales))
		}
		total := 0
		for _, it := range r.items {
			score := it.Score
			if in != nil {
				i := in.item[it.ItemID]
				score = in.score(i, score)
				sub := &bySub[in.subscale[in.Items[i].Subscale]]
				sub.n++
				sub.sum += float64(score)
			}
			total += score
			is := g.items[it.ItemID]
			if is == nil {
				is = &sum{}
				g.items[it.ItemID] = is
			}
			is.n++
			is.sum += float64(score)
		}
		if len(r.items) > 0 {
			g.scored++
			g.meanSum += float64(total) / float64(len(r.items))
		}
		for i, sub := range bySub {
			if sub.n > 0 {
				rd.subscales[i].n++
				rd.subscales[i].sum += sub.sum / float64(sub.n)
			}
		}
	}
	// A round opened in the window that no selected response answers is
	// listed too: its response rate is 0.
	for id, open := range s.surveys.rounds {
		if rounds[id] == nil && q.inWindow(open.openedAt) && (q.Cohort == "" || open.cohort == q.Cohort) {
			newRound(id, open.openedAt, open)
		}
	}

	out := make([]SurveyRound, 0, len(rounds))
	for id, rd := range rounds {
		sr := SurveyRound{RoundID: id, AsOf: rd.asOf, Responses: rd.responses, Groups: []SurveyGroup{}, Subscales: []SubscaleMean{}}
		var in *instrument
		if rd.open != nil {
			in = rd.open.inst
			sr.Instrument = &SurveyInstrumentRef{InstrumentID: in.InstrumentID, Version: in.Version, Title: in.Title}
			invited := rd.open.invited
			sr.Invited = &invited
			if q.Cohort == "" || q.Cohort == rd.open.cohort {
				sr.ResponseRate = ratio(rd.responses, invited)
			}
			counts := make([]int, len(in.Subscales))
			for _, it := range in.Items {
				counts[in.subscale[it.Subscale]]++
			}
			for i, sc := range in.Subscales {
				sm := SubscaleMean{SubscaleID: sc.ID, Name: sc.Name, Items: counts[i], Responses: rd.subscales[i].n}
				if sm.Responses > 0 {
					v := round12(rd.subscales[i].sum / float64(sm.Responses))
					sm.Mean = &v
				}
				sr.Subscales = append(sr.Subscales, sm)
			}
		}
		for k, g := range rd.groups {
			sg := SurveyGroup{
				Respondent: string(k.respondent),
				ScaleMin:   k.scaleMin,
				ScaleMax:   k.scaleMax,
				Responses:  g.responses,
				Items:      make([]ItemMean, 0, len(g.items)),
			}
			if g.scored > 0 {
				v := round12(g.meanSum / float64(g.scored))
				sg.Overall = &v
			}
			for item, is := range g.items {
				im := ItemMean{ItemID: item, Responses: is.n, Mean: round12(is.sum / float64(is.n))}
				if in != nil {
					im.ReverseKeyed = in.Items[in.item[item]].ReverseKeyed
				}
				sg.Items = append(sg.Items, im)
			}
			if in != nil {
				slices.SortFunc(sg.Items, func(a, b ItemMean) int { return cmp.Compare(in.item[a.ItemID], in.item[b.ItemID]) })
			} else {
				slices.SortFunc(sg.Items, func(a, b ItemMean) int { return cmp.Compare(a.ItemID, b.ItemID) })
			}
			sr.Groups = append(sr.Groups, sg)
		}
		slices.SortFunc(sr.Groups, func(a, b SurveyGroup) int {
			return cmp.Or(cmp.Compare(a.Respondent, b.Respondent), cmp.Compare(a.ScaleMin, b.ScaleMin), cmp.Compare(a.ScaleMax, b.ScaleMax))
		})
		at := cut{t: rd.asOf, set: true, inclusive: true}
		prof := p.proficiency(scope, at)
		sr.Measured = Measured{AsOf: rd.asOf, Learners: prof.Learners, Overall: prof.Overall}
		out = append(out, sr)
	}
	slices.SortFunc(out, func(a, b SurveyRound) int {
		return cmp.Or(a.AsOf.Compare(b.AsOf), cmp.Compare(a.RoundID, b.RoundID))
	})
	return out
}

// Instruments returns every version of every survey instrument of the
// school, by instrument id and then version. It returns an error wrapping
// domain.ErrNotFound if no SchoolRegistered for schoolID has been applied.
func (p *Projection) Instruments(schoolID string) ([]domain.SurveyInstrumentPublished, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := p.schools[schoolID]
	if s == nil || !s.registered {
		return nil, fmt.Errorf("school %q: %w", schoolID, domain.ErrNotFound)
	}
	out := []domain.SurveyInstrumentPublished{}
	for _, vs := range s.surveys.instruments {
		for _, in := range vs {
			out = append(out, in.SurveyInstrumentPublished)
		}
	}
	slices.SortFunc(out, func(a, b domain.SurveyInstrumentPublished) int {
		return cmp.Or(cmp.Compare(a.InstrumentID, b.InstrumentID), cmp.Compare(a.Version, b.Version))
	})
	return out, nil
}

// Instrument returns the versions of one instrument of the school, oldest
// first, or an error wrapping domain.ErrNotFound if the school or the
// instrument is unknown.
func (p *Projection) Instrument(schoolID, instrumentID string) ([]domain.SurveyInstrumentPublished, error) {
	all, err := p.Instruments(schoolID)
	if err != nil {
		return nil, err
	}
	var out []domain.SurveyInstrumentPublished
	for _, in := range all {
		if in.InstrumentID == instrumentID {
			out = append(out, in)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("survey instrument %q of school %q: %w", instrumentID, schoolID, domain.ErrNotFound)
	}
	return out, nil
}
