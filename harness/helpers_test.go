package harness_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reaptest/reaptest/harness"
)

// reaperEvent is an exit for a reaper to hand to its task.
type reaperEvent struct {
	b *base
	e harness.Exit
}

// reapLoop hands each exit it receives to its task, until exits closes.
func reapLoop(exits <-chan reaperEvent) {
	for ev := range exits {
		ev.b.Reap(ev.e)
	}
}

// reapers are process-wide reapers, each started lazily by the first task
// that needs it, under a package-level sync.Once, as a daemon's is. Each
// check here gets one of its own (newReaper): a reaper is left in the
// bubble of the scenario that started it, and a later check reaching it
// would crash the process.
var (
	reapersMu sync.Mutex
	reapers   = map[int64]*struct {
		once  sync.Once
		exits chan reaperEvent
	}{}
	reaperSeq atomic.Int64
)

// newReaper registers a process-wide reaper and returns its key.
func newReaper() int64 {
	k := reaperSeq.Add(1)
	reapersMu.Lock()
	defer reapersMu.Unlock()
	reapers[k] = &struct {
		once  sync.Once
		exits chan reaperEvent
	}{}
	return k
}

// sharedReaped is a correct task whose exits go through the process-wide
// reaper k, started by the first Reap of any task.
type sharedReaped struct {
	*base
	k int64
}

func (s sharedReaped) Reap(e harness.Exit) {
	reapersMu.Lock()
	r := reapers[s.k]
	reapersMu.Unlock()
	r.once.Do(func() {
		r.exits = make(chan reaperEvent)
		go reapLoop(r.exits)
	})
	r.exits <- reaperEvent{s.base, e}
}

// ownReaped is the same task with a reaper of its own, started by its
// first Reap under a sync.Once of the task and never stopped: one
// goroutine leaked per task.
type ownReaped struct {
	*base
	once  *sync.Once
	exits *chan reaperEvent
}

func newOwnReaped() ownReaped {
	return ownReaped{newBase(), new(sync.Once), new(chan reaperEvent)}
}

func (o ownReaped) Reap(e harness.Exit) {
	o.once.Do(func() {
		*o.exits = make(chan reaperEvent)
		go reapLoop(*o.exits)
	})
	*o.exits <- reaperEvent{o.base, e}
}

// A correct task whose reaper is started once per process, lazily, by
// the first scenario that needs it, gets a setup diagnosis in that
// scenario, not a leak: the reaper outlives it because it is shared, and
// belongs to its bubble. Run with detail, and Check, which runs without
// it until it finds something: neither runs another scenario in this
// process after it (one would reach the reaper and crash), and nothing is
// saved.
func TestProcessWideReaperIsSetup(t *testing.T) {
	lost := lostExit(t)
	for _, mode := range []string{"Run", "Check"} {
		t.Run(mode, func(t *testing.T) {
			k := newReaper()
			newTask := func(harness.Env) harness.Task { return sharedReaped{newBase(), k} }
			var v *harness.Violation
			var text string
			if mode == "Run" {
				res := harness.Run(bubble(t), newTask, lost)
				v, text = res.Primary(), fmt.Sprint(res.Violations)
				if errors.Is(res.Err(), harness.ErrLeak) {
					t.Errorf("Run: a leak verdict for the shared reaper:\n%s", text)
				}
			} else {
				f := harness.Check(t.Name(), bubble(t), newTask, harness.Checks(50), harness.Corpus(t.TempDir()))
				if f == nil {
					t.Fatal("Check passed, want a setup diagnosis of the shared reaper")
				}
				v, text = f.Primary(), f.Error()
				if errors.Is(f, harness.ErrLeak) || f.File != "" {
					t.Errorf("Check: a leak verdict or a saved scenario (%q) for the shared reaper:\n%s", f.File, text)
				}
			}
			if v == nil || v.Class != harness.ClassSetup || v.Clause != harness.ClauseOutsideBubble ||
				!strings.Contains(v.Got, "harness_test.reapLoop, started once per process") ||
				!strings.Contains(v.Got, "a sync.Once of the package-level reapers") ||
				!strings.Contains(v.Want, "NewTask") || !strings.Contains(v.Evidence, "reapLoop") {
				t.Errorf("%s: want a setup diagnosis naming the reaper, its Once and the way out, got:\n%s", mode, text)
			}
		})
	}
}

// The same reaper started per task, under a sync.Once of the task, and
// left running is a leak, with or without detail.
func TestPerTaskReaperLeaks(t *testing.T) {
	lost := lostExit(t)
	newTask := func(harness.Env) harness.Task { return newOwnReaped() }
	res := harness.Run(bubble(t), newTask, lost)
	if p := res.Primary(); p == nil || p.Class != harness.ClassLeak || !strings.Contains(p.Got, "reapLoop") {
		t.Errorf("Run: want leak [no-leak] in reapLoop, got %v", res.Violations)
	}
	f := harness.Check(t.Name(), bubble(t), newTask, harness.Checks(50), harness.Corpus(t.TempDir()))
	if f == nil || !errors.Is(f, harness.ErrLeak) || errors.Is(f, harness.ErrSetup) {
		t.Fatalf("Check: want a leak verdict, got:\n%v", f)
	}
}
