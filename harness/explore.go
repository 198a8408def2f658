package harness

import (
	"flag"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/internal/notation"
	"github.com/reaptest/reaptest/internal/sim"
	"github.com/reaptest/reaptest/scenarios"
	"pgregory.net/rapid"
)

// Failure is a counterexample: the minimized failing scenario, what it did,
// and how to reproduce it.
type Failure struct {
	*Result
	// Name says which fixed scenario failed ("named scenario lost-exit",
	// "corpus file ..."), or is "" for an explored one.
	Name string
	// File is where the scenario was saved in the corpus, if it was.
	File string
	// SaveErr says why the scenario could not be saved, if it could not.
	SaveErr error
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
	// Coverage says what the check explored before it failed.
	Coverage Coverage
	// text, if set, is the report as another process (an isolated check's
	// child) wrote it, or as the suites package amended it; Error returns
	// it (see setReport).
	text string
}

// setReport makes f report text instead of the report it would write:
// the suites package sets the report an isolated check's child wrote,
// and notes it adds. f is a *Failure.
func setReport(f any, text string) { f.(*Failure).text = text }

// Error returns the full report.
func (f *Failure) Error() string {
	text := f.text
	if text == "" {
		text = f.Report(f.Command)
	}
	if f.SaveErr != nil && !strings.Contains(text, f.SaveErr.Error()) {
		text += fmt.Sprintf("\nnote: the counterexample was not saved to the corpus: %v\n", f.SaveErr)
	}
	return text
}

// Unwrap returns the violations, so that errors.Is(f, ErrHang) works.
func (f *Failure) Unwrap() []error {
	errs := make([]error, len(f.Violations))
	for i, v := range f.Violations {
		errs[i] = v
	}
	return errs
}

// Check runs the scenarios of the corpus (Corpus) and the named ones, then
// explores generated ones with rapid, against tasks from newTask, each in a
// fresh bubble from bubble. It returns the first failure, minimized and
// saved to the corpus, or nil. name identifies the check for rapid (its
// messages). rapid writes no fail files of its own: the corpus keeps failures.
func Check(name string, bubble Bubble, newTask NewTask, opts ...Option) *Failure {
	cfg := newConfig(opts)
	defer cfg.setProcs()()
	cfg.logRelaxations()
	defer cfg.claimHook()()
	p := &prelude{cfg: cfg, bubble: bubble}
	p.observe(newTask)
	shape, f := p.learn()
	if f != nil {
		return p.finish(f)
	}
	return p.finish(explore(name, p, shape, scenarios.Gen))
}

// learn runs what comes before exploring — the corpus, the named
// scenarios, the named ones for each fail point seen, the warm-up — and
// returns the shape to explore with, or the first failure.
func (p *prelude) learn() (scenarios.Shape, *Failure) {
	cfg := p.cfg
	if f := p.corpus(); f != nil {
		return scenarios.Shape{}, f
	}
	for _, n := range scenarios.Named() {
		if f := p.run(n.Scenario, "named scenario "+n.Name); f != nil {
			return scenarios.Shape{}, f
		}
	}
	for _, point := range sortedKeys(p.fails) {
		for _, n := range scenarios.FailNamed(point) {
			if f := p.run(n.Scenario, "named scenario "+n.Name); f != nil {
				return scenarios.Shape{}, f
			}
		}
	}
	shape := scenarios.Shape{MaxActors: cfg.maxActors, MaxCalls: cfg.maxCalls, Kill: p.killer}
	if f := p.warmUp(scenarios.Gen(shape)); f != nil {
		return scenarios.Shape{}, f
	}
	shape.Kill = p.killer
	shape.Points, shape.Hits = p.points()
	shape.Fails = sortedKeys(p.fails)
	cfg.allowSleeps(&shape)
	return shape, nil
}

