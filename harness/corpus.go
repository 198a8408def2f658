package harness

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/reaptest/reaptest/scenarios"
)

// The corpus: failing scenarios saved one per file, replayed first on every
// run, like Go fuzzing's corpus (and in place of rapid's fail files). A file holds a
// scenario in the notation reports print, after comment lines saying what
// failed and how to replay it; scenarios.ParseFile reads it.

// Corpus sets the directory of saved scenarios: each *.scenario file in it
// is replayed before anything else, and every new failure is saved there.
// "" turns the corpus off. The suites package sets
// testdata/reaptest/<test name>.
func Corpus(dir string) Option { return optionFunc(func(c *config) { c.corpus = dir }) }

// corpus replays the corpus's scenarios.
func (p *prelude) corpus() *Failure {
	if p.cfg.corpus == "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(p.cfg.corpus, "*.scenario"))
	sort.Strings(files)
	for _, file := range files {
		sc, err := scenarios.ParseFile(file)
		if err != nil {
			if p.cfg.logf != nil {
				p.cfg.logf("reaptest: ignoring corpus file: %v", err)
			}
			continue
		}
		if f := p.run(sc, "corpus file "+file); f != nil {
			keepFile(f, file, sc, files, p.cfg.repro)
			return f
		}
	}
	return nil
}

// keepFile makes the failure of the corpus file's scenario sc point at
// file, instead of at a copy saved under another name: a corpus file that
// still fails stays the reproducer, and replaying the corpus never adds
// files to it (a run must not leave new files in a source tree). When
// minimizing made the scenario smaller, the report shows the smaller one
// and says where it came from; a copy saved just now (not one of the
// corpus's files) is removed.
func keepFile(f *Failure, file string, sc scenarios.Scenario, files []string, repro string) {
	if f.File == "" || f.File == file {
		return
	}
	if !slices.Contains(files, f.File) {
		_ = os.Remove(f.File)
	}
	a, b := f.Scenario, sc
	a.Procs, b.Procs = 0, 0
	if a.String() != b.String() {
		f.Name = "corpus file " + file + " (minimized further: the scenario below; the file replays the original)"
	}
	f.File, f.Command = file, repro
	if repro != "" {
		f.Command = replayCommand(repro, file)
	}
}

// failure builds the Failure for a minimized result, saving its scenario
// to the corpus; what names the fixed scenario that failed, if one did.
func (c *config) failure(res *Result, what string, explored int) *Failure {
	f := &Failure{Result: res, Name: what, Explored: explored, Command: c.repro}
	if p := res.Primary(); c.corpus == "" || p != nil && p.Class == ClassSetup {
		return f
	}
	path, err := saveScenario(c.corpus, res, c.repro)
	if err != nil {
		f.SaveErr = err
		return f
	}
	f.File = path
	if c.repro != "" {
		f.Command = replayCommand(c.repro, path)
	}
	return f
}

// replayCommand returns the command that replays the scenario file path
// through the go test command cmd (see suites.TestTask): REAPTEST_REPLAY
// names the file, relative to the test's package directory.
func replayCommand(cmd, path string) string {
	return fmt.Sprintf("REAPTEST_REPLAY=%s %s", path, cmd)
}

// saveScenario writes res's scenario to dir under a name made of its
// class, clause and a hash of its text, after comment lines saying what
// failed and (if repro is not empty) the command that replays it, and
// returns the path. The same scenario always gets the same file, and a
// file already there is left as it is.
func saveScenario(dir string, res *Result, repro string) (string, error) {
	text := res.Scenario.String()
	h := fnv.New32a()
	h.Write([]byte(text))
	p := res.Primary()
	name := fmt.Sprintf("%s-%s-%08x.scenario", p.Class, p.Clause, h.Sum32())
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil // saved before: its first words stay as they were
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# reaptest counterexample: %s\n", strings.ReplaceAll(p.Error(), "\n", " "))
	if repro != "" {
		fmt.Fprintf(&b, "# replay: %s\n", replayCommand(repro, path))
	}
	b.WriteString(text)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("saving the counterexample: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("saving the counterexample: %w", err)
	}
	return path, nil
}

// Replay runs sc up to times times (at least once), each in a fresh bubble
// with full detail, and returns the first failing run, or nil if every run
// passed. It is how a saved counterexample, or a scenario written from a
// bug report, is reproduced; times > 1 repeats it until it fails, for
// failures that depend on the scheduler.
func Replay(bubble Bubble, newTask NewTask, sc scenarios.Scenario, times int, opts ...Option) *Failure {
	cfg := newConfig(opts)
	cfg.detail = !cfg.bare
	// The processors the check had (Procs): a scenario with no schedule
	// of its own replays as the check ran it, not on every core.
	defer cfg.setProcs()()
	defer cfg.claimHook()()
	for i := range max(times, 1) {
		if res := runScenario(cfg, bubble, newTask, sc); res.Failed() {
			return &Failure{Result: res, Name: "the replayed scenario", Explored: i + 1, Command: cfg.repro}
		}
	}
	return nil
}
