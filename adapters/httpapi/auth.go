package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/domain"
)

// Credential is one entry of the tokens file.
type Credential struct {
	Token  string `json:"token"`
	Role   string `json:"role"`
	School string `json:"school,omitempty"`
	// Learner is the learner a learner's token speaks for.
	Learner string `json:"learner,omitempty"`
	Name    string `json:"name"`
}

// Principal is who a request comes from.
type Principal struct {
	Role    string
	Name    string
	School  string
	Learner string
}

// Actor is the principal as events record it. A learner is recorded by
// learner id, never by a display name, so that the event log holds no
// learner's name and the research feed can pseudonymise the actor.
func (p Principal) Actor() domain.Actor {
	if p.Role == domain.RoleLearner {
		return domain.Actor{Role: p.Role, Name: p.Learner}
	}
	return domain.Actor{Role: p.Role, Name: p.Name}
}

// Tokens checks bearer tokens. It keeps only SHA-256 digests and compares
// them in constant time, so neither memory nor timing gives a token away.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	digest [sha256.Size]byte
	p      Principal
}

// NewTokens checks credentials and returns the token table. Returns a
// *domain.ValidationError naming each bad entry.
func NewTokens(creds []Credential) (*Tokens, error) {
	var errs []domain.FieldError
	bad := func(i int, field, msg string) {
		errs = append(errs, domain.FieldError{Field: fmt.Sprintf("[%d].%s", i, field), Message: msg})
	}
	seen := map[[sha256.Size]byte]bool{}
	t := &Tokens{}
	for i, c := range creds {
		if len(c.Token) < 16 {
			bad(i, "token", "must be at least 16 characters")
		}
		d := sha256.Sum256([]byte(c.Token))
		if seen[d] {
			bad(i, "token", "repeats another entry's token")
		}
		seen[d] = true
		if !domain.ValidRole(c.Role) {
			bad(i, "role", "must be one of admin, teacher, learner, auditor, researcher")
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
		}
		t.entries = append(t.entries, tokenEntry{digest: d, p: Principal{Role: c.Role, Name: c.Name, School: c.School, Learner: c.Learner}})
	}
	if len(errs) > 0 {
		return nil, &domain.ValidationError{Errors: errs}
	}
	return t, nil
}

// LoadTokens reads a tokens file: a JSON array of Credential.
func LoadTokens(path string) (*Tokens, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read tokens file: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var creds []Credential
	if err := dec.Decode(&creds); err != nil {
		return nil, fmt.Errorf("tokens file %s: %w: %w", path, err, domain.ErrInvalid)
	}
	t, err := NewTokens(creds)
	if err != nil {
		return nil, fmt.Errorf("tokens file %s: %w", path, err)
	}
	return t, nil
}

// EnsureAdminTokens returns the tokens file in dataDir, creating it with one
// fresh admin token if it does not exist. created says whether it did.
func EnsureAdminTokens(dataDir string) (path string, created bool, err error) {
	path = dataDir + string(os.PathSeparator) + "tokens.json"
	if _, err := os.Stat(path); err == nil {
		return path, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("tokens file: %w", err)
	}
	creds := []Credential{{Token: NewToken(), Role: domain.RoleAdmin, Name: "admin"}}
	raw, err := json.MarshalIndent(creds, "", "  ")
	if err != nil {
		return "", false, err
	}
	if err := atomicfile.Create(path, append(raw, '\n'), 0o600); errors.Is(err, fs.ErrExist) {
		return path, false, nil // another process made it first
	} else if err != nil {
		return "", false, fmt.Errorf("create tokens file: %w", err)
	}
	return path, true, nil
}

// NewToken returns 32 random bytes in hex.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// lookup finds the principal of a presented token. It compares against
// every entry, so the time taken does not depend on which one matches.
func (t *Tokens) lookup(token string) (Principal, bool) {
	d := sha256.Sum256([]byte(token))
	var found Principal
	ok := 0
	for _, e := range t.entries {
		if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 {
			found, ok = e.p, 1
		}
	}
	return found, ok == 1
}

// authenticate returns the request's principal, or errUnauthorized.
func (t *Tokens) authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return Principal{}, fmt.Errorf("%w: send Authorization: Bearer <token>", errUnauthorized)
	}
	p, found := t.lookup(strings.TrimSpace(token))
	if !found {
		return Principal{}, fmt.Errorf("%w: the token is not known", errUnauthorized)
	}
	return p, nil
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
