//go:build race

package moby

// raceEnabled reports whether the race detector is built in.
const raceEnabled = true
