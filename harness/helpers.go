package harness

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/sim"
)

// Process-wide helpers. A daemon often starts one goroutine for the whole
// process — a reaper, a monitor — lazily, the first time a task needs it,
// under a package-level sync.Once (containerd's and moby's do). Under
// testing/synctest such a goroutine belongs to the bubble of the scenario
// that happened to start it: it outlives that scenario (which then ends
// with goroutines left behind), and every later scenario that reaches it,
// or a channel it made, dies with "... synctest channel from outside
// bubble". That is no leak of the exit path but a task that cannot be
// checked scenario by scenario as it is plugged in: a setup diagnosis, in
// the scenario that started it, before any later one crashes.
//
// Which goroutine is such a helper is read from the source: the "created
// by" line of a goroutine left behind names the go statement that started
// it, and the statement is once per process when it runs under a sync.Once
// that lives in a package-level variable (or in a field of one), inside
// sync.OnceFunc, OnceValue or OnceValues kept in a package-level variable,
// in an init function or a package-level variable's initializer, or in a
// function that is only ever called or started from such places. A
// sync.Once in a field of the task runs once per task: what it starts and
// leaves behind is a leak like any other, as is every goroutine whose go
// statement cannot be found (a build with -trimpath, sources not on this
// machine) or reads otherwise.

// restructureHelper is what a process-wide helper diagnosis asks for.
const restructureHelper = "a helper per task: start it in the factory (NewTask), or lazily under a sync.Once of the task, and stop it in Delete; " +
	"or give each task its own instance (a reaper built in NewTask and handed to the task). " +
	"A goroutine shared by every task belongs to the scenario that started it and cannot serve the next one"

// helperViolation returns a setup diagnosis if some goroutine of leaked
// (left behind by the scenario) is a process-wide helper the scenario
// started, or nil. Call with r.mu held.
func (r *run) helperViolation(leaked []*goroutine) *Violation {
	byID := make(map[int64]*goroutine, len(leaked))
	for _, g := range leaked {
		byID[g.id] = g
	}
	var helpers []*goroutine
	var first *goroutine
	var why string
	for _, g := range leaked {
		w := helperOf(g, byID, 0)
		if w == "" {
			continue
		}
		if first == nil {
			first, why = g, w
		}
		helpers = append(helpers, g)
	}
	if first == nil {
		return nil
	}
	var ev strings.Builder
	for _, g := range helpers {
		ev.WriteString(g.format("  "))
	}
	call := "the task"
	if c := r.callOf(first); c != nil {
		call = c.name()
	}
	return &Violation{Class: ClassSetup, Clause: ClauseOutsideBubble, Call: call,
		Got: fmt.Sprintf("%s, started once per process (%s), outlives the scenario that started it: "+
			"under testing/synctest it belongs to that scenario, and every later one that reaches it, "+
			"or a channel it made, dies with \"synctest channel from outside bubble\"", helperName(first), why),
		Want: restructureHelper, Evidence: ev.String()}
}

// helperName names a helper goroutine by the function it runs: its
// outermost frame of the task's code.
func helperName(g *goroutine) string {
	if fs := g.implFrames(); len(fs) > 0 {
		return shortFunc(fs[len(fs)-1].fn)
	}
	return fmt.Sprintf("goroutine %d", g.id)
}

// startedHelper reports whether res is a process-wide helper diagnosis:
// the scenario left a helper behind, and running another scenario in this
// process (a rerun for detail) would reach it and crash.
func startedHelper(res *Result) bool {
	p := res.Primary()
	return p != nil && p.Class == ClassSetup && p.Want == restructureHelper
}

