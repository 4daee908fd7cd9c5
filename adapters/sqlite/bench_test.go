package sqlite_test

// The store benchmarks of docs/benchmarks.md. BenchmarkStoreVsReferences
// measures the store through the port next to two references measured in the
// same run, because disks are too noisy to compare figures across runs:
//
//   - the bare engine: its own SQLite file with the store's schema (read back
//     from a store-created file) and pragmas, plain INSERTs of the same bytes
//     and a plain SELECT and scan of the same rows, with no port, no checks
//     and no hashing;
//   - the raw file: the same bytes appended to a file, one fdatasync per
//     group commit.
//
// Both references run on groupCommit, the store's write loop with the store
// taken out. Every case does a fixed amount of work whatever b.N is, so run
// it with -benchtime 1x; -short divides the work by ten.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

// benchPragmas are the store's connection settings (store.go, openDBs); the
// bare engine uses the same ones.
const benchPragmas = "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)"

// benchColumns are the store's columns, in the order it inserts and selects
// them.
const benchColumns = `position, event_id, stream, revision, type, occurred_at, recorded_at, actor_role, actor_name, data, prev_hash, hash, salt`

const (
	benchMaxBatch  = 1024 // the store's default Options.MaxBatch
	benchReaders   = 8    // the store's default Options.Readers
	benchPayload   = 500  // bytes of compact JSON per event
	benchEventType = "EvidenceRecorded"
)

var benchActor = domain.Actor{Role: "teacher", Name: "Ms Rivera"}

// benchWork is how much each case does.
type benchWork struct {
	appendsOne  int // appends by one writer
	appendsMany int // appends shared by manyWriters writers
	manyWriters int
	streams     int // the log holds streams × streamLen events
	streamLen   int
	perAppend   int // events per append while building the log
	builders    int // concurrent appenders while building the log
	page        int // events per ReadAll page
	streamReads int // timed ReadStream calls
}

func benchWorkFor() benchWork {
	w := benchWork{
		appendsOne:  3_000,
		appendsMany: 20_000,
		manyWriters: 32,
		streams:     10_000,
		streamLen:   100,
		perAppend:   10,
		builders:    64,
		page:        10_000,
		streamReads: 2_000,
	}
	if testing.Short() {
		w.appendsOne /= 10
		w.appendsMany /= 10
		w.streams /= 10
		w.streamReads /= 10
	}
	return w
}

// BenchmarkStoreVsReferences runs every case of docs/benchmarks.md in one
// run and logs a summary table. Run it with -benchtime 1x.
func BenchmarkStoreVsReferences(b *testing.B) {
	work := benchWorkFor()
	schema := benchStoreSchema(b)
	sum := &benchSummary{}
	lg := &benchLog{work: work, dir: b.TempDir()}
	b.Cleanup(lg.close)

	b.Run("append-1-writer", func(b *testing.B) {
		benchAppends(b, sum, schema, 1, work.appendsOne, 0)
	})
	b.Run(fmt.Sprintf("append-%d-writers", work.manyWriters), func(b *testing.B) {
		benchAppends(b, sum, schema, work.manyWriters, work.appendsMany, 0.90)
	})
	b.Run("build-log", func(b *testing.B) {
		lg.ensure(b)
		f := lg.built
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(f.eventsPerSec, "port-events/s")
		b.ReportMetric(float64(f.heap10.inUse)/(1<<20), "heap-MB-at-10%")
		b.ReportMetric(float64(f.heapEnd.inUse)/(1<<20), "heap-MB-at-end")
		heapRatio := benchRatio(float64(f.heapEnd.inUse), float64(f.heap10.inUse))
		liveRatio := benchRatio(float64(f.heapEnd.live), float64(f.heap10.live))
		rssRatio := benchRatio(float64(f.heapEnd.rss), float64(f.heap10.rss))
		b.ReportMetric(heapRatio, "heap-end/10%")
		b.ReportMetric(liveRatio, "live-end/10%")
		if rssRatio > 0 {
			b.ReportMetric(rssRatio, "rss-end/10%")
		}
		r := benchRow{
			measure: fmt.Sprintf("appending %d events: heap MiB after GC, at 10%% -> 100%%", f.events),
			port:    fmt.Sprintf("%.1f -> %.1f", float64(f.heap10.inUse)/(1<<20), float64(f.heapEnd.inUse)/(1<<20)),
			ratios:  fmt.Sprintf("end/10%% %.2f (live %.2f, RSS %.2f)", heapRatio, liveRatio, rssRatio),
			// A heap that grew with the log would grow tenfold here; 1.25
			// leaves room for the span-sized steps of a heap this small.
			target: "end/10% <= 1.25",
			met:    benchMet(heapRatio <= 1.25),
		}
		sum.add(r)
	})
	b.Run("read-all", func(b *testing.B) {
		benchReadAll(b, sum, lg)
	})
	b.Run("read-stream", func(b *testing.B) {
		benchReadStream(b, sum, lg)
	})
	// A benchmark prints only its own log, of at most 10 lines, so the
	// table is a case of its own and keeps to one line per row.
	b.Run("summary", func(b *testing.B) {
		b.ReportMetric(0, "ns/op")
		b.Logf("\n%s", sum)
	})
}

