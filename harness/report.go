package harness

import (
	"fmt"
	"sort"
	"strings"

	"github.com/reaptest/reaptest/internal/notation"
)

// clauseText says what each clause requires, for the report.
var clauseText = map[string]string{
	ClauseNoPanic:        "clause 1: no call panics, whatever the order, repetition or concurrency",
	ClauseWaitBounded:    "clause 2: Wait returns no later than the grace period after its ctx is done",
	ClauseWaitSeesExit:   "clause 3: a Wait after the exit returns that exit (promptly once a Reap has returned), unless its ctx is done or a successful Delete may have come first",
	ClauseWaitWaits:      "clause 3: before the exit is reaped, Wait waits: it fails only once its ctx is done or a Delete has succeeded",
	ClauseDeleteBounded:  "clause 4: Delete returns by its ctx + grace; promptly once the exit is reaped, and when repeated",
	ClauseDeleteHonest:   "clause 4: Delete never succeeds before the exit; the teardown Delete succeeds unless an earlier Delete did",
	ClauseAfterDelete:    "clause 5: once Delete has succeeded, Wait and Kill return promptly",
	ClauseOneExit:        "clause 6: every successful Wait and Delete reports the same exit: the first Reap's to take effect",
	ClauseNoLeak:         "clause 7: no goroutine of the task outlives teardown",
	ClauseKillBounded:    "clause 8: Kill returns by its ctx + grace, and promptly after the exit",
	ClauseReapPrompt:     "clause 9: Reap returns promptly: the monitor is never blocked by the task",
	ClauseKillDelivers:   "clause 10: a Kill that returns nil before the exit was reaped has sent its signal through Process.Signal",
	ClauseDeadlock:       "calls blocked with no way forward",
	ClauseRealTime:       "a scenario must end within its real-time limit",
	ClauseLimits:         "a scenario must stay within the goroutine and memory limits",
	ClauseCrash:          "clause 1: nothing the task does may take the process down",
	ClauseOutsideBubble:  "setup, not a verdict: the task waits on state that belongs to no scenario (package-level state)",
	ClauseLockAcrossTime: "setup, not a verdict: a sync lock waited for while its holder sleeps in virtual time, which testing/synctest cannot pass",
	ClauseNoRace:         "no data race between the task's goroutines (the race detector, under go test -race)",
}

// Report formats the result as a report: the class and clause, the
// scenario, the timeline, the evidence, and, if repro is not empty, the
// command that reproduces it.
func (r *Result) Report(repro string) string {
	var b strings.Builder
	p := r.Primary()
	if p == nil {
		return "reaptest: pass\n"
	}
	fmt.Fprintf(&b, "reaptest: %s [%s] %s\n", p.Class, p.Clause, p.Call)
	if t := clauseText[p.Clause]; t != "" {
		fmt.Fprintf(&b, "  (%s)\n", t)
	}
	fmt.Fprintf(&b, "  got:  %s\n  want: %s\n", p.Got, p.Want)
	if len(r.Relaxations) > 0 {
		fmt.Fprintf(&b, "  contract relaxations: %s\n", strings.Join(r.Relaxations, "; "))
	}

	b.WriteString("\nscenario:\n")
	for _, line := range strings.Split(strings.TrimRight(r.Scenario.String(), "\n"), "\n") {
		fmt.Fprintf(&b, "  %s\n", line)
	}

	b.WriteString("\ntimeline (virtual time; ┬ a call begins, │ in flight, ┴ returns, ✗ stuck):\n")
	b.WriteString(formatTimeline(r.Timeline))

	b.WriteString("\nevidence:\n")
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "  %s\n", v.Error())
		if v.Evidence != "" {
			for _, line := range strings.Split(strings.TrimRight(v.Evidence, "\n"), "\n") {
				fmt.Fprintf(&b, "    %s\n", line)
			}
		}
	}
	if r.Abandoned != "" {
		fmt.Fprintf(&b, "  note: %s\n", r.Abandoned)
	}
	if repro != "" {
		fmt.Fprintf(&b, "\nreproduce:\n  %s\n", repro)
		if r.byChance {
			b.WriteString("  note: on one processor this scenario did not fail this way in every run (the scheduler's order varies: timers of the process, the contexts or the task due at the same instant, among others), so it is kept without a schedule and a replay fails by chance: REAPTEST_REPEAT=100 before the command repeats it until it fails\n")
		}
	}
	return b.String()
}

// formatTimeline prints events one a line, under a grid with a column a
// lane: ┬ where a call begins, │ while it is in flight, ┴ where it returns,
// ✗ where it is stuck, • where something happens in a lane between calls.
// Overlapping calls show as overlapping bars.
func formatTimeline(events []Event) string {
	if len(events) == 0 {
		return "  (none: the process died before it could tell)\n"
	}
	var lanes []string
	index := map[string]int{}
	for _, e := range events {
		if e.Lane != "" && !contains(index, e.Lane) {
			index[e.Lane] = len(lanes)
			lanes = append(lanes, e.Lane)
		}
	}
	sort.SliceStable(lanes, func(i, j int) bool { return laneOrder(lanes[i]) < laneOrder(lanes[j]) })
	for i, l := range lanes {
		index[l] = i
	}
	width := 8
	for _, e := range events {
		width = max(width, len(e.Who))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %-9s ", "")
	for _, l := range lanes {
		fmt.Fprintf(&b, "%-3s", laneLabel(l))
	}
	b.WriteString("\n")
	inFlight := make([]bool, len(lanes))
	for _, e := range events {
		cells := make([]string, len(lanes))
		for i := range lanes {
			cells[i] = "·"
			if inFlight[i] {
				cells[i] = "│"
			}
		}
		if i, ok := index[e.Lane]; ok {
			switch e.Mark {
			case MarkBegins:
				cells[i], inFlight[i] = "┬", true
			case MarkReturns:
				cells[i], inFlight[i] = "┴", false
			case MarkStuck:
				cells[i], inFlight[i] = "✗", false
			}
		} else if i, ok := index[e.Who]; ok && e.Mark == MarkNote {
			cells[i] = "•"
		}
		fmt.Fprintf(&b, "  %-9s ", "+"+notation.FormatDuration(e.At))
		for _, c := range cells {
			b.WriteString(c + "  ")
		}
		fmt.Fprintf(&b, " %-*s  %s\n", width, e.Who, e.What)
	}
	if len(lanes) > 0 {
		b.WriteString("  lanes:")
		for _, l := range lanes {
			fmt.Fprintf(&b, " %s=%s", laneLabel(l), l)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func contains(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// laneOrder puts clients first, then the monitor, then teardown.
func laneOrder(l string) int {
	switch {
	case strings.HasPrefix(l, "client"):
		return 0
	case strings.HasPrefix(l, "monitor"):
		return 1
	}
	return 2
}

// laneLabel is a lane's short column header: c1, m1, tR, tD.
func laneLabel(l string) string {
	switch {
	case strings.HasPrefix(l, "client"):
		return "c" + strings.TrimPrefix(l, "client")
	case strings.HasPrefix(l, "monitor Reap#"):
		return "m" + strings.TrimPrefix(l, "monitor Reap#")
	case strings.HasPrefix(l, "teardown "):
		return "t" + l[len("teardown "):len("teardown ")+1]
	}
	return l[:min(2, len(l))]
}