// helperOf says why g is a process-wide helper ("" if it is not): its go
// statement is once per process, or it was started by a goroutine of
// byID that is one.
func helperOf(g *goroutine, byID map[int64]*goroutine, depth int) string {
	file, line := spawnSite(g)
	if file != "" && !ownFrame(frame{fn: g.spawner, file: file}) {
		if why := onceSite(file, line); why != "" {
			return why
		}
	}
	if parent := byID[g.creator]; parent != nil && parent != g && depth < 8 {
		if why := helperOf(parent, byID, depth+1); why != "" {
			return "started by a helper " + why
		}
	}
	return ""
}

// spawnSite returns the file and line of the go statement that started g,
// from the "created by" line of its dump.
//
// A goroutine the standard library started (os/signal's loop, started under
// a package-level Once; the runtime's own) has none: it is no helper of
// the task's.
func spawnSite(g *goroutine) (string, int) {
	if stdPackage(g.spawner) && !outsideGOROOT(g) {
		return "", 0
	}
	_, rest, ok := strings.Cut(g.raw, "\ncreated by ")
	if !ok {
		return "", 0
	}
	_, loc, ok := strings.Cut(rest, "\n\t")
	if !ok {
		return "", 0
	}
	loc, _, _ = strings.Cut(loc, "\n")
	if i := strings.LastIndex(loc, " +0x"); i >= 0 {
		loc = loc[:i]
	}
	i := strings.LastIndex(loc, ":")
	if i < 0 {
		return "", 0
	}
	line, err := strconv.Atoi(loc[i+1:])
	if err != nil {
		return "", 0
	}
	return loc[:i], line
}

// stdPackage reports whether fn (a function's full name, as a stack
// prints it) is in the standard library: the first element of its
// package path has no dot and is not main.
func stdPackage(fn string) bool {
	first, _, _ := strings.Cut(fn, "/")
	if !strings.Contains(fn, "/") {
		first, _, _ = strings.Cut(fn, ".")
	}
	return fn != "" && first != "main" && !strings.Contains(first, ".")
}

// outsideGOROOT reports whether g's go statement is in a file outside
// GOROOT, when the stack names the file by an absolute path: a module
// whose path has no dot looks like the standard library by name alone.
func outsideGOROOT(g *goroutine) bool {
	_, rest, ok := strings.Cut(g.raw, "\ncreated by ")
	if !ok {
		return false
	}
	_, loc, _ := strings.Cut(rest, "\n\t")
	return filepath.IsAbs(loc) && !strings.HasPrefix(loc, filepath.Clean(runtime.GOROOT())+string(filepath.Separator))
}

// onceSites memoizes onceSite by "file:line": it reads source files, which
// do not change while the process runs, and a check that meets a leak
// judges the same go statement on every rerun of its scenario.
var onceSites sync.Map

// onceSite says why the go statement at file:line runs once per process,
// or "" if it does not (or the source cannot be read).
func onceSite(file string, line int) string {
	key := file + ":" + strconv.Itoa(line)
	if v, ok := onceSites.Load(key); ok {
		return v.(string)
	}
	why := ""
	if p := parseSourcePackage(file); p != nil {
		why = p.goStmtOnce(p.files[file], line)
	}
	onceSites.Store(key, why)
	return why
}

// sourcePackage is the package a go statement is in, parsed: its files
// (with the file's own package clause; test files of the package too),
// and its package-level variables.
type sourcePackage struct {
	fset    *token.FileSet
	files   map[string]*ast.File
	vars    map[string]bool         // package-level variables, by name
	topVars map[*ast.ValueSpec]bool // their declarations
}

// parseSourcePackage parses the package of the Go file at path, or
// returns nil if it cannot.
func parseSourcePackage(path string) *sourcePackage {
	if !filepath.IsAbs(path) || !strings.HasSuffix(path, ".go") {
		return nil
	}
	fset := token.NewFileSet()
	target, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil
	}
	p := &sourcePackage{fset: fset, files: map[string]*ast.File{path: target}, vars: map[string]bool{}, topVars: map[*ast.ValueSpec]bool{}}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		name := filepath.Join(filepath.Dir(path), e.Name())
		if e.IsDir() || !strings.HasSuffix(name, ".go") || name == path {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err == nil && f.Name.Name == target.Name.Name {
			p.files[name] = f
		}
	}
	for _, f := range p.files {
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, s := range gd.Specs {
					vs := s.(*ast.ValueSpec)
					p.topVars[vs] = true
					for _, n := range vs.Names {
						p.vars[n.Name] = true
					}
				}
			}
		}
	}
	return p
}

