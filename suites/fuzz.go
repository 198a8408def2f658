package suites

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"pgregory.net/rapid"
)

// Fuzzing: FuzzTask makes the check a Go fuzz target. Go's fuzzing engine
// (go test -fuzz) decides each scenario: its input, read as rapid's draws
// (rapid.MakeFuzz), is decoded by the scenario generator into a
// scenario of the shape the harness learned from the task, and the
// scenario runs as exploration runs one — isolated, in a child process of
// the instrumented test binary, with automatic fault points, as in
// TestTask. A failure is minimized, saved to testdata/reaptest/<FuzzX>/
// and reported with the command that replays it; the engine keeps the
// input that found it in testdata/fuzz/<FuzzX>/. Both are seeds of the
// target from then on, so plain go test replays both.

// Environment of a fuzz target's child: what it is for.
const (
	envFuzzLearn    = "REAPTEST_FUZZ_LEARN"    // learn the shape, write it as JSON to this file
	envFuzzScenario = "REAPTEST_FUZZ_SCENARIO" // run the scenario in this file
	envFuzzWhat     = "REAPTEST_FUZZ_WHAT"     // what names that scenario in a report, if anything
	envFuzzKnown    = "REAPTEST_FUZZ_KNOWN"    // class/clause of failures not to minimize, comma-separated
)

// fuzzSeeds is how many generated seeds FuzzTask adds, and fuzzSeedSize
// the bytes of each: short, so that the engine's mutations land on the
// draws that decide the scenario. An input is followed by fuzzPad bytes
// drawn from its own hash before it is decoded (fuzzTail), so that an
// input shorter than its scenario's draws still decodes to one, and
// the draws past its end are random, not the simplest choice each: a
// scenario takes hundreds of draws of 8 bytes, and with a tail of zeros
// the engine's short inputs decoded to scenarios with few calls and
// faults (containerd #10589's shape was found in 0 of 5 fuzzing runs of
// 60s; see README, Fuzzing).
const (
	fuzzSeeds    = 8
	fuzzSeedSize = 256
	fuzzPad      = 4096
	fuzzPassed   = 4096 // passing scenarios remembered, so that an input decoding to one is not run again
)

// FuzzTask makes f a Go fuzz target that checks newTask against the
// contract: each input decides one scenario (rapid.MakeFuzz reads it as
// the generator's draws; an input that is a scenario file's text is that
// scenario), run isolated with automatic fault points as TestTask runs its
// scenarios (Isolate(false) or REAPTEST_ISOLATE=0 runs it in the fuzzing
// process, where the engine's coverage sees the task's code). Before the
// first input it learns the task's shape from the named scenarios and the
// warm-up, once per process; a named scenario that fails is reported by
// every input. A failing input is minimized, saved to
// testdata/reaptest/<FuzzX>/ and reported with its reproducer. The seeds
// are a few generated inputs and every scenario file saved there, so
// plain go test (no -fuzz) replays them, with the engine's own
// testdata/fuzz/<FuzzX>/ inputs, as regression tests. With
// REAPTEST_REPLAY set, the first seed replays that file and the others
// skip.
//
//	func FuzzExitPath(f *testing.F) { suites.FuzzTask(f, NewTask) }
//
//	go test -run '^FuzzExitPath$' -fuzz '^FuzzExitPath$' -fuzztime 60s .
func FuzzTask(f *testing.F, newTask harness.NewTask, opts ...harness.Option) {
	f.Helper()
	fz := &fuzzer{name: f.Name(), newTask: newTask, opts: opts, corpus: corpusDir(f.Name()), repro: reproCommand(f.Name())}
	for i := range fuzzSeeds {
		f.Add(fuzzSeed(i))
	}
	files, _ := filepath.Glob(filepath.Join(fz.corpus, "*.scenario"))
	fz.files = map[string]string{}
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
			fz.files[string(data)] = file
		}
	}
	f.Fuzz(fz.input)
}

// fuzzSeed returns generated seed i: zeros for the first (the simplest
// scenario), pseudo-random bytes for the others.
func fuzzSeed(i int) []byte {
	b := make([]byte, fuzzSeedSize)
	if i == 0 {
		return b
	}
	x := uint64(i) * 0x9e3779b97f4a7c15
	for j := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[j] = byte(x)
	}
	return b
}

