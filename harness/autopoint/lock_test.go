package autopoint_test

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reaptest/reaptest/harness/autopoint"
	"github.com/reaptest/reaptest/internal/hook"
)

// noLeftovers checks that no waiter is left parked and that the map of
// parked locks is empty again.
func noLeftovers(t *testing.T) {
	t.Helper()
	if w, l := autopoint.Parked(); w != 0 || l != 0 {
		t.Errorf("after the bubble: %d waiters parked on %d locks, want none", w, l)
	}
}

// A waiter behind a holder that sleeps 5 ms of virtual time gets the lock
// at exactly +5ms: its wait is durable, so the clock advances, and the
// instrumented Unlock wakes it (not its timer, which would be at 1, 3, 7
// ms). With sync.Mutex.Lock the bubble would freeze.
func TestLockAcrossSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		start := time.Now()
		autopoint.Lock(0, &mu)
		got := make(chan time.Duration)
		go func() {
			autopoint.Lock(0, &mu)
			got <- time.Since(start)
			autopoint.Unlock(0, &mu)
		}()
		time.Sleep(5 * time.Millisecond)
		autopoint.Unlock(0, &mu)
		if d := <-got; d != 5*time.Millisecond {
			t.Errorf("the waiter got the lock at +%s, want +5ms", d)
		}
	})
	noLeftovers(t)
}

// The same for every wrapper: RWMutex's Lock behind RLock, RLock behind
// Lock, and a sync.Locker holding either.
func TestRWLockAcrossSleep(t *testing.T) {
	for _, tc := range []struct {
		name           string
		hold, release  func(*sync.RWMutex)
		take, giveBack func(*sync.RWMutex)
	}{
		{"lock behind rlock", func(m *sync.RWMutex) { autopoint.RLock(0, m) }, func(m *sync.RWMutex) { autopoint.RUnlock(0, m) },
			func(m *sync.RWMutex) { autopoint.RWLock(0, m) }, func(m *sync.RWMutex) { autopoint.RWUnlock(0, m) }},
		{"rlock behind lock", func(m *sync.RWMutex) { autopoint.RWLock(0, m) }, func(m *sync.RWMutex) { autopoint.RWUnlock(0, m) },
			func(m *sync.RWMutex) { autopoint.RLock(0, m) }, func(m *sync.RWMutex) { autopoint.RUnlock(0, m) }},
		{"locker", func(m *sync.RWMutex) { autopoint.LockerLock(0, m) }, func(m *sync.RWMutex) { autopoint.LockerUnlock(0, m) },
			func(m *sync.RWMutex) { autopoint.LockerLock(0, m) }, func(m *sync.RWMutex) { autopoint.LockerUnlock(0, m) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.RWMutex
				start := time.Now()
				tc.hold(&mu)
				got := make(chan time.Duration)
				go func() {
					tc.take(&mu)
					got <- time.Since(start)
					tc.giveBack(&mu)
				}()
				time.Sleep(5 * time.Millisecond)
				tc.release(&mu)
				if d := <-got; d != 5*time.Millisecond {
					t.Errorf("the waiter got the lock at +%s, want +5ms", d)
				}
			})
			noLeftovers(t)
		})
	}
}

// An Unlock the rewriter cannot see (inside sync.Cond.Wait) wakes no one:
// the parked waiter finds the lock free on its timer, after PollFirst.
func TestLockUnseenUnlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		cond := sync.NewCond(&mu)
		ready := false
		start := time.Now()
		autopoint.Lock(0, &mu)
		got := make(chan time.Duration, 1)
		go func() {
			autopoint.Lock(0, &mu) // parks: the main goroutine holds mu
			got <- time.Since(start)
			ready = true
			cond.Signal()
			autopoint.Unlock(0, &mu)
		}()
		synctest.Wait() // the goroutine is parked
		for !ready {
			cond.Wait() // unlocks mu inside sync, unseen
		}
		autopoint.Unlock(0, &mu)
		if d := <-got; d != hook.PollFirst {
			t.Errorf("the waiter got the lock at +%s, want +%s (its first timer)", d, hook.PollFirst)
		}
	})
	noLeftovers(t)
}

