package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// Credential is a token in plain text with what it stands for: what
// NewTokens builds a table from in memory, and what AddTokens writes the
// digest of.
type Credential struct {
	Token  string `json:"token"`
	Role   string `json:"role"`
	School string `json:"school,omitempty"`
	// Learner is the learner a learner's token speaks for.
	Learner string `json:"learner,omitempty"`
	Name    string `json:"name"`
}

// Principal is who a request comes from (adapters/access, shared with
// the pages).
type Principal = access.Principal

// Tokens checks bearer tokens. It keeps only SHA-256 digests and compares
// them in constant time, so neither memory nor timing gives a token away.
// A table opened from a file (OpenTokens) follows the file: Reload, or
// Watch, replaces the table whole, so a request sees one table or the next.
type Tokens struct {
	table atomic.Pointer[tokenTable]
	now   func() time.Time

	// The file a table follows; empty for a table made in memory.
	path   string
	logger *slog.Logger
	// mu serialises reloads; seen is the file last read, so that Watch
	// reads it again only once it changes, and missing says it could not
	// be opened.
	mu      sync.Mutex
	seen    fs.FileInfo
	missing bool
}

type tokenTable struct {
	entries []tokenEntry
}

type tokenEntry struct {
	digest [sha256.Size]byte
	p      Principal
	// expires is when the token stops working; zero for never.
	expires time.Time
}

// TokensOptions configures OpenTokens. A nil *TokensOptions, or a zero
// field, takes the default.
type TokensOptions struct {
	// Now is the clock expiry is judged against. Default time.Now.
	Now func() time.Time
	// Logger receives a line for each reload, and an error for a file
	// that could not be read. Default: discard.
	Logger *slog.Logger
}

// NewTokens checks credentials and returns a token table held in memory
// only. Returns a *domain.ValidationError naming each bad entry.
func NewTokens(creds []Credential) (*Tokens, error) {
	entries := make([]Entry, len(creds))
	plain := make([]string, len(creds))
	for i, c := range creds {
		entries[i] = Entry{Role: c.Role, School: c.School, Learner: c.Learner, Name: c.Name}
		plain[i] = c.Token
	}
	table, err := newTable(entries, plain, false)
	if err != nil {
		return nil, err
	}
	t := &Tokens{now: time.Now, logger: slog.New(slog.DiscardHandler)}
	t.table.Store(table)
	return t, nil
}

// LoadTokens reads a tokens file, in either format, into a table that does
// not follow the file and never rewrites it.
func LoadTokens(path string) (*Tokens, error) {
	entries, _, err := ReadTokenFile(path)
	if err != nil {
		return nil, err
	}
	table, err := tableOf(entries)
	if err != nil {
		return nil, fmt.Errorf("tokens file %s: %w", path, err)
	}
	t := &Tokens{now: time.Now, logger: slog.New(slog.DiscardHandler)}
	t.table.Store(table)
	return t, nil
}

// OpenTokens reads the tokens file at path into a table that follows it
// (Reload, Watch). A file that keeps tokens in plain text is first
// rewritten with their digests (MigrateTokenFile), and the logger says so.
// Returns an error wrapping fs.ErrNotExist if there is no file, and a
// *domain.ValidationError naming each bad entry.
func OpenTokens(path string, opts *TokensOptions) (*Tokens, error) {
	t := &Tokens{path: path, now: time.Now, logger: slog.New(slog.DiscardHandler)}
	if opts != nil && opts.Now != nil {
		t.now = opts.Now
	}
	if opts != nil && opts.Logger != nil {
		t.logger = opts.Logger
	}
	n, err := MigrateTokenFile(path)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		t.logger.Warn("tokens file kept tokens in plain text: rewrote them as SHA-256 digests", "path", path, "tokens", n)
	}
	if err := t.Reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// Reload reads the file again and replaces the table. If the file cannot
// be read or holds a bad entry, the table in use stays (no one is locked
// out by a bad edit), with one exception: an entry of that table whose
// digest the file no longer holds is dropped, so a token revoked in the
// same edit stops working at once. Returns the error that kept the table.
func (t *Tokens) Reload() error {
	if t.path == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	f, err := os.Open(t.path)
	if err != nil {
		t.seen, t.missing = nil, true
		return t.keep(fmt.Errorf("tokens file: %w", err), nil)
	}
	defer f.Close()
	// The file as opened, not as found by name later: a change after this
	// shows as a change on the next check, never as one already read.
	info, err := f.Stat()
	if err != nil {
		t.seen, t.missing = nil, true
		return t.keep(fmt.Errorf("tokens file %s: %w", t.path, err), nil)
	}
	t.seen, t.missing = info, false
	entries, _, err := decodeTokenFile(f, t.path)
	if err != nil {
		return t.keep(err, nil)
	}
	table, err := tableOf(entries)
	if err != nil {
		return t.keep(fmt.Errorf("tokens file %s: %w", t.path, err), entries)
	}
	old := t.table.Swap(table)
	if old != nil {
		t.logger.Info("tokens file reloaded", "path", t.path, "tokens", len(table.entries))
	}
	return nil
}