// ExploreAround replays the corpus, runs base as written, then variations of it
// (scenarios.Around: the same calls, with delays, contexts' durations, the
// exit's timing and fault points varied) until one fails, and returns that
// failure minimized and saved to the corpus, or nil. It is for a scenario
// written from a bug report, or taken from a goroutine dump
// (ScenarioFromDump), that does not fail as written.
func ExploreAround(name string, bubble Bubble, newTask NewTask, base scenarios.Scenario, opts ...Option) *Failure {
	cfg := newConfig(opts)
	defer cfg.setProcs()()
	cfg.logRelaxations()
	defer cfg.claimHook()()
	p := &prelude{cfg: cfg, bubble: bubble}
	p.observe(newTask)
	if f := p.corpus(); f != nil {
		return p.finish(f)
	}
	if f := p.run(base, "the scenario as written"); f != nil {
		return p.finish(f)
	}
	if f := p.warmUp(scenarios.Around(base, scenarios.Shape{Kill: p.killer})); f != nil {
		return p.finish(f)
	}
	shape := scenarios.Shape{Kill: p.killer, Fails: sortedKeys(p.fails)}
	shape.Points, shape.Hits = p.points()
	cfg.allowSleeps(&shape)
	return p.finish(explore(name, p, shape, func(s scenarios.Shape) *rapid.Generator[scenarios.Scenario] {
		return scenarios.Around(base, s)
	}))
}

// logRelaxations notes the contract relaxations in force, if any, where
// progress notes go.
func (c *config) logRelaxations() {
	if rs := c.relaxations(); len(rs) > 0 && c.logf != nil {
		c.logf("reaptest: contract relaxations: %s", strings.Join(rs, "; "))
	}
}

