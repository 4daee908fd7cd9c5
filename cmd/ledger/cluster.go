package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/translog"
)

// errKeysDiffer reports a node whose keys are not the cluster's: started,
// it would sign another log, give researchers other pseudonyms, or keep
// learners' keys where the other nodes do not see them.
var errKeysDiffer = errors.New("this node's keys differ from the cluster's")

// keyMismatchError names the key that differs and what to do about it.
type keyMismatchError struct {
	Key     string // "log-key", "pseudonym-key", "key-store"
	Node    string // this node's fingerprint
	Cluster string // the fingerprint the cluster's first node stored
	Fix     string
}

func (e *keyMismatchError) Error() string {
	return fmt.Sprintf("%s: %s is %q on this node but %q on the cluster; %s", errKeysDiffer, e.Key, e.Node, e.Cluster, e.Fix)
}

func (e *keyMismatchError) Unwrap() error { return errKeysDiffer }

// agreer is what the check needs of the store: esdb.Store.Agree.
type agreer interface {
	Agree(ctx context.Context, name string, proposed []byte) ([]byte, error)
}

// keyFingerprint is one key's public fingerprint, as stored in the cluster.
type keyFingerprint struct {
	name, value, fix string
}

// keyStoreIDFile names a key directory: nodes that share the directory
// read the same name. It is not a key.
const keyStoreIDFile = "key-store.id"

// pseudonymProbe is the id whose pseudonym fingerprints the research key:
// an HMAC under the key, which tells keys apart without revealing them. It
// is no learner's id.
const pseudonymProbe = "mastery-ledger/key-fingerprint"

// nodeFingerprints are the fingerprints of the keys every node of a cluster
// must share: the log's signing key (which also signs credentials), the
// research pseudonym key, and the learners' key directory.
func nodeFingerprints(data string, key *translog.Key, pseudo *research.Pseudonymizer) ([]keyFingerprint, error) {
	ks, err := keyStoreID(keysDir(data))
	if err != nil {
		return nil, err
	}
	return []keyFingerprint{
		{"log-key", key.VerifierKey, "copy log/" + translog.KeyFile + " from a node of the cluster into this node's data directory before it starts (docs/scale-out.md)"},
		{"pseudonym-key", pseudo.Learner(pseudonymProbe), "copy " + research.KeyFile + " from a node of the cluster into this node's data directory (docs/scale-out.md)"},
		{"key-store", ks, "mount the cluster's shared key directory as this node's keys/ (docs/scale-out.md)"},
	}, nil
}

// keyStoreID reads the name of the key directory dir, naming it on first
// use.
func keyStoreID(dir string) (string, error) {
	path := filepath.Join(dir, keyStoreIDFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("name the key directory: %w", err)
		}
		if err := atomicfile.Create(path, []byte(hex.EncodeToString(b[:])+"\n"), 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("name the key directory: %w", err)
		}
		return keyStoreID(dir) // ours, or another process's made first
	}
	if err != nil {
		return "", fmt.Errorf("read the key directory's name: %w", err)
	}
	return strings.TrimSpace(string(raw)), nil
}

// checkClusterKeys stores this node's fingerprints if it is the cluster's
// first node, and otherwise compares them with the first node's. A node
// whose keys differ is refused with a *keyMismatchError, before it serves
// or writes anything.
func checkClusterKeys(ctx context.Context, a agreer, fps []keyFingerprint) error {
	var errs []error
	for _, fp := range fps {
		agreed, err := a.Agree(ctx, fp.name, []byte(fp.value))
		if err != nil {
			return fmt.Errorf("check the cluster's keys: %w", err)
		}
		if string(agreed) != fp.value {
			errs = append(errs, &keyMismatchError{Key: fp.name, Node: fp.value, Cluster: string(agreed), Fix: fp.fix})
		}
	}
	return errors.Join(errs...)
}
