package harness

import (
	"fmt"
	"hash/maphash"
	"time"

	"github.com/reaptest/reaptest/scenarios"
	"pgregory.net/rapid"
)

// Scaling out: an indexed scenario space. Exploring with rapid draws each
// round from a fresh random seed, so two runs never explore the same
// scenarios and no run can be split in parts. With a Seed, a Shard or a
// Soak, a check explores an indexed space instead: scenario k (k = 0, 1,
// 2, ...) is drawn from the seed scenarioSeed(seed, k), the same on every
// machine for the same shape (the warm-up learns it from the task), so a
// shard i of n explores the indices k with k mod n = i-1 and n shards
// together explore exactly the first n·Checks indices. A failure is
// minimized by editing its scenario (minimize), not by rapid's shrinking,
// which only works on the draws of its own random runs; it is saved to the
// corpus and replays from there on any machine (REAPTEST_REPLAY).

// scaling is how a check shares out its scenarios: among CI jobs (Shard),
// over time (Soak), from a fixed seed (Seed).
type scaling struct {
	shard, shards int // shard (1-based) of shards; shards is 0 when not sharded
	part, parts   int // part (0-based) of parts of the share: one of several children of one check
	children      int // Children: 0 GOMAXPROCS, else how many; set when childrenSet
	childrenSet   bool
	seed          uint64
	seedSet       bool
	soak          time.Duration // explore until this much real time has passed, not a count
	// onIndex, for tests, hears the index and scenario of every explored
	// scenario of an indexed check, before it runs.
	onIndex func(k uint64, sc scenarios.Scenario)
	// ticker, if set, takes the progress lines of a long check instead
	// of logf (an isolated child relays them to its parent at once).
	ticker func(line string)
	// stats, set for a soak, counts what the scenarios did (soak.go).
	stats *soakStats
}

// Shard makes a check explore only shard i of n (1 <= i <= n) of the
// scenario space: the scenarios whose index k has k mod n = i-1, Checks
// of them. n jobs with the same seed (Seed; 1 by default for a shard)
// explore disjoint shares, and together exactly the first n·Checks
// scenarios one unsharded check with that seed and n·Checks would. Named
// scenarios, the corpus and the warm-up run in every shard. The suites
// package reads REAPTEST_SHARD=i/n. It panics if i or n is out of range.
func Shard(i, n int) Option {
	if n < 1 || i < 1 || i > n {
		panic(fmt.Sprintf("harness.Shard(%d, %d): want 1 <= i <= n", i, n))
	}
	return optionFunc(func(c *config) { c.scale.shard, c.scale.shards = i, n })
}

// Seed fixes the seed of the scenario space a check explores: scenario k
// is drawn from a seed made of seed and k, so two checks with the same
// seed (and the same task, hence the same learned shape) explore the same
// scenarios in the same order. Without it a check explores with rapid
// from a random seed each round (a Shard uses seed 1, a Soak a random one
// it logs). The suites package reads REAPTEST_SEED.
func Seed(seed uint64) Option {
	return optionFunc(func(c *config) { c.scale.seed, c.scale.seedSet = seed, true })
}

// Soak makes a check explore until d of real time has passed instead of
// Checks scenarios (under the suites package, still stopping at the
// test's -timeout), logging every 5s how far it got: scenarios, fault
// points faulted, distinct orders in which calls began and returned, and
// the heap. It ends with the same summary line as any check. The suites package reads
// REAPTEST_SOAK=30m.
func Soak(d time.Duration) Option {
	return optionFunc(func(c *config) { c.scale.soak = max(d, 0) })
}

// onIndex sets a function an indexed check calls with every explored
// scenario's index and scenario, before it runs (tests).
func onIndex(f func(k uint64, sc scenarios.Scenario)) Option {
	return optionFunc(func(c *config) { c.scale.onIndex = f })
}

// progressLines sets where a long check's progress lines go instead of its Logf.
func progressLines(f func(line string)) Option {
	return optionFunc(func(c *config) { c.scale.ticker = f })
}

// soakOf reports the soak opts ask for, 0 for none.
func soakOf(opts ...Option) time.Duration { return newConfig(opts).scale.soak }

// Children sets how many child processes an isolated check explores with
// at once, each its part of the indexed scenario space (as if sharded
// among them), under one deadline and one corpus; the first to find a
// failure stops the others and minimizes it. n <= 0 means the test
// binary's GOMAXPROCS. Without it, REAPTEST_CHILDREN decides, else one
// child; a soak gets GOMAXPROCS divided among ginkgo -p's processes, and
// one while go test runs other packages' test binaries beside it (see
// the README, Parallel children). It needs isolation; the suites package
// carries it out.
func Children(n int) Option {
	return optionFunc(func(c *config) { c.scale.children, c.scale.childrenSet = max(n, 0), true })
}

// childrenOf reports what opts say about Children.
func childrenOf(opts ...Option) (int, bool) {
	c := newConfig(opts)
	return c.scale.children, c.scale.childrenSet
}

// part makes a check explore part i (0-based) of n of its share: the
// indices of its share whose place in it is i mod n, as one of n
// children of one isolated check does (the suites package sets it).
func part(i, n int) Option {
	return optionFunc(func(c *config) { c.scale.part, c.scale.parts = i, n })
}

// indexed reports whether the check explores the indexed scenario space.
func (s *scaling) indexed() bool { return s.shards > 0 || s.seedSet || s.soak > 0 || s.parts > 1 }

// share is the indices a check explores: offset, offset+stride,
// offset+2·stride, ..., count of them (count < 0: until time is up).
type share struct {
	offset, stride uint64
	count          int
}

