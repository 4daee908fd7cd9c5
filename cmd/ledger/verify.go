package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// fileList is a repeatable flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// runVerify is `ledger verify`: on a data directory, every chain, the
// global order, every leaf of the transparency log and every signed
// checkpoint; on an export (--export), the same offline against saved
// checkpoints and a saved key.
func runVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory (LEDGER_DATA)")
	export := fs.String("export", "", "verify this NDJSON export instead of a data directory (needs --checkpoint and --key)")
	keyFile := fs.String("key", "", "the log's verifier key as GET /v1/log/key served it; default: the data directory's own key")
	var checkpoints fileList
	fs.Var(&checkpoints, "checkpoint", "a saved checkpoint (GET /v1/log/checkpoint) the events must match; repeatable")
	server := fs.String("server", "", "verify a running ledger over HTTP (its event feed, log key and checkpoint) instead of a data directory; needs an auditor token")
	token := fs.String("token", "", "the auditor token for --server (default: LEDGER_TOKEN)")
	proofs := fs.Int("proofs", defaultServerProofs, "with --server: how many events, drawn at random, to ask the log an inclusion proof for (all of them if at least the log's size; 0 for none)")
	sc := storeFlags(fs, getenv)
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var vkey string
	if *keyFile != "" {
		raw, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("verify: --key: %w", err)
		}
		vkey = strings.TrimSpace(string(raw))
		if _, _, err := translog.ParseVerifierKey(vkey); err != nil {
			return fmt.Errorf("verify: --key %s: %w", *keyFile, err)
		}
	}
	if *server != "" {
		return runVerifyServer(ctx, *server, *token, getenv, vkey, checkpoints, *keyFile == "", *proofs, stdout)
	}
	if *export != "" {
		if vkey == "" || len(checkpoints) == 0 {
			return fmt.Errorf("verify: --export needs --key and at least one --checkpoint: offline, nothing else vouches for the events: %w", errUsage)
		}
		cps, err := readCheckpoints(checkpoints, vkey)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		r, err := verifyExport(*export, cps)
		if err != nil {
			return fmt.Errorf("verify %s: %w", *export, err)
		}
		fmt.Fprintf(stdout, "ok: %d events in %d streams; every hash chain verifies and %s\n", r.events, r.streams, r.checkpointLine())
		return nil
	}
	if err := sc.check(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	r, err := verifyDataDir(ctx, *data, *sc, vkey, checkpoints)
	if err != nil {
		return fmt.Errorf("verify %s: %w", *data, err)
	}
	fmt.Fprintf(stdout, "ok: %d events in %d streams; every hash chain and the global order verify", r.events, r.streams)
	if r.noLog {
		fmt.Fprintln(stdout, "; the data directory has no transparency log yet (`ledger serve` builds it)")
		return nil
	}
	fmt.Fprintf(stdout, "; %d leaves of the transparency log match the events and %s\n", r.leaves, r.checkpointLine())
	if *keyFile == "" {
		fmt.Fprintln(stdout, "note: checked against the data directory's own key; pass --key with the key you saved, and --checkpoint with checkpoints you archived, to rule out an insider who holds the key")
	}
	return nil
}

type verifyReport struct {
	events  uint64
	streams int
	leaves  uint64
	checked int
	latest  translog.Checkpoint
	noLog   bool
}

func (r verifyReport) checkpointLine() string {
	if r.checked == 0 {
		return "no signed checkpoint covers them yet"
	}
	if r.checked == 1 {
		return fmt.Sprintf("its signed checkpoint (size %d, log %s) matches", r.latest.Size, r.latest.Origin)
	}
	return fmt.Sprintf("%d signed checkpoints (the largest of size %d, log %s) match", r.checked, r.latest.Size, r.latest.Origin)
}

func readCheckpoints(files []string, vkey string) ([]translog.Checkpoint, error) {
	var out []translog.Checkpoint
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--checkpoint: %w", err)
		}
		cp, err := translog.OpenCheckpoint(raw, vkey)
		if err != nil {
			return nil, fmt.Errorf("--checkpoint %s: %w", f, err)
		}
		out = append(out, cp)
	}
	return out, nil
}

