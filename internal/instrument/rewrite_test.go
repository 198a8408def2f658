package instrument

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// std is the export data of the standard packages the test sources use.
var std struct {
	once sync.Once
	ex   exports
	err  error
}

func stdExports(t *testing.T) exports {
	t.Helper()
	std.once.Do(func() {
		pkgs, err := goList(context.Background(), &goCmd{path: "go"}, ".", nil, "sync", "sync/atomic", "context", "time")
		if err != nil {
			std.err = err
			return
		}
		std.ex = exports{}
		for _, p := range pkgs {
			std.ex[p.ImportPath] = p.Export
		}
	})
	if std.err != nil {
		t.Fatalf("go list of the standard packages: %v", std.err)
	}
	return std.ex
}

// rewriteSource type-checks src as the file /src/p/task.go of package
// example.com/p and rewrites it.
func rewriteSource(t *testing.T, src string) (out string, sites, skips []string) {
	t.Helper()
	fset := token.NewFileSet()
	c, err := typeCheck(fset, "example.com/p", []string{"/src/p/task.go"}, [][]byte{[]byte(src)}, stdExports(t).importer(fset)(nil))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	b, sites, skips, err := rewriteFile(fset, c.files[0], c.srcs[0], c.info, "example.com/p", 0, 25, false)
	if err != nil {
		t.Fatalf("rewriteFile: %v", err)
	}
	return string(b), sites, skips
}

var directiveRE = regexp.MustCompile(`/\*line [^*]*\*/`)

// prelude declares what the cases' lines use; a case is the body of f.
const prelude = `package p

import (
	"sync"
	"sync/atomic"
)

type T struct {
	sync.Mutex
	mu   sync.RWMutex
	wg   sync.WaitGroup
	once sync.Once
	cond *sync.Cond
	n    atomic.Int64
	p    atomic.Pointer[sync.Mutex]
	v    atomic.Value
	m    sync.Map
	i32  int32
	done chan struct{}
}

type fake struct{}

func (fake) Lock()         {}
func (fake) Wait()         {}
func use(...any)           {}
func gen[X any](x X)       {}

func f(t *T, fk fake, ch chan int, ro <-chan int, chch chan chan int, l sync.Locker) {
	%s
}

func recvC[C ~chan int](c C) int { return <-c }

func rangeC[C ~chan int](c C) { for range c {} }

func lockIt[L sync.Locker](l L) { l.Lock(); defer l.Unlock() }

func sendC[C ~chan int](c C) { c <- 1; close(c) }

type G[K comparable] struct {
	mu sync.Mutex
	m  map[K]chan int
}

func (g *G[K]) get(k K) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case v, ok := <-g.m[k]:
		if ok {
			return v
		}
	default:
	}
	return 0
}
`

