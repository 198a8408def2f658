package suites

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// racySeed is the seed's check-then-act (suites/testdata/autopoints,
// catalog check-then-act) with its check made without the lock: Reap
// reads exited unlocked, then takes the lock to close the channel and set
// it. Two overlapping Reaps race on exited (the race detector's finding),
// and both may close the channel. With recheck, Reap checks again under
// the lock, so that only the race is left: no double close.
type racySeed struct {
	recheck bool // read-only
	mu      sync.Mutex
	exitCh  chan struct{}
	exit    harness.Exit // guarded by mu
	exited  bool         // written under mu, read without it: the bug
}

func newRacySeed(harness.Env) harness.Task { return &racySeed{exitCh: make(chan struct{})} }

func newRacyRecheck(harness.Env) harness.Task {
	return &racySeed{exitCh: make(chan struct{}), recheck: true}
}

func (t *racySeed) Reap(e harness.Exit) {
	if t.exited { // BUG: read without the lock
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.recheck && t.exited {
		return
	}
	close(t.exitCh)
	t.exited, t.exit = true, e
}

func (t *racySeed) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exitCh:
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (t *racySeed) Delete(ctx context.Context) (harness.Exit, error) { return t.Wait(ctx) }

// raceHelper, set, makes TestRaceHelper check racySeed: "seed" as it is,
// "recheck" with the check made again under the lock.
const raceHelper = "REAPTEST_RACE_HELPER"

// TestRaceHelper is the process TestRaceReplay runs: TestTask on
// racySeed. Without REAPTEST_RACE_HELPER set it does nothing.
func TestRaceHelper(t *testing.T) {
	switch os.Getenv(raceHelper) {
	case "seed":
		TestTask(t, newRacySeed)
	case "recheck":
		var opts []harness.Option
		if !raceEnabled {
			opts = append(opts, harness.Checks(300)) // nothing to find: a short check
		}
		TestTask(t, newRacyRecheck, opts...)
	}
}

// runRaceHelper runs TestRaceHelper on the variant named in a process of
// its own, with env added to its environment, and returns its -test.v
// output.
func runRaceHelper(t testing.TB, variant string, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRaceHelper$", "-test.count=1", "-test.v", "-test.timeout=10m")
	cmd.Env = append(append(os.Environ(), raceHelper+"="+variant), env...)
	out, err := cmd.CombinedOutput()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatal(err)
	}
	return string(out)
}

