// Package loadbench is what the adapters' benchmarks share: concurrent
// clients started together, and a peer's latencies, rate, CPU and
// allocation per call, so that each benchmark can set a figure beside a
// peer measured in the same run the same way (docs/benchmarks.md).
//
// It is for benchmarks only: it measures the whole process, clients and
// server together, as both run in the benchmark's process.
package loadbench

import (
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Clients runs clients goroutines that each call do(c, i) for i in
// [0, per) once all are ready, and returns every call's latency and the
// wall time. The first error stops its client and is returned.
func Clients(clients, per int, do func(c, i int) error) ([]time.Duration, time.Duration, error) {
	lat := make([][]time.Duration, clients)
	errs := make(chan error, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for c := range clients {
		lat[c] = make([]time.Duration, 0, per)
		wg.Go(func() {
			<-start
			for i := range per {
				t0 := time.Now()
				if err := do(c, i); err != nil {
					errs <- err
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	close(errs)
	return slices.Concat(lat...), elapsed, <-errs
}

// Run accumulates a peer's measured runs.
type Run struct {
	Lat     []time.Duration
	Elapsed time.Duration
	CPU     time.Duration // the process's CPU time (user + system)
	GCs     uint32        // garbage collections while it ran
	Alloc   uint64        // bytes allocated while it ran, by the whole process
	Heap    uint64        // live heap before the last run, in bytes
}

// Measure runs clients × per calls of do (Clients) and adds them to r.
func (r *Run) Measure(clients, per int, do func(c, i int) error) error {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	cpu0 := processCPU()
	lat, elapsed, err := Clients(clients, per, do)
	r.CPU += processCPU() - cpu0
	runtime.ReadMemStats(&m1)
	r.GCs += m1.NumGC - m0.NumGC
	r.Alloc += m1.TotalAlloc - m0.TotalAlloc
	r.Heap = m0.HeapAlloc
	r.Lat = append(r.Lat, lat...)
	r.Elapsed += elapsed
	return err
}

// PerSec is the calls per second of wall time.
func (r *Run) PerSec() float64 { return float64(len(r.Lat)) / r.Elapsed.Seconds() }

// Pct is the p-quantile of the latencies (p in [0, 1]), nearest rank.
func (r *Run) Pct(p float64) time.Duration {
	if len(r.Lat) == 0 {
		return 0
	}
	s := slices.Clone(r.Lat)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// CPUPerOp is the process's CPU time per call: the client's and the
// server's together. On a shared machine it is steadier than the rate, and
// cores / CPUPerOp bounds the rate.
func (r *Run) CPUPerOp() time.Duration {
	if len(r.Lat) == 0 {
		return 0
	}
	return r.CPU / time.Duration(len(r.Lat))
}

// KBPerOp is the process's allocation per call, in KB.
func (r *Run) KBPerOp() float64 {
	if len(r.Lat) == 0 {
		return 0
	}
	return float64(r.Alloc) / 1024 / float64(len(r.Lat))
}

// processCPU is the CPU time this process has used, 0 if unknown.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Micros is d in microseconds.
func Micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// Met says whether a target is met, as the benchmarks' logs print it.
func Met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
