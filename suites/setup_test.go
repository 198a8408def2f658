package suites

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// lazyStop is package-level state made lazily, inside whichever scenario
// first asks for it: its Done channel then belongs to that scenario's
// bubble, and the next scenario that selects on it kills the process.
var (
	lazyStopOnce sync.Once
	lazyStop     context.Context
	lazyCancel   context.CancelFunc // what a daemon's shutdown would call
)

func stopCtx() context.Context {
	lazyStopOnce.Do(func() { lazyStop, lazyCancel = context.WithCancel(context.Background()) })
	return lazyStop
}

// stopAware is the reference with a Wait that also gives up when the
// (lazily made, package-level) shutdown context ends.
type stopAware struct{ harness.Task }

func (s stopAware) Wait(ctx context.Context) (harness.Exit, error) {
	type res struct {
		e   harness.Exit
		err error
	}
	ch := make(chan res, 1)
	go func() { e, err := s.Task.Wait(ctx); ch <- res{e, err} }()
	select {
	case r := <-ch:
		return r.e, r.err
	case <-stopCtx().Done():
		return harness.Exit{}, errors.New("daemon shutting down")
	}
}

// A task whose package-level channel was made inside an earlier scenario
// crashes the isolated child with synctest's "outside bubble" fatal error;
// the parent reports a setup diagnosis, not a crash of the task.
func TestIsolatedLazyChannelIsSetup(t *testing.T) {
	newTask := func(env harness.Env) harness.Task { return stopAware{catalog.NewReference(env)} }
	f := checkT(t, newTask, harness.Isolate(true), harness.AutoPoints(false), harness.Checks(50), harness.Corpus(""))
	if inChild() {
		return // the parent judges what the child found
	}
	if f == nil {
		t.Fatal("want a setup diagnosis of the lazily made package-level channel, got a pass")
	}
	if !errors.Is(f, harness.ErrSetup) || errors.Is(f, harness.ErrPanic) {
		t.Errorf("want only harness.ErrSetup, got class %s:\n%s", f.Primary().Class, f.Error())
	}
	// The child warms up outside every scenario first (warmUpOnce), so the
	// channel is made there: the diagnosis is of a wait on a channel from
	// outside; without the warm-up a later scenario's fatal error ("select
	// on synctest channel from outside bubble") gave the same diagnosis.
	for _, want := range []string{"setup [outside-bubble]", "outside", "factory"} {
		if !strings.Contains(f.Error(), want) {
			t.Errorf("report lacks %q:\n%s", want, f.Error())
		}
	}
}

// testEvent is one line of go test -json (test2json) output.
type testEvent struct {
	Action  string
	Test    string
	Output  string
	Elapsed float64 // seconds, on a pass, fail or skip
}

// testsOf parses go test -json output into each test's events, by name.
func testsOf(t *testing.T, out string) map[string][]testEvent {
	t.Helper()
	tests := map[string][]testEvent{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var e testEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("go test -json line %q: %v", line, err)
		}
		if e.Test != "" {
			tests[e.Test] = append(tests[e.Test], e)
		}
	}
	return tests
}

// jsonVerdict returns the test's one terminal action (pass, fail, skip) and
// its output, failing t unless it has exactly one run and one verdict.
func jsonVerdict(t *testing.T, name string, events []testEvent) (string, string) {
	t.Helper()
	var runs int
	var verdicts []string
	var out strings.Builder
	for _, e := range events {
		switch e.Action {
		case "run":
			runs++
		case "pass", "fail", "skip":
			verdicts = append(verdicts, e.Action)
		case "output":
			out.WriteString(e.Output)
		}
	}
	if runs != 1 || len(verdicts) != 1 {
		t.Errorf("%s: %d runs and verdicts %v in go test -json, want one run and one verdict", name, runs, verdicts)
		return "", out.String()
	}
	return verdicts[0], out.String()
}

// fullSetup is how a full setup diagnosis begins (a one-line note goes on
// with "]:").
const fullSetup = "reaptest: setup [outside-bubble] "

