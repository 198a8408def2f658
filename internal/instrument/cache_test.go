package instrument

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeBuild puts a binary of size bytes into the cache as a build does
// (its directory under bin, a manifest, a lock), used at the given time,
// then tidies the cache as a finished build does. It returns the
// binary's directory.
func fakeBuild(t *testing.T, cache, key string, size int64, used time.Time) string {
	t.Helper()
	dir := filepath.Join(cache, "bin", key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int64{"p.test": size, "manifest.json": 100, ".lock": 0} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(n); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if err := writeOnce(filepath.Join(cache, "src", key[:8], "task.go"), []byte("package p\n")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dir, used, used); err != nil {
		t.Fatal(err)
	}
	tidy(cache, dir)
	return dir
}

// The cache stays under its cap across 100 builds: the least recently
// used binaries go first, a binary used lately stays even if it was built
// long ago, a binary that some build holds locked is never removed, and
// the binary just built always stays.
func TestCacheStaysUnderCap(t *testing.T) {
	const mb = 1 << 20
	t.Setenv(EnvCacheSize, "10MiB")
	cache := t.TempDir()
	start := time.Now().Add(-time.Hour)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Second) }

	locked := fakeBuild(t, cache, fmt.Sprintf("%032d", 0), mb, at(0))
	unlock, err := lockFile(context.Background(), filepath.Join(locked, ".lock"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	// A binary another process starts children from (holdInUse) stays
	// however long ago it was used.
	running := fakeBuild(t, cache, fmt.Sprintf("%032d", 101), mb, at(0))
	holdInUse(running)
	defer releaseInUse(running)
	if err := os.Chtimes(running, at(0), at(0)); err != nil { // the lock file made it look used now
		t.Fatal(err)
	}
	favourite := fakeBuild(t, cache, fmt.Sprintf("%032d", 1), mb, at(1))
	most := int64(0)
	for i := 2; i < 100; i++ {
		// The favourite is found in the cache by every fifth run.
		if i%5 == 0 {
			if c, _ := fromCache(favourite, "p.test", false); c == nil {
				t.Fatalf("build %d: the binary used every fifth build was evicted", i)
			}
		}
		dir := fakeBuild(t, cache, fmt.Sprintf("%032d", i), mb, at(i))
		if _, err := os.Stat(filepath.Join(dir, "p.test")); err != nil {
			t.Fatalf("build %d: the binary just built is gone: %v", i, err)
		}
		size := du(cache)
		most = max(most, size)
		if size > 10*mb {
			t.Fatalf("build %d: the cache holds %d bytes, over its cap of %d", i, size, 10*mb)
		}
	}
	if _, err := os.Stat(filepath.Join(locked, "p.test")); err != nil {
		t.Errorf("the binary a build holds locked was evicted: %v", err)
	}
	if _, err := os.Stat(filepath.Join(running, "p.test")); locks && err != nil {
		t.Errorf("the binary a running process starts children from was evicted: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "bin", fmt.Sprintf("%032d", 2))); err == nil {
		t.Errorf("the least recently used binary is still there")
	}
	t.Logf("the cache held at most %.1f MiB under a cap of 10 MiB", float64(most)/mb)

	// No cap: nothing is evicted.
	t.Setenv(EnvCacheSize, "0")
	before := du(cache)
	fakeBuild(t, cache, fmt.Sprintf("%032d", 100), mb, at(100))
	if after := du(cache); after <= before {
		t.Errorf("with no cap the cache shrank from %d to %d bytes", before, after)
	}
}

// The cap's variable takes bytes and units, and a value that is no size
// is an error that says what is wanted.
func TestCacheSize(t *testing.T) {
	for v, want := range map[string]int64{"": DefaultCacheSize, "0": 0, "1000": 1000, "300MB": 300e6, "1GiB": 1 << 30, "512m": 512 << 20, "1.5G": 3 << 29} {
		t.Setenv(EnvCacheSize, v)
		if got, err := cacheSize(); err != nil || got != want {
			t.Errorf("%s=%q: %d, %v; want %d", EnvCacheSize, v, got, err, want)
		}
	}
	for _, v := range []string{"lots", "-1MB", "10XB"} {
		t.Setenv(EnvCacheSize, v)
		if _, err := cacheSize(); err == nil || !strings.Contains(err.Error(), "want a size such as 400MB") {
			t.Errorf("%s=%q: err = %v, want it rejected", EnvCacheSize, v, err)
		}
	}
}

// The fallback cache directory $TMPDIR/reaptest-<uid> is the user's own
// or is not used: a directory others may write to is made private, one
// another user owns (or a symbolic link) is refused, and the build says
// why.
func TestCacheDirPrivate(t *testing.T) {
	tmp := t.TempDir()
	blocked := filepath.Join(tmp, "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", filepath.Join(blocked, "cache")) // the user cache directory cannot be made
	t.Setenv("HOME", filepath.Join(blocked, "home"))
	t.Setenv("TMPDIR", tmp)

	fallback := filepath.Join(tmp, fmt.Sprintf("reaptest-%d", os.Getuid()))
	if err := os.Mkdir(fallback, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(fallback, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	got, err := cacheDir("")
	if err != nil || got != fallback {
		t.Fatalf("cacheDir with a world-writable fallback of this user's = %q, %v; want it, made private", got, err)
	}
	if info, _ := os.Stat(fallback); info.Mode().Perm() != 0o700 {
		t.Errorf("the fallback's mode is %v, want 0700", info.Mode().Perm())
	}

	// Seen as another user's: the directory is not this user's own.
	real := os.Getuid()
	uid = func() int { return real + 1 }
	defer func() { uid = os.Getuid }()
	foreign := filepath.Join(tmp, fmt.Sprintf("reaptest-%d", real+1))
	if err := os.Mkdir(foreign, 0o700); err != nil {
		t.Fatal(err)
	}
	if got, err := cacheDir(""); err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), fmt.Sprintf("owned by user %d", real)) {
		t.Errorf("cacheDir with a fallback another user owns = %q, %v; want it refused", got, err)
	}
	uid = os.Getuid

	link := filepath.Join(tmp, "link")
	if err := os.Symlink(fallback, link); err != nil {
		t.Fatal(err)
	}
	if err := private(link); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("private(a symbolic link) = %v, want it refused", err)
	}
}

// A temporary whose process is gone, or that is older than staleAfter, is
// swept; a live process's recent one is not.
func TestSweepStaleTemporaries(t *testing.T) {
	cache := t.TempDir()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := gone.Process.Pid
	files := map[string]bool{ // path: swept
		filepath.Join("bin", "k", fmt.Sprintf(".p.test.pid%d-123.tmp", dead)):        true,
		filepath.Join("bin", "k", fmt.Sprintf(".tmp-pid%d-456", dead)):               true,
		filepath.Join("src", "ab", fmt.Sprintf(".tmp-pid%d-789", dead)):              true,
		filepath.Join("bin", "k", fmt.Sprintf(".p.test.pid%d-123.tmp", os.Getpid())): false,
		filepath.Join("bin", "k", "p.test"):                                          false,
		filepath.Join("bin", "old", ".p.test.77.tmp"):                                true, // no pid, old
	}
	for f := range files {
		p := filepath.Join(cache, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleAfter)
	if err := os.Chtimes(filepath.Join(cache, "bin", "old", ".p.test.77.tmp"), old, old); err != nil {
		t.Fatal(err)
	}
	sweep(cache)
	for f, swept := range files {
		_, err := os.Stat(filepath.Join(cache, f))
		if gone := err != nil; gone != swept {
			t.Errorf("%s: swept = %v, want %v", f, gone, swept)
		}
	}
}

// An interrupt (SIGINT) while a build has a temporary removes it before
// the process dies of the signal.
func TestInterruptRemovesTemporaries(t *testing.T) {
	if dir := os.Getenv("INSTRUMENT_INTERRUPT_DIR"); dir != "" {
		tmp, err := tempName(dir, ".p.test.*.tmp")
		if err != nil {
			os.Exit(3)
		}
		fmt.Println(tmp)
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(10 * time.Second)
		os.Exit(4) // not reached: the signal ends the process
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptRemovesTemporaries$")
	cmd.Env = append(os.Environ(), "INSTRUMENT_INTERRUPT_DIR="+dir)
	out, err := cmd.Output()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("the child ended with %v, want death by SIGINT; output:\n%s", err, out)
	}
	tmp := strings.TrimSpace(string(out))
	if !strings.HasPrefix(tmp, dir) {
		t.Fatalf("the child printed %q, want a temporary under %s", tmp, dir)
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Errorf("the temporary %s is still there after the interrupt", tmp)
	}
}