func largest(cps []translog.Checkpoint) translog.Checkpoint {
	var l translog.Checkpoint
	for _, c := range cps {
		if c.Size >= l.Size {
			l = c
		}
	}
	return l
}

// verifyDataDir checks a data directory. vkey, if not empty, is the key the
// log must be signed with; extra are saved checkpoint files.
func verifyDataDir(ctx context.Context, data string, sc storeConfig, vkey string, extra []string) (verifyReport, error) {
	var r verifyReport
	store, err := openEvents(ctx, data, sc, "nothing: verify needs the store; stop the server first")
	if err != nil {
		return r, err
	}
	defer store.Close()

	var tlog *translog.Log
	var cps []translog.Checkpoint
	if _, err := os.Stat(filepath.Join(logDir(data), translog.TreeFile)); err == nil {
		key, err := translog.LoadKey(logDir(data))
		if err != nil {
			return r, err
		}
		if vkey != "" && key.VerifierKey != vkey {
			return r, fmt.Errorf("%w: the data directory's log key %s is not the key given with --key", errVerifyFailed, key.VerifierKey)
		}
		// Read-only: verify writes nothing, so it also checks a copy or
		// a snapshot that cannot be written.
		if tlog, err = translog.OpenReadOnly(ctx, logDir(data), key); err != nil {
			return r, err
		}
		defer tlog.Close()
		// Stored checkpoints are opened with the key: a forged one fails.
		if cps, err = tlog.Checkpoints(ctx); err != nil {
			return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
		}
		// The record of the last signed checkpoint outlives the tree's
		// file: after a restore it may be the only trace of a newer
		// history than the events hold.
		if last := tlog.LastSigned(); last.Note != nil && (len(cps) == 0 || last.Size > largest(cps).Size) {
			cps = append(cps, last)
		}
		if vkey == "" {
			vkey = key.VerifierKey
		}
	} else {
		r.noLog = true
		// No tree, but a key that signed: the events must still hold
		// what it signed last (the tree is rebuilt from them).
		if key, err := translog.LoadKey(logDir(data)); err == nil {
			last, err := translog.ReadLastSigned(logDir(data), key)
			if err != nil {
				return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
			}
			if last.Note != nil {
				if vkey != "" && key.VerifierKey != vkey {
					return r, fmt.Errorf("%w: the data directory's log key %s is not the key given with --key", errVerifyFailed, key.VerifierKey)
				}
				cps, vkey, r.noLog = append(cps, last), key.VerifierKey, false
			}
		}
	}
	if len(extra) > 0 {
		if vkey == "" {
			return r, fmt.Errorf("--checkpoint needs --key when the data directory has no log: %w", errUsage)
		}
		saved, err := readCheckpoints(extra, vkey)
		if err != nil {
			return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
		}
		cps = append(cps, saved...)
		r.noLog = false
	}

	// Only the embedded store promises dense positions; on EventStoreDB
	// the log's leaves vouch for the order.
	chain := domain.ChainVerifier{Dense: sc.kind == "" || sc.kind == "embedded"}
	audit := translog.NewAuditor(cps...)
	var logSize uint64
	if tlog != nil {
		logSize = tlog.Size()
	}
	var after uint64
	for {
		page, err := store.ReadAll(ctx, after, 10_000)
		if err != nil {
			return r, err
		}
		if len(page) == 0 {
			break
		}
		var leaves []translog.Leaf
		if tlog != nil {
			if leaves, err = tlog.ReadLeaves(ctx, audit.Size(), len(page)); err != nil {
				return r, err
			}
		}
		for i, e := range page {
			if err := chain.Next(e); err != nil {
				return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
			}
			var leaf *translog.Leaf
			if i < len(leaves) {
				leaf = &leaves[i]
			}
			if err := audit.Event(e, leaf); err != nil {
				return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
			}
		}
		after = page[len(page)-1].Position
	}
	if err := audit.Finish(logSize); err != nil {
		return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
	}
	if tlog != nil && logSize > 0 {
		// Proofs are served from the stored interior nodes: they must
		// give the root the events give.
		root, err := tlog.RootAt(ctx, logSize)
		if err != nil {
			return r, err
		}
		if logSize == audit.Size() && !bytes.Equal(root, audit.Root()) {
			return r, fmt.Errorf("%w: the log's stored nodes give another root than its leaves: proofs it serves would not verify", errVerifyFailed)
		}
	}
	r.events, r.streams, r.leaves, r.checked, r.latest = chain.Count(), chain.Streams(), min(logSize, audit.Size()), audit.Checked(), largest(cps)
	return r, nil
}

