package harness

import (
	"slices"

	"github.com/reaptest/reaptest/scenarios"
)

// For a fuzz target (suites.FuzzTask): Go's fuzzing engine decides each
// scenario, and the harness learns the shape to decode its input with and
// runs one scenario at a time as exploration does.

// learnShape runs what Check runs before exploring (the named scenarios,
// those of each fail point seen, the warm-up; not the corpus, whose files
// a fuzz target runs as seeds) and returns the shape to explore with, or
// the first failure, minimized and saved.
func learnShape(bubble Bubble, newTask NewTask, opts ...Option) (scenarios.Shape, *Failure) {
	cfg := newConfig(opts)
	defer cfg.setProcs()()
	defer cfg.claimHook()()
	corpus := cfg.corpus
	cfg.corpus = ""
	p := &prelude{cfg: cfg, bubble: bubble, newTask: newTask}
	defer func() { cfg.corpus = corpus }()
	shape, f := p.learn()
	if f != nil && corpus != "" {
		// Saved where the fuzz target's seeds come from.
		cfg.corpus = corpus
		f = cfg.failure(f.Result, f.Name, f.Explored)
	}
	return shape, f
}

// runOne runs sc as exploration runs a scenario, and returns its failure,
// minimized and saved to the corpus, or nil. what names a fixed scenario
// in a report ("" for a generated one). A failure whose class and clause
// ("panic/no-panic") are in known is returned as it is, neither minimized
// nor saved: the fuzz target already has its report, and the fuzzing
// engine, minimizing an input, runs many that fail alike.
func runOne(bubble Bubble, newTask NewTask, sc scenarios.Scenario, what string, known []string, opts ...Option) *Failure {
	cfg := newConfig(opts)
	defer cfg.setProcs()()
	defer cfg.claimHook()()
	res := runScenario(cfg, bubble, newTask, sc)
	if !res.Failed() {
		return nil
	}
	if cfg.onFound != nil {
		cfg.onFound(1)
	}
	if slices.Contains(known, signature(res)) {
		return &Failure{Result: res, Name: what, Explored: 1, Command: cfg.repro}
	}
	return cfg.failure(minimize(cfg, bubble, newTask, res), what, 1)
}

// The two above as internal/plumb carries them: the types it cannot name
// as any.
func plumbLearnShape(bubble func(func()), newTask any, opts ...Option) (scenarios.Shape, any) {
	shape, f := learnShape(bubble, newTask.(NewTask), opts...)
	if f == nil {
		return shape, nil
	}
	return shape, f
}

func plumbRunOne(bubble func(func()), newTask any, sc scenarios.Scenario, what string, known []string, opts ...Option) any {
	if f := runOne(bubble, newTask.(NewTask), sc, what, known, opts...); f != nil {
		return f
	}
	return nil
}
