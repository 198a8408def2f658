package suites

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// Isolation: the check runs in a child process — the test binary run again
// for just this test — so that what no recover can catch (a panic on a
// goroutine the task started, a fatal runtime error such as concurrent map
// writes, os.Exit, a stack overflow) kills the child, not the test binary.
// The child records every scenario in a progress file before it runs it;
// when the child dies, the parent knows the scenario, runs it again in
// fresh children to confirm and shrink it, and reports it like any other
// failure.

// envChild, in a child, names the directory it reports through; envTarget
// the one test or spec it is for (a -test.run or Ginkgo focus pattern may
// select others too, which the child then passes over); envDeadline when
// it stops exploring, in Unix nanoseconds.
const (
	envChild    = "REAPTEST_CHILD"
	envTarget   = "REAPTEST_TARGET"
	envDeadline = "REAPTEST_DEADLINE"
)

// passOver reports whether this process is a child and name is neither the
// check it was started for nor a subtest of it.
func passOver(name string) bool {
	target := os.Getenv(envTarget)
	return inChild() && name != target && !strings.HasPrefix(name, target+"/")
}

// EnvIsolate turns isolation on (1, true, on, yes) or off (0, false, off,
// no) where the options do not say; it is on by default for every entry
// point of this package and of suites/specs. Any other value fails the
// check with a usage error.
const EnvIsolate = "REAPTEST_ISOLATE"

const (
	childLimit   = 10 * time.Minute // real time a whole child run may take
	crashBudget  = 40               // child runs to confirm and shrink a crash
	minChildTime = time.Second      // less time than this before the deadline: no child is started
)

// childStalled is how long a child may go without a new scenario, or
// word from the watchdog that a slow one's clock still advances (a
// heartbeat), before it is called stuck (a variable for tests).
var childStalled = 30 * time.Second

// isolated reports whether the check should run in a child.
func isolated(opts []harness.Option) bool {
	if set, on := hx.Isolation(opts...); set {
		return on
	}
	if set, on, err := envSwitch(EnvIsolate); set && err == nil {
		return on
	}
	return true // envUsage reports a value that is neither on nor off
}

// inChild reports whether this process is a child running one check.
func inChild() bool { return os.Getenv(envChild) != "" }

// warmedUp makes a child warm up once (see warmUpOnce).
var warmedUp sync.Once

// warmUpOnce builds one task of newTask outside every scenario, before
// the child's first check, so that a goroutine its package starts once
// per process starts outside every bubble (see harness's warmUp). A
// child only: what the task leaves stays in it.
func warmUpOnce(newTask harness.NewTask) {
	warmedUp.Do(func() { hx.WarmUp(newTask) })
}

// childLog collects, in a child, what the check logs, for the parent to
// log in its turn (the child's own output is not shown).
type childLog struct {
	mu     sync.Mutex
	lines  []string // guarded by mu
	ran    int      // scenarios run; guarded by mu
	record []byte   // the progress record being written; guarded by mu
	// timeline is the replayed scenario's, when the parent asked for it
	// (envTimeline); guarded by mu.
	timeline []harness.Event
	// nothing: the deadline stopped the check before it explored a
	// scenario beyond the fixed ones (harness's onNothing); guarded by mu.
	nothing bool
}

var childLogs childLog

