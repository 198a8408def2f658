//go:build unix

package suites

import (
	"os"
	"syscall"
)

// mapShared maps the first size bytes of f, shared: what the process
// stores there is in the file at once, and stays there if it dies.
func mapShared(f *os.File, size int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}
