package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/masteryledger/ledger/adapters/credential"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/adapters/xapi"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/review"
	"github.com/prometheus/client_golang/prometheus"
)

// eventStore is a store the node can run on: the port, and Close.
type eventStore interface {
	domain.EventStore
	Close() error
}

// storeConfig says which store a node runs on, and how its transparency
// log is named and signed.
type storeConfig struct {
	kind string // "embedded" or "eventstoredb"
	url  string // the EventStoreDB connection string
	// logOrigin names the log on first start; empty: a generated name.
	logOrigin string
	// checkpointEvery is how often a checkpoint is signed if the tree grew;
	// 0 means only on demand.
	checkpointEvery time.Duration
	// credentialAlg is the algorithm credentials are signed with; empty
	// means ES256.
	credentialAlg credential.Alg
}

// logDir is where the transparency log and its key live.
func logDir(data string) string { return filepath.Join(data, "log") }

// keysDir is the learners' key store in a data directory, for either
// event store: the keys never go into the event log.
func keysDir(data string) string { return filepath.Join(data, "keys") }

// node is one running ledger: the store, the learners' keys, the command
// service, the read model following the store, and the transparency log.
type node struct {
	data   string
	store  eventStore
	keys   *keystore.Store
	sealer *keystore.Sealer
	svc    *service.Service
	view   *projections.View
	eff    *efficacy.Projection
	// reviews is the practice reviews' read model.
	reviews *review.Projection
	// research makes every copy a researcher reads; it follows the store
	// in the same engine as the other models.
	research *research.View
	// xapi is the xAPI statement resource's index, in the same engine;
	// xapiRes the resource that serves and repairs with it.
	xapi    *xapi.Index
	xapiRes *xapi.Resource
	engine  *projections.Engine
	log     *translog.Log
	metrics *httpapi.Metrics
	// startPos is the store's last position when the node opened: the
	// node is ready once the read model has caught up to it.
	startPos uint64
	failed   chan error // the projection engine or the log stopped on an error
	// secure says clients reach the node over HTTPS (httpapi.Config.Secure).
	secure bool
	// issuer signs OB 3.0 credentials; publicURL is the address
	// credentials name (httpapi.Config.PublicURL).
	issuer    *credential.Issuer
	publicURL string
	stop      context.CancelFunc
	stopped   chan struct{} // closed when the projections and the log have stopped
}

func openNode(ctx context.Context, data string, sc storeConfig, logger *slog.Logger) (*node, error) {
	n := &node{data: data, failed: make(chan error, 1), stopped: make(chan struct{})}
	var engine *projections.Engine
	head := &storeHead{timeout: 2 * time.Second}
	n.metrics = httpapi.NewMetrics(func() float64 {
		if engine == nil || head.load == nil {
			return 0
		}
		h := head.get()
		return float64(h - min(h, engine.Position()))
	})
	var store eventStore
	switch sc.kind {
	case "", "embedded":
		s, err := sqlite.Open(ctx, data, &sqlite.Options{
			Logger: logger.With("subsystem", "store"),
			OnCommit: func(c sqlite.CommitStats) {
				n.metrics.Committed(c.Appends, c.Duration)
			},
		})
		if err != nil {
			return nil, err
		}
		store = s
		n.startPos = s.LastPosition()
		head.load = func(context.Context) (uint64, error) { return s.LastPosition(), nil }
	case "eventstoredb":
		s, err := esdb.Open(ctx, sc.url, &esdb.Options{Logger: logger.With("subsystem", "store")})
		if err != nil {
			return nil, err
		}
		store = s
		// As on the embedded store: the node is ready, and serves, once
		// its read models hold every event stored when it started.
		if n.startPos, err = s.LastPosition(ctx); err != nil {
			s.Close()
			return nil, err
		}
		head.load = s.LastPosition
	default:
		return nil, fmt.Errorf("unknown store %q: %w", sc.kind, errUsage)
	}
	n.store = store
	keys, err := keystore.Open(keysDir(data))
	if err != nil {
		store.Close()
		return nil, err
	}
	key, err := translog.LoadOrCreateKey(logDir(data), sc.logOrigin)
	if err != nil {
		store.Close()
		return nil, err
	}
	if n.log, err = translog.Open(ctx, logDir(data), key); err != nil {
		store.Close()
		return nil, err
	}
	alg := sc.credentialAlg
	if alg == "" {
		alg = credential.ES256
	}
	ckey, err := credential.LoadOrCreateKey(logDir(data), alg)
	if err != nil {
		n.log.Close()
		store.Close()
		return nil, err
	}
	if n.issuer, err = credential.NewIssuer(alg, ckey, key.Signer, key.VerifierKey); err != nil {
		n.log.Close()
		store.Close()
		return nil, err
	}
	if err := n.log.CheckTip(ctx, store); err != nil {
		n.log.Close()
		store.Close()
		return nil, err
	}
	// The tree must extend the last checkpoint this key signed before the
	// node serves anything: a restore that rolled the events back must
	// stop here, not sign a second history.
	if err := n.log.CheckSigned(ctx, store); err != nil {
		n.log.Close()
		store.Close()
		return nil, err
	}
	n.metrics.Registry().MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ledger_log_leaves", Help: "Leaves of the transparency log written to its file.",
		}, func() float64 { return float64(n.log.Size()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ledger_log_lag_events", Help: "How far the transparency log is behind the store's last event, in positions (events on the embedded store; on EventStoreDB positions are sparse).",
		}, func() float64 {
			h := head.get()
			return float64(h - min(h, n.log.Position()))
		}),
	)
	pseudo, err := research.LoadPseudonymizer(data)
	if err != nil {
		n.log.Close()
		store.Close()
		return nil, err
	}
	// Nodes sharing a cluster must share their keys; one that does not is
	// refused before it writes anything.
	if a, ok := store.(agreer); ok {
		fps, err := nodeFingerprints(data, key, pseudo)
		if err == nil {
			err = checkClusterKeys(ctx, a, fps)
		}
		if err != nil {
			n.log.Close()
			store.Close()
			return nil, err
		}
	}
	n.keys, n.sealer = keys, keystore.NewSealer(keys)
	n.svc = service.New(store, &service.Options{OnRetry: n.metrics.Retried, Seal: n.sealer.Seal})
	n.view = projections.NewView(store)
	n.eff = efficacy.New()
	n.reviews = review.New()
	n.research = research.NewView(pseudo)
	n.xapi = xapi.NewIndex()
	// The shredder reads the whole log at every start, as the other models
	// do: an erasure stored by a process that died before it destroyed the
	// key is finished here. It comes first, so no model shows an erasure
	// whose key still exists.
	engine = projections.NewEngine(store, projections.Models{keystore.NewShredder(keys), n.view, n.eff, n.reviews, n.research, n.xapi}, 0)
	n.engine = engine

	n.xapiRes = xapi.New(xapi.Config{Service: n.svc, Index: n.xapi, Projection: engine, WaitTimeout: 30 * time.Second,
		Logger: logger.With("subsystem", "xapi")})

	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	n.stop = stop
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		// What a crash between two appends of the xAPI resource left
		// undone (a voided statement's evidence in another stream than
		// the voiding statement) is written once the index has read the
		// log; derived ids make it write nothing when nothing is missing.
		defer wg.Done()
		if err := n.xapiRes.Repair(runCtx, n.startPos); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("xapi repair", "err", err.Error())
		}
	}()
	go func() {
		defer wg.Done()
		if err := engine.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("projection stopped", "err", err.Error())
			n.fail(err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := n.log.Run(runCtx, store); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("transparency log stopped", "err", err.Error())
			n.fail(err)
		}
	}()
	go func() {
		defer wg.Done()
		n.signCheckpoints(runCtx, sc.checkpointEvery, logger)
	}()
	go func() {
		wg.Wait()
		close(n.stopped)
	}()
	return n, nil
}

