package suites

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// Environment variables that scale a check out (harness.Shard, Seed,
// Soak), read by every entry point of this package and of suites/specs,
// in the parent and in its children alike. Options given in code win.
const (
	// EnvShard makes a check explore one shard of the scenario space,
	// "i/n" (1 <= i <= n): a CI matrix of n jobs with the same
	// REAPTEST_SEED explores n disjoint shares.
	EnvShard = "REAPTEST_SHARD"
	// EnvSeed fixes the seed of the scenario space, a number: the same
	// seed explores the same scenarios in the same order.
	EnvSeed = "REAPTEST_SEED"
	// EnvSoak makes a check explore until a duration of real time has
	// passed (e.g. "30m"), not a count of scenarios.
	EnvSoak = "REAPTEST_SOAK"
)

// scaleOptions returns the options REAPTEST_SHARD, REAPTEST_SEED and
// REAPTEST_SOAK ask for, or an error saying which one is malformed.
func scaleOptions() ([]harness.Option, error) {
	var opts []harness.Option
	if v := os.Getenv(EnvShard); v != "" {
		i, n, err := parseShard(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %w", EnvShard, v, err)
		}
		opts = append(opts, harness.Shard(i, n))
	}
	if v := os.Getenv(EnvSeed); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: want a number (the seed of the scenario space)", EnvSeed, v)
		}
		opts = append(opts, harness.Seed(seed))
	}
	if v := os.Getenv(EnvChildren); v != "" && v != "max" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: want a number of child processes >= 1, or max", EnvChildren, v)
		}
	}
	if i, n, ok := partOf(); ok {
		opts = append(opts, hx.Part(i, n))
	}
	if d, err := soakEnv(); err != nil {
		return nil, err
	} else if d > 0 {
		opts = append(opts, harness.Soak(d))
	}
	return opts, nil
}

// soakEnv reads REAPTEST_SOAK.
func soakEnv() (time.Duration, error) {
	v := os.Getenv(EnvSoak)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 30m", EnvSoak, v)
	}
	return d, nil
}

// parseShard parses "i/n", 1 <= i <= n.
func parseShard(v string) (i, n int, err error) {
	a, b, ok := strings.Cut(v, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("want i/n with 1 <= i <= n, e.g. 2/4 for the second shard of four")
	}
	return i, n, nil
}

// scaleUsage checks the environment variables that scale a check out,
// before a child is started with them.
func scaleUsage() error {
	_, err := scaleOptions()
	return err
}

// withScale returns opts after the options the environment asks for, so
// that the options given in code win; a malformed variable is an error.
func withScale(opts []harness.Option) ([]harness.Option, error) {
	env, err := scaleOptions()
	if err != nil {
		return nil, err
	}
	return append(env, opts...), nil
}

// soakOf returns how long a check given opts soaks: harness.Soak in opts,
// else REAPTEST_SOAK, else 0.
func soakOf(opts []harness.Option) time.Duration {
	if d := hx.SoakOf(opts...); d > 0 {
		return d
	}
	d, _ := soakEnv()
	return d
}
