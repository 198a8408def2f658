package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/faults"
)

// roundTrip checks that sc's text parses back to sc, and that String is a
// fixed point of Parse.
func roundTrip(t interface {
	Helper()
	Fatalf(format string, args ...any)
}, sc Scenario) {
	t.Helper()
	text := sc.String()
	got, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(String()) failed: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(got, sc) {
		t.Fatalf("Parse(String()) differs from the scenario:\n%s\ngot  %#v\nwant %#v", text, got, sc)
	}
	if again := got.String(); again != text {
		t.Fatalf("String() is not a fixed point:\n%s\n---\n%s", text, again)
	}
}

// Point names for the round trip: simple tokens, and names that must be
// quoted (a blank, a quote and a #, non-ASCII, a key=value look-alike).
var roundTripPoints = []string{"wait.locked", "reap:checked", "delete/unlock-2", "reap close", `say "hi" # not a comment`, "réap", "hit=1", ";",
	// automatic points, as internal/hook.Name writes them
	"task.go:42 close", "task.go:42:7 Lock", "rt/task.go:9 Unlock", "example.com/rt/task.go:9:3 send"}

// Automatic point names (file:line op, with a blank and colons) print
// quoted and parse back, with any hit.
func TestAutoPointNames(t *testing.T) {
	sc := Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: faults.Never}, Points: []faults.PointFault{
		{Name: "task.go:42 close", Hit: 9, Yields: 16}, {Name: "task.go:42:7 Lock", Yields: 1}}}}
	want := "process exit=never status=0 sigterm=exit:0\n" +
		"monitor lost\n" +
		"point \"task.go:42 close\" hit=9 yield=16\n" +
		"point \"task.go:42:7 Lock\" hit=* yield=1\n"
	if got := sc.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	roundTrip(t, sc)
}

// A point may sleep virtual time: sleep= alone (no yield), or with yields;
// both print and parse back.
func TestPointSleep(t *testing.T) {
	sc, err := Parse("point \"task.go:76 Lock\" hit=1 sleep=2ms\npoint p hit=* yield=4 sleep=500us\npoint q hit=2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []faults.PointFault{
		{Name: "task.go:76 Lock", Hit: 1, Sleep: 2 * time.Millisecond},
		{Name: "p", Yields: 4, Sleep: 500 * time.Microsecond},
		{Name: "q", Hit: 2, Yields: 1},
	}
	if !slices.Equal(sc.Points, want) {
		t.Errorf("parsed %+v, want %+v", sc.Points, want)
	}
	text := sc.String()
	for _, line := range []string{"point \"task.go:76 Lock\" hit=1 sleep=2ms\n", "point p hit=* yield=4 sleep=500µs\n", "point q hit=2 yield=1\n"} {
		if !strings.Contains(text, line) {
			t.Errorf("String() =\n%s\nwant the line %q", text, line)
		}
	}
	roundTrip(t, sc)
}

// With learned hits, Gen draws faults at every hit of every point, up to
// the most seen, and at every hit (hit=*): a window at hit 9 of a point
// inside a loop is drawn.
func TestGenLearnedHits(t *testing.T) {
	shape := Shape{Points: []string{"once", "loop.go:12 Lock"}, Hits: []int{1, 12}}
	gen := Gen(shape)
	seen := map[faults.PointFault]bool{}
	for i := range 3000 {
		for _, f := range gen.Example(i).Points {
			limit := 1
			if f.Name == shape.Points[1] {
				limit = 12
			}
			if f.Hit < 0 || f.Hit > limit {
				t.Fatalf("example %d: fault %+v past the %d hits learned", i, f, limit)
			}
			f.Yields = 0
			seen[f] = true
		}
	}
	for _, want := range []faults.PointFault{{Name: "loop.go:12 Lock", Hit: 9}, {Name: "loop.go:12 Lock", Hit: 12},
		{Name: "loop.go:12 Lock"}, {Name: "once", Hit: 1}} {
		if !seen[want] {
			t.Errorf("no example drew %+v", want)
		}
	}
	if seen[faults.PointFault{Name: "once", Hit: 2}] {
		t.Errorf("drew hit 2 of a point hit once")
	}
}

