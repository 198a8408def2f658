package suites

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/instrument"
	"github.com/reaptest/reaptest/suites/catalog"
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

	// A task written in a test file, of the package or of its external
	// test package, gets its points as well: found with them, not without.
	for test, file := range map[string]string{"TestInTestFile": "intest_test.go", "TestInXTestFile": "xtest_test.go"} {
		out := run(false, nil, "-run", "^"+test+"$", ".")
		for _, want := range []string{"reaptest: panic [no-panic]", "close of closed channel", `point "` + file + `:`} {
			if !strings.Contains(out, want) {
				t.Errorf("go test -run %s: output lacks %q:\n%s", test, want, out)
			}
		}
		if strings.Contains(out, "automatic fault points off") {
			t.Errorf("go test -run %s: the instrumented build failed:\n%s", test, out)
		}
		run(true, []string{"REAPTEST_AUTOPOINTS=0"}, "-run", "^"+test+"$", ".")
	}
}

// Every catalog implementation, with its hand-placed env.Point calls
// turned off, is still caught with its class through the automatic fault
// points of its instrumented build, and the reference still passes.
func TestCatalogAutoPoints(t *testing.T) {
	if !inChild() {
		// The build every subtest's child runs: say so if it cannot be made.
		d, _ := t.Deadline()
		if a := autoFor(catalog.NewReference, []harness.Option{harness.AutoPoints(true)}, d); a.off != "" {
			t.Fatalf("the instrumented build of the catalog: %s", a.off)
		}
	}
	refChecks := 10000
	if raceEnabled {
		refChecks = 2000 // the race detector makes each scenario ~10x dearer
	}
	for _, e := range catalog.All() {
		t.Run(e.Name, func(t *testing.T) {
			n := 3000
			if e.Want == catalog.WantPass {
				n = refChecks
			}
			f := checkT(t, e.New, harness.HandPoints(false), harness.AutoPoints(true), harness.Isolate(true), harness.Checks(n), harness.Corpus(""))
			if inChild() {
				return // the parent judges what the child found
			}
			switch {
			case e.Want == catalog.WantPass && f != nil:
				t.Errorf("%s: want a pass with automatic points and no hand points, got:\n%s", e.Name, f.Error())
			case e.Want != catalog.WantPass && f == nil:
				t.Errorf("%s: want it caught as %s with automatic points and no hand points, got a pass", e.Name, e.Want)
			case f != nil && f.Primary().Class != e.Want:
				t.Errorf("%s: caught as %s, want %s:\n%s", e.Name, f.Primary().Class, e.Want, f.Error())
			case f != nil && strings.Contains(f.Error(), "automatic fault points off"):
				t.Errorf("%s: the instrumented build failed:\n%s", e.Name, f.Error())
			case f != nil:
				t.Logf("%s: caught as %s [%s] after %d scenarios (named ones included)", e.Name, f.Primary().Class, f.Primary().Clause, f.Explored)
			}
		})
	}
}

// The package a factory is defined in, from the runtime's function names.
func TestFuncPackage(t *testing.T) {
	for name, want := range map[string]string{
		"example.com/rt.New":                   "example.com/rt",
		"example.com/rt_test.TestX.func1":      "example.com/rt_test",
		"example.com/rt.(*T).New-fm":           "example.com/rt",
		"github.com/a/b/suites/catalog.NewRef": "github.com/a/b/suites/catalog",
		"main.newTask":                         "main",
	} {
		if got := funcPackage(name); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", name, got, want)
		}
	}
	if got := factoryPackage(catalog.NewReference); got != "github.com/reaptest/reaptest/suites/catalog" {
		t.Errorf("factoryPackage(catalog.NewReference) = %q", got)
	}
}

// A check not run for want of time says how much of -timeout was left,
// what the instrumented build took of it when that was the bulk (the time
// went there, and a rerun finds the build cached), and what to do, on one
// line.
func TestNotRunNote(t *testing.T) {
	tg := target{deadline: time.Now().Add(300 * time.Millisecond), auto: autoChild{bin: &instrument.Binary{}, took: 900 * time.Millisecond}}
	note := notRun(tg).Reason
	for _, want := range []string{"reaptest: not run: no scenario ran", "of the test binary's -timeout was left", "instrumented build took 900ms", "rerun finds it cached", "rerun with a longer -timeout"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	if strings.Contains(note, "\n") {
		t.Errorf("note %q is more than one line", note)
	}
	tg.auto.bin = nil // the build did not finish: nothing is cached
	if note := notRun(tg).Reason; !strings.Contains(note, "took 900ms") || strings.Contains(note, "cached") {
		t.Errorf("an unfinished build: %q", note)
	}
	tg.auto.took = 10 * time.Millisecond // found cached: not the reason
	if note := notRun(tg).Reason; strings.Contains(note, "instrumented") {
		t.Errorf("a quick lookup is named as the reason: %q", note)
	}
	if note := notRun(target{}).Reason; !strings.Contains(note, "-timeout was too near") {
		t.Errorf("without a deadline: %q", note)
	}
}
