//go:build unix

package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// The tests of this file are about cloudflare-fake, the program, driven
// as other languages' tests would drive it.

func TestFakePrintsExportsAndStopsOnSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		f := startFake(t)
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+/client/v4/$`, f.exports["CLOUDFLARE_BASE_URL"])
		assert.Equal(t, cloudflaretest.DefaultToken, f.exports["CLOUDFLARE_API_TOKEN"])
		assert.Equal(t, strconv.Itoa(f.cmd.Process.Pid), f.exports["CLOUDFLARE_FAKE_PID"])
		assert.NotContains(t, f.exports, "CLOUDFLARE_API_KEY", "a key beside a token is refused by the SDK")
		assert.Contains(t, f.lines, "# export CLOUDFLARE_EMAIL="+cloudflaretest.DefaultEmail)
		assert.Contains(t, f.lines, "# export CLOUDFLARE_API_KEY="+cloudflaretest.DefaultAPIKey)

		r := cli(t, f.env(t), "list")
		assert.Equal(t, exitOK, r.code, r.stderr)
		assert.Len(t, lines(r.stdout), 4, "the default seed")

		r = f.stop(t, sig)
		assert.Equal(t, 0, r.code, "stopped by %v; stderr: %s", sig, r.stderr)
		assert.Empty(t, r.stderr)
	}
}

func TestFakeAuthKinds(t *testing.T) {
	t.Parallel()
	key := startFake(t, "--auth", "key")
	assert.Equal(t, cloudflaretest.DefaultEmail, key.exports["CLOUDFLARE_EMAIL"])
	assert.Equal(t, cloudflaretest.DefaultAPIKey, key.exports["CLOUDFLARE_API_KEY"])
	assert.NotContains(t, key.exports, "CLOUDFLARE_API_TOKEN")
	r := cli(t, key.env(t), "get", cloudflaretest.SeedInviteID)
	assert.Equal(t, exitOK, r.code, r.stderr)

	both := startFake(t, "--auth", "both")
	for _, name := range []string{"CLOUDFLARE_BASE_URL", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY", "CLOUDFLARE_API_TOKEN"} {
		assert.NotEmpty(t, both.exports[name], name)
	}
	r = cli(t, both.env(t), "list")
	assertUsage(t, r, "token") // the SDK refuses a key beside a token: why it is not the default
}

func TestFakePageSize(t *testing.T) {
	t.Parallel()
	f := startFake(t, "--page-size", "3")
	assert.Len(t, f.apiList(t), 3, "the fake pages")
	r := cli(t, f.env(t), "list")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, lines(r.stdout), 4, "and cfinvites reads every page")

	unpaged := startFake(t)
	all := unpaged.apiList(t)
	assert.Len(t, all, 4, "by default the list comes in one response")
	r = cli(t, f.env(t), "list", "--json")
	assert.Equal(t, exitOK, r.code, r.stderr)
	allJSON, err := json.Marshal(all)
	require.NoError(t, err)
	assert.JSONEq(t, string(allJSON), r.stdout, "the raw objects of every page, in order")
}

func TestFakeAddr(t *testing.T) {
	t.Parallel()
	f := startFake(t, "--addr", "localhost:0")
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/client/v4/$`, f.exports["CLOUDFLARE_BASE_URL"])
	r := cli(t, f.env(t), "get", cloudflaretest.SeedInviteID)
	assert.Equal(t, exitOK, r.code, r.stderr)
}

func TestFakeTLS(t *testing.T) {
	t.Parallel()
	cert := filepath.Join(t.TempDir(), "fake.pem")
	f := startFake(t, "--tls", "--cert-out", cert)
	assert.Regexp(t, `^https://127\.0\.0\.1:\d+/client/v4/$`, f.exports["CLOUDFLARE_BASE_URL"])
	data, err := os.ReadFile(cert)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block)
	parsed, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.NoError(t, parsed.VerifyHostname("127.0.0.1"))

	r := cli(t, f.env(t), "list")
	assert.Equal(t, exitError, r.code, "the certificate is not trusted by default")
	assert.Contains(t, r.stderr, "certificate")
	if runtime.GOOS != "linux" {
		t.Skip("SSL_CERT_FILE replaces Go's roots only on Linux and other Unix systems but macOS")
	}
	r = cli(t, append(f.env(t), "SSL_CERT_FILE="+cert), "list")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, lines(r.stdout), 4)
}

func TestFakeRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--seed", filepath.Join(dir, "missing.json")}, 2, "no such file"},
		{[]string{"--seed", write("object.json", `{"id":"a"}`)}, 2, "cannot unmarshal object"},
		{[]string{"--seed", write("null.json", `null`)}, 2, "not a JSON array"},
		{[]string{"--seed", write("typo.json", `[{"organisation_name":"x"}]`)}, 2, `unknown field "organisation_name"`},
		{[]string{"--seed", write("dup.json", `[{"id":"a"},{"id":"b"},{"id":"a"}]`)}, 2, `invitations 0 and 2 have the same id "a"`},
		{[]string{"--page-size", "-1"}, 2, "--page-size"},
		{[]string{"--cert-out", "x.pem"}, 2, "--cert-out goes with --tls"},
		{[]string{"--auth", "password"}, 2, "--auth"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--nope"}, 2, "flag provided but not defined"},
		{[]string{"--addr", "256.0.0.1:0"}, 1, "256.0.0.1"},
	}
	for _, tt := range tests {
		cmd, stdout, stderr := start(t, fakeBin, baseEnv(t), tt.args...)
		r := wait(t, cmd, stdout, stderr)
		assert.Equal(t, tt.code, r.code, "%q: %s", tt.args, r.stderr)
		assert.Empty(t, r.stdout, "%q", tt.args)
		assert.Len(t, lines(r.stderr), 1, "%q", tt.args)
		assert.True(t, strings.HasPrefix(r.stderr, "cloudflare-fake: "), r.stderr)
		assert.Contains(t, r.stderr, tt.want, "%q", tt.args)
	}
	cmd, stdout, stderr := start(t, fakeBin, baseEnv(t), "--help")
	r := wait(t, cmd, stdout, stderr)
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Usage: cloudflare-fake [flags]")
	assert.Empty(t, r.stderr)
}