func (l *childLog) logf(format string, args ...any) {
	if format == progressFormat {
		return // the parent says how far its child got, as it goes
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// childOptions are what a child adds to its check: the progress file, the
// log the parent relays, the deadline the parent set.
func childOptions() []harness.Option {
	dir := os.Getenv(envChild)
	if dir == "" {
		return nil
	}
	opts := []harness.Option{harness.Logf(childLogs.logf), hx.ProgressLines(childProgress), hx.OnFound(childFound), hx.OnNothing(func(int) {
		childLogs.mu.Lock()
		defer childLogs.mu.Unlock()
		childLogs.nothing = true
	})}
	if ns, err := strconv.ParseInt(os.Getenv(envDeadline), 10, 64); err == nil {
		opts = append(opts, hx.Deadline(time.Unix(0, ns)))
	}
	progressOnce.Do(func() {
		progress, _ = createRing(filepath.Join(dir, "progress"))
	})
	ring := progress
	if ring == nil {
		return opts
	}
	// A scenario that polls may run for minutes: each limit the watchdog
	// gives it is a heartbeat in the progress file, so the parent does
	// not take it for a stuck child.
	return append(opts, hx.Heartbeat(ring.beat), hx.Progress(func(sc scenarios.Scenario) {
		childLogs.mu.Lock()
		defer childLogs.mu.Unlock()
		childLogs.ran++
		childLogs.record = appendRecord(childLogs.record[:0], sc)
		ring.add(childLogs.record)
	}))
}

var (
	progressOnce sync.Once
	progress     *progressRing // the child's progress file, open for its life
)

// The child's journal: beside its progress file, the child tells its
// parent which check it begins and what it found for each, as entries
// appended to one file it keeps open, one write each (a file per entry
// cost a child ten times as much, and its parent as much again to read
// and remove them). An entry is its length (4 bytes, big-endian), its
// kind (journalBegin, journalResult), then its payload; the parent drops
// a last entry cut short by the child's death.
const (
	journalBegin  = 'b' // the check named begins: if the child dies, it died in that one
	journalResult = 'r' // what the child found for a check: a childResult in JSON
	journalTime   = 't' // when the check just begun began: Unix nanoseconds, 8 bytes
)

var (
	journalOnce sync.Once
	journalFile *os.File // the child's journal, open for its life
)

// journal appends an entry to the child's journal.
func journal(kind byte, payload []byte) {
	journalOnce.Do(func() {
		journalFile, _ = os.OpenFile(filepath.Join(os.Getenv(envChild), "journal"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	})
	if journalFile != nil {
		_, _ = journalFile.Write(appendEntry(nil, kind, payload))
	}
}

// journalEntries yields the entries of the journal at path, kind and
// payload, in the order they were written, up to the first that is
// incomplete (a child killed while writing it).
func journalEntries(path string) iter.Seq2[byte, []byte] {
	data, _ := os.ReadFile(path)
	return journalFrames(data)
}

// journalFrames yields the entries framed in data, kind and payload, up
// to the first that is incomplete; an entry takes 5+len(payload) bytes.
func journalFrames(data []byte) iter.Seq2[byte, []byte] {
	return func(yield func(byte, []byte) bool) {
		for rest := data; len(rest) >= 5; {
			n := int(binary.BigEndian.Uint32(rest))
			if n < 1 || len(rest) < 4+n {
				return
			}
			kind, payload := rest[4], rest[5:4+n]
			rest = rest[4+n:]
			if !yield(kind, payload) {
				return
			}
		}
	}
}

// appendEntry appends a journal entry to b.
func appendEntry(b []byte, kind byte, payload []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(1+len(payload)))
	return append(append(b, kind), payload...)
}

// readJournal reads a child's journal: the check it began last, and what
// it found for each check it finished, by name.
func readJournal(path string) (current string, results map[string]*childResult) {
	results = map[string]*childResult{}
	for kind, payload := range journalEntries(path) {
		switch kind {
		case journalBegin:
			current = string(payload)
		case journalResult:
			var r childResult
			if json.Unmarshal(payload, &r) == nil {
				results[r.Name] = &r
			}
		}
	}
	return current, results
}

// childBegin, in a child, records that the check name begins: if the
// child dies, it died in that one.
func childBegin(name string) {
	journal(journalBegin, []byte(name))
	journal(journalTime, binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano())))
}

// childResult is what a child tells its parent it found for one check.
type childResult struct {
	Name                           string // the test's or spec's full name
	Pass                           bool
	Usage                          string // a usage error: no verdict
	Class, Clause, Call, Got, Want string
	Scenario, Report, File         string
	Ran                            int             // scenarios run
	Explored                       int             // scenarios run until the failure was found (harness.Failure.Explored)
	Logs                           []string        // what the check logged
	Timeline                       []harness.Event // the replayed scenario's, if asked for (envTimeline)
	// Nothing: the deadline stopped the check before it explored a
	// scenario beyond the fixed ones (corpus, named, warm-up).
	Nothing bool

	Command string // the child's reproducer, when not the parent's (a shard's seed)
}

// childDone writes what the child found for the check name, for its
// parent.
func childDone(name string, f *harness.Failure, usage error) {
	childLogs.mu.Lock()
	r := childResult{Name: name, Pass: f == nil && usage == nil, Ran: childLogs.ran, Logs: childLogs.lines, Timeline: childLogs.timeline, Nothing: childLogs.nothing}
	childLogs.ran, childLogs.lines, childLogs.timeline, childLogs.nothing = 0, nil, nil, false
	childLogs.mu.Unlock()
	if usage != nil {
		r.Usage = usage.Error()
	}
	if f != nil {
		p := f.Primary()
		r.Class, r.Clause, r.Call, r.Got, r.Want = string(p.Class), p.Clause, p.Call, p.Got, p.Want
		r.Scenario, r.Report, r.File = f.Scenario.String(), f.Error(), f.File
		r.Explored = f.Explored
		r.Command = f.Command
	}
	data, _ := json.Marshal(r)
	journal(journalResult, data)
}

// failure rebuilds the child's failure in the parent.
func (r childResult) failure(repro string) *harness.Failure {
	sc, _ := scenarios.Parse(r.Scenario)
	res := &harness.Result{Scenario: sc, Violations: []*harness.Violation{{
		Class: harness.Class(r.Class), Clause: r.Clause, Call: r.Call, Got: r.Got, Want: r.Want}}}
	f := &harness.Failure{Result: res, Name: "the isolated check", File: r.File, Command: repro, Explored: r.Explored}
	hx.SetReport(f, r.Report)
	switch {
	case r.File != "":
		f.Command = hx.ReplayCommand(repro, r.File)
	case strings.HasSuffix(r.Command, " "+repro):
		f.Command = r.Command // the environment the failure needs, before the parent's command
	}
	return f
}

// child is one run of the test binary for one test.
type child struct {
	result     *childResult            // what the child found for its target; nil if it died
	results    map[string]*childResult // what it found for each check it ran, by name
	current    string                  // the check it began last
	progress   []scenarios.Scenario    // the last scenarios it began, oldest first
	ran        int                     // scenarios the child began, as its progress file tells
	stderr     string
	exit       error
	stuck      bool // stopped for making no progress
	timedOut   bool // stopped at the child's time limit
	started    bool // the check began (wrote its progress file)
	replayOnly bool // started with too little time to explore: it only replayed
	stopped    bool // killed because another child of the check found a failure first
	found      bool // its journal said it found a failure (and it minimizes)
}

// target selects one check in a child: the test (and Ginkgo spec) that
// runs it, where its counterexamples go, how to rerun it.
type target struct {
	name     string   // the test's or spec's full name: the child checks only it
	args     []string // flags that select the test, and the spec
	ginkgo   bool     // a Ginkgo spec
	corpus   string
	repro    string
	deadline time.Time                        // the test binary's, if it has one
	soak     time.Duration                    // the check soaks this long (soak.go): its child may run longer
	env      []string                         // further environment for every child of tg (a fuzz input's, fuzz.go)
	logf     func(format string, args ...any) // the parent's log, for progress; may be nil
	auto     autoChild                        // the instrumented test binary the child runs, if any
	explores bool                             // the check explores (not a named scenario, not a replay)
	children int                              // children exploring at once (parallel.go); 0 or 1: one
	stop     <-chan struct{}                  // closed: kill the child, another found a failure (parallel.go)
	// tick, if set, is called with the child's directory every time the
	// parent looks at its progress (every 50ms), from runChild's goroutine.
	tick func(dir string)
	// replayOnly, set by runChild when too little time is left to
	// explore, makes the child stop exploring at once: it replays the
	// corpus and runs the named scenarios, which need no budget.
	replayOnly bool
	// replayIn, if set, is the target of the test whose subtest tg
	// checks (TestTask's explore, run in children of its own,
	// parallel.go): a crash is replayed in that test, where TestTask
	// replays a file (a child started for the subtest would pass over
	// the test), and saved to its corpus, where the subtest replays from,
	// as a session's crash is.
	replayIn *target
	// tb, if set, is the test logf logs to: the functions between the
	// user's call and logf mark themselves as its helpers, so that a line
	// is located at the user's TestTask or ExploreAround call.
	tb interface{ Helper() }
}

// testTarget is the target of the go test t.
func testTarget(t *testing.T, repro string) target {
	tg := target{name: t.Name(), args: []string{"-test.run=" + runPattern(t.Name())}, corpus: corpusDir(t.Name()), repro: repro, logf: t.Logf, tb: t}
	tg.deadline, _ = t.Deadline()
	return tg
}

// timeLeft is how long a child for tg may run: up to childLimit (and its
// soak), and
// short of the test binary's deadline by a margin for the parent's own
// work (a fifth of what is left, between 0.5s and 10s).
func (tg target) timeLeft() time.Duration {
	limit := childLimit + tg.soak
	if tg.deadline.IsZero() {
		return limit
	}
	left := time.Until(tg.deadline)
	return min(limit, left-min(10*time.Second, max(left/5, 500*time.Millisecond)))
}

// childCommand says how a child for tg is started: the executable, its
// arguments, and the environment it gets on top of the parent's. dir is
// the directory it reports through; limit the real time it has. It is the
// one place that knows: an instrumented build of the test binary plugs in
// here.
func childCommand(tg target, dir string, limit time.Duration) (exe string, args, env []string) {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	args = append([]string{"-test.count=1", fmt.Sprintf("-test.timeout=%s", limit+time.Minute)}, tg.args...)
	if bin := tg.auto.bin; bin != nil {
		// The instrumented build of this test binary: the same tests and
		// flags, every synchronization operation of the task's code a
		// fault point. Its coverage directory is the parent's (below).
		exe = bin.Path
		for _, a := range bin.Args {
			if !strings.HasPrefix(a, "-test.gocoverdir=") {
				args = append(args, a)
			}
		}
	}
	// rapid's flags carry over, rebuilt from the parsed flags (so a value
	// given as a separate argument comes along); -test.v and Ginkgo's do
	// not: the child's output is read, not shown (under go test -json its
	// framing would reach the parent's text), and a parallel Ginkgo
	// process's flags would connect the child to the parallel run's server.
	flag.Visit(func(f *flag.Flag) {
		switch {
		case strings.HasPrefix(f.Name, "rapid."), f.Name == "test.paniconexit0", f.Name == "test.short":
			args = append(args, "-"+f.Name+"="+f.Value.String())
		case f.Name == "test.gocoverdir" && f.Value.String() != "":
			// Coverage: the child's counters go where the parent's do,
			// and the parent's report (go test -cover, -coverprofile)
			// merges every counter file there.
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	if tg.ginkgo {
		for _, f := range []string{"ginkgo.no-color", "ginkgo.silence-skips"} {
			if flag.Lookup(f) != nil {
				args = append(args, "-"+f)
			}
		}
	}
	// The child checks until its deadline, short of the parent's limit
	// by what a last scenario and the report may take; a replay-only
	// child explores nothing.
	stop := time.Now().Add(limit - min(limit/4, 5*time.Second))
	if tg.replayOnly {
		stop = time.Now()
	}
	env = []string{envChild + "=" + dir, EnvIsolate + "=0", envTarget + "=" + tg.name,
		envDeadline + "=" + strconv.FormatInt(stop.UnixNano(), 10)}
	if raceEnabled {
		// The first data race ends the child, as a crash does: it is then
		// found, confirmed and shrunk as a crash is.
		env = append(env, "GORACE="+haltOnRace(os.Getenv("GORACE")))
	}
	return exe, args, env
}

// haltOnRace returns the GORACE options with halt_on_error=1, keeping
// the user's others.
func haltOnRace(gorace string) string {
	var keep []string
	for _, o := range strings.Fields(gorace) {
		if !strings.HasPrefix(o, "halt_on_error=") {
			keep = append(keep, o)
		}
	}
	return strings.Join(append(keep, "halt_on_error=1"), " ")
}

// errOutOfTime says a child was not started: the test binary's deadline
// is too near.
var errOutOfTime = errors.New("out of time: the test binary's deadline (-timeout) is too near to start a child")

// runChild runs tg in a child process with extra environment, and waits
// for it within the limits.
func runChild(tg target, env ...string) (*child, error) {
	if tg.tb != nil {
		tg.tb.Helper()
	}
	limit := tg.timeLeft()
	if limit < minChildTime {
		// Too little time to explore: replay what needs no budget.
		if limit = tg.replayTime(); limit < minReplayTime {
			return nil, errOutOfTime
		}
		tg.replayOnly = true
	}
	dir, err := tempDir("reaptest-child-")
	if err != nil {
		return nil, err
	}
	defer removeTemp(dir)
	exe, args, cenv := childCommand(tg, dir, limit)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(append(append(os.Environ(), cenv...), tg.env...), env...)
	out := &capped{max: 1 << 20}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) } // a goroutine dump first
	cmd.WaitDelay = 5 * time.Second
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	untrack := trackProcess(cmd.Process)
	defer untrack()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	c := &child{replayOnly: tg.replayOnly}
	path := filepath.Join(dir, "progress")
	var pf *os.File // the progress file, once the child made it
	defer func() {
		if pf != nil {
			pf.Close()
		}
	}()
	var last progressMark
	tail := journalTail{path: filepath.Join(dir, "journal")} // a soak's progress lines (soak.go)
	start := time.Now()
	// sayFound, for one child, says when it found a failure (it
	// minimizes then); checkParallel says it for its children, a session
	// for TestTask's explore (gotest.go).
	sayFound := func() {
		if !tg.explores || tg.children > 1 || c.found || !logFound() {
			return
		}
		if _, _, at, ok := foundIn(tail.path); ok {
			c.found = true
			tg.log(foundFormat, at.Sub(start).Round(time.Millisecond), last.count)
		}
	}
	lastChange, lastNote := start, start
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case c.exit = <-done:
			break wait
		case <-tg.stop:
			tg.stop = nil
			c.stopped = true
			_ = cmd.Process.Kill()
		case now := <-tick.C:
			if pf == nil {
				if pf, err = os.Open(path); err != nil {
					pf = nil
					continue // the check has not begun: a slow start (a BeforeSuite) is not the task's
				}
				lastChange = now
			}
			switch m := readMark(pf); {
			case m != last:
				last, lastChange = m, now
			case now.Sub(lastChange) > childStalled && !c.stuck:
				c.stuck = true
				cancel() // SIGQUIT: a goroutine dump, then the exit; WaitDelay kills
			}
			if tg.tick != nil {
				tg.tick(dir)
			}
			sayFound()
			for _, l := range tail.progress(now) {
				if tg.logf != nil {
					tg.logf("%s", l)
					lastNote = now
				}
			}
			if tg.logf != nil && now.Sub(lastNote) >= progressEvery+tg.soakSlack() && last.count > 0 {
				lastNote = now
				tg.logf(progressFormat, last.count, now.Sub(start).Round(time.Second))
			}
		}
	}
	if pf == nil {
		pf, _ = os.Open(path)
	}
	if tg.tick != nil && pf != nil {
		tg.tick(dir) // a last look: the child may have ended between two
	}
	sayFound()
	c.timedOut = ctx.Err() == context.DeadlineExceeded && !c.stuck
	c.started = pf != nil
	c.current, c.results = readJournal(filepath.Join(dir, "journal"))
	c.result = c.results[tg.name]
	if pf != nil {
		count := readMark(pf).count
		c.ran = int(count)
		for _, rec := range lastRecords(pf, count, lastKept) {
			if sc, err := decodeRecord(rec); err == nil {
				c.progress = append(c.progress, sc)
			}
		}
	}
	c.stderr = out.String()
	return c, nil
}

