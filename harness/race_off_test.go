//go:build !race

package harness_test

// raceOn reports whether the race detector is on: long checks run fewer
// scenarios under it (it makes each about ten times slower).
const raceOn = false
