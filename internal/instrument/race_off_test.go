//go:build !race

package instrument

const raceOn = false
