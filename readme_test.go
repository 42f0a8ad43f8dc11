package cloudflare_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README test keeps README.md honest, whatever it holds when the test
// runs: its Go blocks parse, and every identifier of this module it names
// exists in api.txt.

// readmeAPI returns the names api.txt declares, as the README writes them:
// "cloudflare.NewClient", "cloudflaretest.NewServer", "InviteService.Accept".
func readmeAPI(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("api.txt")
	require.NoError(t, err)
	decl := regexp.MustCompile(`^pkg (?:\S*/)?(\w+), (?:const|var|func|type) (\w+)`)
	member := regexp.MustCompile(`^pkg (?:\S*/)?(\w+), (?:method \(\*?(\w+)\) (\w+)|field (\w+)\.(\w+))`)
	names := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := decl.FindStringSubmatch(line); m != nil {
			names[m[1]+"."+m[2]] = true
		} else if m := member.FindStringSubmatch(line); m != nil {
			names[m[2]+m[4]+"."+m[3]+m[5]] = true
		}
	}
	require.True(t, names["cloudflare.NewClient"] && names["InviteService.Accept"], "api.txt is read")
	return names
}

func TestREADME_NamesExist(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	api := readmeAPI(t)
	var missing []string
	// check finds re's matches and looks their names up with any of prefixes.
	check := func(re string, prefixes ...string) {
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(string(readme), -1) {
			name := strings.Join(m[1:], ".")
			if !slices.ContainsFunc(prefixes, func(p string) bool { return api[p+name] }) && !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
		}
	}
	check(`\b(cloudflare|cloudflaretest)\.([A-Z]\w*)`, "")         // cloudflare.X, cloudflaretest.X
	check(`\.User\.Invites\.([A-Z]\w*)`, "InviteService.")         // client.User.Invites.M
	check("`(With[A-Z]\\w*)\\b", "cloudflare.", "cloudflaretest.") // `WithX` in prose
	check(`\b(?:client|tenant|c)\.(With|Do)\(`, "Client.")         // client.With, client.Do
	check(`\bsrv\.([A-Z]\w*)\(`, "Server.")                        // the fake's methods
	assert.Empty(t, missing, "README.md names what api.txt does not declare")
}

func TestREADME_GoBlocksParse(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "README.md has Go blocks")
	for i, b := range blocks {
		src := b[1]
		// A block is a file's declarations, or statements of a function.
		_, declErr := parser.ParseFile(token.NewFileSet(), "readme.go", "package p\n"+src, 0)
		_, stmtErr := parser.ParseFile(token.NewFileSet(), "readme.go", "package p\nfunc _() {\n"+src+"\n}", 0)
		if declErr != nil && stmtErr != nil {
			t.Errorf("README Go block %d does not parse: %v\n%s", i+1, stmtErr, src)
		}
	}
}

// TestREADME_NamesExamples: the README names every runnable example of
// package cloudflare, and only examples that exist, in either package.
func TestREADME_NamesExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	examples := map[string][]string{} // file: its Example functions
	files := []string{"example_test.go", "example_do_test.go", "cloudflaretest/example_test.go"}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && strings.HasPrefix(fn.Name.Name, "Example") {
				examples[file] = append(examples[file], fn.Name.Name)
			}
		}
	}
	require.NotEmpty(t, examples["example_test.go"])
	named := regexp.MustCompile("`(Example\\w*)`").FindAllStringSubmatch(string(readme), -1)
	var names []string
	for _, m := range named {
		names = append(names, m[1])
		assert.True(t, slices.ContainsFunc(files, func(f string) bool { return slices.Contains(examples[f], m[1]) }),
			"README.md names %s, which no example file declares", m[1])
	}
	for _, f := range files {
		for _, ex := range examples[f] {
			assert.Contains(t, names, ex, "README.md does not name the example of %s", f)
		}
	}
}
