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
// its error path drops the exits queued meanwhile), through the point
// after the unlock and a drawn sleep there, with 5000 scenarios: the
// dropped exit is a hang, or, when a later duplicate delivery is recorded
// in its place, a wrong exit (contract [one-exit]); a sync.Map
// check-then-act (Load, then Store and close) as a panic, through the
// points sync.Map's methods now are, with the default budget. Their fixed
// twins pass.
func TestWindowsUserModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/win", "testdata/windows", nil)
	goCmd(t, dir, "mod", "tidy")
	const runs = 20
	for _, tc := range []struct{ test, want, also string }{
		{"TestPendingKill", "reaptest: hang [", "reaptest: contract [one-exit]"},
		{"TestMapTask", "reaptest: panic [no-panic]", ""},
	} {
		out, _ := goCmd(t, dir, "test", "-count="+strconv.Itoa(runs), "-run", "^"+tc.test+"$", ".")
		if strings.Contains(out, "automatic fault points off") {
			t.Fatalf("%s: the instrumented build failed:\n%s", tc.test, out)
		}
		found := strings.Count(out, tc.want)
		also := 0
		if tc.also != "" {
			also = strings.Count(out, tc.also)
		}
		t.Logf("%s: %q in %d of %d runs, %q in %d", tc.test, tc.want, found, runs, tc.also, also)
		found += also
		if found < runs-1 {
			t.Errorf("%s: found in %d of %d runs, want at least %d:\n%s", tc.test, found, runs, runs-1, out)
		}
		if out, ok := goCmd(t, dir, "test", "-count=1", "-run", "^"+tc.test+"Fixed$", "."); !ok {
			t.Errorf("%sFixed failed:\n%s", tc.test, out)
		}
	}
}