// verifyExport checks an NDJSON export against saved checkpoints, with no
// data directory and no server.
func verifyExport(path string, cps []translog.Checkpoint) (verifyReport, error) {
	var r verifyReport
	f, err := os.Open(path)
	if err != nil {
		return r, err
	}
	defer f.Close()
	// Exports from EventStoreDB have sparse positions; the checkpoints
	// vouch for the order.
	chain := domain.ChainVerifier{}
	audit := translog.NewAuditor(cps...)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4*domain.MaxEventDataSize)
	line := 0
	for sc.Scan() {
		line++
		var e domain.RecordedEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return r, fmt.Errorf("line %d: not an event envelope: %w", line, err)
		}
		if err := chain.Next(e); err != nil {
			return r, fmt.Errorf("%w: line %d: %w", errVerifyFailed, line, err)
		}
		if err := audit.Event(e, nil); err != nil {
			return r, fmt.Errorf("%w: line %d: %w", errVerifyFailed, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return r, fmt.Errorf("line %d: %w", line+1, err)
	}
	if err := audit.Finish(0); err != nil {
		return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
	}
	r.events, r.streams, r.checked, r.latest = chain.Count(), chain.Streams(), audit.Checked(), largest(cps)
	return r, nil
}

// storeFlags adds --store and --eventstoredb-url, as serve has them, to an
// offline command that reads the events.
func storeFlags(fs *flag.FlagSet, getenv func(string) string) *storeConfig {
	sc := &storeConfig{}
	fs.StringVar(&sc.kind, "store", envDefault(getenv, "LEDGER_STORE", "embedded"), "event store: embedded (in --data) or eventstoredb (LEDGER_STORE)")
	fs.StringVar(&sc.url, "eventstoredb-url", envDefault(getenv, "LEDGER_EVENTSTOREDB_URL", ""), "EventStoreDB connection string (LEDGER_EVENTSTOREDB_URL)")
	return sc
}

func (sc storeConfig) check() error {
	switch {
	case sc.kind != "" && sc.kind != "embedded" && sc.kind != "eventstoredb":
		return fmt.Errorf("--store %q: want embedded or eventstoredb: %w", sc.kind, errUsage)
	case sc.kind == "eventstoredb" && sc.url == "":
		return fmt.Errorf("--store eventstoredb needs --eventstoredb-url: %w", errUsage)
	}
	return nil
}

// openEvents opens the store an offline command reads: the data directory's
// embedded store, or EventStoreDB. overHTTP says what to ask a running
// server instead, when the embedded store is in use.
func openEvents(ctx context.Context, data string, sc storeConfig, overHTTP string) (eventStore, error) {
	if sc.kind == "eventstoredb" {
		return esdb.Open(ctx, sc.url, nil)
	}
	return openData(ctx, data, overHTTP)
}

