package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// runDemo is `ledger demo`: a sample school, written through the command
// service into a fresh data directory, tokens for every role, and a guide to
// try them.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory to fill; must hold no events (LEDGER_DATA)")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := fillDemo(ctx, *data, demoLearners, stdout); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// fillDemo writes the demo school with learners learners into data, adds
// the demo's tokens to data's tokens file (keeping any already there) and
// prints the guide. It writes nothing if data holds events already.
func fillDemo(ctx context.Context, data string, learners int, stdout io.Writer) error {
	if end := demoDay(demoLastDay + 1); time.Now().Before(end) {
		return fmt.Errorf("the sample term ends on %s, and this machine's clock says %s: the ledger refuses dates in the future",
			end.Format(time.DateOnly), time.Now().UTC().Format(time.DateOnly))
	}
	tokensPath := filepath.Join(data, "tokens.json")
	if err := checkTokensFile(tokensPath); err != nil {
		return err
	}
	start := time.Now()
	sum, err := buildDemo(ctx, data, learners)
	if err != nil {
		return err
	}
	took := time.Since(start)
	creds := demoCredentials()
	if _, err := httpapi.AddTokens(tokensPath, creds, time.Now(), nil); err != nil {
		return err
	}
	printGuide(stdout, data, tokensPath, sum, creds, took)
	return nil
}

// buildDemo writes the school into data so that it is there whole or not at
// all: it is built in a temporary directory and moved into place only once
// complete, so a demo that fails or is killed part-way leaves no half-made
// school. A new data directory is the temporary one, renamed. In an
// existing one, which must hold no events, the store's file is built in a
// temporary directory inside it and renamed over the empty store's, under
// the directory's lock; the learners' keys go straight into its keys
// directory (keys with no events seal nothing, and a demo run again uses
// them).
func buildDemo(ctx context.Context, data string, learners int) (demoSummary, error) {
	fi, err := os.Stat(data)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return buildDemoNew(ctx, data, learners)
	case err != nil:
		return demoSummary{}, err
	case !fi.IsDir():
		return demoSummary{}, fmt.Errorf("%s is not a directory", data)
	}
	return buildDemoInto(ctx, data, learners)
}

// demoTempPrefix starts the name of a directory the demo builds in.
const demoTempPrefix = ".demo-"

func buildDemoNew(ctx context.Context, data string, learners int) (demoSummary, error) {
	parent, prefix := filepath.Dir(data), "."+filepath.Base(data)+demoTempPrefix
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return demoSummary{}, err
	}
	removeStaleDemos(parent, prefix)
	tmp, err := os.MkdirTemp(parent, prefix+"*")
	if err != nil {
		return demoSummary{}, err
	}
	defer os.RemoveAll(tmp) // once renamed, there is nothing left to remove
	sum, err := writeSchool(ctx, tmp, keysDir(tmp), learners)
	if err != nil {
		return sum, fmt.Errorf("stopped part-way; %s was not created: %w", data, err)
	}
	if err := os.Rename(tmp, data); err != nil {
		return sum, fmt.Errorf("%s appeared while the demo ran, so the demo left it alone: %w", data, err)
	}
	return sum, atomicfile.SyncDir(parent)
}

func buildDemoInto(ctx context.Context, data string, learners int) (demoSummary, error) {
	lock, err := sqlite.LockDir(data)
	if errors.Is(err, sqlite.ErrLocked) {
		return demoSummary{}, fmt.Errorf("%w: stop the server first; the demo fills a fresh data directory", err)
	}
	if err != nil {
		return demoSummary{}, err
	}
	defer lock.Close()
	store, err := sqlite.Open(ctx, data, &sqlite.Options{Lock: lock})
	if err != nil {
		return demoSummary{}, err
	}
	n := store.LastPosition()
	if err := store.Close(); err != nil {
		return demoSummary{}, err
	}
	if n > 0 {
		return demoSummary{}, fmt.Errorf("%s already holds %d events: the demo fills a fresh data directory only; give --data a new one", data, n)
	}
	removeStaleDemos(data, demoTempPrefix)
	tmp, err := os.MkdirTemp(data, demoTempPrefix+"*")
	if err != nil {
		return demoSummary{}, err
	}
	defer os.RemoveAll(tmp)
	sum, err := writeSchool(ctx, tmp, keysDir(data), learners)
	if err != nil {
		return sum, fmt.Errorf("stopped part-way; %s holds no event of it: %w", data, err)
	}
	// The empty store's -wal and -shm, if its close left any, belong to
	// the file being replaced: next to the new one they would corrupt it.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(filepath.Join(data, sqlite.FileName+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return sum, err
		}
	}
	if err := os.Rename(filepath.Join(tmp, sqlite.FileName), filepath.Join(data, sqlite.FileName)); err != nil {
		return sum, err
	}
	return sum, atomicfile.SyncDir(data)
}

