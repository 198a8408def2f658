package instrument

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// EnvAutopoints turns automatic fault points off when set to 0, false or
// off; see [Enabled].
const EnvAutopoints = "REAPTEST_AUTOPOINTS"

// EnvBuildFlags holds build flags for the instrumented build that the
// running test binary cannot know, separated by spaces (no quoting), e.g.
// "-coverpkg=./... -tags=integration". They come after the flags carried
// over from the running binary, so they win.
const EnvBuildFlags = "REAPTEST_BUILDFLAGS"

// Enabled reports whether EnvAutopoints leaves automatic fault points on
// (the default).
func Enabled() bool {
	switch strings.ToLower(os.Getenv(EnvAutopoints)) {
	case "0", "false", "off", "no":
		return false
	}
	return true
}

// Config says what to build. The zero value but TaskPkg builds the
// running test binary's package, with its build flags.
type Config struct {
	// TaskPkg is the import path of the package that defines the task's
	// type (reflect.Type.PkgPath). It is instrumented, with the packages of
	// the main module it imports. When it is the test package itself (or
	// its _test package), the test package's non-test files and the main
	// module packages its tests import are.
	TaskPkg string
	// Packages are further packages to instrument, by import path, e.g. a
	// dependency such as github.com/docker/docker/container (only those
	// packages, not what they import).
	Packages []string
	// CoverMode is testing.CoverMode() of the running test binary: set,
	// count or atomic when it was built with -cover, "" otherwise.
	CoverMode string

	// Dir is the test package's directory; "" for the working directory
	// (a go test binary runs in its package's directory).
	Dir string
	// TestPkg is the import path of the test package; "" for the running
	// test binary's (its build info's path without ".test").
	TestPkg string
	// Flags are the build flags; nil for the running binary's (from its
	// build info) followed by EnvBuildFlags.
	Flags []string
	// Env is added to the go command's environment; nil for the running
	// binary's build settings that are environment variables (GOOS,
	// CGO_ENABLED, GOEXPERIMENT, ...).
	Env []string
	// CacheDir holds the rewritten files and binaries; "" for
	// os.UserCacheDir()/reaptest, or a directory under os.TempDir() when
	// that cannot be made.
	CacheDir string

	mangle func(path string, src []byte) []byte // tests: spoil a rewritten file
	// self identifies the test binary the build is a variant of (see
	// selfID); "" for the running one's when the Config builds it (no
	// Dir, TestPkg, Flags or Env given), else no quick lookup. Tests set it.
	self string
}

// Binary is an instrumented test binary.
type Binary struct {
	// Path is the test binary: run it as the isolated child instead of
	// the running one.
	Path string `json:"-"`
	// Args are to be added to the child's command line: the coverage
	// directory (-test.gocoverdir) when the running binary has one, so
	// that the child's coverage is merged into the parent's report.
	Args []string `json:"-"`
	// Packages are the instrumented packages' import paths.
	Packages []string
	// Sites is the number of synchronization operations made points.
	Sites int
	// Skips are the operations not made points, and why
	// ("example.com/rt/task.go:12:3 Add: a deferred call with arguments").
	Skips []string
	// Unrewritten are the files or packages left as they were, and why.
	Unrewritten []string
	// Cached is true when the binary was reused from the cache.
	Cached bool `json:"-"`
	// Took is how long Build took.
	Took time.Duration `json:"-"`

	quick bool // found through the running binary's identity (see quickKey)
}

// builds memoizes Build per Config within this process: the build is
// done at most once per test binary run.
var builds struct {
	mu sync.Mutex
	m  map[string]*buildCall // guarded by mu; by Config
}

type buildCall struct {
	once sync.Once
	bin  *Binary
	err  error
}

// Build makes the instrumented test binary described by cfg, or finds it
// in the cache. Calls with the same Config share one build. Its error is
// one line saying what failed and why, fit to head a report; the caller
// then runs uninstrumented.
func Build(ctx context.Context, cfg Config) (*Binary, error) {
	key, _ := json.Marshal(cfg)
	builds.mu.Lock()
	if builds.m == nil {
		builds.m = map[string]*buildCall{}
	}
	c := builds.m[string(key)]
	if c == nil {
		c = &buildCall{}
		builds.m[string(key)] = c
	}
	builds.mu.Unlock()
	c.once.Do(func() {
		start := time.Now()
		c.bin, c.err = build(ctx, cfg)
		if c.err != nil {
			c.err = fmt.Errorf("automatic fault points off: instrumented build failed: %s", oneLine(c.err.Error()))
		} else {
			c.bin.Took = time.Since(start)
		}
	})
	if c.err != nil {
		return nil, c.err
	}
	holdInUse(filepath.Dir(c.bin.Path))
	b := *c.bin
	return &b, nil
}

