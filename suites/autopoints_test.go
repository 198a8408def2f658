package suites

import (
	"os/exec"
	"strings"
	"testing"
)

// The seed's own bug, written in a user's module with no env.Point call,
// is found through automatic fault points by plain go test (and under
// -race); its fixed version and correct tasks in other styles (sync.Cond,
// an actor goroutine, sync.Once, atomic.Pointer CAS, an errgroup stopped
// by Delete) pass with the points on. With REAPTEST_AUTOPOINTS=0 the bug
// passes silently, which is why the points are on by default.
func TestAutoPointsUserModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/rt", "testdata/autopoints", nil)
	goCmd(t, dir, "mod", "tidy")
	run := func(wantOK bool, env []string, args ...string) string {
		t.Helper()
		cmd := goCmdEnv(dir, env, append([]string{"test", "-count=1"}, args...)...)
		out, err := cmd.CombinedOutput()
		if ok := err == nil; ok != wantOK {
			t.Fatalf("go test %s (env %v): succeeded = %v, want %v\n%s", strings.Join(args, " "), env, ok, wantOK, out)
		}
		return string(out)
	}

	for _, flags := range [][]string{nil, {"-race"}} {
		out := run(false, nil, append(flags, "-run", "^TestSeed$", ".")...)
		for _, want := range []string{"reaptest: panic [no-panic]", "close of closed channel", `point "seed.go:`, "point seed.go:", "REAPTEST_REPLAY=testdata/reaptest/TestSeed/"} {
			if !strings.Contains(out, want) {
				t.Errorf("go test %v -run TestSeed: output lacks %q:\n%s", flags, want, out)
			}
		}
		if strings.Contains(out, "automatic fault points off") {
			t.Errorf("go test %v: the instrumented build failed:\n%s", flags, out)
		}
	}

	out := run(true, nil, "-v", "-run", "^Test(SeedFixed|Cond|Actor|Once|CAS|Group)$", ".")
	if n := strings.Count(out, "sync points in example.com/rt"); n != 6 {
		t.Errorf("want the explored line (N scenarios, M sync points in example.com/rt ...) once for each of 6 tests, got %d:\n%s", n, out)
	}

	// Off, the same bug is not found: the points are what finds it.
	run(true, []string{"REAPTEST_AUTOPOINTS=0"}, "-run", "^TestSeed$", ".")
}
