package instrument

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The cache: <dir>/bin/<key> holds one instrumented test binary with its
// manifest, overlay and lock; <dir>/mods copies of modules from the module
// cache; <dir>/src the rewritten files; <dir>/self the memos of the quick
// lookup; <dir>/toolexec the coverage wrapper. It is bounded: after every
// build the least recently used binaries and module copies are removed
// until the whole cache is under its cap (EnvCacheSize), whether or not
// some process used them a minute ago; only a directory a build holds
// locked right now is passed over. Temporaries (a binary being linked, a
// file being renamed into place) are removed when the build fails or is
// interrupted (SIGINT, SIGTERM), and swept by the next build when their
// process is gone or they are older than staleAfter. The directory is the
// user's own: one that another user owns is refused, and one that others
// may write to is made private first, since the cache holds executables
// this user runs.

// EnvCacheSize caps the cache's size, in bytes or with a unit ("300MB",
// "1GiB"); "0" turns the cap off. See [DefaultCacheSize].
const EnvCacheSize = "REAPTEST_CACHESIZE"

// DefaultCacheSize is the cache's cap when EnvCacheSize is not set: room
// for about ten instrumented test binaries of 12-44 MB.
const DefaultCacheSize = 400 << 20

// cacheSize reads EnvCacheSize; 0 means no cap.
func cacheSize() (int64, error) {
	v := strings.TrimSpace(os.Getenv(EnvCacheSize))
	if v == "" {
		return DefaultCacheSize, nil
	}
	n, err := parseSize(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %v; want a size such as 400MB, 1GiB or 0 for no cap", EnvCacheSize, v, err)
	}
	return n, nil
}

// parseSize reads a size in bytes, with an optional unit: B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024).
func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	up := strings.ToUpper(v)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(up, u.suffix) {
			up, mult = strings.TrimSpace(strings.TrimSuffix(up, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(up, 64)
	if err != nil || n < 0 {
		return 0, errors.New("not a size")
	}
	return int64(n * float64(mult)), nil
}

// uid is the user the cache must belong to (a variable for tests).
var uid = os.Getuid

// cacheDir makes the cache directory: dir if given, else
// os.UserCacheDir()/reaptest, else $TMPDIR/reaptest-<uid>.
func cacheDir(dir string) (string, error) {
	if dir != "" {
		if err := private(dir); err != nil {
			return "", fmt.Errorf("cache directory: %v", err)
		}
		return dir, nil
	}
	var errs []string
	if d, err := os.UserCacheDir(); err == nil {
		d = filepath.Join(d, "reaptest")
		if err := writable(d); err == nil {
			return d, nil
		} else {
			errs = append(errs, err.Error())
		}
	} else {
		errs = append(errs, err.Error())
	}
	d := filepath.Join(os.TempDir(), fmt.Sprintf("reaptest-%d", uid()))
	if err := writable(d); err != nil {
		errs = append(errs, err.Error())
		return "", fmt.Errorf("no writable cache directory: %s", strings.Join(errs, "; "))
	}
	return d, nil
}

// CacheDirs returns the directories the cache may be in, whether or not
// they exist: the user cache directory's reaptest, and the fallback under
// os.TempDir(). make clean-cache removes them.
func CacheDirs() []string {
	var dirs []string
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "reaptest"))
	}
	return append(dirs, filepath.Join(os.TempDir(), fmt.Sprintf("reaptest-%d", uid())))
}

// private makes dir (mode 0700) and checks that it is the user's own: a
// directory, not a symbolic link, owned by this user; one that others may
// write to is made private (chmod 0700). A directory another user owns is
// refused: it could hold executables that user planted.
func private(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory (%s): refused", dir, info.Mode().Type())
	}
	if who, ok := owner(info); ok && who != uid() {
		return fmt.Errorf("%s is owned by user %d, not by this user (%d): refused, since the cache holds executables this user runs", dir, who, uid())
	}
	if info.Mode().Perm()&0o022 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("%s is writable by others (%v) and cannot be made private: %v", dir, info.Mode().Perm(), err)
		}
	}
	return nil
}

// writable makes dir private and checks that a file can be made in it.
func writable(dir string) error {
	if err := private(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".probe")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeOnce writes data to p unless p exists, through a temporary file
// renamed into place, so that concurrent writers never expose a partial
// file.
func writeOnce(p string, data []byte) error {
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), tmpPrefix())
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// lockWait is how long a build waits for another process building the
// same binary before it builds it too.
const lockWait = 5 * time.Minute

