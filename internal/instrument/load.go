package instrument

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// listed is what go list says about one package.
type listed struct {
	ImportPath      string
	Name            string
	Dir             string
	Export          string
	Standard        bool
	DepOnly         bool
	GoFiles         []string
	CgoFiles        []string
	CompiledGoFiles []string
	TestGoFiles     []string
	XTestGoFiles    []string
	EmbedFiles      []string
	TestEmbedFiles  []string
	XTestEmbedFiles []string
	Imports         []string
	TestImports     []string
	XTestImports    []string
	ImportMap       map[string]string
	Deps            []string
	Module          *struct {
		Path      string
		Version   string
		Main      bool
		Dir       string
		GoMod     string
		GoVersion string
		Replace   *struct{ Path, Version string }
	}
	Error *struct{ Err string }
}

// goList runs go list -export -compiled -deps -json on patterns in dir.
func goList(ctx context.Context, g *goCmd, dir string, flags []string, patterns ...string) ([]*listed, error) {
	args := append([]string{"list", "-e", "-export", "-compiled", "-deps", "-json"}, flags...)
	args = append(args, "--")
	args = append(args, patterns...)
	out, err := g.run(ctx, dir, args...)
	if err != nil {
		return nil, err
	}
	var pkgs []*listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(listed)
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: reading its output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// goCmd runs the go command with an environment.
type goCmd struct {
	path string   // the go command
	env  []string // added to the process's environment
}

// run runs go with args in dir and returns its standard output; the error
// holds the start of its standard error.
func (g *goCmd) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.path, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), g.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Cancelled (out of time), the go command gets SIGINT, on which it
	// removes its work directory ($TMPDIR/go-build…); killed only if it
	// does not end then.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Start()
	if err == nil {
		forget := trackGo(cmd.Process)
		err = cmd.Wait()
		forget()
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + " …"
		}
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("go %s: %s", args[0], msg)
	}
	return stdout.Bytes(), nil
}

// exports resolves import paths to export data files, from go list.
type exports map[string]string

// importer returns an importer reading the export data of the listed
// packages; importMap resolves a package's import paths (vendoring).
func (ex exports) importer(fset *token.FileSet) func(importMap map[string]string) types.Importer {
	gc := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := ex[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	})
	return func(importMap map[string]string) types.Importer {
		return importerFunc(func(path string) (*types.Package, error) {
			if m, ok := importMap[path]; ok {
				path = m
			}
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			return gc.Import(path)
		})
	}
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// checked is a parsed, type-checked package.
type checked struct {
	files []*ast.File // in the order of the paths
	paths []string    // absolute
	srcs  [][]byte
	info  *types.Info
}

// typeCheck parses and type-checks the files at paths as package path;
// srcs, when given, are their contents.
func typeCheck(fset *token.FileSet, path string, paths []string, srcs [][]byte, imp types.Importer) (*checked, error) {
	c := &checked{paths: paths, info: &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Uses:       map[*ast.Ident]types.Object{},
		Defs:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Instances:  map[*ast.Ident]types.Instance{},
	}}
	for i, p := range paths {
		var src []byte
		if srcs != nil {
			src = srcs[i]
		} else {
			var err error
			if src, err = os.ReadFile(p); err != nil {
				return nil, err
			}
		}
		f, err := parser.ParseFile(fset, p, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		c.files, c.srcs = append(c.files, f), append(c.srcs, src)
	}
	var errs []error
	conf := types.Config{Importer: imp, Error: func(err error) {
		if len(errs) < 3 {
			errs = append(errs, err)
		}
	}}
	_, _ = conf.Check(path, fset, c.files, c.info)
	if len(errs) > 0 {
		return nil, fmt.Errorf("type-checking: %w", errors.Join(errs...))
	}
	return c, nil
}

// absFiles joins dir and names.
func absFiles(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if filepath.IsAbs(n) {
			out[i] = n
		} else {
			out[i] = filepath.Join(dir, n)
		}
	}
	return out
}