// progressFormat is the line that says how far a long check got: the
// parent logs it as the child goes, the child (whose harness logs it
// too) does not relay it.
const progressFormat = "reaptest: %d scenarios so far, no failure (%s)"

// foundFormat is the line the parent logs (with envLogFound) when the
// child of a check that explores finds its first failure, before it
// minimizes it: the real time from the start of the exploring (the
// child's start, or, in a session's child that runs other subtests
// first, when it began explore) to the failure, and the scenarios begun
// by the time the parent looked.
const foundFormat = "reaptest: found a failure after %s, %d scenarios in"

// envLogFound, set to 1, makes the parent log foundFormat: for
// measurements (BenchmarkFirstFailureChildren); a report and its log
// stay as they are without it.
const envLogFound = "REAPTEST_LOG_FOUND"

// logFound reports whether the parent logs foundFormat.
func logFound() bool { return os.Getenv(envLogFound) == "1" }

// foundIn reads the journal at path for the first failure a check of the
// child found (a journalFound entry): the check it was found in, when
// that check began (zero if the journal does not say), and when the
// failure was found (the entry's time, or now for an entry without one).
func foundIn(path string) (name string, began, at time.Time, ok bool) {
	current := ""
	for kind, payload := range journalEntries(path) {
		switch kind {
		case journalBegin:
			current, began = string(payload), time.Time{}
		case journalTime:
			if len(payload) == 8 {
				began = time.Unix(0, int64(binary.BigEndian.Uint64(payload)))
			}
		case journalFound:
			at = time.Now()
			if len(payload) == 8 {
				at = time.Unix(0, int64(binary.BigEndian.Uint64(payload)))
			}
			return current, began, at, true
		}
	}
	return "", time.Time{}, time.Time{}, false
}

