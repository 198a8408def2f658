package suites

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestTask checks newTask against the contract, in subtests that -run
// selects by name: one per named scenario (TestX/lost-exit, ...), then
// TestX/explore, which replays the saved counterexamples under
// testdata/reaptest/<test name>, runs the named scenarios, and explores
// generated ones under faults. A failing subtest fails with the report of
// its failure, minimized and saved, ending with the command that replays
// it. With REAPTEST_REPLAY set it replays that scenario file instead, in t
// itself (REAPTEST_REPEAT times at most, until it fails).
func TestTask(t *testing.T, newTask harness.NewTask, opts ...harness.Option) {
	t.Helper()
	if os.Getenv(EnvReplay) != "" {
		if f := checkT(t, newTask, opts...); f != nil {
			t.Fatal("\n" + f.Error())
		}
		return
	}
	corpus := corpusDir(t.Name())
	var failed []string
	for _, n := range scenarios.Named() {
		t.Run(n.Name, func(t *testing.T) {
			if f := namedT(t, newTask, n, opts); f != nil {
				failed = append(failed, n.Name)
				t.Fatal("\n" + f.Error())
			}
		})
	}
	t.Run("explore", func(t *testing.T) {
		if len(failed) > 0 {
			t.Skipf("reaptest: not exploring while named scenarios fail (%s): fix those first", strings.Join(failed, ", "))
		}
		if f := checkT(t, newTask, append([]harness.Option{harness.Corpus(corpus)}, opts...)...); f != nil {
			t.Fatal("\n" + f.Error())
		}
	})
}

// namedT runs one named scenario under t, in a child when isolated.
func namedT(t *testing.T, newTask harness.NewTask, n scenarios.NamedScenario, opts []harness.Option) *harness.Failure {
	t.Helper()
	repro := reproCommand(t.Name())
	return isolatedT(t, repro, opts, func(extra []harness.Option) (*harness.Failure, error) {
		f := harness.Replay(Bubble(t), newTask, n.Scenario, 1, append(append([]harness.Option{harness.Reproduce(repro)}, extra...), opts...)...)
		if f != nil {
			f.Name = "named scenario " + n.Name
		}
		return f, nil
	})
}

// isolatedT runs check under t: in a child process when isolation is on
// (the child runs check itself and tells the parent what it found), else
// in this process. extra are the options a child adds. A usage error fails
// t; it is never a verdict on the task.
func isolatedT(t *testing.T, repro string, opts []harness.Option, check func(extra []harness.Option) (*harness.Failure, error)) *harness.Failure {
	t.Helper()
	if passOver(t.Name()) {
		return nil // a child started for another test
	}
	if !inChild() && isolated(opts) {
		if err := replayUsage(); err != nil {
			t.Fatal(err)
		}
		f, err := checkIsolated(testTarget(t, repro))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f, err := check(childOptions())
	if inChild() {
		// The parent reports; the child's test passes, printing nothing.
		childDone(f, err)
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// replayUsage checks REAPTEST_REPLAY and REAPTEST_REPEAT, if set, before a
// child is started for them.
func replayUsage() error {
	path := os.Getenv(EnvReplay)
	if path == "" {
		return nil
	}
	if _, err := scenarios.ParseFile(path); err != nil {
		return fmt.Errorf("%s: %w", EnvReplay, err)
	}
	_, err := repeat()
	return err
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
		f, err := replay(Bubble(t), newTask, path, reproCommand(t.Name()), opts)
		if err != nil {
			t.Fatal(err)
		}
		if f == nil {
			t.Logf("reaptest: replayed %s: no failure", path)
		}
		return f
	}
	return harness.ExploreAround(t.Name(), Bubble(t), newTask, sc, append(defaults(t), opts...)...)
}

// ExploreDump reads the goroutine dump of a hung process at path, turns the
// goroutines blocked in typeName's Reap, Wait, Delete or Kill into a
// starting scenario (harness.ScenarioFromDump), logs it, and explores
// around it as ExploreAround does.
func ExploreDump(t *testing.T, newTask harness.NewTask, path, typeName string, opts ...harness.Option) {
	t.Helper()
	dump, err := readLimited(path, maxDump)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := harness.ScenarioFromDump(dump, typeName)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	t.Logf("starting scenario from %s:\n%s", path, sc)
	if note := harness.DumpNote(dump, typeName); note != "" {
		t.Logf("note: %s", note)
	}
	if f := exploreAround(t, newTask, sc, opts); f != nil {
		t.Fatal("\n" + f.Error())
	}
}

// maxDump is the largest goroutine dump ExploreDump reads.
const maxDump = 256 << 20

// readLimited reads the file at path, failing if it holds more than max
// bytes (or never ends, as /dev/zero).
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d MiB: want a goroutine dump", path, max>>20)
	}
	return data, nil
}