// The rewriter makes every synchronization operation pass a point, and
// nothing else.
func TestRewriteOps(t *testing.T) {
	const id = "__reaptest_base0+"
	for _, tc := range []struct {
		name, line, want string
		sites            []string // ops in order
		skips            int
	}{
		{"lock", `t.mu.Lock()`, `__reaptest.RWLock(` + id + `0, &t.mu)`, []string{"Lock"}, 0},
		{"embedded mutex", `t.Lock(); t.Unlock()`, `__reaptest.Lock(` + id + `0, &t.Mutex); __reaptest.UnlockThen(` + id + `1, ` + id + `2, &t.Mutex)`, []string{"Lock", "Unlock", "unlocked"}, 0},
		{"rwmutex", `t.mu.RLock(); t.mu.RUnlock()`, `__reaptest.RLock(` + id + `0, &t.mu); __reaptest.RUnlockThen(` + id + `1, ` + id + `2, &t.mu)`, []string{"RLock", "RUnlock", "unlocked"}, 0},
		{"trylock in a condition", `if t.mu.TryLock() { t.mu.Unlock() }`, `if __reaptest.V(` + id + `0, t.mu.TryLock)() { __reaptest.RWUnlockThen(` + id + `1, ` + id + `2, &t.mu) }`, []string{"TryLock", "Unlock", "unlocked"}, 0},
		{"user methods named like sync ones", `fk.Lock(); fk.Wait()`, `fk.Lock(); fk.Wait()`, nil, 0},
		{"locker interface", `l.Lock()`, `__reaptest.LockerLock(` + id + `0, l)`, []string{"Lock"}, 0},
		{"waitgroup", `t.wg.Add(1); t.wg.Done(); t.wg.Wait()`, `__reaptest.V(` + id + `0, t.wg.Add)(1); __reaptest.V(` + id + `1, t.wg.Done)(); __reaptest.V(` + id + `2, t.wg.Wait)()`, []string{"Add", "Done", "Wait"}, 0},
		{"waitgroup go", `t.wg.Go(func() {})`, `__reaptest.V(` + id + `0, t.wg.Go)(func() {})`, []string{"Go"}, 0},
		{"once", `t.once.Do(func() {})`, `__reaptest.V(` + id + `0, t.once.Do)(func() {})`, []string{"Do"}, 0},
		{"cond", `t.cond.L.Lock(); t.cond.Wait(); t.cond.Signal(); t.cond.Broadcast()`, `__reaptest.LockerLock(` + id + `0, t.cond.L); __reaptest.V(` + id + `1, t.cond.Wait)(); __reaptest.V(` + id + `2, t.cond.Signal)(); __reaptest.V(` + id + `3, t.cond.Broadcast)()`, []string{"Lock", "Wait", "Signal", "Broadcast"}, 0},
		{"send", `ch <- 1`, `__reaptest.V(` + id + `0, ch) <- 1`, []string{"send"}, 0},
		{"receive", `x := <-ch; use(x)`, `x := <-__reaptest.V(` + id + `0, ch); use(x)`, []string{"recv"}, 0},
		{"receive in a condition", `if v, ok := <-ro; ok { use(v) }`, `if v, ok := <-__reaptest.V(` + id + `0, ro); ok { use(v) }`, []string{"recv"}, 0},
		{"receive in a loop header", `for <-ro != 0 {}`, `for <-__reaptest.V(` + id + `0, ro) != 0 {}`, []string{"recv"}, 0},
		{"range over a channel", `for v := range ch { use(v) }`, `for v := range __reaptest.Range(` + id + `0, ch) { use(v) }`, []string{"recv"}, 0},
		{"range over a receive-only channel", `for range ro {}`, `for range __reaptest.Range(` + id + `0, ro) {}`, []string{"recv"}, 0},
		{"range over a type parameter channel", `rangeC(ch)`, `rangeC(ch)`, nil, 0},
		{"range over a slice", `for v := range []int{1} { use(v) }`, `for v := range []int{1} { use(v) }`, nil, 0},
		{"nested receives", `use(<-<-chch)`, `use(<-__reaptest.V(` + id + `0, <-__reaptest.V(` + id + `1, chch)))`, []string{"recv", "recv"}, 0},
		{"close", `close(ch)`, `close(__reaptest.V(` + id + `0, ch))`, []string{"close"}, 0},
		{"close of a receive", `close(<-chch)`, `close(__reaptest.V(` + id + `0, <-__reaptest.V(` + id + `1, chch)))`, []string{"close", "recv"}, 0},
		{"select", `select { case v := <-ch: use(v); case t.done <- struct{}{}: default: }`, `select { case v := <-__reaptest.V(` + id + `0, ch): use(v); case t.done <- struct{}{}: default: }`, []string{"select"}, 0},
		{"select default first", `select { default: case t.done <- struct{}{}: }`, `select { default: case __reaptest.V(` + id + `0, t.done) <- struct{}{}: }`, []string{"select"}, 0},
		{"empty select", `select {}`, `select {}`, nil, 0},
		{"go", `go use(1)`, `go __reaptest.Go(` + id + `0, use)(1); __reaptest.Started(` + id + `0)`, []string{"go"}, 0},
		{"go func literal", `go func() { close(ch) }()`, `go __reaptest.Go(` + id + `0, func() { close(__reaptest.V(` + id + `1, ch)) })(); __reaptest.Started(` + id + `0)`, []string{"go", "close"}, 0},
		{"go in a block and a case", `if true { go use(1) }; switch { case true: go use(2) }`, `if true { go __reaptest.Go(` + id + `0, use)(1); __reaptest.Started(` + id + `0) }; switch { case true: go __reaptest.Go(` + id + `1, use)(2); __reaptest.Started(` + id + `1) }`, []string{"go", "go"}, 0},
		{"go sync method", `go t.wg.Wait()`, `go __reaptest.Go(` + id + `0, t.wg.Wait)(); __reaptest.Started(` + id + `0)`, []string{"go"}, 0},
		{"go generic", `go gen(t)`, `go gen(__reaptest.V(` + id + `0, t)); __reaptest.Started(` + id + `0)`, []string{"go"}, 0},
		{"go generic untyped", `go gen(1)`, `go gen(1)`, nil, 1},
		{"defer unlock", `defer t.mu.Unlock()`, `defer __reaptest.RWUnlock(` + id + `0, &t.mu)`, []string{"Unlock"}, 0},
		{"defer close", `defer close(ch)`, `defer __reaptest.DeferredClose(` + id + `0, ch)`, []string{"close"}, 0},
		{"defer with arguments", `defer t.wg.Add(-1)`, `defer t.wg.Add(-1)`, nil, 1},
		{"defer with a receive argument", `defer use(<-ch)`, `defer use(<-__reaptest.V(` + id + `0, ch))`, []string{"recv"}, 0},
		{"atomic functions", `atomic.AddInt32(&t.i32, 1); atomic.CompareAndSwapInt32(&t.i32, 1, 2); use(atomic.LoadInt32(&t.i32))`, `__reaptest.V(` + id + `0, atomic.AddInt32)(&t.i32, 1); __reaptest.V(` + id + `1, atomic.CompareAndSwapInt32)(&t.i32, 1, 2); use(__reaptest.V(` + id + `2, atomic.LoadInt32)(&t.i32))`, []string{"Add", "CompareAndSwap", "Load"}, 0},
		{"atomic types", `t.n.Add(1); t.v.Store(1); t.p.Load().Lock()`, `__reaptest.V(` + id + `0, t.n.Add)(1); __reaptest.V(` + id + `1, t.v.Store)(1); __reaptest.Lock(` + id + `2, __reaptest.V(` + id + `3, t.p.Load)())`, []string{"Add", "Store", "Lock", "Load"}, 0},
		{"sync.Map", `if _, ok := t.m.Load(1); !ok { t.m.Store(1, 2) }; t.m.LoadOrStore(1, 2); t.m.Delete(1); t.m.Range(func(k, v any) bool { return true }); t.m.CompareAndSwap(1, 2, 3); t.m.Swap(1, 2); t.m.Clear()`, `if _, ok := __reaptest.V(` + id + `0, t.m.Load)(1); !ok { __reaptest.V(` + id + `1, t.m.Store)(1, 2) }; __reaptest.V(` + id + `2, t.m.LoadOrStore)(1, 2); __reaptest.V(` + id + `3, t.m.Delete)(1); __reaptest.V(` + id + `4, t.m.Range)(func(k, v any) bool { return true }); __reaptest.V(` + id + `5, t.m.CompareAndSwap)(1, 2, 3); __reaptest.V(` + id + `6, t.m.Swap)(1, 2); __reaptest.V(` + id + `7, t.m.Clear)()`, []string{"Load", "Store", "LoadOrStore", "Delete", "Range", "CompareAndSwap", "Swap", "Clear"}, 0},
		{"atomic.Value", `if t.v.Load() == nil { t.v.Store(1) }; t.v.CompareAndSwap(1, 2); t.v.Swap(3)`, `if __reaptest.V(` + id + `0, t.v.Load)() == nil { __reaptest.V(` + id + `1, t.v.Store)(1) }; __reaptest.V(` + id + `2, t.v.CompareAndSwap)(1, 2); __reaptest.V(` + id + `3, t.v.Swap)(3)`, []string{"Load", "Store", "CompareAndSwap", "Swap"}, 0},
		{"pointer to a mutex", `t.p.Load().Unlock()`, `__reaptest.UnlockThen(` + id + `0, ` + id + `2, __reaptest.V(` + id + `1, t.p.Load)())`, []string{"Unlock", "Load", "unlocked"}, 0},
		{"unlock in a case, a select case and a header", `switch { case true: l.Unlock() }; select { case <-ch: t.Unlock(); default: }; if t.Unlock(); true {}`, `switch { case true: __reaptest.LockerUnlockThen(` + id + `0, ` + id + `1, l) }; select { case <-__reaptest.V(` + id + `2, ch): __reaptest.UnlockThen(` + id + `3, ` + id + `4, &t.Mutex); default: }; if __reaptest.Unlock(` + id + `5, &t.Mutex); true {}`, []string{"Unlock", "unlocked", "select", "Unlock", "unlocked", "Unlock"}, 0},
		{"lock in a parenthesized receiver", `(*t).mu.Lock()`, `__reaptest.RWLock(` + id + `0, &(*t).mu)`, []string{"Lock"}, 0},
		{"defer of an embedded unlock", `defer t.Unlock()`, `defer __reaptest.Unlock(` + id + `0, &t.Mutex)`, []string{"Unlock"}, 0},
		{"go unlock", `go t.mu.Unlock()`, `go __reaptest.Go(` + id + `0, t.mu.Unlock)(); __reaptest.Started(` + id + `0)`, []string{"go"}, 0},
		{"method expression", `(*sync.Mutex).Lock(&t.Mutex)`, `__reaptest.V(` + id + `0, (*sync.Mutex).Lock)(&t.Mutex)`, []string{"Lock"}, 0},
		{"new cond", `t.cond = sync.NewCond(&t.Mutex); t.cond.Wait()`, `t.cond = sync.NewCond(__reaptest.CondLocker(&t.Mutex)); __reaptest.V(` + id + `0, t.cond.Wait)()`, []string{"Wait"}, 0},
		{"method value not called", `g := t.mu.Unlock; g()`, `g := t.mu.Unlock; g()`, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := fmt.Sprintf(prelude, tc.line)
			out, sites, skips := rewriteSource(t, src)
			plain := directiveRE.ReplaceAllString(out, "")
			lines := strings.Split(plain, "\n")
			n := strings.Count(prelude[:strings.Index(prelude, "%s")], "\n")
			if got := strings.TrimSpace(lines[n]); got != tc.want {
				t.Errorf("rewritten line:\n got  %s\n want %s", got, tc.want)
			}
			var ops []string
			for _, s := range sites {
				if strings.HasPrefix(s, fmt.Sprintf("%d:", n+1)) {
					ops = append(ops, s[strings.Index(s, " ")+1:])
				}
			}
			if !slices.Equal(ops, tc.sites) {
				t.Errorf("sites = %q, want ops %q on line %d", sites, tc.sites, n+1)
			}
			if !strings.HasPrefix(lines[0], `package p; import __reaptest "github.com/reaptest/reaptest/harness/autopoint"`) {
				t.Errorf("first line = %q, want the import on the package clause", lines[0])
			}
			if !strings.Contains(plain, "\nvar __reaptest_base0 = __reaptest.Register(\"example.com/p\", \"task.go\", ") {
				t.Errorf("no registration at the end:\n%s", plain)
			}
			if len(skips) != tc.skips {
				t.Errorf("skips = %q, want %d", skips, tc.skips)
			}
			samePositions(t, src, out)
		})
	}
}

