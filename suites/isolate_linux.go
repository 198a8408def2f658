package suites

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the child die with the test binary that started it,
// so that a parent killed at its -test.timeout leaves no child running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
