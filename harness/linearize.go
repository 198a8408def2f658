package harness

import (
	"math"
	"strconv"
	"strings"

	"github.com/reaptest/reaptest/scenarios"
)

// The search for an order of a scenario's calls that explains their
// results by the task model (model.go): Wing & Gong's, with a memo of the
// states already tried. A call that returned before another began comes
// first; overlapping calls may go either way. The histories are a dozen
// calls or two, and only Reaps and successful Deletes change the model's
// state, so the search is small: every other call is placed as soon as
// the model allows it, which never rules out an order that would work
// (it changes nothing, and nothing that must come before it is left).

// histCall is one call of a history as the search sees it.
type histCall struct {
	c *callRecord
	// judged: its result must be explained (it returned, and no bound or
	// panic already blames it). Otherwise it is optional: placed at any
	// point after it began, or never; placed, a call with mayPlace keeps
	// its result, which the model must allow (a call the judge looks
	// past for now), and one without it only takes effect (model.apply:
	// its result is not judged: it is stuck, panicked or blamed).
	judged, mayPlace bool
	start            int64 // order of its start
	end              int64 // order of its end; MaxInt64 if it never returned
}

// history is what the search works on: the calls, in the order recorded.
type history struct {
	m     *taskModel
	calls []histCall
}

// searchBudget caps the states one search visits; a history that needs
// more is left unjudged by the model (the bounds still apply). Histories
// of the scenarios the harness draws stay far below it.
const searchBudget = 1 << 18

// linearizable reports whether some order of the calls explains every
// judged result: false only when no order does (a search past its
// budget counts as explained).
func (h *history) linearizable() bool {
	var ubuf [32]int
	s := search{h: h, undo: ubuf[:0]}
	var buf [32]bool
	done := buf[:0]
	if len(h.calls) > len(buf) {
		done = make([]bool, 0, len(h.calls))
	}
	return s.dfs(done[:len(h.calls)], h.m.initial()) || s.steps > searchBudget
}

type search struct {
	h     *history
	memo  map[string]struct{} // (placed, state) pairs that led nowhere; made when first needed
	steps int
	key   []byte
	undo  []int // calls placed by the branches in progress, innermost last
}

// ready reports whether call i may be placed next: every judged call
// still unplaced returned after it began. Optional calls that returned
// before it began are dropped when it is placed (they took effect before,
// which another branch tries, or never).
func (s *search) ready(done []bool, i int) bool {
	start := s.h.calls[i].start
	for j, d := range done {
		if !d && j != i {
			if o := &s.h.calls[j]; o.judged && o.end < start {
				return false
			}
		}
	}
	return true
}

// place marks call i placed, with the optional calls it must follow
// dropped, and pushes them on s.undo; it returns how many it pushed.
func (s *search) place(done []bool, i int) int {
	start := s.h.calls[i].start
	s.undo = append(s.undo, i)
	done[i] = true
	n := 1
	for j, d := range done {
		if !d && s.h.calls[j].end < start {
			done[j] = true
			s.undo = append(s.undo, j)
			n++
		}
	}
	return n
}

func (s *search) dfs(done []bool, st modelState) bool {
	s.steps++
	if s.steps > searchBudget {
		return true
	}
	// Place what changes nothing as soon as the model allows it, where
	// that drops no optional call; undone before returning.
	var buf [32]int
	greedy := buf[:0]
	for again := true; again; {
		again = false
		for i, d := range done {
			hc := &s.h.calls[i]
			if d || !hc.judged || mutates(hc.c) || !s.ready(done, i) || s.dropsOptional(done, i) {
				continue
			}
			if _, r := s.h.m.step(st, i, hc.c); r == refusedNot {
				done[i] = true
				greedy = append(greedy, i)
				again = true
			}
		}
	}
	ok := s.branch(done, st)
	for _, i := range greedy {
		done[i] = false
	}
	return ok
}

