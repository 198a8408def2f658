package suites

import (
	"io"
	"os"
	"time"
)

// A soak's progress: the child's check says every few seconds how far it
// got (scenarios, points faulted, distinct orders, heap); those lines go
// into its journal as they come (journalProgress), and the parent, which
// reads the journal's new entries once a second while the child runs,
// logs them in place of its own count of scenarios.

const journalProgress = 'p' // a progress line of a long check

// childProgress, in a child, appends a progress line to the journal.
func childProgress(line string) { journal(journalProgress, []byte(line)) }

// journalTail reads the progress lines a running child appends to its
// journal.
type journalTail struct {
	path string
	off  int64     // bytes of whole entries read so far
	next time.Time // when to look again
}

// progress returns the progress lines appended since the last call, if a
// second has passed since it last looked.
func (j *journalTail) progress(now time.Time) []string {
	if now.Before(j.next) {
		return nil
	}
	j.next = now.Add(time.Second)
	f, err := os.Open(j.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.NewSectionReader(f, j.off, 1<<20))
	if err != nil {
		return nil
	}
	var lines []string
	for kind, payload := range journalFrames(data) { // an entry cut short is still being written
		if kind == journalProgress {
			lines = append(lines, string(payload))
		}
		j.off += int64(5 + len(payload))
	}
	return lines
}

// soakSlack is how much longer than progressEvery the parent of a soak
// waits before it says how many scenarios its child ran: the child's own
// progress lines, relayed every progressEvery, say more.
func (tg target) soakSlack() time.Duration {
	if tg.soak > 0 {
		return 2 * time.Second
	}
	return 0
}
