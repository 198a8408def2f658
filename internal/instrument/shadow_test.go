package instrument

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A module with no go.mod of its own (an +incompatible one such as
// github.com/docker/docker) gets, in its copy, the go.mod the go command
// makes up for it; a module's own go.mod is kept.
func TestShadowModfileModuleWithoutGoMod(t *testing.T) {
	root := t.TempDir()
	write := func(p, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := filepath.Join(root, "modcache", "example.com", "old@v2.0.0+incompatible")
	write(filepath.Join(old, "pkg", "a.go"), "package pkg\n")
	modern := filepath.Join(root, "modcache", "example.com", "modern@v1.0.0")
	write(filepath.Join(modern, "go.mod"), "module example.com/modern\n\ngo 1.22\n")
	write(filepath.Join(modern, "b.go"), "package modern\n")
	gomod := filepath.Join(root, "main", "go.mod")
	write(gomod, "module example.com/main\n\ngo 1.25\n")
	shadows := map[string]*shadow{
		old:    {path: "example.com/old", version: "v2.0.0+incompatible", dir: old, files: map[string][]byte{filepath.Join(old, "pkg", "a.go"): []byte("package pkg // rewritten\n")}},
		modern: {path: "example.com/modern", version: "v1.0.0", dir: modern, files: map[string][]byte{}},
	}
	binDir := filepath.Join(root, "bin")
	modfile, err := shadowModfile(filepath.Join(root, "cache"), binDir, "go-0", gomod, shadows)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(modfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range shadows {
		prefix := "replace " + sh.path + " " + sh.version + " => "
		var copyDir string
		for _, l := range strings.Split(string(mod), "\n") {
			if strings.HasPrefix(l, prefix) {
				copyDir = strings.TrimPrefix(l, prefix)
			}
		}
		if copyDir == "" {
			t.Fatalf("%s: no %q line in:\n%s", modfile, prefix, mod)
		}
		got, err := os.ReadFile(filepath.Join(copyDir, "go.mod"))
		if err != nil {
			t.Fatalf("the copy of %s has no go.mod: %v", sh.path, err)
		}
		want := "module example.com/old\n"
		if sh.path == "example.com/modern" {
			want = "module example.com/modern\n\ngo 1.22\n"
		}
		if string(got) != want {
			t.Errorf("the copy of %s has go.mod %q, want %q", sh.path, got, want)
		}
	}
}