// progressEvery is how often the parent says how far a long child got.
const progressEvery = 5 * time.Second

// capped keeps the first max bytes written to it and counts the rest.
type capped struct {
	max     int
	b       bytes.Buffer
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	n := min(len(p), c.max-c.b.Len())
	if n > 0 {
		c.b.Write(p[:n])
	}
	c.dropped += len(p) - max(n, 0)
	return len(p), nil
}

func (c *capped) String() string {
	if c.dropped > 0 {
		return c.b.String() + fmt.Sprintf("\n... (%d more bytes)\n", c.dropped)
	}
	return c.b.String()
}

// runPattern turns a test name into a -test.run pattern matching it alone.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// death is how a child died, as its output and exit status tell.
type death struct {
	kind     string // "panic", "fatal error", "race", "exit", "signal", "stuck"
	got      string // one line
	evidence string
}

var (
	// A Ginkgo child may have printed its progress marks (S for a skipped
	// spec, • for a passed one) on the line before the runtime's message.
	panicRE = regexp.MustCompile(`(?m)^[S•]*panic: (.*)$`)
	fatalRE = regexp.MustCompile(`(?m)^[S•]*fatal error: (.*)$`)
)

// classify says how c died.
func classify(c *child) death {
	ev := excerpt(c.stderr)
	switch {
	case c.timedOut:
		return death{"stuck", "the child ran out of time (its time limit, or the test binary's -test.timeout)", ev}
	case c.stuck:
		return death{"stuck", fmt.Sprintf("no new scenario for %s: the child was stopped (SIGQUIT, then killed)", childStalled), ev}
	case strings.Contains(c.stderr, raceHeader):
		got, evidence := raceReport(c.stderr)
		return death{"race", got, evidence}
	case fatalRE.MatchString(c.stderr):
		return death{"fatal error", "fatal error: " + fatalRE.FindStringSubmatch(c.stderr)[1], ev}
	case panicRE.MatchString(c.stderr):
		return death{"panic", "panic: " + strings.TrimSuffix(panicRE.FindStringSubmatch(c.stderr)[1], " [recovered]"), ev}
	}
	var exit *exec.ExitError
	if errors.As(c.exit, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return death{"signal", fmt.Sprintf("killed by signal %v", ws.Signal()), ev}
		}
		return death{"exit", fmt.Sprintf("the process exited with status %d (os.Exit in the task?)", exit.ExitCode()), ev}
	}
	return death{"exit", fmt.Sprintf("the child ended without a result: %v", c.exit), ev}
}