// oneLine joins the lines of s and shortens it.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + " …"
	}
	return s
}

// rewriterVersion changes whenever the rewriting changes, so that cached
// binaries of an older rewriting are not reused.
const rewriterVersion = "2"

// build makes the instrumented test binary cfg describes, or finds it in
// the cache, in these steps:
//
//  1. inputs: which test package, directory, flags and environment, and
//     the cache directory;
//  2. the quick lookup: a memo of this very test binary names its build
//     (no go command needed);
//  3. list: go list -export of the test package, the task's and the named
//     ones;
//  4. rewrite: the selected packages, and a task's methods in test files,
//     into the overlay (or into module copies for the module cache);
//  5. key: the cache key of the binary, from everything that determines it;
//  6. the cache, under the binary's lock: found there, or
//  7. compile: go test -c with the overlay, once more without a rewritten
//     file that did not compile;
//  8. keep: the manifest, the binary renamed into place, the memo, and the
//     cache tidied under its cap.
func build(ctx context.Context, cfg Config) (*Binary, error) {
	b, err := newBuilder(cfg)
	if err != nil {
		return nil, err
	}
	if bin := b.quickLookup(); bin != nil {
		return bin, nil
	}
	if err := b.findGo(); err != nil {
		return nil, err
	}
	if err := b.list(ctx); err != nil {
		return nil, err
	}
	if err := b.rewrite(ctx); err != nil {
		return nil, err
	}
	if err := b.key(); err != nil {
		return nil, err
	}
	if b.cached() {
		return b.found(), nil
	}
	if err := os.MkdirAll(b.binDir, 0o755); err != nil {
		return nil, fmt.Errorf("cache directory: %v", err)
	}
	// One process builds it; the others wait and take it from the cache.
	unlock, err := lockFile(ctx, filepath.Join(b.binDir, ".lock"), lockWait)
	if err != nil {
		return nil, fmt.Errorf("cache directory: %v", err)
	}
	defer unlock()
	if b.cached() {
		return b.found(), nil
	}
	tmp, err := b.compile(ctx)
	if tmp != "" {
		defer forgetTemp(tmp) // renamed into place, or left by a failed build
	}
	if err != nil {
		return nil, err
	}
	return b.keep(tmp)
}

// builder holds what one build has learnt so far, step by step.
type builder struct {
	cfg Config
	// 1. inputs
	dir, testPkg string
	flags, env   []string
	cover        bool
	cache        string
	quick        string // the memo's key, or "" when there is none
	g            *goCmd
	// 3. list
	patterns    []string
	byPath      map[string]*listed // the listed packages by import path
	variants    map[string]*listed // the test variants, "p [p.test]"
	ex          exports
	exportFiles []string // "path=export file" of every listed package
	tp          *listed  // the test package
	// 4. rewrite
	bin         *Binary
	overlay     map[string]string // original file: rewritten copy
	overlayKeys []string          // what the rewritten files are, for the key
	shadows     map[string]*shadow
	files       map[string]rewrittenFile
	// 5. key
	keyHex, name, binDir string
}

