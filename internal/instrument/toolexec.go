package instrument

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
)

// wrapperSource is a -toolexec program that runs every tool as asked,
// except that it gives the cover tool the overlay's file for each file
// the overlay replaces: go test -cover hands the cover tool the original
// files (golang/go#73802), so without it a covered package would be
// built from its original source. Its first argument is the overlay file.
const wrapperSource = `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: reaptest-cover-overlay overlay.json tool args...")
		os.Exit(2)
	}
	tool, args := os.Args[2], os.Args[3:]
	if strings.TrimSuffix(filepath.Base(tool), ".exe") == "cover" {
		data, err := os.ReadFile(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "reaptest-cover-overlay:", err)
			os.Exit(2)
		}
		var overlay struct{ Replace map[string]string }
		if err := json.Unmarshal(data, &overlay); err != nil {
			fmt.Fprintln(os.Stderr, "reaptest-cover-overlay:", err)
			os.Exit(2)
		}
		args = append([]string(nil), args...)
		for i, a := range args {
			if r, ok := overlay.Replace[filepath.Clean(a)]; ok && r != "" {
				args[i] = r
			}
		}
	}
	cmd := exec.Command(tool, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if e, ok := err.(*exec.ExitError); ok {
			os.Exit(e.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "reaptest-cover-overlay:", err)
		os.Exit(2)
	}
}
`

// coverWrapper builds the wrapper into the cache once and returns its path.
func coverWrapper(ctx context.Context, g *goCmd, cache string) (string, error) {
	sum := sha256.Sum256([]byte(wrapperSource + runtime.Version()))
	dir := filepath.Join(cache, "toolexec", hex.EncodeToString(sum[:8]))
	exe := filepath.Join(dir, "reaptest-cover-overlay")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	src, err := os.MkdirTemp("", "reaptest-cover-overlay-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(src)
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module reaptestcoveroverlay\n\ngo 1.21\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(wrapperSource), 0o644); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := tempName(dir, ".reaptest-cover-overlay.*.tmp")
	if err != nil {
		return "", err
	}
	defer forgetTemp(tmp)
	// The wrapper runs on this machine, whatever the build targets.
	host := &goCmd{path: g.path, env: []string{"GOFLAGS=", "GOWORK=off", "GOOS=", "GOARCH=", "CGO_ENABLED=0", "GOTOOLCHAIN=local"}}
	if _, err := host.run(ctx, src, "build", "-o", tmp, "."); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, exe); err != nil {
		return "", err
	}
	return exe, nil
}
