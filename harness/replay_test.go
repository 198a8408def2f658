package harness_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// A hang the harness reports carries its goroutine dump; turned back into
// a scenario, it names the stuck calls, and exploring around it finds the
// hang again.
func TestScenarioFromHarnessDump(t *testing.T) {
	lost, _ := scenarios.Lookup("lost-exit")
	res := harness.Run(bubble(t), catalog.NewLockWhileWaiting, lost.Scenario)
	if !errors.Is(res.Err(), harness.ErrHang) || len(res.Dump) == 0 {
		t.Fatalf("want a hang with a dump, got:\n%s", res.Report(""))
	}
	sc, err := harness.ScenarioFromDump(res.Dump, "lockWhileWaiting")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Actors) != 1 || sc.Actors[0].Calls[0].Op != scenarios.Delete || len(sc.Deliveries) != 1 {
		t.Fatalf("scenario from the dump = \n%s\nwant one client deleting and one delivery (the stuck Reap)", sc)
	}
	f := harness.ExploreAround(t.Name(), bubble(t), catalog.NewLockWhileWaiting, sc, harness.Checks(200))
	if f == nil || !errors.Is(f, harness.ErrHang) {
		t.Fatalf("exploring around the dump's scenario = %v, want a hang", f)
	}
}

// A dump in the runtime's own format (here taken from a stalled bubble
// outside the harness) gives one client per goroutine inside the type's
// Wait, Delete or Kill and one delivery per goroutine inside its Reap; a
// wrong type name is an error that lists the types the dump does have.
func TestScenarioFromDumpFile(t *testing.T) {
	dump, err := os.ReadFile("testdata/bubble.dump")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := harness.ScenarioFromDump(dump, "(*task)")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Actors) != 1 || sc.Actors[0].Calls[0].Op != scenarios.Delete || len(sc.Deliveries) != 1 {
		t.Errorf("scenario = \n%s\nwant one Delete client and one delivery", sc)
	}
	_, err = harness.ScenarioFromDump(dump, "(*Shim)")
	if err == nil || !strings.Contains(err.Error(), "exp.(*task)") {
		t.Errorf("wrong type name: error = %v, want one listing exp.(*task)", err)
	}
	if _, err := harness.ScenarioFromDump([]byte("not a dump"), "(*task)"); err == nil {
		t.Error("text that is no dump gave no error")
	}
}

// Two Reaps a long way apart do not race; exploring around that scenario
// moves them together and finds the double close.
func TestExploreAroundFindsTheRace(t *testing.T) {
	base := scenarios.Scenario{Plan: faults.Plan{
		Exit:       faults.ExitPlan{After: time.Millisecond},
		Deliveries: []faults.Delivery{{Status: faults.StatusReal}, {After: 200 * time.Millisecond, Status: 137}},
	}}
	if res := harness.Run(bubble(t), catalog.NewCheckThenAct, base); res.Failed() {
		t.Fatalf("the scenario as written already fails:\n%s", res.Report(""))
	}
	f := harness.ExploreAround(t.Name(), bubble(t), catalog.NewCheckThenAct, base, harness.Checks(500))
	if f == nil || !errors.Is(f, harness.ErrPanic) {
		t.Fatalf("ExploreAround = %v, want the double close", f)
	}
}

// A failure saved to the corpus is replayed first on the next run and
// keeps pointing at its file, and Replay of the saved file fails the same
// way.
func TestCorpusSavesAndReplaysFirst(t *testing.T) {
	dir := t.TempDir()
	f := harness.Check(t.Name(), bubble(t), catalog.NewUnguardedClose, harness.Corpus(dir), harness.Checks(100), harness.Reproduce("go test ./x"))
	if f == nil || f.File == "" || f.SaveErr != nil {
		t.Fatalf("Check = %v, want a failure saved under %s", f, dir)
	}
	if !strings.Contains(f.Command, "REAPTEST_REPLAY="+f.File) {
		t.Errorf("reproducer %q does not replay the saved file", f.Command)
	}
	again := harness.Check(t.Name(), bubble(t), catalog.NewUnguardedClose, harness.Corpus(dir), harness.Checks(100))
	if again == nil || !strings.HasPrefix(again.Name, "corpus file ") || again.Explored != 1 {
		t.Fatalf("second run = %+v, want the corpus file to fail first", again)
	}
	sc, err := scenarios.ParseFile(f.File)
	if err != nil {
		t.Fatal(err)
	}
	// Without its schedule line (written by hand, or by an older version)
	// the file still stands for its failure: no copy is saved beside it.
	if sc.Procs == 0 {
		t.Fatalf("the saved scenario has no schedule line:\n%s", sc)
	}
	noSchedule := sc
	noSchedule.Procs = 0
	bare := filepath.Join(dir, "hand-written.scenario")
	if err := os.WriteFile(bare, []byte(noSchedule.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(f.File); err != nil {
		t.Fatal(err)
	}
	again = harness.Check(t.Name(), bubble(t), catalog.NewUnguardedClose, harness.Corpus(dir), harness.Checks(100), harness.Reproduce("go test ./x"))
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); again == nil || again.File != bare || len(files) != 1 || !strings.Contains(again.Command, bare) {
		t.Fatalf("replaying a file without its schedule: failure file %q, corpus %v; want %q alone", again.File, files, bare)
	}
	r := harness.Replay(bubble(t), catalog.NewUnguardedClose, sc, 5)
	if r == nil || r.Primary().Clause != f.Primary().Clause {
		t.Fatalf("replay = %v, want %s", r, f.Primary())
	}
	if r := harness.Replay(bubble(t), catalog.NewReference, sc, 5); r != nil {
		t.Fatalf("the reference fails the saved scenario:\n%s", r.Error())
	}
}

// A dump a hung process printed on SIGQUIT (a daemon with the
// lock-while-waiting bug: ctr delete, the monitor's Reap and a ctr wait
// stuck) gives those three calls, and exploring around them finds the
// deadlock.
func TestScenarioFromSIGQUITDump(t *testing.T) {
	dump, err := os.ReadFile("../suites/testdata/walkthrough/daemon-sigquit.dump")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := harness.ScenarioFromDump(dump, "(*lockWhileWaiting)")
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, a := range sc.Actors {
		ops = append(ops, a.Calls[0].Op.String())
	}
	if strings.Join(ops, ",") != "Delete,Wait" || len(sc.Deliveries) != 1 {
		t.Fatalf("scenario = \n%s\nwant clients Delete and Wait, and one delivery", sc)
	}
	if f := harness.ExploreAround(t.Name(), bubble(t), catalog.NewLockWhileWaiting, sc, harness.Checks(200)); f == nil || !errors.Is(f, harness.ErrHang) {
		t.Fatalf("ExploreAround = %v, want the deadlock", f)
	}
}

// A counterexample that cannot be saved (the corpus directory cannot be
// made: a file is in the way) is still reported, and the report says why
// it was not saved.
func TestCorpusSaveErrorInReport(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f := harness.Check(t.Name(), bubble(t), catalog.NewUnguardedClose, harness.Corpus(filepath.Join(blocker, "corpus")), harness.Checks(100))
	if f == nil {
		t.Fatal("the bug was not found")
	}
	if f.SaveErr == nil || f.File != "" {
		t.Fatalf("SaveErr = %v, File = %q: want a save error and no file", f.SaveErr, f.File)
	}
	if !strings.Contains(f.Error(), "not saved to the corpus: saving the counterexample: mkdir") {
		t.Errorf("the report does not say the counterexample was not saved:\n%s", f.Error())
	}
}