// ---- the group-commit loop of the references ----

// groupCommit is the store's write loop with the store taken out: one
// goroutine takes a pending request, gathers every request already waiting
// (up to maxBatch), commits the batch with one sync, and only then answers
// each request.
type groupCommit[R any] struct {
	reqs    chan *pendingReq[R]
	closing chan struct{}
	stopped chan struct{}
}

type pendingReq[R any] struct {
	req  R
	done chan error // buffered: the loop never blocks on it
}

func startGroupCommit[R any](maxBatch int, commit func(batch []R) error) *groupCommit[R] {
	g := &groupCommit[R]{
		reqs:    make(chan *pendingReq[R]),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go func() {
		defer close(g.stopped)
		var reqs []R
		for {
			select {
			case p := <-g.reqs:
				batch := []*pendingReq[R]{p}
			gather:
				for len(batch) < maxBatch {
					select {
					case p := <-g.reqs:
						batch = append(batch, p)
					default:
						break gather
					}
				}
				reqs = reqs[:0]
				for _, p := range batch {
					reqs = append(reqs, p.req)
				}
				err := commit(reqs)
				for _, p := range batch {
					p.done <- err
				}
			case <-g.closing:
				return
			}
		}
	}()
	return g
}

// do hands r to the loop and waits until its batch is synced.
func (g *groupCommit[R]) do(r R) error {
	p := &pendingReq[R]{req: r, done: make(chan error, 1)}
	select {
	case g.reqs <- p:
	case <-g.closing:
		return errors.New("group commit closed")
	}
	return <-p.done
}

func (g *groupCommit[R]) close() {
	close(g.closing)
	<-g.stopped
}

// ---- the bare engine ----

// bareRow is one event as the store stores it, every column but the
// position, which the commit assigns as the store's writer does.
type bareRow struct {
	id, stream              string
	revision                int64
	typ, occurred, recorded string
	role, name, data        string
	prevHash, hash, salt    string
}

// line is the row as the raw file stores it: the same bytes, tab-separated.
func (r bareRow) line() []byte {
	return []byte(strings.Join([]string{r.id, r.stream, strconv.FormatInt(r.revision, 10), r.typ, r.occurred,
		r.recorded, r.role, r.name, r.data, r.prevHash, r.hash, r.salt}, "\t") + "\n")
}

// bareEngine appends rows to its own SQLite file through the same group
// commit, with the INSERT prepared once.
type bareEngine struct {
	db   *sql.DB
	ins  *sql.Stmt
	gc   *groupCommit[[]bareRow]
	last int64
}

func openBare(tb testing.TB, path, schema string) *bareEngine {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+benchPragmas)
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if _, err := db.Exec(schema); err != nil {
		tb.Fatalf("bare engine: schema: %v", err)
	}
	ins, err := db.Prepare(`INSERT INTO events (` + benchColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		tb.Fatal(err)
	}
	e := &bareEngine{db: db, ins: ins}
	e.gc = startGroupCommit(benchMaxBatch, e.commit)
	return e
}

