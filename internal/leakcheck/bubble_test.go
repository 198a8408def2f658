package leakcheck_test

import (
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/leakcheck"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// The goroutines of a bubble the harness abandoned (a task that deadlocks
// Delete under its lock) are the task's, reported as such: Abandoned
// leaves them out, while plain goleak sees them.
func TestAbandonedBubble(t *testing.T) {
	lost, _ := scenarios.Lookup("lost-exit")
	res := harness.Run(func(f func()) { synctest.Test(t, func(*testing.T) { f() }) }, catalog.NewLockWhileWaiting, lost.Scenario)
	if res.Abandoned == "" {
		t.Fatalf("want a scenario the harness abandons, got:\n%s", res.Report(""))
	}
	if err := goleak.Find(); err == nil {
		t.Fatal("plain goleak found nothing: the abandoned bubble's goroutines are gone, the test shows nothing")
	}
	if err := goleak.Find(leakcheck.Abandoned()...); err != nil {
		t.Errorf("with Abandoned: %v", err)
	}
}
