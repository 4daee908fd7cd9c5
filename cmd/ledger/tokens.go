package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/domain"
)

const tokensUsage = `usage: ledger tokens <command> [flags]

commands:
  add --role R [--school S] [--learner L] --name N [--expires 90d|RFC3339]
          make a token; it is printed once, and the file keeps only its digest
  list    list the tokens file's entries: id, role, name, created, expiry (no secrets)
  revoke ID
          remove the entry ID; a running service refuses its token within seconds

Each takes --data DIR (LEDGER_DATA) or --tokens FILE (LEDGER_TOKENS), as serve does.
`

// runTokens is `ledger tokens`: the tokens file's entries, made, listed and
// revoked, while the service runs or not.
func runTokens(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokensUsage)
		return fmt.Errorf("tokens: no command given: %w", errUsage)
	}
	switch args[0] {
	case "add":
		return runTokensAdd(args[1:], getenv, time.Now(), stdout, stderr)
	case "list":
		return runTokensList(args[1:], getenv, time.Now(), stdout, stderr)
	case "revoke":
		return runTokensRevoke(args[1:], getenv, time.Now(), stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokensUsage)
		return nil
	default:
		fmt.Fprint(stderr, tokensUsage)
		return fmt.Errorf("tokens: unknown command %q: %w", args[0], errUsage)
	}
}

// tokensFile adds --data and --tokens to fs and returns the file they name.
func tokensFile(fs *flag.FlagSet, getenv func(string) string) func() string {
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory whose tokens.json to use (LEDGER_DATA)")
	tokens := fs.String("tokens", envDefault(getenv, "LEDGER_TOKENS", ""), "tokens file (LEDGER_TOKENS); default: DATA/tokens.json")
	return func() string {
		if *tokens != "" {
			return *tokens
		}
		return filepath.Join(*data, "tokens.json")
	}
}

// migrate rewrites a file that keeps tokens in plain text, and says so.
func migrate(path string, stderr io.Writer) error {
	n, err := httpapi.MigrateTokenFile(path)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stderr, "ledger: %s kept %d tokens in plain text: rewrote them as SHA-256 digests (the tokens still work)\n", path, n)
	}
	return nil
}

func runTokensAdd(args []string, getenv func(string) string, now time.Time, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("tokens add", flag.ContinueOnError)
	path := tokensFile(flags, getenv)
	role := flags.String("role", "", "admin, teacher, learner, auditor, researcher or tool (required)")
	school := flags.String("school", "", "a teacher's or a tool's school id (required for both)")
	learner := flags.String("learner", "", "a learner's learner id (required for a learner)")
	name := flags.String("name", "", "who holds the token, recorded as the actor of the events it writes (required)")
	expires := flags.String("expires", "", "when the token stops working: after a duration (90d, 12h) or at an RFC 3339 time; default: never")
	if err := parseFlags(flags, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	usageErr := func(format string, a ...any) error {
		return fmt.Errorf("tokens add: "+format+": %w", append(a, errUsage)...)
	}
	switch {
	case !domain.ValidRole(*role):
		return usageErr("--role %q: want admin, teacher, learner, auditor, researcher or tool", *role)
	case *name == "":
		return usageErr("--name is required: it is recorded as the actor of the events the token writes")
	case *role == domain.RoleTeacher && !domain.ValidID(*school):
		return usageErr("a teacher's token needs --school with the id of their school")
	case *role == domain.RoleTool && !domain.ValidID(*school):
		return usageErr("a tool's token needs --school with the id of the school whose statements it sends")
	case *role != domain.RoleTeacher && *role != domain.RoleTool && *school != "":
		return usageErr("--school is for a teacher's or a tool's token only")
	case *role == domain.RoleLearner && !domain.ValidID(*learner):
		return usageErr("a learner's token needs --learner with their learner id")
	case *role != domain.RoleLearner && *learner != "":
		return usageErr("--learner is for a learner's token only")
	}
	var until *time.Time
	if *expires != "" {
		at, err := parseExpiry(*expires, now)
		if err != nil {
			return usageErr("--expires %q: %v", *expires, err)
		}
		until = &at
	}
	file := path()
	if err := migrate(file, stderr); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tokens add: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return fmt.Errorf("tokens add: %w", err)
	}
	token := httpapi.NewToken()
	added, err := httpapi.AddTokens(file, []httpapi.Credential{{Token: token, Role: *role, School: *school, Learner: *learner, Name: *name}}, now, until)
	if err != nil {
		return fmt.Errorf("tokens add: %w", err)
	}
	e := added[0]
	fmt.Fprintf(stderr, "ledger: added token %s (%s) to %s, expires %s. It is shown only now; the file keeps its digest:\n",
		e.ID, describe(e), file, expiry(e, now))
	fmt.Fprintln(stdout, token)
	return nil
}