// fuzzer is one fuzz target in one process: the fuzzing engine calls
// input for every input, one at a time.
type fuzzer struct {
	name    string // the fuzz test's name
	newTask harness.NewTask
	opts    []harness.Option
	corpus  string
	repro   string
	files   map[string]string // the corpus's scenario files, by their text (seeds); read-only

	mu      sync.Mutex
	learned bool
	shape   scenarios.Shape
	failed  *harness.Failure // what learning found
	told    bool             // failed was reported once
	auto    *autoChild       // the instrumented test binary, built once
	// found holds the first failure of each class and clause, minimized
	// and saved: a later input that fails alike gets its report (the
	// engine, minimizing an input, runs hundreds that fail alike, and
	// would leave a corpus file for each).
	found map[string]*harness.Failure
	// inProcess runs every input in this process, whatever the options
	// say (FuzzBytes: a binary of its own, which no child can run).
	inProcess bool
	// passed remembers scenarios that passed, by their text's hash (at
	// most fuzzPassed, then forgotten all at once): many inputs decode
	// to the same scenario (their mutated bits were not drawn, or drawn
	// and masked), and an isolated run costs a child.
	passed map[uint64]bool
}

// isolated reports whether inputs run in children: as the options and
// REAPTEST_ISOLATE say, in a go test binary (a libFuzzer build of the
// target is none: it cannot be started as a child for one test).
func (fz *fuzzer) isolated() bool {
	return !fz.inProcess && isolated(fz.opts) && flag.Lookup("test.run") != nil
}

// child is the target of the fuzz target's children: its first seed.
func (fz *fuzzer) child() string { return fz.name + "/seed#0" }

// input runs one input of the fuzzing engine.
func (fz *fuzzer) input(t *testing.T, data []byte) {
	t.Helper()
	if inChild() {
		fz.inChild(t)
		return
	}
	if err := replayUsage(); err != nil {
		t.Fatal(err)
	}
	if path := os.Getenv(EnvReplay); path != "" {
		if t.Name() != fz.child() {
			t.Skipf("reaptest: %s replays %s (REAPTEST_REPLAY)", fz.child(), path)
		}
		if f := fz.replayFile(t, path); f != nil {
			t.Fatal("\n" + f.Error())
		}
		return
	}
	if file := fz.files[string(data)]; file != "" {
		// A scenario file of the corpus: replayed as REAPTEST_REPLAY
		// replays it, its report naming it. The engine's inputs, which go
		// test runs after the seeds, that fail alike get its report
		// instead of saving a file of their own.
		if f := fz.replayFile(t, file); f != nil {
			fz.mu.Lock()
			if _, ok := fz.found[signatureOf(f)]; !ok {
				if fz.found == nil {
					fz.found = map[string]*harness.Failure{}
				}
				fz.found[signatureOf(f)] = f
			}
			fz.mu.Unlock()
			t.Fatal("\n" + f.Error())
		}
		return
	}
	shape, failed := fz.learn(t)
	if failed != nil {
		fz.mu.Lock()
		told := fz.told
		fz.told = true
		fz.mu.Unlock()
		if told {
			t.Skipf("reaptest: not fuzzing: %s (reported once)", failed.Primary())
		}
		t.Fatal("\n" + failed.Error())
	}
	sc, what := decode(t, shape, data, fz.isolated()) // skips an input too short to decode
	if f := fz.run(t, sc, what); f != nil {
		t.Fatal("\n" + f.Error())
	}
}

// decode returns the scenario data decides: the scenario itself when data
// is a scenario file's text, else the scenario of shape the generator
// draws from data read as rapid's draws, followed by a tail drawn from
// data's hash (fuzzTail). hashed draws all of it from the hash instead:
// for inputs run in children, where the engine's coverage does not see
// the task and a mutation that changes no draw that matters would run
// the same scenario again (fuzzHashed). An input too short for the draws
// skips t (rapid.MakeFuzz).
func decode(t *testing.T, shape scenarios.Shape, data []byte, hashed bool) (scenarios.Scenario, string) {
	if utf8.Valid(data) && hasLine(string(data)) {
		if sc, err := scenarios.Parse(string(data)); err == nil {
			return sc, "a seed scenario"
		}
	}
	gen := rapid.Map(scenarios.Gen(shape), func(sc scenarios.Scenario) drawn { return drawn{sc} })
	var d drawn
	padded := fuzzTail(data)
	if !hashed {
		padded = append(slices.Clip(data), padded...) // data is the engine's: not written
	}
	rapid.MakeFuzz(func(rt *rapid.T) { d = gen.Draw(rt, "scenario") })(t, padded)
	return d.sc, ""
}

