package harness_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
)

// poller is a correct task that learns of the exit by polling its state
// every interval instead of waiting on a channel, as code built on a
// state snapshot does (moby's daemon polled container state this way in
// places).
type poller struct {
	env   harness.Env
	every time.Duration

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	deleted bool         // guarded by mu
}

func newPoller(every time.Duration) harness.NewTask {
	return func(env harness.Env) harness.Task { return &poller{env: env, every: every} }
}

func (p *poller) Reap(e harness.Exit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reaped {
		p.reaped, p.exit = true, e
	}
}

// poll returns the exit once it is reaped, polling every p.every, or ctx's
// error.
func (p *poller) poll(ctx context.Context) (harness.Exit, error) {
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	for {
		p.mu.Lock()
		e, ok := p.exit, p.reaped
		p.mu.Unlock()
		if ok {
			return e, nil
		}
		select {
		case <-ctx.Done():
			return harness.Exit{}, ctx.Err()
		case <-tick.C:
		}
	}
}

func (p *poller) Wait(ctx context.Context) (harness.Exit, error) { return p.poll(ctx) }

func (p *poller) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := p.poll(ctx)
	if err != nil {
		return e, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deleted = true
	return e, nil
}

func (p *poller) Kill(_ context.Context, sig syscall.Signal) error {
	p.mu.Lock()
	reaped := p.reaped
	p.mu.Unlock()
	if reaped {
		return fmt.Errorf("kill: %w", os.ErrProcessDone)
	}
	return p.env.Process.Signal(sig)
}

// Correct tasks that poll are not hangs, however fine their interval: a
// scenario whose virtual clock keeps advancing is not a busy loop. The
// finer the interval, the more real time a scenario takes (every tick is a
// wake-up), so the finer pollers explore fewer scenarios here;
// BenchmarkPoller times 1,000.
func TestPollersPass(t *testing.T) {
	for _, tt := range []struct {
		every  time.Duration
		checks int // 0: the named scenarios only
	}{{time.Millisecond, 300}, {100 * time.Microsecond, 0}, {10 * time.Microsecond, 0}} {
		t.Run(tt.every.String(), func(t *testing.T) {
			if tt.checks > 0 {
				if f := harness.Check(t.Name(), bubble(t), newPoller(tt.every), harness.Checks(tt.checks)); f != nil {
					t.Fatalf("a task polling every %s fails:\n%s", tt.every, f)
				}
				return
			}
			for _, n := range scenarios.Named() {
				if res := harness.Run(bubble(t), newPoller(tt.every), n.Scenario); res.Failed() {
					t.Errorf("%s: a task polling every %s fails:\n%s", n.Name, tt.every, res.Report(""))
				}
			}
		})
	}
}

// longPoll keeps three polling calls waiting a virtual second for an exit
// that never comes: 300,000 ticks at 10µs, far more real time than a
// scenario of channel waits takes.
var longPoll = `process exit=never
monitor lost
client1: wait ctx=timeout:1s
client2: wait
client3: delete ctx=cancel:1s
`

// A scenario that outlasts its real-time limit while virtual time keeps
// advancing gets more time: the 10µs poller passes with a 150ms limit,
// and so does every other poller. A busy loop under the same limit is
// still a hang (TestRunReportsBusyLoop).
func TestPollingIsNotABusyLoop(t *testing.T) {
	sc, err := scenarios.Parse(longPoll)
	if err != nil {
		t.Fatal(err)
	}
	for _, every := range []time.Duration{10 * time.Microsecond, 100 * time.Microsecond, time.Millisecond} {
		var beats atomic.Int32
		start := time.Now()
		res := harness.Run(bubble(t), newPoller(every), sc, harness.ScenarioTimeout(150*time.Millisecond),
			harness.Heartbeat(func() { beats.Add(1) }))
		if res.Failed() {
			t.Errorf("polling every %s:\n%s", every, res.Report(""))
		}
		// Every further limit is a heartbeat, for a supervisor watching.
		if took := time.Since(start); took > 3*150*time.Millisecond && beats.Load() == 0 {
			t.Errorf("polling every %s took %s and gave no heartbeat", every, took)
		}
		// Teardown began once nothing planned was left (the deadlines at
		// +1s), not at the one-minute horizon.
		for _, e := range res.Timeline {
			if e.Who == "teardown" && strings.HasPrefix(e.What, "teardown begins") && e.At > 2*time.Second {
				t.Errorf("polling every %s: %s at +%s, want it soon after +1.1s", every, e.What, e.At)
			}
		}
	}
}

// BenchmarkPoller times a 1,000-scenario check of each poller (one op is
// one check; the 10µs one is slow by nature: every tick is a wake-up).
func BenchmarkPoller(b *testing.B) {
	for _, every := range []time.Duration{time.Millisecond, 100 * time.Microsecond} {
		b.Run(every.String(), func(b *testing.B) {
			ok := testrun.WithBubble(func(bubble harness.Bubble) {
				for range b.N {
					if f := harness.Check(b.Name(), bubble, newPoller(every), harness.Checks(1000)); f != nil {
						b.Fatal(f)
					}
				}
			})
			if !ok {
				b.Fatal("the bubble's test failed")
			}
		})
	}
}
