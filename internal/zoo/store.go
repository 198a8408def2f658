package zoo

// Style: a store and handles. A daemon keeps its tasks' records in a
// store keyed by pid (a sync.Map); the task a client holds is a handle
// that looks its record up on every call. Delete waits for the exit,
// removes the record, logs the event and returns, so a call that looks the record up
// after the removal (even while that Delete is still returning) gets
// ErrNotFound, as a `docker wait` racing `docker rm` gets "No such
// container".

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// record is one task's state in the store.
type record struct {
	proc   harness.Process
	once   sync.Once
	exited chan struct{} // closed by the first Reap, after exit is written
	exit   harness.Exit  // written once, before exited is closed
}

// store holds the records of one daemon, and the events it logs.
type store struct {
	records sync.Map // pid -> *record

	mu     sync.Mutex
	events []string // guarded by mu
}

// logEvent records an event of the daemon, as moby's LogContainerEvent.
func (s *store) logEvent(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, fmt.Sprintf(format, args...))
}

// handle is a client's task: the daemon's store and a pid.
type handle struct {
	store *store
	pid   int
}

func newStoreHandle(env harness.Env) harness.Task {
	s := &store{}
	pid := env.Process.Pid()
	s.records.Store(pid, &record{proc: env.Process, exited: make(chan struct{})})
	return &handle{store: s, pid: pid}
}

func (h *handle) lookup() (*record, error) {
	r, ok := h.store.records.Load(h.pid)
	if !ok {
		return nil, fmt.Errorf("pid %d: %w", h.pid, ErrNotFound)
	}
	return r.(*record), nil
}

func (h *handle) Reap(e harness.Exit) {
	r, err := h.lookup()
	if err != nil {
		return // deleted: the exit has no one to tell
	}
	r.once.Do(func() {
		r.exit = e
		close(r.exited)
	})
}

func (r *record) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-r.exited:
		return r.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (h *handle) Wait(ctx context.Context) (harness.Exit, error) {
	r, err := h.lookup()
	if err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	e, err := r.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (h *handle) Delete(ctx context.Context) (harness.Exit, error) {
	r, err := h.lookup()
	if err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w", err)
	}
	e, err := r.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	if h.store.records.CompareAndDelete(h.pid, r) {
		h.store.logEvent("destroy %d", h.pid)
	}
	return e, nil
}

func (h *handle) Kill(_ context.Context, sig syscall.Signal) error {
	r, err := h.lookup()
	if err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	select {
	case <-r.exited:
		return processDone("kill")
	default:
		return r.proc.Signal(sig)
	}
}
