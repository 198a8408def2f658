package suites

import (
	"os/exec"
	"strings"
	"testing"
)

// The on/off variables take the usual spellings, and reject any other
// value with the accepted ones listed, instead of taking it as on.
func TestEnvSwitch(t *testing.T) {
	for v, want := range map[string][2]bool{"": {false, false}, "1": {true, true}, "ON": {true, true}, "yes": {true, true}, "0": {true, false}, "False": {true, false}, "no": {true, false}} {
		t.Setenv(EnvIsolate, v)
		set, on, err := envSwitch(EnvIsolate)
		if err != nil || set != want[0] || on != want[1] {
			t.Errorf("%s=%q: set %v, on %v, %v; want %v", EnvIsolate, v, set, on, err, want)
		}
	}
	t.Setenv(EnvIsolate, "maybe")
	if err := envUsage(); err == nil || !strings.Contains(err.Error(), `REAPTEST_ISOLATE="maybe": want 1, true, on or yes`) {
		t.Errorf("envUsage with %s=maybe: %v, want it rejected with the accepted values", EnvIsolate, err)
	}
	if !isolated(nil) {
		t.Errorf("isolated with an unknown value: false, want the default")
	}
}

// From a user's module: an unknown REAPTEST_AUTOPOINTS or REAPTEST_ISOLATE
// fails the test with the accepted values, and a replay that does not
// fail says how many times it ran.
func TestEnvAndReplayFromUserModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/notchecked", "testdata/notchecked", map[string]string{"two.scenario": "testdata/usertask/tworeaps.scenario"})
	for _, env := range []string{"REAPTEST_AUTOPOINTS=sometimes", "REAPTEST_ISOLATE=maybe"} {
		out, err := goCmdEnv(dir, []string{env}, "test", "-count=1", "-run", "^TestGood$", ".").CombinedOutput()
		name, val, _ := strings.Cut(env, "=")
		if err == nil || !strings.Contains(string(out), name+`="`+val+`": want 1, true, on or yes to turn it on, 0, false, off or no`) {
			t.Errorf("%s: %v, want a failure listing the accepted values:\n%s", env, err, out)
		}
	}
	out, err := goCmdEnv(dir, []string{"REAPTEST_REPLAY=two.scenario", "REAPTEST_REPEAT=3"}, "test", "-count=1", "-v", "-run", "^TestGood$", ".").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "reaptest: replayed two.scenario 3 times: no failure") {
		t.Errorf("REAPTEST_REPEAT=3 of a passing scenario: %v, want it to say it replayed 3 times:\n%s", err, out)
	}
}
