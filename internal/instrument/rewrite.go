package instrument

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// HookPath is the import path of the package rewritten code calls.
const HookPath = "github.com/reaptest/reaptest/harness/autopoint"

// hookName is the name rewritten files import HookPath under.
const hookName = "__reaptest"

// site is one synchronization operation found in a file.
type site struct {
	pos token.Pos // where it is named
	op  string
	id  int // index in the file's registration, set once all are found
}

// edit replaces src[start:end] (an insertion when they are equal) by
// text. An edit that closes a wrap (tail) puts its last byte one column
// before end's, so that the expression it closes ends where the original
// ended. Edits at one offset are ordered: closings before openings;
// closings inner first, openings outer first (span is the wrapped range).
type edit struct {
	start, end int
	text       func() string // rendered once site ids are known
	tail       bool
	span       [2]int
	bare       bool // no line directive after it (inside a line comment)
}

// fileRewriter rewrites one type-checked file.
type fileRewriter struct {
	fset    *token.FileSet
	file    *token.File
	info    *types.Info
	src     []byte
	base    string // the file's base-id variable
	pkgPath string // the file's package's import path
	sites   []*site
	edits   []edit
	skips   []string               // operations left alone, and why
	done    map[ast.Node]bool      // nodes an enclosing statement already handled
	stmts   map[*ast.CallExpr]bool // unlocks that are statements of a block or case (after.go)
	minor   int                    // the go1.minor language version the rewritten file needs
}

// rewriteFile rewrites f (parsed from src, type-checked into info) of
// package pkgPath so that every synchronization operation in it calls
// the hook first. idx makes the file's base-id variable unique in its
// package. It returns nil when the file has no operation; skips lists
// the operations it found and left alone. Every inserted text is
// followed by a line directive restoring the position of the original
// text after it, so that every token of the original keeps its
// position (line and column) for the compiler and the cover tool.
//
// modMinor is the minor version of the go line of the file's module (1.x):
// when the rewritten file needs a newer language version (go1.18 for V,
// go1.23 for Range), its build constraint says so.
//
// With methodsOnly, only the methods declared in f are rewritten (their
// bodies, closures included): in a test file, the code of the types it
// defines (a task, a fake) and not the tests, their helpers or their
// package-level variables.
func rewriteFile(fset *token.FileSet, f *ast.File, src []byte, info *types.Info, pkgPath string, idx int, modMinor int, methodsOnly bool) (out []byte, sites []string, skips []string, err error) {
	tf := fset.File(f.Pos())
	if tf == nil || tf.Size() != len(src) {
		return nil, nil, nil, fmt.Errorf("the parsed file does not match its source")
	}
	r := &fileRewriter{fset: fset, file: tf, info: info, src: src, base: fmt.Sprintf("__reaptest_base%d", idx), pkgPath: pkgPath, done: map[ast.Node]bool{}, minor: 18}
	if methodsOnly {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				ast.Inspect(fd, r.visit)
			}
		}
	} else {
		ast.Inspect(f, r.visit)
	}
	if len(r.sites) == 0 {
		return nil, nil, r.skips, nil
	}
	slices.SortStableFunc(r.sites, func(a, b *site) int { return int(a.pos - b.pos) })
	for i, s := range r.sites {
		s.id = i
		p := fset.PositionFor(s.pos, false)
		sites = append(sites, fmt.Sprintf("%d:%d %s", p.Line, p.Column, s.op))
	}
	// The import goes on the package clause's line.
	nameEnd := r.off(f.Name.End())
	r.edits = append(r.edits, edit{start: nameEnd, end: nameEnd, text: func() string {
		return "; import " + hookName + " " + strconv.Quote(HookPath)
	}})
	if modMinor < r.minor || hasGoVersionConstraint(f) {
		r.upgrade(f)
	}
	out, err = r.render()
	if err != nil {
		return nil, nil, nil, err
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	specs := make([]string, len(sites))
	for i, s := range sites {
		specs[i] = strconv.Quote(s)
	}
	name := tf.Name()
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	out = fmt.Appendf(out, "\nvar %s = %s.Register(%s, %s, %s)\n", r.base, hookName, strconv.Quote(pkgPath), strconv.Quote(name), strings.Join(specs, ", "))
	return out, sites, r.skips, nil
}

