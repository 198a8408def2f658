package suites

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Race windows that hold no synchronization operation, in a user's module
// with no env.Point call, are found by plain go test in at least 19 of 20
// fresh runs each (go test -count=20: every run explores in a child
// process of its own, with no corpus), with their class: containerd
// #10589's shape (Kill marks itself pending under the lock, signals, and
// its error path drops the exits queued meanwhile) as a hang, through the
// point after the unlock and a drawn sleep there; a sync.Map check-then-act
// (Load, then Store and close) as a panic, through the points sync.Map's
// methods now are. Their fixed twins pass.
func TestWindowsUserModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/win", "testdata/windows", nil)
	goCmd(t, dir, "mod", "tidy")
	const runs = 20
	for _, tc := range []struct{ test, want string }{
		{"TestPendingKill", "reaptest: hang ["},
		{"TestMapTask", "reaptest: panic [no-panic]"},
	} {
		out, _ := goCmd(t, dir, "test", "-count="+strconv.Itoa(runs), "-run", "^"+tc.test+"$", ".")
		if strings.Contains(out, "automatic fault points off") {
			t.Fatalf("%s: the instrumented build failed:\n%s", tc.test, out)
		}
		found := strings.Count(out, tc.want)
		t.Logf("%s: %q in %d of %d runs", tc.test, tc.want, found, runs)
		if found < runs-1 {
			t.Errorf("%s: %q in %d of %d runs, want at least %d:\n%s", tc.test, tc.want, found, runs, runs-1, out)
		}
		if out, ok := goCmd(t, dir, "test", "-count=1", "-run", "^"+tc.test+"Fixed$", "."); !ok {
			t.Errorf("%sFixed failed:\n%s", tc.test, out)
		}
	}
}