// keep logs err and keeps the table in use, less any entry whose digest
// the file's entries (if they could be read) no longer hold.
func (t *Tokens) keep(err error, entries []Entry) error {
	old := t.table.Load()
	if old == nil {
		return err // the first read: there is no table to keep
	}
	if entries != nil {
		still := map[[sha256.Size]byte]bool{}
		for _, e := range entries {
			if d, ok := e.digest(); ok {
				still[d] = true
			}
		}
		kept := &tokenTable{}
		for _, e := range old.entries {
			if still[e.digest] {
				kept.entries = append(kept.entries, e)
			}
		}
		if dropped := len(old.entries) - len(kept.entries); dropped > 0 {
			t.table.Store(kept)
			t.logger.Warn("tokens the bad tokens file no longer lists stop working", "path", t.path, "tokens", dropped)
		}
	}
	t.logger.Error("tokens file not reloaded: keeping the tokens in use", "path", t.path, "err", err.Error())
	return err
}

// changed reports whether the file at the table's path is not the one last
// read: another file (a rename put it there), or another size or time.
func (t *Tokens) changed() bool {
	info, err := os.Stat(t.path)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		// Gone or unreadable: Reload says why once, not at every check.
		return !t.missing
	}
	return t.seen == nil || !os.SameFile(t.seen, info) || t.seen.Size() != info.Size() || !t.seen.ModTime().Equal(info.ModTime())
}

// Watch checks the file every interval and reloads it when it changed,
// until ctx is done; it returns ctx's error. A file that cannot be read is
// logged once (Reload) and read again once it changes.
func (t *Tokens) Watch(ctx context.Context, interval time.Duration) error {
	if t.path == "" {
		<-ctx.Done()
		return ctx.Err()
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if t.changed() {
				t.Reload() // an error is logged, and the table in use kept
			}
		}
	}
}

// newTable checks entries and builds a table. plain, if not nil, holds
// each entry's token in plain text, whose digest the entry takes; filed
// says the entries come from a file, which needs ids.
func newTable(entries []Entry, plain []string, filed bool) (*tokenTable, error) {
	var errs []domain.FieldError
	bad := func(i int, field, msg string) {
		errs = append(errs, domain.FieldError{Field: fmt.Sprintf("[%d].%s", i, field), Message: msg})
	}
	seen := map[[sha256.Size]byte]bool{}
	ids := map[string]bool{}
	table := &tokenTable{}
	for i, c := range entries {
		var d [sha256.Size]byte
		switch {
		case plain != nil && plain[i] != "":
			if len(plain[i]) < 16 {
				bad(i, "token", "must be at least 16 characters")
			}
			d = sha256.Sum256([]byte(plain[i]))
		case plain != nil:
			bad(i, "token", "must be at least 16 characters")
		default:
			var ok bool
			if d, ok = c.digest(); !ok {
				bad(i, "sha256", "must be the 64 hex digits of the token's SHA-256")
			}
		}
		if seen[d] {
			bad(i, "token", "repeats another entry's token")
		}
		seen[d] = true
		if filed {
			switch {
			case c.ID == "":
				bad(i, "id", "is required: `ledger tokens revoke` names an entry by it")
			case ids[c.ID]:
				bad(i, "id", "repeats another entry's id")
			}
			ids[c.ID] = true
		}
		if !domain.ValidRole(c.Role) {
			bad(i, "role", "must be one of admin, teacher, learner, auditor, researcher, tool")
		}
		if c.Name == "" {
			bad(i, "name", "is required: it is recorded as the actor of the events this token writes")
		}
		switch c.Role {
		case domain.RoleTeacher:
			if !domain.ValidID(c.School) {
				bad(i, "school", "a teacher's token needs the id of their school")
			}
		case domain.RoleLearner:
			if !domain.ValidID(c.Learner) {
				bad(i, "learner", "a learner's token needs their learner id")
			}
		case domain.RoleTool:
			if !domain.ValidID(c.School) {
				bad(i, "school", "a tool's token needs the id of the school whose statements it sends")
			}
		}
		e := tokenEntry{digest: d, p: Principal{Role: c.Role, Name: c.Name, School: c.School, Learner: c.Learner}}
		if c.Expires != nil {
			e.expires = *c.Expires
		}
		table.entries = append(table.entries, e)
	}
	if len(errs) > 0 {
		return nil, &domain.ValidationError{Errors: errs}
	}
	return table, nil
}

