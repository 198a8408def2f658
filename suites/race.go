package suites

import (
	"fmt"
	"strings"
)

// Data races as findings: under go test -race the child runs with
// GORACE=halt_on_error=1, so the first race the detector sees ends it; the
// parent then confirms and shrinks the scenario in fresh children as it
// does for a crash, and reports it as class race, with both accesses'
// stacks trimmed to the implementation's frames.

// raceHeader starts every report of the race detector.
const raceHeader = "WARNING: DATA RACE"

// raceReport reads the race detector's first report in out: a one-line
// summary of the two accesses and, as evidence, their stacks trimmed to the
// implementation's frames.
func raceReport(out string) (got, evidence string) {
	out = plain(out)
	i := strings.Index(out, raceHeader)
	if i < 0 {
		return "data race", ""
	}
	body := out[i+len(raceHeader):]
	if j := strings.Index(body, "\n=================="); j >= 0 {
		body = body[:j]
	}
	var ev strings.Builder
	var accesses []string
	for _, sec := range strings.Split(strings.TrimSpace(body), "\n\n") {
		lines := strings.Split(strings.TrimSpace(sec), "\n")
		head := strings.TrimSpace(lines[0])
		at := strings.Index(head, " at 0x")
		if at < 0 { // "Goroutine 8 (running) created at:": not an access
			continue
		}
		frames := raceFrames(lines[1:])
		kind := strings.ToLower(head[:at])
		where := "an unknown place"
		if len(frames) > 0 {
			where = frames[0].short()
		}
		accesses = append(accesses, kind+" in "+where)
		fmt.Fprintf(&ev, "%s\n", strings.TrimSuffix(head, ":")+":")
		for _, f := range frames {
			fmt.Fprintf(&ev, "  %s\n      %s\n", f.fn, f.loc)
		}
	}
	if len(accesses) == 0 {
		return "data race", excerpt(out)
	}
	return "data race: " + strings.Join(accesses, " and "), strings.TrimRight(ev.String(), "\n")
}

// raceFrame is one frame of a race report.
type raceFrame struct{ fn, loc string }

// short is the frame as a person reads it: pkg.(*T).Method (file.go:42).
func (f raceFrame) short() string {
	fn := strings.TrimSuffix(f.fn, "()")
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	loc, _, _ := strings.Cut(f.loc, " +0x")
	if i := strings.LastIndex(loc, "/"); i >= 0 {
		loc = loc[i+1:]
	}
	return fmt.Sprintf("%s (%s)", fn, loc)
}

// raceFrames reads a section's frames, "  pkg.fn()" then "      file:line
// +0x..", keeping the implementation's: not the runtime's, the standard
// library's, the test frameworks' or reaptest's own. With none of those,
// it keeps the first three.
func raceFrames(lines []string) []raceFrame {
	var all, impl []raceFrame
	for i := 0; i < len(lines); i++ {
		fn := strings.TrimSpace(lines[i])
		if fn == "" || strings.HasPrefix(lines[i], "      ") {
			continue
		}
		f := raceFrame{fn: fn}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "      ") {
			f.loc = strings.TrimSpace(lines[i+1])
			i++
		}
		all = append(all, f)
		if !plumbing(strings.TrimSuffix(fn, "()")) {
			impl = append(impl, f)
		}
	}
	if len(impl) == 0 {
		return all[:min(3, len(all))]
	}
	return impl
}

// plumbing reports whether the function fn (package-qualified) is not the
// implementation's: the runtime's, the standard library's (no dot in its
// first path element), a test framework's, or reaptest's own outside the
// catalog.
func plumbing(fn string) bool {
	first, _, _ := strings.Cut(fn, "/")
	if !strings.Contains(first, ".") {
		return true
	}
	for _, p := range []string{"github.com/onsi/", "pgregory.net/rapid", "go.uber.org/goleak"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	const rt = "github.com/reaptest/reaptest/"
	if rest, ok := strings.CutPrefix(fn, rt); ok {
		return !strings.HasPrefix(rest, "suites/catalog") && !strings.HasPrefix(rest, "suites/testdata")
	}
	return false
}