// goStmtOnce says why the go statement on line of f runs once per
// process, or "".
func (p *sourcePackage) goStmtOnce(f *ast.File, line int) string {
	var path []ast.Node
	var found []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			path = path[:len(path)-1]
			return false
		}
		path = append(path, n)
		if g, ok := n.(*ast.GoStmt); ok && p.line(g.Pos()) <= line && line <= p.line(g.End()) {
			found = append([]ast.Node(nil), path...) // the innermost one wins
		}
		return true
	})
	if found == nil {
		return ""
	}
	return p.contextOnce(found, 0)
}

func (p *sourcePackage) line(pos token.Pos) int { return p.fset.Position(pos).Line }

func (p *sourcePackage) where(pos token.Pos) string {
	pp := p.fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(pp.Filename), pp.Line)
}

// contextOnce says why the code at the end of path (a chain of nodes from
// the file down) runs once per process, or "". depth bounds the search
// through the callers of functions.
func (p *sourcePackage) contextOnce(path []ast.Node, depth int) string {
	if depth > 4 {
		return ""
	}
	for i := len(path) - 1; i > 0; i-- {
		switch n := path[i].(type) {
		case *ast.FuncLit:
			call, ok := path[i-1].(*ast.CallExpr)
			if !ok || !isArg(call, n) {
				continue // it runs where it is defined, as far as can be told
			}
			if why, decided := p.onceCall(path[:i], call, depth); decided {
				return why
			}
		case *ast.ValueSpec:
			if p.topVars[n] {
				return "in a package-level variable's initializer, at " + p.where(n.Pos())
			}
		case *ast.FuncDecl:
			if n.Recv == nil && n.Name.Name == "init" {
				return "in package init"
			}
			return p.funcOnce(n, depth)
		}
	}
	return ""
}

// isArg reports whether e is an argument of call.
func isArg(call *ast.CallExpr, e ast.Expr) bool {
	for _, a := range call.Args {
		if a == e {
			return true
		}
	}
	return false
}

// onceCall judges a function handed to call (path leads to call): under
// x.Do of a sync.Once, or to sync.OnceFunc, OnceValue or OnceValues. It
// returns why that runs once per process, and whether call decided it
// (it is not a Once at all: the caller looks further out).
func (p *sourcePackage) onceCall(path []ast.Node, call *ast.CallExpr, depth int) (string, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	switch {
	case sel.Sel.Name == "Do" && len(call.Args) == 1:
		return p.onceValue(path, sel.X, depth), true
	case isIdent(sel.X, "sync") && (sel.Sel.Name == "OnceFunc" || sel.Sel.Name == "OnceValue" || sel.Sel.Name == "OnceValues"):
		// The function it returns runs its argument once per call of
		// sync.OnceFunc: once per process if that call is made once, at
		// init, or its result kept in a package-level variable.
		for i := len(path) - 1; i >= 0; i-- {
			switch n := path[i].(type) {
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && p.isPackageVar(id) {
						return fmt.Sprintf("under sync.%s kept in the package-level %s, at %s", sel.Sel.Name, id.Name, p.where(call.Pos())), true
					}
				}
				return "", true
			case *ast.ValueSpec:
				if p.topVars[n] {
					return fmt.Sprintf("under sync.%s kept in the package-level %s, at %s", sel.Sel.Name, n.Names[0].Name, p.where(call.Pos())), true
				}
				return "", true
			case *ast.FuncDecl, *ast.FuncLit:
				return "", true
			}
		}
		return "", true
	}
	return "", false
}

