package suites

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// nothingHelper, set, makes TestNothingHelper check the reference with a
// child whose warm-up outlasts the child's deadline.
const nothingHelper = "REAPTEST_NOTHING_HELPER"

// TestNothingHelper is the process TestExploredNothingIsNotAPass runs:
// TestTask on the reference, whose tasks in a child take real time to
// build (up to 400ms each, syscalls the bubble's fake clock does not
// see) until the child's deadline (REAPTEST_DEADLINE) has passed, so
// that it passes before explore explores a scenario beyond the fixed
// ones. Without REAPTEST_NOTHING_HELPER set it does nothing.
func TestNothingHelper(t *testing.T) {
	if os.Getenv(nothingHelper) == "" {
		return
	}
	ns, err := strconv.ParseInt(os.Getenv(envDeadline), 10, 64)
	slow := inChild() && err == nil
	if d, ok := t.Deadline(); ok && !inChild() && !isolated(nil) {
		// In process the check's deadline is 0.6 of the time left when
		// explore starts, at most 6.25s into a 10s -timeout with its
		// named subtests' 8 builds at 400ms: 8.5s is past it.
		ns, slow = d.Add(-1500*time.Millisecond).UnixNano(), true
	}
	TestTask(t, func(env harness.Env) harness.Task {
		var tv syscall.Timeval
		if slow && syscall.Gettimeofday(&tv) == nil {
			if left := ns + int64(100*time.Millisecond) - tv.Nano(); left > 0 {
				ts := syscall.NsecToTimespec(min(left, int64(400*time.Millisecond)))
				_ = syscall.Nanosleep(&ts, nil)
			}
		}
		return catalog.NewReference(env)
	})
}

// A deadline that passes before the check explores a single scenario
// beyond the corpus and the named ones is not a pass: the explore subtest skips with the reason and
// the fix on one line, as when too little time is left to start
// exploring at all; the named subtests pass.
func TestExploredNothingIsNotAPass(t *testing.T) {
	if inChild() || os.Getenv(nothingHelper) != "" {
		return
	}
	for _, isolate := range []string{"1", "0"} {
		// 10s: the child stops exploring about 6s after it starts, and
		// is killed at 8s.
		cmd := exec.Command(os.Args[0], "-test.run=^TestNothingHelper$", "-test.count=1", "-test.v", "-test.timeout=10s")
		cmd.Env = append(os.Environ(), nothingHelper+"=1", EnvIsolate+"="+isolate)
		raw, err := cmd.CombinedOutput()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatal(err)
		}
		out := string(raw)
		if !strings.Contains(out, "--- SKIP: TestNothingHelper/explore ") || !strings.Contains(out, "--- PASS: TestNothingHelper/lost-exit ") {
			t.Errorf("%s=%s: want explore skipped, the named subtests passed:\n%s", EnvIsolate, isolate, out)
		}
		if !strings.Contains(out, "reaptest: explored nothing: the corpus and the fixed scenarios") || !strings.Contains(out, longerTimeout) {
			t.Errorf("%s=%s: the skip does not say it explored nothing and what to do:\n%s", EnvIsolate, isolate, out)
		}
	}
}