// A waiter whose timer alone has woken it for PollGiveUp of virtual time
// gives up and blocks as sync does (the bubble freezes until the lock is
// released from outside; a real lock cycle stays a stall the harness sees).
// Here the holder is outside the bubble and releases the lock in real
// time, which unblocks the waiter.
func TestLockGivesUp(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	waiting := make(chan time.Duration, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			autopoint.Lock(0, &mu)
			waiting <- time.Since(start)
			autopoint.Unlock(0, &mu)
		})
	}()
	// The bubble's virtual time runs through the polls at once; then the
	// waiter blocks in sync.Mutex.Lock, which no timer ends.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if w, _ := autopoint.Parked(); w == 0 && blockedInMutex() {
			break
		}
		if time.Now().After(deadline) {
			mu.Unlock()
			t.Fatal("the waiter did not give up and block in sync.Mutex.Lock within 10s of real time")
		}
		time.Sleep(time.Millisecond)
	}
	mu.Unlock()
	<-done
	if d := <-waiting; d != hook.PollGiveUp {
		t.Errorf("the waiter got the lock at +%s of virtual time, want +%s (when it gave up)", d, hook.PollGiveUp)
	}
	noLeftovers(t)
}

// Outside any bubble a contended lock is taken as sync takes it.
func TestLockOutsideBubble(t *testing.T) {
	var mu sync.Mutex
	autopoint.Lock(0, &mu)
	got := make(chan struct{})
	go func() {
		autopoint.Lock(0, &mu)
		close(got)
		autopoint.Unlock(0, &mu)
	}()
	for !blockedInMutex() {
		time.Sleep(time.Millisecond)
	}
	if w, _ := autopoint.Parked(); w != 0 {
		t.Errorf("%d waiters parked outside any bubble, want 0", w)
	}
	autopoint.Unlock(0, &mu)
	<-got
}

// Every bubble has its own channel for one lock: two bubbles contending
// for package-level locks do not touch each other's channels (which would
// be fatal), and each hands its lock over at +5ms.
func TestLockPerBubble(t *testing.T) {
	var shared sync.Mutex // held by one bubble at a time; the other waits
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				autopoint.Lock(0, &mu)
				got := make(chan time.Duration)
				start := time.Now()
				go func() {
					autopoint.Lock(0, &mu)
					got <- time.Since(start)
					autopoint.Unlock(0, &mu)
				}()
				time.Sleep(5 * time.Millisecond)
				autopoint.Unlock(0, &mu)
				if d := <-got; d != 5*time.Millisecond {
					t.Errorf("the waiter got the lock at +%s, want +5ms", d)
				}
				autopoint.Lock(0, &shared)
				time.Sleep(time.Millisecond)
				autopoint.Unlock(0, &shared)
			})
		})
	}
	wg.Wait()
	noLeftovers(t)
}

// blockedInMutex reports whether some goroutine of the process waits in
// sync.Mutex.Lock.
func blockedInMutex() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "[sync.Mutex.Lock")
}

// BenchmarkLockUncontended is the cost of an uncontended instrumented
// Lock and Unlock, with no hook installed: the wrappers (TryLock, no
// channel), and the method values the rewriter wrote before them.
func BenchmarkLockUncontended(b *testing.B) {
	var mu sync.Mutex
	b.Run("wrappers", func(b *testing.B) {
		for b.Loop() {
			autopoint.Lock(1, &mu)
			autopoint.Unlock(2, &mu)
		}
	})
	b.Run("method-values", func(b *testing.B) {
		for b.Loop() {
			autopoint.V(1, mu.Lock)()
			autopoint.V(2, mu.Unlock)()
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
}
