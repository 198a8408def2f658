package suites

import (
	"strings"
	"time"

	"github.com/reaptest/reaptest/internal/leakcheck"
)

// leftRunning fails t if a goroutine of reaptest's own, outside every
// scenario's bubble and not there before the check (before, from
// leakcheck.IDs), still runs after it, as goleak would find it, retrying
// for up to 2s while such goroutines end: a child supervisor, a watchdog
// or a build that outlives its check is a bug of the harness, never the
// task's, and is reported as one. The goroutines in which no reaptest
// function runs (the user's, a library's) are not looked at: a test
// binary may hold others.
func leftRunning(t interface {
	Helper()
	Errorf(format string, args ...any)
}, before map[int]bool) {
	t.Helper()
	var left []string
	for wait := time.Millisecond; ; wait *= 2 {
		if left = leakcheck.Ours(before); len(left) == 0 {
			return
		}
		if wait > time.Second {
			break
		}
		time.Sleep(wait)
	}
	t.Errorf("reaptest: harness bug (not the task's): %d goroutines the check started outside its scenarios still run after it; please report it:\n%s", len(left), strings.Join(left, "\n\n"))
}
