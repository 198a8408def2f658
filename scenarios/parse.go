package scenarios

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/notation"
)

// ParseError is a syntax or consistency error in scenario notation, at a
// line and column (both from 1; the column counts bytes, as Go tools do).
type ParseError struct {
	// File is the path ParseFile read; empty for Parse.
	File      string
	Line, Col int
	Msg       string
}

// Error returns "scenario:line:col: msg", or "path:line:col: msg" for a file.
func (e *ParseError) Error() string {
	file := e.File
	if file == "" {
		file = "scenario"
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Col, e.Msg)
}

// Limits on what a scenario may hold: more is an error, not a scenario a
// check could run in reasonable time.
const (
	MaxFileSize   = 1 << 20   // bytes in a scenario file
	MaxClients    = 64        // client lines
	MaxCalls      = 64        // calls on one client line
	MaxDeliveries = 64        // monitor reap lines
	MaxPoints     = 1024      // point lines
	MaxHit        = 1_000_000 // a point's hit number
	MaxYield      = 10_000    // a point's yields
	// MaxSleep is the longest sleep a scenario file may give a point
	// (exploring draws at most 20ms). A lock waiter of instrumented code
	// polls in virtual time for 63ms (internal/hook.PollGiveUp) and then
	// parks, so a hand-written sleep longer than that while a lock is held
	// can freeze the clock.
	MaxSleep = time.Second
)

// ParseFile reads the scenario in the file at path; see [Parse]. A file
// with no fact in it (empty, or only comments) is an error. A file
// larger than MaxFileSize (or one that never ends, as /dev/zero) is an
// error.
func ParseFile(path string) (Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return Scenario{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Scenario{}, err
	}
	if len(data) > MaxFileSize {
		return Scenario{}, fmt.Errorf("%s: larger than %d KiB: want a scenario file", path, MaxFileSize>>10)
	}
	sc, facts, err := parse(string(data))
	if pe, ok := err.(*ParseError); ok {
		pe.File = path
	}
	if err == nil && facts == 0 {
		// Replayed, it would run a scenario nobody wrote: no exit, no
		// call. A file cut short or the wrong file, most likely.
		return Scenario{}, fmt.Errorf("%s: no scenario in the file (%d bytes, no line but blanks and comments): want at least a process, monitor or client line", path, len(data))
	}
	return sc, err
}

// Parse reads a scenario in the notation [Scenario.String] prints, one fact
// a line; see the package documentation for the grammar. Blank lines and
// comments (from # to the end of the line) are ignored, and keys may come
// in any order. Parse(s.String()) is s for every scenario Gen draws and
// every named scenario. On error Parse returns the zero Scenario and a
// *ParseError.
func Parse(text string) (Scenario, error) {
	sc, _, err := parse(text)
	return sc, err
}

// parse is Parse, and counts the lines that state a fact.
func parse(text string) (Scenario, int, error) {
	p := parser{sc: Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: faults.Never}}}}
	text = strings.TrimPrefix(text, "\uFEFF") // a byte-order mark some editors write
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		p.line = i + 1
		if err := p.parseLine(strings.TrimSuffix(line, "\r")); err != nil {
			return Scenario{}, 0, err
		}
	}
	if err := p.checkFirst(); err != nil {
		return Scenario{}, 0, err
	}
	return p.sc, p.facts, nil
}

// checkFirst checks that the schedule line's first= names deliveries and
// clients the scenario has, once each: they are known only once every
// line is read.
func (p *parser) checkFirst() error {
	for i, l := range p.sc.First {
		col := p.firstCols[i]
		p.line = p.scheduleLine
		switch {
		case l.Reap && l.N > len(p.sc.Deliveries):
			return p.errorf(col, "first= names %s, but the scenario has %d monitor reap line(s)", l, len(p.sc.Deliveries))
		case !l.Reap && l.N > len(p.sc.Actors):
			return p.errorf(col, "first= names %s, but the scenario has %d client(s)", l, len(p.sc.Actors))
		}
		for j := range i {
			if p.sc.First[j] == l {
				return p.errorf(col, "first= names %s twice", l)
			}
		}
	}
	return nil
}

