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

	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/oneroster"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// importActor records what an offline import writes: an admin, named for
// the tool rather than a person, since no token says who ran it.
var importActor = domain.Actor{Role: domain.RoleAdmin, Name: "OneRoster import"}

// runImportOneRoster is `ledger import oneroster`: a OneRoster set into the
// data directory's embedded store, with the service stopped. The whole set
// is read and checked first; a bad file writes nothing.
func runImportOneRoster(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import oneroster", flag.ContinueOnError)
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory (LEDGER_DATA); the service must be stopped")
	dryRun := fs.Bool("dry-run", false, "report what the import would do, and write nothing")
	withdraw := fs.Bool("withdraw-missing", false, "withdraw the learners of the files' schools that the files no longer list (or mark tobedeleted)")
	profiles := fs.Bool("profiles", false, "write each learner's name into their sealed profile (personal data: never into an event)")
	args2, err := parseArgs(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(args2) != 1 {
		return fmt.Errorf("import oneroster: want one ZIP or DIR holding the set: %w", errUsage)
	}
	set, closeSet, err := openRosterSet(args2[0])
	if err != nil {
		return fmt.Errorf("import oneroster: %w", err)
	}
	defer closeSet()
	roster, err := oneroster.Read(set)
	if err != nil {
		return fmt.Errorf("import oneroster %s: nothing was written: %w", args2[0], err)
	}
	opts := oneroster.Options{DryRun: *dryRun, WithdrawMissing: *withdraw, Profiles: *profiles, Actor: importActor}
	var rep oneroster.Report
	if *dryRun {
		rep, err = dryRunOneRoster(ctx, *data, roster, opts)
	} else {
		rep, err = importOneRoster(ctx, *data, roster, opts)
	}
	// The report is printed even after an error part way: it says what
	// was written, and running the import again writes the rest.
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if eerr := enc.Encode(rep); eerr != nil && err == nil {
		err = eerr
	}
	if err != nil {
		return fmt.Errorf("import oneroster: %w", err)
	}
	return nil
}

// openRosterSet opens a zip file or a directory as a set.
func openRosterSet(path string) (fs.FS, func(), error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		return os.DirFS(path), func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	set, err := oneroster.OpenZip(f, fi.Size(), nil)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return set, func() { f.Close() }, nil
}

// importOneRoster writes the roster under the data directory's lock, so
// that no server writes the store meanwhile.
func importOneRoster(ctx context.Context, data string, roster *oneroster.Roster, opts oneroster.Options) (oneroster.Report, error) {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return oneroster.Report{}, err
	}
	lock, err := sqlite.LockDir(data)
	if errors.Is(err, sqlite.ErrLocked) {
		return oneroster.Report{}, fmt.Errorf("%w: the import writes to the store, so stop the server first, or POST the zip to /v1/imports/oneroster on the running server", err)
	}
	if err != nil {
		return oneroster.Report{}, err
	}
	defer lock.Close()
	store, err := sqlite.Open(ctx, data, &sqlite.Options{Lock: lock})
	if err != nil {
		return oneroster.Report{}, err
	}
	defer store.Close()
	keys, err := keystore.Open(keysDir(data))
	if err != nil {
		return oneroster.Report{}, err
	}
	// The served ledger's seal: profiles are stored as a served ledger
	// stores them, encrypted under each learner's key.
	sealer := keystore.NewSealer(keys)
	opts.OpenProfile = sealer.Open
	svc := service.New(store, &service.Options{Seal: sealer.Seal})
	led, err := oneroster.Scan(ctx, store)
	if err != nil {
		return oneroster.Report{}, err
	}
	rep, err := oneroster.Import(ctx, roster, led, svc, opts)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	return rep, err
}

// dryRunOneRoster compares the roster with the store, opened read-only: a
// dry run writes nothing, not even a key. A directory without a ledger
// reads as empty. It cannot open stored profiles (that would need the key
// store, whose opening tidies files), so a profile counts as to be written
// unless this very row wrote it before.
func dryRunOneRoster(ctx context.Context, data string, roster *oneroster.Roster, opts oneroster.Options) (oneroster.Report, error) {
	led := &oneroster.Ledger{Schools: map[string]bool{}, Learners: map[string]*oneroster.Learner{}}
	if _, err := os.Stat(filepath.Join(data, sqlite.FileName)); err == nil {
		store, err := sqlite.OpenReadOnly(ctx, data, nil)
		if errors.Is(err, sqlite.ErrLocked) {
			return oneroster.Report{}, fmt.Errorf("%w: stop the server, or ask it: POST /v1/imports/oneroster?dryRun=true", err)
		}
		if err != nil {
			return oneroster.Report{}, err
		}
		defer store.Close()
		if led, err = oneroster.Scan(ctx, store); err != nil {
			return oneroster.Report{}, err
		}
	}
	return oneroster.Import(ctx, roster, led, nil, opts)
}