// onceValue judges the Once x in x.Do(f) (path leads to the call): a
// package-level variable, or a field of one, is one per process; a field
// of a method's receiver is if every call of the method is on one; a
// local variable or a field of anything else is not.
func (p *sourcePackage) onceValue(path []ast.Node, x ast.Expr, depth int) string {
	root, fields := rootIdent(x)
	via := ""
	for i := 0; root != nil && !p.isPackageVar(root) && i < 4; i++ {
		// A local variable set from a package-level one (r := reapers[k]):
		// the Once it reaches is that one's.
		rhs := localValue(root)
		if rhs == nil {
			break
		}
		next, more := rootIdent(rhs)
		if next == nil {
			break
		}
		via += fmt.Sprintf(" (through %s := %s%s)", root.Name, next.Name, more)
		root, fields = next, more+fields
	}
	switch {
	case root == nil:
		return ""
	case p.isPackageVar(root) && fields == "":
		return fmt.Sprintf("under the package-level sync.Once %s%s, at %s", root.Name, via, p.where(x.Pos()))
	case p.isPackageVar(root):
		return fmt.Sprintf("under %s%s, a sync.Once of the package-level %s%s, at %s", root.Name, fields, root.Name, via, p.where(x.Pos()))
	}
	// A field of the enclosing method's receiver: once per receiver.
	for i := len(path) - 1; i >= 0; i-- {
		fd, ok := path[i].(*ast.FuncDecl)
		if !ok {
			continue
		}
		if fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 || fd.Recv.List[0].Names[0].Name != root.Name || fields == "" {
			return ""
		}
		if on := p.receiverPackageVar(fd, depth); on != "" {
			return fmt.Sprintf("under %s%s, a sync.Once of the package-level %s (every call of %s is on it), at %s",
				root.Name, fields, on, fd.Name.Name, p.where(x.Pos()))
		}
		return ""
	}
	return ""
}

// receiverPackageVar returns the package-level variable every call of the
// method fd is made on, or "" if there is none such (no call in the
// package, or one on anything else).
func (p *sourcePackage) receiverPackageVar(fd *ast.FuncDecl, depth int) string {
	on := ""
	ok := true
	p.uses(func(path []ast.Node, id *ast.Ident) {
		sel, isSel := path[len(path)-2].(*ast.SelectorExpr)
		if !isSel || sel.Sel != id || id.Name != fd.Name.Name {
			return
		}
		root, _ := rootIdent(sel.X)
		switch {
		case root != nil && p.isPackageVar(root) && (on == "" || on == root.Name):
			on = root.Name
		case root != nil && depth < 4:
			// A call on the receiver of another method of the same kind:
			// that method's calls decide.
			for i := len(path) - 1; i >= 0; i-- {
				if outer, isFD := path[i].(*ast.FuncDecl); isFD {
					if outer.Recv != nil && len(outer.Recv.List[0].Names) == 1 && outer.Recv.List[0].Names[0].Name == root.Name {
						if v := p.receiverPackageVar(outer, depth+1); v != "" && (on == "" || on == v) {
							on = v
							return
						}
					}
					break
				}
			}
			ok = false
		default:
			ok = false
		}
	})
	if !ok {
		return ""
	}
	return on
}

