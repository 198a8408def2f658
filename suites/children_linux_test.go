package suites

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// testSiblings counts the children of a go command whose program ends in
// .test, and nothing when the parent is not the go command.
func TestTestSiblings(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("no sleep to copy: %v", err)
	}
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"go", "make"} {
		dir := t.TempDir()
		for _, prog := range []string{"pkg.test", "other"} {
			if err := os.WriteFile(filepath.Join(dir, prog), data, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// A parent named name with two children, pkg.test and other.
		script := "#!/bin/sh\nd=$(dirname \"$0\")\n\"$d/pkg.test\" 30 & \"$d/other\" 30 & wait\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(filepath.Join(dir, name))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL); _ = cmd.Wait() })
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end) && len(childPids(pid)) < 2; time.Sleep(10 * time.Millisecond) {
		}
		if n := len(childPids(pid)); n != 2 {
			t.Fatalf("the parent %s has %d children after 10s, want 2", name, n)
		}
		want := 0
		if name == "go" {
			want = 1
		}
		if got := testSiblings(pid, os.Getpid()); got != want {
			t.Errorf("parent %s with children pkg.test and other: %d sibling test binaries, want %d", name, got, want)
		}
	}
}

// childPids are the processes whose parent is pid.
func childPids(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if p, err := strconv.Atoi(e.Name()); err == nil && parentOf(p) == pid {
			out = append(out, p)
		}
	}
	return out
}
