package moby

import (
	"errors"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites"
)

// issueScenario is moby#46212 as its report tells it: exit 0, then a
// duplicate exit event with 137.
const issueScenario = "testdata/moby-46212.scenario"

// daemon states how the daemon's calls are bounded: `docker rm` of a
// running container fails at once instead of waiting for the exit.
func daemon(opts ...harness.Option) []harness.Option {
	return append([]harness.Option{harness.DeleteBeforeExitFails()}, opts...)
}

// withoutKill hides Kill: `docker kill` takes no deadline and waits up to
// 12s, which kill-bounded judges by the caller's ctx.
// TODO: KillBoundedBy(KillWait + KillDirectWait) once it is on main.
type withoutKill struct{ harness.Task }

func hideKill(newTask harness.NewTask) harness.NewTask {
	return func(env harness.Env) harness.Task { return withoutKill{newTask(env)} }
}

// wantOneExit fails t unless f reports the duplicate exit: a contract
// violation of one-exit.
func wantOneExit(t *testing.T, f *harness.Failure) {
	t.Helper()
	if f == nil {
		t.Fatal("moby v28.5.2 passed: want contract [one-exit] (moby#46212: a duplicate exit event overwrites the exit code)")
	}
	v := f.Primary()
	if v == nil || v.Class != harness.ClassContract || v.Clause != harness.ClauseOneExit || !errors.Is(f, harness.ErrContract) {
		t.Fatalf("moby v28.5.2: want contract [one-exit] (moby#46212), got:\n%s", f.Error())
	}
	t.Logf("moby v28.5.2: found moby#46212 as expected (%d scenarios):\n%s", f.Explored, f.Error())
}

// On v28.5.2 as shipped, the check reports moby#46212: a duplicate exit
// event overwrites the exit code waiters and rm see.
func TestV2852DuplicateExitOverwrites(t *testing.T) {
	f := harness.Check(t.Name(), suites.Bubble(t), hideKill(NewTask),
		daemon(harness.Corpus(""), harness.Reproduce("go test . -count=1 -run '^TestV2852DuplicateExitOverwrites$'"))...)
	wantOneExit(t, f)
}

// The issue's own ordering, replayed from its scenario file, fails on
// v28.5.2: the second `docker wait` and `docker rm` see 137.
func TestV2852IssueScenario(t *testing.T) {
	sc, err := scenarios.ParseFile(issueScenario)
	if err != nil {
		t.Fatal(err)
	}
	f := harness.Replay(suites.Bubble(t), NewTask, sc, 1,
		daemon(harness.Reproduce(harness.ReplayCommand("go test . -count=1 -run '^TestV2852IssueScenario$'", issueScenario)))...)
	wantOneExit(t, f)
}

// With the guard of moby PR #51925 in the adapter, the issue's scenario
// passes, as do the variations explored around it.
func TestExitGuardIssueScenario(t *testing.T) {
	sc, err := scenarios.ParseFile(issueScenario)
	if err != nil {
		t.Fatal(err)
	}
	if res := harness.Run(suites.Bubble(t), NewTaskExitGuard, sc, daemon()...); res.Failed() {
		t.Fatalf("with the exit guard, %s still fails:\n%s", issueScenario, res.Report(""))
	}
	suites.ExploreAround(t, hideKill(NewTaskExitGuard), issueScenario, daemon()...)
}

// With the guard of moby PR #51925 in the adapter, the whole check passes.
func TestExitGuard(t *testing.T) {
	suites.TestTask(t, hideKill(NewTaskExitGuard), daemon()...)
}