func (r *fileRewriter) off(p token.Pos) int { return r.file.Offset(p) }

// newSite records an operation at pos and returns it.
func (r *fileRewriter) newSite(pos token.Pos, op string) *site {
	s := &site{pos: pos, op: op}
	r.sites = append(r.sites, s)
	return s
}

// id is the expression for s's id.
func (r *fileRewriter) id(s *site) string { return fmt.Sprintf("%s+%d", r.base, s.id) }

// wrap makes e evaluate through V: hook.V(id, e).
func (r *fileRewriter) wrap(e ast.Expr, s *site) { r.wrapWith("V", e, s) }

// wrapWith makes e the argument of the hook's function fn: hook.fn(id, e).
func (r *fileRewriter) wrapWith(fn string, e ast.Expr, s *site) {
	start, end := r.off(e.Pos()), r.off(e.End())
	span := [2]int{start, end}
	r.edits = append(r.edits,
		edit{start: start, end: start, span: span, text: func() string { return hookName + "." + fn + "(" + r.id(s) + ", " }},
		edit{start: end, end: end, span: span, tail: true, text: func() string { return ")" }})
}

// skip notes an operation left alone.
func (r *fileRewriter) skip(pos token.Pos, op, why string) {
	p := r.fset.PositionFor(pos, false)
	r.skips = append(r.skips, fmt.Sprintf("%d:%d %s: %s", p.Line, p.Column, op, why))
}

func (r *fileRewriter) visit(n ast.Node) bool {
	if n == nil || r.done[n] {
		return true
	}
	switch n := n.(type) {
	case *ast.GoStmt:
		r.goStmt(n)
	case *ast.DeferStmt:
		r.deferStmt(n)
	case *ast.SelectStmt:
		r.selectStmt(n)
	case *ast.RangeStmt:
		t := r.info.TypeOf(n.X)
		if _, param := types.Unalias(t).(*types.TypeParam); param && isChan(t) {
			r.wrap(n.X, r.newSite(n.Range, "recv")) // once, before the loop
		} else if isChan(t) {
			r.wrapWith("Range", n.X, r.newSite(n.Range, "recv")) // before every receive
			r.minor = max(r.minor, 23)
		}
	case *ast.SendStmt:
		r.wrap(n.Chan, r.newSite(n.Pos(), "send"))
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			r.wrap(n.X, r.newSite(n.OpPos, "recv"))
		}
	case *ast.CallExpr:
		r.call(n)
	case *ast.BlockStmt:
		r.afterUnlocks(n.List)
	case *ast.CaseClause:
		r.afterUnlocks(n.Body)
	case *ast.CommClause:
		r.afterUnlocks(n.Body)
	}
	return true
}

// call handles a call that is not the call of a go or defer statement.
func (r *fileRewriter) call(c *ast.CallExpr) {
	if r.newCond(c) {
		return
	}
	op, builtin := r.syncCall(c)
	switch {
	case op == "":
	case builtin: // close(ch)
		r.wrap(c.Args[0], r.newSite(c.Pos(), op))
	case r.lockCall(c, op):
	default: // hook.V(id, mu.Lock)()
		r.wrap(c.Fun, r.newSite(c.Pos(), op))
	}
}

// goStmt: go f(x) becomes go hook.Go(id, f)(x); hook.Started(id): the
// point is passed on the goroutine that starts the new one, before it
// starts, and Started once it has (where the scenario may let the new
// goroutine run first; Go may wrap f so that the new goroutine says when
// it begins). A generic callee cannot be wrapped: go g(x) becomes
// go g(hook.V(id, x)); hook.Started(id).
func (r *fileRewriter) goStmt(g *ast.GoStmt) {
	r.done[g.Call] = true // the call runs on the new goroutine: no point for it here
	s := r.newSite(g.Go, "go")
	started := func() { // placed as a wrap's closing is, ending where the go statement ends
		start, end := r.off(g.Pos()), r.off(g.End())
		r.edits = append(r.edits, edit{start: end, end: end, span: [2]int{start, end}, tail: true,
			text: func() string { return "; " + hookName + ".Started(" + r.id(s) + ")" }})
	}
	if r.wrappable(g.Call.Fun) {
		r.wrapWith("Go", g.Call.Fun, s)
		started()
		return
	}
	if len(g.Call.Args) > 0 && r.typed(g.Call.Args[0]) {
		r.wrap(g.Call.Args[0], s)
		started()
		return
	}
	r.sites = r.sites[:len(r.sites)-1]
	r.skip(g.Go, "go", "a builtin or generic callee with no typed argument to wrap")
}

