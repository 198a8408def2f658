package suites

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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
// The child writes every scenario to a progress file before it runs it;
// when the child dies, the parent knows the scenario, runs it again in
// fresh children to confirm and shrink it, and reports it like any other
// failure.

// envChild, in a child, names the directory it reports through; envTarget
// the one test or spec it is for (a -test.run or Ginkgo focus pattern may
// select others too, which the child then passes over).
const (
	envChild  = "REAPTEST_CHILD"
	envTarget = "REAPTEST_TARGET"
)

// passOver reports whether this process is a child and name is not the
// check it was started for.
func passOver(name string) bool { return inChild() && os.Getenv(envTarget) != name }

// EnvIsolate turns isolation on (1) or off (0) where the options do not
// say; it is on by default for TestTask.
const EnvIsolate = "REAPTEST_ISOLATE"

const (
	recordSep    = "\x1e\n"         // between scenarios in the progress file
	childLimit   = 10 * time.Minute // real time a whole child run may take
	childStalled = 30 * time.Second // real time without a new scenario before a child is called stuck
	crashBudget  = 40               // child runs to confirm and shrink a crash
)

// isolated reports whether the check should run in a child.
func isolated(opts []harness.Option) bool {
	if set, on := harness.Isolation(opts...); set {
		return on
	}
	switch os.Getenv(EnvIsolate) {
	case "0", "false", "off":
		return false
	}
	return true
}

// inChild reports whether this process is a child running one check.
func inChild() bool { return os.Getenv(envChild) != "" }

// childOptions are what a child adds to its check: the progress file.
func childOptions() []harness.Option {
	dir := os.Getenv(envChild)
	if dir == "" {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, "progress"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil
	}
	return []harness.Option{harness.Progress(func(sc scenarios.Scenario) {
		_, _ = f.WriteString(sc.String() + recordSep)
	})}
}

// childResult is what a child tells its parent it found.
type childResult struct {
	Pass                           bool
	Class, Clause, Call, Got, Want string
	Scenario, Report, File         string
}

// childDone writes what the child found for its parent.
func childDone(f *harness.Failure) {
	r := childResult{Pass: f == nil}
	if f != nil {
		p := f.Primary()
		r.Class, r.Clause, r.Call, r.Got, r.Want = string(p.Class), p.Clause, p.Call, p.Got, p.Want
		r.Scenario, r.Report, r.File = f.Scenario.String(), f.Error(), f.File
	}
	data, _ := json.Marshal(r)
	_ = os.WriteFile(filepath.Join(os.Getenv(envChild), "result"), data, 0o644)
}

// failure rebuilds the child's failure in the parent.
func (r childResult) failure(repro string) *harness.Failure {
	sc, _ := scenarios.Parse(r.Scenario)
	res := &harness.Result{Scenario: sc, Violations: []*harness.Violation{{
		Class: harness.Class(r.Class), Clause: r.Clause, Call: r.Call, Got: r.Got, Want: r.Want}}}
	f := &harness.Failure{Result: res, Name: "the isolated check", File: r.File, Text: r.Report, Command: repro}
	if r.File != "" {
		f.Command = harness.ReplayCommand(repro, r.File)
	}
	return f
}

// child is one run of the test binary for one test.
type child struct {
	result   *childResult // what the child found; nil if it died
	progress []string
	stderr   string
	exit     error
	stuck    bool // stopped for making no progress
	timedOut bool // stopped at the child's time limit
	started  bool // the check began (wrote its progress file)
}

// target selects one check in a child: the test (and Ginkgo spec) that
// runs it, where its counterexamples go, how to rerun it.
type target struct {
	name     string   // the test's or spec's full name: the child checks only it
	args     []string // flags that select the test, and the spec
	corpus   string
	repro    string
	deadline time.Time // the test binary's, if it has one
}

// testTarget is the target of the go test t.
func testTarget(t *testing.T, repro string) target {
	tg := target{name: t.Name(), args: []string{"-test.run=" + runPattern(t.Name())}, corpus: corpusDir(t.Name()), repro: repro}
	tg.deadline, _ = t.Deadline()
	return tg
}

