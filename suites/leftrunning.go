package suites

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reaptest/reaptest/internal/leakcheck"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

// leftRunning fails t if a goroutine of reaptest's own, outside every
// scenario's bubble and not there before the check (before, from
// leakcheck.IDs), still runs after it (see stillRunning): TestTask's
// check after its subtests.
func leftRunning(t interface {
	Helper()
	Errorf(format string, args ...any)
}, before map[int]bool) {
	t.Helper()
	if msg := stillRunning(before); msg != "" {
		t.Errorf("%s", msg)
	}
}

// specLeftRunning returns err, the error of a Ginkgo spec's check, with
// the harness bug stillRunning finds joined to it: DescribeTask's (and
// DescribeAround's, DescribeDump's) check after each spec. A check that
// could not check (bridge.NotChecked, which skips the spec) fails
// instead, saying both.
func specLeftRunning(before map[int]bool, err error) error {
	msg := stillRunning(before)
	if msg == "" {
		return err
	}
	var nc *bridge.NotChecked
	if errors.As(err, &nc) {
		return fmt.Errorf("%s\n(the check itself was not a pass either: %s)", msg, nc.Reason)
	}
	if err != nil {
		return fmt.Errorf("%s\n\n%w", msg, err)
	}
	return errors.New(msg)
}

// stillRunning returns the report of the goroutines of reaptest's own,
// outside every scenario's bubble and not in before, that still run, as
// goleak would find them, retrying for up to 2s while such goroutines
// end; or "" when there are none. A child supervisor, a watchdog or a
// build that outlives its check is a bug of the harness, never the
// task's, and is reported as one. The goroutines in which no reaptest
// function runs (the user's, a library's) are not looked at: a test
// binary may hold others.
func stillRunning(before map[int]bool) string {
	var left []string
	for wait := time.Millisecond; ; wait *= 2 {
		if left = leakcheck.Ours(before); len(left) == 0 {
			return ""
		}
		if wait > time.Second {
			break
		}
		time.Sleep(wait)
	}
	return fmt.Sprintf("reaptest: harness bug (not the task's): %d goroutines the check started outside its scenarios still run after it; please report it:\n%s", len(left), strings.Join(left, "\n\n"))
}
