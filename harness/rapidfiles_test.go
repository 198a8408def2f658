package harness_test

import (
	"errors"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// reaptest keeps one corpus: a failure that exploring finds and rapid
// shrinks leaves no fail file of rapid's under testdata/rapid in the
// package directory, where rapid would write it and replay it first on
// every later run.
func TestNoRapidFailFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	base := scenarios.Scenario{Plan: faults.Plan{
		Exit:       faults.ExitPlan{After: time.Millisecond},
		Deliveries: []faults.Delivery{{Status: faults.StatusReal}, {After: 200 * time.Millisecond, Status: 137}},
	}}
	f := harness.ExploreAround(t.Name(), bubble(t), catalog.NewCheckThenAct, base, harness.Checks(500), harness.Corpus(""), harness.Reproduce("go test ./x"))
	if f == nil || !errors.Is(f, harness.ErrPanic) || f.Name != "" {
		t.Fatalf("ExploreAround = %v, want the double close found by exploring", f)
	}
	if _, err := os.Stat("testdata"); !errors.Is(err, os.ErrNotExist) {
		entries, _ := os.ReadDir("testdata")
		t.Errorf("a failure found by exploring left testdata behind (%v): %v", err, entries)
	}
	// With no file of rapid's, the reproducer is rapid's seed.
	if f.Seed == 0 || !regexp.MustCompile(`^go test \./x -rapid\.seed=\d+$`).MatchString(f.Command) {
		t.Errorf("reproducer %q, seed %d: want -rapid.seed", f.Command, f.Seed)
	}
}
