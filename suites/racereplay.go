package suites

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// Confirming a data race. The race detector reports a race only when the
// two accesses are not ordered by anything it sees, and which of the
// harness's own channel operations come between two goroutines of the
// task depends on how the scheduler ran them: one replay of the scenario
// that raced may well not race. So a race is confirmed by replaying each
// candidate up to raceReplays times in one child (the first race ends
// it), its timeline comes from one more replay that does not stop at the
// race, and a race that does not repeat is still saved, with the command
// that replays that scenario until it races.

// raceReplays is how many times a child replays a scenario, until it
// races, to confirm or shrink a data race.
const raceReplays = 20

// unconfirmedRepeat is the REAPTEST_REPEAT the reproducer of a race that
// was not confirmed carries.
const unconfirmedRepeat = 200

// envTimeline, in a child that replays a scenario (REAPTEST_REPLAY), makes
// it run the scenario once and hand its timeline to the parent, pass or
// fail.
const envTimeline = "REAPTEST_TIMELINE"

// envBare, in a child that replays a scenario to confirm a race, makes
// it replay as a check explores, without detail: detail's bookkeeping
// takes the run's lock at every fault point, which orders the task's
// goroutines for the race detector and hides the race.
const envBare = "REAPTEST_BARE"

// replayEnv is what a child that replays a scenario to see it die as d
// did gets in its environment, beside the scenario's file: one replay for
// a crash, up to raceReplays bare ones for a race.
func replayEnv(d death) []string {
	if d.kind == "race" {
		return []string{EnvRepeat + "=" + strconv.Itoa(raceReplays), envBare + "=1"}
	}
	return []string{EnvRepeat + "=1"}
}

// raceReplay, in a child the parent started to confirm a race (envBare)
// or to take its timeline (envTimeline), replays sc that way and returns
// its failure and true; anywhere else it returns false.
func raceReplay(bubble harness.Bubble, newTask harness.NewTask, sc scenarios.Scenario, times int, opts []harness.Option) (*harness.Failure, bool) {
	switch {
	case !inChild():
		return nil, false
	case os.Getenv(envTimeline) != "":
		return replayTimeline(bubble, newTask, sc, opts), true
	case os.Getenv(envBare) != "":
		return harness.Replay(bubble, newTask, sc, times, append(opts, hx.Bare())...), true
	}
	return nil, false
}

// raceTimeline returns the timeline of sc, a scenario confirmed to race,
// from a child (in dir's file) that replays it once with the race
// detector reporting and going on (GORACE halt_on_error=0), or nil if
// that child told nothing.
func raceTimeline(tg target, dir string, sc scenarios.Scenario) []harness.Event {
	file := filepath.Join(dir, "timeline.scenario")
	if err := os.WriteFile(file, []byte(sc.String()), 0o644); err != nil {
		return nil
	}
	r, err := runChild(tg, EnvReplay+"="+file, EnvRepeat+"=1", envTimeline+"=1", "GORACE="+goOnRace(os.Getenv("GORACE")))
	if err != nil || r.result == nil {
		return nil
	}
	return r.result.Timeline
}

// goOnRace returns the GORACE options with halt_on_error=0, keeping the
// user's others.
func goOnRace(gorace string) string {
	return strings.TrimSuffix(haltOnRace(gorace), "halt_on_error=1") + "halt_on_error=0"
}

// unconfirmedRace reports a race that no replay repeated: res holds the
// scenario the child was running when it raced. It says what was tried
// (children, replays each, how many of the last scenarios), saves that
// scenario to the corpus all the same, and ends with the command that
// replays it until it races.
func unconfirmedRace(tg target, res *harness.Result, children, last int) *harness.Failure {
	v := res.Violations[0]
	v.Got += fmt.Sprintf(" (not confirmed: the last %d scenarios the child ran, each replayed up to %d times in a fresh child (%d children), did not race again; "+
		"the race may need a scenario before them, or a rarer schedule: the reproducer replays the last one up to %d times)",
		last, raceReplays, children, unconfirmedRepeat)
	f := &harness.Failure{Result: res, Name: "a crashed child", Command: tg.repro}
	if tg.corpus == "" || len(res.Scenario.String()) == 0 {
		return f
	}
	path, err := hx.SaveScenario(tg.corpus, res, tg.repro)
	if err != nil {
		f.SaveErr = err
		return f
	}
	f.File = path
	f.Command = fmt.Sprintf("%s=%d %s", EnvRepeat, unconfirmedRepeat, hx.ReplayCommand(tg.repro, path))
	return f
}

// replayTimeline, in a child asked for a timeline (REAPTEST_TIMELINE),
// runs sc once and hands its timeline to the parent with the child's
// result; it returns the failure, if the run failed.
func replayTimeline(bubble harness.Bubble, newTask harness.NewTask, sc scenarios.Scenario, opts []harness.Option) *harness.Failure {
	res := harness.Run(bubble, newTask, sc, opts...)
	childLogs.mu.Lock()
	childLogs.timeline = res.Timeline
	childLogs.mu.Unlock()
	if !res.Failed() {
		return nil
	}
	return &harness.Failure{Result: res, Name: "the replayed scenario"}
}