// ansiRE matches terminal escape sequences (colours) and test2json's
// framing byte.
var ansiRE = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]|\x16")

// plain strips colour codes and framing from a child's output.
func plain(out string) string { return ansiRE.ReplaceAllString(out, "") }

// excerpt keeps the part of a dying child's output that explains it: from
// the first panic or fatal error line, at most 60 lines, as plain text.
func excerpt(out string) string {
	lines := strings.Split(plain(out), "\n")
	start := 0
	for i, l := range lines {
		if l, ok := afterMarks(l, "panic: ", "fatal error: ", "SIGQUIT", raceHeader); ok {
			lines[i], start = l, i
			break
		}
	}
	lines = lines[start:]
	if len(lines) > 60 {
		lines = append(lines[:60], fmt.Sprintf("... (%d more lines)", len(lines)-60))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// afterMarks returns l from one of prefixes on, past the progress marks
// a Ginkgo child may have printed before it (S for a skipped spec, • for a
// passed one), and whether l has one. Only marks are passed over: the S
// of "SIGQUIT" is not one.
func afterMarks(l string, prefixes ...string) (string, bool) {
	for {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				return l, true
			}
		}
		switch {
		case strings.HasPrefix(l, "S"):
			l = l[1:]
		case strings.HasPrefix(l, "•"):
			l = l[len("•"):]
		default:
			return l, false
		}
	}
}