// keep is how long an unused memo or rewritten file is kept.
const keep = 7 * 24 * time.Hour

// prune removes the entries of dir not used for a while.
func prune(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > keep {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// Temporaries carry their maker's pid, as a field "pid<N>" of their name
// (".tmp-pid<N>-…", "….pid<N>-….tmp"): it tells a sweep whether the
// process that made one is gone.

// tmpPrefix is the pattern of a temporary file this process makes.
func tmpPrefix() string { return fmt.Sprintf(".tmp-pid%d-", os.Getpid()) }

// tmpPattern makes pattern (with one "*") the pattern of a temporary of
// this process.
func tmpPattern(pattern string) string {
	return strings.Replace(pattern, "*", fmt.Sprintf("pid%d-*", os.Getpid()), 1)
}

// tempName reserves a new file name in dir, unique among processes and
// goroutines, for a file to be renamed into place; the name carries this
// process's pid, and an interrupt removes it (see forgetTemp).
func tempName(dir, pattern string) (string, error) {
	f, err := os.CreateTemp(dir, tmpPattern(pattern))
	if err != nil {
		return "", err
	}
	f.Close()
	trackTemp(f.Name())
	return f.Name(), nil
}

// staleAfter is the age past which a temporary is swept even if its
// process may still run: no build takes that long (buildBudget in
// package suites is 5 minutes).
const staleAfter = time.Hour

// sweep removes the temporaries under the cache (two levels deep) whose
// process is gone or that are older than staleAfter.
func sweep(cache string) {
	for _, pattern := range []string{"*/.tmp-*", "*/*/.tmp-*", "*/*/.*.tmp", "*/*.tmp", "*/.*.tmp", ".tmp-*", ".probe*"} {
		matches, _ := filepath.Glob(filepath.Join(cache, pattern))
		for _, m := range matches {
			info, err := os.Lstat(m)
			if err != nil {
				continue
			}
			if pid := tempPid(filepath.Base(m)); pid > 0 && pid != os.Getpid() && !alive(pid) || time.Since(info.ModTime()) > staleAfter {
				_ = os.RemoveAll(m)
			}
		}
	}
}

// tempPid reads the pid in a temporary's name, or 0.
func tempPid(name string) int {
	for _, f := range strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '-' }) {
		if d, ok := strings.CutPrefix(f, "pid"); ok {
			if n, err := strconv.Atoi(d); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// cacheEntry is a unit of eviction: a cached binary's or a module copy's
// directory.
type cacheEntry struct {
	path string
	size int64
	used time.Time
}

// evict removes the least recently used binaries and module copies until
// the cache is at most limit bytes (no cap when limit is 0), keeping
// current (the binary the running build made or found), any directory a
// build holds locked, and any binary a running process uses (holdInUse).
// It returns what the cache then holds.
func evict(cache string, limit int64, current string) int64 {
	var total int64
	var entries []cacheEntry
	tops, _ := os.ReadDir(cache)
	for _, top := range tops {
		p := filepath.Join(cache, top.Name())
		switch top.Name() {
		case "bin", "mods":
			subs, _ := os.ReadDir(p)
			for _, sub := range subs {
				e := cacheEntry{path: filepath.Join(p, sub.Name()), size: du(filepath.Join(p, sub.Name()))}
				if info, err := sub.Info(); err == nil {
					e.used = info.ModTime()
				}
				total += e.size
				entries = append(entries, e)
			}
		default:
			total += du(p)
		}
	}
	if limit <= 0 || total <= limit {
		return total
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].used.Before(entries[j].used) })
	for _, e := range entries {
		if total <= limit {
			break
		}
		if e.path == current || lockedByOther(filepath.Join(e.path, ".lock")) || lockedByOther(filepath.Join(e.path, inUseFile)) {
			continue
		}
		if os.RemoveAll(e.path) == nil {
			total -= e.size
		}
	}
	return total
}

// du is the size of the files under p.
func du(p string) int64 {
	var n int64
	_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// tidy is what a build does to the cache once it has made or found
// current: temporaries of dead processes swept, old memos and rewritten
// files pruned, and the cache brought under its cap.
func tidy(cache, current string) {
	sweep(cache)
	prune(filepath.Join(cache, "self"))
	prune(filepath.Join(cache, "src"))
	if limit, err := cacheSize(); err == nil {
		evict(cache, limit, current)
	}
}

// Interrupts: while a build runs, SIGINT and SIGTERM first stop the go
// commands it started (with SIGINT, so that they remove their own work
// directories) and remove its temporaries, then end the process as the
// signal would have.
var temps struct {
	mu    sync.Mutex
	files map[string]bool      // guarded by mu
	procs map[*os.Process]bool // guarded by mu
	sigs  chan os.Signal       // guarded by mu; nil when nothing is tracked
}

// trackTemp makes an interrupt remove the temporary file p.
func trackTemp(p string) {
	temps.mu.Lock()
	defer temps.mu.Unlock()
	if temps.files == nil {
		temps.files = map[string]bool{}
	}
	temps.files[p] = true
	watchInterrupts()
}

// forgetTemp removes the temporary p, if it is still there, and forgets it.
func forgetTemp(p string) {
	_ = os.Remove(p)
	temps.mu.Lock()
	defer temps.mu.Unlock()
	delete(temps.files, p)
	unwatchInterrupts()
}

// trackGo makes an interrupt stop the go command p; the returned function
// forgets it.
func trackGo(p *os.Process) func() {
	temps.mu.Lock()
	defer temps.mu.Unlock()
	if temps.procs == nil {
		temps.procs = map[*os.Process]bool{}
	}
	temps.procs[p] = true
	watchInterrupts()
	return func() {
		temps.mu.Lock()
		defer temps.mu.Unlock()
		delete(temps.procs, p)
		unwatchInterrupts()
	}
}

// watchInterrupts starts listening for interrupts. temps.mu is held.
func watchInterrupts() {
	if temps.sigs != nil {
		return
	}
	ch := make(chan os.Signal, 1)
	temps.sigs = ch
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-ch
		if !ok {
			return
		}
		temps.mu.Lock()
		for p := range temps.procs {
			_ = p.Signal(os.Interrupt)
		}
		procs := len(temps.procs)
		temps.mu.Unlock()
		// The go commands remove their work directories as they exit.
		for i := 0; i < 40 && procs > 0; i++ {
			time.Sleep(50 * time.Millisecond)
			temps.mu.Lock()
			procs = len(temps.procs)
			temps.mu.Unlock()
		}
		temps.mu.Lock()
		for f := range temps.files {
			_ = os.Remove(f)
		}
		signal.Stop(ch)
		temps.mu.Unlock()
		if self, err := os.FindProcess(os.Getpid()); err == nil {
			_ = self.Signal(sig)
		}
	}()
}

// unwatchInterrupts stops listening once nothing is left to clean.
// temps.mu is held.
func unwatchInterrupts() {
	if temps.sigs == nil || len(temps.files) > 0 || len(temps.procs) > 0 {
		return
	}
	signal.Stop(temps.sigs)
	close(temps.sigs)
	temps.sigs = nil
}

// inUseFile is the file in a cached binary's directory that every process
// starting children from that binary holds a shared lock on.
const inUseFile = ".inuse"

// inUse holds this process's shared locks on the binaries it starts
// children from, for the life of the process (the kernel drops them when
// it exits): another process's build must not evict a binary a long check
// will still start children from (seen: every later subtest of a
// 20,000-scenario run failed with fork/exec: no such file or directory).
var inUse struct {
	mu  sync.Mutex
	rel map[string]func() // guarded by mu; by directory
}

// holdInUse marks the binary in dir as used by this process, once.
func holdInUse(dir string) {
	inUse.mu.Lock()
	defer inUse.mu.Unlock()
	if inUse.rel[dir] != nil {
		return
	}
	if release, ok := sharedLock(filepath.Join(dir, inUseFile)); ok {
		if inUse.rel == nil {
			inUse.rel = map[string]func(){}
		}
		inUse.rel[dir] = release
	}
}

// releaseInUse drops the lock holdInUse took on dir (tests).
func releaseInUse(dir string) {
	inUse.mu.Lock()
	defer inUse.mu.Unlock()
	if release := inUse.rel[dir]; release != nil {
		release()
		delete(inUse.rel, dir)
	}
}