// runChild runs tg in a child process with extra environment, and waits
// for it within the limits.
func runChild(tg target, env ...string) (*child, error) {
	dir, err := os.MkdirTemp("", "reaptest-child-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	limit := childLimit
	if !tg.deadline.IsZero() {
		limit = min(limit, time.Until(tg.deadline)-10*time.Second)
		if limit <= 0 {
			return nil, fmt.Errorf("no time left before the test binary's deadline (-test.timeout) to run a child")
		}
	}
	args := append([]string{"-test.count=1", fmt.Sprintf("-test.timeout=%s", limit+time.Minute)}, tg.args...)
	// rapid's flags and -test.v carry over, rebuilt from the parsed flags
	// (so a value given as a separate argument comes along); Ginkgo's do
	// not (a parallel process's would connect the child to the parallel
	// run's server).
	flag.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "rapid.") || f.Name == "test.v" || f.Name == "test.paniconexit0" || f.Name == "test.short" {
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(append(os.Environ(), envChild+"="+dir, EnvIsolate+"=0", envTarget+"="+tg.name), env...)
	out := &capped{max: 1 << 20}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) } // a goroutine dump first
	cmd.WaitDelay = 5 * time.Second
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	c := &child{}
	progress := filepath.Join(dir, "progress")
	var lastSize int64 = -1
	lastChange := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case c.exit = <-done:
			break wait
		case <-tick.C:
			var size int64 = -1
			if fi, err := os.Stat(progress); err == nil {
				size = fi.Size()
			}
			switch {
			case size != lastSize:
				lastSize, lastChange = size, time.Now()
			case size >= 0 && time.Since(lastChange) > childStalled && !c.stuck:
				// The stall clock runs once the check has begun: a slow
				// start (a BeforeSuite) is not the task's.
				c.stuck = true
				cancel() // SIGQUIT: a goroutine dump, then the exit; WaitDelay kills
			}
		}
	}
	c.timedOut = ctx.Err() == context.DeadlineExceeded && !c.stuck
	_, err = os.Stat(progress)
	c.started = err == nil
	if data, err := os.ReadFile(filepath.Join(dir, "result")); err == nil {
		var r childResult
		if json.Unmarshal(data, &r) == nil {
			c.result = &r
		}
	}
	if data, err := os.ReadFile(progress); err == nil {
		recs := strings.Split(string(data), recordSep)
		for _, rec := range recs[max(0, len(recs)-8):] {
			if strings.TrimSpace(rec) != "" {
				c.progress = append(c.progress, rec)
			}
		}
	}
	c.stderr = out.String()
	return c, nil
}

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
	kind     string // "panic", "fatal error", "exit", "signal", "stuck"
	got      string // one line
	evidence string
}

var (
	panicRE = regexp.MustCompile(`(?m)^panic: (.*)$`)
	fatalRE = regexp.MustCompile(`(?m)^fatal error: (.*)$`)
)

// classify says how c died.
func classify(c *child) death {
	ev := excerpt(c.stderr)
	switch {
	case c.timedOut:
		return death{"stuck", "the child ran out of time (its time limit, or the test binary's -test.timeout)", ev}
	case c.stuck:
		return death{"stuck", fmt.Sprintf("no new scenario for %s: the child was stopped (SIGQUIT, then killed)", childStalled), ev}
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

// excerpt keeps the part of a dying child's output that explains it: from
// the first panic or fatal error line, at most 60 lines.
func excerpt(out string) string {
	lines := strings.Split(out, "\n")
	start := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") || strings.HasPrefix(l, "SIGQUIT") || strings.HasPrefix(l, "WARNING: DATA RACE") {
			start = i
			break
		}
	}
	lines = lines[start:]
	if len(lines) > 60 {
		lines = append(lines[:60], fmt.Sprintf("... (%d more lines)", len(lines)-60))
	}
	return strings.Join(lines, "\n")
}

