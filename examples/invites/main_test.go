package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// binary is the invites command, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "invites-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "invites")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building the invites command: " + err.Error())
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the built command with only the given environment variables.
func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	require.NoError(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("command did not finish within 30s")
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func keyEnv() []string {
	return []string{"CLOUDFLARE_EMAIL=" + cloudflaretest.DefaultEmail, "CLOUDFLARE_API_KEY=" + cloudflaretest.DefaultAPIKey}
}

func newPending(t *testing.T, srv *cloudflaretest.Server) string {
	t.Helper()
	inv := srv.AddInvite(cloudflaretest.Invite{
		OrganizationName: "CLI Test Org",
		Status:           "pending",
		ExpiresOn:        time.Now().Add(24 * time.Hour),
		Roles:            []string{"Administrator"},
	})
	require.NotEmpty(t, inv.ID)
	return inv.ID
}

func TestCLI(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	base := "-base-url=" + srv.URL

	t.Run("list prints one line per invitation", func(t *testing.T) {
		r := runCLI(t, keyEnv(), base, "list")
		require.Equal(t, 0, r.code, r.stderr)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		assert.Len(t, lines, len(srv.Invites()))
		assert.Empty(t, r.stderr)
	})
	t.Run("list -json prints every invitation", func(t *testing.T) {
		r := runCLI(t, keyEnv(), base, "-json", "list")
		require.Equal(t, 0, r.code, r.stderr)
		var got []map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
		assert.Len(t, got, len(srv.Invites()))
	})
	t.Run("get -json", func(t *testing.T) {
		id := newPending(t, srv)
		r := runCLI(t, keyEnv(), base, "-json", "get", id)
		require.Equal(t, 0, r.code, r.stderr)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
		assert.Equal(t, id, got["id"])
		assert.Equal(t, "pending", got["status"])
	})
	t.Run("accept then accept again", func(t *testing.T) {
		id := newPending(t, srv)
		r := runCLI(t, keyEnv(), base, "accept", id)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, id+"\taccepted\t")
		inv, ok := srv.Invite(id)
		require.True(t, ok)
		assert.Equal(t, cloudflaretest.StatusAccepted, inv.Status)

		r = runCLI(t, keyEnv(), base, "accept", id)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "cloudflare: PATCH ")
		assert.Empty(t, r.stdout)
	})
	t.Run("reject", func(t *testing.T) {
		id := newPending(t, srv)
		r := runCLI(t, keyEnv(), base, "-json", "reject", id)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, `"status": "rejected"`)
	})
	t.Run("unknown invitation is an API error", func(t *testing.T) {
		r := runCLI(t, keyEnv(), base, "get", "00000000000000000000000000000000")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "404")
	})
	t.Run("wrong key is an API error and is not printed", func(t *testing.T) {
		env := []string{"CLOUDFLARE_EMAIL=" + cloudflaretest.DefaultEmail, "CLOUDFLARE_API_KEY=0123456789abcdef0123456789abcdef01234"}
		r := runCLI(t, env, base, "list")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "403")
		assert.NotContains(t, r.stderr, "0123456789abcdef0123456789abcdef01234")
	})
}

func TestCLIUsageAndValidation(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	base := "-base-url=" + srv.URL
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantStderr string
	}{
		{"no command", keyEnv(), []string{base}, "usage: invites"},
		{"unknown command", keyEnv(), []string{base, "delete", "abc"}, "usage: invites"},
		{"get without ID", keyEnv(), []string{base, "get"}, "usage: invites"},
		{"extra argument", keyEnv(), []string{base, "list", "x"}, "usage: invites"},
		{"unknown flag", keyEnv(), []string{"-nope", "list"}, "flag provided but not defined"},
		{"invalid ID", keyEnv(), []string{base, "accept", "../../tokens"}, "invalid invite_id"},
		{"ID too long", keyEnv(), []string{base, "get", strings.Repeat("a", 33)}, "longer than 32"},
		{"no credentials", nil, []string{base, "list"}, "no credentials"},
		{"bad base URL", keyEnv(), []string{"-base-url=ftp://example.com/", "list"}, "scheme must be http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetRequests()
			r := runCLI(t, tt.env, tt.args...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.wantStderr)
			assert.Empty(t, r.stdout)
		})
	}
	// The subtests run one after another, so no request from them may have
	// reached the server.
	assert.Empty(t, srv.Requests())
}

func TestCLIDryRun(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	id := newPending(t, srv)
	srv.ResetRequests()

	r := runCLI(t, keyEnv(), "-base-url="+srv.URL, "-dry-run", "accept", id)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "PATCH "+srv.URL+"user/invites/"+id+"\n")
	assert.Contains(t, r.stdout, "X-Auth-Key: [masked]\n")
	assert.Contains(t, r.stdout, "X-Auth-Email: "+cloudflaretest.DefaultEmail+"\n")
	assert.Contains(t, r.stdout, "Content-Type: application/json\n")
	assert.Contains(t, r.stdout, `{"status":"accepted"}`)
	assert.NotContains(t, r.stdout, cloudflaretest.DefaultAPIKey)
	assert.Empty(t, srv.Requests(), "a dry run sends nothing")
	inv, ok := srv.Invite(id)
	require.True(t, ok)
	assert.Equal(t, cloudflaretest.StatusPending, inv.Status)

	tokenEnv := []string{"CLOUDFLARE_API_TOKEN=" + cloudflaretest.DefaultToken}
	r = runCLI(t, tokenEnv, "-base-url="+srv.URL, "-dry-run", "list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "GET "+srv.URL+"user/invites?page=1&per_page=50\n")
	assert.Contains(t, r.stdout, "Authorization: [masked]\n")
	assert.NotContains(t, r.stdout, cloudflaretest.DefaultToken)
}
