package harness_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// explored runs a passing check of the reference with opts and returns
// the scenario it explored at each index.
func explored(t *testing.T, opts ...harness.Option) map[uint64]string {
	t.Helper()
	got := map[uint64]string{}
	rec := harness.OnIndex(func(k uint64, sc scenarios.Scenario) {
		if _, dup := got[k]; dup {
			t.Errorf("index %d explored twice", k)
		}
		got[k] = sc.String()
	})
	if f := harness.Check(t.Name(), bubble(t), catalog.NewReference, append(opts, rec)...); f != nil {
		t.Fatal(f)
	}
	return got
}

// TestShardsUnion: n shards of a seed explore disjoint sets of scenario
// indices whose union is exactly what one unsharded check of that seed
// explores with n times the scenarios, and the same scenario at each
// index.
func TestShardsUnion(t *testing.T) {
	const seed, per = 7, 40
	for _, n := range []int{2, 3} {
		whole := explored(t, harness.Seed(seed), harness.Checks(n*per))
		if len(whole) != n*per {
			t.Fatalf("unsharded: explored %d scenarios, want %d", len(whole), n*per)
		}
		union := map[uint64]string{}
		for i := 1; i <= n; i++ {
			part := explored(t, harness.Seed(seed), harness.Shard(i, n), harness.Checks(per))
			if len(part) != per {
				t.Errorf("shard %d/%d: explored %d scenarios, want %d", i, n, len(part), per)
			}
			for k, sc := range part {
				if _, dup := union[k]; dup {
					t.Errorf("shard %d/%d: index %d explored by an earlier shard too", i, n, k)
				}
				union[k] = sc
				if want, ok := whole[k]; !ok {
					t.Errorf("shard %d/%d: index %d not explored by the unsharded check", i, n, k)
				} else if sc != want {
					t.Errorf("shard %d/%d: index %d is another scenario than unsharded:\n%s\nwant:\n%s", i, n, k, sc, want)
				}
			}
		}
		if !maps.Equal(union, whole) {
			t.Errorf("%d shards together explored indices %v, the unsharded check %v", n, sortedIdx(union), sortedIdx(whole))
		}
	}
}

// TestSeedDecides: another seed explores other scenarios, and a shard
// without a seed explores seed 1's, so that every job of a matrix agrees.
func TestSeedDecides(t *testing.T) {
	a := explored(t, harness.Seed(1), harness.Checks(20))
	b := explored(t, harness.Seed(2), harness.Checks(20))
	same := 0
	for k := range a {
		if a[k] == b[k] {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 1 and 2 drew the same scenario at %d of 20 indices", same)
	}
	s := explored(t, harness.Shard(1, 1), harness.Checks(20))
	if !maps.Equal(s, a) {
		t.Errorf("Shard(1, 1) without a seed explored other scenarios than Seed(1)")
	}
}

// TestShardFindsAndSaves: a shard that finds a failure minimizes it, saves
// it to the corpus, and the saved file fails the same way replayed; with
// no corpus the command reruns the shard with its seed.
func TestShardFindsAndSaves(t *testing.T) {
	dir := t.TempDir()
	f := harness.Check(t.Name(), bubble(t), catalog.NewCheckThenAct, harness.Seed(3), harness.Shard(2, 4),
		harness.Checks(2000), harness.Corpus(dir), harness.Reproduce("go test ./x -run '^TestX$'"))
	if f == nil {
		t.Fatal("shard 2/4 of seed 3 did not find check-then-act's double close in 2000 scenarios")
	}
	if f.File == "" || !strings.HasPrefix(f.Command, "REAPTEST_REPLAY="+f.File+" ") {
		t.Fatalf("failure not saved, or command %q does not replay its file %q", f.Command, f.File)
	}
	sc, err := scenarios.ParseFile(f.File)
	if err != nil {
		t.Fatal(err)
	}
	r := harness.Replay(bubble(t), catalog.NewCheckThenAct, sc, 1)
	if r == nil || r.Primary().Clause != f.Primary().Clause {
		t.Fatalf("the saved scenario replayed to %v, want %s", r, f.Primary().Clause)
	}
	g := harness.Check(t.Name(), bubble(t), catalog.NewCheckThenAct, harness.Seed(3), harness.Shard(2, 4),
		harness.Checks(2000), harness.Corpus(""), harness.Reproduce("go test ./x -run '^TestX$'"))
	if g == nil || g.Command != "REAPTEST_SEED=3 REAPTEST_SHARD=2/4 go test ./x -run '^TestX$'" {
		t.Fatalf("without a corpus: command %q, want the shard's seed and shard before the test command", commandOf(g))
	}
}

func commandOf(f *harness.Failure) string {
	if f == nil {
		return "(no failure)"
	}
	return f.Command
}

func sortedIdx(m map[uint64]string) []uint64 {
	return slices.Sorted(maps.Keys(m))
}

// TestPartsUnion: the parts of a check, as its children explore them,
// are disjoint and together the check's scenarios, sharded or not.
func TestPartsUnion(t *testing.T) {
	const seed = 11
	for _, c := range []struct {
		shard, shards, checks, parts int
	}{{0, 0, 41, 2}, {2, 3, 20, 2}, {1, 2, 9, 4}} {
		base := []harness.Option{harness.Seed(seed), harness.Checks(c.checks)}
		if c.shards > 0 {
			base = append(base, harness.Shard(c.shard, c.shards))
		}
		whole := explored(t, base...)
		union := map[uint64]string{}
		for i := range c.parts {
			for k, sc := range explored(t, append(base, harness.Part(i, c.parts))...) {
				if _, dup := union[k]; dup {
					t.Errorf("%+v: index %d explored by two parts", c, k)
				}
				union[k] = sc
			}
		}
		if !maps.Equal(union, whole) {
			t.Errorf("%+v: the parts explored %v, the check %v", c, sortedIdx(union), sortedIdx(whole))
		}
	}
}