// newBuilder settles the build's inputs (step 1).
func newBuilder(cfg Config) (*builder, error) {
	if cfg.TaskPkg == "" {
		return nil, errors.New("no task package given")
	}
	b := &builder{cfg: cfg, dir: cfg.Dir, testPkg: cfg.TestPkg}
	if b.dir == "" {
		var err error
		if b.dir, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	if b.testPkg == "" {
		bi, ok := debug.ReadBuildInfo()
		if !ok || !strings.HasSuffix(bi.Path, ".test") {
			return nil, errors.New("the running binary is not a go test binary (no build info ending in .test)")
		}
		b.testPkg = strings.TrimSuffix(bi.Path, ".test")
	}
	b.flags, b.env = cfg.Flags, cfg.Env
	if b.flags == nil {
		b.flags, b.env = carried(cfg.Env)
	}
	if cfg.CoverMode != "" && !slices.ContainsFunc(b.flags, func(f string) bool { return strings.HasPrefix(f, "-covermode") }) {
		b.flags = append(b.flags, "-cover", "-covermode="+cfg.CoverMode)
	}
	b.cover = slices.ContainsFunc(b.flags, isCoverFlag)
	var err error
	if b.cache, err = cacheDir(cfg.CacheDir); err != nil {
		return nil, err
	}
	b.name = filepath.Base(b.testPkg) + ".test"
	return b, nil
}

// quickLookup is step 2: the running test binary built before with the
// same flags and environment names its instrumented build, found without
// asking the go command (go list -export and type-checking the
// instrumented packages cost 0.2-0.4 s a run), and so found too where
// there is no go command (a prebuilt test binary run elsewhere).
func (b *builder) quickLookup() *Binary {
	b.quick = quickKey(b.cfg, b.dir, b.flags, b.env)
	if b.quick == "" {
		return nil
	}
	return fromMemo(b.cache, b.quick, b.testPkg, b.cover)
}

// findGo finds the go command, which the steps after the quick lookup need.
func (b *builder) findGo() error {
	goPath, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("no go command, and no instrumented build of this test binary in the cache %s: %v", b.cache, err)
	}
	b.g = &goCmd{path: goPath, env: b.env}
	return nil
}

// list is step 3: go list -export -test of the test package, the task's
// package and the named ones.
func (b *builder) list(ctx context.Context) error {
	b.patterns = []string{b.testPkg}
	if b.cfg.TaskPkg != b.testPkg && b.cfg.TaskPkg != b.testPkg+"_test" {
		b.patterns = append(b.patterns, b.cfg.TaskPkg)
	}
	b.patterns = append(b.patterns, b.cfg.Packages...)
	var listFlags []string
	for _, f := range b.flags {
		if !isCoverFlag(f) {
			listFlags = append(listFlags, f)
		}
	}
	pkgs, err := goList(ctx, b.g, b.dir, append([]string{"-test"}, listFlags...), b.patterns...)
	if err != nil {
		return err
	}
	b.byPath, b.variants, b.ex = map[string]*listed{}, map[string]*listed{}, exports{}
	for _, p := range pkgs {
		b.exportFiles = append(b.exportFiles, p.ImportPath+"="+p.Export)
		switch {
		case strings.HasSuffix(p.ImportPath, ".test"):
			continue // the test main
		case strings.Contains(p.ImportPath, " "):
			b.variants[p.ImportPath] = p
			b.ex[p.ImportPath] = p.Export // a test file's import, through its ImportMap
			continue
		}
		b.byPath[p.ImportPath] = p
		b.ex[p.ImportPath] = p.Export
	}
	b.tp = b.byPath[b.testPkg]
	if b.tp == nil {
		return fmt.Errorf("go list did not list the test package %s", b.testPkg)
	}
	if b.tp.Error != nil {
		return fmt.Errorf("go list %s: %s", b.testPkg, b.tp.Error.Err)
	}
	return nil
}