// funcOnce says why the function fd runs once per process: every use of
// it in the package (a call, a go statement, a function value handed on)
// is in code that runs once per process. A function with no use in the
// package (called from elsewhere: a method of the task) is not.
func (p *sourcePackage) funcOnce(fd *ast.FuncDecl, depth int) string {
	if fd.Recv != nil {
		return "" // a method is called on values: see onceValue for its Onces
	}
	why := ""
	ok := true
	p.uses(func(path []ast.Node, id *ast.Ident) {
		if !ok || id.Name != fd.Name.Name || id == fd.Name || id.Obj != nil && id.Obj.Decl != fd {
			return
		}
		if sel, isSel := path[len(path)-2].(*ast.SelectorExpr); isSel && sel.Sel == id {
			return // a field or method of the same name
		}
		var w string
		if call, isCall := path[len(path)-2].(*ast.CallExpr); isCall && isArg(call, id) {
			// A function value handed to a call: once.Do(start).
			if cw, decided := p.onceCall(path[:len(path)-2], call, depth+1); decided {
				w = cw
			} else {
				w = p.contextOnce(path[:len(path)-1], depth+1)
			}
		} else {
			w = p.contextOnce(path[:len(path)-1], depth+1)
		}
		if w == "" {
			ok = false
			return
		}
		if why == "" {
			why = fmt.Sprintf("%s, only called %s", fd.Name.Name, w)
		}
	})
	if !ok {
		return ""
	}
	return why
}

// uses calls fn with the path to every identifier of the package.
func (p *sourcePackage) uses(fn func(path []ast.Node, id *ast.Ident)) {
	for _, f := range p.files {
		var path []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				path = path[:len(path)-1]
				return false
			}
			path = append(path, n)
			if id, ok := n.(*ast.Ident); ok && len(path) >= 2 {
				fn(path, id)
			}
			return true
		})
	}
}

// isPackageVar reports whether id names a package-level variable of p: it
// resolves to one in its file, or to nothing in its file while one of
// that name is declared in another.
func (p *sourcePackage) isPackageVar(id *ast.Ident) bool {
	if id.Obj != nil {
		vs, ok := id.Obj.Decl.(*ast.ValueSpec)
		return ok && p.topVars[vs]
	}
	return p.vars[id.Name]
}

// rootIdent returns the identifier a selector chain (a.b.c, (&a).b, a[i].b)
// starts from, and the fields after it (".b.c").
func rootIdent(x ast.Expr) (*ast.Ident, string) {
	fields := ""
	for {
		switch e := x.(type) {
		case *ast.Ident:
			return e, fields
		case *ast.SelectorExpr:
			fields = "." + e.Sel.Name + fields
			x = e.X
		case *ast.ParenExpr:
			x = e.X
		case *ast.StarExpr:
			x = e.X
		case *ast.UnaryExpr:
			x = e.X
		case *ast.IndexExpr:
			fields = "[]" + fields
			x = e.X
		default:
			return nil, ""
		}
	}
}

// localValue returns the expression a local variable id was declared
// with (id := e, var id = e), or nil.
func localValue(id *ast.Ident) ast.Expr {
	if id.Obj == nil {
		return nil
	}
	var lhs []ast.Expr
	var rhs []ast.Expr
	switch d := id.Obj.Decl.(type) {
	case *ast.AssignStmt:
		lhs, rhs = d.Lhs, d.Rhs
	case *ast.ValueSpec:
		for _, n := range d.Names {
			lhs = append(lhs, n)
		}
		rhs = d.Values
	default:
		return nil
	}
	if len(lhs) != len(rhs) {
		return nil
	}
	for i, l := range lhs {
		if l, ok := l.(*ast.Ident); ok && l.Name == id.Name {
			return rhs[i]
		}
	}
	return nil
}

// isIdent reports whether x is the identifier name.
func isIdent(x ast.Expr, name string) bool {
	id, ok := x.(*ast.Ident)
	return ok && id.Name == name
}

