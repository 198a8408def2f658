package suites

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		i, n int
		ok   bool
	}{
		{"1/1", 1, 1, true}, {"2/4", 2, 4, true}, {"4/4", 4, 4, true},
		{"0/4", 0, 0, false}, {"5/4", 0, 0, false}, {"1/0", 0, 0, false},
		{"2", 0, 0, false}, {"a/b", 0, 0, false}, {"-1/2", 0, 0, false}, {"", 0, 0, false},
	} {
		i, n, err := parseShard(c.in)
		if (err == nil) != c.ok || i != c.i || n != c.n {
			t.Errorf("parseShard(%q) = %d, %d, %v; want %d, %d, ok=%v", c.in, i, n, err, c.i, c.n, c.ok)
		}
	}
}

// A malformed variable is an error naming it, not a verdict on the task.
func TestScaleEnvErrors(t *testing.T) {
	for _, c := range []struct{ name, value string }{
		{EnvShard, "3/2"}, {EnvSeed, "-4"}, {EnvSoak, "forever"}, {EnvSoak, "-1m"},
	} {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			t.Setenv(c.name, c.value)
			_, err := scaleOptions()
			if err == nil || !strings.Contains(err.Error(), c.name+"=") {
				t.Errorf("got %v, want an error naming %s", err, c.name)
			}
			if err := replayUsage(); err == nil {
				t.Errorf("replayUsage let %s=%s through to a child", c.name, c.value)
			}
		})
	}
}

// logLines is a Logf that keeps what it hears.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// REAPTEST_SHARD and REAPTEST_SEED reach an in-process check.
func TestShardEnv(t *testing.T) {
	t.Setenv(EnvShard, "2/2")
	t.Setenv(EnvSeed, "5")
	var log logLines
	if f := checkT(t, catalog.NewReference, harness.Isolate(false), harness.Checks(30), harness.Logf(log.logf)); f != nil {
		t.Fatal(f)
	}
	want := "reaptest: exploring 30 scenarios of shard 2/2 of seed 5 (scenarios 1, 3, 5, ...)"
	if !strings.Contains(log.String(), want) {
		t.Errorf("the check did not log %q:\n%s", want, log.String())
	}
}

// They reach an isolated check's child too: the failure it finds with no
// corpus is rerun by the shard's seed and shard.
func TestShardEnvIsolated(t *testing.T) {
	t.Setenv(EnvShard, "2/4")
	t.Setenv(EnvSeed, "3")
	f := checkT(t, catalog.NewCheckThenAct, harness.Isolate(true), harness.AutoPoints(false), harness.Checks(2000), harness.Corpus(""))
	if inChild() {
		return
	}
	if f == nil {
		t.Fatal("shard 2/4 of seed 3 did not find check-then-act's double close")
	}
	want := "REAPTEST_SEED=3 REAPTEST_SHARD=2/4 go test"
	if !strings.HasPrefix(f.Command, want) {
		t.Errorf("command %q, want it to begin %q", f.Command, want)
	}
	if !strings.Contains(f.Error(), want) {
		t.Errorf("the report does not end with the shard's command %q:\n%s", want, f.Error())
	}
}

// An isolated soak: the child's progress lines reach the parent's log as
// the child runs (not at its end), and the child's log ends with the soak's
// line and the summary line.
func TestSoakIsolated(t *testing.T) {
	t.Setenv(EnvSoak, "6s")
	opts := []harness.Option{harness.Isolate(true), harness.AutoPoints(false), harness.Corpus("")}
	if inChild() {
		checkT(t, catalog.NewReference, opts...)
		return
	}
	var log logLines
	tg := testTarget(t, reproCommand(t.Name()))
	tg.logf, tg.soak = log.logf, soakOf(opts)
	c, err := runChild(tg)
	if err != nil {
		t.Fatal(err)
	}
	if c.result == nil || !c.result.Pass {
		t.Fatalf("the soak did not pass: %+v\n%s", c.result, excerpt(c.stderr))
	}
	relayed := log.String()
	if !strings.Contains(relayed, "reaptest: soak: ") || !strings.Contains(relayed, "points faulted") {
		t.Errorf("no progress line of the soak relayed while the child ran:\n%s", relayed)
	}
	if strings.Contains(relayed, "scenarios so far") {
		t.Errorf("the parent counted scenarios beside the soak's own progress lines:\n%s", relayed)
	}
	end := strings.Join(c.result.Logs, "\n")
	if !strings.Contains(end, "reaptest: soak ended after 6s: ") {
		t.Errorf("the child's log has no line ending the soak:\n%s", end)
	}
	if last := c.result.Logs[len(c.result.Logs)-1]; !regexp.MustCompile(`^reaptest: \d+ scenarios, `).MatchString(last) {
		t.Errorf("the child's log does not end with the summary line: %q", last)
	}
	t.Logf("relayed:\n%s\nat the end:\n%s", relayed, end)
}

// journalTail reads the progress lines appended since it last looked,
// whole entries only.
func TestJournalTail(t *testing.T) {
	path := t.TempDir() + "/journal"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tail := journalTail{path: path}
	now := time.Now()
	f.Write(appendEntry(nil, journalBegin, []byte("TestX/explore")))
	f.Write(appendEntry(nil, journalProgress, []byte("one")))
	entry := appendEntry(nil, journalProgress, []byte("two"))
	f.Write(entry[:6]) // cut short: still being written
	if got := tail.progress(now); !slices.Equal(got, []string{"one"}) {
		t.Errorf("first look: %q, want [one]", got)
	}
	f.Write(entry[6:])
	if got := tail.progress(now.Add(time.Second / 2)); got != nil {
		t.Errorf("a look within a second of the last: %q, want none", got)
	}
	if got := tail.progress(now.Add(time.Second)); !slices.Equal(got, []string{"two"}) {
		t.Errorf("second look: %q, want [two]", got)
	}
}

// Under Ginkgo the variables reach a spec's check as under go test, and a
// malformed one is the spec's error, not a verdict.
func TestShardEnvSpec(t *testing.T) {
	t.Setenv(EnvShard, "2/4")
	t.Setenv(EnvSeed, "3")
	s := bridge.Spec{Focus: t.Name(), Logf: t.Logf}
	opts := []harness.Option{harness.Isolate(false), harness.Corpus(""), harness.Checks(2000)}
	f, err := specExplore(s, "", catalog.NewCheckThenAct, opts)
	if err != nil || f == nil {
		t.Fatalf("specExplore(check-then-act) = %v, %v; want a failure", f, err)
	}
	if want := "REAPTEST_SEED=3 REAPTEST_SHARD=2/4 go test"; !strings.HasPrefix(f.Command, want) || !strings.Contains(f.Command, "-ginkgo.focus") {
		t.Errorf("command %q, want the shard's variables before the spec's go test command", f.Command)
	}
	t.Setenv(EnvShard, "5/4")
	if f, err := specExplore(s, "", catalog.NewReference, opts); f != nil || err == nil || !strings.Contains(err.Error(), EnvShard) {
		t.Errorf("REAPTEST_SHARD=5/4: specExplore = %v, %v; want an error naming %s", f, err, EnvShard)
	}
}