// defaults are the options every go test entry point starts from.
func defaults(t *testing.T) []harness.Option {
	opts := []harness.Option{
		harness.Reproduce(reproCommand(t.Name())),
		harness.Logf(t.Logf),
		harness.Corpus(corpusDir(t.Name())),
	}
	if d, ok := t.Deadline(); ok {
		tg := target{deadline: d}
		opts = append(opts, harness.Deadline(time.Now().Add(tg.timeLeft()*3/4)))
	}
	return opts
}

// checkT runs harness.Check under t, or the replay REAPTEST_REPLAY asks
// for, and returns its failure.
func checkT(t *testing.T, newTask harness.NewTask, opts ...harness.Option) *harness.Failure {
	t.Helper()
	repro := reproCommand(t.Name())
	return isolatedT(t, repro, opts, func(extra []harness.Option) (*harness.Failure, error) {
		if path := os.Getenv(EnvReplay); path != "" {
			f, err := replay(Bubble(t), newTask, path, repro, append(extra, opts...))
			if err == nil && f == nil {
				logf := t.Logf
				if inChild() {
					logf = childLogs.logf
				}
				logf("reaptest: replayed %s: no failure", path)
			}
			return f, err
		}
		return harness.Check(t.Name(), Bubble(t), newTask, append(append(defaults(t), extra...), opts...)...), nil
	})
}

// replay replays the scenario file at path; repro is the command to rerun
// the test. A file that does not parse, or a bad REAPTEST_REPEAT, is a
// usage error.
func replay(bubble harness.Bubble, newTask harness.NewTask, path, repro string, opts []harness.Option) (*harness.Failure, error) {
	sc, err := scenarios.ParseFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvReplay, err)
	}
	times, err := repeat()
	if err != nil {
		return nil, err
	}
	opts = append([]harness.Option{harness.Reproduce(harness.ReplayCommand(repro, path))}, opts...)
	return harness.Replay(bubble, newTask, sc, times, opts...), nil
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

// reproCommand returns a go test command line that reruns the test
// called name in the current package, from anywhere in its module: the
// package's import path, and the build flags of this run that change what
// is tested (-race, -tags).
func reproCommand(name string) string {
	return fmt.Sprintf("go test%s %s -count=1 -run '%s'", buildFlags(), packagePath(), runPattern(name))
}

// buildFlags returns " -race -tags=..." as the test binary was built.
func buildFlags() string {
	var b strings.Builder
	if raceEnabled {
		b.WriteString(" -race")
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" && s.Value != "" {
				fmt.Fprintf(&b, " -tags=%s", s.Value)
			}
		}
	}
	return b.String()
}

// packagePath returns the import path of the package under test, from the
// test binary's build information, or its directory relative to the
// module root ("./dir") when that is not there.
func packagePath() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if p, ok := strings.CutSuffix(bi.Path, ".test"); ok && p != "" {
			return p
		}
	}
	return packageDir()
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
