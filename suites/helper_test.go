package suites

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/scenarios"
)

// A correct task whose package starts one reaper for the whole process
// (lazily under a package-level sync.Once, as a package-level singleton's
// method, or at package init) gets one setup diagnosis, in the first
// subtest of TestTask, naming the reaper and why it is once per process,
// and no leak verdict anywhere; the subtests after it skip with the note.
// A reaper started per task, under a sync.Once field of the task, and
// left running is still leak [no-leak], as is the catalog's leaky-waiter.
// With isolation (the default) and without it, where the process survives
// it (a reaper started at init crashes a process that runs a scenario:
// only isolation reports it).
func TestProcessWideHelper(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/reapertask", "testdata/reapertask", nil)
	named := scenarios.Named()
	first := named[0].Name
	helpers := map[string]string{ // test: what the diagnosis says makes the reaper once per process
		"TestLazy":      "under the package-level sync.Once reaperOnce",
		"TestSingleton": "a sync.Once of the package-level defaultMonitor",
		"TestInit":      "in package init",
	}
	leaks := map[string]string{ // test: where the leaked goroutine waits
		"TestFieldOnce":   "reapertask.reaper",
		"TestLeakyWaiter": "leakyWaiter).Wait",
	}
	for _, isolate := range []string{"1", "0"} {
		run := "^Test(Lazy|Singleton|Init|FieldOnce|LeakyWaiter)$"
		if isolate == "0" {
			run = "^Test(Lazy|Singleton|FieldOnce|LeakyWaiter)$"
		}
		out, err := goCmdEnv(dir, []string{"REAPTEST_ISOLATE=" + isolate}, "test", "-count=1", "-json", "-run", run, ".").CombinedOutput()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatal(err)
		}
		tests := testsOf(t, string(out))
		for parent, why := range helpers {
			if isolate == "0" && parent == "TestInit" {
				continue // a fatal error ends the test binary without isolation
			}
			if v, _ := jsonVerdict(t, parent, tests[parent]); v != "fail" {
				t.Errorf("REAPTEST_ISOLATE=%s %s: %s, want fail", isolate, parent, v)
			}
			for i, n := range append(named, scenarios.NamedScenario{Name: "explore"}) {
				sub := parent + "/" + n.Name
				v, text := jsonVerdict(t, sub, tests[sub])
				if strings.Contains(text, "leak [no-leak]") {
					t.Errorf("REAPTEST_ISOLATE=%s %s: a leak verdict for a process-wide reaper:\n%s", isolate, sub, text)
				}
				if i == 0 {
					for _, want := range []string{fullSetup, "reapertask.reaper", why, "once per process", "NewTask", "reproduce:"} {
						if v != "fail" || !strings.Contains(text, want) {
							t.Errorf("REAPTEST_ISOLATE=%s %s: %s, want the setup diagnosis with %q:\n%s", isolate, sub, v, want, text)
						}
					}
					continue
				}
				note := "reaptest: setup [outside-bubble]: not run: " + parent + "/" + first + " stopped on a setup problem"
				if v != "skip" || !strings.Contains(text, note) {
					t.Errorf("REAPTEST_ISOLATE=%s %s: %s, want skip with %q:\n%s", isolate, sub, v, note, text)
				}
			}
		}
		for parent, where := range leaks {
			if v, _ := jsonVerdict(t, parent, tests[parent]); v != "fail" {
				t.Errorf("REAPTEST_ISOLATE=%s %s: %s, want fail", isolate, parent, v)
			}
			found := false
			for _, n := range named {
				sub := parent + "/" + n.Name
				_, text := jsonVerdict(t, sub, tests[sub])
				if strings.Contains(text, "reaptest: setup") {
					t.Errorf("REAPTEST_ISOLATE=%s %s: a setup diagnosis for a per-task leak:\n%s", isolate, sub, text)
				}
				found = found || strings.Contains(text, "reaptest: leak [no-leak]") && strings.Contains(text, where)
			}
			if !found {
				t.Errorf("REAPTEST_ISOLATE=%s %s: no subtest reported leak [no-leak] in %s:\n%s", isolate, parent, where, out)
			}
		}
		// The lazily started reaper's task is diagnosed in its first
		// subtest when that one runs alone, too.
		if isolate == "1" {
			out, ok := goCmd(t, dir, "test", "-count=1", "-run", "^TestLazy$/^"+first+"$", ".")
			if ok || strings.Count(out, fullSetup) != 1 || strings.Contains(out, "leak [no-leak]") {
				t.Errorf("TestLazy/%s alone: passed = %v, want one setup diagnosis and no leak:\n%s", first, ok, out)
			}
		}
	}
}
