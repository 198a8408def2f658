//go:build !linux

package suites

import "os/exec"

// dieWithParent would make the child die with its parent; only Linux can
// ask for that (Pdeathsig). Elsewhere the child's own -test.timeout bounds
// it.
func dieWithParent(*exec.Cmd) {}
