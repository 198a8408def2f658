package zoo

// Style: channels of channels. A broker goroutine holds the exit; a waiter
// sends it a reply channel of its own and receives the exit on it. Delete,
// once it has the exit, keeps it in a field and stops the broker; calls
// after that are answered from the field.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type broker struct {
	proc   harness.Process
	exits  chan harness.Exit      // Reap -> broker
	subs   chan chan harness.Exit // a waiter's reply channel (room for one) -> broker
	exited chan struct{}          // closed by the broker at the first exit
	quit   chan struct{}          // closed by the first successful Delete, after final is set
	stop   sync.Once
	final  atomic.Pointer[harness.Exit] // the exit, once Delete has it
}

func newBroker(env harness.Env) harness.Task {
	b := &broker{
		proc:   env.Process,
		exits:  make(chan harness.Exit),
		subs:   make(chan chan harness.Exit),
		exited: make(chan struct{}),
		quit:   make(chan struct{}),
	}
	go b.serve()
	return b
}

func (b *broker) serve() {
	var exit *harness.Exit
	var pending []chan harness.Exit
	for {
		select {
		case e := <-b.exits:
			if exit != nil {
				continue
			}
			exit = &e
			close(b.exited)
			for _, c := range pending {
				c <- e
			}
			pending = nil
		case c := <-b.subs:
			if exit != nil {
				c <- *exit
			} else {
				pending = append(pending, c)
			}
		case <-b.quit:
			return
		}
	}
}

func (b *broker) Reap(e harness.Exit) {
	select {
	case b.exits <- e:
	case <-b.quit:
	}
}

func (b *broker) await(ctx context.Context) (harness.Exit, error) {
	c := make(chan harness.Exit, 1)
	select {
	case b.subs <- c:
	case <-b.quit:
		return *b.final.Load(), nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	select {
	case e := <-c:
		return e, nil
	case <-b.quit:
		return *b.final.Load(), nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (b *broker) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := b.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (b *broker) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := b.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	b.stop.Do(func() {
		b.final.Store(&e)
		close(b.quit)
	})
	return e, nil
}

func (b *broker) Kill(_ context.Context, sig syscall.Signal) error {
	select {
	case <-b.exited:
		return processDone("kill")
	default:
	}
	return b.proc.Signal(sig)
}