func (e *bareEngine) commit(batch [][]bareRow) error {
	ctx := context.Background()
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	ins := tx.StmtContext(ctx, e.ins)
	pos := e.last
	for _, rows := range batch {
		for _, r := range rows {
			pos++
			if _, err := ins.ExecContext(ctx, pos, r.id, r.stream, r.revision, r.typ, r.occurred, r.recorded,
				r.role, r.name, r.data, r.prevHash, r.hash, r.salt); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	e.last = pos
	return nil
}

func (e *bareEngine) close() error {
	e.gc.close()
	return errors.Join(e.ins.Close(), e.db.Close())
}

// ---- the raw file ----

type rawFile struct {
	f   *os.File
	buf []byte
	gc  *groupCommit[[]byte]
}

func openRaw(tb testing.TB, path string) *rawFile {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		tb.Fatal(err)
	}
	r := &rawFile{f: f}
	r.gc = startGroupCommit(benchMaxBatch, r.commit)
	return r
}

func (r *rawFile) commit(batch [][]byte) error {
	r.buf = r.buf[:0]
	for _, rec := range batch {
		r.buf = append(r.buf, rec...)
	}
	if _, err := r.f.Write(r.buf); err != nil {
		return err
	}
	return syscall.Fdatasync(int(r.f.Fd()))
}

func (r *rawFile) close() error {
	r.gc.close()
	return r.f.Close()
}

// ---- appends ----

type appendFigures struct {
	perSec   float64
	p50, p99 time.Duration
}

// benchAppends times appends by writers writers, each on its own stream,
// total appends of one event in all: through the raw file, the bare engine
// and the port. minRatio, if not 0, is the target for port/bare.
func benchAppends(b *testing.B, sum *benchSummary, schema string, writers, total int, minRatio float64) {
	per := total / writers
	ctx := context.Background()
	dir := b.TempDir()

	// The same events for all three, made before any timing.
	streams := make([]string, writers)
	events := make([][]domain.EventData, writers)
	rows := make([][]bareRow, writers)
	lines := make([][][]byte, writers)
	now := domain.FormatTime(time.Now())
	for w := range writers {
		streams[w] = fmt.Sprintf("learner-%02d", w)
		events[w] = make([]domain.EventData, per)
		rows[w] = make([]bareRow, per)
		lines[w] = make([][]byte, per)
		for i := range per {
			e := domain.EventData{ID: uuid.New(), Type: benchEventType, Actor: benchActor, Data: benchData(streams[w], i)}
			events[w][i] = e
			rows[w][i] = bareRow{id: e.ID.String(), stream: streams[w], revision: int64(i), typ: e.Type,
				occurred: now, recorded: now, role: e.Actor.Role, name: e.Actor.Name, data: string(e.Data),
				prevHash: benchFakeHash(w, i-1), hash: benchFakeHash(w, i), salt: benchFakeHash(w, i)[:domain.SaltLen]}
			lines[w][i] = rows[w][i].line()
		}
	}

	raw := openRaw(b, filepath.Join(dir, "raw.log"))
	bare := openBare(b, filepath.Join(dir, "bare.db"), schema)
	s, err := sqlite.Open(ctx, filepath.Join(dir, "store"), nil)
	if err != nil {
		b.Fatal(err)
	}
	peers := []*appendPeer{
		{do: func(w, i int) error { return raw.gc.do(lines[w][i]) }},
		{do: func(w, i int) error { return bare.gc.do(rows[w][i : i+1]) }},
		{do: func(w, i int) error {
			var exp domain.ExpectedRevision = domain.NoStream{}
			if i > 0 {
				exp = domain.Revision(i - 1)
			}
			recs, err := s.Append(ctx, streams[w], exp, events[w][i])
			if err == nil && recs[0].Revision != uint64(i) {
				err = fmt.Errorf("%s: got revision %d, want %d", streams[w], recs[0].Revision, i)
			}
			return err
		}},
	}
	// Each does the first half of its appends, then the second half in the
	// reverse order, so that drift within the run hits all three alike.
	for _, p := range peers {
		p.run(b, writers, 0, per/2)
	}
	for _, p := range slices.Backward(peers) {
		p.run(b, writers, per/2, per)
	}
	if err := errors.Join(raw.close(), bare.close(), s.Close()); err != nil {
		b.Fatal(err)
	}
	rawF, bareF, portF := peers[0].figures(), peers[1].figures(), peers[2].figures()

	b.ReportMetric(0, "ns/op")
	for _, m := range []struct {
		who string
		f   appendFigures
	}{{"port", portF}, {"bare", bareF}, {"raw", rawF}} {
		b.ReportMetric(m.f.perSec, m.who+"-appends/s")
		b.ReportMetric(benchMicros(m.f.p50), m.who+"-p50-µs")
		b.ReportMetric(benchMicros(m.f.p99), m.who+"-p99-µs")
	}
	toBare, toRaw := benchRatio(portF.perSec, bareF.perSec), benchRatio(portF.perSec, rawF.perSec)
	b.ReportMetric(toBare, "ratio-to-bare")
	b.ReportMetric(toRaw, "ratio-to-raw")

	what := fmt.Sprintf("append, %d writer(s), %d x 1 event", writers, writers*per)
	r := benchRow{measure: what + ": appends/s", port: benchNum(portF.perSec), bare: benchNum(bareF.perSec), raw: benchNum(rawF.perSec),
		ratios: fmt.Sprintf("%.2f / %.2f", toBare, toRaw)}
	if minRatio > 0 {
		r.target, r.met = fmt.Sprintf("port/bare >= %.2f", minRatio), benchMet(toBare >= minRatio)
	}
	sum.add(r)
	sum.add(benchRow{measure: "  append latency p50 / p99, µs",
		port: fmt.Sprintf("%.0f / %.0f", benchMicros(portF.p50), benchMicros(portF.p99)),
		bare: fmt.Sprintf("%.0f / %.0f", benchMicros(bareF.p50), benchMicros(bareF.p99)),
		raw:  fmt.Sprintf("%.0f / %.0f", benchMicros(rawF.p50), benchMicros(rawF.p99)),
		ratios: fmt.Sprintf("p99 %.2f / %.2f", benchRatio(benchMicros(portF.p99), benchMicros(bareF.p99)),
			benchRatio(benchMicros(portF.p99), benchMicros(rawF.p99))),
	})
}

// appendPeer is one of the three ways to append, with what its runs
// measured.
type appendPeer struct {
	do      func(w, i int) error // append i of writer w
	lat     []time.Duration
	elapsed time.Duration
}

// run starts writers goroutines that each call do(w, i) for i in [from, to)
// once all are ready, and times them.
func (p *appendPeer) run(b *testing.B, writers, from, to int) {
	b.Helper()
	lat := make([][]time.Duration, writers)
	errs := make(chan error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		lat[w] = make([]time.Duration, 0, to-from)
		wg.Go(func() {
			<-start
			for i := from; i < to; i++ {
				t0 := time.Now()
				if err := p.do(w, i); err != nil {
					errs <- err
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	p.elapsed += time.Since(t0)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	p.lat = append(p.lat, slices.Concat(lat...)...)
}

func (p *appendPeer) figures() appendFigures {
	return appendFigures{
		perSec: float64(len(p.lat)) / p.elapsed.Seconds(),
		p50:    benchPercentile(p.lat, 0.50),
		p99:    benchPercentile(p.lat, 0.99),
	}
}

// ---- the log of reads ----

// benchLog is the log the read cases share: streams × streamLen events,
// appended through the port perAppend events at a time, stream after stream
// in rounds, so that each stream's events are spread over the whole log.
type benchLog struct {
	work  benchWork
	dir   string
	store *sqlite.Store
	built struct {
		events          int
		eventsPerSec    float64
		heap10, heapEnd memSample
	}
}

func benchStreamName(i int) string { return fmt.Sprintf("learner-%05d", i) }

// ensure builds the log unless it is built. Building it is one long append
// run through the port: heap and resident set are sampled after the first
// round (10% of the events) and at the end.
func (lg *benchLog) ensure(b *testing.B) {
	switch {
	case lg.built.events > 0:
		return
	case lg.store != nil:
		b.Fatal("building the log failed")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(lg.dir, "store"), nil)
	if err != nil {
		b.Fatal(err)
	}
	lg.store = s
	w := lg.work
	rounds := w.streamLen / w.perAppend
	start := time.Now()
	for r := range rounds {
		errs := make(chan error, w.builders)
		var wg sync.WaitGroup
		for k := range w.builders {
			wg.Go(func() {
				for st := k; st < w.streams; st += w.builders {
					name := benchStreamName(st)
					evs := make([]domain.EventData, w.perAppend)
					for i := range evs {
						evs[i] = domain.EventData{ID: uuid.New(), Type: benchEventType, Actor: benchActor,
							Data: benchData(name, r*w.perAppend+i)}
					}
					var exp domain.ExpectedRevision = domain.NoStream{}
					if r > 0 {
						exp = domain.Revision(r*w.perAppend - 1)
					}
					if _, err := s.Append(ctx, name, exp, evs...); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		if r == 0 {
			lg.built.heap10 = benchMemory()
		}
	}
	elapsed := time.Since(start)
	lg.built.heapEnd = benchMemory()
	events := w.streams * w.streamLen
	if got := s.LastPosition(); got != uint64(events) {
		b.Fatalf("log holds %d events, want %d", got, events)
	}
	lg.built.events = events
	lg.built.eventsPerSec = float64(events) / elapsed.Seconds()
}

func (lg *benchLog) close() {
	if lg.store != nil {
		lg.store.Close()
	}
}

func (lg *benchLog) path() string { return filepath.Join(lg.dir, "store", sqlite.FileName) }

// openBareReader opens the log's file as the store's readers do, without the
// store.
func (lg *benchLog) openBareReader(b *testing.B) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+lg.path()+benchPragmas+"&_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(benchReaders)
	db.SetMaxIdleConns(benchReaders)
	b.Cleanup(func() { db.Close() })
	return db
}

const (
	bareReadAll    = `SELECT ` + benchColumns + ` FROM events WHERE position > ? ORDER BY position LIMIT ?`
	bareReadStream = `SELECT ` + benchColumns + ` FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`
)

// bareScan scans every row of rows into plain values, as the store's scan
// does before it parses them, and returns the count and the last position.
func bareScan(rows *sql.Rows, each func(pos int64, r *bareRow)) (n int, last int64, err error) {
	defer rows.Close()
	var r bareRow
	for rows.Next() {
		if err := rows.Scan(&last, &r.id, &r.stream, &r.revision, &r.typ, &r.occurred, &r.recorded,
			&r.role, &r.name, &r.data, &r.prevHash, &r.hash, &r.salt); err != nil {
			return n, last, err
		}
		if each != nil {
			each(last, &r)
		}
		n++
	}
	return n, last, rows.Err()
}

func benchReadAll(b *testing.B, sum *benchSummary, lg *benchLog) {
	lg.ensure(b)
	ctx := context.Background()
	page := lg.work.page
	want := lg.built.events
	db := lg.openBareReader(b)

	// The raw file holds the same rows, one line each; writing it is not
	// timed.
	rawPath := filepath.Join(lg.dir, "raw.log")
	if _, err := os.Stat(rawPath); err != nil {
		f, err := os.Create(rawPath)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		var after int64
		for {
			rows, err := db.QueryContext(ctx, bareReadAll, after, page)
			if err != nil {
				b.Fatal(err)
			}
			n, last, err := bareScan(rows, func(_ int64, r *bareRow) { bw.Write(r.line()) })
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			after = last
		}
		if err := errors.Join(bw.Flush(), f.Close()); err != nil {
			b.Fatal(err)
		}
	}

	readRaw := func() (int, error) {
		f, err := os.Open(rawPath)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		br := bufio.NewReaderSize(f, 1<<20)
		n := 0
		for {
			line, err := br.ReadSlice('\n')
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			if bytes.Count(line, []byte{'\t'}) != 10 {
				return n, fmt.Errorf("raw line %d: bad record", n)
			}
			n++
		}
	}
	readBare := func() (int, error) {
		var after int64
		total := 0
		for {
			rows, err := db.QueryContext(ctx, bareReadAll, after, page)
			if err != nil {
				return total, err
			}
			n, last, err := bareScan(rows, nil)
			if err != nil || n == 0 {
				return total, err
			}
			total += n
			after = last
		}
	}
	readPort := func() (int, error) {
		var after uint64
		total := 0
		for {
			evs, err := lg.store.ReadAll(ctx, after, page)
			if err != nil || len(evs) == 0 {
				return total, err
			}
			total += len(evs)
			after = evs[len(evs)-1].Position
		}
	}

	// Each reads the whole log twice, the second time in the reverse order,
	// so that drift within the run hits all three alike.
	reads := []func() (int, error){readRaw, readBare, readPort}
	elapsed := make([]time.Duration, len(reads))
	for _, k := range []int{0, 1, 2, 2, 1, 0} {
		runtime.GC()
		t0 := time.Now()
		n, err := reads[k]()
		elapsed[k] += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if n != want {
			b.Fatalf("read %d events, want %d", n, want)
		}
	}
	rate := func(k int) float64 { return float64(2*want) / elapsed[k].Seconds() }
	rawRate, bareRate, portRate := rate(0), rate(1), rate(2)

	toBare, toRaw := benchRatio(portRate, bareRate), benchRatio(portRate, rawRate)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(portRate, "port-events/s")
	b.ReportMetric(bareRate, "bare-events/s")
	b.ReportMetric(rawRate, "raw-events/s")
	b.ReportMetric(toBare, "ratio-to-bare")
	b.ReportMetric(toRaw, "ratio-to-raw")
	sum.add(benchRow{
		measure: fmt.Sprintf("read all %d events, pages of %d: events/s", want, page),
		port:    benchNum(portRate), bare: benchNum(bareRate), raw: benchNum(rawRate),
		ratios: fmt.Sprintf("%.2f / %.2f", toBare, toRaw),
		target: "port/bare >= 0.80", met: benchMet(toBare >= 0.80),
	})
}

func benchReadStream(b *testing.B, sum *benchSummary, lg *benchLog) {
	lg.ensure(b)
	ctx := context.Background()
	w := lg.work
	db := lg.openBareReader(b)
	rng := rand.New(rand.NewPCG(1, 2))

	bareRead := func(name string) error {
		rows, err := db.QueryContext(ctx, bareReadStream, name, 0, -1)
		if err != nil {
			return err
		}
		n, _, err := bareScan(rows, nil)
		if err == nil && n != w.streamLen {
			err = fmt.Errorf("bare engine: %s has %d events, want %d", name, n, w.streamLen)
		}
		return err
	}
	portRead := func(name string) error {
		evs, err := lg.store.ReadStream(ctx, name, 0, 0)
		if err == nil && len(evs) != w.streamLen {
			err = fmt.Errorf("port: %s has %d events, want %d", name, len(evs), w.streamLen)
		}
		return err
	}
	// Warm up: open the read connections.
	for range 50 {
		name := benchStreamName(rng.IntN(w.streams))
		if err := errors.Join(bareRead(name), portRead(name)); err != nil {
			b.Fatal(err)
		}
	}
	// Alternate the two on the same random streams, so that drift hits both.
	bareLat := make([]time.Duration, 0, w.streamReads)
	portLat := make([]time.Duration, 0, w.streamReads)
	for range w.streamReads {
		name := benchStreamName(rng.IntN(w.streams))
		t0 := time.Now()
		if err := bareRead(name); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := portRead(name); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		bareLat = append(bareLat, t1.Sub(t0))
		portLat = append(portLat, t2.Sub(t1))
	}
	p50, p99 := benchPercentile(portLat, 0.50), benchPercentile(portLat, 0.99)
	bp50, bp99 := benchPercentile(bareLat, 0.50), benchPercentile(bareLat, 0.99)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(benchMicros(p50), "port-p50-µs")
	b.ReportMetric(benchMicros(p99), "port-p99-µs")
	b.ReportMetric(benchMicros(bp50), "bare-p50-µs")
	b.ReportMetric(benchMicros(bp99), "bare-p99-µs")
	b.ReportMetric(benchRatio(benchMicros(p99), benchMicros(bp99)), "p99-ratio-to-bare")
	sum.add(benchRow{
		measure: fmt.Sprintf("read a %d-event stream (%d reads): p50 / p99, µs", w.streamLen, w.streamReads),
		port:    fmt.Sprintf("%.0f / %.0f", benchMicros(p50), benchMicros(p99)),
		bare:    fmt.Sprintf("%.0f / %.0f", benchMicros(bp50), benchMicros(bp99)),
		ratios:  fmt.Sprintf("p99 %.2f / -", benchRatio(benchMicros(p99), benchMicros(bp99))),
		target:  "port p99 < 1000 µs", met: benchMet(p99 < time.Millisecond),
	})
}

// ---- helpers ----

// storeSchema returns the schema of a store-created file, as SQLite keeps it.
func benchStoreSchema(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	s, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var stmts []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			b.Fatal(err)
		}
		stmts = append(stmts, s)
	}
	if err := rows.Err(); err != nil || len(stmts) == 0 {
		b.Fatalf("read the store's schema: %v (%d statements)", err, len(stmts))
	}
	return strings.Join(stmts, ";\n") + ";"
}

const benchFiller = "Explained why 3/4 + 1/8 = 7/8 using a fraction wall, then checked it with a number line. "

// benchData returns benchPayload bytes of compact JSON, like an evidence
// record.
func benchData(stream string, seq int) json.RawMessage {
	head := fmt.Sprintf(`{"learner":%q,"seq":%d,"skill":"number.fractions.add-unlike-denominators","outcome":"secure","note":"`, stream, seq)
	const tail = `"}`
	note := strings.Repeat(benchFiller, benchPayload/len(benchFiller)+1)[:benchPayload-len(head)-len(tail)]
	return json.RawMessage(head + note + tail)
}

// fakeHash is a stand-in hash of the right length for the references, which
// do no hashing.
func benchFakeHash(w, i int) string {
	if i < 0 {
		return domain.ZeroHash
	}
	return fmt.Sprintf("%032x%032x", w, i)
}

func benchPercentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// memSample is the process's memory at one moment, after a GC.
type memSample struct {
	inUse uint64 // bytes in in-use heap spans
	live  uint64 // bytes of live heap objects
	rss   uint64 // resident set, 0 if unknown; it covers SQLite's own allocations, which the Go heap does not
}

func benchMemory() memSample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{inUse: m.HeapInuse, live: m.HeapAlloc, rss: benchRSS()}
}

// benchRSS is the process's resident set in bytes, 0 if unknown.
func benchRSS() uint64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

func benchMicros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func benchRatio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func benchNum(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

func benchMet(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// ---- the summary table ----

type benchRow struct {
	measure, port, bare, raw, ratios, target, met string
}

type benchSummary struct{ rows []benchRow }

func (s *benchSummary) add(r benchRow) { s.rows = append(s.rows, r) }

func (s *benchSummary) String() string {
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "measure (%d CPUs; ratios within this run)\tport\tbare engine\traw file\tport/bare / port/raw\ttarget\t\n", runtime.NumCPU())
	for _, r := range s.rows {
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		target := r.target
		if r.met != "" {
			target += ": " + r.met
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.measure, dash(r.port), dash(r.bare), dash(r.raw), dash(r.ratios), dash(target))
	}
	tw.Flush()
	return buf.String()
}
