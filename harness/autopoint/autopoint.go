// Package autopoint is what code instrumented by reaptest calls before
// every synchronization operation (lock and unlock, channel send,
// receive and close, select, sync/atomic, WaitGroup, Once, Cond, go
// statements). reaptest rewrites a copy of the code under test to call it
// (see internal/instrument); people do not call it by hand (hand-placed
// fault points are harness.Env.Point), and it exports only the calls
// rewritten code makes.
//
// An instrumented file registers its sites once, from a package-level
// variable ([Register]), and calls [P] (or one of its wrappers) with a
// site's id. The harness installs its hook for the duration of a check,
// and reads the table of sites, through an internal package; with no
// hook installed a call costs one atomic load.
package autopoint

import (
	"reflect"

	"github.com/reaptest/reaptest/internal/hook"
)

// Register records the sites of one instrumented file of package pkg and
// returns the id of the first; the others follow in order. Each site is
// written "line:col op". It is called from the rewritten file's
// package-level variables, so before any of the file's code runs.
func Register(pkg, file string, specs ...string) uint32 {
	return hook.Register(pkg, file, specs...)
}

// P is called before the synchronization operation at site id.
func P(id uint32) {
	if h := hook.Active.Load(); h != nil {
		(*h)(id)
	}
}

// Go calls P(id) and returns f: go f(x) becomes go Go(id, f)(x). When the
// go hooks the harness installed ask for it, f is wrapped so that the new
// goroutine calls their Begin before f; f is then called through
// reflection, with the same arguments and results.
func Go[F any](id uint32, f F) F {
	P(id)
	h := hook.Go()
	if h == nil || h.Wrap == nil || h.Begin == nil || !h.Wrap(id) {
		return f
	}
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func || v.IsNil() { // a nil func panics in the go statement, as it would
		return f
	}
	begin := h.Begin
	w := reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
		begin()
		if v.Type().IsVariadic() {
			return v.CallSlice(args)
		}
		return v.Call(args)
	})
	return w.Interface().(F)
}

// Started is called after the go statement at site id has started its
// goroutine, on the goroutine that ran it: there the harness may make it
// wait for the new goroutine, when the scenario says the new one runs
// first.
func Started(id uint32) {
	if h := hook.Go(); h != nil && h.Started != nil {
		h.Started(id)
	}
}

// V calls P(id) and returns v: it wraps an operand that is evaluated just
// before the operation, where a statement cannot go (a select case's
// channel, a condition).
func V[T any](id uint32, v T) T {
	P(id)
	return v
}

// Deferred runs f after P(id): a deferred operation (defer mu.Unlock())
// becomes defer autopoint.Deferred(id, mu.Unlock), so the point is passed
// when the deferred call runs, not when it is deferred.
func Deferred(id uint32, f func()) {
	P(id)
	f()
}

// DeferredClose closes c after P(id): a deferred close (defer close(ch))
// becomes defer autopoint.DeferredClose(id, ch), which evaluates ch when
// it is deferred, as close would, and passes the point when it runs.
func DeferredClose[T any](id uint32, c chan<- T) {
	P(id)
	close(c)
}

// Range passes the point id before every receive of a for range over c:
// for v := range ch becomes for v := range autopoint.Range(id, ch). The
// receives happen on the loop's goroutine, one at a time, as in the
// original loop, which ends when c is closed.
func Range[T any](id uint32, c <-chan T) func(yield func(T) bool) {
	return func(yield func(T) bool) {
		for {
			P(id)
			v, ok := <-c
			if !ok || !yield(v) {
				return
			}
		}
	}
}
