// Package autopoint is the hook that code instrumented by reaptest calls
// before every synchronization operation (lock and unlock, channel send,
// receive and close, select, sync/atomic, WaitGroup, Once, Cond, go
// statements). reaptest rewrites a copy of the code under test to call it;
// people do not call it by hand (hand-placed fault points are
// harness.Env.Point).
//
// An instrumented file registers its sites once, from a package-level
// variable, and calls [P] (or one of its wrappers) with a site's id. The
// harness installs a [Hook] for the duration of a check; with none
// installed a call costs one atomic load.
package autopoint

import (
	"fmt"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Site is one synchronization operation in instrumented code.
type Site struct {
	Pkg  string // import path of its package
	File string // base name of its file
	Line int
	Col  int
	Op   string // what it does: Lock, Unlock, close, send, recv, select, go, Load, ...
}

// Hook is called before the operation at site id, on the goroutine that is
// about to do it.
type Hook func(id uint32)

var (
	goHooks atomic.Pointer[GoHooks]
	mu      sync.Mutex
	sites   []Site            // guarded by mu; index is the site's id
	names   []string          // guarded by mu; names[id] is the site's name (see Name)
	byKey   map[string]uint32 // guarded by mu; short name -> id
	hook    atomic.Pointer[Hook]
)

// Register records the sites of one instrumented file of package pkg and
// returns the id of the first; the others follow in order. Each site is
// written "line:col op". It is called from the rewritten file's
// package-level variables, so before any of the file's code runs.
func Register(pkg, file string, specs ...string) uint32 {
	mu.Lock()
	defer mu.Unlock()
	base := uint32(len(sites))
	for _, s := range specs {
		pos, op, _ := strings.Cut(s, " ")
		ls, cs, _ := strings.Cut(pos, ":")
		line, _ := strconv.Atoi(ls)
		col, _ := strconv.Atoi(cs)
		sites = append(sites, Site{Pkg: pkg, File: path.Base(file), Line: line, Col: col, Op: op})
	}
	renameLocked()
	return base
}

// renameLocked gives every site its shortest unambiguous name: "file:line
// op"; with the column when the line has two such operations; with the
// package's last path element when two packages have a file of that name.
func renameLocked() {
	count := func(key func(Site) string) map[string]int {
		m := map[string]int{}
		for _, s := range sites {
			m[key(s)]++
		}
		return m
	}
	filePkgs := map[string]map[string]bool{}
	for _, s := range sites {
		if filePkgs[s.File] == nil {
			filePkgs[s.File] = map[string]bool{}
		}
		filePkgs[s.File][s.Pkg] = true
	}
	file := func(s Site) string {
		if len(filePkgs[s.File]) > 1 {
			return path.Base(s.Pkg) + "/" + s.File
		}
		return s.File
	}
	short := func(s Site) string { return fmt.Sprintf("%s:%d %s", file(s), s.Line, s.Op) }
	n := count(func(s Site) string { return s.Pkg + "\x00" + short(s) })
	names = make([]string, len(sites))
	byKey = make(map[string]uint32, len(sites))
	for i, s := range sites {
		name := short(s)
		if n[s.Pkg+"\x00"+name] > 1 {
			name = fmt.Sprintf("%s:%d:%d %s", file(s), s.Line, s.Col, s.Op)
		}
		if _, dup := byKey[name]; dup { // same base name, same package path tail
			name = fmt.Sprintf("%s/%s:%d:%d %s", s.Pkg, s.File, s.Line, s.Col, s.Op)
		}
		names[i] = name
		byKey[name] = uint32(i)
	}
}

// SetHook installs h (nil removes it) and returns the hook it replaced.
func SetHook(h Hook) Hook {
	var old *Hook
	if h == nil {
		old = hook.Swap(nil)
	} else {
		old = hook.Swap(&h)
	}
	if old == nil {
		return nil
	}
	return *old
}

// P is called before the synchronization operation at site id.
func P(id uint32) {
	if h := hook.Load(); h != nil {
		(*h)(id)
	}
}

// GoHooks are the hooks of go statements, beside [Hook]: go f(x) becomes
// go Go(id, f)(x); Started(id).
type GoHooks struct {
	// Wrap, called before the go statement at site id, says whether the
	// new goroutine must call Begin first thing.
	Wrap func(id uint32) bool
	// Begin is called on a new goroutine, first thing, when Wrap said so.
	Begin func()
	// Started is called after the go statement at site id has started its
	// goroutine, on the goroutine that ran the statement: there the
	// harness may make it wait for the new goroutine, when the scenario
	// says the new one runs first.
	Started Hook
}

// SetGoHooks installs h (nil removes them) and returns the hooks it
// replaced.
func SetGoHooks(h *GoHooks) *GoHooks { return goHooks.Swap(h) }

// Go calls P(id) and returns f: go f(x) becomes go Go(id, f)(x). When the
// go hooks ask for it (GoHooks.Wrap), f is wrapped so that the new
// goroutine calls GoHooks.Begin before f; f is then called through
// reflection, with the same arguments and results.
func Go[F any](id uint32, f F) F {
	P(id)
	h := goHooks.Load()
	if h == nil || h.Wrap == nil || h.Begin == nil || !h.Wrap(id) {
		return f
	}
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func || v.IsNil() { // a nil func panics in the go statement, as it would
		return f
	}
	begin := h.Begin
	w := reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
		begin()
		if v.Type().IsVariadic() {
			return v.CallSlice(args)
		}
		return v.Call(args)
	})
	return w.Interface().(F)
}

