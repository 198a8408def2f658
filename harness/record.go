package harness

import (
	"fmt"
	"math"
	"strings"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/notation"
	"github.com/reaptest/reaptest/scenarios"
)

// never stands for a bound or a time that is not reached.
const never = time.Duration(math.MaxInt64)

// callRecord is what the harness saw of one call.
type callRecord struct {
	who      string // lane: client1, monitor, teardown
	seq      int    // 1-based position among who's calls
	op       scenarios.Op
	ctx      faults.Ctx
	signal   syscall.Signal // Kill's signal
	teardown bool
	reapExit Exit // Reap's argument
	// release lets the next of the harness's calls due at the same
	// instant begin (see run.sleepOrdered); only the call's own goroutine
	// touches it, and releaseNext calls it once.
	release func()
	// signalled are the signals the process received through
	// Process.Signal while this Kill was in flight (guarded by run.mu).
	signalled []syscall.Signal

	goid int64 // goroutine running the call

	// Set when the call starts and ends (guarded by run.mu).
	start, end       time.Duration // virtual, from the scenario's start
	startSeq, endSeq int64         // order of starts and ends across all calls
	ctxDone          time.Duration // when ctx ended, never if it does not
	returned         bool
	exit             Exit
	err              error
	errText          string // err.Error(), taken on the call's goroutine
	esrch            bool   // errors.Is(err, syscall.ESRCH), likewise
	panicked         bool
	panicValue       string // fmt.Sprint of what the call panicked with
	panicStack       string
	goexit           bool
}

// releaseNext lets the next call due at the same instant as rec begin,
// once.
func (rec *callRecord) releaseNext() {
	if f := rec.release; f != nil {
		rec.release = nil
		f()
	}
}

func (c *callRecord) name() string { return fmt.Sprintf("%s %s#%d", c.who, c.op, c.seq) }

// lane is the timeline column of the call: a client's calls are made in
// turn and share one; the monitor's and teardown's may overlap and get one
// each.
func (c *callRecord) lane() string {
	if strings.HasPrefix(c.who, "client") {
		return c.who
	}
	return c.name()
}

func (c *callRecord) ok() bool { return c.returned && !c.panicked && !c.goexit && c.err == nil }

func at(d time.Duration) string {
	if d == never {
		return "never"
	}
	return "+" + notation.FormatDuration(d)
}

func (c *callRecord) result() string {
	switch {
	case c.panicked:
		return fmt.Sprintf("panic: %v", c.panicValue)
	case c.goexit:
		return "runtime.Goexit"
	case !c.returned:
		return "STUCK"
	case c.op == scenarios.Reap:
		return "returned"
	case c.op == scenarios.Kill && c.err == nil:
		return "nil"
	case c.op == scenarios.Kill:
		return c.errText
	case c.err != nil:
		return fmt.Sprintf("error %q", c.errText)
	}
	return fmt.Sprintf("%s, nil", formatExit(c.exit))
}

func formatExit(e Exit) string { return fmt.Sprintf("Exit{Pid: %d, Status: %d}", e.Pid, e.Status) }