// fuzzTail returns the fuzzPad bytes decode reads after data: a
// pseudo-random stream (xorshift) seeded by data's hash, so that an input
// always decodes to the same scenario and a changed input gets other
// draws past its end.
func fuzzTail(data []byte) []byte {
	h := fnv.New64a()
	h.Write(data)
	x := h.Sum64() | 1
	b := make([]byte, fuzzPad)
	for i := 0; i < len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	return b
}

// hasLine reports whether text has a line that is neither blank nor a
// comment: scenario notation parses such text only if every such line is a
// scenario's, and an input without one is no scenario.
func hasLine(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return true
		}
	}
	return false
}

// drawn is a scenario as rapid logs a draw of it (in its notation, not
// as a Go value).
type drawn struct{ sc scenarios.Scenario }

// GoString returns the scenario in scenario notation, on lines of its
// own.
func (d drawn) GoString() string { return "\n" + strings.TrimRight(d.sc.String(), "\n") }

// learn returns the shape learned from the task, learning it first, and
// what learning found if it failed.
func (fz *fuzzer) learn(t *testing.T) (scenarios.Shape, *harness.Failure) {
	t.Helper()
	fz.mu.Lock()
	defer fz.mu.Unlock()
	if fz.learned {
		return fz.shape, fz.failed
	}
	if !fz.isolated() {
		shape, f := hx.LearnShape(Bubble(t), fz.newTask, fz.withRepro(t)...)
		fz.shape, fz.learned = shape, true
		fz.failed, _ = f.(*harness.Failure)
		return fz.shape, fz.failed
	}
	file := filepath.Join(t.TempDir(), "shape.json")
	f, err := checkIsolated(fz.target(t, envFuzzLearn+"="+file))
	if err != nil {
		t.Fatal(err)
	}
	if f == nil {
		data, err := os.ReadFile(file)
		var ls learnedShape
		if err == nil {
			err = json.Unmarshal(data, &ls)
		}
		fz.shape = ls.shape()
		if err != nil {
			t.Fatalf("reaptest: the fuzz target's child learned no shape: %v", err)
		}
	}
	fz.failed, fz.learned = f, true
	return fz.shape, fz.failed
}

// run runs sc in a child, or here when not isolated, and returns its
// failure: for a failure of a class and
// clause found before, the report of the first, and what this input's
// scenario did.
func (fz *fuzzer) run(t *testing.T, sc scenarios.Scenario, what string) *harness.Failure {
	t.Helper()
	h := fnv.New64a()
	h.Write([]byte(sc.String()))
	key := h.Sum64()
	fz.mu.Lock()
	seen := fz.passed[key]
	fz.mu.Unlock()
	if seen {
		return nil
	}
	f := fz.runFresh(t, sc, what)
	if f == nil {
		fz.mu.Lock()
		if len(fz.passed) >= fuzzPassed || fz.passed == nil {
			fz.passed = map[uint64]bool{}
		}
		fz.passed[key] = true
		fz.mu.Unlock()
		return nil
	}
	sig := signatureOf(f)
	fz.mu.Lock()
	defer fz.mu.Unlock()
	first, ok := fz.found[sig]
	if !ok {
		if fz.found == nil {
			fz.found = map[string]*harness.Failure{}
		}
		fz.found[sig] = f
		return f
	}
	again := *first
	hx.SetReport(&again, first.Error()+fmt.Sprintf("\nnote: this input's scenario failed the same way (%s); the one above, found first, is minimized and saved. This input's:\n%s",
		sig, indent(sc.String())))
	return &again
}

// signatureOf is a failure's class and clause, as "panic/no-panic".
func signatureOf(f *harness.Failure) string {
	p := f.Primary()
	if p == nil {
		return ""
	}
	return string(p.Class) + "/" + p.Clause
}

// indent indents every line of text by two spaces.
func indent(text string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n  ")
}

// known returns the class and clause of every failure found so far.
func (fz *fuzzer) known() []string {
	fz.mu.Lock()
	defer fz.mu.Unlock()
	var out []string
	for sig := range fz.found {
		out = append(out, sig)
	}
	return out
}

