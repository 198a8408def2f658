package zoo

// Style: an owner goroutine (actor). All state lives on one goroutine that
// serves requests sent on channels; a Delete once the exit is known makes
// the owner forget the task and stop before Delete returns, so a Wait or
// Kill after it, or racing with it, gets ErrNotFound (as moby's rm drops
// the container from the store before it returns).

import (
	"context"
	"fmt"
	"slices"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type actorOp int

const (
	actorWait actorOp = iota
	actorDelete
	actorKill
)

// actorReq is one call handed to the owner; reply has room for its one
// answer, so the owner never blocks on a caller that gave up.
type actorReq struct {
	op    actorOp
	sig   syscall.Signal
	reply chan actorReply
}

type actorReply struct {
	exit harness.Exit
	err  error
}

// actor is a handle on the owner goroutine; its channels are set at
// construction and never reassigned.
type actor struct {
	proc     harness.Process
	exits    chan harness.Exit // Reap -> owner
	reqs     chan *actorReq    // Wait, Delete, Kill -> owner
	withdraw chan *actorReq    // a caller whose ctx ended takes its request back
	gone     chan struct{}     // closed by the owner when it stops
}

func newActor(env harness.Env) harness.Task {
	a := &actor{
		proc:     env.Process,
		exits:    make(chan harness.Exit),
		reqs:     make(chan *actorReq),
		withdraw: make(chan *actorReq),
		gone:     make(chan struct{}),
	}
	go a.own()
	return a
}

// own is the owner: only it reads or writes exit and parked.
func (a *actor) own() {
	defer close(a.gone)
	var exit *harness.Exit
	var parked []*actorReq // Waits and Deletes that came before the exit
	for {
		select {
		case e := <-a.exits:
			if exit != nil {
				continue // the first exit stands
			}
			exit = &e
			forget := false
			for _, r := range parked {
				r.reply <- actorReply{exit: e}
				forget = forget || r.op == actorDelete
			}
			parked = nil
			if forget {
				return
			}
		case r := <-a.reqs:
			switch {
			case r.op == actorKill && exit != nil:
				r.reply <- actorReply{err: processDone("kill")}
			case r.op == actorKill:
				if err := a.proc.Signal(r.sig); err != nil {
					r.reply <- actorReply{err: fmt.Errorf("kill: %w", err)}
				} else {
					r.reply <- actorReply{}
				}
			case exit == nil:
				parked = append(parked, r)
			case r.op == actorWait:
				r.reply <- actorReply{exit: *exit}
			default: // Delete after the exit: answer, then forget the task
				r.reply <- actorReply{exit: *exit}
				return
			}
		case r := <-a.withdraw:
			parked = slices.DeleteFunc(parked, func(p *actorReq) bool { return p == r })
		}
	}
}

// call hands r to the owner and waits for its answer or ctx.
func (a *actor) call(ctx context.Context, r *actorReq) (harness.Exit, error) {
	r.reply = make(chan actorReply, 1)
	select {
	case a.reqs <- r:
	case <-a.gone:
		return harness.Exit{}, ErrNotFound
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	select {
	case rep := <-r.reply:
		return rep.exit, rep.err
	case <-ctx.Done():
	}
	// Take the request back. Once the owner has received the withdrawal,
	// or stopped, its answer (if any) is already in reply.
	select {
	case a.withdraw <- r:
	case <-a.gone:
	}
	select {
	case rep := <-r.reply:
		return rep.exit, rep.err
	default:
		return harness.Exit{}, ctx.Err()
	}
}

func (a *actor) Reap(e harness.Exit) {
	select {
	case a.exits <- e:
	case <-a.gone: // deleted: nobody listens any more
	}
}

func (a *actor) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := a.call(ctx, &actorReq{op: actorWait})
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (a *actor) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := a.call(ctx, &actorReq{op: actorDelete})
	if err != nil {
		return e, fmt.Errorf("delete: %w", err)
	}
	return e, nil
}

func (a *actor) Kill(ctx context.Context, sig syscall.Signal) error {
	_, err := a.call(ctx, &actorReq{op: actorKill, sig: sig})
	return err
}
