package suites

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/leakcheck"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/internal/bridge"
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
// it. Once a subtest stops on a setup diagnosis (harness.ErrSetup), or on
// a hostile task (a busy loop, hang [real-time-limit]; a bomb, leak
// [limits]) whose goroutines nothing can stop, the ones after it are not
// run: each skips with one line naming it. A subtest that passed without
// checking what it was meant to (no time left to start a child, or to
// explore; automatic fault points wanted but not built) skips with one
// line saying why and what to do. After the subtests, a goroutine of
// reaptest's own that the check started outside its scenarios and left
// running fails t as a harness bug, never the task's. With
// REAPTEST_REPLAY set it replays that scenario file instead, in t itself
// (REAPTEST_REPEAT times at most, until it fails).
func TestTask(t *testing.T, newTask harness.NewTask, opts ...harness.Option) {
	t.Helper()
	if err := envUsage(); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(EnvReplay) != "" {
		if f := checkT(t, newTask, opts...); f != nil {
			t.Fatal("\n" + f.Error())
		}
		return
	}
	if !inChild() {
		before := leakcheck.IDs()
		defer leftRunning(t, before)
	}
	corpus := corpusDir(t.Name())
	var s *session // one child for all the subtests, when isolated
	if !inChild() && isolated(opts) {
		if err := replayUsage(); err != nil {
			t.Fatal(err)
		}
		s = newSession(t)
		defer s.wait()
		if childrenOr1(t, opts) > 1 {
			s.names = s.names[:len(s.names)-1] // explore runs in children of its own (parallel.go)
			s.parallel = true
		}
		d, _ := t.Deadline()
		s.auto = autoFor(newTask, opts, d)
		s.soak = soakOf(opts)
		if note := s.auto.offNote(); note != "" {
			t.Log(note)
		}
	}
	var failed []string
	stopped := "" // the note the subtests skip with once one stopped the rest (bridge.StopNote)
	for _, n := range scenarios.Named() {
		t.Run(n.Name, func(t *testing.T) {
			t.Helper() // reports are located at the caller's TestTask line
			if stopped != "" {
				t.Skip(stopped)
			}
			var f *harness.Failure
			if s != nil {
				f = s.auto.mark(s.result(t))
				s.skipUnchecked(t, f)
			} else {
				f = namedT(t, newTask, n, opts)
			}
			if f != nil || failedInChild(t.Name()) {
				failed = append(failed, n.Name)
			}
			if note := stopNote(t.Name(), f); note != "" {
				stopped = note
			}
			if f != nil {
				t.Fatal("\n" + f.Error())
			}
		})
	}
	parent := t
	t.Run("explore", func(t *testing.T) {
		t.Helper()
		if stopped != "" {
			t.Skip(stopped)
		}
		if len(failed) > 0 {
			t.Skipf("reaptest: not exploring while named scenarios fail (%s): fix those first", strings.Join(failed, ", "))
		}
		var f *harness.Failure
		if s != nil && !s.parallel {
			f = s.auto.mark(s.result(t))
			s.skipUnchecked(t, f)
		} else {
			f = checkIn(t, parent, newTask, append([]harness.Option{harness.Corpus(corpus)}, opts...)...)
		}
		if f != nil {
			t.Fatal("\n" + f.Error())
		}
	})
}

// session runs the subtests of one isolated TestTask in as few child
// processes as it can: one child runs every subtest -run selects, in turn,
// each writing its result; when a child dies in one, that one gets the
// crash report, and a new child runs the ones after it. The child runs in
// the background while the parent's subtests wait, each for its own
// result, which the parent reads from the child's journal as soon as the
// child has moved on to the next subtest: each subtest's time is the time
// the child spent on it, and the progress lines of a long check go to the
// subtest that is waiting for it.
type session struct {
	parent *testing.T
	names  []string      // the subtests, in order
	auto   autoChild     // the instrumented test binary the children run
	soak   time.Duration // how long explore soaks (scale.go)
	// parallel: explore runs in several children of its own, not in the
	// session's (parallel.go).
	parallel bool

	mu      sync.Mutex
	results map[string]*harness.Failure // by subtest name, once known; guarded by mu
	known   map[string]bool             // guarded by mu
	logs    map[string][]string         // what each subtest's check logged in the child; guarded by mu
	// unchecked holds, by subtest name, why a subtest that did not fail
	// checked nothing, or less than it was meant to (see notchecked.go).
	unchecked map[string]*bridge.NotChecked // guarded by mu
	run       *sessionRun                   // the child running, if any; guarded by mu
	waiting   *testing.T                    // the subtest waiting for a result; guarded by mu
	pending   []string                      // progress lines for the waiting subtest to log; guarded by mu
	changed   chan struct{}                 // closed when a result becomes known; guarded by mu
}

