package autopoint

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reaptest/reaptest/internal/hook"
)

// Lock waits that testing/synctest counts as durable.
//
// synctest does not count a goroutine waiting for a sync.Mutex as durably
// blocked, so while one waits for a lock whose holder sleeps (a simulated
// RPC), the bubble's clock cannot advance and the holder never wakes. The
// rewriter therefore turns mu.Lock() into Lock(id, &mu) and mu.Unlock()
// into Unlock(id, &mu) (and likewise for RWMutex and sync.Locker). Lock
// takes the lock with TryLock when it is free, which is all an uncontended
// lock costs; otherwise, inside a bubble, it parks on a channel made in
// the bubble (durable), one per lock and bubble, which the instrumented
// Unlock closes.
//
// An Unlock the rewriter does not see (the relock and unlock inside
// sync.Cond.Wait, code that is not instrumented, a method value) closes no
// channel: a parked waiter also wakes on a virtual timer, after 1ms
// (hook.PollFirst), then twice as long each time, and tries again. A
// waiter that has waited 63ms of virtual time (hook.PollGiveUp) on its
// timer alone (no instrumented Unlock of its lock in between) gives up
// and blocks as sync does, which freezes the bubble again: a real lock cycle, or a
// holder that waits for something that never comes, is then the stall
// the harness's watchdog judges as a deadlock, instead of a bubble whose
// clock the pollers keep moving.
//
// Outside any bubble (package init, a test with no scenario) a lock is
// taken as sync takes it.

// park is the waiters of one lock in one bubble.
type park struct {
	bubble int64
	ch     chan struct{} // made in the bubble by a waiter; closed by an Unlock there; nil once closed
	n      int           // waiters parked
}

var (
	parkMu sync.Mutex
	parks  map[any][]*park // guarded by parkMu; the lock's waiters, one entry per bubble; an entry goes when its last waiter does
	parked atomic.Int32    // waiters parked on every lock: an Unlock looks no further while it is 0
)

// Lock is m.Lock() in instrumented code: it passes the point id, then
// takes m, waiting durably inside a synctest bubble.
func Lock(id uint32, m *sync.Mutex) {
	P(id)
	if !m.TryLock() {
		lockSlow(m, m.TryLock, m.Lock)
	}
}

// Unlock is m.Unlock() in instrumented code: it passes the point id,
// unlocks m and wakes the waiters Lock parked on it in the caller's
// bubble.
func Unlock(id uint32, m *sync.Mutex) {
	P(id)
	m.Unlock()
	if parked.Load() != 0 {
		wake(m)
	}
}

// RWLock is m.Lock() of a sync.RWMutex in instrumented code (see Lock).
func RWLock(id uint32, m *sync.RWMutex) {
	P(id)
	if !m.TryLock() {
		lockSlow(m, m.TryLock, m.Lock)
	}
}

// RWUnlock is m.Unlock() of a sync.RWMutex in instrumented code (see
// Unlock).
func RWUnlock(id uint32, m *sync.RWMutex) {
	P(id)
	m.Unlock()
	if parked.Load() != 0 {
		wake(m)
	}
}

// RLock is m.RLock() in instrumented code (see Lock).
func RLock(id uint32, m *sync.RWMutex) {
	P(id)
	if !m.TryRLock() {
		lockSlow(m, m.TryRLock, m.RLock)
	}
}

// RUnlock is m.RUnlock() in instrumented code (see Unlock).
func RUnlock(id uint32, m *sync.RWMutex) {
	P(id)
	m.RUnlock()
	if parked.Load() != 0 {
		wake(m)
	}
}

// UnlockThen is Unlock(id, m) followed by the point then: the rewriter
// gives an unlock that is a statement of its own a point after it
// ("task.go:74 unlocked"), where the goroutine has let go of the lock
// and usually holds none, so that a fault can open a window there.
func UnlockThen(id, then uint32, m *sync.Mutex) {
	Unlock(id, m)
	P(then)
}

// RWUnlockThen is RWUnlock(id, m) followed by the point then (see
// UnlockThen).
func RWUnlockThen(id, then uint32, m *sync.RWMutex) {
	RWUnlock(id, m)
	P(then)
}

// RUnlockThen is RUnlock(id, m) followed by the point then (see
// UnlockThen).
func RUnlockThen(id, then uint32, m *sync.RWMutex) {
	RUnlock(id, m)
	P(then)
}

// LockerUnlockThen is LockerUnlock(id, l) followed by the point then
// (see UnlockThen).
func LockerUnlockThen(id, then uint32, l sync.Locker) {
	LockerUnlock(id, l)
	P(then)
}

// LockerLock is l.Lock() of a sync.Locker in instrumented code: Lock or
// RWLock when l is a *sync.Mutex or a *sync.RWMutex, l.Lock() otherwise.
func LockerLock(id uint32, l sync.Locker) {
	switch m := l.(type) {
	case *sync.Mutex:
		Lock(id, m)
	case *sync.RWMutex:
		RWLock(id, m)
	default:
		P(id)
		l.Lock()
	}
}

// LockerUnlock is l.Unlock() of a sync.Locker in instrumented code (see
// LockerLock).
func LockerUnlock(id uint32, l sync.Locker) {
	switch m := l.(type) {
	case *sync.Mutex:
		Unlock(id, m)
	case *sync.RWMutex:
		RWUnlock(id, m)
	default:
		P(id)
		l.Unlock()
	}
}