// Under -race, a check-then-act data race (the seed's, its check made
// without the lock and again under it, so that the race is its only bug)
// ends as a confirmed race: minimized, saved to the corpus, with a
// timeline, and a reproducer that has -race and replays the saved file
// until it races. Count it: go test -race ./suites -run
// '^TestRaceReplays$' -count=20 (each run starts from an empty corpus).
// Without -race the same task passes.
func TestRaceReplays(t *testing.T) {
	if inChild() || os.Getenv(raceHelper) != "" {
		return
	}
	corpus := corpusDir("TestRaceHelper")
	os.RemoveAll(corpus)
	os.RemoveAll(filepath.Join("testdata", "rapid", "TestRaceHelper_explore"))
	t.Cleanup(func() {
		os.RemoveAll(corpus)
		os.RemoveAll(filepath.Join("testdata", "rapid", "TestRaceHelper_explore"))
	})
	out := runRaceHelper(t, "recheck")
	if !raceEnabled {
		if !strings.Contains(out, "--- PASS: TestRaceHelper ") {
			t.Fatalf("without -race the racy task must pass; output:\n%s", out)
		}
		return
	}
	for _, e := range raceReplayed(out, corpus) {
		t.Error(e)
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// raceReplayed returns what TestRaceHelper's output out, and the corpus
// it saved to, lack of a confirmed race: the report, the task's frame,
// the -race reproducer that repeats the saved file, a timeline, one saved
// file, and no word of a race it could not confirm.
func raceReplayed(out, corpus string) []string {
	var errs []string
	want := []string{
		"reaptest: race [no-race]",
		"(*racySeed).Reap",
		"REAPTEST_REPEAT=" + strconv.Itoa(raceReplays) + " REAPTEST_REPLAY=testdata/reaptest/TestRaceHelper/race-no-race-",
		" go test -race ",
		"┬  ", // the timeline has calls
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			errs = append(errs, fmt.Sprintf("the report lacks %q", w))
		}
	}
	for _, bad := range []string{"not confirmed", "none: the process died"} {
		if strings.Contains(out, bad) {
			errs = append(errs, fmt.Sprintf("the report says %q", bad))
		}
	}
	if files, _ := filepath.Glob(filepath.Join(corpus, "race-no-race-*.scenario")); len(files) != 1 {
		errs = append(errs, fmt.Sprintf("saved %v, want one race scenario", files))
	}
	if files, _ := filepath.Glob(filepath.Join(corpus+"_explore", "*")); len(files) > 0 {
		errs = append(errs, fmt.Sprintf("saved %v to the explore subtest's folder, want the test's %s", files, corpus))
	}
	return errs
}

// With two children exploring at once (REAPTEST_CHILDREN=2), a race ends
// as with one: TestRaceReplays's assertions, in 2 runs of 3 at least
// (each from an empty corpus); the single-child aim is 19 of 20. Before
// the children replayed a crash in the test rather than in its explore
// subtest, which the replaying child passed over, none was confirmed and
// each was saved to testdata/reaptest/TestRaceHelper_explore. Without
// -race the racy task passes with two children too.
func TestRaceReplaysChildren(t *testing.T) {
	if inChild() || os.Getenv(raceHelper) != "" {
		return
	}
	corpus, clean := emptyRaceCorpus(t)
	if !raceEnabled {
		if out := runRaceHelper(t, "recheck", EnvChildren+"=2"); !strings.Contains(out, "--- PASS: TestRaceHelper ") {
			t.Fatalf("without -race the racy task must pass with two children; output:\n%s", out)
		}
		return
	}
	const runs = 3
	confirmed := 0
	for i := range runs {
		clean()
		out := runRaceHelper(t, "recheck", EnvChildren+"=2")
		if errs := raceReplayed(out, corpus); len(errs) > 0 {
			t.Logf("run %d of %d: %s; output:\n%s", i+1, runs, strings.Join(errs, "; "), out)
			continue
		}
		confirmed++
	}
	if confirmed < 2 {
		t.Errorf("with two children %d of %d runs ended in a confirmed race saved to %s, want 2 at least", confirmed, runs, corpus)
	}
}

// A failure that is not a crash, found by a child of a parallel explore,
// is saved where one child saves it: the test's corpus folder, which the
// explore subtest replays from, not the subtest's own.
func TestParallelSavesToCorpus(t *testing.T) {
	if inChild() || os.Getenv(raceHelper) != "" {
		return
	}
	corpus, _ := emptyRaceCorpus(t)
	out := runRaceHelper(t, "seed", EnvChildren+"=2") // a double close; under -race, maybe a race first
	files, _ := filepath.Glob(filepath.Join(corpus, "*.scenario"))
	if len(files) != 1 {
		t.Errorf("saved %v to %s, want one scenario; output:\n%s", files, corpus, out)
	}
	if wrong, _ := filepath.Glob(filepath.Join(corpus+"_explore", "*")); len(wrong) > 0 {
		t.Errorf("saved %v to the explore subtest's folder, want the test's %s", wrong, corpus)
	}
	if !strings.Contains(out, "REAPTEST_REPLAY=testdata/reaptest/TestRaceHelper/") {
		t.Errorf("the reproducer does not replay from %s:\n%s", corpus, out)
	}
}

// BenchmarkRaceReplays counts, under -race, the runs of TestRaceHelper on
// the seed's check-then-act race (each from an empty corpus) that end as
// TestRaceReplays wants: confirmed, minimized, saved, with a timeline and
// a -race reproducer. The issue behind it measured 2 of 5; the aim is at
// least 19 of 20.
//
//	go test -race ./suites -run '^$' -bench '^BenchmarkRaceReplays$' -benchtime=20x -timeout=60m
func BenchmarkRaceReplays(b *testing.B) {
	if !raceEnabled {
		b.Skip("counts data races: run it with go test -race")
	}
	corpus := corpusDir("TestRaceHelper")
	defer os.RemoveAll(corpus)
	confirmed := 0
	for range b.N {
		os.RemoveAll(corpus)
		out := runRaceHelper(b, "recheck")
		if errs := raceReplayed(out, corpus); len(errs) > 0 {
			b.Logf("not replayed as wanted: %s", strings.Join(errs, "; "))
			continue
		}
		confirmed++
	}
	b.ReportMetric(float64(confirmed)/float64(b.N), "confirmed/run")
}

// A race no replay repeated is still reported with what was tried, saved,
// and given a command that replays that very scenario until it races,
// not the whole exploration.
func TestUnconfirmedRaceReplaysItsScenario(t *testing.T) {
	sc, ok := scenarios.Lookup("duplicate-exit")
	if !ok {
		t.Fatal("no named scenario duplicate-exit")
	}
	tg := target{corpus: t.TempDir(), repro: "go test -race example.com/x -count=1 -run '^TestX$'"}
	res := &harness.Result{Scenario: sc.Scenario, Violations: []*harness.Violation{{
		Class: harness.ClassRace, Clause: harness.ClauseNoRace, Call: "the task", Got: "data race: write in x and previous read in y"}}}
	f := unconfirmedRace(tg, res, 5, 5)
	files, _ := filepath.Glob(filepath.Join(tg.corpus, "race-no-race-*.scenario"))
	if len(files) != 1 || f.File != files[0] {
		t.Fatalf("saved %v, the failure names %q: want the one file", files, f.File)
	}
	if want := "REAPTEST_REPEAT=" + strconv.Itoa(unconfirmedRepeat) + " REAPTEST_REPLAY=" + f.File + " " + tg.repro; f.Command != want {
		t.Errorf("command %q, want %q", f.Command, want)
	}
	for _, w := range []string{"not confirmed", "the last 5 scenarios", "up to 20 times", "5 children"} {
		if !strings.Contains(f.Error(), w) {
			t.Errorf("the report lacks %q:\n%s", w, f.Error())
		}
	}
	if saved, err := scenarios.ParseFile(f.File); err != nil || saved.String() != sc.Scenario.String() {
		t.Errorf("the saved file holds %v (%v), want the scenario as it ran", saved, err)
	}
}

// emptyRaceCorpus empties TestRaceHelper's corpus folder, the folder of
// its explore subtest and rapid's, now and when t ends, and returns the
// corpus folder and the function that empties them.
func emptyRaceCorpus(t *testing.T) (corpus string, clean func()) {
	corpus = corpusDir("TestRaceHelper")
	clean = func() {
		os.RemoveAll(corpus)
		os.RemoveAll(corpus + "_explore")
		os.RemoveAll(filepath.Join("testdata", "rapid", "TestRaceHelper_explore"))
	}
	clean()
	t.Cleanup(clean)
	return corpus, clean
}
