package instrument

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A test binary found built before is found through its identity's memo
// without the full lookup, with the same facts; another identity (a
// rebuilt test binary) takes the full lookup again; a memo whose binary
// was pruned leads to a new build, not to a missing file.
func TestBuildQuick(t *testing.T) {
	dir := fixtureModule(t)
	cfg := Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir(), self: "test-binary-1"}
	ctx := context.Background()
	forget()
	first, err := Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if first.Cached || first.quick {
		t.Fatalf("first Build: Cached = %v, quick = %v; want a build", first.Cached, first.quick)
	}
	forget()
	again, err := Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first build %v, quick lookup %v", first.Took, again.Took)
	if !again.quick || !again.Cached || again.Path != first.Path || again.Sites != first.Sites || !slices.Equal(again.Packages, first.Packages) {
		t.Errorf("next run's Build = %+v; want the first one's binary and facts, found quickly", again)
	}

	// A prebuilt test binary run where no go command is on PATH finds its
	// instrumented build all the same; another identity cannot, and says
	// why.
	path := os.Getenv("PATH")
	t.Setenv("PATH", t.TempDir())
	forget()
	noGo, err := Build(ctx, cfg)
	if err != nil || !noGo.quick || noGo.Path != first.Path {
		t.Errorf("Build without a go command = %+v, %v; want the first one's binary through the memo", noGo, err)
	}
	stranger := cfg
	stranger.self = "test-binary-never-built"
	forget()
	if _, err := Build(ctx, stranger); err == nil || !strings.Contains(err.Error(), "no go command") {
		t.Errorf("Build of an unknown binary without a go command: err = %v, want no go command", err)
	}
	t.Setenv("PATH", path)

	// A rebuilt test binary (another identity) looks the full way, and
	// finds the same instrumented binary when nothing else changed.
	other := cfg
	other.self = "test-binary-2"
	forget()
	full, err := Build(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if full.quick || !full.Cached || full.Path != first.Path {
		t.Errorf("another identity's Build: quick = %v, Cached = %v, same path = %v; want the full lookup finding the same binary", full.quick, full.Cached, full.Path == first.Path)
	}

	// The binary pruned: the memo leads nowhere, and the binary is built.
	if err := os.RemoveAll(filepath.Dir(first.Path)); err != nil {
		t.Fatal(err)
	}
	forget()
	rebuilt, err := Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt.quick || rebuilt.Cached {
		t.Errorf("after the binary was removed: quick = %v, Cached = %v; want a new build", rebuilt.quick, rebuilt.Cached)
	}
	out := runBinary(t, dir, rebuilt.Path, []string{"MODE=instrumented"}, "-test.run=^TestWork$", "-test.v")
	if !strings.Contains(out, "--- PASS: TestWork") {
		t.Errorf("the rebuilt binary does not work:\n%s", out)
	}
}

// The quick key changes with what changes the build (the identity, the
// flags, the go command's environment) and not with what does not (the
// coverage directory of one run); a Config that does not build the
// running test binary and names no identity has none.
func TestQuickKey(t *testing.T) {
	t.Setenv("GOFLAGS", "")
	cfg := Config{TaskPkg: "example.com/p", Dir: "/m", TestPkg: "example.com/p", Flags: []string{}, self: "id-1"}
	base := quickKey(cfg, "/m", nil, nil)
	if base == "" {
		t.Fatal("no quick key for a Config with an identity")
	}
	other := cfg
	other.self = "id-2"
	t.Setenv("GOCOVERDIR", "/tmp/one-run")
	for name, k := range map[string]string{
		"identity": quickKey(other, "/m", nil, nil),
		"flags":    quickKey(cfg, "/m", []string{"-race=true"}, nil),
		"env":      quickKey(cfg, "/m", nil, []string{"CGO_ENABLED=0"}),
	} {
		if k == base {
			t.Errorf("the quick key does not change with the %s", name)
		}
	}
	if k := quickKey(cfg, "/m", nil, nil); k != base {
		t.Errorf("the quick key changes with GOCOVERDIR: %s, then %s", base, k)
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	if k := quickKey(cfg, "/m", nil, nil); k == base {
		t.Errorf("the quick key does not change with GOFLAGS")
	}
	cfg.self = ""
	if k := quickKey(cfg, "/m", nil, nil); k != "" {
		t.Errorf("quickKey of another module's build = %q, want none", k)
	}
}

// The running test binary is identified by its Go build ID, as go tool
// buildid reads it; a file with no build ID by its content.
func TestSelfID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	id, err := selfID()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool buildid %s: %v\n%s", exe, err, out)
	}
	if want := "buildid " + strings.TrimSpace(string(out)); id != want {
		t.Errorf("selfID() = %q, want %q", id, want)
	}
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, []byte("not an executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	if id, err := fileID(plain); err != nil || !strings.HasPrefix(id, "sha256 ") {
		t.Errorf("fileID of a plain file = %q, %v; want its content's hash", id, err)
	}
	raw := []byte("\x00\x00\xff Go build ID: \"abc/def\"\n \xff\x00")
	if got := rawBuildID(raw); got != "abc/def" {
		t.Errorf("rawBuildID = %q, want abc/def", got)
	}
}