// Every scenario Gen draws, with Kill and odd point names, parses back
// from its String to itself.
func TestParseRoundTripGen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		shape := Shape{
			Kill:      true,
			Points:    roundTripPoints,
			Fails:     roundTripPoints,
			MaxActors: rapid.IntRange(0, 5).Draw(t, "maxActors"),
			MaxCalls:  rapid.IntRange(0, 5).Draw(t, "maxCalls"),
		}
		roundTrip(t, Gen(shape).Draw(t, "sc"))
	})
}

// So does every named scenario, the failure ones at any fail point.
func TestParseRoundTripNamed(t *testing.T) {
	for _, n := range Named() {
		t.Run(n.Name, func(t *testing.T) { roundTrip(t, n.Scenario) })
	}
	for _, point := range roundTripPoints {
		for _, n := range FailNamed(point) {
			t.Run(n.Name+" "+point, func(t *testing.T) {
				roundTrip(t, n.Scenario)
				if len(n.Scenario.Fails) != 1 || n.Scenario.Fails[0] != (faults.FailFault{Name: point, Hit: 1}) {
					t.Errorf("fails = %v, want the first pass of %q", n.Scenario.Fails, point)
				}
			})
		}
	}
}

// Fail lines: a name (quoted if odd), hit=* by default, in order.
func TestParseFail(t *testing.T) {
	got, err := Parse("fail delete:remove hit=2\nfail \"shim rpc\"   # every pass\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []faults.FailFault{{Name: "delete:remove", Hit: 2}, {Name: "shim rpc", Hit: 0}}
	if !reflect.DeepEqual(got.Fails, want) {
		t.Fatalf("Fails = %#v, want %#v", got.Fails, want)
	}
	roundTrip(t, got)
}

// Scenarios Gen does not draw but String prints also round-trip: no
// clients (minimization may drop them all), a client without calls, any
// signal number, SIGKILL's delay under an ignored SIGTERM, and big or
// sub-millisecond durations.
func TestParseRoundTripEdges(t *testing.T) {
	for name, sc := range map[string]Scenario{
		"no clients": {Plan: faults.Plan{Exit: faults.ExitPlan{After: faults.Never}}},
		"zero plan":  {Actors: []Actor{{Calls: []Call{{Op: Wait}}}}},
		"empty client": {Plan: faults.Plan{Deliveries: []faults.Delivery{{Status: faults.StatusReal}}},
			Actors: []Actor{{}, {Calls: []Call{{Op: Delete}}}}},
		"odd values": {
			Plan: faults.Plan{
				Exit:       faults.ExitPlan{After: 1500 * time.Microsecond, Status: 255},
				Signal:     faults.SignalPlan{IgnoreTerm: true, ExitAfter: 250 * time.Nanosecond},
				Deliveries: []faults.Delivery{{After: 90 * time.Minute, Status: faults.StatusReal}, {Status: 0}},
				Points:     []faults.PointFault{{Name: "a b", Hit: 7, Yields: 1000}},
			},
			Actors: []Actor{{Calls: []Call{
				{Op: Kill, Signal: syscall.SIGINT, Delay: time.Nanosecond, Ctx: faults.Ctx{Kind: faults.Timeout}},
				{Op: Kill, Signal: 64, Ctx: faults.Ctx{Kind: faults.CancelAfter, After: 36 * time.Hour}},
			}}},
		},
	} {
		t.Run(name, func(t *testing.T) { roundTrip(t, sc) })
	}
}

// What String prints for the cases the old notation lost or could not
// read back.
func TestStringNotation(t *testing.T) {
	sc := Scenario{Plan: faults.Plan{
		Exit:   faults.ExitPlan{After: faults.Never},
		Signal: faults.SignalPlan{IgnoreTerm: true, ExitAfter: 10 * time.Millisecond},
		Points: []faults.PointFault{{Name: "reap close", Hit: 1, Yields: 2}, {Name: "reap.close", Yields: 1}},
	}}
	want := "process exit=never status=0 sigterm=ignore sigkill=exit:10ms\n" +
		"monitor lost\n" +
		"point \"reap close\" hit=1 yield=2\n" +
		"point reap.close hit=* yield=1\n"
	if got := sc.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

// The notation as a person writes it: comments, indentation (as pasted
// from a report), keys in any order, omitted keys, signal names, "us",
// CRLF line ends, and "client1:wait" without a blank.
func TestParseHandWritten(t *testing.T) {
	text := "# a comment\r\n" +
		"\r\n" +
		"  monitor reap status=137 after=1us   # trailing comment\r\n" +
		"  monitor reap\r\n" +
		"\tprocess sigterm=ignore status=3 exit=2ms sigkill=exit:1µs\r\n" +
		"point \"a # b\" yield=3\r\n" +
		"point p\r\n" +
		"client1:wait;delete ctx=cancel:5ms after=1ms\r\n" +
		"client2: kill ctx=cancelled sig=KILL ; kill sig=SIGTERM; kill sig=2\r\n"
	want := Scenario{
		Plan: faults.Plan{
			Exit:       faults.ExitPlan{After: 2 * time.Millisecond, Status: 3},
			Signal:     faults.SignalPlan{IgnoreTerm: true, ExitAfter: time.Microsecond},
			Deliveries: []faults.Delivery{{After: time.Microsecond, Status: 137}, {Status: faults.StatusReal}},
			Points:     []faults.PointFault{{Name: "a # b", Hit: 0, Yields: 3}, {Name: "p", Yields: 1}},
		},
		Actors: []Actor{
			{Calls: []Call{{Op: Wait}, {Op: Delete, Delay: time.Millisecond, Ctx: faults.Ctx{Kind: faults.CancelAfter, After: 5 * time.Millisecond}}}},
			{Calls: []Call{
				{Op: Kill, Signal: syscall.SIGKILL, Ctx: faults.Ctx{Kind: faults.Cancelled}},
				{Op: Kill, Signal: syscall.SIGTERM},
				{Op: Kill, Signal: syscall.SIGINT},
			}},
		},
	}
	got, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse =\n%s%#v\nwant\n%s%#v", got, got, want, want)
	}
	roundTrip(t, got)
}

// Without a process line the process never exits by itself, status 0,
// SIGTERM heeded at once; without monitor lines the exit is lost; an empty
// text is that plan with no clients.
func TestParseDefaults(t *testing.T) {
	for _, text := range []string{"", "# nothing\n\n", "process\n", "monitor lost\n"} {
		got, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		want := Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: faults.Never}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) = %#v, want %#v", text, got, want)
		}
	}
}