// checkIsolated runs the check tg selects in a child and turns what
// happened into a failure, or nil. An error is a usage error or a child
// that could not be run: no verdict on the task.
func checkIsolated(tg target) (*harness.Failure, error) {
	if tg.tb != nil {
		tg.tb.Helper()
	}
	if note := tg.auto.offNote(); note != "" {
		tg.log("%s", note)
	}
	f, err := checkChild(tg)
	return tg.auto.mark(f), err
}

// checkChild runs the check tg selects in one child, and in more to
// confirm and shrink a crash.
func checkChild(tg target) (*harness.Failure, error) {
	if tg.tb != nil {
		tg.tb.Helper()
	}
	if tg.explores && tg.children > 1 {
		return checkParallel(tg) // parallel.go
	}
	c, err := runChild(tg)
	switch {
	case errors.Is(err, errOutOfTime):
		return nil, notRun(tg)
	case err != nil:
		return nil, fmt.Errorf("reaptest: could not start a child process for the isolated check: %w", err)
	}
	return judgeChild(tg, c)
}

// judgeChild turns what the child c of tg did into a failure, or nil, and
// relays its log.
func judgeChild(tg target, c *child) (*harness.Failure, error) {
	if tg.tb != nil {
		tg.tb.Helper()
	}
	if c.result != nil {
		for _, l := range c.result.Logs {
			tg.log("%s", l)
		}
		if c.result.Usage != "" {
			return nil, errors.New(c.result.Usage)
		}
	}
	switch {
	case c.result == nil && c.timedOut:
		// Out of the test's time, not the task's fault: a busy task is
		// caught by the scenario's real-time limit inside the child.
		return nil, notFinished(c.ran)
	case c.result == nil && !c.started:
		return nil, fmt.Errorf("reaptest: the isolated check's child never began the check (%v); its output:\n%s", c.exit, excerpt(c.stderr))
	case c.result == nil:
		return crashed(tg, c), nil
	case c.exit != nil && strings.Contains(c.stderr, raceHeader):
		// A data race after the verdict (a goroutine of the task left
		// running): a race all the same.
		return crashed(tg, c), nil
	case c.exit != nil:
		// It found what it found, then failed anyway: say so.
		note := fmt.Sprintf("\nthe child process then ended with %v; its output:\n%s\n", c.exit, excerpt(c.stderr))
		if c.result.Pass {
			return nil, fmt.Errorf("reaptest: the isolated check passed, but%s", note)
		}
		f := c.result.failure(tg.repro)
		hx.SetReport(f, f.Error()+note)
		return f, nil
	case c.result.Pass && tg.explores && (c.replayOnly || c.result.Nothing):
		return nil, exploredNothing(c.result.Ran)
	case c.result.Pass && tg.explores && tg.auto.off != "":
		return nil, tg.auto.uninstrumented(c.result.Ran)
	case c.result.Pass:
		return nil, nil
	}
	return c.result.failure(tg.repro), nil
}