// samePositions checks that every statement, block, function literal and
// call of src keeps its position and end (line and column, after line
// directives) in the rewritten out.
func samePositions(t *testing.T, src, out string) {
	t.Helper()
	nodes := func(s string) []string {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "/src/p/task.go", s, parser.ParseComments)
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, s)
		}
		var list []string
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case ast.Stmt, *ast.FuncLit, *ast.CaseClause, *ast.CommClause:
				if c, ok := n.(*ast.CallExpr); ok && isHook(c) {
					break
				}
				if s, ok := n.(*ast.ExprStmt); ok { // hook.Started(id) after a go statement
					if c, ok := s.X.(*ast.CallExpr); ok && isHook(c) && c.Fun.(*ast.SelectorExpr).Sel.Name == "Started" {
						break
					}
				}
				p, e := fset.Position(n.Pos()), fset.Position(n.End())
				list = append(list, fmt.Sprintf("%T %s:%d:%d-%d:%d", n, filepath.Base(p.Filename), p.Line, p.Column, e.Line, e.Column))
			}
			return true
		})
		return list
	}
	want, got := nodes(src), nodes(out)
	if !slices.Equal(want, got) {
		t.Errorf("positions changed:\n got  %q\n want %q\n%s", got, want, out)
	}
}

func isHook(c *ast.CallExpr) bool {
	s, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := s.X.(*ast.Ident)
	return ok && x.Name == hookName
}