// A task with package-level state (a channel made at init, a context made
// lazily inside the first scenario) stops TestTask with the full setup
// diagnosis once, in the first subtest that meets it; the subtests after
// it are not run and skip with a one-line note naming that one, so the
// test fails once, with one report; -json keeps one run and one verdict a
// subtest. A single subtest selected with -run still gets the full
// diagnosis, the report's reproducer shows it again, and a correct task's
// subtests all pass, with no note. DescribeTask's specs do the same.
func TestSetupDiagnosedOnce(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := moduleFrom(t, "example.com/setuptask", "testdata/setuptask", nil)
	out, ok := goCmd(t, dir, "test", "-count=1", "-json", "-run", "^Test(Good|Init|Lazy)$", ".")
	if ok {
		t.Fatalf("go test -json passed, want TestInit and TestLazy to fail:\n%s", out)
	}
	tests := testsOf(t, out)
	subtests := func(parent string) []string {
		var subs []string
		for _, n := range scenarios.Named() {
			subs = append(subs, parent+"/"+n.Name)
		}
		return append(subs, parent+"/explore")
	}

	if v, _ := jsonVerdict(t, "TestGood", tests["TestGood"]); v != "pass" {
		t.Errorf("TestGood: %s, want pass", v)
	}
	for _, sub := range subtests("TestGood") {
		if v, text := jsonVerdict(t, sub, tests[sub]); v != "pass" || strings.Contains(text, "reaptest: setup") {
			t.Errorf("%s: %s, want pass with no setup note:\n%s", sub, v, text)
		}
	}

	repro := map[string]string{}
	for _, parent := range []string{"TestInit", "TestLazy"} {
		if v, _ := jsonVerdict(t, parent, tests[parent]); v != "fail" {
			t.Errorf("%s: %s, want fail", parent, v)
		}
		first, full := "", 0
		for _, sub := range subtests(parent) {
			v, text := jsonVerdict(t, sub, tests[sub])
			full += strings.Count(text, fullSetup)
			switch {
			case first == "" && v == "fail":
				first = sub
				for _, want := range []string{fullSetup, "factory", "reproduce:"} {
					if !strings.Contains(text, want) {
						t.Errorf("%s: the first setup failure lacks %q:\n%s", sub, want, text)
					}
				}
				if _, cmd, ok := strings.Cut(text, "reproduce:\n"); ok {
					repro[parent] = strings.TrimSpace(strings.SplitN(cmd, "\n", 2)[0])
				}
			case first == "" && v != "pass":
				t.Errorf("%s: %s before any setup diagnosis, want pass:\n%s", sub, v, text)
			case first != "":
				note := "reaptest: setup [outside-bubble]: not run: " + first + " stopped on a setup problem"
				if v != "skip" || !strings.Contains(text, note) {
					t.Errorf("%s after %s: %s, want skip with %q:\n%s", sub, first, v, note, text)
				}
			}
		}
		if first == "" {
			t.Errorf("%s: no subtest failed, want a setup diagnosis:\n%s", parent, out)
		}
		if full != 1 {
			t.Errorf("%s: the full diagnosis (%q) %d times, want once", parent, fullSetup, full)
		}
	}

	// The lazily made context kills the child in the second subtest it
	// runs, not alone: the reproducer reruns the subtests with it.
	if cmd := repro["TestLazy"]; cmd != "" {
		args, err := commandArgs(cmd)
		if err != nil {
			t.Fatal(err)
		}
		out, ok := goCmd(t, dir, args...)
		if ok || strings.Count(out, fullSetup) != 1 {
			t.Errorf("the reproducer %s: passed = %v, want one full setup diagnosis:\n%s", cmd, ok, out)
		}
	}
	// DescribeTask: the first spec that meets it fails with the full
	// diagnosis, the ones after it skip with the note, the good task's
	// pass.
	out, ok = goCmd(t, dir, "test", "-count=1", "-run", "^TestGinkgo$", "-ginkgo.v", "-ginkgo.no-color", ".")
	if ok || strings.Count(out, fullSetup) != 1 || !strings.Contains(out, "1 Failed") ||
		!strings.Contains(out, `reaptest: setup [outside-bubble]: not run: "init task survives`) || strings.Contains(out, `not run: "good task`) {
		t.Errorf("DescribeTask: passed = %v, want one spec failed with the full setup diagnosis and the init task's specs after it skipped with the note:\n%s", ok, out)
	}
	// A subtest selected alone gets the full diagnosis.
	out, ok = goCmd(t, dir, "test", "-count=1", "-v", "-run", "^TestInit$/^kill-ignored$", ".")
	if ok || !strings.Contains(out, fullSetup) || strings.Contains(out, "not run:") {
		t.Errorf("TestInit/kill-ignored alone: passed = %v, want the full setup diagnosis and no note:\n%s", ok, out)
	}
}

// commandArgs splits a reproducer, "go test ... -run '...'", into the go
// command's arguments.
func commandArgs(cmd string) ([]string, error) {
	rest, ok := strings.CutPrefix(cmd, "go ")
	if !ok {
		return nil, fmt.Errorf("reproducer %q: want a go command", cmd)
	}
	var args []string
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		if q, ok := strings.CutPrefix(rest, "'"); ok {
			arg, after, found := strings.Cut(q, "'")
			if !found {
				return nil, fmt.Errorf("reproducer %q: unbalanced quote", cmd)
			}
			args, rest = append(args, arg), after
			continue
		}
		arg, after, _ := strings.Cut(rest, " ")
		if arg != "" {
			args = append(args, arg)
		}
		rest = after
	}
	return args, nil
}
