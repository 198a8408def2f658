package zoo

// Style: the value in a channel. The task's state is a struct that
// travels through a channel of capacity one: a caller takes it out,
// reads or changes it, and puts it back, and nobody else can touch it
// meanwhile. Taking it can give up on the caller's ctx.

import (
	"context"
	"fmt"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// heldState is what the channel carries.
type heldState struct {
	exit    *harness.Exit
	exited  chan struct{} // closed when exit is set
	deleted bool
}

type held struct {
	proc  harness.Process
	state chan *heldState // capacity 1: holds the state while no one has it
}

func newHeldState(env harness.Env) harness.Task {
	t := &held{proc: env.Process, state: make(chan *heldState, 1)}
	t.state <- &heldState{exited: make(chan struct{})}
	return t
}

// take returns the state; the caller must put it back.
func (t *held) take(ctx context.Context) (*heldState, error) {
	select {
	case s := <-t.state:
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (t *held) put(s *heldState) { t.state <- s }

func (t *held) Reap(e harness.Exit) {
	s := <-t.state
	defer t.put(s)
	if s.exit == nil {
		s.exit = &e
		close(s.exited)
	}
}

func (t *held) await(ctx context.Context) (harness.Exit, *heldState, error) {
	s, err := t.take(ctx)
	if err != nil {
		return harness.Exit{}, nil, err
	}
	exited := s.exited
	if s.exit != nil {
		return *s.exit, s, nil
	}
	t.put(s)
	select {
	case <-exited:
	case <-ctx.Done():
		return harness.Exit{}, nil, ctx.Err()
	}
	s = <-t.state // the exit is set: whoever holds the state gives it back at once
	return *s.exit, s, nil
}

func (t *held) Wait(ctx context.Context) (harness.Exit, error) {
	e, s, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	t.put(s)
	return e, nil
}

func (t *held) Delete(ctx context.Context) (harness.Exit, error) {
	e, s, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	s.deleted = true
	t.put(s)
	return e, nil
}

func (t *held) Kill(ctx context.Context, sig syscall.Signal) error {
	s, err := t.take(ctx)
	if err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	defer t.put(s)
	switch {
	case s.deleted:
		return fmt.Errorf("kill: %w: %w", ErrDeleted, processDone("kill"))
	case s.exit != nil:
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