type parser struct {
	sc    Scenario
	line  int // the line being parsed
	facts int // lines parsed that state a fact

	// The lines of the process line, monitor lost and the first monitor
	// reap, 0 until seen; the line of each client.
	processLine, lostLine, reapLine, scheduleLine int
	clientLines                                   []int
	firstCols                                     []int // the column of each lane of first=
}

// token is a word of a line: text and the column of its first byte.
type token struct {
	text string
	col  int
}

func (p *parser) errorf(col int, format string, args ...any) error {
	return &ParseError{Line: p.line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// lex splits line into words at blanks, with ";" a word of its own; a
// quoted string ("...", Go syntax) may hold blanks, ";" and "#"; an
// unquoted "#" starts a comment.
func (p *parser) lex(line string) ([]token, error) {
	var toks []token
	start := -1 // start of the current word, or -1
	end := func(i int) {
		if start >= 0 {
			toks = append(toks, token{line[start:i], start + 1})
			start = -1
		}
	}
	for i := 0; i < len(line); {
		switch c := line[i]; c {
		case ' ', '\t', '\v', '\f', '\r':
			end(i)
			i++
		case '#':
			end(i)
			return toks, nil
		case ';':
			end(i)
			toks = append(toks, token{";", i + 1})
			i++
		case '"':
			q, err := strconv.QuotedPrefix(line[i:])
			if err != nil {
				return nil, p.errorf(i+1, "unterminated or malformed quoted name: want a Go string literal such as \"reap close\"")
			}
			if start < 0 {
				start = i
			}
			i += len(q)
		default:
			if start < 0 {
				start = i
			}
			i++
		}
	}
	end(len(line))
	return toks, nil
}

func (p *parser) parseLine(line string) error {
	toks, err := p.lex(line)
	if err != nil || len(toks) == 0 {
		return err
	}
	p.facts++
	head := toks[0]
	switch {
	case head.text == "process":
		return p.parseProcess(head, toks[1:])
	case head.text == "monitor":
		return p.parseMonitor(head, toks[1:])
	case head.text == "point":
		return p.parsePoint(head, toks[1:])
	case head.text == "fail":
		return p.parseFail(head, toks[1:])
	case head.text == "schedule":
		return p.parseSchedule(head, toks[1:])
	case head.text == "go":
		return p.parseGo(head, toks[1:])
	case strings.HasPrefix(head.text, "client"):
		return p.parseClient(toks)
	}
	return p.errorf(head.col, "unknown line %q: want schedule, process, monitor, point, fail, go or clientN:", head.text)
}

// parseSchedule parses "schedule [procs=<n>] [first=<lane>,<lane>,...]".
func (p *parser) parseSchedule(head token, toks []token) error {
	if p.scheduleLine != 0 {
		return p.errorf(head.col, "second schedule line: the first is on line %d", p.scheduleLine)
	}
	p.scheduleLine = p.line
	kv, err := p.keyValues("schedule", toks, "procs", "first")
	if err != nil {
		return err
	}
	if t, ok := kv["first"]; ok {
		col := t.col
		for _, word := range strings.Split(t.text, ",") {
			l, ok := parseLane(word)
			if !ok {
				return p.errorf(col, "bad lane %q in first=: want reap<n> (the n-th monitor reap line) or client<n>, separated by commas", word)
			}
			p.sc.First = append(p.sc.First, l)
			p.firstCols = append(p.firstCols, col)
			col += len(word) + 1
		}
	}
	if t, ok := kv["procs"]; ok {
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 {
			return p.errorf(t.col, "bad procs %q: want a number of processors >= 1", t.text)
		}
		p.sc.Procs = n
	}
	return nil
}

// parseLane parses reap<n> or client<n>, n >= 1.
func parseLane(word string) (Lane, bool) {
	var l Lane
	num, ok := strings.CutPrefix(word, "client")
	if !ok {
		num, ok = strings.CutPrefix(word, "reap")
		l.Reap = true
	}
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 || strconv.Itoa(n) != num {
		return Lane{}, false
	}
	l.N = n
	return l, true
}

// parseGo: go <name> hit=<n>|* first=child
func (p *parser) parseGo(head token, toks []token) error {
	const syntax = "go <name> hit=<n>|* first=child"
	name, err := p.pointName("go", syntax, head, toks)
	if err != nil {
		return err
	}
	kv, err := p.keyValues("go", toks[1:], "hit", "first")
	if err != nil {
		return err
	}
	g := GoFirst{Name: name}
	if t, ok := kv["hit"]; ok {
		if g.Hit, err = p.hit(t); err != nil {
			return err
		}
	}
	if t, ok := kv["first"]; ok && t.text != "child" {
		return p.errorf(t.col, "bad first %q: want child (the parent going on first is the default: leave the line out)", t.text)
	}
	if len(p.sc.ChildFirst) == MaxPoints {
		return p.errorf(head.col, "more than %d go lines", MaxPoints)
	}
	p.sc.ChildFirst = append(p.sc.ChildFirst, g)
	return nil
}

// keyValues splits toks, each key=value, into a map from key to its token,
// checking every key is one of keys and appears once. what names the line
// or call in errors.
func (p *parser) keyValues(what string, toks []token, keys ...string) (map[string]token, error) {
	want := func() string {
		ks := make([]string, len(keys))
		for i, k := range keys {
			ks[i] = k + "="
		}
		return orList(ks)
	}
	kv := make(map[string]token, len(toks))
	for _, t := range toks {
		k, v, ok := strings.Cut(t.text, "=")
		if !ok {
			hint := ""
			switch t.text {
			case "wait", "delete", "kill":
				hint = " (a missing ';' between calls?)"
			}
			return nil, p.errorf(t.col, "%s: unexpected %q: want key=value, one of %s%s", what, t.text, want(), hint)
		}
		known := false
		for _, key := range keys {
			known = known || k == key
		}
		if !known {
			return nil, p.errorf(t.col, "%s: unknown key %q: want %s", what, k, want())
		}
		if _, dup := kv[k]; dup {
			return nil, p.errorf(t.col, "%s: %s= given twice", what, k)
		}
		kv[k] = token{v, t.col + len(k) + 1}
	}
	return kv, nil
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

const durationSyntax = "0 or a number with a unit (ns, us, ms, s, m, h), e.g. 500us, 10ms, 1.5s"

// duration parses a non-negative duration in time.ParseDuration syntax
// (which reads "0", "us" and "µs").
func (p *parser) duration(t token) (time.Duration, error) {
	d, err := time.ParseDuration(t.text)
	if err != nil {
		hint := ""
		if t.text == "never" {
			hint = " (never is only for process exit=)"
		}
		return 0, p.errorf(t.col, "bad duration %q: want %s%s", t.text, durationSyntax, hint)
	}
	if d < 0 {
		return 0, p.errorf(t.col, "negative duration %q: want 0 or more", t.text)
	}
	return d, nil
}

// count parses a decimal integer no less than min.
func (p *parser) count(t token, min int, what string) (int, error) {
	n, err := strconv.Atoi(t.text)
	if err != nil || n < min {
		return 0, p.errorf(t.col, "bad %s %q: want %s", what, t.text, atLeast(min))
	}
	return n, nil
}

func atLeast(min int) string {
	if min == 0 {
		return "a number >= 0"
	}
	return fmt.Sprintf("a number >= %d", min)
}

// exitAfter parses "exit:<duration>" (for sigterm= and sigkill=).
func (p *parser) exitAfter(key string, t token, alts string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(t.text, "exit:")
	if !ok {
		return 0, p.errorf(t.col, "unknown %s %q: want %s", key, t.text, alts)
	}
	return p.duration(token{rest, t.col + len("exit:")})
}

// parseProcess: process exit=<dur>|never status=<n> sigterm=ignore|exit:<dur> [sigkill=exit:<dur>]
func (p *parser) parseProcess(head token, toks []token) error {
	if p.processLine != 0 {
		return p.errorf(head.col, "a second process line (the first is on line %d): want one", p.processLine)
	}
	kv, err := p.keyValues("process", toks, "exit", "status", "sigterm", "sigkill")
	if err != nil {
		return err
	}
	exit := faults.ExitPlan{After: faults.Never}
	var sig faults.SignalPlan
	if t, ok := kv["exit"]; ok && t.text != "never" {
		if _, err := time.ParseDuration(t.text); err != nil {
			return p.errorf(t.col, "bad exit %q: want never or %s", t.text, durationSyntax)
		}
		if exit.After, err = p.duration(t); err != nil {
			return err
		}
	}
	if t, ok := kv["status"]; ok {
		if exit.Status, err = p.count(t, 0, "status"); err != nil {
			return err
		}
	}
	if t, ok := kv["sigterm"]; ok {
		if t.text == "ignore" {
			sig.IgnoreTerm = true
		} else if sig.ExitAfter, err = p.exitAfter("sigterm", t, "ignore or exit:<duration>"); err != nil {
			return err
		}
	}
	if t, ok := kv["sigkill"]; ok {
		if !sig.IgnoreTerm {
			return p.errorf(t.col-len("sigkill="), "sigkill= goes with sigterm=ignore: when SIGTERM is heeded, sigterm=exit:<duration> is the delay for every heeded signal")
		}
		if sig.ExitAfter, err = p.exitAfter("sigkill", t, "exit:<duration>"); err != nil {
			return err
		}
	}
	p.processLine = p.line
	p.sc.Exit, p.sc.Signal = exit, sig
	return nil
}

// parseMonitor: monitor lost | monitor reap after=<dur> status=real|<n>
func (p *parser) parseMonitor(head token, toks []token) error {
	if len(toks) == 0 {
		return p.errorf(head.col+len(head.text), "monitor what? want monitor lost or monitor reap after=<duration> status=real|<n>")
	}
	switch kind := toks[0]; kind.text {
	case "lost":
		if len(toks) > 1 {
			return p.errorf(toks[1].col, "unexpected %q after monitor lost: want nothing", toks[1].text)
		}
		if p.lostLine != 0 {
			return p.errorf(kind.col, "monitor lost again (first on line %d): want it once", p.lostLine)
		}
		if p.reapLine != 0 {
			return p.errorf(kind.col, "monitor lost, but line %d has a monitor reap: a lost exit has no deliveries; keep one or the other", p.reapLine)
		}
		p.lostLine = p.line
		return nil
	case "reap":
		if p.lostLine != 0 {
			return p.errorf(kind.col, "monitor reap, but line %d says monitor lost: a lost exit has no deliveries; keep one or the other", p.lostLine)
		}
		kv, err := p.keyValues("monitor reap", toks[1:], "after", "status")
		if err != nil {
			return err
		}
		d := faults.Delivery{Status: faults.StatusReal}
		if t, ok := kv["after"]; ok {
			if d.After, err = p.duration(t); err != nil {
				return err
			}
		}
		if t, ok := kv["status"]; ok && t.text != "real" {
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 0 {
				return p.errorf(t.col, "bad status %q: want real or a number >= 0", t.text)
			}
			d.Status = n
		}
		if p.reapLine == 0 {
			p.reapLine = p.line
		}
		if len(p.sc.Deliveries) == MaxDeliveries {
			return p.errorf(kind.col, "more than %d monitor reap lines", MaxDeliveries)
		}
		p.sc.Deliveries = append(p.sc.Deliveries, d)
		return nil
	default:
		return p.errorf(kind.col, "unknown monitor %q: want lost or reap", kind.text)
	}
}

// pointName parses the name that starts a point or fail line (what is
// "point" or "fail"; syntax is the line's grammar, for errors).
func (p *parser) pointName(what, syntax string, head token, toks []token) (string, error) {
	if len(toks) == 0 || strings.Contains(toks[0].text, "=") && !strings.HasPrefix(toks[0].text, `"`) {
		col := head.col + len(head.text)
		if len(toks) > 0 {
			col = toks[0].col
		}
		return "", p.errorf(col, "%s needs a name first: want %s", what, syntax)
	}
	nt := toks[0]
	name := nt.text
	if strings.HasPrefix(name, `"`) {
		var err error
		if name, err = strconv.Unquote(nt.text); err != nil {
			return "", p.errorf(nt.col, "bad quoted %s name %s: want one Go string literal, then a blank", what, nt.text)
		}
		if name == "" {
			return "", p.errorf(nt.col, "empty %s name", what)
		}
	} else if notation.PointName(name) != name {
		return "", p.errorf(nt.col, "%s name %s has characters other than A-Z a-z 0-9 _ : . / -: quote it, as %s", what, name, strconv.Quote(name))
	}
	return name, nil
}

// hit parses hit=<n>|*: 0 for every pass.
func (p *parser) hit(t token) (int, error) {
	if t.text == "*" {
		return 0, nil
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 1 || n > MaxHit {
		return 0, p.errorf(t.col, "bad hit %q: want * (every pass) or a pass number from 1 to %d", t.text, MaxHit)
	}
	return n, nil
}

// parseFail: fail <name> hit=<n>|*
func (p *parser) parseFail(head token, toks []token) error {
	name, err := p.pointName("fail", "fail <name> hit=<n>|*", head, toks)
	if err != nil {
		return err
	}
	kv, err := p.keyValues("fail", toks[1:], "hit")
	if err != nil {
		return err
	}
	f := faults.FailFault{Name: name}
	if t, ok := kv["hit"]; ok {
		if f.Hit, err = p.hit(t); err != nil {
			return err
		}
	}
	p.sc.Fails = append(p.sc.Fails, f)
	return nil
}

// parsePoint: point <name> hit=<n>|* [yield=<n>] [sleep=<dur>]
func (p *parser) parsePoint(head token, toks []token) error {
	const syntax = "point <name> hit=<n>|* [yield=<n>] [sleep=<duration>]"
	name, err := p.pointName("point", syntax, head, toks)
	if err != nil {
		return err
	}
	kv, err := p.keyValues("point", toks[1:], "hit", "yield", "sleep")
	if err != nil {
		return err
	}
	f := faults.PointFault{Name: name, Hit: 0, Yields: 1}
	if t, ok := kv["hit"]; ok {
		if f.Hit, err = p.hit(t); err != nil {
			return err
		}
	}
	if t, ok := kv["sleep"]; ok {
		if f.Sleep, err = p.duration(t); err != nil {
			return err
		}
		if f.Sleep == 0 || f.Sleep > MaxSleep {
			return p.errorf(t.col, "bad sleep %q: want a duration above 0, at most %s", t.text, MaxSleep)
		}
		f.Yields = 0 // a sleep alone, unless yield= says otherwise
	}
	if t, ok := kv["yield"]; ok {
		if f.Yields, err = p.count(t, 1, "yield"); err != nil {
			return err
		}
		if f.Yields > MaxYield {
			return p.errorf(t.col, "bad yield %q: want a number from 1 to %d", t.text, MaxYield)
		}
	}
	if len(p.sc.Points) == MaxPoints {
		return p.errorf(head.col, "more than %d point lines", MaxPoints)
	}
	p.sc.Points = append(p.sc.Points, f)
	return nil
}

// parseClient: clientN: <call>; <call>; ...
func (p *parser) parseClient(toks []token) error {
	head := toks[0]
	want := ActorName(len(p.sc.Actors))
	name, rest, colon := strings.Cut(head.text, ":")
	n, err := strconv.Atoi(strings.TrimPrefix(name, "client"))
	if !colon || err != nil || n < 1 || strconv.Itoa(n) != strings.TrimPrefix(name, "client") {
		return p.errorf(head.col, "unknown line %q: want process, monitor, point or %s: followed by its calls", head.text, want)
	}
	if name != want {
		msg := fmt.Sprintf("%s out of order: want %s next; clients are numbered client1, client2, ... in order, one line each", name, want)
		if n <= len(p.sc.Actors) {
			msg += fmt.Sprintf(" (%s is on line %d: put all its calls on that line, separated by ';')", name, p.clientLines[n-1])
		}
		return p.errorf(head.col, "%s", msg)
	}
	toks = toks[1:]
	if rest != "" { // "client1:wait"
		toks = append([]token{{rest, head.col + len(name) + 1}}, toks...)
	}
	var a Actor
	for len(toks) > 0 {
		i := 0
		for i < len(toks) && toks[i].text != ";" {
			i++
		}
		if i == 0 {
			return p.errorf(toks[0].col, "empty call before ';': want wait, delete or kill")
		}
		c, err := p.parseCall(toks[:i])
		if err != nil {
			return err
		}
		if len(a.Calls) == MaxCalls {
			return p.errorf(toks[0].col, "more than %d calls on one client line", MaxCalls)
		}
		a.Calls = append(a.Calls, c)
		if i < len(toks) && i == len(toks)-1 {
			return p.errorf(toks[i].col, "nothing after ';': want another call (wait, delete or kill), or drop the ';'")
		}
		toks = toks[min(i+1, len(toks)):]
	}
	p.clientLines = append(p.clientLines, p.line)
	if len(p.sc.Actors) == MaxClients {
		return p.errorf(head.col, "more than %d clients", MaxClients)
	}
	p.sc.Actors = append(p.sc.Actors, a)
	return nil
}

// parseCall: wait|delete|kill [sig=<n>|TERM|KILL] [after=<dur>] [ctx=<ctx>]
func (p *parser) parseCall(toks []token) (Call, error) {
	op := toks[0]
	var c Call
	switch op.text {
	case "wait":
		c.Op = Wait
	case "delete":
		c.Op = Delete
	case "kill":
		c.Op = Kill
	case "reap":
		return Call{}, p.errorf(op.col, "reap is the monitor's, not a client's: write monitor reap lines")
	default:
		return Call{}, p.errorf(op.col, "unknown call %q: want wait, delete or kill", op.text)
	}
	kv, err := p.keyValues(op.text, toks[1:], "sig", "after", "ctx")
	if err != nil {
		return Call{}, err
	}
	t, ok := kv["sig"]
	switch {
	case c.Op == Kill && !ok:
		return Call{}, p.errorf(op.col, "kill without a signal: want sig=TERM, sig=KILL or sig=<number>")
	case c.Op != Kill && ok:
		return Call{}, p.errorf(t.col-len("sig="), "%s takes no signal: sig= is only for kill", op.text)
	case ok:
		switch t.text {
		case "TERM", "SIGTERM":
			c.Signal = syscall.SIGTERM
		case "KILL", "SIGKILL":
			c.Signal = syscall.SIGKILL
		default:
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 1 {
				return Call{}, p.errorf(t.col, "bad signal %q: want TERM, KILL or a signal number >= 1", t.text)
			}
			c.Signal = syscall.Signal(n)
		}
	}
	if t, ok := kv["after"]; ok {
		if c.Delay, err = p.duration(t); err != nil {
			return Call{}, err
		}
	}
	if t, ok := kv["ctx"]; ok {
		if c.Ctx, err = p.ctx(t); err != nil {
			return Call{}, err
		}
	}
	return c, nil
}

// ctx parses background, timeout:<dur>, cancel:<dur> or cancelled.
func (p *parser) ctx(t token) (faults.Ctx, error) {
	switch t.text {
	case "background":
		return faults.Ctx{Kind: faults.Background}, nil
	case "cancelled":
		return faults.Ctx{Kind: faults.Cancelled}, nil
	}
	kind, rest, found := strings.Cut(t.text, ":")
	var c faults.Ctx
	switch {
	case found && kind == "timeout":
		c.Kind = faults.Timeout
	case found && kind == "cancel":
		c.Kind = faults.CancelAfter
	default:
		return faults.Ctx{}, p.errorf(t.col, "unknown ctx %q: want background, timeout:<duration>, cancel:<duration> or cancelled", t.text)
	}
	var err error
	c.After, err = p.duration(token{rest, t.col + len(kind) + 1})
	return c, err
}
