//go:build !unix

package suites

import (
	"errors"
	"os"
)

// mapShared cannot map a file here: the progress file is written with
// pwrite instead.
func mapShared(*os.File, int) ([]byte, error) {
	return nil, errors.New("no shared file mapping on this platform")
}
