package suites

import (
	"encoding/binary"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// FuzzReference is the fuzz target of the catalog's reference: under
// plain go test its seeds run as regression tests, each in the isolated
// child with automatic fault points, and pass.
func FuzzReference(f *testing.F) { FuzzTask(f, catalog.NewReference) }

// doubleClose is check-then-act's double close, as the fuzz target found
// it: two deliveries, a yield between Reap's check and its close.
const doubleClose = `schedule procs=1
process exit=50ms status=0 sigterm=exit:0
monitor reap after=200ms status=real
monitor reap after=200ms status=real
point reap:checked hit=1 yield=16
`

// A failing input becomes a normal report: minimized, saved to the fuzz
// target's corpus, with the command that replays the file; a later input
// failing the same way gets that report and a note with its own
// scenario, and saves nothing.
func TestFuzzFailureReport(t *testing.T) {
	dir := t.TempDir()
	fz := &fuzzer{name: "FuzzX", newTask: catalog.NewCheckThenAct, opts: []harness.Option{harness.Isolate(false)},
		corpus: filepath.Join(dir, "FuzzX"), repro: "go test ./x -run '^FuzzX$'"}
	sc, err := scenarios.Parse(doubleClose)
	if err != nil {
		t.Fatal(err)
	}
	f := fz.run(t, sc, "")
	if f == nil {
		t.Fatal("check-then-act's double close passed")
	}
	if p := f.Primary(); p.Class != harness.ClassPanic || p.Clause != harness.ClauseNoPanic {
		t.Errorf("got %s [%s], want panic [no-panic]", p.Class, p.Clause)
	}
	if f.File == "" || !strings.HasPrefix(f.File, fz.corpus+string(filepath.Separator)) {
		t.Fatalf("saved to %q, want a file in %s", f.File, fz.corpus)
	}
	if want := "REAPTEST_REPLAY=" + f.File + " go test ./x -run '^FuzzX$'"; f.Command != want || !strings.Contains(f.Error(), want) {
		t.Errorf("command %q, want %q in the report", f.Command, want)
	}
	other := sc
	other.Actors = []scenarios.Actor{{Calls: []scenarios.Call{{Op: scenarios.Wait}}}}
	g := fz.run(t, other, "")
	if g == nil || !strings.Contains(g.Error(), "note: this input's scenario failed the same way (panic/no-panic)") || !strings.Contains(g.Error(), "client1: wait") {
		t.Fatalf("a second input failing alike: %v", g)
	}
	files, _ := filepath.Glob(filepath.Join(fz.corpus, "*.scenario"))
	if len(files) != 1 {
		t.Errorf("%d files in the corpus after two inputs failing alike, want 1: %v", len(files), files)
	}
}

// decode: a scenario file's text is that scenario; other bytes are
// rapid's draws, followed by a tail drawn from their hash, so a short
// input decodes too, always to the same scenario, and short inputs that
// differ decode to scenarios that differ past their own bytes.
func TestFuzzDecode(t *testing.T) {
	shape := scenarios.Shape{Points: []string{"reap:checked"}, Hits: []int{1}}
	file := "# reaptest counterexample: ...\n" + doubleClose
	sc, what := decode(t, shape, []byte(file), false)
	if what == "" || sc.String() != doubleClose {
		t.Errorf("a scenario file's text decoded to %q (%q), want:\n%s", sc.String(), what, doubleClose)
	}
	empty, _ := decode(t, shape, nil, false)
	again, _ := decode(t, shape, nil, false)
	if empty.String() != again.String() {
		t.Errorf("an empty input decoded to two scenarios:\n%s\n%s", empty, again)
	}
	a, _ := decode(t, shape, fuzzSeed(1), false)
	b, _ := decode(t, shape, fuzzSeed(2), false)
	if a.String() == b.String() {
		t.Errorf("two seeds decoded to the same scenario:\n%s", a)
	}
	// 200 inputs of 8 bytes, each a number: with a tail of zeros they
	// all decoded to one and the same scenario.
	distinct := map[string]bool{}
	for i := range 200 {
		sc, _ := decode(t, shape, binary.LittleEndian.AppendUint64(nil, uint64(i)), false)
		distinct[sc.String()] = true
	}
	if len(distinct) < 190 {
		t.Errorf("200 inputs of 8 bytes decoded to %d distinct scenarios, want at least 190", len(distinct))
	}
	// Hashed (inputs run in children): an input longer than its draws
	// with any one of 200 bits flipped is another scenario, where read
	// as draws most such changes are no change; a scenario file's text
	// is still that scenario.
	long := slices.Repeat(fuzzSeed(3), fuzzPad/fuzzSeedSize)
	hashed, drawn := map[string]bool{}, map[string]bool{}
	for i := range 200 {
		in := slices.Clone(long)
		in[i*8] ^= 0x80
		sc, _ := decode(t, shape, in, true)
		hashed[sc.String()] = true
		sc, _ = decode(t, shape, in, false)
		drawn[sc.String()] = true
	}
	if len(hashed) < 190 {
		t.Errorf("hashed, 200 one-bit changes of an input decoded to %d distinct scenarios, want at least 190", len(hashed))
	}
	t.Logf("200 one-bit changes of a %d-byte input: %d distinct scenarios hashed, %d read as draws", len(long), len(hashed), len(drawn))
	if sc, what := decode(t, shape, []byte(file), true); what == "" || sc.String() != doubleClose {
		t.Errorf("hashed, a scenario file's text decoded to %q (%q), want:\n%s", sc.String(), what, doubleClose)
	}
}

// The shape a fuzz target's child learns reaches the fuzzing process
// with the points where a fault may sleep (its SleepAt, a func, has no
// JSON), and inputs then decode to scenarios that sleep there.
func TestFuzzShapeSleeps(t *testing.T) {
	shape := scenarios.Shape{Points: []string{"task.go:40 Lock", "task.go:41 close"}, Hits: []int{1, 1},
		SleepAt: func(p string) bool { return strings.HasSuffix(p, " Lock") }, MaxSleep: 20 * time.Millisecond}
	data, err := json.Marshal(learnedOf(shape))
	if err != nil {
		t.Fatal(err)
	}
	var ls learnedShape
	if err := json.Unmarshal(data, &ls); err != nil {
		t.Fatal(err)
	}
	back := ls.shape()
	if back.SleepAt == nil || !back.SleepAt("task.go:40 Lock") || back.SleepAt("task.go:41 close") || back.MaxSleep != shape.MaxSleep {
		t.Fatalf("read back from %s: SleepAt %v, MaxSleep %s", data, back.SleepAt != nil, back.MaxSleep)
	}
	sleeps := 0
	for i := range 200 {
		sc, _ := decode(t, back, fuzzSeed(i), false)
		for _, l := range strings.Split(sc.String(), "\n") {
			if strings.Contains(l, "sleep=") {
				sleeps++
				if !strings.Contains(l, `"task.go:40 Lock"`) {
					t.Errorf("a sleep drawn where SleepAt does not allow it: %s", l)
				}
			}
		}
	}
	if sleeps == 0 {
		t.Error("200 inputs decoded to no scenario that sleeps at a point that allows it")
	}
}

// FuzzBytes in a program that is no go test binary (a libFuzzer target
// is none): it gets its *testing.T from testing's own main, passes the
// reference's inputs, whatever the program's own arguments, and reports
// check-then-act's double close with the command that replays it.
func TestFuzzBytesOutsideGoTest(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a program: %v", err)
	}
	dir := moduleFrom(t, "example.com/fuzzbytes", "testdata/fuzzbytes", nil)
	bin := filepath.Join(t.TempDir(), "fuzzbytes")
	if out, ok := goCmd(t, dir, "build", "-o", bin, "."); !ok {
		t.Fatalf("go build: %s", out)
	}
	cmd := exec.Command(bin, "-runs=100", "some bytes", "", "doubleclose", "more")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"-runs=100: pass", "some bytes: pass", "\n: pass", "more: pass", "doubleclose: failed:\nreaptest: panic [no-panic]",
		"REAPTEST_REPLAY=testdata/reaptest/FuzzCheckThenAct/", "go test main -count=1 -run '^FuzzCheckThenAct$'"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the output:\n%s", want, text)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(cmd.Dir, "testdata", "reaptest", "FuzzCheckThenAct", "*.scenario")); len(files) != 1 {
		t.Errorf("saved %v, want one scenario file", files)
	}
}
