//go:build unix

package httpapi

import (
	"fmt"
	"os"
	"syscall"
)

// lockTokenFile takes an exclusive lock on the file path+".lock" (made if
// need be, and left in place: removing it would let two updaters lock two
// different files), waiting for whoever holds it.
func lockTokenFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock tokens file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock tokens file %s: %w", f.Name(), err)
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}
