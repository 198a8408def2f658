package suites

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Interrupted runs leave nothing behind: while children run, SIGINT and
// SIGTERM first kill them and remove their temporary directories, then
// end the test binary as the signal would have.

var live struct {
	mu    sync.Mutex
	dirs  map[string]bool      // guarded by mu
	procs map[*os.Process]bool // guarded by mu
	sigs  chan os.Signal       // guarded by mu; nil when nothing is tracked
	dying bool                 // guarded by mu; an interrupt is ending the process
}

// holdIfDying, with live.mu held, parks the calling goroutine for good
// when an interrupt is ending the process: a check whose child the
// interrupt killed must not go on to report a crash, or end the test
// binary with a failure, before the process dies of the signal.
func holdIfDying() {
	if live.dying {
		live.mu.Unlock()
		park()
	}
}

// park blocks the calling goroutine for good (a variable for tests).
var park = func() { select {} }

// tempDir makes a temporary directory that an interrupt removes.
func tempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	live.mu.Lock()
	if live.dying { // the interrupt's cleanup has run and would not see it
		_ = os.RemoveAll(dir)
		holdIfDying()
	}
	defer live.mu.Unlock()
	if live.dirs == nil {
		live.dirs = map[string]bool{}
	}
	live.dirs[dir] = true
	watch()
	return dir, nil
}

// removeTemp removes a directory tempDir made.
func removeTemp(dir string) {
	_ = os.RemoveAll(dir)
	live.mu.Lock()
	holdIfDying()
	defer live.mu.Unlock()
	delete(live.dirs, dir)
	unwatch()
}

// trackProcess makes an interrupt kill p; the returned function forgets it.
func trackProcess(p *os.Process) func() {
	live.mu.Lock()
	if live.dying { // the interrupt's cleanup has run and would not see it
		_ = p.Kill()
		holdIfDying()
	}
	defer live.mu.Unlock()
	if live.procs == nil {
		live.procs = map[*os.Process]bool{}
	}
	live.procs[p] = true
	watch()
	return func() {
		live.mu.Lock()
		holdIfDying()
		defer live.mu.Unlock()
		delete(live.procs, p)
		unwatch()
	}
}

// watch starts listening for interrupts if it is not yet. live.mu is held.
func watch() {
	if live.sigs != nil {
		return
	}
	ch := make(chan os.Signal, 1)
	live.sigs = ch
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-ch
		if !ok {
			return
		}
		live.mu.Lock()
		live.dying = true
		for p := range live.procs {
			_ = p.Kill()
		}
		for dir := range live.dirs {
			_ = os.RemoveAll(dir)
		}
		signal.Stop(ch)
		live.mu.Unlock()
		// Die of the signal, as without reaptest.
		if self, err := os.FindProcess(os.Getpid()); err == nil {
			_ = self.Signal(sig)
		}
		time.Sleep(10 * time.Second) // the signal's default action ends the process first
		os.Exit(2)
	}()
}

// unwatch stops listening once nothing is left to clean. live.mu is held.
func unwatch() {
	if live.sigs == nil || len(live.dirs) > 0 || len(live.procs) > 0 {
		return
	}
	signal.Stop(live.sigs)
	close(live.sigs)
	live.sigs = nil
}