// runVerifyConsistency is `ledger verify-consistency`: given two saved
// checkpoints and the consistency proof between them (as GET
// /v1/log/proof/consistency serves it), it checks offline that the newer
// tree extends the older: the log only grew in between.
func runVerifyConsistency(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify-consistency", flag.ContinueOnError)
	keyFile := fs.String("key", "", "the log's verifier key as GET /v1/log/key served it (required)")
	proofFile := fs.String("proof", "", "the consistency proof, as GET /v1/log/proof/consistency?from=OLD&to=NEW served it (required)")
	olderFile := fs.String("older", "", "the older saved checkpoint (required)")
	newerFile := fs.String("newer", "", "the newer saved checkpoint (required)")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *keyFile == "" || *proofFile == "" || *olderFile == "" || *newerFile == "" {
		return fmt.Errorf("verify-consistency: want --key FILE --proof FILE --older CHECKPOINT --newer CHECKPOINT: %w", errUsage)
	}
	raw, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("verify-consistency: --key: %w", err)
	}
	cps, err := readCheckpoints([]string{*olderFile, *newerFile}, strings.TrimSpace(string(raw)))
	if err != nil {
		return fmt.Errorf("verify-consistency: %w", err)
	}
	older, newer := cps[0], cps[1]
	var p struct {
		From   *uint64  `json:"from"`
		To     *uint64  `json:"to"`
		Hashes []string `json:"hashes"`
	}
	body, err := os.ReadFile(*proofFile)
	if err != nil {
		return fmt.Errorf("verify-consistency: --proof: %w", err)
	}
	if err := json.Unmarshal(body, &p); err != nil || p.From == nil || p.To == nil || p.Hashes == nil {
		return fmt.Errorf("verify-consistency: --proof %s: not a consistency proof (want from, to and hashes): %w", *proofFile, errUsage)
	}
	if *p.From != older.Size || *p.To != newer.Size {
		return fmt.Errorf("verify-consistency: the proof is from size %d to %d, the checkpoints are of size %d and %d: %w", *p.From, *p.To, older.Size, newer.Size, errUsage)
	}
	hashes, err := translog.DecodeHashes(p.Hashes)
	if err != nil {
		return fmt.Errorf("verify-consistency: --proof: %w", err)
	}
	if err := translog.VerifyConsistency(older, newer, hashes); err != nil {
		return fmt.Errorf("verify-consistency: %w: %w", errVerifyFailed, err)
	}
	fmt.Fprintf(stdout, "ok: the log %s of size %d extends the log of size %d: it only grew\n", newer.Origin, newer.Size, older.Size)
	return nil
}

