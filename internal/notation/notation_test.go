package notation

import (
	"testing"
	"time"
)

// FormatDuration prints 0 as "0" and other durations as time.Duration does.
func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0",
		500 * time.Microsecond:  "500µs",
		5 * time.Millisecond:    "5ms",
		1500 * time.Millisecond: "1.5s",
		time.Minute:             "1m0s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

// PointName leaves simple tokens as they are and quotes anything else,
// the empty name included.
func TestPointName(t *testing.T) {
	for name, want := range map[string]string{
		"reap:checked":     "reap:checked",
		"task.go:42 close": `"task.go:42 close"`,
		"a/b_c-d.e":        "a/b_c-d.e",
		"":                 `""`,
		"x\"y":             `"x\"y"`,
	} {
		if got := PointName(name); got != want {
			t.Errorf("PointName(%q) = %s, want %s", name, got, want)
		}
	}
}
