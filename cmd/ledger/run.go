package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"github.com/masteryledger/ledger/adapters/credential"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
)

const usage = `usage: ledger <command> [flags]

commands:
  serve    run the service (default store: embedded, in --data)
  demo     fill a fresh data directory with a sample school and print tokens to try it
  tokens   add, list or revoke bearer tokens (ledger tokens add|list|revoke), even while serving
  replay   print the trail of one learner's claim on a standard as a table
  export   write every event, in global order, as NDJSON (--pseudonymise for research)
  verify   recompute every hash chain, the global order and the transparency log of a
           data directory (--data), of an export against saved checkpoints (--export),
           or of a running ledger over HTTP with an auditor token (--server URL)
  verify-transcript
           check a signed transcript (GET .../transcript?format=ob3) offline against the log's key
  verify-consistency
           check offline, with a consistency proof, that a newer checkpoint extends an older one
  backup   copy a data directory, while the service runs, into one file with a manifest (--out)
  restore  check a backup file and write it into a new data directory (--in, --data)
  research offline research over an export or a stopped data directory: re-run mastery
           policies over whole cohorts (policies), DataShop transactions (datashop),
           fit knowledge tracing (fit-bkt); 'ledger research -h'
  import   bring data in from the systems a school already has, with the service stopped:
           standards from a CASE 1.1 package (ledger import case --data DIR [--dry-run] [--retire-missing] FILE),
           schools and learners from OneRoster 1.1/1.2 bulk CSV (ledger import oneroster --data DIR ZIP|DIR)

Run 'ledger <command> -h' for a command's flags.
`

// errUsage marks a command line that could not be understood; it exits 2.
var errUsage = errors.New("usage")

// errVerifyFailed marks a data directory whose chains do not verify; it
// exits 1 like every other failure, but is reported without a stack of
// wrapping.
var errVerifyFailed = errors.New("verification failed")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// run is the whole program: main calls it with the process's arguments,
// environment and streams, tests with their own.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given: %w", errUsage)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "verify":
		return runVerify(ctx, args[1:], getenv, stdout, stderr)
	case "verify-transcript":
		return runVerifyTranscript(ctx, args[1:], getenv, stdout, stderr)
	case "verify-consistency":
		return runVerifyConsistency(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], getenv, stdout, stderr)
	case "tokens":
		return runTokens(ctx, args[1:], getenv, stdout, stderr)
	case "replay":
		return runReplay(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	case "research":
		return runResearch(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
	}
}

// envDefault returns the LEDGER_* variable's value, or def if unset: every
// flag can come from the environment, and a flag on the command line wins.
func envDefault(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%s: %w: %w", fs.Name(), err, errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q: %w", fs.Name(), fs.Arg(0), errUsage)
	}
	return nil
}

type serveConfig struct {
	addr, data, store, esdbURL, tokens string
	logOrigin                          string
	// publicURL and credentialAlg: see httpapi.Config.PublicURL and
	// credential.Alg.
	publicURL, credentialAlg string
	checkpointEvery          time.Duration
	tokensEvery              time.Duration
	tlsCert, tlsKey          string
	limits                   httpapi.ConnLimits
	shutdownGrace            time.Duration
}

// maxShutdownGrace bounds --shutdown-grace: SIGTERM must end the process
// within DOMAIN.md's 10 s, and stopping the projections and closing the
// store need the rest.
const maxShutdownGrace = 8 * time.Second