// leftBehind returns the goroutines this scenario's bubble left behind
// when it ended with "main bubble goroutine has exited but blocked
// goroutines remain". Without detail the bubble's id was not recorded:
// it is then the newest bubble of the process with goroutines left and
// none waiting for it in synctest.Run (a bubble still running has one),
// as checks do not run in parallel and bubble ids only grow.
func (r *run) leftBehind() []*goroutine {
	dump := dumpAll()
	if r.bubble.Load() != 0 {
		return r.bubbleGoroutines(dump)
	}
	gs := parseBubbles(dump)
	running := map[int64]bool{}
	for _, g := range gs {
		if g.state == "synctest.Run" {
			running[g.bubble] = true
		}
	}
	var newest int64
	for _, g := range gs {
		if !running[g.bubble] && g.bubble > newest {
			newest = g.bubble
		}
	}
	var out []*goroutine
	for _, g := range gs {
		if g.bubble == newest && newest != 0 {
			out = append(out, g)
		}
	}
	return out
}

// settleLimit bounds how long settleHelpers waits.
const settleLimit = 100 * time.Millisecond

// settleHelpers waits, for settleLimit of real time at most, until no
// process-wide helper outside every scenario (a goroutine of no bubble
// whose go statement runs once per process, such as one started at
// package init) is running or waiting to run. Call it before a failing
// scenario's verdict stands: such a helper works on the scenario's tasks
// behind testing/synctest's back (a reaper handed an exit by Reap that
// has not yet closed the task's channel), so the bubble's clock may have
// run on, and a call timed out, only because the helper had not been
// scheduled yet. Given the time, it does its work, and when that touches
// the scenario's channels the process dies with a fatal error that a
// supervisor diagnoses (diagnose): the verdict was not the task's.
func settleHelpers() {
	if !helpersOutside() {
		return
	}
	deadline := time.Now().Add(settleLimit)
	// Nothing else running or waiting to run (as the scheduler counts,
	// for nanoseconds): no helper can be, and no dump is needed.
	for othersRunning() && busyHelper(dumpAll(), true) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// helpersOutside reports whether the process has process-wide helpers
// outside every bubble at all, as one dump at the first failing scenario
// found: they are started at package init, before any check, and a
// process with none (most) takes no dump to settle a verdict again.
var helpersOutside = sync.OnceValue(func() bool { return busyHelper(dumpAll(), false) })

// busyHelper reports whether dump shows a process-wide helper outside
// every bubble (running or waiting to run, if busy).
func busyHelper(dump []byte, busy bool) bool {
	for len(dump) > 0 {
		block := dump
		if i := bytes.Index(dump, []byte("\n\n")); i >= 0 {
			block, dump = dump[:i+1], dump[i+2:]
		} else {
			dump = nil
		}
		header := block
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			header = block[:i]
		}
		if bytes.Contains(header, []byte("synctest bubble ")) ||
			busy && !bytes.Contains(header, []byte("[running")) && !bytes.Contains(header, []byte("[runnable")) {
			continue
		}
		for _, g := range parseDump(block) {
			if file, line := spawnSite(g); file != "" && !ownFrame(frame{fn: g.spawner, file: file}) && onceSite(file, line) != "" {
				return true
			}
		}
	}
	return false
}

// warmUpLimit bounds the real time warmUp waits for the factory.
const warmUpLimit = 2 * time.Second

// warmUp builds one task of newTask outside every scenario, in real
// time, and leaves it: a goroutine its package starts once per process
// when a task is built (a reaper under a package-level sync.Once) then
// starts here, outside every bubble, instead of in the first scenario's
// bubble, which it would outlive. A helper that only takes the tasks'
// exits and hands nothing back to them through their channels then
// serves every scenario and passes; one that closes or sends on a task's
// channels still ends the process with a fatal error that diagnose
// explains. The task's methods are not called: what they would do wrong
// is the scenarios' to find, with a scenario to show for it. Only an
// isolated check's child warms up (once): what the task leaves behind
// stays in that process, which ends with the check.
func warmUp(newTask NewTask) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		proc := sim.NewProcess(Pid, faults.ExitPlan{After: faults.Never}, faults.SignalPlan{}, nil)
		newTask(Env{Process: proc, Point: func(string) {}, Fail: func(string) error { return nil }})
	}()
	t := time.NewTimer(warmUpLimit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}
