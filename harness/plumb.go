package harness

import "github.com/reaptest/reaptest/internal/plumb"

// init hands the suites package what it needs and users do not (see
// internal/plumb).
func init() {
	plumb.Set(plumb.Harness[Option, *Result, *Violation]{
		Isolation:     isolation,
		AutoPointsOf:  autoPointsOf,
		Progress:      progress,
		OnFound:       onFound,
		Heartbeat:     heartbeat,
		Bare:          bare,
		SaveScenario:  saveScenario,
		Simpler:       simpler,
		ReplayCommand: replayCommand,
		DumpNote:      dumpNote,
		Diagnose:      diagnose,
		WarmUp:        func(newTask any) { warmUp(newTask.(NewTask)) },
		SoakOf:        soakOf,
		ProgressLines: progressLines,
		LearnShape:    plumbLearnShape,
		RunOne:        plumbRunOne,
		Part:          part,
		ChildrenOf:    childrenOf,
		Deadline:      stopAt,
		SetReport:     setReport,
		OnNothing:     onNothing,
	})
}