// branch tries each call that may come next, from st with done placed.
func (s *search) branch(done []bool, st modelState) bool {
	all := true
	for i, d := range done {
		if !d && s.h.calls[i].judged {
			all = false
		}
	}
	if all {
		return true
	}
	var k string
	if s.memo != nil {
		k = s.memoKey(done, st)
		if _, seen := s.memo[k]; seen {
			return false
		}
	}
	for i, d := range done {
		hc := &s.h.calls[i]
		if d || !s.ready(done, i) {
			continue
		}
		next := st
		if hc.judged || hc.mayPlace {
			var r refusal
			if next, r = s.h.m.step(st, i, hc.c); r != refusedNot {
				continue
			}
		} else {
			next = s.h.m.apply(st, i, hc.c)
		}
		n := s.place(done, i)
		ok := s.dfs(done, next)
		for _, j := range s.undo[len(s.undo)-n:] {
			done[j] = false
		}
		s.undo = s.undo[:len(s.undo)-n]
		if ok {
			return true
		}
	}
	if s.memo == nil {
		s.memo = map[string]struct{}{}
		k = s.memoKey(done, st)
	}
	s.memo[k] = struct{}{}
	return false
}

// dropsOptional reports whether placing call i now would drop an
// optional call that has not been placed.
func (s *search) dropsOptional(done []bool, i int) bool {
	start := s.h.calls[i].start
	for j, d := range done {
		if !d && j != i && s.h.calls[j].end < start {
			return true
		}
	}
	return false
}

func (s *search) memoKey(done []bool, st modelState) string {
	s.key = s.key[:0]
	for _, d := range done {
		if d {
			s.key = append(s.key, '1')
		} else {
			s.key = append(s.key, '0')
		}
	}
	s.key = append(s.key, byte('0'+st.phase), ':')
	s.key = strconv.AppendInt(s.key, int64(st.by), 10)
	return string(s.key)
}

// newHistory builds the search's view of calls: judged marks the calls
// whose results must be explained; the others that may have taken effect
// (a Reap or Delete that is stuck, panicked or already blamed) are
// optional; calls that can change nothing and are not judged are left out.
func newHistory(m *taskModel, calls []*callRecord, judged func(*callRecord) bool) *history {
	h := &history{m: m, calls: make([]histCall, 0, len(calls))}
	for _, c := range calls {
		end := c.endSeq
		if end == 0 || !c.returned {
			end = math.MaxInt64 // may take effect at any point after it began
		}
		hc := histCall{c: c, judged: judged(c), start: c.startSeq, end: end}
		if !hc.judged && c.op != scenarios.Reap && c.op != scenarios.Delete {
			continue
		}
		h.calls = append(h.calls, hc)
	}
	return h
}

// orders lists the orders of set that respect real time, up to max of
// them, each as indices into set; and how many there are in all.
func (h *history) orders(set []int, max int) (out [][]int, total int) {
	done := make([]bool, len(set))
	var cur []int
	var walk func()
	walk = func() {
		if len(cur) == len(set) {
			total++
			if len(out) < max {
				out = append(out, append([]int(nil), cur...))
			}
			return
		}
		for i := range set {
			if done[i] {
				continue
			}
			ok := true
			for j := range set {
				if !done[j] && j != i && h.calls[set[j]].end < h.calls[set[i]].start {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			done[i] = true
			cur = append(cur, i)
			walk()
			cur = cur[:len(cur)-1]
			done[i] = false
		}
	}
	walk()
	return out, total
}

// explainOrder runs the model over one order of set (all judged) and
// says where it fails: the call and why.
func (h *history) explainOrder(set, order []int) string {
	st := h.m.initial()
	var names []string
	for _, i := range order {
		names = append(names, h.calls[set[i]].c.name())
	}
	for _, i := range order {
		hc := &h.calls[set[i]]
		next, r := h.m.step(st, set[i], hc.c)
		if r != refusedNot {
			return strings.Join(names, ", ") + ": " + hc.c.name() + " " + hc.c.result() + ": " + r.text(h.m, st, hc.c)
		}
		st = next
	}
	return strings.Join(names, ", ") + ": explains every result"
}