// deferStmt: defer mu.Unlock() becomes defer hook.Deferred(id, mu.Unlock)
// and defer close(ch) defer hook.DeferredClose(id, ch), so that the point
// is passed when the deferred call runs.
func (r *fileRewriter) deferStmt(d *ast.DeferStmt) {
	c := d.Call
	op, builtin := r.syncCall(c)
	if op == "" {
		return
	}
	r.done[c] = true
	switch {
	case builtin:
		s := r.newSite(c.Pos(), op)
		r.edits = append(r.edits, edit{start: r.off(c.Fun.Pos()), end: r.off(c.Lparen) + 1, text: func() string {
			return hookName + ".DeferredClose(" + r.id(s) + ", "
		}})
	case r.lockCall(c, op): // defer hook.Unlock(id, &mu): &mu is evaluated when deferred
	case len(c.Args) == 0 && r.wrappable(c.Fun):
		s := r.newSite(c.Pos(), op)
		r.edits = append(r.edits,
			edit{start: r.off(c.Fun.Pos()), end: r.off(c.Fun.Pos()), text: func() string { return hookName + ".Deferred(" + r.id(s) + ", " }},
			edit{start: r.off(c.Lparen), end: r.off(c.Rparen) + 1, tail: true, text: func() string { return ")" }})
	default:
		r.skip(c.Pos(), op, "a deferred call with arguments")
	}
}

// lockWrappers name autopoint's wrapper for a lock operation, by the
// receiver's type and the method: Lock(id, &mu) parks durably under
// testing/synctest where mu.Lock() would freeze the clock, and Unlock
// wakes it.
var lockWrappers = map[[2]string]string{
	{"Mutex", "Lock"}: "Lock", {"Mutex", "Unlock"}: "Unlock",
	{"RWMutex", "Lock"}: "RWLock", {"RWMutex", "Unlock"}: "RWUnlock",
	{"RWMutex", "RLock"}: "RLock", {"RWMutex", "RUnlock"}: "RUnlock",
	{"Locker", "Lock"}: "LockerLock", {"Locker", "Unlock"}: "LockerUnlock",
}

// lockCall rewrites c, a call of the sync operation op, if it is a lock
// operation autopoint has a wrapper for: x.Lock() becomes
// hook.Lock(id, &x) (hook.Lock(id, x) when x is a pointer; through the
// embedded fields, &x.Mutex, for a promoted method), x.Unlock()
// hook.Unlock(id, &x), and so on. It reports whether it did: a
// receiver of a type parameter, a method expression, or a promoted
// method reached through a field this package cannot name is left to
// the generic rewrite.
func (r *fileRewriter) lockCall(c *ast.CallExpr, op string) bool {
	f, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr)
	if !ok || len(c.Args) != 0 {
		return false
	}
	sel, ok := r.info.Selections[f]
	if !ok || sel.Kind() != types.MethodVal {
		return false
	}
	fn, ok := sel.Obj().(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "sync" || fn.Signature().Recv() == nil {
		return false
	}
	wrapper := lockWrappers[[2]string{typeName(fn.Signature().Recv().Type()), op}]
	t := r.info.TypeOf(f.X)
	if wrapper == "" || t == nil {
		return false
	}
	if _, param := types.Unalias(t).(*types.TypeParam); param {
		return false
	}
	// The embedded fields a promoted method is reached through.
	var path strings.Builder
	idx := sel.Index()
	for _, i := range idx[:len(idx)-1] {
		u := t
		if p, ok := u.Underlying().(*types.Pointer); ok {
			u = p.Elem()
		}
		st, ok := u.Underlying().(*types.Struct)
		if !ok || i >= st.NumFields() {
			return false
		}
		field := st.Field(i)
		if !field.Exported() && field.Pkg() != nil && field.Pkg().Path() != r.pkgPath {
			return false
		}
		path.WriteString("." + field.Name())
		t = field.Type()
	}
	amp := ""
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Interface:
	default:
		amp = "&"
	}
	s := r.newSite(c.Pos(), op)
	start, end := r.off(f.X.Pos()), r.off(c.Rparen)+1
	span := [2]int{start, end}
	tail := path.String() + ")"
	then := r.unlocked(c, op)
	r.edits = append(r.edits,
		edit{start: start, end: start, span: span, text: func() string {
			return hookName + "." + wrapper + then.suffix() + "(" + r.id(s) + then.arg(r) + ", " + amp
		}},
		edit{start: r.off(f.X.End()), end: end, span: span, tail: true, text: func() string { return tail }})
	return true
}