// tableOf builds the table of a file's entries: those in the old format
// carry their token in plain text, the others its digest. entries is not
// changed.
func tableOf(entries []Entry) (*tokenTable, error) {
	entries = append([]Entry(nil), entries...)
	var errs []domain.FieldError
	for i, e := range entries {
		switch {
		case e.Token != "" && e.SHA256 != "":
			errs = append(errs, domain.FieldError{Field: fmt.Sprintf("[%d].token", i), Message: "an entry has a token or its sha256, not both"})
		case e.Token != "":
			// The old format: no id yet, until the file is rewritten.
			if len(e.Token) < 16 {
				errs = append(errs, domain.FieldError{Field: fmt.Sprintf("[%d].token", i), Message: "must be at least 16 characters"})
			}
			d := sha256.Sum256([]byte(e.Token))
			entries[i].SHA256 = hex.EncodeToString(d[:])
			if entries[i].ID == "" {
				entries[i].ID = fmt.Sprintf("plain-%d", i)
			}
		}
	}
	table, err := newTable(entries, nil, true)
	if err != nil {
		var v *domain.ValidationError
		if errors.As(err, &v) {
			v.Errors = append(errs, v.Errors...)
		}
		return nil, err
	}
	if len(errs) > 0 {
		return nil, &domain.ValidationError{Errors: errs}
	}
	return table, nil
}

// NewToken returns 32 random bytes in hex.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// lookup finds the entry of a presented token's digest. It compares
// against every entry, so the time taken does not depend on which one
// matches.
func (t *Tokens) lookup(d [sha256.Size]byte) (tokenEntry, bool) {
	var found tokenEntry
	ok := 0
	for _, e := range t.table.Load().entries {
		if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 {
			found, ok = e, 1
		}
	}
	return found, ok == 1
}

// authenticate returns the request's principal, or errUnauthorized. The
// scheme's name is case-insensitive (RFC 9110, section 11.1).
func (t *Tokens) authenticate(r *http.Request) (Principal, error) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return Principal{}, fmt.Errorf("%w: send Authorization: Bearer <token>", errUnauthorized)
	}
	return t.Authenticate(token)
}

// Authenticate returns the principal a token stands for: what a bearer
// token gives the API, and what a sign-in gives the pages. Returns an
// error wrapping ErrUnauthorized if the token is not known or expired.
func (t *Tokens) Authenticate(token string) (Principal, error) {
	return t.AuthenticateDigest(sha256.Sum256([]byte(token)))
}

// AuthenticateDigest is Authenticate for a token's SHA-256 digest, so that
// a session keeps the digest, never the token, and still sees at each
// request whether the token was revoked or expired since.
func (t *Tokens) AuthenticateDigest(d [sha256.Size]byte) (Principal, error) {
	e, found := t.lookup(d)
	if !found && t.path != "" && t.changed() {
		// A token just made with `ledger tokens add` works at its first
		// use, not only after the next check of Watch. Only an unknown
		// token costs the look at the file, a stat.
		t.Reload() // an error is logged, and the table in use kept
		e, found = t.lookup(d)
	}
	if !found {
		return Principal{}, fmt.Errorf("%w: the token is not known", errUnauthorized)
	}
	if !e.expires.IsZero() && !t.now().Before(e.expires) {
		return Principal{}, fmt.Errorf("%w: the token expired at %s", errUnauthorized, e.expires.UTC().Format(time.RFC3339))
	}
	return e.p, nil
}

// setPrincipal records who the request in ctx comes from, in the
// request's own context value (wrap), so that no context or request is
// copied for it.
func setPrincipal(ctx context.Context, p Principal) {
	if info := requestFrom(ctx); info != nil {
		info.principal = p
	}
}

func principalFrom(ctx context.Context) Principal {
	if info := requestFrom(ctx); info != nil {
		return info.principal
	}
	return Principal{}
}

// EnsureAdminTokens returns the tokens file in dataDir, creating it with one
// fresh admin token if it does not exist. token is that token, the only
// time it is shown (the file keeps its digest), or empty if the file was
// there already.
func EnsureAdminTokens(dataDir string) (path, token string, err error) {
	path = filepath.Join(dataDir, "tokens.json")
	if _, err := os.Stat(path); err == nil {
		return path, "", nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("tokens file: %w", err)
	}
	token = NewToken()
	entry, err := NewEntry(Credential{Token: token, Role: domain.RoleAdmin, Name: "admin"}, time.Now(), nil)
	if err != nil {
		return "", "", err
	}
	if err := createTokenFile(path, []Entry{entry}); errors.Is(err, fs.ErrExist) {
		return path, "", nil // another process made it first
	} else if err != nil {
		return "", "", err
	}
	return path, token, nil
}
