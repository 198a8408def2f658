package harness

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// goroutine is one goroutine of a runtime stack dump (runtime.Stack with
// all=true, or the text a SIGQUIT prints).
type goroutine struct {
	id      int64
	state   string // wait reason, e.g. "chan receive", "sync.Mutex.Lock"
	durable bool   // blocked durably, as testing/synctest counts it
	bubble  int64  // synctest bubble id, 0 outside any bubble
	creator int64  // id of the goroutine that started it, 0 if unknown
	spawner string // function that started it ("created by ...")
	frames  []frame
	raw     string // the goroutine's block of the dump, as printed
}

// frame is one function on a goroutine's stack.
type frame struct {
	fn   string // package-qualified function, e.g. "main.(*T).Wait"
	file string
	line int
}

func (f frame) String() string { return fmt.Sprintf("%s at %s:%d", f.fn, f.file, f.line) }

// active reports whether the goroutine is running or about to: it is not
// blocked at all.
func (g *goroutine) active() bool {
	switch g.state {
	case "running", "runnable", "syscall", "preempted", "copystack":
		return true
	}
	return false
}

// lastDumpSize and lastDumpCost are the size in bytes of the last
// goroutine dump and what it cost in nanoseconds: the next dump's buffer is
// sized from the first (every pass of runtime.Stack stops the world and
// walks every goroutine, so a buffer that fits saves whole passes), and
// the watchdog spaces its dumps by the second.
var lastDumpSize, lastDumpCost atomic.Int64

// dumpCount counts the dumps taken, for tests and benchmarks.
var dumpCount atomic.Int64

// dumpAll returns a stack dump of every goroutine in the process.
func dumpAll() []byte {
	dumpCount.Add(1)
	start := time.Now()
	// A parked goroutine prints in about 150 bytes: the first dump in a
	// crowded process starts near its size instead of doubling up to it.
	size := max(64<<10, lastDumpSize.Load()*5/4, int64(runtime.NumGoroutine())*256)
	for {
		buf := make([]byte, size)
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			lastDumpSize.Store(int64(n))
			lastDumpCost.Store(int64(time.Since(start)))
			return buf[:n]
		}
		size *= 2
	}
}

// parseBubbles parses the goroutines of dump that belong to a synctest
// bubble, skipping the others unparsed: in a test binary with thousands
// of goroutines of its own, parsing them all would cost more than the
// dump.
func parseBubbles(dump []byte) []*goroutine {
	var gs []*goroutine
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
		if bytes.Contains(header, []byte("synctest bubble ")) {
			gs = append(gs, parseDump(block)...)
		}
	}
	return gs
}

// parseDump parses a goroutine dump. Lines it does not understand are
// skipped: a dump is evidence, and a partial parse beats none.
func parseDump(dump []byte) []*goroutine {
	var gs []*goroutine
	var g *goroutine
	lines := strings.Split(string(bytes.ReplaceAll(dump, []byte("\r\n"), []byte("\n"))), "\n")
	start := 0 // first line of g's block
	closeBlock := func(end int) {
		if g != nil {
			g.raw = strings.Join(lines[start:end], "\n") + "\n"
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "goroutine ") && strings.HasSuffix(line, ":") {
			closeBlock(i)
			g = parseHeader(line)
			start = i
			if g != nil {
				gs = append(gs, g)
			}
			continue
		}
		if g == nil || line == "" || strings.HasPrefix(line, "\t") {
			if line == "" {
				closeBlock(i)
				g = nil
			}
			continue
		}
		// A function line; its location follows on the next line.
		var loc string
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			loc = strings.TrimSpace(lines[i+1])
			i++
		}
		if rest, ok := strings.CutPrefix(line, "created by "); ok {
			fn, in, found := strings.Cut(rest, " in goroutine ")
			if found {
				g.creator, _ = strconv.ParseInt(strings.TrimSpace(in), 10, 64)
			}
			g.spawner = fn
			continue
		}
		fn := line
		if j := strings.LastIndex(fn, "("); j > 0 {
			fn = fn[:j]
		}
		f := frame{fn: fn}
		if j := strings.LastIndex(loc, " +0x"); j >= 0 {
			loc = loc[:j]
		}
		if j := strings.LastIndex(loc, ":"); j >= 0 {
			f.file = loc[:j]
			f.line, _ = strconv.Atoi(loc[j+1:])
		} else {
			f.file = loc
		}
		g.frames = append(g.frames, f)
	}
	closeBlock(len(lines))
	return gs
}