// rewrite is step 4: the selected packages rewritten, then the methods a
// task's test files declare.
func (b *builder) rewrite(ctx context.Context) error {
	selected, notes := selectPackages(b.cfg, b.testPkg, b.byPath)
	b.bin = &Binary{Unrewritten: notes}
	b.overlay, b.shadows, b.files = map[string]string{}, map[string]*shadow{}, map[string]rewrittenFile{}
	fset := token.NewFileSet()
	imp := b.ex.importer(fset)
	// Files in the module cache cannot be overlaid: their packages are
	// built from a copy of their module (see shadowModule).
	modCache, workspace := goEnv(ctx, b.g, b.dir)
	inModCache := func(dir string) bool {
		return modCache != "" && strings.HasPrefix(dir, modCache+string(filepath.Separator))
	}
	for _, lp := range selected {
		inCache := inModCache(lp.Dir)
		if inCache {
			if why := b.cannotShadow(lp, workspace); why != "" {
				b.bin.Unrewritten = append(b.bin.Unrewritten, lp.ImportPath+": "+why)
				continue
			}
		}
		pr, err := rewritePackage(fset, lp, imp(lp.ImportMap))
		if err := b.add(lp, lp.ImportPath, inCache, pr, err); err != nil {
			return err
		}
	}
	// A task defined in test files (its factory in the test package, or
	// in its external test package): the methods those files declare are
	// rewritten too, type-checked in the test variants the go command
	// builds them in, so that a task type written in a _test.go file gets
	// its points as well. The tests themselves are left as they are.
	tp, testPkg := b.tp, b.testPkg
	if !inModCache(tp.Dir) && (b.cfg.TaskPkg == testPkg || b.cfg.TaskPkg == testPkg+"_test") {
		for _, t := range []struct {
			variant, path string
			files         []string
			first         int
		}{
			{testPkg + " [" + testPkg + ".test]", testPkg, absFiles(tp.Dir, tp.TestGoFiles), len(tp.GoFiles)},
			{testPkg + "_test [" + testPkg + ".test]", testPkg + "_test", absFiles(tp.Dir, tp.XTestGoFiles), 0},
		} {
			lp := b.variants[t.variant]
			if lp == nil || len(t.files) == 0 {
				continue
			}
			pr, err := rewriteFiles(fset, lp, t.path, imp(lp.ImportMap), t.files, t.first, true)
			if err := b.add(lp, t.path, false, pr, err); err != nil {
				return err
			}
		}
	}
	if len(b.overlayKeys) == 0 {
		return fmt.Errorf("no synchronization operation to instrument in %s (%s)", strings.Join(b.patterns, ", "), strings.Join(b.bin.Unrewritten, "; "))
	}
	return nil
}

// cannotShadow says why the package lp, in the module cache, cannot be
// built from a copy of its module, or "".
func (b *builder) cannotShadow(lp *listed, workspace bool) string {
	switch {
	case lp.Module == nil || b.tp.Module == nil || b.tp.Module.GoMod == "":
		return "in the module cache, and no main module to replace it in"
	case lp.Module.Replace != nil:
		return "in the module cache as the replacement of " + lp.Module.Path + "; replace it with a directory to instrument it"
	case workspace:
		return "in the module cache, and a go.work is in use (-modfile cannot replace the module)"
	}
	return ""
}

// add records what rewriting the package path (its files listed by lp)
// gave: the rewritten files go into the overlay, or into a shadow copy of
// their module when they are in the module cache.
func (b *builder) add(lp *listed, path string, inCache bool, pr *packageRewrite, err error) error {
	bin := b.bin
	if err != nil {
		bin.Unrewritten = append(bin.Unrewritten, path+": "+oneLine(err.Error()))
		return nil
	}
	for _, s := range pr.skips {
		bin.Skips = append(bin.Skips, path+"/"+s)
	}
	for _, s := range pr.unrewritten {
		bin.Unrewritten = append(bin.Unrewritten, path+"/"+s)
	}
	if len(pr.files) == 0 {
		return nil
	}
	if !slices.Contains(bin.Packages, path) {
		bin.Packages = append(bin.Packages, path)
	}
	bin.Sites += pr.sites
	for orig, src := range pr.files {
		if b.cfg.mangle != nil {
			src = b.cfg.mangle(orig, src)
		}
		b.files[orig] = rewrittenFile{pkg: path, sites: pr.fileSites[orig]}
		sum := sha256.Sum256(src)
		if inCache {
			sh := b.shadows[lp.Module.Dir]
			if sh == nil {
				sh = &shadow{path: lp.Module.Path, version: lp.Module.Version, dir: lp.Module.Dir, files: map[string][]byte{}}
				b.shadows[lp.Module.Dir] = sh
			}
			sh.files[orig] = src
			b.overlayKeys = append(b.overlayKeys, fmt.Sprintf("%s=%x", orig, sum))
			continue
		}
		p := filepath.Join(b.cache, "src", hex.EncodeToString(sum[:12]), filepath.Base(orig))
		if err := writeOnce(p, src); err != nil {
			return fmt.Errorf("writing the rewritten %s: %v", orig, err)
		}
		b.overlay[orig] = p
		b.overlayKeys = append(b.overlayKeys, orig+"="+p)
		b.files[orig] = rewrittenFile{pkg: path, sites: pr.fileSites[orig], path: p}
	}
	return nil
}

