package suites

import (
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// progressRE matches a progress line, of one child or of several (the
// default on a machine of several cores), capturing its seconds.
var progressRE = regexp.MustCompile(`reaptest: \d+ scenarios so far(?: in \d+ children)?, no failure \((\d+)s\)`)

// From a user's module, under go test -json: a long check's progress
// lines come once each (not also relayed from the child), in the subtest
// that explores, located at the user's TestTask line; and the time is
// charged to that subtest, not to the first one, which waited for the one
// child that ran them all.
func TestProgressOnceWhereSpent(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/notchecked", "testdata/notchecked", nil)
	out, ok := goCmd(t, dir, "test", "-count=1", "-json", "-run", "^TestLong$", ".")
	if !ok {
		t.Fatalf("TestLong failed:\n%s", out)
	}
	tests := testsOf(t, out)
	_, explore := jsonVerdict(t, "TestLong/explore", tests["TestLong/explore"])
	_, first := jsonVerdict(t, "TestLong/lost-exit", tests["TestLong/lost-exit"])
	lines := progressRE.FindAllStringSubmatch(explore, -1)
	if len(lines) == 0 {
		t.Fatalf("TestLong/explore printed no progress line:\n%s", explore)
	}
	seen := map[string]bool{}
	last := 0
	for _, l := range lines {
		if seen[l[0]] {
			t.Errorf("progress line printed twice: %q\n%s", l[0], explore)
		}
		seen[l[0]] = true
		last, _ = strconv.Atoi(l[1])
	}
	if !regexp.MustCompile(`(?m)^ +task_test\.go:\d+: reaptest: \d+ scenarios so far`).MatchString(explore) {
		t.Errorf("progress lines are not located at the user's TestTask line:\n%s", explore)
	}
	if progressRE.MatchString(first) {
		t.Errorf("progress lines in TestLong/lost-exit:\n%s", first)
	}
	// The explore subtest ran for at least as long as its last progress
	// line says; the first subtest ran one scenario, for less.
	elapsed := func(name string) float64 {
		evs := tests[name]
		return evs[len(evs)-1].Elapsed
	}
	if e := elapsed("TestLong/explore"); e < float64(last) {
		t.Errorf("TestLong/explore took %.2fs by go test, but its progress says %ds", e, last)
	}
	if e := elapsed("TestLong/lost-exit"); e >= float64(last) {
		t.Errorf("TestLong/lost-exit is charged %.2fs, the time explore spent (its progress says %ds)", e, last)
	}
}
