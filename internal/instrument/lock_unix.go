//go:build unix

package instrument

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// locks says whether lockFile excludes other builders here.
const locks = true

// lockFile takes an exclusive lock on path (made if need be), so that
// processes building the same binary build it once. It waits for the
// lock until ctx is done or maxWait has passed, and then goes on without
// it (the renames still keep the cache whole); unlock releases it.
func lockFile(ctx context.Context, path string, maxWait time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(maxWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || ctx.Err() != nil || time.Now().After(deadline) {
			f.Close()
			return func() {}, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