// at returns the j-th index of the share.
func (s share) at(j int) uint64 { return s.offset + uint64(j)*s.stride }

// shareOf returns the share a check with scaling s and checks scenarios
// explores.
func (s *scaling) shareOf(checks int) share {
	sh := share{offset: 0, stride: 1, count: checks}
	if s.shards > 0 {
		sh.offset, sh.stride = uint64(s.shard-1), uint64(s.shards)
	}
	if s.soak > 0 {
		sh.count = -1
	}
	if s.parts > 1 {
		sh.offset += uint64(s.part) * sh.stride
		sh.stride *= uint64(s.parts)
		if sh.count >= 0 {
			sh.count = max(0, (sh.count-s.part+s.parts-1)/s.parts)
		}
	}
	return sh
}

// scenarioSeed is the seed scenario k of the space of seed is drawn from
// (splitmix64 of the two: neighbouring indices get unrelated seeds).
func scenarioSeed(seed, k uint64) uint64 {
	z := seed + (k+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// drawAt returns scenario k of the space of seed, drawn from gen.
func drawAt(gen *rapid.Generator[scenarios.Scenario], seed, k uint64) scenarios.Scenario {
	return gen.Example(int(scenarioSeed(seed, k)))
}

// seedOf returns the seed an indexed check explores, and whether it was
// given: a Shard without one uses 1, so that every job of a matrix agrees;
// a Soak a random one.
func (s *scaling) seedOf() (uint64, bool) {
	switch {
	case s.seedSet:
		return s.seed, true
	case s.shards > 0:
		return 1, false
	}
	return new(maphash.Hash).Sum64() >> 1, false // positive as an int: REAPTEST_SEED reads it back
}

// describe says what an indexed check explores, for its first log line.
func (s *scaling) describe(seed uint64, sh share) string {
	what := fmt.Sprintf("seed %d", seed)
	if s.shards > 0 {
		what = fmt.Sprintf("shard %d/%d of seed %d (scenarios %d, %d, %d, ...)", s.shard, s.shards, seed, sh.at(0), sh.at(1), sh.at(2))
	}
	if s.parts > 1 {
		what += fmt.Sprintf(", part %d of %d (one child's)", s.part+1, s.parts)
	}
	if s.soak > 0 {
		return fmt.Sprintf("soaking for %s: %s", s.soak, what)
	}
	return fmt.Sprintf("exploring %d scenarios of %s", sh.count, what)
}

// env returns the environment variables that make a go test run explore
// what s with seed does (REAPTEST_SEED, REAPTEST_SHARD), as a command
// prefix.
func (s *scaling) env(seed uint64) string {
	out := fmt.Sprintf("REAPTEST_SEED=%d ", seed)
	if s.shards > 0 {
		out += fmt.Sprintf("REAPTEST_SHARD=%d/%d ", s.shard, s.shards)
	}
	return out
}

// exploreIndexed explores gen's indexed scenario space after the prelude
// (see Shard, Seed, Soak) and returns the first failure, minimized and
// saved.
func exploreIndexed(p *prelude, gen *rapid.Generator[scenarios.Scenario]) *Failure {
	cfg := p.cfg
	sc := &cfg.scale
	seed, given := sc.seedOf()
	if sc.soak > 0 && sc.stats == nil {
		sc.stats = newSoakStats()
	}
	sh := sc.shareOf(cfg.checks)
	if cfg.logf != nil {
		line := "reaptest: " + sc.describe(seed, sh)
		if !given && sc.shards > 0 {
			line += "; every job of a matrix must have the same REAPTEST_SEED"
		}
		cfg.logf("%s", line)
	}
	start := time.Now()
	var end time.Time
	if sc.soak > 0 {
		end = start.Add(sc.soak)
		if !cfg.deadline.IsZero() && cfg.deadline.Before(end) && cfg.logf != nil {
			cfg.logf("reaptest: the soak stops at the test binary's deadline, %s from now, before its %s: run go test with -timeout=0 or longer than the soak",
				time.Until(cfg.deadline).Round(time.Second), sc.soak)
		}
	}
	progress := newScaleTicker(cfg, start, end)
	stopped := false
	fixed := p.ran // scenarios run before exploring
	for j := 0; sh.count < 0 || j < sh.count; j++ {
		if cfg.outOfTime() {
			stopped = true
			break
		}
		if !end.IsZero() && time.Now().After(end) {
			break
		}
		k := sh.at(j)
		scn := drawAt(gen, seed, k)
		if sc.onIndex != nil {
			sc.onIndex(k, scn)
		}
		res := runScenario(cfg, p.bubble, p.newTask, scn)
		p.census.Add(res.points)
		p.ran++
		progress.tick(p.ran)
		if !res.Failed() {
			continue
		}
		if cfg.onFound != nil {
			cfg.onFound(p.ran)
		}
		if cfg.logf != nil {
			cfg.logf("reaptest: scenario %d of seed %d failed (%s), after %d scenarios: minimizing it", k, seed, signature(res), p.ran)
		}
		f := cfg.failure(minimize(cfg, p.bubble, p.newTask, res), "", p.ran)
		f.Seed = seed
		if f.File == "" && cfg.repro != "" {
			f.Command = sc.env(seed) + cfg.repro
		}
		return f
	}
	if sc.stats != nil && cfg.logf != nil {
		cfg.logf("reaptest: soak ended after %s: %s", time.Since(start).Round(time.Second), sc.stats.line(p.ran))
	}
	p.stoppedEarly(stopped, fixed)
	return nil
}
