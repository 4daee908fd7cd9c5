package httpapi

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/domain"
)

// Entry is one entry of the tokens file: a JSON array of entries. The file
// keeps a token's SHA-256, never the token, which is shown once, when it
// is made.
type Entry struct {
	// ID names the entry for `ledger tokens list` and `revoke`; it is no
	// secret.
	ID string `json:"id"`
	// SHA256 is the hex SHA-256 of the token.
	SHA256 string `json:"sha256,omitempty"`
	// Token is the token in plain text, in a file of the old format only.
	// Whatever rewrites the file (UpdateTokenFile) replaces it by SHA256.
	Token  string `json:"token,omitempty"`
	Role   string `json:"role"`
	School string `json:"school,omitempty"`
	// Learner is the learner a learner's token speaks for.
	Learner string `json:"learner,omitempty"`
	Name    string `json:"name"`
	// Created is when the token was made, or, for a token that was kept
	// in plain text, when the file was rewritten with its digest.
	Created time.Time `json:"created"`
	// Expires, if set, is when the token stops working.
	Expires *time.Time `json:"expires,omitempty"`
}

// digest returns the entry's SHA-256, from the token if the entry is in
// the old format; ok is false if there is neither.
func (e Entry) digest() (d [sha256.Size]byte, ok bool) {
	if e.Token != "" {
		return sha256.Sum256([]byte(e.Token)), true
	}
	raw, err := hex.DecodeString(e.SHA256)
	if err != nil || len(raw) != sha256.Size {
		return d, false
	}
	return [sha256.Size]byte(raw), true
}

// Expired reports whether the token has expired at now.
func (e Entry) Expired(now time.Time) bool {
	return e.Expires != nil && !now.Before(*e.Expires)
}

// NewEntry returns the file entry of a new token c.Token: a fresh id and
// the token's digest. expires may be nil for never.
func NewEntry(c Credential, created time.Time, expires *time.Time) (Entry, error) {
	var b [6]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	e := Entry{ID: "tok-" + hex.EncodeToString(b[:]), Role: c.Role, School: c.School, Learner: c.Learner, Name: c.Name,
		Created: created.UTC().Truncate(time.Second), Expires: expires}
	if len(c.Token) < 16 {
		return Entry{}, &domain.ValidationError{Errors: []domain.FieldError{{Field: "token", Message: "must be at least 16 characters"}}}
	}
	d := sha256.Sum256([]byte(c.Token))
	e.SHA256 = hex.EncodeToString(d[:])
	if _, err := newTable([]Entry{e}, nil, true); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// ReadTokenFile reads the tokens file at path. plain counts the entries
// that keep their token in plain text (the old format). Returns an error
// wrapping fs.ErrNotExist if there is no file, and one wrapping
// domain.ErrInvalid if it is not a tokens file.
func ReadTokenFile(path string) (entries []Entry, plain int, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read tokens file: %w", err)
	}
	return decodeTokenFile(bytes.NewReader(raw), path)
}

func decodeTokenFile(r io.Reader, path string) (entries []Entry, plain int, err error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, 0, fmt.Errorf("tokens file %s: %w: %w", path, err, domain.ErrInvalid)
	}
	if entries == nil {
		return nil, 0, fmt.Errorf("tokens file %s: want a JSON array of entries: %w", path, domain.ErrInvalid)
	}
	for _, e := range entries {
		if e.Token != "" {
			plain++
		}
	}
	return entries, plain, nil
}