// key is step 5. The binary is named by everything that determines it:
// the export data of every package (named by the go command from its
// sources, flags and toolchain), the test files, the flags and
// environment, the rewritten files and the rewriter.
func (b *builder) key() error {
	h := sha256.New()
	sort.Strings(b.exportFiles)
	sort.Strings(b.overlayKeys)
	fmt.Fprintf(h, "rewriter %s\ntest %s\ndir %s\nflags %q\nenv %q\n", rewriterVersion, b.testPkg, b.dir, b.flags, b.env)
	for _, s := range b.exportFiles {
		fmt.Fprintln(h, s)
	}
	for _, s := range b.overlayKeys {
		fmt.Fprintln(h, s)
	}
	tp := b.tp
	for _, f := range slices.Concat(absFiles(tp.Dir, tp.TestGoFiles), absFiles(tp.Dir, tp.XTestGoFiles), absFiles(tp.Dir, tp.TestEmbedFiles), absFiles(tp.Dir, tp.XTestEmbedFiles)) {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %x\n", f, sha256.Sum256(data))
	}
	b.keyHex = hex.EncodeToString(h.Sum(nil))[:32]
	b.binDir = filepath.Join(b.cache, "bin", b.keyHex)
	b.bin.Path = filepath.Join(b.binDir, b.name)
	b.bin.Args = childArgs(b.cover)
	return nil
}

// cached is step 6: whether the binary is in the cache; if so, the facts
// its manifest keeps replace the ones this build found.
func (b *builder) cached() bool {
	c, ok := fromCache(b.binDir, b.name, b.cover)
	if c == nil {
		return false
	}
	if ok {
		b.bin.Packages, b.bin.Sites, b.bin.Skips, b.bin.Unrewritten = c.Packages, c.Sites, c.Skips, c.Unrewritten
	}
	b.bin.Cached = true
	return true
}

// found returns the cached binary, with the memo that finds it next time.
func (b *builder) found() *Binary {
	remember(b.cache, b.quick, b.keyHex)
	return b.bin
}

// compile is step 7: go test -c with the overlay into a temporary file
// in the binary's directory, which it returns. A rewritten file that does
// not compile is left out, and the build tried once more without it.
func (b *builder) compile(ctx context.Context) (tmp string, err error) {
	var wrapper string
	if b.cover {
		// go test -cover gives the cover tool the original files, not the
		// overlay's (golang/go#73802): a wrapper gives it the rewritten ones.
		if wrapper, err = coverWrapper(ctx, b.g, b.cache); err != nil {
			return "", fmt.Errorf("building the cover wrapper: %v", err)
		}
	}
	if tmp, err = tempName(b.binDir, "."+b.name+".*.tmp"); err != nil {
		return "", fmt.Errorf("cache directory: %v", err)
	}
	for attempt := 0; ; attempt++ {
		args, err := b.compileArgs(attempt, wrapper, tmp)
		if err != nil {
			return tmp, err
		}
		_, err = b.g.run(ctx, b.dir, args...)
		if err == nil {
			return tmp, nil
		}
		_ = os.Remove(tmp)
		bad := culprits(err.Error(), b.dir, b.files)
		if attempt > 0 || len(bad) == 0 || len(bad) == len(b.files) {
			return tmp, fmt.Errorf("%s (rewritten: %s)", err, strings.Join(b.bin.Packages, ", "))
		}
		b.leaveOut(bad, err.Error())
	}
}

// compileArgs are the go command's arguments for a compile attempt: the
// overlay (and module copies) as they stand, into tmp.
func (b *builder) compileArgs(attempt int, wrapper, tmp string) ([]string, error) {
	overlayFile := filepath.Join(b.binDir, fmt.Sprintf("overlay-%d.json", attempt))
	data, _ := json.Marshal(struct{ Replace map[string]string }{b.overlay})
	if err := writeOnce(overlayFile, data); err != nil {
		return nil, fmt.Errorf("writing the overlay: %v", err)
	}
	args := []string{"test", "-c", "-overlay=" + overlayFile}
	if len(b.shadows) > 0 {
		modfile, err := shadowModfile(b.cache, b.binDir, fmt.Sprintf("go-%d", attempt), b.tp.Module.GoMod, b.shadows)
		if err != nil {
			return nil, fmt.Errorf("copying the instrumented modules: %v", err)
		}
		args = append(args, "-modfile="+modfile)
	}
	if b.cover {
		args = append(args, "-toolexec="+quoteField(wrapper)+" "+quoteField(overlayFile))
	}
	args = append(args, "-o", tmp)
	args = append(args, b.flags...)
	return append(args, "--", b.testPkg), nil
}