// lockSlow takes a lock that try could not take: as lock does outside a
// bubble; inside one, parked on the lock's channel for the bubble and a
// timer, trying again each time either wakes it.
func lockSlow(key any, try func() bool, lock func()) {
	b := hook.Bubble()
	if b == 0 {
		lock()
		return
	}
	if spin(try) {
		return
	}
	wait := hook.PollFirst
	var waited time.Duration // on the timer alone, since the last Unlock seen
	var timer *time.Timer    // made in the bubble: a wait on it is durable
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		ch, p := register(key, b)
		if try() { // an Unlock between the last try and register closed nothing
			unregister(key, p)
			return
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-ch:
			waited, wait = 0, hook.PollFirst
			if !timer.Stop() { // a module before go1.23 has timers that buffer
				select {
				case <-timer.C:
				default:
				}
			}
		case <-timer.C:
			waited += wait
			wait *= 2
		}
		unregister(key, p)
		if try() || spin(try) {
			return
		}
		if waited >= hook.PollGiveUp {
			lock()
			return
		}
	}
}

// spins is how many turns a waiter yields, trying the lock, before it
// parks: a holder that runs in real time (a goroutine of no bubble, such
// as a process-wide helper, whose Unlock cannot wake a parked waiter; or
// one of the bubble that has not blocked yet) releases the lock within a
// few of its turns, and while the waiter is parked the bubble's clock may
// race ahead of it (a Reap held 1s of virtual time by a helper's yields).
// A holder that sleeps in virtual time does not release it here, and the
// waiter parks.
const spins = 64

// spin yields up to spins times, trying the lock after each; it reports
// whether it took it.
func spin(try func() bool) bool {
	for range spins {
		runtime.Gosched()
		if try() {
			return true
		}
	}
	return false
}

// register parks a waiter of key in bubble b and returns the channel to
// wait on.
func register(key any, b int64) (chan struct{}, *park) {
	parkMu.Lock()
	defer parkMu.Unlock()
	var p *park
	for _, q := range parks[key] {
		if q.bubble == b {
			p = q
			break
		}
	}
	if p == nil {
		if parks == nil {
			parks = map[any][]*park{}
		}
		p = &park{bubble: b}
		parks[key] = append(parks[key], p)
	}
	if p.ch == nil {
		p.ch = make(chan struct{}) // by a goroutine of bubble b: it belongs to b
	}
	p.n++
	parked.Add(1)
	return p.ch, p
}

// unregister removes a waiter register parked, and the lock's entry for
// its bubble with the last one.
func unregister(key any, p *park) {
	parkMu.Lock()
	defer parkMu.Unlock()
	parked.Add(-1)
	if p.n--; p.n > 0 {
		return
	}
	ps := parks[key]
	for i, q := range ps {
		if q == p {
			ps = append(ps[:i], ps[i+1:]...)
			break
		}
	}
	if len(ps) == 0 {
		delete(parks, key)
	} else {
		parks[key] = ps
	}
}

// wake wakes the waiters parked on key in the caller's bubble. Waiters of
// other bubbles (a lock shared through package-level state) are left to
// their timers: a channel of another bubble is fatal to touch.
func wake(key any) {
	parkMu.Lock()
	n := len(parks[key])
	parkMu.Unlock()
	if n == 0 {
		return
	}
	b := hook.Bubble()
	if b == 0 {
		return
	}
	parkMu.Lock()
	defer parkMu.Unlock()
	for _, p := range parks[key] {
		if p.bubble == b && p.ch != nil {
			close(p.ch)
			p.ch = nil
		}
	}
}

// parkedNow returns the number of goroutines parked in Lock, RLock and
// their kin, in every bubble, and the number of locks they wait for.
func parkedNow() (waiters, locks int) {
	parkMu.Lock()
	defer parkMu.Unlock()
	return int(parked.Load()), len(parks)
}

// CondLocker is the Locker of sync.NewCond(l) in instrumented code:
// sync.NewCond(CondLocker(&mu)). For a *sync.Mutex or *sync.RWMutex it
// returns a Locker whose Lock and Unlock are Lock's and Unlock's, with no
// point, so that the unlock and the relock inside sync.Cond.Wait, which
// the rewriter cannot see, wake parked waiters and wait durably; any
// other l is returned as it is.
func CondLocker(l sync.Locker) sync.Locker {
	switch m := l.(type) {
	case *sync.Mutex:
		return condMutex{m}
	case *sync.RWMutex:
		return condRWMutex{m}
	}
	return l
}

// condMutex is a *sync.Mutex whose waits are durable (see CondLocker).
type condMutex struct{ m *sync.Mutex }

func (c condMutex) Lock() {
	if !c.m.TryLock() {
		lockSlow(c.m, c.m.TryLock, c.m.Lock)
	}
}

func (c condMutex) Unlock() {
	c.m.Unlock()
	if parked.Load() != 0 {
		wake(c.m)
	}
}

// condRWMutex is a *sync.RWMutex whose waits are durable (see
// CondLocker).
type condRWMutex struct{ m *sync.RWMutex }

func (c condRWMutex) Lock() {
	if !c.m.TryLock() {
		lockSlow(c.m, c.m.TryLock, c.m.Lock)
	}
}

func (c condRWMutex) Unlock() {
	c.m.Unlock()
	if parked.Load() != 0 {
		wake(c.m)
	}
}
