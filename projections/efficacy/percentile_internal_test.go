package efficacy

import (
	"testing"
	"time"
)

// Nearest rank: the value at rank ⌈p·n/100⌉ of the sorted values.
func TestNearestRank(t *testing.T) {
	seq := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(i + 1)
		}
		return s
	}
	cases := []struct {
		name      string
		values    []float64
		p         int
		want      float64
		wantEmpty bool
	}{
		{"no values", nil, 50, 0, true},
		{"one value, median", []float64{7}, 50, 7, false},
		{"one value, p90", []float64{7}, 90, 7, false},
		// n = 2: median rank ⌈1⌉ = 1 (the lower middle, not the mean 1.5);
		// p90 rank ⌈1.8⌉ = 2.
		{"two, median", []float64{1, 2}, 50, 1, false},
		{"two, p90", []float64{1, 2}, 90, 2, false},
		// n = 10: median rank 5, p90 rank 9 (exactly, no rounding up).
		{"ten, median", seq(10), 50, 5, false},
		{"ten, p90", seq(10), 90, 9, false},
		// n = 11: median rank ⌈5.5⌉ = 6, p90 rank ⌈9.9⌉ = 10.
		{"eleven, median", seq(11), 50, 6, false},
		{"eleven, p90", seq(11), 90, 10, false},
		// n = 20: p90 rank 18; n = 21: ⌈18.9⌉ = 19.
		{"twenty, p90", seq(20), 90, 18, false},
		{"twenty-one, p90", seq(21), 90, 19, false},
		{"hundred, median", seq(100), 50, 50, false},
		{"hundred, p90", seq(100), 90, 90, false},
		{"p100 is the maximum", seq(9), 100, 9, false},
		{"p0 is the minimum", seq(9), 0, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := nearestRank(c.values, c.p)
			switch {
			case c.wantEmpty && got != nil:
				t.Errorf("got %v, want nil", *got)
			case !c.wantEmpty && (got == nil || *got != c.want):
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestDaysAndRounding(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want float64
	}{
		{6 * time.Hour, 0.25},
		{36 * time.Hour, 1.5},
		{time.Hour, 0.041666666667}, // 1/24 rounded to 12 decimal places
		{0, 0},
	}
	for _, c := range cases {
		if got := days(c.d); got != c.want {
			t.Errorf("days(%s) = %v, want %v", c.d, got, c.want)
		}
	}
	if got := *ratio(1, 3); got != 0.333333333333 {
		t.Errorf("ratio(1, 3) = %v", got)
	}
	if got := round12(0.1 + 0.2); got != 0.3 {
		t.Errorf("round12(0.1 + 0.2) = %v", got)
	}
	if ratio(0, 0) != nil || ratio(3, 0) != nil {
		t.Error("a zero denominator gives a number")
	}
}