// Each class of error names its line and column and what was expected, and
// comes with the zero Scenario.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unknown keyword", "process exit=1ms\nproces exit=1ms\n",
			`scenario:2:1: unknown line "proces": want schedule, process, monitor, point, fail, go or clientN:`},
		{"unknown client-like keyword", "clients: wait\n",
			`scenario:1:1: unknown line "clients:": want process, monitor, point or client1: followed by its calls`},
		{"bad duration", "client1: wait after=10\n",
			`scenario:1:21: bad duration "10": want 0 or a number with a unit (ns, us, ms, s, m, h), e.g. 500us, 10ms, 1.5s`},
		{"bad duration in ctx", "client1: wait ctx=timeout:10 # ten what?\n",
			`scenario:1:27: bad duration "10": want 0 or a number with a unit (ns, us, ms, s, m, h), e.g. 500us, 10ms, 1.5s`},
		{"never outside exit", "monitor reap after=never\n",
			`scenario:1:20: bad duration "never": want 0 or a number with a unit (ns, us, ms, s, m, h), e.g. 500us, 10ms, 1.5s (never is only for process exit=)`},
		{"bad exit", "process exit=soon\n",
			`scenario:1:14: bad exit "soon": want never or 0 or a number with a unit (ns, us, ms, s, m, h), e.g. 500us, 10ms, 1.5s`},
		{"negative duration", "process sigterm=exit:-1ms\n",
			`scenario:1:22: negative duration "-1ms": want 0 or more`},
		{"missing sig", "client1: wait; kill ctx=background\n",
			`scenario:1:16: kill without a signal: want sig=TERM, sig=KILL or sig=<number>`},
		{"bad sig", "client1: kill sig=HUP\n",
			`scenario:1:19: bad signal "HUP": want TERM, KILL or a signal number >= 1`},
		{"sig on wait", "client1: wait sig=TERM\n",
			`scenario:1:15: wait takes no signal: sig= is only for kill`},
		{"out-of-order client", "client1: wait\n\nclient3: delete\n",
			`scenario:3:1: client3 out of order: want client2 next; clients are numbered client1, client2, ... in order, one line each`},
		{"client repeated", "client1: wait\nclient1: delete\n",
			`scenario:2:1: client1 out of order: want client2 next; clients are numbered client1, client2, ... in order, one line each (client1 is on line 1: put all its calls on that line, separated by ';')`},
		{"first client not client1", "  client2: wait\n",
			`scenario:1:3: client2 out of order: want client1 next; clients are numbered client1, client2, ... in order, one line each`},
		{"lost then reap", "monitor lost\nmonitor reap after=0 status=real\n",
			`scenario:2:9: monitor reap, but line 1 says monitor lost: a lost exit has no deliveries; keep one or the other`},
		{"reap then lost", "monitor reap\nmonitor reap status=137\nmonitor lost\n",
			`scenario:3:9: monitor lost, but line 1 has a monitor reap: a lost exit has no deliveries; keep one or the other`},
		{"lost twice", "monitor lost\nmonitor lost\n",
			`scenario:2:9: monitor lost again (first on line 1): want it once`},
		{"duplicate process line", "# header\nprocess exit=1ms\nclient1: wait\nprocess exit=2ms\n",
			`scenario:4:1: a second process line (the first is on line 2): want one`},
		{"bad ctx", "client1: wait; delete ctx=timout:10ms\n",
			`scenario:1:27: unknown ctx "timout:10ms": want background, timeout:<duration>, cancel:<duration> or cancelled`},
		{"ctx without duration", "client1: wait ctx=timeout\n",
			`scenario:1:19: unknown ctx "timeout": want background, timeout:<duration>, cancel:<duration> or cancelled`},
		{"unknown key", "process exit=1ms stauts=1\n",
			`scenario:1:18: process: unknown key "stauts": want exit=, status=, sigterm= or sigkill=`},
		{"duplicate key", "monitor reap after=1ms after=2ms\n",
			`scenario:1:24: monitor reap: after= given twice`},
		{"missing semicolon", "client1: wait delete\n",
			`scenario:1:15: wait: unexpected "delete": want key=value, one of sig=, after= or ctx= (a missing ';' between calls?)`},
		{"trailing semicolon", "client1: wait; delete;\n",
			`scenario:1:22: nothing after ';': want another call (wait, delete or kill), or drop the ';'`},
		{"empty call", "client1: wait;; delete\n",
			`scenario:1:15: empty call before ';': want wait, delete or kill`},
		{"unknown call", "client1: Wait\n",
			`scenario:1:10: unknown call "Wait": want wait, delete or kill`},
		{"reap as a call", "client1: reap\n",
			`scenario:1:10: reap is the monitor's, not a client's: write monitor reap lines`},
		{"unknown monitor", "monitor reaps\n",
			`scenario:1:9: unknown monitor "reaps": want lost or reap`},
		{"bare monitor", "monitor\n",
			`scenario:1:8: monitor what? want monitor lost or monitor reap after=<duration> status=real|<n>`},
		{"monitor status", "monitor reap status=-1\n",
			`scenario:1:21: bad status "-1": want real or a number >= 0`},
		{"process status", "process status=real\n",
			`scenario:1:16: bad status "real": want a number >= 0`},
		{"bad sigterm", "process sigterm=exit\n",
			`scenario:1:17: unknown sigterm "exit": want ignore or exit:<duration>`},
		{"sigkill without ignore", "process sigkill=exit:1ms sigterm=exit:0\n",
			`scenario:1:9: sigkill= goes with sigterm=ignore: when SIGTERM is heeded, sigterm=exit:<duration> is the delay for every heeded signal`},
		{"point without name", "point hit=1 yield=2\n",
			`scenario:1:7: point needs a name first: want point <name> hit=<n>|* [yield=<n>] [sleep=<duration>]`},
		{"point unquoted odd name", "point reap+close hit=1\n",
			`scenario:1:7: point name reap+close has characters other than A-Z a-z 0-9 _ : . / -: quote it, as "reap+close"`},
		{"point unterminated quote", "point \"reap close hit=1\n",
			`scenario:1:7: unterminated or malformed quoted name: want a Go string literal such as "reap close"`},
		{"point quote then text", "point \"reap\"x hit=1\n",
			`scenario:1:7: bad quoted point name "reap"x: want one Go string literal, then a blank`},
		{"point hit 0", "point p hit=0\n",
			`scenario:1:13: bad hit "0": want * (every pass) or a pass number from 1 to 1000000`},
		{"point yield 0", "point p yield=0\n",
			`scenario:1:15: bad yield "0": want a number >= 1`},
		{"point sleep 0", "point p hit=1 sleep=0\n",
			`scenario:1:21: bad sleep "0": want a duration above 0, at most 1s`},
		{"point sleep too long", "point p hit=1 sleep=1.5s\n",
			`scenario:1:21: bad sleep "1.5s": want a duration above 0, at most 1s`},
		{"point sleep not a duration", "point p sleep=2\n",
			`scenario:1:15: bad duration "2": want 0 or a number with a unit (ns, us, ms, s, m, h), e.g. 500us, 10ms, 1.5s`},
		{"point sleep negative", "point p sleep=-1ms\n",
			`scenario:1:15: negative duration "-1ms": want 0 or more`},
		{"fail without name", "fail hit=1\n",
			`scenario:1:6: fail needs a name first: want fail <name> hit=<n>|*`},
		{"fail odd name", "fail rm+x\n",
			`scenario:1:6: fail name rm+x has characters other than A-Z a-z 0-9 _ : . / -: quote it, as "rm+x"`},
		{"fail hit 0", "fail rm hit=0\n",
			`scenario:1:13: bad hit "0": want * (every pass) or a pass number from 1 to 1000000`},
		{"fail yield", "fail rm yield=2\n",
			`scenario:1:9: fail: unknown key "yield": want hit=`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse(tt.text)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded: %s", tt.text, sc)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q) error\n got: %s\nwant: %s", tt.text, got, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T, want *ParseError", err)
			}
			if prefix := fmt.Sprintf("scenario:%d:%d: ", pe.Line, pe.Col); !strings.HasPrefix(tt.want, prefix) || pe.Msg != strings.TrimPrefix(tt.want, prefix) {
				t.Errorf("ParseError{Line: %d, Col: %d, Msg: %q} does not match %q", pe.Line, pe.Col, pe.Msg, tt.want)
			}
			if !reflect.DeepEqual(sc, Scenario{}) {
				t.Errorf("Parse returned %#v with its error, want the zero Scenario", sc)
			}
		})
	}
}