// newCond makes the Locker of sync.NewCond(l) one whose waits are
// durable: sync.NewCond(hook.CondLocker(l)), so that the unlock and
// relock inside Cond.Wait, which no rewrite reaches, wake and park as the
// instrumented Lock and Unlock do. It is no site of its own. It reports
// whether c is such a call. (A file with no site is left as it is, this
// included; so is a Cond built as a composite literal.)
func (r *fileRewriter) newCond(c *ast.CallExpr) bool {
	var id *ast.Ident
	switch f := ast.Unparen(c.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return false
	}
	fn, ok := r.info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "sync" || fn.Name() != "NewCond" || len(c.Args) != 1 {
		return false
	}
	arg := c.Args[0]
	start, end := r.off(arg.Pos()), r.off(arg.End())
	span := [2]int{start, end}
	r.edits = append(r.edits,
		edit{start: start, end: start, span: span, text: func() string { return hookName + ".CondLocker(" }},
		edit{start: end, end: end, span: span, tail: true, text: func() string { return ")" }})
	return true
}

// selectStmt: the select's point wraps the channel of its first
// communication, which is evaluated first when the select begins. The
// communications themselves are part of the select, not points of their
// own (their operands may hold points).
func (r *fileRewriter) selectStmt(s *ast.SelectStmt) {
	var first ast.Expr
	for _, cl := range s.Body.List {
		cc := cl.(*ast.CommClause)
		var ch ast.Expr
		switch comm := cc.Comm.(type) {
		case nil: // default
			continue
		case *ast.SendStmt:
			r.done[comm] = true
			ch = comm.Chan
		case *ast.ExprStmt:
			ch = r.recvOperand(comm.X)
		case *ast.AssignStmt:
			ch = r.recvOperand(comm.Rhs[0])
		}
		if first == nil {
			first = ch
		}
	}
	if first == nil {
		return // select {} or only a default: nothing to wait for
	}
	r.wrap(first, r.newSite(s.Select, "select"))
}

// recvOperand marks the receive e of a select case as handled and returns
// its channel.
func (r *fileRewriter) recvOperand(e ast.Expr) ast.Expr {
	u := ast.Unparen(e).(*ast.UnaryExpr)
	r.done[u] = true
	return u.X
}

// wrappable reports whether fun can be passed as a value to V: not a
// builtin, not a generic function whose type arguments are inferred.
func (r *fileRewriter) wrappable(fun ast.Expr) bool {
	tv, ok := r.info.Types[fun]
	if !ok || tv.IsBuiltin() || tv.IsType() {
		return false
	}
	var id *ast.Ident
	switch f := ast.Unparen(fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	}
	if id != nil {
		if _, generic := r.info.Instances[id]; generic {
			return false // instantiated implicitly: V(id, f) would not compile
		}
	}
	return true
}

// typed reports whether e is neither a constant nor nil and has a type
// of its own (not an untyped one), so that V(id, e) has the type e had.
func (r *fileRewriter) typed(e ast.Expr) bool {
	tv, ok := r.info.Types[e]
	if !ok || tv.Type == nil || tv.Value != nil || tv.IsNil() {
		return false
	}
	b, ok := tv.Type.(*types.Basic)
	return !ok || b.Info()&types.IsUntyped == 0
}

// syncTypes are the types of package sync whose methods are
// synchronization operations; every method of the sync/atomic types is.
var syncTypes = map[string]bool{"Mutex": true, "RWMutex": true, "WaitGroup": true, "Once": true, "Cond": true, "Locker": true, "Map": true}

