package suites

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// Environment variables that steer the go test entry points.
const (
	// EnvReplay names a scenario file to replay instead of exploring: the
	// reproducer a report ends with sets it.
	EnvReplay = "REAPTEST_REPLAY"
	// EnvRepeat makes a replay repeat up to this many times until it
	// fails, for failures that depend on the scheduler.
	EnvRepeat = "REAPTEST_REPEAT"
)

// TestTask checks newTask against the contract: it replays the saved
// counterexamples under testdata/reaptest/<test name>, runs the named
// scenarios, then explores generated ones under faults, and fails t with
// the report of the first failure, minimized and saved, ending with the
// command that replays it. With REAPTEST_REPLAY set it replays that
// scenario file instead (REAPTEST_REPEAT times at most, until it fails).
func TestTask(t *testing.T, newTask harness.NewTask, opts ...harness.Option) {
	t.Helper()
	if f := checkT(t, newTask, opts...); f != nil {
		t.Fatal("\n" + f.Error())
	}
}

// ExploreAround explores around the scenario in the file at path — the
// same calls, with the timing and faults varied — until it fails (see
// harness.ExploreAround), and fails t with the minimized failure. It is
// for a scenario written from a bug report that does not fail as written.
func ExploreAround(t *testing.T, newTask harness.NewTask, path string, opts ...harness.Option) {
	t.Helper()
	sc, err := scenarios.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f := exploreAround(t, newTask, sc, opts); f != nil {
		t.Fatal("\n" + f.Error())
	}
}

// exploreAround explores around sc under t, or replays REAPTEST_REPLAY.
func exploreAround(t *testing.T, newTask harness.NewTask, sc scenarios.Scenario, opts []harness.Option) *harness.Failure {
	t.Helper()
	if path := os.Getenv(EnvReplay); path != "" {
		return replay(t, Bubble(t), newTask, path, reproCommand(t.Name()), opts)
	}
	return harness.ExploreAround(t.Name(), Bubble(t), newTask, sc, append(defaults(t), opts...)...)
}

// ExploreDump reads the goroutine dump of a hung process at path, turns the
// goroutines blocked in typeName's Reap, Wait, Delete or Kill into a
// starting scenario (harness.ScenarioFromDump), logs it, and explores
// around it as ExploreAround does.
func ExploreDump(t *testing.T, newTask harness.NewTask, path, typeName string, opts ...harness.Option) {
	t.Helper()
	dump, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := harness.ScenarioFromDump(dump, typeName)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	t.Logf("starting scenario from %s:\n%s", path, sc)
	if f := exploreAround(t, newTask, sc, opts); f != nil {
		t.Fatal("\n" + f.Error())
	}
}

// defaults are the options every go test entry point starts from.
func defaults(t *testing.T) []harness.Option {
	return []harness.Option{
		harness.Reproduce(reproCommand(t.Name())),
		harness.Logf(t.Logf),
		harness.Corpus(corpusDir(t.Name())),
	}
}

// checkT runs harness.Check under t, or the replay REAPTEST_REPLAY asks
// for, and returns its failure.
func checkT(t *testing.T, newTask harness.NewTask, opts ...harness.Option) *harness.Failure {
	t.Helper()
	if passOver(t.Name()) {
		return nil // a child started for another test
	}
	repro := reproCommand(t.Name())
	if !inChild() && isolated(opts) {
		f, err := checkIsolated(testTarget(t, repro))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	var f *harness.Failure
	if path := os.Getenv(EnvReplay); path != "" {
		f = replay(t, Bubble(t), newTask, path, repro, append(childOptions(), opts...))
	} else {
		f = harness.Check(t.Name(), Bubble(t), newTask, append(append(defaults(t), childOptions()...), opts...)...)
	}
	if inChild() {
		childDone(f)
	}
	return f
}

// replay replays the scenario file at path; repro is the command to rerun
// the test. A file that does not parse fails t.
func replay(t testing.TB, bubble harness.Bubble, newTask harness.NewTask, path, repro string, opts []harness.Option) *harness.Failure {
	t.Helper()
	sc, err := scenarios.ParseFile(path)
	if err != nil {
		t.Fatalf("%s: %v", EnvReplay, err)
	}
	times, err := repeat()
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]harness.Option{harness.Reproduce(harness.ReplayCommand(repro, path))}, opts...)
	f := harness.Replay(bubble, newTask, sc, times, opts...)
	if f == nil {
		t.Logf("reaptest: replayed %s %d time(s): no failure", path, times)
	}
	return f
}

// repeat reads REAPTEST_REPEAT.
func repeat() (int, error) {
	v := os.Getenv(EnvRepeat)
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a positive number of replays", EnvRepeat, v)
	}
	return n, nil
}

// corpusDir is where a test's counterexamples are saved, relative to its
// package directory.
func corpusDir(name string) string {
	return filepath.Join("testdata", "reaptest", fileName(name))
}

// fileName turns a test or spec name into one path element.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, name)
}

// reproCommand returns a go test command line, run from the module root,
// that reruns the test called name in the current package.
func reproCommand(name string) string {
	return fmt.Sprintf("go test %s -count=1 -run '%s'", packageDir(), runPattern(name))
}

// packageDir returns the current package's directory relative to its
// module root, as "./dir", or "." when that cannot be found.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}
