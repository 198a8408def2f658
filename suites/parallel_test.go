package suites

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/zoo"
	"github.com/reaptest/reaptest/suites/catalog"
)

// parallelCheck runs the isolated check of newTask with 2 children, the
// parent's log kept; in a child it runs its part of the check.
func parallelCheck(t *testing.T, newTask harness.NewTask, checks int) (*harness.Failure, string) {
	t.Helper()
	opts := []harness.Option{harness.Isolate(true), harness.AutoPoints(false), harness.Checks(checks), harness.Children(2)}
	if inChild() {
		checkT(t, newTask, opts...)
		return nil, ""
	}
	t.Cleanup(func() { os.RemoveAll(corpusDir(t.Name())) })
	var log logLines
	tg := testTarget(t, reproCommand(t.Name()))
	tg.logf, tg.explores, tg.children = log.logf, true, 2
	f, err := checkIsolated(tg)
	if err != nil {
		t.Fatal(err)
	}
	return f, log.String()
}

// Two children explore a passing check's scenarios between them, each its
// half, and the parent says so in one line.
func TestParallelChildren(t *testing.T) {
	_, log := parallelCheck(t, catalog.NewReference, 200)
	if inChild() {
		return
	}
	m := regexp.MustCompile(`reaptest: 2 children explored (\d+) scenarios together \((\d+) \+ (\d+)\)`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no line saying what the two children explored:\n%s", log)
	}
	a, _ := strconv.Atoi(m[2])
	b, _ := strconv.Atoi(m[3])
	if a < 100 || b < 100 {
		t.Errorf("the children ran %d and %d scenarios: want each its 100 of the 200 explored, after the fixed ones", a, b)
	}
	if !strings.Contains(log, "part 1 of 2") {
		t.Errorf("the first child's log does not say it explored part 1 of 2:\n%s", log)
	}
}

// The first child to find a failure stops the other; the failure is
// minimized once and saved once.
func TestParallelFirstFailure(t *testing.T) {
	t.Setenv(envLogFound, "1")
	f, log := parallelCheck(t, catalog.NewCheckThenAct, 2000)
	if inChild() {
		return
	}
	if f == nil {
		t.Fatalf("two children did not find check-then-act's double close:\n%s", log)
	}
	if p := f.Primary(); p.Class != harness.ClassPanic || p.Clause != harness.ClauseNoPanic {
		t.Errorf("got %s [%s], want panic [no-panic]", p.Class, p.Clause)
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir(t.Name()), "*.scenario"))
	if len(files) != 1 || f.File != files[0] {
		t.Errorf("saved %v, reported %q: want the one file reported", files, f.File)
	}
	if strings.Count(log, "minimizing it") != 1 {
		t.Errorf("want one child minimizing, got:\n%s", log)
	}
	if !regexp.MustCompile(`(?m)^reaptest: found a failure after \d+(\.\d+)?m?s, \d+ scenarios in \(child [12] of 2, which minimizes it; the others stop\)$`).MatchString(log) {
		t.Errorf("no line saying when which child found the failure:\n%s", log)
	}
}

// A soak in two children (Children(2); by default a soak gets GOMAXPROCS
// of them, divided among ginkgo -p's processes): the parent relays the
// first child's soak lines and says how many scenarios all of them ran,
// as they go, and what they explored together at the end.
func TestSoakParallel(t *testing.T) {
	t.Setenv(EnvSoak, "6s")
	opts := []harness.Option{harness.Isolate(true), harness.AutoPoints(false), harness.Corpus(""), harness.Children(2)}
	if inChild() {
		checkT(t, catalog.NewReference, opts...)
		return
	}
	var log logLines
	tg := testTarget(t, reproCommand(t.Name()))
	tg.logf, tg.explores, tg.soak, tg.children = log.logf, true, soakOf(opts), 2
	if f, err := checkIsolated(tg); f != nil || err != nil {
		t.Fatalf("the soak did not pass: %v, %v", f, err)
	}
	text := log.String()
	for _, want := range []string{"scenarios so far in 2 children", "[the first of 2 children]", "reaptest: soak ended after 6s", "2 children explored"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the log:\n%s", want, text)
		}
	}
	t.Logf("the parent's log:\n%s", text)
}

// A check whose warm-up starts a process-wide helper (the zoo's reaper,
// started once by sync.Once) passes with two children: each child ran
// the check alone, and its package's TestMain then sees the helper
// (goleak) and ends with status 1 after the child reported its pass;
// that exit is not the check's verdict.
func TestParallelProcessWideHelper(t *testing.T) {
	f, log := parallelCheck(t, zoo.ProcessWide.New, 200)
	if inChild() {
		return
	}
	if f != nil {
		t.Fatalf("the process-wide reaper failed with two children:\n%s\n%s", f, log)
	}
}