// writeSchool writes the school into a new store in dir, with the
// learners' keys in keys, and closes the store with everything in its one
// file.
func writeSchool(ctx context.Context, dir, keys string, learners int) (demoSummary, error) {
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		return demoSummary{}, err
	}
	ks, err := keystore.Open(keys)
	if err != nil {
		store.Close()
		return demoSummary{}, err
	}
	// Through the service with the node's seal, so the demo's profiles are
	// stored as a served ledger stores them.
	err = writeDemo(ctx, service.New(store, &service.Options{Seal: keystore.NewSealer(ks).Seal}), store, learners)
	var sum demoSummary
	if err == nil {
		sum, err = summarise(ctx, store)
	}
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	// A clean close folds the write-ahead log into the file; only the
	// file is moved, so it must hold everything.
	if fi, err := os.Stat(filepath.Join(dir, sqlite.FileName+"-wal")); err == nil && fi.Size() > 0 {
		return sum, fmt.Errorf("the store in %s did not close cleanly: its write-ahead log still holds %d bytes", dir, fi.Size())
	}
	return sum, nil
}

// removeStaleDemos removes the directories in dir named prefix* that a
// killed demo left: empty ones (killed before its store opened), and those
// holding a store whose lock no running demo holds. Anything else of that
// name is not the demo's to judge.
func removeStaleDemos(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if os.Remove(path) == nil {
			continue // it was empty
		}
		if _, err := os.Stat(filepath.Join(path, "LOCK")); err != nil {
			continue
		}
		lock, err := sqlite.LockDir(path)
		if err != nil {
			continue // a demo is building there
		}
		lock.Close()
		os.RemoveAll(path)
	}
}

// demoSummary counts what the demo wrote.
type demoSummary struct {
	events, standards, learners, evidence, retractions, attempts, metAttempts int
	adjustments, surveys, learnersMet, reviews, concluded                     int
	sources                                                                   map[domain.Source]bool
}

func summarise(ctx context.Context, store domain.EventStore) (demoSummary, error) {
	sum := demoSummary{sources: map[domain.Source]bool{}}
	metBy := map[string]bool{}
	var after uint64
	for {
		page, err := store.ReadAll(ctx, after, 10_000)
		if err != nil {
			return sum, err
		}
		if len(page) == 0 {
			sum.learnersMet = len(metBy)
			return sum, nil
		}
		for _, e := range page {
			sum.events++
			switch e.Type {
			case domain.TypeStandardPublished:
				sum.standards++
			case domain.TypeLearnerEnrolled:
				sum.learners++
			case domain.TypeEvidenceRecorded:
				sum.evidence++
				var ev domain.EvidenceRecorded
				if err := json.Unmarshal(e.Data, &ev); err != nil {
					return sum, err
				}
				sum.sources[ev.Source] = true
			case domain.TypeEvidenceRetracted:
				sum.retractions++
			case domain.TypePlanAdjusted:
				sum.adjustments++
			case domain.TypeEfficacySurveyRecorded:
				sum.surveys++
			case domain.TypePracticeReviewStarted:
				sum.reviews++
			case domain.TypePracticeReviewConcluded:
				sum.concluded++
			case domain.TypeSummativeAttemptRecorded:
				sum.attempts++
				var ev domain.SummativeAttemptRecorded
				if err := json.Unmarshal(e.Data, &ev); err != nil {
					return sum, err
				}
				if ev.Meets {
					sum.metAttempts++
					metBy[e.Stream] = true
				}
			}
		}
		after = page[len(page)-1].Position
	}
}

// demoRoles are the demo's tokens, in the order the guide lists them, with
// the variable each is exported as.
var demoRoles = []struct{ role, env string }{
	{domain.RoleAdmin, "ADMIN_TOKEN"},
	{domain.RoleTeacher, "TEACHER_TOKEN"},
	{domain.RoleLearner, "LEARNER_TOKEN"},
	{domain.RoleAuditor, "AUDITOR_TOKEN"},
	{domain.RoleResearcher, "RESEARCHER_TOKEN"},
}