// syncMethods are the methods of syncTypes that are operations.
var syncMethods = map[string]bool{
	"Lock": true, "Unlock": true, "TryLock": true, "RLock": true, "RUnlock": true, "TryRLock": true,
	"Add": true, "Done": true, "Wait": true, "Go": true, "Do": true, "Signal": true, "Broadcast": true,
	// sync.Map's: a Load and a Store of the same key are a check and an
	// act as a locked flag's are.
	"Load": true, "Store": true, "LoadOrStore": true, "LoadAndDelete": true, "Delete": true, "Swap": true,
	"CompareAndSwap": true, "CompareAndDelete": true, "Range": true, "Clear": true,
}

// atomicPrefixes name the sync/atomic functions by what they do.
var atomicPrefixes = []string{"CompareAndSwap", "Load", "Store", "Swap", "Add", "And", "Or"}

// syncCall returns the operation c is, or "" for none; builtin is true
// for close.
func (r *fileRewriter) syncCall(c *ast.CallExpr) (op string, builtin bool) {
	fun := ast.Unparen(c.Fun)
	var id *ast.Ident
	switch f := fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
		if sel, ok := r.info.Selections[f]; ok {
			fn, ok := sel.Obj().(*types.Func)
			if !ok || fn.Pkg() == nil {
				return "", false
			}
			recv := fn.Signature().Recv()
			if recv == nil {
				return "", false
			}
			name := typeName(recv.Type())
			switch fn.Pkg().Path() {
			case "sync":
				if syncTypes[name] && syncMethods[fn.Name()] {
					return fn.Name(), false
				}
			case "sync/atomic":
				return fn.Name(), false
			}
			return "", false
		}
	default:
		return "", false
	}
	switch obj := r.info.Uses[id].(type) {
	case *types.Builtin:
		if obj.Name() == "close" && len(c.Args) == 1 {
			return "close", true
		}
	case *types.Func:
		if obj.Pkg() != nil && obj.Pkg().Path() == "sync/atomic" && obj.Signature().Recv() == nil {
			for _, p := range atomicPrefixes {
				if strings.HasPrefix(obj.Name(), p) {
					return p, false
				}
			}
		}
	}
	return "", false
}

// typeName is the name of t's named type, through one pointer.
func typeName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Name()
	}
	return ""
}

// isChan reports whether t is a channel, or a type parameter whose
// constraint admits only channels.
func isChan(t types.Type) bool {
	if t == nil {
		return false
	}
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		return onlyChans(tp.Constraint())
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// onlyChans reports whether every type term of constraint c is a channel.
func onlyChans(c types.Type) bool {
	iface, ok := c.Underlying().(*types.Interface)
	if !ok {
		return isChan(c)
	}
	terms := 0
	for i := range iface.NumEmbeddeds() {
		e := iface.EmbeddedType(i)
		u, ok := e.(*types.Union)
		if !ok {
			if !onlyChans(e) {
				return false
			}
			terms++
			continue
		}
		for j := range u.Len() {
			if !isChan(u.Term(j).Type()) {
				return false
			}
			terms++
		}
	}
	return terms > 0
}

// render applies the edits to the source, each followed by a line
// directive that gives the next original byte its original position.
func (r *fileRewriter) render() ([]byte, error) {
	slices.SortStableFunc(r.edits, func(a, b edit) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.tail != b.tail { // closings first
			if a.tail {
				return -1
			}
			return 1
		}
		if a.tail { // inner first: the one that opened later
			return b.span[0] - a.span[0]
		}
		return b.span[1] - a.span[1] // outer first: the one that ends later
	})
	var b bytes.Buffer
	last := 0
	for i := 0; i < len(r.edits); {
		start := r.edits[i].start
		if start < last {
			return nil, fmt.Errorf("overlapping edits at %s", r.fset.PositionFor(r.file.Pos(start), false))
		}
		b.Write(r.src[last:start])
		last = start
		for ; i < len(r.edits) && r.edits[i].start == start; i++ {
			e := r.edits[i]
			text := e.text()
			if e.tail {
				b.WriteString(r.directive(e.end, -len(text)))
			}
			b.WriteString(text)
			last = max(last, e.end)
		}
		if !r.edits[i-1].bare {
			b.WriteString(r.directive(last, 0))
		}
	}
	b.Write(r.src[last:])
	return b.Bytes(), nil
}

