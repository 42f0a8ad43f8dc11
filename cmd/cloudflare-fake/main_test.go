package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// fake runs the command in-process until the test ends, and returns the
// lines it printed and the variables they export.
func fake(t *testing.T, args ...string) (lines []string, vars map[string]string) {
	ctx, cancel := context.WithCancel(context.Background())
	out, in := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, in, &stderr)
		_ = in.Close()
	}()
	printed, err := io.ReadAll(out) // ends when run closes stdout
	require.NoError(t, err)
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, 0, <-done, "exit status once stopped")
		assert.Empty(t, stderr.String())
	})
	vars = map[string]string{}
	lines = strings.Split(strings.TrimSuffix(string(printed), "\n"), "\n")
	for _, line := range lines {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
	}
	require.NotEmpty(t, vars["CLOUDFLARE_BASE_URL"], "%s", printed)
	return lines, vars
}

func TestExportedCredentialsAreAccepted(t *testing.T) {
	t.Parallel()
	const email, key, token = "ops@example.org", "0123456789abcdef0123456789abcdef01234567", "custom-token-0123456789abcdefghijklmnop"
	tests := []struct {
		args    []string
		want    []string            // the lines between the base URL and the PID
		refused []cloudflare.Option // credentials the fake refuses
	}{
		{
			want: []string{"export CLOUDFLARE_API_TOKEN=" + cloudflaretest.DefaultToken,
				"# The fake also accepts this email and key (the SDK refuses a key beside a token; --token '' exports them):",
				"# export CLOUDFLARE_EMAIL=" + cloudflaretest.DefaultEmail, "# export CLOUDFLARE_API_KEY=" + cloudflaretest.DefaultAPIKey},
			refused: []cloudflare.Option{cloudflare.WithAPIToken(token)},
		},
		{
			args:    []string{"--email", email, "--api-key", key, "--token", ""},
			want:    []string{"export CLOUDFLARE_EMAIL=" + email, "export CLOUDFLARE_API_KEY=" + key},
			refused: []cloudflare.Option{cloudflare.WithAPIToken(cloudflaretest.DefaultToken)},
		},
		{
			args:    []string{"--token", token, "--email", "", "--api-key", ""},
			want:    []string{"export CLOUDFLARE_API_TOKEN=" + token},
			refused: []cloudflare.Option{cloudflare.WithAPIEmail(cloudflaretest.DefaultEmail), cloudflare.WithAPIKey(cloudflaretest.DefaultAPIKey)},
		},
	}
	for _, tt := range tests {
		lines, vars := fake(t, tt.args...)
		assert.Equal(t, tt.want, lines[1:len(lines)-1], tt.args)
		assert.Equal(t, "export CLOUDFLARE_FAKE_PID="+strconv.Itoa(os.Getpid()), lines[len(lines)-1])
		exported := []cloudflare.Option{cloudflare.WithAPIToken(vars["CLOUDFLARE_API_TOKEN"])}
		if vars["CLOUDFLARE_API_TOKEN"] == "" {
			exported = []cloudflare.Option{cloudflare.WithAPIEmail(vars["CLOUDFLARE_EMAIL"]), cloudflare.WithAPIKey(vars["CLOUDFLARE_API_KEY"])}
		}
		for _, c := range []struct {
			creds []cloudflare.Option
			ok    bool
		}{{exported, true}, {tt.refused, false}} {
			client, err := cloudflare.NewClient(append(c.creds, cloudflare.WithBaseURL(vars["CLOUDFLARE_BASE_URL"]))...)
			require.NoError(t, err)
			_, err = client.User.Invites.Get(context.Background(), cloudflaretest.SeedInviteID)
			if c.ok {
				assert.NoError(t, err, tt.args)
			} else {
				assert.ErrorIs(t, err, cloudflare.ErrAuthentication, tt.args)
			}
		}
	}
}

// --seed and --page-size shape the list; POST /__fake/reset brings back
// the seed.
func TestSeedPagingAndReset(t *testing.T) {
	t.Parallel()
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`[{"id":"one","invited_member_id":null,"x_new":1},{"id":"two","status":"accepted"},{"id":"three"}]`), 0o644))
	_, vars := fake(t, "--seed", seed, "--page-size", "2")
	client, err := cloudflare.NewClient(cloudflare.WithBaseURL(vars["CLOUDFLARE_BASE_URL"]), cloudflare.WithAPIToken(vars["CLOUDFLARE_API_TOKEN"]))
	require.NoError(t, err)
	ctx := context.Background()
	page, info, err := client.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page, 2)
	assert.Equal(t, 3, info.TotalCount)
	var ids []string
	for inv, err := range client.User.Invites.All(ctx) {
		require.NoError(t, err)
		ids = append(ids, inv.ID+" "+string(inv.Status))
	}
	assert.Equal(t, []string{"one pending", "two accepted", "three pending"}, ids)

	_, err = client.User.Invites.Accept(ctx, "one")
	require.NoError(t, err)
	resp, err := http.Post(strings.TrimSuffix(vars["CLOUDFLARE_BASE_URL"], "/client/v4/")+"/__fake/reset", "", nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	inv, err := client.User.Invites.Get(ctx, "one")
	require.NoError(t, err)
	assert.Equal(t, cloudflare.InviteStatusPending, inv.Status, "reset")
}

func TestTLSAndCertOut(t *testing.T) {
	t.Parallel()
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	_, vars := fake(t, "--tls", "--cert-out", certFile)
	require.True(t, strings.HasPrefix(vars["CLOUDFLARE_BASE_URL"], "https://127.0.0.1:"), vars["CLOUDFLARE_BASE_URL"])
	pemData, err := os.ReadFile(certFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemData))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	client, err := cloudflare.NewClient(cloudflare.WithBaseURL(vars["CLOUDFLARE_BASE_URL"]),
		cloudflare.WithAPIToken(vars["CLOUDFLARE_API_TOKEN"]), cloudflare.WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = client.User.Invites.Get(context.Background(), cloudflaretest.SeedInviteID)
	assert.NoError(t, err)
}

func TestBadUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`[{"id":"x","status":"bogus"}]`), 0o644))
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--nope"}, 2, "flag provided but not defined: -nope (see cloudflare-fake --help)"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--cert-out", "x.pem"}, 2, "--cert-out goes with --tls"},
		{[]string{"--page-size", "-1"}, 2, "WithPageSize"},
		{[]string{"--token", "short"}, 2, "WithToken"},
		{[]string{"--email", ""}, 2, "--email and --api-key go together"},
		{[]string{"--token", "", "--api-key", ""}, 2, "--email and --api-key go together"},
		{[]string{"--token", "", "--email", "", "--api-key", ""}, 2, "cloudflare-fake: no credentials: give --token, or --email and --api-key, or leave them out for the defaults (see cloudflare-fake --help)\n"},
		{[]string{"--seed", filepath.Join(dir, "missing.json")}, 2, "--seed: open"},
		{[]string{"--seed", bad}, 2, `unknown Status "bogus"`},
		{[]string{"--addr", "256.0.0.1:0"}, 1, "256.0.0.1"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, tt.code, run(context.Background(), tt.args, &stdout, &stderr), tt.args)
		assert.Empty(t, stdout.String(), tt.args)
		assert.True(t, strings.HasPrefix(stderr.String(), "cloudflare-fake: "), stderr.String())
		assert.Contains(t, stderr.String(), tt.stderr, tt.args)
	}
	var stdout bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"--help"}, &stdout, io.Discard))
	assert.Equal(t, usage, stdout.String())
	assert.Contains(t, usage, "POST /__fake/reset")
}