// checkIsolated runs the check tg selects in a child and turns what
// happened into a failure, or nil.
func checkIsolated(tg target) (*harness.Failure, error) {
	c, err := runChild(tg)
	if err != nil {
		return nil, fmt.Errorf("reaptest: could not start a child process for the isolated check: %w", err)
	}
	switch {
	case c.result == nil && !c.started:
		return nil, fmt.Errorf("reaptest: the isolated check's child never began the check (%v); its output:\n%s", c.exit, excerpt(c.stderr))
	case c.result == nil:
		return crashed(tg, c), nil
	case c.exit != nil:
		// It found what it found, then failed anyway (a data race the race
		// detector reported, a crash after the result): say so.
		f := c.result.failure(tg.repro)
		if c.result.Pass {
			f = nil
		}
		note := fmt.Sprintf("\nthe child process then ended with %v; its output:\n%s", c.exit, excerpt(c.stderr))
		if f == nil {
			return nil, fmt.Errorf("reaptest: the isolated check passed, but%s", note)
		}
		f.Text += note
		return f, nil
	case c.result.Pass:
		return nil, nil
	}
	return c.result.failure(tg.repro), nil
}

// crashed confirms which scenario killed the child, shrinks it in fresh
// children, saves it, and reports it.
func crashed(tg target, c *child) *harness.Failure {
	d := classify(c)
	repro := tg.repro
	budget := crashBudget
	tmp, err := os.MkdirTemp("", "reaptest-crash-")
	if err != nil {
		budget = 0 // nowhere to write a scenario: report it unconfirmed
	} else {
		defer os.RemoveAll(tmp)
	}
	dies := func(sc scenarios.Scenario) (death, bool) {
		budget--
		file := filepath.Join(tmp, "crash.scenario")
		if err := os.WriteFile(file, []byte(sc.String()), 0o644); err != nil {
			return death{}, false
		}
		r, err := runChild(tg, EnvReplay+"="+file, EnvRepeat+"=1")
		if err != nil || r.result != nil {
			return death{}, false
		}
		rd := classify(r)
		return rd, rd.kind == d.kind
	}
	// The last scenario is the likely culprit; a goroutine left by an
	// earlier one may be the real one.
	var culprit *scenarios.Scenario
	for i := len(c.progress) - 1; i >= 0 && i >= len(c.progress)-5 && budget > 0; i-- {
		sc, err := scenarios.Parse(c.progress[i])
		if err != nil {
			continue
		}
		if rd, ok := dies(sc); ok {
			culprit, d = &sc, rd
			break
		}
	}
	res := &harness.Result{}
	v := &harness.Violation{Class: harness.ClassPanic, Clause: harness.ClauseCrash, Call: "the task",
		Got: d.got, Want: "a task that never takes its process down", Evidence: d.evidence}
	if d.kind == "stuck" {
		v.Class, v.Clause = harness.ClassHang, harness.ClauseRealTime
	}
	res.Violations = []*harness.Violation{v}
	if culprit == nil {
		if len(c.progress) > 0 {
			sc, _ := scenarios.Parse(c.progress[len(c.progress)-1])
			res.Scenario = sc
		}
		v.Got += " (not reproduced by running the last scenarios alone: it may need the ones before it)"
		return &harness.Failure{Result: res, Name: "a crashed child", Command: repro}
	}
	sc := *culprit
	for shrunk := true; shrunk && budget > 0; {
		shrunk = false
		for _, cand := range harness.Simpler(sc) {
			if budget <= 0 {
				break
			}
			if _, ok := dies(cand); ok {
				sc, shrunk = cand, true
				break
			}
		}
	}
	res.Scenario = sc
	f := &harness.Failure{Result: res, Name: "a crashed child", Command: repro}
	if dir := tg.corpus; dir != "" {
		if path, err := harness.SaveScenario(dir, res, repro); err == nil {
			f.File, f.Command = path, harness.ReplayCommand(repro, path)
		} else {
			f.SaveErr = err
		}
	}
	return f
}