// runFresh runs sc as run does, without looking at what was found before.
func (fz *fuzzer) runFresh(t *testing.T, sc scenarios.Scenario, what string) *harness.Failure {
	t.Helper()
	if !fz.isolated() {
		f, _ := hx.RunOne(Bubble(t), fz.newTask, sc, what, fz.known(), fz.withRepro(t)...).(*harness.Failure)
		return f
	}
	file := filepath.Join(t.TempDir(), "input.scenario")
	if err := os.WriteFile(file, []byte(sc.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{envFuzzScenario + "=" + file, envFuzzWhat + "=" + what, envFuzzKnown + "=" + strings.Join(fz.known(), ",")}
	f, err := checkIsolated(fz.target(t, env...))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// replayFile replays the scenario file at path, in a child or here, as
// REAPTEST_REPLAY does, and returns its failure.
func (fz *fuzzer) replayFile(t *testing.T, path string) *harness.Failure {
	t.Helper()
	if !fz.isolated() {
		f, err := replay(Bubble(t), fz.newTask, path, fz.repro, fz.options(t))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f, err := checkIsolated(fz.target(t, EnvReplay+"="+path))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// target is the child that runs the fuzz target's first seed with env.
func (fz *fuzzer) target(t *testing.T, env ...string) target {
	if fz.auto == nil {
		d, _ := t.Deadline()
		a := autoFor(fz.newTask, fz.opts, d)
		fz.auto = &a
		if note := a.offNote(); note != "" {
			t.Log(note)
		}
	}
	return target{name: fz.child(), args: []string{"-test.run=" + runPattern(fz.child())}, corpus: fz.corpus,
		repro: fz.repro, logf: t.Logf, tb: t, auto: *fz.auto, env: env}
}

// options are the harness's options for the fuzz target's checks; a
// replay adds its own Reproduce, the others fz.repro (withRepro).
func (fz *fuzzer) options(t *testing.T) []harness.Option {
	base := []harness.Option{harness.Corpus(fz.corpus)}
	if inChild() {
		base = append(base, childOptions()...)
	} else {
		base = append(base, harness.Logf(t.Logf))
	}
	return append(base, fz.opts...)
}

// withRepro is options with the fuzz target's reproducer.
func (fz *fuzzer) withRepro(t *testing.T) []harness.Option {
	return append([]harness.Option{harness.Reproduce(fz.repro)}, fz.options(t)...)
}

// inChild runs, in a child, what its parent started it for: learning the
// shape, one scenario, or the replay of REAPTEST_REPLAY.
func (fz *fuzzer) inChild(t *testing.T) {
	name := t.Name()
	if passOver(name) {
		return
	}
	warmUpOnce(fz.newTask) // a helper the task's package starts once starts outside every scenario
	childBegin(name)
	var f *harness.Failure
	var err error
	switch {
	case os.Getenv(EnvReplay) != "":
		f, err = replay(Bubble(t), fz.newTask, os.Getenv(EnvReplay), fz.repro, fz.options(t))
	case os.Getenv(envFuzzLearn) != "":
		shape, failed := hx.LearnShape(Bubble(t), fz.newTask, fz.withRepro(t)...)
		f, _ = failed.(*harness.Failure)
		if f == nil {
			var data []byte
			if data, err = json.Marshal(learnedOf(shape)); err == nil {
				err = os.WriteFile(os.Getenv(envFuzzLearn), data, 0o644)
			}
		}
	case os.Getenv(envFuzzScenario) != "":
		var sc scenarios.Scenario
		if sc, err = scenarios.ParseFile(os.Getenv(envFuzzScenario)); err == nil {
			known := strings.Split(os.Getenv(envFuzzKnown), ",")
			f, _ = hx.RunOne(Bubble(t), fz.newTask, sc, os.Getenv(envFuzzWhat), known, fz.withRepro(t)...).(*harness.Failure)
		}
	default:
		err = fmt.Errorf("reaptest: a child of fuzz target %s started for nothing", fz.name)
	}
	childDone(name, f, err)
}

// learnedShape is a learned shape as the fuzz target's child hands it to
// the fuzzing process, in JSON: with the points where a fault may sleep,
// which the shape's SleepAt (a func, left out of its JSON) says.
type learnedShape struct {
	Shape   scenarios.Shape
	SleepAt []string // of Shape.Points
}

// learnedOf is shape with its sleep points listed.
func learnedOf(shape scenarios.Shape) learnedShape {
	ls := learnedShape{Shape: shape}
	if shape.SleepAt != nil {
		for _, p := range shape.Points {
			if shape.SleepAt(p) {
				ls.SleepAt = append(ls.SleepAt, p)
			}
		}
	}
	return ls
}

// shape is the shape ls holds, its SleepAt back.
func (ls learnedShape) shape() scenarios.Shape {
	s := ls.Shape
	if len(ls.SleepAt) > 0 {
		sleepy := map[string]bool{}
		for _, p := range ls.SleepAt {
			sleepy[p] = true
		}
		s.SleepAt = func(p string) bool { return sleepy[p] }
	}
	return s
}
