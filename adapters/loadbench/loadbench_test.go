package loadbench

import (
	"errors"
	"testing"
	"time"
)

func TestPct(t *testing.T) {
	r := Run{}
	for i := 100; i >= 1; i-- {
		r.Lat = append(r.Lat, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.50, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := r.Pct(c.p); got != c.want {
			t.Errorf("Pct(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := (&Run{}).Pct(0.99); got != 0 {
		t.Errorf("Pct of no latencies = %v, want 0", got)
	}
}

func TestClients(t *testing.T) {
	calls := make([][]int, 4)
	lat, _, err := Clients(4, 5, func(c, i int) error {
		calls[c] = append(calls[c], i)
		return nil
	})
	if err != nil || len(lat) != 20 {
		t.Fatalf("Clients: %d latencies, %v; want 20, nil", len(lat), err)
	}
	for c, got := range calls {
		if len(got) != 5 || got[0] != 0 || got[4] != 4 {
			t.Errorf("client %d called with %v, want 0..4", c, got)
		}
	}
	stop := errors.New("stop")
	if _, _, err := Clients(2, 3, func(c, i int) error {
		if c == 1 && i == 1 {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) {
		t.Errorf("Clients with a failing call: %v, want %v", err, stop)
	}
}
