package suites

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/instrument"
)

// Automatic fault points: an isolated check's child is not the running
// test binary but one built from a rewritten copy of the task's code (see
// internal/instrument), in which every synchronization operation passes a
// fault point first. The build is made once per test binary run (and
// cached across runs); when it cannot be made, the child is the running
// binary, and what the check reports says so first.

// autoChild is the test binary an isolated check's child runs, or why it
// is the running one.
type autoChild struct {
	bin  *instrument.Binary // nil: run the running binary
	off  string             // why automatic points are off; "" when on or not asked for
	took time.Duration      // what finding or building bin took of the test's time
}

// buildBudget is the most real time the instrumented build may take: a
// build that takes longer leaves the check uninstrumented rather than out
// of time.
const buildBudget = 5 * time.Minute

// autoFor builds, or finds built, the instrumented test binary for checks
// of newTask, unless the options or REAPTEST_AUTOPOINTS turn automatic
// points off. deadline is the test binary's, if it has one: the build
// takes at most half the time left before it.
func autoFor(newTask harness.NewTask, opts []harness.Option, deadline time.Time) autoChild {
	set, on, pkgs := hx.AutoPointsOf(opts...)
	if set && !on || !set && !instrument.Enabled() {
		return autoChild{}
	}
	budget := buildBudget
	if !deadline.IsZero() {
		budget = min(budget, time.Until(deadline)/2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	bin, err := instrument.Build(ctx, instrument.Config{
		TaskPkg:   factoryPackage(newTask),
		Packages:  pkgs,
		CoverMode: testing.CoverMode(),
	})
	if err != nil {
		msg := err.Error()
		if ctx.Err() != nil {
			msg = fmt.Sprintf("automatic fault points off: the instrumented build did not finish in %s, half the time the test binary's -timeout leaves", budget.Round(100*time.Millisecond))
		}
		return autoChild{off: msg, took: time.Since(start)}
	}
	return autoChild{bin: bin, took: time.Since(start)}
}

// factoryPackage is the import path of the package that defines
// newTask: a factory function, a closure in a test, or a method value.
func factoryPackage(newTask harness.NewTask) string {
	fn := runtime.FuncForPC(reflect.ValueOf(newTask).Pointer())
	if fn == nil {
		return ""
	}
	return funcPackage(fn.Name())
}

// funcPackage returns the package path of a function's full name as the
// runtime writes it: "example.com/rt.New", "example.com/rt_test.TestX.func1",
// "example.com/rt.(*T).New-fm".
func funcPackage(name string) string {
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return name
	}
	return name[:slash+1+dot]
}

// autoNotes remembers which notes were logged, so that a test binary says
// once why its points are off, not once per check.
var autoNotes sync.Map

// offNote returns, once per test binary run, the warning that says why
// automatic points are off, or "".
func (a autoChild) offNote() string {
	if a.off == "" {
		return ""
	}
	if _, seen := autoNotes.LoadOrStore(a.off, true); seen {
		return ""
	}
	return fmt.Sprintf("reaptest: warning: %s; the check runs uninstrumented (fault points only where env.Point is called)", a.off)
}

// mark puts the reason automatic points were off on the first line of f's
// report.
func (a autoChild) mark(f *harness.Failure) *harness.Failure {
	if f == nil || a.off == "" {
		return f
	}
	text := f.Error()
	hx.SetReport(f, "reaptest: note: "+a.off+"; this check ran uninstrumented\n"+text)
	return f
}
