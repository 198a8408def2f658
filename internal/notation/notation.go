// Package notation holds the small helpers that print scenario notation
// (see faults.Plan.String and scenarios.Parse): durations and point names.
// It is shared plumbing of reaptest's packages, not API.
package notation

import (
	"strconv"
	"strings"
	"time"
)

// PointName returns a fault or fail point's name as scenario notation prints it:
// as is when it is a simple token, one or more of A-Z a-z 0-9 _ : . / -,
// and quoted with strconv.Quote otherwise ("reap close", "").
func PointName(name string) string {
	if name == "" {
		return strconv.Quote(name)
	}
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return strconv.Quote(name)
		}
	}
	return name
}

func isNameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("_:./-", c) >= 0
}

// FormatDuration prints d compactly: 0, 500µs, 5ms, 1.5s, 1m0s. The result
// is time.ParseDuration syntax (which also reads "0"), so scenario
// notation can be parsed back.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}
