// Package zoo holds correct implementations of harness.Task written in
// styles that differ from each other and from the catalog's reference
// (suites/catalog): an owner goroutine, mutexes held across RPC-like
// waits, a process-wide reaper, sync.Cond, channels of channels, a
// goroutine per waiter, reflect.Select, iter.Pull, WaitGroup.Go, a
// channel used as a semaphore, TryLock with backoff, context.AfterFunc,
// context.WithCancelCause, sync.OnceValue, atomic.Pointer
// compare-and-swap, timers with Stop and Reset, a Kill that escalates,
// an idempotent Delete, generic types, and one whose code lives in a
// second package (zoo/shim). Each file holds one task and says its style
// on its first line.
//
// Every task here is meant to meet the contract (README.md, "The
// contract") with the options its Entry lists: the zoo is the
// false-positive regression suite, run by suites/zoo_test.go (TestZoo).
// A zoo task that fails is either a bug in the task or a false verdict of
// the harness; neither is hidden by skipping it.
package zoo