// parseExpiry reads --expires: a number of days (90d), a duration (12h),
// or an RFC 3339 time; it must be after now.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	var at time.Time
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return at, errors.New("want a whole number of days such as 90d, a duration such as 12h, or an RFC 3339 time")
		}
		// Days in UTC, so that a change of daylight saving time does not
		// make a day 23 or 25 hours long.
		at = now.UTC().AddDate(0, 0, n)
	} else if d, err := time.ParseDuration(s); err == nil {
		at = now.Add(d)
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else {
		return at, errors.New("want a number of days such as 90d, a duration such as 12h, or an RFC 3339 time such as 2027-01-31T00:00:00Z")
	}
	if !at.After(now) {
		return at, fmt.Errorf("%s is not in the future", at.UTC().Format(time.RFC3339))
	}
	return at.UTC().Truncate(time.Second), nil
}

func runTokensList(args []string, getenv func(string) string, now time.Time, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokens list", flag.ContinueOnError)
	path := tokensFile(fs, getenv)
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	file := path()
	if err := migrate(file, stderr); err != nil {
		return fmt.Errorf("tokens list: %w", err)
	}
	entries, _, err := httpapi.ReadTokenFile(file)
	if err != nil {
		return fmt.Errorf("tokens list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tSCHOOL/LEARNER\tNAME\tCREATED\tEXPIRES")
	for _, e := range entries {
		scope := e.School + e.Learner
		if scope == "" {
			scope = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Role, scope, e.Name, e.Created.UTC().Format(time.RFC3339), expiry(e, now))
	}
	return tw.Flush()
}

func runTokensRevoke(args []string, getenv func(string) string, now time.Time, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokens revoke", flag.ContinueOnError)
	path := tokensFile(fs, getenv)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ledger tokens revoke [flags] ID")
		fs.PrintDefaults()
	}
	// The id may come before or after the flags.
	var id string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return fmt.Errorf("tokens revoke: %w: %w", err, errUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		if id != "" {
			return fmt.Errorf("tokens revoke: unexpected argument %q: one id at a time: %w", fs.Arg(0), errUsage)
		}
		id, args = fs.Arg(0), fs.Args()[1:]
	}
	if id == "" {
		return fmt.Errorf("tokens revoke: which token? give its id (see `ledger tokens list`): %w", errUsage)
	}
	file := path()
	if err := migrate(file, stderr); err != nil {
		return fmt.Errorf("tokens revoke: %w", err)
	}
	e, err := httpapi.RevokeToken(file, id, now)
	if err != nil {
		return fmt.Errorf("tokens revoke: %w", err)
	}
	fmt.Fprintf(stdout, "ledger: revoked %s (%s) in %s\n", e.ID, describe(e), file)
	return nil
}

// describe names what an entry's token stands for.
func describe(e httpapi.Entry) string {
	switch {
	case e.School != "":
		return fmt.Sprintf("%s of school %s, %q", e.Role, e.School, e.Name)
	case e.Learner != "":
		return fmt.Sprintf("%s %s, %q", e.Role, e.Learner, e.Name)
	}
	return fmt.Sprintf("%s, %q", e.Role, e.Name)
}

// expiry says when an entry's token expires, and whether it has at now.
func expiry(e httpapi.Entry, now time.Time) string {
	switch {
	case e.Expires == nil:
		return "never"
	case e.Expired(now):
		return e.Expires.UTC().Format(time.RFC3339) + " (expired)"
	}
	return e.Expires.UTC().Format(time.RFC3339)
}
