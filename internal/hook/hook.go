// Package hook is what harness/autopoint's calls reach: the table of the
// sites instrumented code registers, the hook the harness installs for
// the duration of a check, and the hooks of go statements. It is internal
// so that only the harness installs hooks and reads the table; autopoint
// keeps what rewritten code calls, and nothing else.
//
// Package harness claims the hook for one check at a time (see
// harness/autohook.go); internal/sim names sites by their ids; a module's
// instrumented code reaches this package only through autopoint.
package hook

import (
	"bytes"
	"fmt"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Site is one synchronization operation in instrumented code.
type Site struct {
	Pkg  string // import path of its package
	File string // base name of its file
	Line int
	Col  int
	Op   string // what it does: Lock, Unlock, close, send, recv, select, go, Load, ...
}

// Func is called before the operation at site id, on the goroutine that
// is about to do it.
type Func func(id uint32)

// GoHooks are the hooks of go statements, beside [Func]: go f(x) becomes
// go autopoint.Go(id, f)(x); autopoint.Started(id).
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
	Started Func
}

// Lock waits that testing/synctest counts as durable (autopoint's Lock
// and its kin): a parked waiter wakes on a virtual timer after PollFirst,
// then twice as long each time, and gives up, waiting as sync does, once
// it has waited PollGiveUp of virtual time on its timer alone.
const (
	PollFirst  = time.Millisecond
	PollGiveUp = 63 * time.Millisecond // PollFirst + 2*PollFirst + ... + 32*PollFirst
)

// Active is the hook installed, nil when none is: autopoint.P loads it
// directly, one atomic load, since a call to a function here would push
// P past the compiler's inlining budget. Install a hook with Set.
var Active atomic.Pointer[Func]

var (
	goHooks atomic.Pointer[GoHooks]
	mu      sync.Mutex
	sites   []Site            // guarded by mu; index is the site's id
	names   []string          // guarded by mu; names[id] is the site's name (see Name)
	byKey   map[string]uint32 // guarded by mu; name -> id
)

// Set installs h (nil removes it) and returns the hook it replaced.
func Set(h Func) Func {
	var old *Func
	if h == nil {
		old = Active.Swap(nil)
	} else {
		old = Active.Swap(&h)
	}
	if old == nil {
		return nil
	}
	return *old
}

// SetGo installs the go statements' hooks (nil removes them) and returns
// the ones it replaced.
func SetGo(h *GoHooks) *GoHooks { return goHooks.Swap(h) }

// Go returns the go statements' hooks installed, or nil.
func Go() *GoHooks { return goHooks.Load() }

// Register records the sites of one instrumented file of package pkg and
// returns the id of the first; the others follow in order. Each site is
// written "line:col op" (autopoint.Register).
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

// InBubble reports whether the calling goroutine runs in a
// testing/synctest bubble, whose clock is virtual. It costs a few
// microseconds (see Bubble).
func InBubble() bool { return Bubble() != 0 }

// Bubble returns the id of the synctest bubble of the calling goroutine,
// 0 outside any: the runtime prints it in the goroutine's header
// ("goroutine 7 [running, synctest bubble 2]:"). It costs a few
// microseconds: autopoint calls it only when a lock is contended.
func Bubble() int64 {
	var buf [128]byte
	h := buf[:runtime.Stack(buf[:], false)]
	if i := bytes.IndexByte(h, '\n'); i >= 0 {
		h = h[:i]
	}
	_, rest, ok := bytes.Cut(h, []byte("synctest bubble "))
	if !ok {
		return 0
	}
	var id int64
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
