package harness

import (
	"fmt"
	"strings"

	"github.com/reaptest/reaptest/faults"
)

// clauseText says what each clause requires, for the report.
var clauseText = map[string]string{
	ClauseNoPanic:       "clause 1: no call panics, whatever the order, repetition or concurrency",
	ClauseWaitBounded:   "clause 2: Wait returns no later than the grace period after its ctx is done",
	ClauseWaitSeesExit:  "clause 3: once a Reap has returned, every Wait returns that exit promptly",
	ClauseDeleteBounded: "clause 4: Delete returns by its ctx + grace; promptly once the exit is reaped, and when repeated",
	ClauseDeleteHonest:  "clause 4: Delete never succeeds before the exit, and succeeds after it",
	ClauseAfterDelete:   "clause 5: once Delete has succeeded, Wait and Kill return promptly",
	ClauseOneExit:       "clause 6: every successful Wait and Delete reports the same exit, the first Reap's",
	ClauseNoLeak:        "clause 7: no goroutine of the task outlives teardown",
	ClauseKillBounded:   "clause 8: Kill returns by its ctx + grace, and promptly after the exit",
	ClauseReapPrompt:    "clause 9: Reap returns promptly: the monitor is never blocked by the task",
	ClauseDeadlock:      "calls blocked with no way forward",
	ClauseRealTime:      "a scenario must end within its real-time limit",
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

	b.WriteString("\nscenario:\n")
	for _, line := range strings.Split(strings.TrimRight(r.Scenario.String(), "\n"), "\n") {
		fmt.Fprintf(&b, "  %s\n", line)
	}

	b.WriteString("\ntimeline (virtual time):\n")
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
	}
	return b.String()
}

// formatTimeline prints events one a line: time, lane, what happened.
func formatTimeline(events []Event) string {
	width := 8
	for _, e := range events {
		width = max(width, len(e.Who))
	}
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "  %-9s %-*s  %s\n", "+"+faults.FormatDuration(e.At), width, e.Who, e.What)
	}
	return b.String()
}
