package harness

import (
	"fmt"
	"regexp"
	"strings"
)

// ClassSetup is the class of a setup diagnosis: the task cannot be judged
// as it is plugged in (it waits on state that belongs to no scenario), and
// the check stops there. It is not a verdict on the exit path: a setup
// diagnosis is not minimized, not saved to the corpus, and matches
// ErrSetup only.
const ClassSetup Class = "setup"

// ErrSetup matches a setup diagnosis (errors.Is).
var ErrSetup = fmt.Errorf("reaptest: setup")

// ClauseOutsideBubble names a setup diagnosis: the task waits on a channel
// made outside the scenario (package-level state).
const ClauseOutsideBubble = "outside-bubble"

// restructure is what every outside-bubble diagnosis asks for.
const restructure = "every channel, context and timer the task waits on made inside the scenario: " +
	"a package-level shutdown channel or context (made at init, or lazily by an earlier scenario) belongs to no scenario. " +
	"Build it per task in the factory (NewTask), and have your shutdown path close or cancel each task's own channel or context"

// outsideChannel reports whether g is blocked on a channel that is not
// durable for testing/synctest: inside a bubble, only a channel made
// outside it.
func outsideChannel(g *goroutine) bool {
	if g.durable {
		return false
	}
	switch g.state {
	case "chan receive", "chan send", "select":
		return true
	}
	return false
}

// setupViolation returns the diagnosis for a stalled bubble in which some
// goroutine waits on a channel made outside it, or nil. Call with r.mu
// held.
func (r *run) setupViolation(gs []*goroutine) *Violation {
	var ev strings.Builder
	var first *goroutine
	for _, g := range gs {
		if outsideChannel(g) {
			if first == nil {
				first = g
			}
			ev.WriteString(g.format("  "))
		}
	}
	if first == nil {
		return nil
	}
	call := "a goroutine of the task"
	if c := r.callOf(first); c != nil {
		call = c.name()
	}
	return &Violation{Class: ClassSetup, Clause: ClauseOutsideBubble, Call: call,
		Got: fmt.Sprintf("blocked in %s on a channel made outside the scenario: virtual time cannot advance while it waits",
			first.blockedAt()),
		Want: restructure, Evidence: ev.String()}
}

var outsideFatalRE = regexp.MustCompile(`(?m)^fatal error: (.*synctest.*outside bubble.*)$`)

// diagnose classifies the output of a test process that died: if it died
// of a fatal error that testing/synctest raises when a goroutine uses a
// channel, timer or lock of another bubble ("fatal error: select on
// synctest channel from outside bubble"), which is what package-level
// state made lazily inside one scenario does to the next, it returns a
// setup diagnosis naming the function that used it; otherwise nil. Such a
// crash cannot be recovered in the process; a supervisor that runs checks
// in a child process (suites) calls diagnose on the child's output before
// treating the death as a crash of the task.
func diagnose(output string) *Violation {
	m := outsideFatalRE.FindStringSubmatchIndex(output)
	if m == nil {
		return nil
	}
	fatal := output[m[2]:m[3]]
	rest := output[m[1]:]
	call, evidence := "the task", ""
	var g *goroutine
	if gs := parseDump([]byte(rest)); len(gs) > 0 {
		g = gs[0] // the goroutine that crashed is printed first
		if fs := g.implFrames(); len(fs) > 0 {
			call = shortFunc(fs[0].fn)
		}
		evidence = g.format("  ")
	}
	if g != nil && g.bubble == 0 && g.spawner != "" {
		// A goroutine of no scenario used this one's channel: a helper
		// shared by the whole process, started outside every scenario.
		return &Violation{Class: ClassSetup, Clause: ClauseOutsideBubble, Call: call,
			Got: fmt.Sprintf("fatal error: %s, in %s on %s: a goroutine of no scenario, %s, once per process and shared by every task, "+
				"used a channel, timer or lock of this scenario", fatal, call, helperName(g), outsideOrigin(g)),
			Want: restructureHelper, Evidence: evidence}
	}
	return &Violation{Class: ClassSetup, Clause: ClauseOutsideBubble, Call: call,
		Got:  fmt.Sprintf("fatal error: %s (a channel, timer or lock made inside an earlier scenario, kept in package-level state)", fatal),
		Want: restructure, Evidence: evidence}
}

// outsideOrigin says where a goroutine outside every bubble was started:
// its go statement, and why that runs once per process if the source
// says so (package init, a package-level sync.Once).
func outsideOrigin(g *goroutine) string {
	file, line := spawnSite(g)
	if file == "" {
		return "started by " + shortFunc(g.spawner)
	}
	what := fmt.Sprintf("started at %s:%d (%s)", shortFile(file), line, shortFunc(g.spawner))
	if why := onceSite(file, line); why != "" {
		what += " " + why
	}
	return what
}
