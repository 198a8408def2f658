package suites

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/zoo"
)

// The zoo: correct tasks in many styles (internal/zoo), each run through
// TestTask with automatic fault points on, as a user would run it. Every
// one must pass: a failure is a bug in that task or a false verdict of the
// harness, and is never skipped. REAPTEST_ZOO_CHECKS sets the scenarios
// each explores, e.g.
//
//	REAPTEST_ZOO_CHECKS=20000 go test ./suites -run '^TestZoo$' -timeout 60m
//
// Each check's coverage comes back from its child (the isolated check runs
// in a child process) through a file, so that the test asserts the zoo's
// code was instrumented and its points reached: a pass with no automatic
// point reached would prove nothing about interleavings.
const (
	envZooChecks = "REAPTEST_ZOO_CHECKS"
	envZooCensus = "REAPTEST_ZOO_CENSUS" // set by the parent: where children write each check's coverage
)

// zooChecks is the number of scenarios each zoo task explores:
// REAPTEST_ZOO_CHECKS, else 2000 (500 under -race, where a scenario costs
// about ten times as much), which keeps the whole zoo near a minute on 2
// cores either way.
func zooChecks(t *testing.T) int {
	if v := os.Getenv(envZooChecks); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of scenarios", envZooChecks, v)
		}
		return n
	}
	if raceEnabled {
		return 500
	}
	return 2000
}

func TestZoo(t *testing.T) {
	n := zooChecks(t)
	dir := os.Getenv(envZooCensus)
	if dir == "" {
		dir = t.TempDir()
		t.Setenv(envZooCensus, dir)
	}
	entries := zoo.All()
	if len(entries) < 25 {
		t.Errorf("the zoo holds %d tasks, want at least 25", len(entries))
	}
	for _, e := range entries {
		t.Run(e.Name, func(t *testing.T) {
			// One file a process: with several children each explores
			// its part, and their scenarios add up.
			census := filepath.Join(dir, e.Name)
			record := harness.OnExplored(func(c harness.Coverage) {
				data, _ := json.Marshal(c)
				_ = os.WriteFile(fmt.Sprintf("%s-%d.json", census, os.Getpid()), data, 0o644)
			})
			opts := append([]harness.Option{harness.Checks(n), harness.AutoPoints(true), harness.Isolate(true), record}, e.Options...)
			TestTask(t, e.New, opts...)
			if inChild() || t.Failed() || os.Getenv(EnvReplay) != "" {
				return // the parent judges; a failure has said what it is; a replay explores nothing
			}
			files, _ := filepath.Glob(census + "-*.json")
			if len(files) == 0 {
				t.Fatalf("%s (%s): no coverage came back from its check", e.Name, e.Style)
			}
			var c harness.Coverage
			for _, file := range files {
				var part harness.Coverage
				data, err := os.ReadFile(file)
				if err == nil {
					err = json.Unmarshal(data, &part)
				}
				if err != nil {
					t.Fatalf("%s: reading its coverage: %v", e.Name, err)
				}
				scenarios := c.Scenarios + part.Scenarios
				if part.SitesReached >= c.SitesReached {
					c = part
				}
				c.Scenarios = scenarios
			}
			want := factoryPackage(e.New)
			for _, o := range e.Options {
				if _, _, pkgs := hx.AutoPointsOf(o); len(pkgs) > 0 {
					want = pkgs[0]
				}
			}
			switch {
			case c.Scenarios < n:
				t.Errorf("%s: explored %d scenarios, want at least %d", e.Name, c.Scenarios, n)
			case c.Sites == 0 || !slices.Contains(c.Pkgs, want):
				t.Errorf("%s: its code was not instrumented: %d sync points in %v, want points in %s", e.Name, c.Sites, c.Pkgs, want)
			case c.SitesReached == 0:
				t.Errorf("%s: no automatic point was reached: %s", e.Name, c)
			default:
				t.Logf("%s (%s): %s", e.Name, e.Style, c)
			}
		})
	}
}

// The process-wide reaper of the zoo's package gets the setup diagnosis
// in the scenario that starts it, and no leak verdict: its goroutine is
// started once per process (a package-level sync.Once), so it is no leak
// of the task, and no check under testing/synctest can pass it (it lives
// in the first scenario's bubble). In process: the check stops at the
// diagnosis, before a later scenario could reach the reaper.
func TestZooProcessWideReaper(t *testing.T) {
	e := zoo.ProcessWide
	f := harness.Check(t.Name(), Bubble(t), e.New, append([]harness.Option{harness.Checks(50), harness.Corpus("")}, e.Options...)...)
	if f == nil {
		t.Fatalf("%s passed: want setup [outside-bubble] (its reaper outlives the scenario that started it)", e.Name)
	}
	if p := f.Primary(); p.Class != harness.ClassSetup || p.Clause != harness.ClauseOutsideBubble || errors.Is(f, harness.ErrLeak) {
		t.Fatalf("%s: want setup [outside-bubble] and no leak, got:\n%s", e.Name, f.Error())
	}
	if !strings.Contains(f.Error(), "once per process") {
		t.Errorf("%s: the diagnosis does not say the goroutine is started once per process:\n%s", e.Name, f.Error())
	}
}
