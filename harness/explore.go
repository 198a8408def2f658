package harness

import (
	"flag"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/scenarios"
)

// Failure is a counterexample: the minimized failing scenario, what it did,
// and how to reproduce it.
type Failure struct {
	*Result
	// Name is the named scenario that failed, or "" for an explored one.
	Name string
	// Seed is rapid's seed for an explored failure.
	Seed uint64
	// Command reproduces the failure.
	Command string
	// Explored is how many scenarios ran until the failure was found,
	// counting the named ones and not counting shrinking.
	Explored int
	// Flaky is set when rapid could not reproduce the failure while
	// shrinking: the scenario shown failed once, but not every time.
	Flaky bool
}

// Error returns the full report.
func (f *Failure) Error() string { return f.Report(f.Command) }

// Unwrap returns the violations, so that errors.Is(f, ErrHang) works.
func (f *Failure) Unwrap() []error {
	errs := make([]error, len(f.Violations))
	for i, v := range f.Violations {
		errs[i] = v
	}
	return errs
}

// Check runs the named scenarios, then explores generated ones with rapid,
// against tasks from newTask, each in a fresh bubble from bubble. It returns
// the first failure, minimized, or nil. name identifies the check for
// rapid (its fail files and messages).
func Check(name string, bubble Bubble, newTask NewTask, opts ...Option) *Failure {
	cfg := newConfig(opts)
	shape := scenarios.Shape{MaxActors: cfg.maxActors, MaxCalls: cfg.maxCalls}

	// The named scenarios come first: they are cheap, readable, and teach
	// the harness the implementation's fault points and whether it kills.
	points := map[string]bool{}
	for i, n := range scenarios.Named() {
		res := runScenario(cfg, bubble, newTask, n.Scenario)
		if res.Failed() {
			if cfg.onFound != nil {
				cfg.onFound(i + 1)
			}
			return &Failure{Result: minimize(cfg, bubble, newTask, res), Name: n.Name, Command: cfg.repro, Explored: i + 1}
		}
		shape.Kill = shape.Kill || res.Killer
		for _, p := range res.Points {
			points[p] = true
		}
	}
	for p := range points {
		shape.Points = append(shape.Points, p)
	}
	sort.Strings(shape.Points)

	rounds := 1
	if !flagSet("rapid.checks") && !flagSet("rapid.seed") && !flagSet("rapid.failfile") {
		per := 100
		if f := flag.Lookup("rapid.checks"); f != nil {
			if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
				per = n
			}
		}
		rounds = max(1, (cfg.checks+per-1)/per)
	}

	gen := scenarios.Gen(shape)
	explored := 0
	for range rounds {
		var target string // the class and clause being shrunk
		var last *Result
		foundAt := 0
		prop := func(t *rapid.T) {
			sc := gen.Draw(t, "scenario")
			res := runScenario(cfg, bubble, newTask, sc)
			explored++
			if !res.Failed() {
				return
			}
			p := res.Primary()
			sig := signature(res)
			if target == "" {
				target = sig
				foundAt = explored
				if cfg.onFound != nil {
					cfg.onFound(foundAt + len(scenarios.Named()))
				}
			}
			if sig != target {
				return // shrinking must not slip to another bug
			}
			last = res
			t.Fatalf("%s", p.Error())
		}
		tb := &recorder{name: name, logf: cfg.logf}
		rapid.Check(tb, prop)
		if tb.failed && last != nil {
			f := &Failure{Result: minimize(cfg, bubble, newTask, last), Explored: foundAt + len(scenarios.Named()), Command: cfg.repro}
			var failfile string
			f.Seed, failfile, f.Flaky = tb.seed()
			switch {
			case cfg.repro == "":
			case failfile != "":
				f.Command = fmt.Sprintf("%s -rapid.failfile=%q", cfg.repro, failfile)
			case f.Seed != 0:
				f.Command = fmt.Sprintf("%s -rapid.seed=%d", cfg.repro, f.Seed)
			}
			return f
		}
	}
	if cfg.logf != nil {
		cfg.logf("reaptest: %d scenarios passed", explored+len(scenarios.Named()))
	}
	return nil
}

// flagSet reports whether the named flag was set on the command line.
func flagSet(name string) bool {
	set := false
	if flag.Parsed() {
		flag.Visit(func(f *flag.Flag) {
			if f.Name == name {
				set = true
			}
		})
	}
	return set
}

// recorder is the rapid.TB the harness hands rapid: it keeps rapid's
// messages instead of failing a test, so the harness can report in its own
// words.
type recorder struct {
	name   string
	logf   func(format string, args ...any)
	mu     sync.Mutex
	failed bool     // guarded by mu
	msgs   []string // guarded by mu
}

var _ rapid.TB = (*recorder)(nil)

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Logf(format string, args ...any) {
	if r.logf != nil {
		r.logf(format, args...)
	}
}
func (r *recorder) Log(args ...any) { r.Logf("%s", fmt.Sprint(args...)) }
func (r *recorder) Skipf(format string, args ...any) {
	r.Logf(format, args...)
}
func (r *recorder) Skip(args ...any) { r.Log(args...) }
func (r *recorder) SkipNow()         {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...) }
func (r *recorder) FailNow()                          { r.Fail() }
func (r *recorder) Fail() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
}
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Deadline lets rapid stop exploring before a test binary's -timeout.
func (r *recorder) Deadline() (time.Time, bool) { return time.Time{}, false }

var (
	seedRE     = regexp.MustCompile(`-rapid\.seed=(\d+)`)
	failfileRE = regexp.MustCompile(`-rapid\.failfile=("(?:[^"\\]|\\.)*")`)
)

// seed returns the seed and the fail file rapid printed, and whether rapid
// called the failure flaky.
func (r *recorder) seed() (seed uint64, failfile string, flaky bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	text := strings.Join(r.msgs, "\n")
	if m := seedRE.FindStringSubmatch(text); m != nil {
		seed, _ = strconv.ParseUint(m[1], 10, 64)
	}
	if m := failfileRE.FindStringSubmatch(text); m != nil {
		failfile, _ = strconv.Unquote(m[1])
	}
	return seed, failfile, strings.Contains(text, "flaky test")
}
