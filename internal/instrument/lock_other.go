//go:build !unix

package instrument

import (
	"context"
	"os"
	"time"
)

// locks says whether lockFile excludes other builders here.
const locks = false

// lockFile does not lock where flock is missing: processes building the
// same binary at once each build it, and the renames keep it whole.
func lockFile(ctx context.Context, path string, maxWait time.Duration) (unlock func(), err error) {
	return func() {}, nil
}

// sharedLock does not lock where flock is missing: a binary in use may be
// evicted, and the next start of a child fails with its path.
func sharedLock(path string) (release func(), ok bool) { return nil, false }

// lockedByOther reports whether another process holds the lock at path:
// never known here.
func lockedByOther(path string) bool { return false }

// owner returns the user ID owning the file info describes, and whether
// it is known: not here.
func owner(info os.FileInfo) (uid int, ok bool) { return 0, false }

// alive reports whether the process pid runs: assumed here, so that only
// age makes a temporary stale.
func alive(pid int) bool { return true }
