package suites

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// envFidelityRuns overrides fidelityRuns (the closing note's figure is
// 100).
const envFidelityRuns = "REAPTEST_FIDELITY_RUNS"

// fidelityRuns is how many times each saved counterexample is replayed.
func fidelityRuns(t *testing.T) int {
	if v := os.Getenv(envFidelityRuns); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envFidelityRuns, v)
		}
		return n
	}
	return 20
}

// Every counterexample in the catalog's corpus replays to the same
// failure — the class and clause its file name records — in at least 95%
// of replays, and the reference passes every one of them.
func TestCatalogReplayFidelity(t *testing.T) {
	runs := fidelityRuns(t)
	for _, e := range catalog.All() {
		if e.Want == catalog.WantPass {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(corpusDir(e.Name), "*.scenario"))
			if len(files) == 0 {
				t.Fatalf("no saved counterexample under %s: run the catalog suite (make run) to make one", corpusDir(e.Name))
			}
			for _, file := range files {
				sc, err := scenarios.ParseFile(file)
				if err != nil {
					t.Fatal(err)
				}
				base := strings.TrimSuffix(filepath.Base(file), ".scenario")
				want := base[:strings.LastIndex(base, "-")] // class-clause
				same := 0
				var other string
				for range runs {
					res := harness.Run(Bubble(t), e.New, sc)
					p := res.Primary()
					if p != nil && string(p.Class)+"-"+p.Clause == want {
						same++
					} else if other == "" {
						other = res.Report("")
					}
				}
				t.Logf("%s: %d of %d replays failed as %s", filepath.Base(file), same, runs, want)
				if same*100 < 95*runs {
					t.Errorf("%s: only %d of %d replays failed as %s; one that did not:\n%s", file, same, runs, want, other)
				}
				if r := harness.Run(Bubble(t), catalog.NewReference, sc); r.Failed() {
					t.Errorf("%s: the reference fails it:\n%s", file, r.Report(""))
				}
			}
		})
	}
}