// upgrade makes the file need go1.<r.minor>, which sets its language
// version to at least that: it adds "&& go1.N" to its //go:build line on that line,
// or adds the line before the first, followed by a directive that gives
// the first line its number back.
func (r *fileRewriter) upgrade(f *ast.File) {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if expr, ok := strings.CutPrefix(c.Text, "//go:build "); ok {
				start, end := r.off(c.Pos())+len("//go:build "), r.off(c.End())
				r.edits = append(r.edits, edit{start: start, end: end, bare: true, text: func() string {
					return fmt.Sprintf("(%s) && go1.%d", strings.TrimSpace(expr), r.minor)
				}})
				return
			}
		}
	}
	r.edits = append(r.edits, edit{start: 0, end: 0, text: func() string { return fmt.Sprintf("//go:build go1.%d\n", r.minor) }})
}

// hasGoVersionConstraint reports whether f's //go:build line names a Go
// version, which may set the file's language version below what the
// rewritten file needs.
func hasGoVersionConstraint(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if expr, ok := strings.CutPrefix(c.Text, "//go:build "); ok && strings.Contains(expr, "go1.") {
				return true
			}
		}
	}
	return false
}

// directive is the line directive that gives the byte after it the
// original position of offset off, shifted by dcol columns.
func (r *fileRewriter) directive(off, dcol int) string {
	p := r.fset.PositionFor(r.file.Pos(off), true)
	if p.Column == 0 {
		return fmt.Sprintf("/*line %s:%d*/", p.Filename, p.Line)
	}
	return fmt.Sprintf("/*line %s:%d:%d*/", p.Filename, p.Line, max(1, p.Column+dcol))
}

// packageRewrite is one package's rewritten files.
type packageRewrite struct {
	path        string
	files       map[string][]byte // original absolute path -> rewritten source
	fileSites   map[string]int    // original absolute path -> its sites
	sites       int
	skips       []string // "file.go:12:3 op: why": operations left alone
	unrewritten []string // "file.go: why": files left as they are
}

// rewritePackage type-checks the package's compiled files and rewrites
// its Go files (not its cgo or generated-by-cgo files).
func rewritePackage(fset *token.FileSet, lp *listed, imp types.Importer) (*packageRewrite, error) {
	return rewriteFiles(fset, lp, lp.ImportPath, imp, absFiles(lp.Dir, lp.GoFiles), 0, false)
}

// rewriteFiles type-checks lp's compiled files as the package path (lp
// may be a test variant, "p [p.test]") and rewrites the files named (only
// their methods with methodsOnly, see rewriteFile). A file's index, first
// and up in the order named, names its base-id variable: a package's test
// files start after its other files, so that their variables do not
// clash.
func rewriteFiles(fset *token.FileSet, lp *listed, path string, imp types.Importer, files []string, first int, methodsOnly bool) (*packageRewrite, error) {
	compiled := lp.CompiledGoFiles
	if len(compiled) == 0 {
		compiled = lp.GoFiles
	}
	c, err := typeCheck(fset, path, absFiles(lp.Dir, compiled), nil, imp)
	if err != nil {
		return nil, err
	}
	rewrite := map[string]int{}
	for i, p := range files {
		rewrite[p] = first + i
	}
	pr := &packageRewrite{path: path, files: map[string][]byte{}, fileSites: map[string]int{}}
	modMinor := 99 // GOPATH mode: the newest language
	if lp.Module != nil {
		modMinor = goMinor(lp.Module.GoVersion)
	}
	for i, p := range c.paths {
		idx, ok := rewrite[p]
		if !ok {
			continue
		}
		base := filepath.Base(p)
		out, sites, skips, err := rewriteFile(fset, c.files[i], c.srcs[i], c.info, path, idx, modMinor, methodsOnly)
		for _, s := range skips {
			pr.skips = append(pr.skips, base+":"+s)
		}
		if err != nil {
			pr.unrewritten = append(pr.unrewritten, base+": "+err.Error())
			continue
		}
		if out != nil {
			pr.files[p] = out
			pr.fileSites[p] = len(sites)
			pr.sites += len(sites)
		}
	}
	return pr, nil
}

// goMinor is the minor version of the go.mod version v (1.x), 16 when
// there is none (the go command's default).
func goMinor(v string) int {
	major, rest, _ := strings.Cut(v, ".")
	minor, _, _ := strings.Cut(rest, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	switch {
	case err1 != nil || err2 != nil:
		return 16
	case ma > 1:
		return 99
	}
	return mi
}