// intFlag reads an integer flag's value, naming the flag if it is not one.
func intFlag(name, raw string) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fmt.Errorf("serve: --%s %q: want an integer: %w", name, raw, errUsage)
	}
	return n, nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", envDefault(getenv, "LEDGER_ADDR", "127.0.0.1:8080"), "listen address (LEDGER_ADDR)")
	fs.StringVar(&cfg.data, "data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory (LEDGER_DATA)")
	fs.StringVar(&cfg.store, "store", envDefault(getenv, "LEDGER_STORE", "embedded"), "event store: embedded or eventstoredb (LEDGER_STORE)")
	fs.StringVar(&cfg.esdbURL, "eventstoredb-url", envDefault(getenv, "LEDGER_EVENTSTOREDB_URL", ""), "EventStoreDB connection string, e.g. esdb://127.0.0.1:2113?tls=false (LEDGER_EVENTSTOREDB_URL)")
	fs.StringVar(&cfg.tokens, "tokens", envDefault(getenv, "LEDGER_TOKENS", ""), "tokens file (LEDGER_TOKENS); default: DATA/tokens.json, created on first start with an admin token, printed once")
	fs.StringVar(&cfg.publicURL, "public-url", envDefault(getenv, "LEDGER_PUBLIC_URL", ""), "the address verifiers reach the ledger at, e.g. https://ledger.school.example; credentials name their revocation list under it for good (LEDGER_PUBLIC_URL); default: the listen address")
	fs.StringVar(&cfg.credentialAlg, "credential-alg", envDefault(getenv, "LEDGER_CREDENTIAL_ALG", string(credential.ES256)), "the algorithm OB 3.0 credentials are signed with: ES256 (P-256) or RS256 (RSA 2048) (LEDGER_CREDENTIAL_ALG)")
	fs.StringVar(&cfg.logOrigin, "log-origin", envDefault(getenv, "LEDGER_LOG_ORIGIN", ""), "the transparency log's name on first start, e.g. ledger.school.example (LEDGER_LOG_ORIGIN); default: mastery-ledger/ and a random suffix")
	tokensEvery := fs.String("tokens-check-every", envDefault(getenv, "LEDGER_TOKENS_CHECK_EVERY", "1s"), "check the tokens file this often and reload it when it changed (LEDGER_TOKENS_CHECK_EVERY)")
	every := fs.String("checkpoint-every", envDefault(getenv, "LEDGER_CHECKPOINT_EVERY", "1m"), "sign a checkpoint this often if the log grew; 0 for on demand only (LEDGER_CHECKPOINT_EVERY)")
	fs.StringVar(&cfg.tlsCert, "tls-cert", envDefault(getenv, "LEDGER_TLS_CERT", ""), "serve HTTPS with this PEM certificate (chain) file; needs --tls-key (LEDGER_TLS_CERT)")
	fs.StringVar(&cfg.tlsKey, "tls-key", envDefault(getenv, "LEDGER_TLS_KEY", ""), "the PEM private key of --tls-cert (LEDGER_TLS_KEY)")
	maxConns := fs.String("max-conns", envDefault(getenv, "LEDGER_MAX_CONNS", strconv.Itoa(httpapi.DefaultConnLimits.MaxConns)), "connections open at once, from all clients; -1 for no cap (LEDGER_MAX_CONNS)")
	grace := fs.String("shutdown-grace", envDefault(getenv, "LEDGER_SHUTDOWN_GRACE", "5s"), "on SIGTERM, how long requests in flight may take before their connections are closed; at most 8s (LEDGER_SHUTDOWN_GRACE)")
	maxPerAddr := fs.String("max-conns-per-addr", envDefault(getenv, "LEDGER_MAX_CONNS_PER_ADDR", strconv.Itoa(httpapi.DefaultConnLimits.MaxConnsPerAddr)), "connections open at once from one client IP address; -1 for no cap, as behind a reverse proxy (LEDGER_MAX_CONNS_PER_ADDR)")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	d, err := time.ParseDuration(*every)
	if err != nil || d < 0 {
		return fmt.Errorf("serve: --checkpoint-every %q: want a duration such as 1m, or 0: %w", *every, errUsage)
	}
	cfg.checkpointEvery = d
	if cfg.tokensEvery, err = time.ParseDuration(*tokensEvery); err != nil || cfg.tokensEvery <= 0 {
		return fmt.Errorf("serve: --tokens-check-every %q: want a duration such as 1s: %w", *tokensEvery, errUsage)
	}
	if cfg.shutdownGrace, err = time.ParseDuration(*grace); err != nil || cfg.shutdownGrace <= 0 || cfg.shutdownGrace > maxShutdownGrace {
		return fmt.Errorf("serve: --shutdown-grace %q: want a duration above 0 and at most %s, such as 5s: %w", *grace, maxShutdownGrace, errUsage)
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return fmt.Errorf("serve: --tls-cert and --tls-key go together: give both, or neither for plain HTTP: %w", errUsage)
	}
	if cfg.limits.MaxConns, err = intFlag("max-conns", *maxConns); err != nil {
		return err
	}
	if cfg.limits.MaxConnsPerAddr, err = intFlag("max-conns-per-addr", *maxPerAddr); err != nil {
		return err
	}
	if cfg.limits.MaxConns == 0 || cfg.limits.MaxConnsPerAddr == 0 {
		return fmt.Errorf("serve: --max-conns and --max-conns-per-addr must be positive, or -1 for no cap: %w", errUsage)
	}
	var tlsConfig *tls.Config
	if cfg.tlsCert != "" {
		// Loaded before anything is opened, so that a wrong path or a key
		// that does not match is a clear error at once.
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return fmt.Errorf("serve: load --tls-cert %s and --tls-key %s: %w", cfg.tlsCert, cfg.tlsKey, err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	switch {
	case cfg.store != "embedded" && cfg.store != "eventstoredb":
		return fmt.Errorf("serve: --store %q: want embedded or eventstoredb: %w", cfg.store, errUsage)
	case cfg.store == "eventstoredb" && cfg.esdbURL == "":
		return fmt.Errorf("serve: --store eventstoredb needs --eventstoredb-url: %w", errUsage)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))

	tokensPath := cfg.tokens
	if tokensPath == "" {
		if err := os.MkdirAll(cfg.data, 0o700); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		path, token, err := httpapi.EnsureAdminTokens(cfg.data)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		if token != "" {
			fmt.Fprintf(stdout, "ledger: created %s with an admin token, shown only now (the file keeps its digest):\nexport ADMIN_TOKEN=%s\n", path, token)
		}
		tokensPath = path
	}
	tokens, err := httpapi.OpenTokens(tokensPath, &httpapi.TokensOptions{Logger: logger})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// The tokens file is read again whenever it changes, so that tokens
	// added or revoked with `ledger tokens` take effect without a restart.
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { tokens.Watch(watchCtx, cfg.tokensEvery); close(watched) }()
	defer func() { stopWatch(); <-watched }()

	alg, err := credential.ParseAlg(cfg.credentialAlg)
	if err != nil {
		return fmt.Errorf("serve: --credential-alg: %w: %w", err, errUsage)
	}
	n, err := openNode(ctx, cfg.data, storeConfig{kind: cfg.store, url: cfg.esdbURL, logOrigin: cfg.logOrigin, checkpointEvery: cfg.checkpointEvery, credentialAlg: alg}, logger)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer n.close()
	n.secure = tlsConfig != nil

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", cfg.addr, err)
	}
	n.publicURL = cfg.publicURL
	if n.publicURL == "" {
		scheme := "http"
		if tlsConfig != nil {
			scheme = "https"
		}
		n.publicURL = scheme + "://" + ln.Addr().String()
	}
	handler, err := n.handler(tokens, logger)
	if err != nil {
		ln.Close()
		return fmt.Errorf("serve: %w", err)
	}
	srv := httpapi.NewHTTPServer(handler, &httpapi.ServerOptions{TLS: tlsConfig})
	limited := httpapi.LimitListener(ln, &cfg.limits)
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	logger.Info("serving", "addr", ln.Addr().String(), "scheme", scheme, "data", cfg.data, "store", cfg.store,
		"maxConns", cfg.limits.MaxConns, "maxConnsPerAddr", cfg.limits.MaxConnsPerAddr)
	fmt.Fprintf(stdout, "ledger: serving on %s://%s (data in %s)\n", scheme, ln.Addr(), cfg.data)

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(limited, "", "")
			return
		}
		errc <- srv.Serve(limited)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case err := <-n.failed:
		srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Stop accepting, give in-flight requests the grace to finish, close
	// whatever connections are left (a client that trickles its body does
	// not hold the exit), then the deferred close stops the projections and
	// lets the store's writer finish its last commit.
	if err := httpapi.Shutdown(context.WithoutCancel(ctx), srv, cfg.shutdownGrace); err != nil {
		logger.Warn("shut down", "err", err.Error())
	}
	logger.Info("stopped")
	return nil
}
