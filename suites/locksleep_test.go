package suites

import (
	"os/exec"
	"strings"
	"testing"
)

// In a user's module, correct tasks that hold a sync.Mutex across a 1 ms
// sleep (a simulated RPC) in Kill, in Delete, and under a sync.Cond pass
// with automatic points on: the instrumented build's lock waits are
// durable, so the bubble's clock moves on to wake the holder. With the
// points off (REAPTEST_AUTOPOINTS=0) the same tasks stop on the
// lock-across-time setup diagnosis, not a hang [deadlock] verdict. A lock
// cycle is hang [deadlock] either way.
func TestLockSleepUserModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/ls", "testdata/locksleep", nil)
	goCmd(t, dir, "mod", "tidy")
	run := func(wantOK bool, env []string, args ...string) string {
		t.Helper()
		out, err := goCmdEnv(dir, env, append([]string{"test", "-count=1"}, args...)...).CombinedOutput()
		if ok := err == nil; ok != wantOK {
			t.Fatalf("go test %s (env %v): succeeded = %v, want %v\n%s", strings.Join(args, " "), env, ok, wantOK, out)
		}
		if strings.Contains(string(out), "automatic fault points off") && env == nil {
			t.Fatalf("go test %s: the instrumented build failed:\n%s", strings.Join(args, " "), out)
		}
		return string(out)
	}
	const correct = "^Test(Kill|Delete|Cond)Sleeper$"
	out := run(true, nil, "-v", "-run", correct, ".")
	if n := strings.Count(out, "sync points in example.com/ls"); n != 3 {
		t.Errorf("want the explored line once for each of 3 tests, got %d:\n%s", n, out)
	}
	off := []string{"REAPTEST_AUTOPOINTS=0"}
	for _, test := range []string{"TestKillSleeper", "TestDeleteSleeper", "TestCondSleeper"} {
		out := run(false, off, "-run", "^"+test+"$", ".")
		if !strings.Contains(out, "reaptest: setup [lock-across-time]") || strings.Contains(out, "[deadlock]") {
			t.Errorf("%s with automatic points off: want the lock-across-time setup diagnosis and no deadlock:\n%s", test, out)
		}
	}
	for _, env := range [][]string{nil, off} {
		out := run(false, env, "-run", "^TestInversion$", ".")
		if !strings.Contains(out, "reaptest: hang [deadlock]") {
			t.Errorf("the lock cycle (env %v): want hang [deadlock]:\n%s", env, out)
		}
	}
}
