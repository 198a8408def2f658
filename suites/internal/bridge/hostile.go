package bridge

import (
	"errors"
	"fmt"

	"github.com/reaptest/reaptest/harness"
)

// StopNote returns the note the checks of TestTask or DescribeTask after
// first (a subtest's or spec's name) skip with when first failed with f,
// or "" when they run. A setup diagnosis stops them (the task is plugged
// in the same way in every check), and so does a hostile task: a busy
// loop (hang [real-time-limit]) or a goroutine or memory bomb (leak
// [limits]) leaves goroutines running, or memory held, in the process that
// nothing can stop, so every later check would wait out its own limit
// beside them and report the same thing again. A factory that returned a
// nil task (contract [new-task]) stops them too: it would in every check.
func StopNote(first string, f *harness.Failure) string {
	if f == nil {
		return ""
	}
	if errors.Is(f, harness.ErrSetup) {
		return SameSetup(first)
	}
	p := f.Primary()
	if p == nil {
		return ""
	}
	switch {
	case p.Class == harness.ClassHang && p.Clause == harness.ClauseRealTime:
		return hostile(first, p, "runs past its real-time limit (a busy loop?)")
	case p.Clause == harness.ClauseLimits:
		return hostile(first, p, "is a goroutine or memory bomb")
	case p.Clause == harness.ClauseNewTask:
		return fmt.Sprintf("reaptest: %s [%s]: not run: in %s the task's factory returned nil, as it would in every check (see there); fix that first",
			p.Class, p.Clause, first)
	}
	return ""
}

// hostile is the note of a check not run because an earlier one, first,
// found a task that what says.
func hostile(first string, p *harness.Violation, what string) string {
	return fmt.Sprintf("reaptest: %s [%s]: not run: in %s the task %s, and what it left running in this process cannot be stopped (see there); fix that first",
		p.Class, p.Clause, first, what)
}
