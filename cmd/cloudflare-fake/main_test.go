package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// The built program is driven end to end by cmd/cfinvites' tests; these
// run it in-process.

func TestRunServesUntilCancelledAndClosesStdout(t *testing.T) {
	t.Parallel()
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`[{"id":"only-one","invited_member_id":null,"status":"pending"}]`), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	out, in := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--seed", seed, "--page-size", "5"}, in, &stderr) }()

	printed, err := io.ReadAll(out) // ends when run closes stdout
	require.NoError(t, err)
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(printed)), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
	}
	client, err := cloudflare.NewClient(cloudflare.WithBaseURL(vars["CLOUDFLARE_BASE_URL"]), cloudflare.WithAPIToken(vars["CLOUDFLARE_API_TOKEN"]))
	require.NoError(t, err)
	invites, info, err := client.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, invites, 1)
	assert.Equal(t, "only-one", invites[0].ID)
	assert.Equal(t, 5, info.PerPage, "--page-size")

	cancel()
	assert.Equal(t, 0, <-done)
	assert.Empty(t, stderr.String())
}

func TestExports(t *testing.T) {
	t.Parallel()
	got := exports("http://127.0.0.1:1/client/v4/", "token")
	assert.Contains(t, got, "export CLOUDFLARE_BASE_URL=http://127.0.0.1:1/client/v4/\n")
	assert.Contains(t, got, "export CLOUDFLARE_API_TOKEN="+cloudflaretest.DefaultToken+"\n")
	assert.Contains(t, got, "\n# export CLOUDFLARE_API_KEY="+cloudflaretest.DefaultAPIKey+"\n")
	assert.Regexp(t, `export CLOUDFLARE_FAKE_PID=\d+\n$`, got)
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/client/v4/": "http://127.0.0.1:8080/client/v4/",
		"user@example.com":                 "user@example.com",
		"":                                 "''",
		"a b":                              "'a b'",
		"it's":                             `'it'\''s'`,
		"$HOME":                            "'$HOME'",
	} {
		assert.Equal(t, want, shellQuote(in), "%q", in)
	}
}

// TestParseArgsRefuses: what the usage text says is refused is, with the
// message it names; --page-size 0 among them, as WithPageSize(0) is.
func TestParseArgsRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--page-size", "0"}, "--page-size must be at least 1"},
		{[]string{"--page-size", "-1"}, "--page-size must be at least 1"},
		{[]string{"--cert-out", "x.pem"}, "--cert-out goes with --tls"},
		{[]string{"--auth", "password"}, `--auth "password": give token, key or both`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		_, err := parseArgs(tt.args)
		require.Error(t, err, "%q", tt.args)
		assert.Equal(t, tt.want, err.Error(), "%q", tt.args)
	}
	cfg, err := parseArgs(nil)
	require.NoError(t, err)
	assert.Zero(t, cfg.pageSize, "no --page-size: the list is not paged")
}