// setProcs sets GOMAXPROCS for a check and returns what restores it.
func (c *config) setProcs() func() {
	if c.procs <= 0 {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(c.procs)
	return func() { runtime.GOMAXPROCS(prev) }
}

// prelude runs the fixed scenarios before exploration, and learns from
// them the implementation's fault points, how many times each is hit in
// one scenario, and whether it kills.
type prelude struct {
	cfg     *config
	bubble  Bubble
	newTask NewTask
	ran     int // scenarios run, shrinking runs not counted
	killer  bool
	census  sim.Census      // every scenario's hits, shrinking runs included
	fails   map[string]bool // fail points seen
	// taskType is the type of the first task newTask built (a
	// reflect.Type), for the summary line: set once, from inside a
	// scenario, read after.
	taskType   atomic.Value
	factoryPkg string // the package that defines newTask
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

// observe sets p.newTask to newTask, noting the type of the first task
// it builds.
func (p *prelude) observe(newTask NewTask) {
	if fn := runtime.FuncForPC(reflect.ValueOf(newTask).Pointer()); fn != nil {
		p.factoryPkg = funcPackage(fn.Name())
	}
	p.newTask = func(env Env) Task {
		t := newTask(env)
		if t != nil && p.taskType.Load() == nil {
			p.taskType.Store(reflect.TypeOf(t))
		}
		return t
	}
}

// warmUpRuns is how many generated scenarios, without faults at points,
// the prelude runs to learn how many times each point is hit. They are
// the generator's fixed examples, so a rerun with the same seed learns
// the same points and draws the same scenarios.
const warmUpRuns = 16

// run runs one fixed scenario; what names it in a report.
func (p *prelude) run(sc scenarios.Scenario, what string) *Failure {
	res := runScenario(p.cfg, p.bubble, p.newTask, sc)
	p.ran++
	p.census.Add(res.points)
	if res.Failed() {
		if p.cfg.onFound != nil {
			p.cfg.onFound(p.ran)
		}
		return p.cfg.failure(minimize(p.cfg, p.bubble, p.newTask, res), what, p.ran)
	}
	p.killer = p.killer || res.Killer
	if p.fails == nil {
		p.fails = map[string]bool{}
	}
	for _, name := range res.Fails {
		p.fails[name] = true
	}
	return nil
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// warmUp runs gen's first warmUpRuns examples as fixed scenarios.
func (p *prelude) warmUp(gen *rapid.Generator[scenarios.Scenario]) *Failure {
	for i := range warmUpRuns {
		if f := p.run(gen.Example(i), fmt.Sprintf("generated scenario %d (warm-up)", i+1)); f != nil {
			return f
		}
	}
	return nil
}

// points returns the fault points reached so far and the most times each
// was hit in one scenario.
func (p *prelude) points() (names []string, hits []int) {
	for _, ph := range p.census.Points() {
		names = append(names, ph.Name)
		hits = append(hits, ph.Hits)
	}
	return names, hits
}

// finish attaches what the check explored to f, tells OnExplored, and for
// a passing check logs the default line, or a warning when no fault point
// was reached at all. It returns f.
func (p *prelude) finish(f *Failure) *Failure {
	cov := p.coverage()
	if f != nil {
		f.Coverage = cov
	}
	if p.cfg.onExplored != nil {
		p.cfg.onExplored(cov)
	}
	if f == nil && p.cfg.logf != nil {
		p.cfg.logf("reaptest: %s", cov)
		if w := cov.Warning(); w != "" {
			p.cfg.logf("reaptest: warning: %s", w)
		}
	}
	return f
}

// coverage sums up the census.
func (p *prelude) coverage() Coverage {
	c := Coverage{Scenarios: p.ran, hookBusy: p.cfg.hookBusy}
	if t, ok := p.taskType.Load().(reflect.Type); ok {
		c.TaskType = t.String()
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		c.TaskPkg = t.PkgPath()
		c.taskElsewhere = c.TaskPkg != p.factoryPkg && c.TaskPkg+"_test" != p.factoryPkg
	}
	pkgs := map[string]bool{}
	sites := hook.Sites()
	c.Sites = len(sites)
	for _, s := range sites {
		pkgs[s.Pkg] = true
	}
	for pkg := range pkgs {
		c.Pkgs = append(c.Pkgs, pkg)
	}
	sort.Strings(c.Pkgs)
	for _, ph := range p.census.Points() {
		if ph.Auto {
			c.SitesReached++
		} else {
			c.HandPoints++
		}
		if ph.Faulted {
			c.Faulted++
		}
		if ph.Hits > c.Deepest {
			c.Deepest, c.DeepestPoint = ph.Hits, ph.Name
		}
	}
	return c
}

// Coverage says what a check explored: how many scenarios it ran and which
// fault points they reached. Sites are the automatic points of
// instrumented code (one before every synchronization operation, see
// harness/autopoint); hand points are the Env.Point names.
type Coverage struct {
	// Scenarios is how many scenarios ran: the corpus's, the named ones,
	// the warm-up and the explored ones, not counting shrinking.
	Scenarios int
	// Sites is how many automatic points are registered in this process
	// (0 when the code under test is not instrumented), in Pkgs.
	Sites int
	Pkgs  []string
	// SitesReached is how many of them some scenario passed.
	SitesReached int
	// HandPoints is how many distinct Env.Point names some scenario passed.
	HandPoints int
	// Faulted is how many of the points reached (automatic and
	// hand-placed) a drawn fault yielded at in some scenario. A point
	// first reached while exploring joins the draws at the next round
	// (see Checks).
	Faulted int
	// Deepest is the most hits of one point in one scenario, at
	// DeepestPoint.
	Deepest      int
	DeepestPoint string
	// TaskType is the type of the task the factory returned (as
	// reflect.Type's String, "*dep.Task"), and TaskPkg the import path of
	// the package that defines it. The suites package instruments that
	// package when it lies outside the main module (see AutoPoints).
	TaskType string
	TaskPkg  string
	// taskElsewhere: TaskPkg is not the package of the factory.
	taskElsewhere bool
	// hookBusy: another check in this process held autopoint's hook when
	// this one started, so automatic points were not observed (Warning
	// says so).
	hookBusy bool
}

// Reached is how many fault points some scenario passed, automatic and
// hand-placed.
func (c Coverage) Reached() int { return c.SitesReached + c.HandPoints }

// String sums up the coverage on one line, e.g. "1008 scenarios, 14 sync
// points in example.com/rt (all reached), faults fired at 13 of the 14
// reached, deepest hit 9 (task.go:40 Lock)".
func (c Coverage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d scenarios", c.Scenarios)
	if c.Sites > 0 {
		pkgs := make([]string, len(c.Pkgs))
		for i, pkg := range c.Pkgs {
			pkgs[i] = pkg
			if pkg == c.TaskPkg && c.taskElsewhere {
				pkgs[i] += " (the task's type, " + c.TaskType + ")"
			}
		}
		fmt.Fprintf(&b, ", %d sync points in %s", c.Sites, strings.Join(pkgs, ", "))
		switch c.SitesReached {
		case c.Sites:
			b.WriteString(" (all reached)")
		default:
			fmt.Fprintf(&b, " (%d of %d reached)", c.SitesReached, c.Sites)
		}
	}
	if c.HandPoints > 0 {
		fmt.Fprintf(&b, ", %d hand-placed fault points (Env.Point)", c.HandPoints)
	}
	if c.Reached() == 0 {
		b.WriteString(", no fault point reached")
	} else {
		fmt.Fprintf(&b, ", faults fired at %d of the %d reached", c.Faulted, c.Reached())
		fmt.Fprintf(&b, ", deepest hit %d (%s)", c.Deepest, notation.PointName(c.DeepestPoint))
	}
	return b.String()
}

// Warning returns what the check could not explore, or "": no fault point
// reached at all, or automatic points not observed because another check
// held the hook.
func (c Coverage) Warning() string {
	switch {
	case c.hookBusy && c.Sites > 0:
		return "automatic fault points were not observed: another check in this process held the autopoint hook (checks must not run in parallel)"
	case c.Reached() == 0 && c.Sites > 0 && c.TaskPkg != "" && !slices.Contains(c.Pkgs, c.TaskPkg):
		return fmt.Sprintf("no fault point was reached (neither Env.Point nor an automatic point of instrumented code): the task's type %s is defined in %s, which is not instrumented (name it with Instrument(%q))",
			c.TaskType, c.TaskPkg, c.TaskPkg)
	case c.Reached() == 0:
		return "no fault point was reached (neither Env.Point nor an automatic point of instrumented code): interleavings were explored only as the scheduler happened to run them"
	}
	return ""
}

// explore runs rapid after the prelude, in rounds, over gen(shape), and
// returns the first failure. After every round that found nothing the
// shape learns what the round reached: points first reached, and more
// hits of a point than seen before, join the draws of the next round
// (README, "How schedules are drawn"). Scenarios name their points, so a
// saved one replays whatever the list was; rapid's seed replays only a
// round drawn with the prelude's list, and is given only then.
func explore(name string, p *prelude, shape scenarios.Shape, gen func(scenarios.Shape) *rapid.Generator[scenarios.Scenario]) *Failure {
	cfg := p.cfg
	if cfg.scale.indexed() {
		// Scenario k of a seed is the same in every job of a matrix: an
		// indexed space keeps the prelude's points.
		return exploreIndexed(p, gen(shape)) // shard.go
	}
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
	stopped := false // out of time (stopAt)
	fixed := p.ran   // scenarios run before exploring
	learned := false // the draws' points differ from the prelude's
	progress := newTicker(cfg.logf)
	g := gen(shape)
	for round := range rounds {
		if cfg.outOfTime() {
			stopped = true
			break
		}
		if round > 0 {
			if names, hits := p.points(); !slices.Equal(names, shape.Points) || !slices.Equal(hits, shape.Hits) {
				shape.Points, shape.Hits = names, hits
				g = gen(shape)
				learned = true
			}
		}
		var target string // the class and clause being shrunk
		var last *Result
		foundAt := 0
		skip := false // a costly failure is minimized without rapid's shrinking
		prop := func(t *rapid.T) {
			sc := g.Draw(t, "scenario")
			if skip || target == "" && stopped {
				return
			}
			if target == "" && cfg.outOfTime() {
				stopped = true // the draws left in this round pass unrun
				return
			}
			res := runScenario(cfg, p.bubble, p.newTask, sc)
			p.census.Add(res.points)
			p.ran++
			progress.tick(p.ran)
			if !res.Failed() {
				return
			}
			sig := signature(res)
			if target == "" {
				target = sig
				foundAt = p.ran
				if cfg.onFound != nil {
					cfg.onFound(foundAt)
				}
			}
			if sig != target {
				return // shrinking must not slip to another bug
			}
			last = res
			if res.Abandoned != "" && foundAt == p.ran {
				// The watchdog had to judge it: every run costs
				// milliseconds and leaves goroutines behind, too dear for
				// rapid's hundreds of shrinking runs. The minimizer's
				// edits, a few runs each, do instead.
				skip = true
				return
			}
			t.Fatalf("%s", res.Primary().Error())
		}
		tb := &recorder{name: name, logf: cfg.logf}
		rapidFailFilesOff()
		rapid.Check(tb, prop)
		if last != nil && (tb.failed || skip) {
			f := cfg.failure(minimize(cfg, p.bubble, p.newTask, last), "", foundAt)
			var failfile string
			f.Seed, failfile, f.Flaky = tb.seed()
			if learned {
				// The seed and fail file draw from the prelude's points
				// when replayed, not from this round's.
				f.Seed, failfile = 0, ""
			}
			if f.File == "" && cfg.repro != "" {
				switch {
				case failfile != "":
					f.Command = fmt.Sprintf("%s -rapid.failfile=%q", cfg.repro, failfile)
				case f.Seed != 0:
					f.Command = fmt.Sprintf("%s -rapid.seed=%d", cfg.repro, f.Seed)
				}
			}
			return f
		}
	}
	p.stoppedEarly(stopped, fixed)
	return nil
}

// stoppedEarly, after exploring that found nothing, says when the
// deadline stopped it (stopped), and tells onNothing when that was
// before a single scenario beyond the fixed ones (fixed of them) ran.
func (p *prelude) stoppedEarly(stopped bool, fixed int) {
	cfg := p.cfg
	if !stopped {
		return
	}
	if cfg.logf != nil {
		cfg.logf("reaptest: stopped early: out of time after %d scenarios (no failure found)", p.ran)
	}
	if p.ran == fixed && cfg.onNothing != nil {
		cfg.onNothing(p.ran)
	}
}

// progressEvery is how often a long check says how far it got.
const progressEvery = 5 * time.Second

// ticker logs a check's progress every progressEvery.
type ticker struct {
	logf  func(format string, args ...any)
	start time.Time
	next  time.Time
}

func newTicker(logf func(format string, args ...any)) *ticker {
	now := time.Now()
	return &ticker{logf: logf, start: now, next: now.Add(progressEvery)}
}

// tick logs the number of scenarios run when it is time to; it looks at
// the clock once every 64 scenarios.
func (t *ticker) tick(explored int) {
	if t.logf == nil || explored%64 != 0 {
		return
	}
	if now := time.Now(); now.After(t.next) {
		t.next = now.Add(progressEvery)
		t.logf("reaptest: %d scenarios so far, no failure (%s)", explored, now.Sub(t.start).Round(time.Second))
	}
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
	msg := fmt.Sprintf(format, args...)
	// rapid logs the failing case's draws and message; the harness's
	// report says it better.
	// Nor does its "OK, passed" line, which a pass's summary replaces.
	if r.logf != nil && !strings.HasPrefix(msg, "[rapid] draw") && !strings.HasPrefix(msg, "[rapid] OK") && strings.HasPrefix(msg, "[rapid]") {
		r.logf("%s", msg)
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