// leaveOut drops the rewritten files bad, which did not compile (msg is
// the compiler's), from the overlay and the module copies, and says so in
// the binary's facts.
func (b *builder) leaveOut(bad []string, msg string) {
	for _, f := range bad {
		rf := b.files[f]
		delete(b.files, f)
		delete(b.overlay, f)
		for _, sh := range b.shadows {
			delete(sh.files, f)
		}
		b.bin.Sites -= rf.sites
		b.bin.Unrewritten = append(b.bin.Unrewritten, rf.pkg+"/"+filepath.Base(f)+": the rewritten file did not compile: "+firstLineAbout(msg, f, b.dir))
	}
	b.bin.Packages = b.bin.Packages[:0]
	for _, rf := range b.files {
		if !slices.Contains(b.bin.Packages, rf.pkg) {
			b.bin.Packages = append(b.bin.Packages, rf.pkg)
		}
	}
	sort.Strings(b.bin.Packages)
}

// keep is step 8: the manifest written, the binary compiled into tmp
// renamed into place, the memo written, the cache tidied.
func (b *builder) keep(tmp string) (*Binary, error) {
	data, _ := json.Marshal(b.bin)
	if err := writeOnce(filepath.Join(b.binDir, "manifest.json"), data); err != nil {
		return nil, fmt.Errorf("cache directory: %v", err)
	}
	if err := os.Rename(tmp, b.bin.Path); err != nil {
		return nil, fmt.Errorf("cache directory: %v", err)
	}
	remember(b.cache, b.quick, b.keyHex)
	tidy(b.cache, b.binDir)
	return b.bin, nil
}

// fromCache returns the binary name cached in binDir, or nil when it is
// not there; ok says whether its manifest (packages, sites, what was left
// out) was read. It marks the binary used, so that prune keeps it.
func fromCache(binDir, name string, cover bool) (bin *Binary, ok bool) {
	bin = &Binary{Path: filepath.Join(binDir, name), Args: childArgs(cover), Cached: true}
	if _, err := os.Stat(bin.Path); err != nil {
		return nil, false
	}
	if data, err := os.ReadFile(filepath.Join(binDir, "manifest.json")); err == nil {
		ok = json.Unmarshal(data, bin) == nil
	}
	now := time.Now()
	_ = os.Chtimes(binDir, now, now)
	return bin, ok
}

// rewrittenFile is what Build knows of one rewritten file.
type rewrittenFile struct {
	pkg   string
	sites int
	path  string // the rewritten copy, for an overlaid file
}

// pathForms are the ways the go command may write file f in an error:
// absolute, relative to dir, or the rewritten copy's path.
func pathForms(f, dir string, rf rewrittenFile) []string {
	forms := []string{f}
	if rel, err := filepath.Rel(dir, f); err == nil && !strings.HasPrefix(rel, "..") {
		forms = append(forms, "."+string(filepath.Separator)+rel, rel)
	}
	if rf.path != "" {
		forms = append(forms, rf.path)
	}
	return forms
}

