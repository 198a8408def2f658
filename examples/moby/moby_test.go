package moby

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites"
)

// The scenario files: moby#46212 as its report tells it (exit 0, then a
// duplicate exit event with 137), and `docker wait` during `docker rm`.
const (
	issueScenario = "testdata/moby-46212.scenario"
	raceScenario  = "testdata/wait-rm-race.scenario"
)

// fixed is v28.5.2 with both fixes applied in the adapter.
var fixed = Fixes{ExitGuard: true, SerializeRemoval: true}.NewTask

// daemon states the daemon's real bounds: `docker rm` of a running
// container fails at once instead of waiting for the exit, and reports no
// exit code; `docker wait` reports no pid; `docker kill` takes no deadline
// from its caller but waits 10s + 2s at most. That `docker rm` forgets the
// container before it returns (a `docker wait` then gets "No such
// container") needs no option: the default contract judges by
// linearizability, and the removal took effect first.
func daemon(opts ...harness.Option) []harness.Option {
	return append([]harness.Option{
		harness.DeleteBeforeExitFails(),
		harness.DeleteReturnsNoExit(),
		harness.ExitPidMayBeZero(),
		harness.KillBoundedBy(KillWait + KillDirectWait),
	}, opts...)
}

func parse(t *testing.T, path string) scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sc
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
	from := "explored"
	if f.Name != "" {
		from = f.Name
	}
	t.Logf("moby v28.5.2: moby#46212 found, as expected, after %d scenario(s) (%s):\n%s", f.Explored, from, f.Error())
}

// On v28.5.2 as shipped, the check reports moby#46212: a duplicate exit
// event overwrites the exit code that waiters and rm see.
func TestV2852DuplicateExitOverwrites(t *testing.T) {
	f := harness.Check(t.Name(), suites.Bubble(t), NewTask,
		daemon(harness.Corpus(""), harness.Reproduce("go test . -count=1 -run '^TestV2852DuplicateExitOverwrites$'"))...)
	wantOneExit(t, f)
}

// The issue's own ordering, replayed from its scenario file, fails on
// v28.5.2: the second `docker wait` and `docker rm` see 137.
func TestV2852IssueScenario(t *testing.T) {
	f := harness.Replay(suites.Bubble(t), NewTask, parse(t, issueScenario), 1,
		daemon(harness.Reproduce("go test . -count=1 -run '^TestV2852IssueScenario$'"))...)
	wantOneExit(t, f)
}

// With the guard of moby PR #51925 in the adapter, the issue's scenario
// passes, and so do the variations explored around it.
func TestExitGuardIssueScenario(t *testing.T) {
	guarded := Fixes{ExitGuard: true}.NewTask
	if res := harness.Run(suites.Bubble(t), guarded, parse(t, issueScenario), daemon()...); res.Failed() {
		t.Fatalf("with the exit guard, %s still fails:\n%s", issueScenario, res.Report(""))
	}
	suites.ExploreAround(t, fixed, issueScenario, daemon()...)
}

// With both fixes in the adapter, the whole check passes.
func TestFixed(t *testing.T) {
	suites.TestTask(t, fixed, daemon()...)
}

// envRaceChild makes TestV2852WaitRmRace, run again in a child process,
// replay raceScenario against the variant it names.
const envRaceChild = "MOBY_EXAMPLE_RACE_CHILD"

// Under the race detector, `docker wait` during `docker rm` is a data race
// in v28.5.2 (SetRemovalError writes ErrorMsg outside the state's lock),
// and the adapter's SerializeRemoval makes it go away. The race detector
// fails the whole test binary it fires in, so each variant runs in a child
// process.
func TestV2852WaitRmRace(t *testing.T) {
	if v := os.Getenv(envRaceChild); v != "" {
		newTask := map[string]harness.NewTask{"shipped": Fixes{ExitGuard: true}.NewTask, "fixed": fixed}[v]
		if res := harness.Run(suites.Bubble(t), newTask, parse(t, raceScenario), daemon()...); res.Failed() {
			t.Fatal(res.Report(""))
		}
		return
	}
	child := func(variant string) (string, bool) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestV2852WaitRmRace$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), envRaceChild+"="+variant)
		out, err := cmd.CombinedOutput()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatalf("running the %s child: %v", variant, err)
		}
		return string(out), err == nil
	}
	if out, ok := child("fixed"); !ok {
		t.Fatalf("with SerializeRemoval, %s fails:\n%s", raceScenario, out)
	}
	out, ok := child("shipped")
	if !raceEnabled {
		if !ok {
			t.Fatalf("without the race detector, %s should pass (the race is not visible to the contract), got:\n%s", raceScenario, out)
		}
		t.Logf("built without -race: %s passes on v28.5.2; run with -race to see the data race", raceScenario)
		return
	}
	for _, want := range []string{"WARNING: DATA RACE", "container.(*State).SetError", "container.(*State).SetRemovalError", "container.(*State).Wait"} {
		if ok || !strings.Contains(out, want) {
			t.Fatalf("moby v28.5.2 under -race: want the data race between SetRemovalError and Wait (%q), got (child passed: %v):\n%s", want, ok, out)
		}
	}
	t.Logf("moby v28.5.2: data race between `docker rm` and `docker wait` found, as expected:\n%s", raceExcerpt(out))
}

// raceExcerpt returns the race detector's first report in out.
func raceExcerpt(out string) string {
	i := strings.Index(out, "WARNING: DATA RACE")
	if i < 0 {
		return out
	}
	out = out[i:]
	if j := strings.Index(out, "\n\n"); j > 0 {
		if k := strings.Index(out[j+2:], "\n\n"); k > 0 {
			return out[:j+2+k]
		}
	}
	return out
}