// parseHeader parses "goroutine 7 [chan receive (durable), 2 minutes,
// synctest bubble 1]:" and, from crash dumps, "goroutine 7 gp=0xc000 m=nil
// [chan receive]:".
func parseHeader(line string) *goroutine {
	rest := strings.TrimPrefix(line, "goroutine ")
	idText, rest, ok := strings.Cut(rest, " [")
	if !ok {
		return nil
	}
	// A crash dump (SIGQUIT, GOTRACEBACK=crash) adds "gp=0x... m=nil"
	// after the id.
	idText, _, _ = strings.Cut(idText, " ")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil
	}
	rest = strings.TrimSuffix(rest, "]:")
	g := &goroutine{id: id}
	for i, part := range strings.Split(rest, ", ") {
		if i == 0 {
			state, durable := strings.CutSuffix(part, " (durable)")
			g.state, g.durable = state, durable
			continue
		}
		if b, ok := strings.CutPrefix(part, "synctest bubble "); ok {
			g.bubble, _ = strconv.ParseInt(b, 10, 64)
		}
	}
	return g
}

// currentGoroutine returns the id and synctest bubble of the calling
// goroutine.
func currentGoroutine() (id, bubble int64) {
	var buf [128]byte
	n := runtime.Stack(buf[:], false)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	if g := parseHeader(line); g != nil {
		return g.id, g.bubble
	}
	return 0, 0
}

// goroot is where the standard library's sources are, as stack traces
// name them ("/usr/local/go/src/"), learned from a function of its own.
var goroot = func() string {
	file, _ := runtime.FuncForPC(reflect.ValueOf(fmt.Sprint).Pointer()).FileLine(reflect.ValueOf(fmt.Sprint).Pointer())
	if dir, ok := strings.CutSuffix(file, "fmt/print.go"); ok && strings.HasPrefix(file, "/") {
		return dir
	}
	return ""
}()

// enginePackages are the packages whose frames are the harness's own, not
// the implementation's.
var enginePackages = []string{
	"github.com/reaptest/reaptest/harness.",
	"github.com/reaptest/reaptest/harness/autopoint.",
	"github.com/reaptest/reaptest/faults.",
	"github.com/reaptest/reaptest/scenarios.",
}

// ownFrame reports whether f belongs to the standard library or the engine.
func ownFrame(f frame) bool {
	for _, p := range enginePackages {
		if strings.HasPrefix(f.fn, p) {
			return true
		}
	}
	if goroot != "" && strings.HasPrefix(f.file, goroot) {
		return true
	}
	if strings.HasPrefix(f.file, "/") || goroot == "" {
		return false // a file outside GOROOT: not the standard library
	}
	// Built with -trimpath: standard library packages have no dot in their
	// first path element.
	first, _, _ := strings.Cut(f.fn, "/")
	first, _, _ = strings.Cut(first, ".")
	return !strings.Contains(first, ".") && first != "main"
}

// implFrames returns the frames of g that belong to the implementation,
// innermost first.
func (g *goroutine) implFrames() []frame {
	var out []frame
	for _, f := range g.frames {
		if !ownFrame(f) {
			out = append(out, f)
		}
	}
	return out
}

// blockedAt describes where g is blocked: its state and innermost
// implementation frame.
func (g *goroutine) blockedAt() string {
	state := g.state
	if g.durable {
		state += " (durable)"
	}
	if fs := g.implFrames(); len(fs) > 0 {
		return fmt.Sprintf("%s in %s (%s:%d)", state, shortFunc(fs[0].fn), shortFile(fs[0].file), fs[0].line)
	}
	if len(g.frames) > 0 {
		return fmt.Sprintf("%s in %s", state, shortFunc(g.frames[0].fn))
	}
	return state
}

// format writes g as indented evidence: the header, then its frames with
// the engine's and the runtime's own trimmed away (kept if nothing else is
// left).
func (g *goroutine) format(indent string) string {
	var b strings.Builder
	state := g.state
	if g.durable {
		state += " (durable)"
	}
	fmt.Fprintf(&b, "%sgoroutine %d [%s]:\n", indent, g.id, state)
	frames := g.implFrames()
	if len(frames) == 0 {
		frames = g.frames
	}
	for _, f := range frames {
		fmt.Fprintf(&b, "%s  %s\n%s      %s:%d\n", indent, f.fn, indent, f.file, f.line)
	}
	return b.String()
}

func shortFunc(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

func shortFile(file string) string {
	parts := strings.Split(file, "/")
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return strings.Join(parts, "/")
}

// trimStack turns the stack of a panicking goroutine (debug.Stack) into
// evidence: the frames of the implementation, from the panic inward.
func trimStack(stack []byte) string {
	gs := parseDump(stack)
	if len(gs) == 0 {
		return string(stack)
	}
	g := gs[0]
	// Frames above the panic are the recovering harness's own.
	for i, f := range g.frames {
		if f.fn == "panic" {
			g.frames = g.frames[i+1:]
			break
		}
	}
	return g.format("")
}
