package suites

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/internal/leakcheck"
)

// errorsT records what leftRunning reports.
type errorsT struct{ errs []string }

func (e *errorsT) Helper() {}
func (e *errorsT) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// A goroutine of reaptest's own left running after a check is reported
// as a harness bug; one in which no reaptest function runs (the user's,
// a library's) is not, and neither is one that ended.
func TestLeftRunning(t *testing.T) {
	before := leakcheck.IDs()
	stop, ended := make(chan struct{}), make(chan struct{})
	go func() { // a supervisor that outlives its check
		defer close(ended)
		<-stop
	}()
	r, w := io.Pipe()
	go io.Copy(io.Discard, r) // only io's functions on its stack: not reaptest's
	var e errorsT
	leftRunning(&e, before)
	close(stop)
	<-ended
	if len(e.errs) != 1 || !strings.Contains(e.errs[0], "harness bug (not the task's): 1 goroutines") || !strings.Contains(e.errs[0], "TestLeftRunning.func1") {
		t.Errorf("with a reaptest goroutine left: reported %q, want one harness bug naming it", e.errs)
	} else if strings.Contains(e.errs[0], "io.Copy") {
		t.Errorf("the io.Copy goroutine was reported too:\n%s", e.errs[0])
	}
	e = errorsT{}
	leftRunning(&e, before)
	if len(e.errs) != 0 {
		t.Errorf("once it ended: reported %q, want nothing", e.errs)
	}
	w.Close() // ends the io.Copy goroutine
}
