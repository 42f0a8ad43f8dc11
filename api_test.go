package cloudflare

// This file keeps api.txt, the record of the exported API of every public
// package of the module, one identifier with its signature a line. Other
// SDK wrappers vendor this module: an exported name or signature changes
// only on purpose, in the same commit as api.txt and CHANGELOG.md.
//
//	go test -run TestAPI -update .   # rewrite api.txt after a deliberate change

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateAPI = flag.Bool("update", false, "rewrite api.txt from the source")

const modulePath = "github.com/seed-b6b9b3cb/cloudflare-go"

// TestAPI fails when the exported API differs from api.txt.
func TestAPI(t *testing.T) {
	got, err := moduleAPI(".")
	require.NoError(t, err)
	if *updateAPI {
		require.NoError(t, os.WriteFile("api.txt", []byte(strings.Join(got, "\n")+"\n"), 0o644))
		return
	}
	want, err := os.ReadFile("api.txt")
	require.NoError(t, err, "api.txt is missing: run go test -run TestAPI -update .")
	if diff := apiDiff(strings.Split(strings.TrimSuffix(string(want), "\n"), "\n"), got); diff != "" {
		t.Errorf("the exported API differs from api.txt (- api.txt, + source):\n%s\n"+
			"If the change is deliberate, run go test -run TestAPI -update . and say so in CHANGELOG.md.", diff)
	}
}

// TestAPI_DetectsChanges proves the check can fail: a copy of this package
// with one signature, one name or one field changed gives a different API.
func TestAPI_DetectsChanges(t *testing.T) {
	t.Parallel()
	want, err := moduleAPI(".")
	require.NoError(t, err)
	tests := []struct {
		name      string
		file      string
		old, new  string
		wantInOut string // a line the diff must show
	}{
		{"a changed signature", "client.go", "func NewClient(opts ...Option) (*Client, error)", "func NewClient(opts ...any) (*Client, error)", "-pkg cloudflare, func NewClient(opts ...Option) (*Client, error)"},
		{"a renamed method", "user_invites.go", ") Accept(ctx", ") AcceptInvite(ctx", "+pkg cloudflare, method (*InviteService) AcceptInvite("},
		{"a removed field", "errors.go", "\tRayID string\n", "\trayID string\n", "-pkg cloudflare, field APIError.RayID string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyGoFiles(t, ".", dir)
			path := filepath.Join(dir, tt.file)
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Contains(t, string(src), tt.old, "the test's edit must apply")
			require.NoError(t, os.WriteFile(path, bytes.Replace(src, []byte(tt.old), []byte(tt.new), 1), 0o644))

			got, err := packageAPI(dir, "cloudflare")
			require.NoError(t, err)
			var rootWant []string
			for _, l := range want {
				if strings.HasPrefix(l, "pkg cloudflare, ") {
					rootWant = append(rootWant, l)
				}
			}
			diff := apiDiff(rootWant, got)
			assert.Contains(t, diff, tt.wantInOut)
		})
	}
}

// copyGoFiles copies the non-test Go files of src into dst.
func copyGoFiles(t *testing.T, src, dst string) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(src, "*.go"))
	require.NoError(t, err)
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, err := os.ReadFile(n)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, filepath.Base(n)), b, 0o644))
	}
}

// moduleAPI lists the exported API of every public package under root:
// every directory with non-test Go files, except main packages, internal/,
// testdata/, examples/, cmd/ and nested modules.
func moduleAPI(root string) ([]string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if path != root {
			if name == "internal" || name == "testdata" || name == "examples" || name == "cmd" || strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module, such as bench/
			}
		}
		importPath := modulePath
		if rel := filepath.ToSlash(path); rel != "." {
			importPath += "/" + rel
		}
		pkg, err := packageAPI(path, importPath)
		if err != nil {
			return err
		}
		lines = append(lines, pkg...)
		return nil
	})
	sort.Strings(lines)
	return lines, err
}

