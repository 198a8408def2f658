// Command cleancache empties reaptest's cache of instrumented test
// binaries (make clean-cache): it removes each directory the cache may be
// in (instrument.CacheDirs) and says how much it held. The next check
// builds what it needs again.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/reaptest/reaptest/internal/instrument"
)

func main() {
	status := 0
	for _, dir := range instrument.CacheDirs() {
		info, err := os.Lstat(dir)
		if err != nil {
			continue // not there
		}
		if !info.IsDir() {
			fmt.Fprintf(os.Stderr, "cleancache: %s is not a directory: left alone\n", dir)
			status = 1
			continue
		}
		var size int64
		_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					size += fi.Size()
				}
			}
			return nil
		})
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintf(os.Stderr, "cleancache: %v\n", err)
			status = 1
			continue
		}
		fmt.Printf("removed %s (%.1f MB)\n", dir, float64(size)/1e6)
	}
	os.Exit(status)
}