// The example files parse; ctr-delete-hang is the story's scenario, and
// exit-after-delete the named scenario of that name.
func TestParseFileExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.scenario"))
	if err != nil || len(files) < 2 {
		t.Fatalf("example files: %v, %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(sc.Actors) == 0 {
				t.Errorf("no clients:\n%s", sc)
			}
			roundTrip(t, sc)
		})
	}

	bg := faults.Ctx{Kind: faults.Background}
	hang := Scenario{
		Plan: faults.Plan{Exit: faults.ExitPlan{After: time.Millisecond}},
		Actors: []Actor{
			{Calls: []Call{{Op: Wait, Ctx: faults.Ctx{Kind: faults.Timeout, After: 10 * time.Second}}, {Op: Delete, Ctx: bg}}},
			{Calls: []Call{{Op: Delete, Ctx: bg}}},
		},
	}
	named, _ := Lookup("exit-after-delete")
	for file, want := range map[string]Scenario{
		"ctr-delete-hang.scenario":   hang,
		"exit-after-delete.scenario": named.Scenario,
	} {
		got, err := ParseFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s =\n%s\nwant\n%s", file, got, want)
		}
	}
}

// ParseFile names the file in its errors, and returns the read error for a
// file it cannot read.
func TestParseFileErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.scenario")
	if err := os.WriteFile(path, []byte("client1: wait\nclient1: delete\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(path)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != path || !strings.HasPrefix(err.Error(), path+":2:1: client1 out of order") {
		t.Errorf("ParseFile error = %v, want a *ParseError at %s:2:1", err, path)
	}
	sc, err := ParseFile(filepath.Join(t.TempDir(), "missing.scenario"))
	if !errors.Is(err, fs.ErrNotExist) || !reflect.DeepEqual(sc, Scenario{}) {
		t.Errorf("ParseFile(missing) = %v, %v; want the zero Scenario and fs.ErrNotExist", sc, err)
	}
	// A file with no fact in it is no scenario: replayed, it would pass
	// whatever the task does.
	for name, text := range map[string]string{"empty": "", "comments": "# only a comment\n\n  # and another\n", "blank": "\n \r\n\t\n"} {
		path := filepath.Join(t.TempDir(), name+".scenario")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if sc, err := ParseFile(path); err == nil || !strings.HasPrefix(err.Error(), path+": no scenario in the file") {
			t.Errorf("ParseFile(%s) = %v, %v; want an error naming the file", name, sc, err)
		}
	}
}

