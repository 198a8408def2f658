package instrument

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// The quick lookup. Finding a cached binary the full way asks the go
// command for the export data of every package (go list -export), type-
// checks and rewrites the instrumented packages and hashes it all: 0.2 s
// for a two-file module, 0.35 s for the catalog in the suites binary, paid
// by every test binary run. The running test binary already names its
// inputs: its Go build ID is derived by the go command from every source
// file, flag and the toolchain of its link. So once a build of it has been
// found the full way, a memo under <cache>/self, keyed by that identity,
// the Config and the go command's environment, names the cached binary,
// and later runs of the same test binary go straight to it, with or
// without a go command on PATH. A changed
// source file makes a new test binary, with a new build ID, and the full
// lookup runs again.

// quickKey returns the memo key of a build, or "" when the build has no
// known identity (it is not a variant of the running test binary).
func quickKey(cfg Config, dir string, flags, env []string) string {
	self := cfg.self
	if self == "" {
		if cfg.Dir != "" || cfg.TestPkg != "" || cfg.Flags != nil || cfg.Env != nil {
			return ""
		}
		var err error
		if self, err = selfID(); err != nil || self == "" {
			return ""
		}
	}
	h := sha256.New()
	cfgJSON, _ := json.Marshal(cfg)
	fmt.Fprintf(h, "rewriter %s\nself %s\nconfig %s\ndir %s\nflags %q\nenv %q\n", rewriterVersion, self, cfgJSON, dir, flags, env)
	// The environment the go command reads. Not the go command itself:
	// the identity names the toolchain that built the running binary, and
	// a memo must be found where no go command is on PATH (a test binary
	// built with go test -c and run on another machine or in a container).
	for _, kv := range goEnviron() {
		fmt.Fprintln(h, kv)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// runtimeOnly are environment variables of the go family that do not
// change what the go command builds; they are left out of the quick key
// (GOCOVERDIR, for one, differs in every go test -cover run).
var runtimeOnly = map[string]bool{
	"GOCOVERDIR": true, "GORACE": true, "GOTRACEBACK": true, "GODEBUG": true,
	"GOMAXPROCS": true, "GOGC": true, "GOMEMLIMIT": true,
}

// goEnviron returns, sorted, the environment variables that can change
// what the go command builds: GO*, CGO_*, CC, CXX, PKG_CONFIG.
func goEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case runtimeOnly[k]:
		case strings.HasPrefix(k, "GO"), strings.HasPrefix(k, "CGO_"), k == "CC", k == "CXX", k == "PKG_CONFIG":
			out = append(out, kv)
		}
	}
	slices.Sort(out)
	return out
}

// fromMemo returns the cached binary the memo quick names, or nil when
// there is none (no memo, or the binary it names was pruned).
func fromMemo(cache, quick, testPkg string, cover bool) *Binary {
	data, err := os.ReadFile(filepath.Join(cache, "self", quick))
	if err != nil {
		return nil
	}
	key := strings.TrimSpace(string(data))
	if key == "" || strings.ContainsAny(key, `/\.`) {
		return nil
	}
	bin, ok := fromCache(filepath.Join(cache, "bin", key), filepath.Base(testPkg)+".test", cover)
	if bin == nil || !ok {
		return nil
	}
	bin.quick = true
	return bin
}

// remember writes the memo quick naming the cached binary key. A memo
// that cannot be written costs the next run the full lookup, nothing else.
func remember(cache, quick, key string) {
	if quick == "" {
		return
	}
	dir := filepath.Join(cache, "self")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return
	}
	_, err = f.WriteString(key + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, quick))
	}
	if err != nil {
		os.Remove(f.Name())
	}
}

// selfID identifies the running executable: by its Go build ID when it
// has one (an ELF note, or the string the linker puts at the start of the
// text on other formats), else by a hash of its content.
var selfID = sync.OnceValues(func() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return fileID(exe)
})

// fileID identifies the executable at path, as selfID does.
func fileID(path string) (string, error) {
	if id := elfBuildID(path); id != "" {
		return "buildid " + id, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 1<<20)
	n, _ := io.ReadFull(f, head)
	if id := rawBuildID(head[:n]); id != "" {
		return "buildid " + id, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256 " + hex.EncodeToString(h.Sum(nil)), nil
}

// elfBuildID reads the Go build ID note of an ELF executable ("" if it
// is not one or has none).
func elfBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil || len(data) < 16 {
		return ""
	}
	// The note: name size, description size, type (4: the Go build ID),
	// the name "Go\x00\x00", the description (the ID).
	namesz := f.ByteOrder.Uint32(data[0:4])
	descsz := f.ByteOrder.Uint32(data[4:8])
	typ := f.ByteOrder.Uint32(data[8:12])
	off := 12 + (uint64(namesz)+3)&^3
	if typ != 4 || namesz != 4 || string(data[12:15]) != "Go\x00" || off+uint64(descsz) > uint64(len(data)) {
		return ""
	}
	return string(data[off : off+uint64(descsz)])
}

// rawBuildID finds the build ID string the Go linker writes at the start
// of an executable's text: \xff Go build ID: "…"\n \xff.
func rawBuildID(data []byte) string {
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(data, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := data[i+len(prefix):]
	j := bytes.Index(rest, []byte(suffix))
	if j <= 0 || j > 1024 {
		return ""
	}
	return string(rest[:j])
}