// sessionRun is one child of a session, running in the background.
type sessionRun struct {
	todo []string       // the subtests it runs, full names, in order
	tg   target         // how it was started
	done chan struct{}  // closed once it has ended
	c    *child         // set before done is closed
	err  error          // set before done is closed
	seen map[string]int // journal results applied while it ran; guarded by the session's mu
	// found: the parent said that explore found a failure (foundFormat);
	// used by live only.
	found bool
}

func newSession(t *testing.T) *session {
	s := &session{parent: t, results: map[string]*harness.Failure{}, known: map[string]bool{}, logs: map[string][]string{},
		unchecked: map[string]*bridge.NotChecked{}, changed: make(chan struct{})}
	for _, n := range scenarios.Named() {
		s.names = append(s.names, n.Name)
	}
	s.names = append(s.names, "explore")
	return s
}

// result returns the failure of the subtest t, running children until it
// is known; an error fails t.
func (s *session) result(t *testing.T) *harness.Failure {
	t.Helper()
	name := t.Name()
	for {
		s.mu.Lock()
		if s.known[name] {
			f, logs := s.results[name], s.logs[name]
			s.waiting = nil
			s.mu.Unlock()
			for _, l := range logs {
				t.Log(l)
			}
			return f
		}
		r := s.run
		if r == nil {
			var err error
			if r, err = s.start(); err != nil {
				s.mu.Unlock()
				t.Fatal(err)
			}
		}
		s.waiting = t
		changed := s.changed
		lines := s.pending
		s.pending = nil
		s.mu.Unlock()
		for _, l := range lines {
			t.Log(l) // from t's goroutine: located at the user's TestTask line
		}
		select {
		case <-changed:
		case <-r.done:
			s.mu.Lock()
			if s.run == r {
				s.run = nil
				err := s.finish(t, r)
				s.mu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
			} else {
				s.mu.Unlock()
			}
		}
	}
}

// wait waits for the child running, if any, to end, and forgets it: no
// goroutine of the session outlives its test.
func (s *session) wait() {
	s.mu.Lock()
	r := s.run
	s.run, s.waiting = nil, nil
	s.mu.Unlock()
	if r != nil {
		<-r.done
	}
}

// skipUnchecked skips the subtest t, which did not fail (f is nil), with
// the one line that says why it checked less than it was meant to, if it
// did.
func (s *session) skipUnchecked(t *testing.T, f *harness.Failure) {
	t.Helper()
	s.mu.Lock()
	nc := s.unchecked[t.Name()]
	s.mu.Unlock()
	if f == nil && nc != nil {
		t.Skip(nc.Reason)
	}
}

// explores reports whether the subtest name (a full name) is the one that
// explores.
func (s *session) explores(name string) bool { return name == s.parent.Name()+"/explore" }

// logf hands a progress line to the subtest waiting for a result, which
// logs it.
func (s *session) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, fmt.Sprintf(format, args...))
	s.notify()
}