// Started is called after the go statement at site id has started its
// goroutine, on the goroutine that ran it (see GoHooks.Started).
func Started(id uint32) {
	if h := goHooks.Load(); h != nil && h.Started != nil {
		h.Started(id)
	}
}

// V calls P(id) and returns v: it wraps an operand that is evaluated just
// before the operation, where a statement cannot go (a select case's
// channel, a condition).
func V[T any](id uint32, v T) T {
	P(id)
	return v
}

// Deferred runs f after P(id): a deferred operation (defer mu.Unlock())
// becomes defer autopoint.Deferred(id, mu.Unlock), so the point is passed
// when the deferred call runs, not when it is deferred.
func Deferred(id uint32, f func()) {
	P(id)
	f()
}

// DeferredClose closes c after P(id): a deferred close (defer close(ch))
// becomes defer autopoint.DeferredClose(id, ch), which evaluates ch when
// it is deferred, as close would, and passes the point when it runs.
func DeferredClose[T any](id uint32, c chan<- T) {
	P(id)
	close(c)
}

// Range passes the point id before every receive of a for range over c:
// for v := range ch becomes for v := range autopoint.Range(id, ch). The
// receives happen on the loop's goroutine, one at a time, as in the
// original loop, which ends when c is closed.
func Range[T any](id uint32, c <-chan T) func(yield func(T) bool) {
	return func(yield func(T) bool) {
		for {
			P(id)
			v, ok := <-c
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// Count is the number of sites registered.
func Count() int {
	mu.Lock()
	defer mu.Unlock()
	return len(sites)
}

// Sites returns every registered site, indexed by id.
func Sites() []Site {
	mu.Lock()
	defer mu.Unlock()
	return append([]Site(nil), sites...)
}

// Name returns the name of site id as reports and scenario files write it,
// e.g. "task.go:42 close", or "" for an unknown id.
func Name(id uint32) string {
	mu.Lock()
	defer mu.Unlock()
	if int(id) >= len(names) {
		return ""
	}
	return names[id]
}

// Lookup returns the id of the site named name (as Name writes it).
func Lookup(name string) (uint32, bool) {
	mu.Lock()
	defer mu.Unlock()
	id, ok := byKey[name]
	return id, ok
}