// culprits are the rewritten files the build error msg points at (at a
// line: "file.go:12:3:").
func culprits(msg, dir string, files map[string]rewrittenFile) []string {
	var bad []string
	for f, rf := range files {
		for _, form := range pathForms(f, dir, rf) {
			if regexp.MustCompile(`(^|[\s(])` + regexp.QuoteMeta(form) + `:\d+`).MatchString(msg) {
				bad = append(bad, f)
				break
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// firstLineAbout is the first line of msg that names f.
func firstLineAbout(msg, f, dir string) string {
	for _, l := range strings.Split(msg, "\n") {
		for _, form := range pathForms(f, dir, rewrittenFile{}) {
			if strings.Contains(l, form+":") {
				return strings.TrimSpace(l)
			}
		}
	}
	return oneLine(msg)
}

// selectPackages picks the packages to instrument: the task's package (or
// the test package and what its tests import), the main module packages
// they import, the packages outside the main module they import that
// define a type implementing harness.Task (taskTypePackages), and the
// named ones. Notes say what was passed over.
func selectPackages(cfg Config, testPkg string, byPath map[string]*listed) (selected []*listed, notes []string) {
	named := map[string]bool{}
	var roots []string
	if cfg.TaskPkg == testPkg || cfg.TaskPkg == testPkg+"_test" {
		tp := byPath[testPkg]
		roots = append(roots, testPkg)
		roots = append(roots, tp.TestImports...)
		roots = append(roots, tp.XTestImports...)
		named[testPkg] = true
	} else {
		roots = append(roots, cfg.TaskPkg)
		named[cfg.TaskPkg] = true
	}
	for _, p := range cfg.Packages {
		named[p] = true
	}
	want := map[string]bool{}
	mainModule := func(p *listed) bool { return p.Module != nil && p.Module.Main }
	for _, r := range roots {
		p := byPath[r]
		if p == nil {
			if named[r] {
				notes = append(notes, r+": not listed as a plain package (only a test variant of it is built)")
			}
			continue
		}
		if named[r] || mainModule(p) {
			want[r] = true
		}
		for _, d := range p.Deps {
			if dp := byPath[d]; dp != nil && mainModule(dp) {
				want[d] = true
			}
		}
	}
	for p := range named {
		want[p] = true
	}
	// A dependency that defines the task's type is instrumented too.
	for _, p := range taskTypePackages(roots, byPath) {
		want[p] = true
	}
	for path := range want {
		p := byPath[path]
		switch {
		case p == nil:
			notes = append(notes, path+": not found by go list")
		case p.Standard:
			if named[path] {
				notes = append(notes, path+": the standard library is not instrumented")
			}
		case path == HookPath || strings.HasPrefix(path, "github.com/reaptest/reaptest/harness") || !named[path] && (path == "github.com/reaptest/reaptest" || strings.HasPrefix(path, "github.com/reaptest/reaptest/")):
			// reaptest's own packages: only when named
		case p.Error != nil:
			notes = append(notes, path+": "+oneLine(p.Error.Err))
		case len(p.GoFiles) == 0:
		default:
			selected = append(selected, p)
		}
	}
	sort.Slice(selected, func(i, j int) bool { return selected[i].ImportPath < selected[j].ImportPath })
	sort.Strings(notes)
	return selected, notes
}

// isCoverFlag reports whether f is a coverage flag.
func isCoverFlag(f string) bool {
	return f == "-cover" || strings.HasPrefix(f, "-cover=") || strings.HasPrefix(f, "-covermode") || strings.HasPrefix(f, "-coverpkg")
}

// envSettings are the build settings that are environment variables.
var envSettings = map[string]bool{
	"CGO_ENABLED": true, "CGO_CFLAGS": true, "CGO_CPPFLAGS": true, "CGO_CXXFLAGS": true, "CGO_LDFLAGS": true,
	"GOOS": true, "GOARCH": true, "GOEXPERIMENT": true, "GOFIPS140": true,
	"GOAMD64": true, "GOARM": true, "GOARM64": true, "GO386": true, "GOMIPS": true, "GOMIPS64": true, "GOPPC64": true, "GORISCV64": true, "GOWASM": true,
}

// carried returns the running binary's build flags (from its build info)
// followed by EnvBuildFlags, and its build environment followed by env.
func carried(env []string) (flags, outEnv []string) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "-cover" || s.Key == "-compiler":
			case strings.HasPrefix(s.Key, "-"):
				flags = append(flags, s.Key+"="+s.Value)
			case envSettings[s.Key]:
				outEnv = append(outEnv, s.Key+"="+s.Value)
			}
		}
		for _, s := range bi.Settings {
			if s.Key == "-cover" && s.Value == "true" {
				flags = append(flags, "-cover")
			}
		}
	}
	flags = append(flags, strings.Fields(os.Getenv(EnvBuildFlags))...)
	return flags, append(outEnv, env...)
}

// childArgs are the flags that make the child write its coverage where
// the parent merges it.
func childArgs(cover bool) []string {
	if !cover {
		return nil
	}
	if f := flag.Lookup("test.gocoverdir"); f != nil && f.Value.String() != "" {
		return []string{"-test.gocoverdir=" + f.Value.String()}
	}
	return nil
}

// quoteField quotes s for the go command's flag splitting when it needs it.
func quoteField(s string) string {
	if !strings.ContainsAny(s, " \t\n'\"") {
		return s
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}
