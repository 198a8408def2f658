package harness_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// coinTask's Wait reports a wrong exit status on a coin toss: a failure
// that no scenario repeats every time.
type coinTask struct {
	done chan struct{}
	exit harness.Exit
	once chan struct{}
}

func newCoinTask(harness.Env) harness.Task {
	once := make(chan struct{}, 1)
	once <- struct{}{}
	return &coinTask{done: make(chan struct{}), once: once}
}

func (c *coinTask) Reap(e harness.Exit) {
	select {
	case <-c.once:
		c.exit = e
		close(c.done)
	default:
	}
}

func (c *coinTask) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-c.done:
		e := c.exit
		if rand.IntN(2) == 0 {
			e.Status = 99
		}
		return e, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (c *coinTask) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-c.done:
		return c.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

const byChanceNote = "a replay fails by chance"

// A failure that does not repeat on one processor is reported with a note
// that its replay fails by chance, and kept without a schedule; one that
// always repeats is not.
func TestReportSaysReplayIsByChance(t *testing.T) {
	f := harness.Check(t.Name(), bubble(t), newCoinTask, harness.Corpus(""), harness.Reproduce("go test ./x"))
	if f == nil {
		t.Fatal("the coin-toss task passed")
	}
	if report := f.Error(); !strings.Contains(report, byChanceNote) || f.Scenario.Procs != 0 {
		t.Errorf("want the note %q and no schedule (procs %d):\n%s", byChanceNote, f.Scenario.Procs, report)
	}
	f = harness.Check(t.Name(), bubble(t), catalog.NewUnguardedClose, harness.Corpus(""), harness.Reproduce("go test ./x"))
	if f == nil {
		t.Fatal("unguarded-close passed")
	}
	if report := f.Error(); strings.Contains(report, byChanceNote) || f.Scenario.Procs != 1 {
		t.Errorf("a failure that repeats: want no note and schedule procs=1 (procs %d):\n%s", f.Scenario.Procs, report)
	}
}
