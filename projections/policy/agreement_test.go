package policy

import (
	"math"
	"testing"
)

// TestKappa uses the worked example of Cohen's kappa in the Wikipedia
// article "Cohen's kappa": 50 items, both yes 20, only the first reader
// yes 5, only the second 10, both no 15: po = 0.7, pe = 0.5, κ = 0.4.
func TestKappa(t *testing.T) {
	c := Confusion{Both: 20, PolicyOnly: 5, OfficialOnly: 10, Neither: 15}
	if a, ok := c.Agreement(); !ok || math.Abs(a-0.7) > 1e-12 {
		t.Errorf("Agreement = %v, %v; want 0.7", a, ok)
	}
	if k, ok := c.Kappa(); !ok || math.Abs(k-0.4) > 1e-12 {
		t.Errorf("Kappa = %v, %v; want 0.4", k, ok)
	}
	if _, ok := (Confusion{Neither: 7}).Kappa(); ok {
		t.Errorf("Kappa defined where both sides always say no")
	}
	if _, ok := (Confusion{}).Agreement(); ok {
		t.Errorf("Agreement defined over no pair")
	}
	var d Confusion
	d.Add(true, true)
	d.Add(true, false)
	d.Add(false, true)
	d.Add(false, false)
	if d != (Confusion{1, 1, 1, 1}) {
		t.Errorf("Add: %+v", d)
	}
}

func TestFirstMastered(t *testing.T) {
	s := levels(2, 3, 3, 3, 1)
	at, ok := FirstMastered(mustLookup(t, "n-mastery", nil), DefaultScale(), s)
	if !ok || !at.Equal(day(3)) {
		t.Errorf("n-mastery first mastered at %v, %v; want day 3", at, ok)
	}
	if _, ok := FirstMastered(mustLookup(t, "mean", nil), DefaultScale(), levels(1, 2)); ok {
		t.Errorf("mean of 1, 2 mastered")
	}
}
