package keystore

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// openStore opens a key store in a fresh directory.
func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "keys"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files lists the names in the store's directory, sorted.
func files(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func fileOf(id, suffix string) string { return hex.EncodeToString([]byte(id)) + suffix }

func mustKey(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	key, err := s.Key(t.Context(), id)
	if err != nil {
		t.Fatalf("Key(%q): %v", id, err)
	}
	return key
}

func wantDestroyed(t *testing.T, err error, id string) {
	t.Helper()
	var de *DestroyedError
	if !errors.As(err, &de) || de.LearnerID != id || !errors.Is(err, ErrDestroyed) {
		t.Fatalf("got %v, want *DestroyedError for %q", err, id)
	}
}

func TestKeyIsMadeOnceAndKeptDurably(t *testing.T) {
	s := openStore(t)
	key := mustKey(t, s, "l-0001")
	if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatalf("key %x", key)
	}
	if again := mustKey(t, s, "l-0001"); !bytes.Equal(again, key) {
		t.Fatal("a second Key made another key")
	}
	if got := files(t, s); !slices.Equal(got, []string{fileOf("l-0001", ".key")}) {
		t.Fatalf("the directory holds %v: a temporary file was left, or the name is not the id in hex", got)
	}
	for path, want := range map[string]os.FileMode{s.Dir(): 0o700, filepath.Join(s.Dir(), fileOf("l-0001", ".key")): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
		}
	}

	reopened, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := reopened.Existing(t.Context(), "l-0001"); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("after reopening: %x, %v; want the same key", got, err)
	}
	if _, err := reopened.Existing(t.Context(), "l-0002"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Existing of a learner without a key: got %v, want ErrNoKey", err)
	}
	if got := files(t, reopened); len(got) != 1 {
		t.Fatalf("Existing made a key: %v", got)
	}
}

// Ids that differ only in letter case are different learners, also on a
// filesystem that folds case.
func TestKeysOfIdsDifferingInCaseStayApart(t *testing.T) {
	s := openStore(t)
	if bytes.Equal(mustKey(t, s, "Ana"), mustKey(t, s, "ana")) {
		t.Fatal("Ana and ana share a key")
	}
}

func TestConcurrentFirstUseMakesOneKey(t *testing.T) {
	s := openStore(t)
	const n = 16
	keys := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key, err := s.Key(context.Background(), "l-0001")
			if err != nil {
				t.Error(err)
			}
			keys[i] = key
		})
	}
	wg.Wait()
	for i := range keys {
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("call %d got another key", i)
		}
	}
}

func TestDestroy(t *testing.T) {
	cases := []struct {
		name  string
		keyed bool // the learner had a key before
	}{
		{"a learner with a key", true},
		{"a learner who never had one", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			ctx := t.Context()
			other := mustKey(t, s, "l-0002")
			if tc.keyed {
				mustKey(t, s, "l-0001")
			}
			if err := s.Destroy(ctx, "l-0001"); err != nil {
				t.Fatal(err)
			}
			want := []string{fileOf("l-0001", ".destroyed"), fileOf("l-0002", ".key")}
			slices.Sort(want)
			if got := files(t, s); !slices.Equal(got, want) {
				t.Fatalf("after Destroy the directory holds %v, want %v", got, want)
			}
			_, err := s.Key(ctx, "l-0001")
			wantDestroyed(t, err, "l-0001")
			_, err = s.Existing(ctx, "l-0001")
			wantDestroyed(t, err, "l-0001")
			if err := s.Destroy(ctx, "l-0001"); err != nil {
				t.Fatalf("destroying twice: %v", err)
			}
			reopened, err := Open(s.Dir())
			if err != nil {
				t.Fatal(err)
			}
			_, err = reopened.Key(ctx, "l-0001")
			wantDestroyed(t, err, "l-0001")
			if d, err := reopened.Destroyed(ctx, "l-0001"); !d || err != nil {
				t.Errorf("Destroyed = %v, %v", d, err)
			}
			if got := mustKey(t, reopened, "l-0002"); !bytes.Equal(got, other) {
				t.Error("destroying one learner's key changed another's")
			}
		})
	}
}

// A crash after the tombstone and before the key file is gone leaves the
// key on disk: it is refused all the same, and the next Destroy removes it.
func TestDestroyFinishesWhatACrashLeft(t *testing.T) {
	s := openStore(t)
	mustKey(t, s, "l-0001")
	keyPath, tombPath, err := s.paths("l-0001")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(s.Dir(), tombPath, []byte("destroyed\n"), true); err != nil {
		t.Fatal(err)
	}
	_, err = s.Key(t.Context(), "l-0001")
	wantDestroyed(t, err, "l-0001")
	if err := s.Destroy(t.Context(), "l-0001"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keyPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the key file is still there: %v", err)
	}
}

// Open deals with temporary files a crash left: a copy of a key that never
// took effect is shredded; a second name of a key in place is only
// unlinked, and the key stays.
func TestOpenSweepsLeftoverTemporaryFiles(t *testing.T) {
	s := openStore(t)
	key := mustKey(t, s, "l-0001")
	keyPath, _, err := s.paths("l-0001")
	if err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(s.Dir(), tmpPrefix+filepath.Base(keyPath)+"-123")
	if err := os.Link(keyPath, linked); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(s.Dir(), tmpPrefix+fileOf("l-0002", ".key")+"-456")
	if err := os.WriteFile(stray, bytes.Repeat([]byte{7}, KeySize), 0o600); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got := files(t, reopened); !slices.Equal(got, []string{filepath.Base(keyPath)}) {
		t.Fatalf("after Open the directory holds %v", got)
	}
	if got, err := reopened.Existing(t.Context(), "l-0001"); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("the key in place changed: %x, %v", got, err)
	}
}

func TestNotALearnerID(t *testing.T) {
	s := openStore(t)
	for _, id := range []string{"", ".", "..", "../x", "a/b", "x\x00"} {
		if _, err := s.Key(t.Context(), id); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Key(%q): got %v, want ErrInvalid", id, err)
		}
		if err := s.Destroy(t.Context(), id); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Destroy(%q): got %v, want ErrInvalid", id, err)
		}
	}
	if got := files(t, s); len(got) != 0 {
		t.Fatalf("invalid ids wrote %v", got)
	}
}
