package suites

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// goTestSiblings returns how many other test binaries the go command that
// started this one runs now (go test -p with several packages): processes
// whose parent is this one's, when that is the go command (its command
// name, /proc/<pid>/comm, is "go"), and whose program's name ends in
// ".test". It reads /proc; 0 when it cannot tell.
func goTestSiblings() int { return testSiblings(os.Getppid(), os.Getpid()) }

// testSiblings counts the children of the process parent, when it runs
// the go command, other than self whose program's name ends in ".test".
func testSiblings(parent, self int) int {
	if comm, err := os.ReadFile("/proc/" + strconv.Itoa(parent) + "/comm"); err != nil || string(bytes.TrimSpace(comm)) != "go" {
		return 0
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || parentOf(pid) != parent {
			continue
		}
		if strings.HasSuffix(argv0(pid), ".test") {
			n++
		}
	}
	return n
}

// argv0 is the base name of the program process pid runs, "" if unknown.
func argv0(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return ""
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	return filepath.Base(string(data))
}

// parentOf is the parent process id of pid, from /proc/<pid>/stat, or -1.
func parentOf(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return -1
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return -1
	}
	return ppid
}