// UpdateTokenFile changes the tokens file at path: under a lock that other
// updaters take too, it reads the file, replaces any token kept in plain
// text by its digest, lets change edit the entries, checks them and
// writes them to a new file renamed over the old one (mode 0600), so that
// a reader sees the old file or the new one, and no two updaters lose each
// other's entries. If create is true a missing file counts as empty. If
// change returns an error, or the result holds a bad entry, nothing is
// written. migrated counts the tokens that were in plain text.
func UpdateTokenFile(path string, create bool, now time.Time, change func([]Entry) ([]Entry, error)) (migrated int, err error) {
	unlock, err := lockTokenFile(path)
	if err != nil {
		return 0, err
	}
	defer unlock()
	entries, _, err := ReadTokenFile(path)
	switch {
	case create && errors.Is(err, fs.ErrNotExist):
		entries = []Entry{}
	case err != nil:
		return 0, err
	}
	// Check before rewriting, so that a bad entry is reported against the
	// file as it is.
	if _, err := tableOf(entries); err != nil {
		return 0, fmt.Errorf("tokens file %s: %w", path, err)
	}
	for i, e := range entries {
		if e.Token == "" {
			continue
		}
		migrated++
		fresh, err := NewEntry(Credential{Token: e.Token, Role: e.Role, School: e.School, Learner: e.Learner, Name: e.Name}, now, e.Expires)
		if err != nil {
			return 0, fmt.Errorf("tokens file %s: [%d]: %w", path, i, err)
		}
		if e.ID != "" {
			fresh.ID = e.ID
		}
		entries[i] = fresh
	}
	if change != nil {
		if entries, err = change(entries); err != nil {
			return 0, err
		}
	}
	if _, err := tableOf(entries); err != nil {
		return 0, fmt.Errorf("tokens file %s: %w", path, err)
	}
	if err := writeTokenFile(path, entries); err != nil {
		return 0, err
	}
	return migrated, nil
}

// MigrateTokenFile rewrites the tokens file at path with digests in place
// of any token it keeps in plain text, and returns how many it did; a file
// that keeps none is not written.
func MigrateTokenFile(path string) (int, error) {
	_, plain, err := ReadTokenFile(path)
	if err != nil || plain == 0 {
		return 0, err
	}
	return UpdateTokenFile(path, false, time.Now(), nil)
}

// AddTokens adds the tokens of creds to the tokens file at path, creating
// it if there is none, and returns their entries. Only digests are
// written. expires may be nil for never.
func AddTokens(path string, creds []Credential, now time.Time, expires *time.Time) ([]Entry, error) {
	added := make([]Entry, len(creds))
	for i, c := range creds {
		e, err := NewEntry(c, now, expires)
		if err != nil {
			return nil, fmt.Errorf("new token for %s: %w", c.Name, err)
		}
		added[i] = e
	}
	_, err := UpdateTokenFile(path, true, now, func(entries []Entry) ([]Entry, error) {
		return append(entries, added...), nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// ErrNoSuchToken is returned by RevokeToken for an id the file does not
// hold.
var ErrNoSuchToken = errors.New("no such token")

// RevokeToken removes the entry id from the tokens file at path and
// returns it. Returns an error wrapping ErrNoSuchToken if the file holds
// no such entry, and writes nothing then.
func RevokeToken(path, id string, now time.Time) (Entry, error) {
	var gone Entry
	_, err := UpdateTokenFile(path, false, now, func(entries []Entry) ([]Entry, error) {
		for i, e := range entries {
			if e.ID == id {
				gone = e
				return append(entries[:i:i], entries[i+1:]...), nil
			}
		}
		return nil, fmt.Errorf("tokens file %s has no entry %q (see `ledger tokens list`): %w", path, id, ErrNoSuchToken)
	})
	return gone, err
}

// writeTokenFile replaces the tokens file with entries: a new file, synced,
// renamed over the old one.
func writeTokenFile(path string, entries []Entry) error {
	raw, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return fmt.Errorf("write tokens file %s: %w", path, err)
	}
	if err := atomicfile.Replace(path, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("write tokens file: %w", err)
	}
	return nil
}

// createTokenFile creates the tokens file with entries, under the lock
// updaters take; it returns an error wrapping fs.ErrExist, and writes
// nothing, if there is one already.
func createTokenFile(path string, entries []Entry) error {
	raw, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return fmt.Errorf("create tokens file %s: %w", path, err)
	}
	unlock, err := lockTokenFile(path)
	if err != nil {
		return err
	}
	defer unlock()
	if err := atomicfile.Create(path, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("create tokens file: %w", err)
	}
	return nil
}