// fixtureHook, a test file of package p, gives a fixture module's tests
// the internal hook table of reaptest (internal/hook), which the harness
// uses and a module outside reaptest cannot import: hookSet installs the
// hook instrumented code calls, hookCount and hookName read the sites
// registered. autopoint, imported, links internal/hook into the binary.
const fixtureHook = `package p

import (
	_ "unsafe" // go:linkname

	_ "github.com/reaptest/reaptest/harness/autopoint"
)

//go:linkname hookSet github.com/reaptest/reaptest/internal/hook.Set
func hookSet(h func(id uint32)) func(id uint32)

//go:linkname hookCount github.com/reaptest/reaptest/internal/hook.Count
func hookCount() int

//go:linkname hookName github.com/reaptest/reaptest/internal/hook.Name
func hookName(id uint32) string
`

// moduleDir writes a module requiring this checkout of reaptest with the
// given files into a temporary directory.
func moduleDir(t testing.TB, files map[string]string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{
		"go.mod": "module example.com/p\n\ngo 1.25\n\nrequire github.com/reaptest/reaptest v0.0.0\n\nreplace github.com/reaptest/reaptest => " + root + "\n",
		"go.sum": string(sum),
	}
	for k, v := range files {
		all[k] = v
	}
	for name, data := range all {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goRun runs the go command in dir.
func goRun(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The rewritten code of every case compiles, passes go vet, and a panic in
// it is reported at the original file and line.
func TestRewrittenCompilesAndKeepsLines(t *testing.T) {
	var body strings.Builder
	for _, l := range []string{
		`t.mu.Lock(); t.mu.Unlock(); t.Lock(); t.Unlock(); l.Lock(); l.Unlock()`,
		`if t.mu.TryLock() { t.mu.Unlock() }`,
		`if _, ok := t.m.Load(1); !ok { t.m.Store(1, 2) }; t.m.Range(func(k, v any) bool { return true }); if t.v.Load() == nil { t.v.Store(1) }`,
		`t.wg.Add(1); t.wg.Done(); t.wg.Go(func() {}); t.wg.Wait(); t.once.Do(func() {})`,
		`if t.cond != nil { t.cond.L.Lock(); t.cond.Signal(); t.cond.Broadcast(); t.cond.L.Unlock() }`,
		`t.cond = sync.NewCond(&t.Mutex)`,
		`go func() { ch <- 1 }(); x := <-ch; use(x)`,
		`go func() { ch <- 2; close(ch) }(); for v := range ch { use(v) }`,
		`select { case v, ok := <-ro: use(v, ok); case t.done <- struct{}{}: default: }`,
		`go gen(t); go use(1); defer use(<-ro)`,
		`atomic.AddInt32(&t.i32, 1); atomic.CompareAndSwapInt32(&t.i32, 1, 2); use(atomic.LoadInt32(&t.i32))`,
		`t.n.Add(1); t.v.Store(1); t.p.Store(&sync.Mutex{}); t.p.Load().Lock(); t.p.Load().Unlock()`,
		`c2 := make(chan int, 1); c2 <- 3; use(recvC(c2)); defer close(c2)`,
		`t.mu.Lock(); defer t.mu.Unlock()`,
	} {
		body.WriteString(l + "\n\t")
	}
	src := fmt.Sprintf(prelude, body.String()) + `
// Boom closes a closed channel: the panic names this line.
func Boom() {
	ch := make(chan int)
	close(ch)
	close(ch) // boom
}
`
	boomLine := 1 + strings.Count(src[:strings.Index(src, "// boom")], "\n")
	out, sites, _ := rewriteSource(t, src)
	if len(sites) < 40 {
		t.Errorf("%d sites, want at least 40: %q", len(sites), sites)
	}
	samePositions(t, src, out)
	dir := moduleDir(t, map[string]string{
		"task.go": src,
		"task_test.go": `package p

import (
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestRun(t *testing.T) {
	var hits atomic.Int32
	hookSet(func(uint32) { hits.Add(1) })
	defer hookSet(nil)
	tt := &T{done: make(chan struct{}, 1)}
	ro := make(chan int, 2)
	ro <- 5
	ro <- 6
	f(tt, fake{}, make(chan int), ro, nil, &sync.Mutex{})
	if hits.Load() < 30 {
		t.Errorf("%d points passed, want at least 30", hits.Load())
	}
}

func TestBoom(t *testing.T) {
	defer func() {
		r := recover()
		stack := string(debug.Stack())
		t.Logf("panic %v\n%s", r, stack)
		if !strings.Contains(stack, "/task.go:` + fmt.Sprint(boomLine) + ` ") {
			t.Errorf("the stack does not name task.go:` + fmt.Sprint(boomLine) + `")
		}
	}()
	Boom()
}
`,
		"hook_test.go": fixtureHook,
	})
	rewritten := filepath.Join(t.TempDir(), "task.go")
	if err := os.WriteFile(rewritten, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(t.TempDir(), "overlay.json")
	if err := os.WriteFile(overlay, fmt.Appendf(nil, `{"Replace":{%q:%q}}`, filepath.Join(dir, "task.go"), rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := goRun(t, dir, "mod", "tidy"); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, o)
	}
	if o, err := goRun(t, dir, "vet", "-overlay="+overlay, "."); err != nil {
		t.Fatalf("go vet of the rewritten code: %v\n%s\n%s", err, o, out)
	}
	o, err := goRun(t, dir, "test", "-count=1", "-v", "-overlay="+overlay, ".")
	if err != nil {
		t.Fatalf("go test of the rewritten code: %v\n%s\n%s", err, o, out)
	}
	if !strings.Contains(o, "--- PASS: TestBoom") || !strings.Contains(o, "close of closed channel") {
		t.Errorf("go test output lacks the passing TestBoom and its panic:\n%s", o)
	}
}

// A file of a module older than go1.18 gets the build constraint that
// lets it use V, on its own line without moving the others, or before
// the first with a directive that gives the lines their numbers back.
func TestRewriteUpgradesOldModules(t *testing.T) {
	for _, tc := range []struct{ src, first string }{
		{"//go:build linux || !linux\n\npackage p\n\nfunc f(ch chan int) { close(ch) }\n", "//go:build (linux || !linux) && go1.18"},
		{"// Package p.\npackage p\n\nfunc f(ch chan int) { close(ch) }\n", "//go:build go1.18"},
		{"// Package p.\npackage p\n\nfunc f(ch chan int) { for range ch {} }\n", "//go:build go1.23"},
	} {
		fset := token.NewFileSet()
		c, err := typeCheck(fset, "example.com/p", []string{"/src/p/task.go"}, [][]byte{[]byte(tc.src)}, stdExports(t).importer(fset)(nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _, _, err := rewriteFile(fset, c.files[0], c.srcs[0], c.info, "example.com/p", 0, 16, false)
		if err != nil {
			t.Fatal(err)
		}
		out := string(b)
		if first, _, _ := strings.Cut(out, "\n"); first != tc.first {
			t.Errorf("first line = %q, want %q", first, tc.first)
		}
		samePositions(t, tc.src, out)
	}
}