// packageAPI lists the exported identifiers of the package in dir, each as
// "pkg PATH, KIND SIGNATURE". It returns nothing for a main package or a
// directory without Go files.
func packageAPI(dir, importPath string) ([]string, error) {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	prefix := "pkg " + importPath + ", "
	if importPath == modulePath {
		prefix = "pkg cloudflare, "
	}
	var lines []string
	add := func(s string) { lines = append(lines, prefix+s) }
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if f.Name.Name == "main" {
			return nil, nil
		}
		for _, decl := range f.Decls {
			apiOfDecl(fset, decl, add)
		}
	}
	sort.Strings(lines)
	return lines, nil
}

func apiOfDecl(fset *token.FileSet, decl ast.Decl, add func(string)) {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() {
			return
		}
		sig := strings.TrimPrefix(node(fset, d.Type), "func")
		if d.Recv == nil {
			add("func " + d.Name.Name + sig)
			return
		}
		recv := node(fset, d.Recv.List[0].Type)
		if !ast.IsExported(strings.TrimLeft(strings.SplitN(recv, "[", 2)[0], "*")) {
			return
		}
		add("method (" + recv + ") " + d.Name.Name + sig)
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if s.Name.IsExported() {
					apiOfType(fset, s, add)
				}
			case *ast.ValueSpec:
				for i, n := range s.Names {
					if !n.IsExported() {
						continue
					}
					line := d.Tok.String() + " " + n.Name
					if s.Type != nil {
						line += " " + node(fset, s.Type)
					}
					if i < len(s.Values) && d.Tok == token.CONST {
						line += " = " + node(fset, s.Values[i])
					}
					add(line)
				}
			}
		}
	}
}

func apiOfType(fset *token.FileSet, s *ast.TypeSpec, add func(string)) {
	name := s.Name.Name
	if s.TypeParams != nil {
		name += node(fset, s.TypeParams)
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		add("type " + name + " struct")
		for _, f := range t.Fields.List {
			typ := node(fset, f.Type)
			if len(f.Names) == 0 {
				if ast.IsExported(strings.TrimPrefix(typ, "*")) {
					add("field " + s.Name.Name + "." + strings.TrimPrefix(typ, "*") + " embedded " + typ)
				}
				continue
			}
			for _, n := range f.Names {
				if n.IsExported() {
					add("field " + s.Name.Name + "." + n.Name + " " + typ)
				}
			}
		}
	case *ast.InterfaceType:
		add("type " + name + " interface")
		unexported := false
		for _, m := range t.Methods.List {
			if len(m.Names) == 0 {
				add("embedded " + s.Name.Name + " " + node(fset, m.Type))
				continue
			}
			for _, n := range m.Names {
				if n.IsExported() {
					add("method (" + s.Name.Name + ") " + n.Name + strings.TrimPrefix(node(fset, m.Type), "func"))
				} else {
					unexported = true
				}
			}
		}
		if unexported {
			add("type " + name + " interface, unexported methods")
		}
	default:
		eq := " "
		if s.Assign.IsValid() {
			eq = " = "
		}
		add("type " + name + eq + node(fset, s.Type))
	}
}

// node prints an AST node on one line.
func node(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, fset, n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// apiDiff returns the lines only in want ("-") and only in got ("+"), or "".
func apiDiff(want, got []string) string {
	in := func(list []string) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, l := range list {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for _, l := range want {
		if !g[l] {
			out = append(out, "-"+l)
		}
	}
	for _, l := range got {
		if !w[l] {
			out = append(out, "+"+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestVersionMatchesChangelog: the top version of CHANGELOG.md, under an
// "## [Unreleased]" section if there is one, is Version.
func TestVersionMatchesChangelog(t *testing.T) {
	t.Parallel()
	log, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	m := regexp.MustCompile(`\n## \[(\d[^\]]*)\]`).FindStringSubmatch(string(log))
	require.NotNil(t, m, "CHANGELOG.md has no version heading")
	assert.Equal(t, Version, m[1])
}
