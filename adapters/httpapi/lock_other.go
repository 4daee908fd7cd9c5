//go:build !unix

package httpapi

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// lockTokenFile takes the lock by creating path+".lock", which no other
// holder can create until it is removed, waiting up to ten seconds for
// whoever holds it.
func lockTokenFile(path string) (unlock func(), err error) {
	name := path + ".lock"
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(name) }, nil
		}
		if !errors.Is(err, fs.ErrExist) || time.Now().After(deadline) {
			return nil, fmt.Errorf("lock tokens file %s: %w", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