// runVerifyTranscript is `ledger verify-transcript FILE --key FILE`: it
// checks a transcript saved from GET
// /v1/learners/{id}/transcript?format=ob3 (or one credential's .jwt file)
// offline: every credential's signature and issuer, its checkpoint's
// signature, and every evidence event's inclusion proof, all against the
// saved key. With --checkpoint NEWER and the log's consistency proofs it
// also shows each credential's checkpoint is a prefix of NEWER; with
// --status-list it reports revoked credentials as revoked.
func runVerifyTranscript(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify-transcript", flag.ContinueOnError)
	keyFile := fs.String("key", "", "the log's verifier key as GET /v1/log/key served it (required)")
	newerFile := fs.String("checkpoint", "", "a newer saved checkpoint the credentials' checkpoints must be prefixes of (needs --proof for each older size)")
	var proofs fileList
	fs.Var(&proofs, "proof", "a consistency proof, as GET /v1/log/proof/consistency?from=OLD&to=NEW served it, from a credential's checkpoint to --checkpoint; repeatable")
	statusFile := fs.String("status-list", "", "the revocation list, as GET /v1/credentials/status/revocation served it; a revoked credential then fails")
	files, err := parseArgs(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *keyFile == "" || len(files) != 1 {
		return fmt.Errorf("verify-transcript: want FILE --key FILE: %w", errUsage)
	}
	key, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("verify-transcript: --key: %w", err)
	}
	vkey := strings.TrimSpace(string(key))
	data, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("verify-transcript: %w", err)
	}
	var verified []credential.Verified
	if jws := strings.TrimSpace(string(data)); strings.Count(jws, ".") == 2 && !strings.HasPrefix(jws, "{") {
		// One credential's .jwt file: it names no learner in clear.
		v, err := credential.Verify(jws, vkey)
		if err != nil {
			return fmt.Errorf("verify-transcript %s: %w: %w", files[0], errVerifyFailed, err)
		}
		verified = append(verified, *v)
	} else if verified, err = credential.VerifyTranscript(data, vkey); err != nil {
		return fmt.Errorf("verify-transcript %s: %w: %w", files[0], errVerifyFailed, err)
	}
	var newer *translog.Checkpoint
	if *newerFile != "" {
		cps, err := readCheckpoints([]string{*newerFile}, vkey)
		if err != nil {
			return fmt.Errorf("verify-transcript: %w", err)
		}
		newer = &cps[0]
	}
	var list string
	if *statusFile != "" {
		raw, err := os.ReadFile(*statusFile)
		if err != nil {
			return fmt.Errorf("verify-transcript: --status-list: %w", err)
		}
		list = strings.TrimSpace(string(raw))
	}
	for _, v := range verified {
		if list != "" {
			if err := credential.CheckStatus(&v, list); errors.Is(err, credential.ErrRevoked) {
				return fmt.Errorf("verify-transcript %s: %w: credential %s (%s) is REVOKED: %w", files[0], errVerifyFailed, v.CredentialID, v.StandardID, err)
			} else if err != nil {
				return fmt.Errorf("verify-transcript %s: %w: %w", files[0], errVerifyFailed, err)
			}
		}
		if newer != nil {
			if err := consistentWith(v.Checkpoint, *newer, proofs); err != nil {
				return fmt.Errorf("verify-transcript %s: %w: credential %s: %w", files[0], errVerifyFailed, v.CredentialID, err)
			}
		}
		who := v.LearnerID
		if who == "" {
			who = "the learner of identity " + v.IdentityHash
		}
		fmt.Fprintf(stdout, "ok: %s met %s %s (%s, revision %d) at level %d (%s) on %s, issued by %s (%s); %d events proved in the log %s of size %d\n",
			who, v.Code, v.Title, v.StandardID, v.StandardRevision, v.Level, v.LevelLabel, v.MetAt.Format("2006-01-02"),
			v.SchoolName, v.Issuer, len(v.Events), v.Checkpoint.Origin, v.Checkpoint.Size)
	}
	fmt.Fprintf(stdout, "ok: %d credentials verify\n", len(verified))
	switch {
	case list != "":
		fmt.Fprintln(stdout, "ok: none is revoked in the given status list")
	case len(verified) > 0 && verified[0].Status != nil:
		fmt.Fprintf(stdout, "note: revocation not checked; save %s and pass it as --status-list\n", verified[0].Status.ListURL)
	}
	if newer != nil {
		fmt.Fprintf(stdout, "ok: every credential's checkpoint is a prefix of the log of size %d\n", newer.Size)
	}
	return nil
}

// consistentWith checks that the checkpoint a credential carries is a
// prefix of newer, with one of the given consistency proof files.
func consistentWith(c credential.Checkpoint, newer translog.Checkpoint, proofFiles []string) error {
	older := translog.Checkpoint{Origin: c.Origin, Size: c.Size, Root: c.RootHash}
	if older.Size == newer.Size {
		return translog.VerifyConsistency(older, newer, nil)
	}
	for _, f := range proofFiles {
		var p struct {
			From   *uint64  `json:"from"`
			To     *uint64  `json:"to"`
			Hashes []string `json:"hashes"`
		}
		body, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("--proof: %w", err)
		}
		if err := json.Unmarshal(body, &p); err != nil || p.From == nil || p.To == nil || p.Hashes == nil {
			return fmt.Errorf("--proof %s: not a consistency proof (want from, to and hashes): %w", f, errUsage)
		}
		if *p.From != older.Size || *p.To != newer.Size {
			continue
		}
		hashes, err := translog.DecodeHashes(p.Hashes)
		if err != nil {
			return fmt.Errorf("--proof %s: %w", f, err)
		}
		return translog.VerifyConsistency(older, newer, hashes)
	}
	return fmt.Errorf("no --proof from size %d to %d (GET /v1/log/proof/consistency?from=%d&to=%d): %w", older.Size, newer.Size, older.Size, newer.Size, errUsage)
}