// log logs to tg's log, if it has one.
func (tg target) log(format string, args ...any) {
	if tg.tb != nil {
		tg.tb.Helper()
	}
	if tg.logf != nil {
		tg.logf(format, args...)
	}
}

// crashed confirms which scenario killed the child, shrinks it in fresh
// children, saves it, and reports it.
func crashed(tg target, c *child) *harness.Failure {
	if v := hx.Diagnose(c.stderr); v != nil {
		// Package-level state made inside an earlier scenario: a setup
		// diagnosis, not a crash of the task; nothing to confirm or save.
		res := &harness.Result{Violations: []*harness.Violation{v}}
		if len(c.progress) > 0 {
			res.Scenario = c.progress[len(c.progress)-1]
		}
		return &harness.Failure{Result: res, Name: "a crashed child", Command: tg.repro}
	}
	if p := tg.replayIn; p != nil {
		tg.name, tg.args, tg.corpus, tg.replayIn = p.name, p.args, p.corpus, nil
	}
	d := classify(c)
	repro := tg.repro
	budget := crashBudget
	tmp, err := tempDir("reaptest-crash-")
	if err != nil {
		budget = 0 // nowhere to write a scenario: report it unconfirmed
	} else {
		defer removeTemp(tmp)
	}
	tried := 0 // children run to confirm and shrink
	dies := func(sc scenarios.Scenario) (death, bool) {
		budget--
		tried++
		file := filepath.Join(tmp, "crash.scenario")
		if err := os.WriteFile(file, []byte(sc.String()), 0o644); err != nil {
			return death{}, false
		}
		r, err := runChild(tg, append(replayEnv(d), EnvReplay+"="+file)...)
		if errors.Is(err, errOutOfTime) {
			budget = 0
		}
		if err != nil || r.result != nil && !strings.Contains(r.stderr, raceHeader) || r.timedOut {
			return death{}, false
		}
		rd := classify(r)
		return rd, rd.kind == d.kind
	}
	// The last scenario is the likely culprit; a goroutine left by an
	// earlier one may be the real one.
	var culprit *scenarios.Scenario
	for i := len(c.progress) - 1; i >= 0 && i >= len(c.progress)-5 && budget > 0; i-- {
		sc := c.progress[i]
		if rd, ok := dies(sc); ok {
			culprit, d = &sc, rd
			break
		}
	}
	res := &harness.Result{}
	v := &harness.Violation{Class: harness.ClassPanic, Clause: harness.ClauseCrash, Call: "the task",
		Got: d.got, Want: "a task that never takes its process down", Evidence: d.evidence}
	switch d.kind {
	case "stuck":
		v.Class, v.Clause = harness.ClassHang, harness.ClauseRealTime
	case "race":
		v.Class, v.Clause, v.Want = harness.ClassRace, harness.ClauseNoRace, "no data race between the task's goroutines"
	}
	res.Violations = []*harness.Violation{v}
	if culprit == nil {
		if len(c.progress) > 0 {
			res.Scenario = c.progress[len(c.progress)-1]
		}
		if d.kind == "race" {
			return unconfirmedRace(tg, res, tried, min(5, len(c.progress)))
		}
		v.Got += " (not reproduced by running the last scenarios alone: it may need the ones before it)"
		return &harness.Failure{Result: res, Name: "a crashed child", Command: repro}
	}
	sc := *culprit
	for shrunk := true; shrunk && budget > 0; {
		shrunk = false
		for _, cand := range hx.Simpler(sc) {
			if budget <= 0 {
				break
			}
			if rd, ok := dies(cand); ok {
				sc, shrunk, d = cand, true, rd
				break
			}
		}
	}
	v.Got, v.Evidence = d.got, d.evidence
	res.Scenario = sc
	if d.kind == "race" && tmp != "" {
		res.Timeline = raceTimeline(tg, tmp, sc)
	}
	f := &harness.Failure{Result: res, Name: "a crashed child", Command: repro}
	if dir := tg.corpus; dir != "" {
		if path, err := hx.SaveScenario(dir, res, repro); err == nil {
			f.File, f.Command = path, hx.ReplayCommand(repro, path)
			if d.kind == "race" {
				// Confirmed by replays until it raced: so is it replayed.
				f.Command = fmt.Sprintf("%s=%d %s", EnvRepeat, raceReplays, f.Command)
			}
		} else {
			f.SaveErr = err
		}
	}
	return f
}
