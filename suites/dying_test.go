package suites

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Once an interrupt's cleanup has run, a temporary directory made or a
// child started after it would outlive the process: tempDir removes the
// directory and trackProcess kills the child at once, and the caller is
// parked like the others.
func TestNothingMadeOnceDying(t *testing.T) {
	if inChild() {
		return
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	live.mu.Lock()
	live.dying = true
	live.mu.Unlock()
	parked := make(chan string, 2)
	park = func() { parked <- "parked"; runtime.Goexit() }
	t.Cleanup(func() {
		_ = sleeper.Process.Kill()
		live.mu.Lock()
		live.dying = false
		for dir := range live.dirs { // what an unfixed tempDir tracked
			if strings.HasPrefix(dir, tmp) {
				delete(live.dirs, dir)
			}
		}
		delete(live.procs, sleeper.Process)
		unwatch()
		live.mu.Unlock()
		park = func() { select {} }
	})
	go func() {
		_, _ = tempDir("reaptest-dying-")
		parked <- "tempDir returned"
	}()
	go func() {
		trackProcess(sleeper.Process)
		parked <- "trackProcess returned"
	}()
	for range 2 {
		if got := <-parked; got != "parked" {
			t.Errorf("%s while an interrupt ends the process, want it parked", got)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in %s: %v", tmp, left)
	}
	done := make(chan error, 1)
	go func() { done <- sleeper.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() {
			t.Errorf("the child tracked while dying ended with %v, want it killed", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the child tracked while dying still runs 10s later, want it killed")
	}
}