// storeHead is the store's last position for the lag metrics. On
// EventStoreDB it is a round trip, bounded by timeout; when that fails the
// last value read stands, so a scrape never hangs on the server.
type storeHead struct {
	load    func(context.Context) (uint64, error)
	timeout time.Duration

	mu   sync.Mutex
	last uint64
}

func (h *storeHead) get() uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	p, err := h.load(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil && p > h.last {
		h.last = p
	}
	return h.last
}

// fail reports a background failure once; serve stops on it.
func (n *node) fail(err error) {
	select {
	case n.failed <- err:
	default:
	}
}

// signCheckpoints signs a checkpoint every interval if the tree grew, so
// that checkpoints exist for archiving without anyone asking for them.
func (n *node) signCheckpoints(ctx context.Context, every time.Duration, logger *slog.Logger) {
	signEvery(ctx, n.log, every, logger)
}

// checkpointSigner is what the timer needs of the log.
type checkpointSigner interface {
	Checkpoint(ctx context.Context) (translog.Checkpoint, error)
}

// signEvery asks log for a checkpoint every interval until ctx ends; the
// log signs one only if its tree grew. every <= 0 returns at once.
func signEvery(ctx context.Context, log checkpointSigner, every time.Duration, logger *slog.Logger) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := log.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				logger.Error("sign checkpoint", "err", err.Error())
			}
		}
	}
}

// ready reports whether the read model has caught up with what was stored
// when the node opened.
func (n *node) ready(context.Context) error {
	if pos := n.engine.Position(); pos < n.startPos {
		return fmt.Errorf("projections at position %d of %d", pos, n.startPos)
	}
	select {
	case <-n.stopped:
		return errors.New("projections or the transparency log stopped")
	default:
		return nil
	}
}

// handler serves the API and the pages on one port: the API's paths go to
// the API, every other path to the pages. Both read the same projections
// with the same token table, under the same access rules.
func (n *node) handler(tokens *httpapi.Tokens, logger *slog.Logger) (http.Handler, error) {
	api := httpapi.NewServer(httpapi.Config{
		Service: n.svc, View: n.view, Efficacy: n.eff, Reviews: n.reviews, Events: n.store, Projection: n.engine,
		Tokens: tokens, Research: n.research, Personal: n.sealer, Metrics: n.metrics, Ready: n.ready, Logger: logger,
		StartPosition: n.startPos, ReadYourWritesTimeout: 30 * time.Second, Log: n.log, Secure: n.secure,
		XAPI:        n.xapiRes,
		Credentials: n.issuer, PublicURL: n.publicURL,
	})
	pages, err := web.New(web.Config{
		View: n.view, Service: n.svc, Efficacy: n.eff, Reviews: n.reviews, Research: n.research, Tokens: tokens, Secure: n.secure, Metrics: n.metrics, Logger: logger.With("subsystem", "web"), Credentials: api,
		Projection: n.engine, StartPosition: n.startPos, StartTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	return web.OnePort(api, pages), nil
}

func (n *node) close() error {
	n.stop()
	<-n.stopped
	return errors.Join(n.log.Close(), n.store.Close())
}