// Parse never panics, and whatever it accepts prints to a text it reads
// back to the same scenario.
func FuzzParse(f *testing.F) {
	for _, n := range Named() {
		f.Add(n.String())
	}
	f.Add("process sigterm=ignore sigkill=exit:1us\npoint \"a\\tb\" hit=2\nclient1:kill sig=9;wait\n")
	f.Add("client1: wait ctx=timeout:10ms # c\nclient2:\n")
	f.Fuzz(func(t *testing.T, text string) {
		sc, err := Parse(text)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("error %v: want a *ParseError with a position", err)
			}
			return
		}
		roundTrip(t, sc)
	})
}

// Example of reading a scenario from a bug report.
func ExampleParse() {
	sc, err := Parse(`
# ctr delete hangs: the exit is lost
process exit=1ms
monitor lost
client1: wait ctx=timeout:10s; delete
client2: delete
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(sc)
	// Output:
	// process exit=1ms status=0 sigterm=exit:0
	// monitor lost
	// client1: wait ctx=timeout:10s; delete ctx=background
	// client2: delete ctx=background
}

// A schedule line round-trips, comes first when printed, and is checked.
func TestParseSchedule(t *testing.T) {
	text := "schedule procs=1\nprocess exit=1ms status=0 sigterm=exit:0\nmonitor reap after=0 status=real\n"
	sc, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Procs != 1 || sc.String() != text {
		t.Fatalf("Parse(%q) = procs %d, prints %q", text, sc.Procs, sc.String())
	}
	for _, bad := range []string{"schedule procs=0\n", "schedule procs=x\n", "schedule procs=1\nschedule procs=2\n"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) gave no error", bad)
		}
	}
}

// Input a person or a tool may hand over: a byte-order mark is accepted;
// a file that never ends, an oversized one, and values past the limits
// are errors, never a hang or a scenario that cannot finish.
func TestParseInputLimits(t *testing.T) {
	sc, err := Parse("\uFEFFprocess exit=1ms\nclient1: wait\n")
	if err != nil || len(sc.Actors) != 1 {
		t.Errorf("with a BOM: %v, %d clients", err, len(sc.Actors))
	}
	if _, err := ParseFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("ParseFile(/dev/zero) = %v, want an error saying it is too large", err)
	}
	for _, text := range []string{
		"point p hit=1 yield=999999999999",
		"point p hit=1 yield=10001",
		"point p hit=1000001 yield=1",
		strings.Repeat("monitor reap\n", MaxDeliveries+1),
		"client1: " + strings.Repeat("wait; ", MaxCalls) + "wait",
	} {
		if _, err := Parse(text); err == nil {
			t.Errorf("Parse(%.60q...) accepted it", text)
		}
	}
	var b strings.Builder
	for i := range MaxClients + 1 {
		fmt.Fprintf(&b, "client%d: wait\n", i+1)
	}
	if _, err := Parse(b.String()); err == nil || !strings.Contains(err.Error(), "more than 64 clients") {
		t.Errorf("%d clients: %v", MaxClients+1, err)
	}
	if _, err := Parse("point p hit=1000000 yield=10000"); err != nil {
		t.Errorf("values at the limits: %v", err)
	}
}