func demoCredentials() []httpapi.Credential {
	return []httpapi.Credential{
		{Token: httpapi.NewToken(), Role: domain.RoleAdmin, Name: demoAdmin.Name},
		{Token: httpapi.NewToken(), Role: domain.RoleTeacher, School: demoSchool, Name: demoTeacher},
		{Token: httpapi.NewToken(), Role: domain.RoleLearner, Learner: demoLearner, Name: "Learner " + demoLearner},
		{Token: httpapi.NewToken(), Role: domain.RoleAuditor, Name: "District auditor"},
		{Token: httpapi.NewToken(), Role: domain.RoleResearcher, Name: "University research team"},
	}
}

// checkTokensFile refuses a tokens file that is there but unsound, before
// the demo writes anything; none is no error. The demo adds its tokens to
// the entries already there.
func checkTokensFile(path string) error {
	if _, err := httpapi.LoadTokens(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func printGuide(w io.Writer, data, tokensPath string, s demoSummary, creds []httpapi.Credential, took time.Duration) {
	dir := shellQuote(data)
	const base = "http://127.0.0.1:8080"
	fmt.Fprintf(w, "ledger demo: %s is ready in %s (%d events, written in %s)\n", demoSchoolName, data, s.events, took.Round(time.Millisecond))
	fmt.Fprintf(w, "  %d standards (CCSS-M 6.RP.A.1-3), %d learners (l-0001 to l-%04d), %d pieces of evidence from %d sources, %d retracted\n",
		s.standards, s.learners, s.learners, s.evidence, len(s.sources), s.retractions)
	fmt.Fprintf(w, "  %d summative attempts (%d met, %d not yet), %d plan adjustments, %d learners with a met standard, %d efficacy survey responses\n",
		s.attempts, s.metAttempts, s.attempts-s.metAttempts, s.adjustments, s.learnersMet, s.surveys)
	fmt.Fprintf(w, "  %d practice reviews, %d concluded (%s/schools/%s/reviews)\n\n", s.reviews, s.concluded, base, demoSchool)

	fmt.Fprintf(w, "Tokens, one per role, shown only now: %s keeps their digests, not the tokens. Paste these lines into the shell you will run curl from:\n\n", tokensPath)
	for i, r := range demoRoles {
		c := creds[i]
		who := c.Name
		switch r.role {
		case domain.RoleTeacher:
			who += ", school " + c.School
		case domain.RoleLearner:
			who = "learner " + c.Learner
		}
		fmt.Fprintf(w, "export %s=%s  # %s: %s\n", r.env, c.Token, r.role, who)
	}

	fmt.Fprintf(w, "\nStart the service (it reads %s):\n\n", tokensPath)
	fmt.Fprintf(w, "  go run ./cmd/ledger serve --data %s\n\n", dir)
	fmt.Fprintf(w, "Then, from the other shell: %s met %s after a not-yet attempt and a plan adjustment.\n\n", demoLearner, demoStandard)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $LEARNER_TOKEN\" %s/v1/learners/%s/mastery\n", base, demoLearner)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $AUDITOR_TOKEN\" %s/v1/learners/%s/standards/%s/replay\n", base, demoLearner, demoStandard)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $TEACHER_TOKEN\" %s/v1/learners/%s/transcript\n", base, demoLearner)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $TEACHER_TOKEN\" %s/v1/schools/%s/efficacy\n", base, demoSchool)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $TEACHER_TOKEN\" %s/v1/schools/%s/practice-reviews\n", base, demoSchool)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $RESEARCHER_TOKEN\" '%s/v1/events?limit=5'\n", base)
	fmt.Fprintf(w, "\nWith the service stopped, the same trail as a table, the events as NDJSON, and the proof that nothing was altered:\n\n")
	fmt.Fprintf(w, "  go run ./cmd/ledger replay --data %s %s %s\n", dir, demoLearner, demoStandard)
	fmt.Fprintf(w, "  go run ./cmd/ledger replay --data %s --school %s --review %s\n", dir, demoSchool, demoReviewFeedback)
	fmt.Fprintf(w, "  go run ./cmd/ledger export --data %s --pseudonymise --out %s\n", dir, shellQuote(filepath.Join(data, "research.ndjson")))
	fmt.Fprintf(w, "  go run ./cmd/ledger verify --data %s\n", dir)
}
