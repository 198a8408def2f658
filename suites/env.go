package suites

import (
	"fmt"
	"os"
	"strings"
)

// Environment variables of automatic fault points, read where the
// instrumented test binary is built. Every REAPTEST_ variable a user sets
// has a constant in this package (EnvReplay, EnvRepeat, EnvIsolate,
// EnvShard, EnvSeed, EnvSoak, EnvChildren and these), and the README's
// table of them lists the same (TestEnvTable).
const (
	// EnvAutoPoints turns automatic fault points on (1, true, on, yes) or
	// off (0, false, off, no) where the options do not say
	// (harness.AutoPoints); they are on by default. Any other value fails
	// the check with a usage error.
	EnvAutoPoints = "REAPTEST_AUTOPOINTS"
	// EnvBuildFlags holds build flags for the instrumented build that the
	// running test binary cannot know, separated by spaces, e.g.
	// "-coverpkg=./...": they come after the flags carried over from the
	// running binary, so they win.
	EnvBuildFlags = "REAPTEST_BUILDFLAGS"
	// EnvCacheSize caps the cache of instrumented test binaries, in bytes
	// or with a unit ("300MB", "1GiB"); "0" turns the cap off. The default
	// is 400 MB.
	EnvCacheSize = "REAPTEST_CACHESIZE"
)

// envSwitch reads the on/off environment variable name: unset or empty
// is not set; 1, true, on and yes turn it on, 0, false, off and no turn it
// off (in any case); any other value is an error that lists these.
func envSwitch(name string) (set, on bool, err error) {
	v := os.Getenv(name)
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return false, false, nil
	case "1", "true", "on", "yes":
		return true, true, nil
	case "0", "false", "off", "no":
		return true, false, nil
	}
	return false, false, fmt.Errorf("reaptest: %s=%q: want 1, true, on or yes to turn it on, 0, false, off or no to turn it off, or unset for the default (on)", name, v)
}

// envUsage checks the on/off variables a check reads, EnvIsolate and
// EnvAutoPoints, before the check runs: a value that is neither is
// a usage error, never silently taken as on.
func envUsage() error {
	for _, name := range []string{EnvIsolate, EnvAutoPoints} {
		if _, _, err := envSwitch(name); err != nil {
			return err
		}
	}
	return nil
}
