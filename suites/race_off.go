//go:build !race

package suites

// raceEnabled reports whether the test binary was built with -race.
const raceEnabled = false
