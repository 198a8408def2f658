package rt

import (
	"context"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/reaptest/reaptest/harness"
)

// Correct exit paths in styles other than "close a channel under a lock".

// Cond keeps the exit under a mutex and wakes waiters with Broadcast; a
// waiter's ctx wakes it through context.AfterFunc.
type Cond struct {
	mu     sync.Mutex
	cond   *sync.Cond
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
}

// NewCond builds a Cond task.
func NewCond(harness.Env) harness.Task {
	t := &Cond{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *Cond) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		t.cond.Broadcast()
	}
}

func (t *Cond) Wait(ctx context.Context) (harness.Exit, error) {
	stop := context.AfterFunc(ctx, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.cond.Broadcast()
	})
	defer stop()
	t.mu.Lock()
	defer t.mu.Unlock()
	for !t.reaped && ctx.Err() == nil {
		t.cond.Wait()
	}
	if t.reaped {
		return t.exit, nil
	}
	return harness.Exit{}, ctx.Err()
}

func (t *Cond) Delete(ctx context.Context) (harness.Exit, error) { return t.Wait(ctx) }

// Actor owns its state on one goroutine; every call is a message to it.
// Delete, once the exit is known, stops it.
type Actor struct {
	reaps   chan harness.Exit
	waits   chan chan harness.Exit
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// NewActor builds an Actor task and starts its goroutine.
func NewActor(harness.Env) harness.Task {
	a := &Actor{reaps: make(chan harness.Exit), waits: make(chan chan harness.Exit), stop: make(chan struct{}), stopped: make(chan struct{})}
	go a.loop()
	return a
}

func (a *Actor) loop() {
	defer close(a.stopped)
	var exit *harness.Exit
	var waiters []chan harness.Exit
	for {
		select {
		case e := <-a.reaps:
			if exit == nil {
				exit = &e
				for _, w := range waiters {
					w <- e // buffered: never blocks
				}
				waiters = nil
			}
		case w := <-a.waits:
			if exit != nil {
				w <- *exit
			} else {
				waiters = append(waiters, w)
			}
		case <-a.stop:
			return
		}
	}
}

func (a *Actor) Reap(e harness.Exit) {
	select {
	case a.reaps <- e:
	case <-a.stopped:
	}
}

func (a *Actor) Wait(ctx context.Context) (harness.Exit, error) {
	w := make(chan harness.Exit, 1)
	select {
	case a.waits <- w:
	case <-a.stopped:
		return harness.Exit{}, context.Canceled
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	select {
	case e := <-w:
		return e, nil
	case <-ctx.Done():
		select {
		case e := <-w:
			return e, nil
		default:
			return harness.Exit{}, ctx.Err()
		}
	}
}

func (a *Actor) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := a.Wait(ctx)
	if err != nil {
		return e, err
	}
	a.once.Do(func() { close(a.stop) })
	return e, nil
}

// Once closes its exit channel under sync.Once.
type Once struct {
	once sync.Once
	done chan struct{}
	exit harness.Exit // written once, inside once.Do, before done is closed
}

// NewOnce builds a Once task.
func NewOnce(harness.Env) harness.Task { return &Once{done: make(chan struct{})} }

func (t *Once) Reap(e harness.Exit) {
	t.once.Do(func() { t.exit = e; close(t.done) })
}

func (t *Once) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.done:
		return t.exit, nil
	case <-ctx.Done():
	}
	select {
	case <-t.done:
		return t.exit, nil
	default:
		return harness.Exit{}, ctx.Err()
	}
}

func (t *Once) Delete(ctx context.Context) (harness.Exit, error) { return t.Wait(ctx) }

// CAS publishes the exit with atomic.Pointer.CompareAndSwap; the winner
// closes the channel.
type CAS struct {
	exit atomic.Pointer[harness.Exit]
	done chan struct{}
}

// NewCAS builds a CAS task.
func NewCAS(harness.Env) harness.Task { return &CAS{done: make(chan struct{})} }

func (t *CAS) Reap(e harness.Exit) {
	if t.exit.CompareAndSwap(nil, &e) {
		close(t.done)
	}
}

func (t *CAS) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.done:
		return *t.exit.Load(), nil
	case <-ctx.Done():
	}
	if e := t.exit.Load(); e != nil {
		select {
		case <-t.done:
			return *e, nil
		default:
		}
	}
	return harness.Exit{}, ctx.Err()
}

func (t *CAS) Delete(ctx context.Context) (harness.Exit, error) { return t.Wait(ctx) }

// Group runs a watcher goroutine in an errgroup that Delete stops and
// waits for.
type Group struct {
	once   sync.Once
	done   chan struct{}
	exit   harness.Exit // written once, before done is closed
	cancel context.CancelFunc
	g      *errgroup.Group
	mu     sync.Mutex
	events int // guarded by mu: exits the watcher saw
}

// NewGroup builds a Group task and starts its watcher.
func NewGroup(harness.Env) harness.Task {
	ctx, cancel := context.WithCancel(context.Background())
	t := &Group{done: make(chan struct{}), cancel: cancel}
	t.g, ctx = errgroup.WithContext(ctx)
	t.g.Go(func() error {
		select {
		case <-t.done:
			t.mu.Lock()
			t.events++
			t.mu.Unlock()
		case <-ctx.Done():
		}
		return nil
	})
	return t
}

func (t *Group) Reap(e harness.Exit) {
	t.once.Do(func() { t.exit = e; close(t.done) })
}

func (t *Group) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.done:
		return t.exit, nil
	case <-ctx.Done():
	}
	select {
	case <-t.done:
		return t.exit, nil
	default:
		return harness.Exit{}, ctx.Err()
	}
}

func (t *Group) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.Wait(ctx)
	if err != nil {
		return e, err
	}
	t.cancel()
	return e, t.g.Wait()
}
