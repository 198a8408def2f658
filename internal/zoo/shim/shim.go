// Package shim is the zoo's task written as a package of its own, as a
// runtime's shim client would be: its own Exit type, its own errors, and
// no dependency on reaptest. Waiters register a channel with room for one
// in a map, as moby's State.Wait does; the first exit answers them all
// and unregisters them; a waiter whose ctx ends unregisters itself.
// zoo's adapter (shimadapter.go) plugs it into the harness.
package shim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// Exit is how a process ended.
type Exit struct {
	Pid      uint32
	Status   uint32
	ExitedAt time.Time
}

// Signaller is the process the task supervises.
type Signaller interface {
	Signal(syscall.Signal) error
}

// Errors of the shim, wrapped; test them with errors.Is.
var (
	ErrRunning  = errors.New("shim: process is running")
	ErrFinished = errors.New("shim: process already finished")
	ErrDeleted  = errors.New("shim: task deleted")
)

// Task is one process's exit path.
type Task struct {
	proc Signaller

	mu      sync.Mutex
	exit    *Exit                  // guarded by mu; set by the first SetExited
	waiters map[uint64]chan<- Exit // guarded by mu; room for one each
	nextID  uint64                 // guarded by mu
	deleted bool                   // guarded by mu
}

// New returns a Task for proc.
func New(proc Signaller) *Task {
	return &Task{proc: proc, waiters: map[uint64]chan<- Exit{}}
}

// SetExited records the process's exit; the first one stands.
func (t *Task) SetExited(e Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit != nil {
		return
	}
	t.exit = &e
	for id, c := range t.waiters {
		c <- e
		delete(t.waiters, id)
	}
}

// Wait returns the exit, waiting for it until ctx ends.
func (t *Task) Wait(ctx context.Context) (Exit, error) {
	t.mu.Lock()
	if t.exit != nil {
		e := *t.exit
		t.mu.Unlock()
		return e, nil
	}
	c := make(chan Exit, 1)
	id := t.nextID
	t.nextID++
	t.waiters[id] = c
	t.mu.Unlock()

	select {
	case e := <-c:
		return e, nil
	case <-ctx.Done():
		t.mu.Lock()
		delete(t.waiters, id)
		t.mu.Unlock()
		return Exit{}, ctx.Err()
	}
}

// Delete waits for the exit (until ctx ends), marks the task deleted and
// returns the exit.
func (t *Task) Delete(ctx context.Context) (Exit, error) {
	e, err := t.Wait(ctx)
	if err != nil {
		return Exit{}, fmt.Errorf("%w: %w", ErrRunning, err)
	}
	t.mu.Lock()
	t.deleted = true
	t.mu.Unlock()
	return e, nil
}

// Kill signals the process unless it has exited.
func (t *Task) Kill(sig syscall.Signal) error {
	t.mu.Lock()
	exited, deleted := t.exit != nil, t.deleted
	t.mu.Unlock()
	switch {
	case deleted:
		return fmt.Errorf("%w: %w (%w)", ErrDeleted, ErrFinished, syscall.ESRCH)
	case exited:
		return fmt.Errorf("%w (%w)", ErrFinished, syscall.ESRCH)
	}
	return t.proc.Signal(sig)
}
