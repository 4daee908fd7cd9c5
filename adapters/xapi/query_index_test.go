package xapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// scanQuery is the reference for Index.query: every statement the index
// holds by id, in log order, decoded and checked whole against f as the
// specification reads it, not by the keys the index keeps.
func scanQuery(t *testing.T, x *Index, school string, f filter) []string {
	t.Helper()
	all := slices.SortedFunc(maps.Values(x.byID), func(a, b *entry) int { return cmp.Compare(a.position, b.position) })
	decoded := func(e *entry) obj {
		s, err := e.statement()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var out []string
	for _, e := range all {
		if e.school != school || e.voidedBy != "" {
			continue
		}
		s := decoded(e)
		st, err := parseTimestamp(s["stored"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if (f.hasSince && !st.After(f.since)) || (f.hasUntil && st.After(f.until)) {
			continue
		}
		match := treeMatches(f, s)
		if ob, ok := s["object"].(obj); !match && ok && ob["objectType"] == "StatementRef" {
			id, _ := ob["id"].(string)
			if target := x.byID[strings.ToLower(id)]; target != nil && target.school == e.school {
				match = treeMatches(f, decoded(target))
			}
		}
		if match {
			out = append(out, e.id)
		}
	}
	if !f.ascending {
		slices.Reverse(out)
	}
	return out
}

// treeMatches is whether a decoded statement's own content passes f.
func treeMatches(f filter, s obj) bool {
	if f.verb != "" {
		v, _ := s["verb"].(obj)
		if id, _ := v["id"].(string); id != f.verb {
			return false
		}
	}
	if f.registration != "" {
		ctx, _ := s["context"].(obj)
		if r, _ := ctx["registration"].(string); strings.ToLower(r) != f.registration {
			return false
		}
	}
	if f.activity != "" && !slices.Contains(activitiesOf(s, f.relatedActivities), f.activity) {
		return false
	}
	if f.agent != nil {
		found := false
		for _, a := range agentsOf(s, f.relatedAgents) {
			got := identity(a)
			for k, v := range f.agent {
				if got[k] == v {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// randomStatements feeds x n statements of two schools: agents by mbox and
// account, verbs, activities, sub-statements, references to statements
// before and after them, voiding ones, registrations in either case, and
// stored times that come a little out of log order, as concurrent writes
// stamp them.
func randomStatements(t *testing.T, x *Index, rng *rand.Rand, n int) {
	t.Helper()
	base := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "q-%d", i)).String()
	}
	agent := func() map[string]any {
		if k := rng.IntN(6); k < 5 {
			return map[string]any{"mbox": fmt.Sprintf("mailto:a%d@example.org", k)}
		}
		return map[string]any{"account": map[string]any{"homePage": "https://tool.example", "name": "acc"}}
	}
	activity := func() map[string]any {
		return map[string]any{"id": fmt.Sprintf("https://tool.example/act/%d", rng.IntN(4))}
	}
	regs := []string{"6f1d3c2e-0000-4000-8000-00000000000a", "6F1D3C2E-0000-4000-8000-00000000000B"}
	for i := range n {
		school := []string{"north", "south"}[rng.IntN(2)]
		stored := base.Add(time.Duration(i)*time.Second - time.Duration(rng.IntN(3))*time.Second)
		s := map[string]any{
			"id": ids[i], "actor": agent(), "stored": stored.Format("2006-01-02T15:04:05.000Z07:00"),
			"verb": map[string]any{"id": fmt.Sprintf("https://tool.example/verb/%d", rng.IntN(3))},
		}
		voids := ""
		switch k := rng.IntN(20); {
		case k < 12:
			s["object"] = activity()
		case k < 14:
			o := agent()
			o["objectType"] = "Agent"
			s["object"] = o
		case k < 16:
			s["object"] = map[string]any{"objectType": "SubStatement", "actor": agent(), "verb": map[string]any{"id": "https://tool.example/verb/0"}, "object": activity()}
		case k < 18:
			s["object"] = map[string]any{"objectType": "StatementRef", "id": strings.ToUpper(ids[rng.IntN(n)])}
		default:
			target := ids[rng.IntN(i+1)]
			s["verb"] = map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"}
			s["object"] = map[string]any{"objectType": "StatementRef", "id": target}
			voids = target
		}
		if rng.IntN(2) == 0 {
			ctx := map[string]any{"registration": regs[rng.IntN(2)], "contextActivities": map[string]any{"category": []any{activity()}}}
			if rng.IntN(2) == 0 {
				ctx["instructor"] = agent()
			}
			s["context"] = ctx
		}
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		e := domain.RecordedEvent{ID: uuid.MustParse(ids[i]), Type: domain.TypeStatementRecorded, Stream: domain.SchoolStream(school),
			Position: uint64(i + 1), RecordedAt: stored.Add(time.Second)}
		if err := x.ApplyDecoded(e, domain.StatementRecorded{StatementID: ids[i], SchoolID: school, Statement: raw, Voids: voids}); err != nil {
			t.Fatal(err)
		}
	}
}

// The property: for random statements and random filters, the indexed
// query pages through exactly what a scan of every statement finds, in
// the order asked, by cursor and by offset (the links given before the
// cursor), whatever the page size.
func TestQueryIndexAgreesWithScan(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 9))
			x := NewIndex()
			const n = 600
			randomStatements(t, x, rng, n)
			base := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
			nonEmpty := 0
			for q := range 400 {
				var f filter
				if rng.IntN(2) == 0 {
					a := obj{"mbox": fmt.Sprintf("mailto:a%d@example.org", rng.IntN(5))}
					if rng.IntN(6) == 0 {
						a = obj{"account": obj{"homePage": "https://tool.example", "name": "acc"}}
					}
					f.agent = identity(a)
					f.relatedAgents = rng.IntN(2) == 0
				}
				if rng.IntN(3) == 0 {
					f.verb = fmt.Sprintf("https://tool.example/verb/%d", rng.IntN(3))
				}
				if rng.IntN(3) == 0 {
					f.activity = fmt.Sprintf("https://tool.example/act/%d", rng.IntN(4))
					f.relatedActivities = rng.IntN(2) == 0
				}
				if rng.IntN(4) == 0 {
					f.registration = strings.ToLower([]string{"6f1d3c2e-0000-4000-8000-00000000000a", "6F1D3C2E-0000-4000-8000-00000000000B"}[rng.IntN(2)])
				}
				if rng.IntN(3) == 0 {
					f.since, f.hasSince = base.Add(time.Duration(rng.IntN(n))*time.Second+time.Duration(rng.IntN(1000))*time.Millisecond), true
				}
				if rng.IntN(3) == 0 {
					f.until, f.hasUntil = base.Add(time.Duration(rng.IntN(n))*time.Second), true
				}
				f.ascending = rng.IntN(2) == 0
				school := []string{"north", "south", "nowhere"}[rng.IntN(3)]
				want := scanQuery(t, x, school, f)
				if len(want) > 0 {
					nonEmpty++
				}
				size := 1 + rng.IntN(40)
				var got []string
				var after uint64
				for page := 0; ; page++ {
					if page > n {
						t.Fatalf("query %d: the pages never end", q)
					}
					es, more, _ := x.query(school, f, 0, after, 0, size)
					if len(es) > size || (more && len(es) < size) {
						t.Fatalf("query %d: a page of %d, size %d, more %v", q, len(es), size, more)
					}
					for _, e := range es {
						got = append(got, e.id)
					}
					if !more {
						break
					}
					after = es[len(es)-1].position
				}
				if !slices.Equal(got, want) {
					t.Fatalf("query %d %+v in %s, pages of %d:\ngot  %v\nwant %v", q, f, school, size, got, want)
				}
				skip := rng.IntN(len(want) + 2)
				es, more, _ := x.query(school, f, 0, 0, skip, size)
				var byOffset []string
				for _, e := range es {
					byOffset = append(byOffset, e.id)
				}
				end := min(len(want), skip+size)
				if wantPage := want[min(skip, len(want)):end]; !slices.Equal(byOffset, wantPage) || more != (end < len(want)) {
					t.Fatalf("query %d by offset %d, size %d: %v more %v, want %v", q, skip, size, byOffset, more, wantPage)
				}
			}
			if nonEmpty < 100 {
				t.Fatalf("only %d of 400 queries found anything: the test checks little", nonEmpty)
			}
		})
	}
}