// notify wakes the subtest waiting for a result. mu is held.
func (s *session) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// start starts a child, in the background, for the subtests wanted and
// not yet known. mu is held.
func (s *session) start() (*sessionRun, error) {
	parent := s.parent.Name()
	var todo, quoted []string
	for _, n := range s.names {
		if full := parent + "/" + n; !s.known[full] && wantSubtest(parent, n) {
			todo = append(todo, full)
			quoted = append(quoted, regexp.QuoteMeta(n))
		}
	}
	if len(todo) == 0 {
		return nil, fmt.Errorf("reaptest: no subtest left to run")
	}
	tg := testTarget(s.parent, "")
	tg.auto, tg.soak = s.auto, s.soak
	tg.args = []string{"-test.run=" + runPattern(parent) + "/^(" + strings.Join(quoted, "|") + ")$"}
	tg.logf, tg.tb = s.logf, nil
	r := &sessionRun{todo: todo, done: make(chan struct{}), seen: map[string]int{}}
	tg.tick = func(dir string) { s.live(r, dir) }
	r.tg = tg
	s.run = r
	go func() {
		defer close(r.done)
		r.c, r.err = runChild(r.tg)
	}()
	return r, nil
}

// live applies, while r's child runs, the results in its journal of the
// subtests it has moved on from (the one it runs now may still crash or
// race after its verdict; the last waits for the child's end).
func (s *session) live(r *sessionRun, dir string) {
	current, results := readJournal(filepath.Join(dir, "journal"))
	if s.explores(current) && !r.found && logFound() {
		if name, began, at, ok := foundIn(filepath.Join(dir, "journal")); ok && s.explores(name) {
			r.found = true
			ran := uint64(0)
			if pf, err := os.Open(filepath.Join(dir, "progress")); err == nil {
				ran = readMark(pf).count
				pf.Close()
			}
			s.logf(foundFormat, at.Sub(began).Round(time.Millisecond), ran)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	woke := false
	for i, n := range r.todo {
		res := results[n]
		if res == nil || n == current || i == len(r.todo)-1 || s.known[n] || res.Usage != "" {
			continue
		}
		s.apply(r, n, res)
		woke = true
	}
	if woke {
		s.notify()
	}
}

// apply records what the child found for the subtest n. mu is held.
func (s *session) apply(r *sessionRun, n string, res *childResult) {
	r.seen[n]++
	s.known[n], s.logs[n] = true, res.Logs
	switch {
	case !res.Pass:
		s.results[n] = res.failure(reproCommand(n))
	case s.explores(n) && (r.tg.replayOnly || res.Nothing):
		s.unchecked[n] = exploredNothing(res.Ran)
	case s.explores(n) && s.auto.off != "":
		s.unchecked[n] = s.auto.uninstrumented(res.Ran)
	}
}

// finish records what r's ended child found, at least for one of its
// subtests, from t, the subtest waiting. mu is held; it is released
// while a crash is confirmed in more children.
func (s *session) finish(t *testing.T, r *sessionRun) error {
	t.Helper()
	defer s.notify()
	parent := s.parent.Name()
	c, err := r.c, r.err
	todo := r.todo
	switch {
	case errors.Is(err, errOutOfTime):
		for _, n := range todo {
			s.known[n], s.unchecked[n] = true, notRun(r.tg)
		}
		return nil
	case err != nil:
		return fmt.Errorf("reaptest: could not start a child process for the isolated check: %w", err)
	}
	r.tg.replayOnly = c.replayOnly
	progress := false
	for _, n := range todo {
		res := c.results[n]
		if res == nil {
			continue
		}
		progress = true
		if res.Usage != "" {
			s.known[n] = true
			return errors.New(res.Usage)
		}
		if r.seen[n] == 0 {
			s.apply(r, n, res)
		}
	}
	// The child died in a subtest, or raced after its verdict: the crash
	// machinery confirms and shrinks it, in children that replay the
	// parent test.
	died := c.exit != nil && (c.current != "" && c.results[c.current] == nil || strings.Contains(c.stderr, raceHeader))
	switch {
	case c.timedOut && c.results[c.current] == nil:
		for _, n := range todo {
			if c.results[n] == nil {
				s.known[n], s.unchecked[n] = true, notFinished(c.ran)
			}
		}
		return nil
	case died && c.current != "":
		sub := testTarget(s.parent, reproCommand(c.current))
		sub.logf, sub.auto, sub.tb = t.Logf, s.auto, t
		s.mu.Unlock()
		f := crashed(sub, c)
		s.mu.Lock()
		if errors.Is(f, harness.ErrSetup) {
			// State an earlier subtest made in this child killed it: the
			// subtest alone would pass, those before it with it do not.
			f.Command = reproSubtests(parent, ranThrough(todo, c.current))
		}
		s.results[c.current], s.known[c.current] = f, true
		delete(s.unchecked, c.current)
		return nil
	case !progress && c.exit != nil:
		return fmt.Errorf("reaptest: the isolated check's child ended (%v) without running %s; its output:\n%s", c.exit, strings.Join(todo, ", "), excerpt(c.stderr))
	case !progress:
		for _, n := range todo { // not run: skipped in the child
			s.known[n] = true
		}
	}
	return nil
}

// ranThrough returns the subtests of todo, in order, up to and including
// current.
func ranThrough(todo []string, current string) []string {
	for i, n := range todo {
		if n == current {
			return todo[:i+1]
		}
	}
	return []string{current}
}

// reproSubtests returns the go test command that reruns the subtests subs
// (full names) of the test parent, together in one process.
func reproSubtests(parent string, subs []string) string {
	if len(subs) == 1 {
		return reproCommand(subs[0])
	}
	quoted := make([]string, len(subs))
	for i, n := range subs {
		quoted[i] = regexp.QuoteMeta(strings.TrimPrefix(n, parent+"/"))
	}
	return fmt.Sprintf("go test%s %s -count=1 -run '%s/^(%s)$'", buildFlags(), packagePath(), runPattern(parent), strings.Join(quoted, "|"))
}

// wantSubtest reports whether -test.run selects the subtest sub of the test
// parent, as the testing package would (each /-separated element of the
// pattern matches one level of the name).
func wantSubtest(parent, sub string) bool {
	fl := flag.Lookup("test.run")
	if fl == nil || fl.Value.String() == "" {
		return true
	}
	elems := splitPattern(fl.Value.String())
	level := strings.Count(parent, "/") + 1
	if level >= len(elems) {
		return true
	}
	re, err := regexp.Compile(elems[level])
	return err != nil || re.MatchString(sub)
}

// splitPattern splits a -test.run pattern at the slashes outside brackets
// and parentheses.
func splitPattern(p string) []string {
	var elems []string
	depth, start := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[', '(':
			depth++
		case ']', ')':
			depth = max(0, depth-1)
		case '\\':
			i++
		case '/':
			if depth == 0 {
				elems = append(elems, p[start:i])
				start = i + 1
			}
		}
	}
	return append(elems, p[start:])
}

// namedT runs one named scenario under t, in a child when isolated.
func namedT(t *testing.T, newTask harness.NewTask, n scenarios.NamedScenario, opts []harness.Option) *harness.Failure {
	t.Helper()
	repro := reproCommand(t.Name())
	return isolatedT(t, nil, newTask, repro, false, opts, func(extra []harness.Option) (*harness.Failure, error) {
		f := harness.Replay(Bubble(t), newTask, n.Scenario, 1, append(append([]harness.Option{harness.Reproduce(repro)}, extra...), opts...)...)
		if f != nil {
			f.Name = "named scenario " + n.Name
		}
		return f, nil
	})
}

// isolatedT runs check under t: in a child process when isolation is on
// (the child runs check itself and tells the parent what it found), else
// in this process. extra are the options a child adds. in, if not nil, is
// the test t is a subtest of whose children replay a crash (target's
// replayIn). A usage error fails t; it is never a verdict on the task.
func isolatedT(t, in *testing.T, newTask harness.NewTask, repro string, explores bool, opts []harness.Option, check func(extra []harness.Option) (*harness.Failure, error)) *harness.Failure {
	t.Helper()
	if passOver(t.Name()) {
		return nil // a child started for another test
	}
	if err := envUsage(); err != nil {
		t.Fatal(err)
	}
	if !inChild() && isolated(opts) {
		if err := replayUsage(); err != nil {
			t.Fatal(err)
		}
		tg := testTarget(t, repro)
		tg.auto = autoFor(newTask, opts, tg.deadline)
		tg.explores = explores
		tg.soak = soakOf(opts)
		tg.children = childrenOr1(t, opts) // parallel.go
		if in != nil {
			p := testTarget(in, "")
			tg.replayIn = &p
		}
		f, err := checkIsolated(tg)
		var nc *bridge.NotChecked
		if errors.As(err, &nc) {
			t.Skip(nc.Reason)
		}
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if inChild() {
		warmUpOnce(newTask)
		childBegin(t.Name())
	}
	extra := childOptions()
	var only *replayHere // in this process, with no time left to explore
	nothing := -1        // in this process: the deadline stopped the check after this many fixed scenarios, before it explored any
	if explores && !inChild() {
		d, _ := t.Deadline()
		if only = replayOnlyHere(d, soakOf(opts)); only != nil {
			extra = append(extra, only.options()...)
		}
		extra = append(extra, hx.OnNothing(func(ran int) { nothing = ran }))
	}
	var f *harness.Failure
	var err error
	if inChild() {
		f, err = check(extra)
	} else {
		f, err = located(t, check, extra)
	}
	if inChild() {
		// The parent reports; the child's test passes, printing nothing.
		childDone(t.Name(), f, err)
		if f != nil {
			childFailed.Store(t.Name(), bridge.StopNote(t.Name(), f))
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if nc := only.skip(); f == nil && nc != nil {
		t.Skip(nc.Reason)
	}
	if f == nil && nothing >= 0 {
		t.Skip(exploredNothing(nothing).Reason)
	}
	return f
}

// located runs check in this process, in a goroutine of its own, while
// t's goroutine logs the lines the check logs (harness.Logf), as they
// come: each is then located where t's helpers lead, at the user's
// TestTask (or ExploreAround, ExploreDump) line, as an isolated check's
// lines are (session.result), not at the harness's line that logged it.
func located(t *testing.T, check func(extra []harness.Option) (*harness.Failure, error), extra []harness.Option) (*harness.Failure, error) {
	t.Helper()
	lines := make(chan string)
	type result struct {
		f        *harness.Failure
		err      error
		panicked any // a panic of the check's goroutine, re-raised on t's
		stack    []byte
	}
	done := make(chan result, 1)
	go func() {
		var r result
		// Sent also when the check's goroutine ends in t.FailNow (a
		// bubble's test failed): t has failed, and says why.
		defer func() { done <- r }()
		defer func() {
			if p := recover(); p != nil {
				r.panicked, r.stack = p, debug.Stack()
			}
		}()
		logf := func(format string, args ...any) { lines <- fmt.Sprintf(format, args...) }
		r.f, r.err = check(append(extra[:len(extra):len(extra)], harness.Logf(logf)))
	}()
	for {
		select {
		case l := <-lines:
			t.Log(l)
		case r := <-done:
			if r.panicked != nil {
				// On t's goroutine, so that testing reports the test
				// that panicked, with the check's stack.
				panic(fmt.Sprintf("%v\n\ngoroutine of the check:\n%s", r.panicked, r.stack))
			}
			return r.f, r.err
		}
	}
}

// childFailed, in a child, holds the names of the checks that failed (the
// child reports them to its parent and passes), each with the note the
// checks after it skip with if its failure stops them (bridge.StopNote),
// else "".
var childFailed sync.Map

// failedInChild reports whether this is a child and the check name failed.
func failedInChild(name string) bool {
	_, failed := childFailed.Load(name)
	return failed
}

// stopNote returns the note the checks after name skip with, if its
// failure f (in a child: the one it reported to its parent) stops them.
func stopNote(name string, f *harness.Failure) string {
	if note := bridge.StopNote(name, f); note != "" {
		return note
	}
	note, _ := childFailed.Load(name)
	s, _ := note.(string)
	return s
}

// replayUsage checks REAPTEST_REPLAY and REAPTEST_REPEAT, if set, and the
// variables that scale a check out (scale.go), before a
// child is started for them.
func replayUsage() error {
	if err := scaleUsage(); err != nil {
		return err
	}
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
	repro := reproCommand(t.Name())
	return isolatedT(t, nil, newTask, repro, os.Getenv(EnvReplay) == "", opts, func(extra []harness.Option) (*harness.Failure, error) {
		if path := os.Getenv(EnvReplay); path != "" {
			return replayT(t, t.Logf, newTask, path, repro, append(extra, opts...))
		}
		return harness.ExploreAround(t.Name(), Bubble(t), newTask, sc, append(append(defaults(t, opts), extra...), opts...)...), nil
	})
}

// ExploreDump reads the goroutine dump of a hung process at path, turns the
// goroutines blocked in typeName's Reap, Wait, Delete or Kill into a
// starting scenario (harness.ScenarioFromDump), logs it, and explores
// around it as ExploreAround does.
func ExploreDump(t *testing.T, newTask harness.NewTask, path, typeName string, opts ...harness.Option) {
	t.Helper()
	sc, notes, err := dumpScenario(path, typeName)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		t.Logf("%s", n)
	}
	if f := exploreAround(t, newTask, sc, opts); f != nil {
		t.Fatal("\n" + f.Error())
	}
}

// dumpScenario reads the goroutine dump at path and returns the starting
// scenario of typeName's calls in it, and the lines to log: the scenario,
// and what it left out.
func dumpScenario(path, typeName string) (scenarios.Scenario, []string, error) {
	dump, err := readLimited(path, maxDump)
	if err != nil {
		return scenarios.Scenario{}, nil, err
	}
	sc, err := harness.ScenarioFromDump(dump, typeName)
	if err != nil {
		return scenarios.Scenario{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	notes := []string{fmt.Sprintf("starting scenario from %s:\n%s", path, sc)}
	if note := hx.DumpNote(dump, typeName); note != "" {
		notes = append(notes, "note: "+note)
	}
	return sc, notes, nil
}

// maxDump is the largest goroutine dump ExploreDump reads.
const maxDump = 64 << 20

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

// defaults are the options every go test entry point starts from, for a
// check given opts.
func defaults(t *testing.T, opts []harness.Option) []harness.Option {
	base := []harness.Option{
		harness.Reproduce(reproCommand(t.Name())),
		harness.Logf(t.Logf),
		harness.Corpus(corpusDir(t.Name())),
	}
	if d, ok := t.Deadline(); ok {
		tg := target{deadline: d, soak: soakOf(opts)}
		base = append(base, hx.Deadline(time.Now().Add(tg.timeLeft()*3/4)))
	}
	base, err := withScale(base) // REAPTEST_SHARD, _SEED, _SOAK (scale.go)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// replayT replays the scenario file at path under t (REAPTEST_REPLAY),
// and logs to logf (in a child, to its parent) a replay that did not
// fail, and how many times it ran (REAPTEST_REPEAT).
func replayT(t *testing.T, logf func(format string, args ...any), newTask harness.NewTask, path, repro string, opts []harness.Option) (*harness.Failure, error) {
	f, err := replay(Bubble(t), newTask, path, repro, opts)
	if err == nil && f == nil {
		if inChild() {
			logf = childLogs.logf
		}
		times, _ := repeat()
		logf("reaptest: replayed %s %d %s: no failure", path, times, plural(times, "time", "times"))
	}
	return f, err
}

// checkT runs harness.Check under t, or the replay REAPTEST_REPLAY asks
// for, and returns its failure.
func checkT(t *testing.T, newTask harness.NewTask, opts ...harness.Option) *harness.Failure {
	t.Helper()
	return checkIn(t, nil, newTask, opts...)
}

// checkIn is checkT for t, a subtest of in whose children replay a crash
// (TestTask's explore in children of its own), or of none (nil).
func checkIn(t, in *testing.T, newTask harness.NewTask, opts ...harness.Option) *harness.Failure {
	t.Helper()
	repro := reproCommand(t.Name())
	return isolatedT(t, in, newTask, repro, os.Getenv(EnvReplay) == "", opts, func(extra []harness.Option) (*harness.Failure, error) {
		if path := os.Getenv(EnvReplay); path != "" {
			return replayT(t, t.Logf, newTask, path, repro, append(extra, opts...))
		}
		return harness.Check(t.Name(), Bubble(t), newTask, append(append(defaults(t, opts), extra...), opts...)...), nil
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
	opts = append([]harness.Option{harness.Reproduce(hx.ReplayCommand(repro, path))}, opts...)
	if f, ok := raceReplay(bubble, newTask, sc, times, opts); ok {
		return f, nil
	}
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

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
