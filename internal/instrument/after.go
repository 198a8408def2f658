package instrument

import (
	"go/ast"
)

// Points after an unlock.
//
// Every point is passed before its operation. A window that holds no
// synchronization operation of its own — a Kill that marks itself
// pending under the lock, unlocks, signals the process, locks again and
// clears the mark (containerd #10589) — then has one point inside it,
// the re-lock's, and a fault there must coincide with whatever is to
// land in the window. A second point right after the unlock,
// "unlocked" (task.go:74 unlocked), is where the goroutine has just let
// go of the lock and usually holds none: a yield there lets in the
// goroutines the unlock woke, a sleep of virtual time whatever is due
// before it ends. Measured on that shape (harness/windowtask_test.go,
// 20,000 generated scenarios each, hangs found): 9 with sleeps drawn at
// the points before operations, 79 with the unlocked points as well.

// afterUnlocks marks the statements of list that are a call (an
// Unlock or RUnlock of a sync lock, lockCall decides), so that lockCall
// gives them a point after the unlock: mu.Unlock() becomes
// hook.UnlockThen(id, id2, &mu), which passes id2 once mu is unlocked. Only
// statements of a block or a case get one: an unlock that is deferred,
// started with go, or in an if, switch or for header is left as it was.
func (r *fileRewriter) afterUnlocks(list []ast.Stmt) {
	for _, st := range list {
		es, ok := st.(*ast.ExprStmt)
		if !ok {
			continue
		}
		if c, ok := ast.Unparen(es.X).(*ast.CallExpr); ok {
			if r.stmts == nil {
				r.stmts = map[*ast.CallExpr]bool{}
			}
			r.stmts[c] = true
		}
	}
}

// unlocked records the point after the unlock c (the sync operation op,
// rewritten by lockCall) and returns it, if c is an Unlock or RUnlock
// afterUnlocks marked; nil otherwise. lockCall then calls the wrapper's
// Then variant: hook.UnlockThen(id, then, &mu).
func (r *fileRewriter) unlocked(c *ast.CallExpr, op string) *thenSite {
	if op != "Unlock" && op != "RUnlock" || !r.stmts[c] {
		return nil
	}
	return &thenSite{r.newSite(c.End(), "unlocked")}
}

// thenSite is the point after an unlock, or nil for none.
type thenSite struct{ s *site }

// suffix is what the wrapper's name takes: "Then", or "" for none.
func (t *thenSite) suffix() string {
	if t == nil {
		return ""
	}
	return "Then"
}

// arg is the argument after the unlock's id: ", id2", or "" for none.
func (t *thenSite) arg(r *fileRewriter) string {
	if t == nil {
		return ""
	}
	return ", " + r.id(t.s)
}
