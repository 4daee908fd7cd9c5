package policy

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := []struct {
		in     string
		id     string
		params map[string]float64 // the ones set; the rest keep defaults
	}{
		{"latest", "latest", nil},
		{"bkt,pT=0.3,pF=0.05", "bkt", map[string]float64{"pT": 0.3, "pF": 0.05}},
		{"decaying-average,canvas=1", "decaying-average", map[string]float64{"canvas": 1}},
		{"n-mastery,n=4", "n-mastery", map[string]float64{"n": 4}},
	}
	for _, c := range good {
		p, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		want := mustLookup(t, c.id, c.params)
		if p.ID() != c.id || !maps.Equal(p.Params(), want.Params()) {
			t.Errorf("Parse(%q) = %s %v, want %s %v", c.in, p.ID(), p.Params(), c.id, want.Params())
		}
	}
	bad := []struct {
		in    string
		names string // the error names the option
	}{
		{"nope", `"nope"`},
		{"bkt,pT", `"pT"`},
		{"bkt,=3", `"=3"`},
		{"bkt,pT=high", "pT"},
		{"bkt,pT=0.3,pT=0.4", "pT"},
		{"bkt,pT=2", "pT=2"},
		{"mean,w=0.5", "w=0.5"},
		{"bkt,pT=NaN", "pT=NaN"},
	}
	for _, c := range bad {
		_, err := Parse(c.in)
		if !errors.Is(err, ErrInvalidPolicy) {
			t.Errorf("Parse(%q) = %v, want ErrInvalidPolicy", c.in, err)
			continue
		}
		if !strings.Contains(err.Error(), c.names) {
			t.Errorf("Parse(%q): %q does not name %s", c.in, err, c.names)
		}
	}
}
