package instrument

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// shadow is a module from the module cache with some files rewritten.
// The go command refuses to overlay files in the module cache, so the
// build replaces the module (through a copy of the main module's go.mod,
// passed as -modfile) with a copy of it: hard links to the original files
// and the rewritten ones. The rewritten files' line directives still name
// the originals in the module cache.
type shadow struct {
	path, version string
	dir           string            // the module's directory in the module cache
	files         map[string][]byte // original path -> rewritten source
}

// goEnv returns the module cache directory and whether a workspace is in
// use.
func goEnv(ctx context.Context, g *goCmd, dir string) (modCache string, workspace bool) {
	out, err := g.run(ctx, dir, "env", "GOMODCACHE", "GOWORK")
	if err != nil {
		return "", false
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > 0 {
		modCache = filepath.Clean(strings.TrimSpace(lines[0]))
	}
	if len(lines) > 1 {
		w := strings.TrimSpace(lines[1])
		workspace = w != "" && w != "off"
	}
	return modCache, workspace
}

// shadowModfile makes the modules' copies and a name.mod (with its
// name.sum) in binDir that replaces each module with its copy, and returns its path.
func shadowModfile(cache, binDir, name, gomod string, shadows map[string]*shadow) (string, error) {
	mod, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	var dirs []string
	for d := range shadows {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var b bytes.Buffer
	b.Write(mod)
	b.WriteString("\n// reaptest: instrumented copies of modules from the module cache\n")
	for _, d := range dirs {
		sh := shadows[d]
		h := sha256.New()
		fmt.Fprintln(h, sh.dir)
		var names []string
		for p := range sh.files {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			fmt.Fprintf(h, "%s %x\n", p, sha256.Sum256(sh.files[p]))
		}
		copyDir := filepath.Join(cache, "mods", hex.EncodeToString(h.Sum(nil))[:24])
		if err := mirror(sh.dir, copyDir, sh.files); err != nil {
			return "", err
		}
		// A module with no go.mod of its own (+incompatible, or from
		// before modules) gets the one the go command makes up for it,
		// "module <path>": a directory replacement needs the file.
		if _, err := os.Stat(filepath.Join(copyDir, "go.mod")); os.IsNotExist(err) {
			if err := writeOnce(filepath.Join(copyDir, "go.mod"), []byte("module "+sh.path+"\n")); err != nil {
				return "", err
			}
		}
		fmt.Fprintf(&b, "replace %s %s => %s\n", sh.path, sh.version, copyDir)
	}
	modfile := filepath.Join(binDir, name+".mod")
	if err := writeOnce(modfile, b.Bytes()); err != nil {
		return "", err
	}
	sum, err := os.ReadFile(strings.TrimSuffix(gomod, ".mod") + ".sum")
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	if err := writeOnce(filepath.Join(binDir, name+".sum"), sum); err != nil {
		return "", err
	}
	return modfile, nil
}

// mirror makes dst a copy of the directory tree src, hard-linking files
// where it can, with files' rewritten contents in place of theirs. It
// builds the copy beside dst and renames it into place.
func mirror(src, dst string, files map[string][]byte) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), tmpPattern(filepath.Base(dst)+".*.tmp"))
	if err != nil {
		return err
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		out := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		if data, ok := files[p]; ok {
			return os.WriteFile(out, data, 0o644)
		}
		if os.Link(p, out) == nil {
			return nil
		}
		return copyFile(p, out)
	})
	if err == nil {
		err = os.Rename(tmp, dst)
		if err != nil {
			if _, serr := os.Stat(dst); serr == nil {
				err = nil // another process made it
			}
		}
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
	}
	return err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
