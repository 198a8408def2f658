package suites

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/instrument"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

// A check that could not check is not a pass. What needs no exploring
// budget runs first, whatever time is left: a child started with too
// little time to explore still replays the corpus and the named scenarios
// (replayOnly), so a saved regression scenario fails even under
// go test -timeout=1s. What is left unchecked skips the test or spec
// (t.Skip, Ginkgo's Skip: SKIP in go test -v and -json) with one line that
// says what happened and what to do, instead of passing:
//
//   - no child could be started at all: nothing ran (notRun);
//   - the child ran out of the test binary's time before its check ended
//     (notFinished);
//   - an exploring check (TestX/explore, ExploreAround, ExploreDump and
//     their specs) that only replayed, with no time left to explore
//     (exploredNothing);
//   - an exploring check that passed without the automatic fault points it
//     was meant to have: no go command and no cached build, a build error,
//     no writable cache, no time to build (uninstrumented).
//
// A check that runs in this process (isolation off) keeps to the same
// rule: with less time left than a child would be started to explore
// with, it only replays (replayHere) and a pass skips as exploredNothing.
//
// A named scenario that ran is a pass or a failure as usual: it needs no
// exploring and no automatic points (it plans no yield at them). A
// failure is always reported as a failure.

// minReplayTime is the least time before the test binary's deadline for
// which a child is started at all, to replay only.
const minReplayTime = 200 * time.Millisecond

// replayTime is how long a replay-only child for tg may run: what is left
// before the test binary's deadline, less a margin for the parent (a
// fifth, at least 100ms).
func (tg target) replayTime() time.Duration {
	if tg.deadline.IsZero() {
		return childLimit
	}
	left := time.Until(tg.deadline)
	return left - max(left/5, 100*time.Millisecond)
}

// longerTimeout is the fix for a check the test binary's -timeout cut short.
const longerTimeout = "rerun with a longer -timeout (go test's default, 10m, is plenty)"

// notRun says that no child could be started for tg: how little time was
// left, and what the instrumented build took of it.
func notRun(tg target) *bridge.NotChecked {
	why := "the test binary's -timeout was too near to start a child"
	if !tg.deadline.IsZero() {
		why = fmt.Sprintf("%s of the test binary's -timeout was left, too little to start a child", max(0, time.Until(tg.deadline)).Round(10*time.Millisecond))
	}
	if tg.auto.took >= time.Second/2 {
		why += fmt.Sprintf(" (the instrumented build took %s of it", tg.auto.took.Round(100*time.Millisecond))
		if tg.auto.bin != nil {
			why += "; a rerun finds it cached"
		}
		why += ")"
	}
	return &bridge.NotChecked{Reason: "reaptest: not run: no scenario ran: " + why + "; " + longerTimeout}
}

// notFinished says that a child ran out of the test binary's time before
// its check ended.
func notFinished(ran int) *bridge.NotChecked {
	return &bridge.NotChecked{Reason: fmt.Sprintf("reaptest: not finished: the child ran out of the test binary's -timeout after %d scenarios, no failure found so far; %s", ran, longerTimeout)}
}

// exploredNothing says that an exploring check only replayed: the corpus
// and the named scenarios (ran scenarios in all) passed, and there was no
// time left to explore.
func exploredNothing(ran int) *bridge.NotChecked {
	return &bridge.NotChecked{Reason: fmt.Sprintf("reaptest: explored nothing: the corpus and the fixed scenarios (named, or the one written) passed (%d scenarios), then the test binary's -timeout left no time to explore; %s", ran, longerTimeout)}
}

// uninstrumented says that an exploring check passed without the
// automatic fault points it was meant to have, and why, or is nil when it
// had them or was not meant to.
func (a autoChild) uninstrumented(ran int) *bridge.NotChecked {
	if a.off == "" {
		return nil
	}
	return &bridge.NotChecked{Reason: fmt.Sprintf("reaptest: not fully checked: %d scenarios passed without the automatic fault points this check was meant to have (%s); fix that, or set %s=0 to check with env.Point alone", ran, a.off, instrument.EnvAutopoints)}
}

// replayHere is an exploring check that runs in this process (isolation
// off) with too little time left before the test binary's deadline to
// explore: as a replay-only child (runChild), it replays the corpus and
// the named scenarios, whatever time is left, explores nothing, and a
// pass skips with exploredNothing, never passes.
type replayHere struct{ ran atomic.Int64 }

// replayOnlyHere returns the replayHere of an exploring check in this
// process whose test binary ends at deadline (zero: no -timeout), or nil
// when there is time to explore: as much as a child is started with
// (minChildTime, after the parent's margin, target.timeLeft).
func replayOnlyHere(deadline time.Time, soak time.Duration) *replayHere {
	if deadline.IsZero() || (target{deadline: deadline, soak: soak}).timeLeft() >= minChildTime {
		return nil
	}
	return &replayHere{}
}

// options are the options that make the check replay only: its exploring
// deadline is now (what comes before exploring still runs), and each
// scenario it runs is counted.
func (r *replayHere) options() []harness.Option {
	return []harness.Option{hx.Deadline(time.Now()), hx.Progress(func(scenarios.Scenario) { r.ran.Add(1) })}
}

// skip is why a check that replayed only and passed is skipped, or nil
// when it is not replay-only (r is nil).
func (r *replayHere) skip() *bridge.NotChecked {
	if r == nil {
		return nil
	}
	return exploredNothing(int(r.ran.Load()))
}
