//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// TestSignalsStopCleanly answers three invitations, the second of which
// never gets a response, and signals cfinvites while it waits: the first
// is printed, the second reported as possibly made, the third not sent,
// and the exit status says which signal.
func TestSignalsStopCleanly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sig  os.Signal
		name string
		code int
		json bool
	}{
		{syscall.SIGINT, "SIGINT", 130, false},
		{syscall.SIGTERM, "SIGTERM", 143, false},
		{syscall.SIGINT, "SIGINT", 130, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s json=%v", tt.name, tt.json), func(t *testing.T) {
			t.Parallel()
			srv := cloudflaretest.NewServer(cloudflaretest.WithSeed(
				cloudflaretest.Invite{ID: "one"}, cloudflaretest.Invite{ID: "two"}, cloudflaretest.Invite{ID: "three"}))
			t.Cleanup(srv.Close)
			srv.FailNext(1, cloudflaretest.Slow(time.Hour), cloudflaretest.OnInvite("two"))
			env := append(baseEnv(t), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+cloudflaretest.DefaultToken)
			args := []string{"accept", "one", "two", "three"}
			if tt.json {
				args = append(args, "--json")
			}
			cmd, stdout, stderr := start(t, cfinvites, env, args...)
			require.Eventually(t, func() bool { return len(srv.Requests()) == 2 }, 10*time.Second, time.Millisecond, "the PATCH of two arrives")
			require.NoError(t, cmd.Process.Signal(tt.sig))
			r := wait(t, cmd, stdout, stderr)

			assert.Equal(t, tt.code, r.code)
			if tt.json {
				var got []map[string]any
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), "stdout stays valid JSON: %s", r.stdout)
				require.Len(t, got, 1)
				assert.Equal(t, "one", got[0]["id"])
			} else {
				require.Len(t, lines(r.stdout), 1)
				assert.Regexp(t, `^one\taccepted\t`, r.stdout)
			}
			assert.Equal(t, []string{
				"cfinvites: accept two: stopped by " + tt.name + " before the response came; it may have taken effect",
				"cfinvites: accept three: not sent: stopped by " + tt.name,
				"cfinvites: stopped by " + tt.name,
			}, lines(r.stderr))
			inv, _ := srv.Invite("three")
			assert.Equal(t, cloudflaretest.StatusPending, inv.Status)
			assert.Len(t, srv.Requests(), 2, "nothing is sent after the signal")
		})
	}
}

// TestSignalWhileListing: a list stopped by a signal prints nothing on
// stdout, and exits 130.
func TestSignalWhileListing(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	srv.FailNext(1, cloudflaretest.Slow(time.Hour))
	env := append(baseEnv(t), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+cloudflaretest.DefaultToken)
	cmd, stdout, stderr := start(t, cfinvites, env, "list", "--json")
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	r := wait(t, cmd, stdout, stderr)
	assert.Equal(t, 130, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, []string{
		"cfinvites: list: stopped by SIGINT before the response came",
		"cfinvites: stopped by SIGINT",
	}, lines(r.stderr))
}

// TestTimeout: --timeout bounds the whole command; running out is an
// error (1), not a signal.
func TestTimeout(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	srv.FailNext(1, cloudflaretest.Slow(time.Hour), cloudflaretest.OnMethod("PATCH"))
	env := append(baseEnv(t), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+cloudflaretest.DefaultToken)
	r := cli(t, env, "--timeout", "200ms", "reject", cloudflaretest.SeedInviteID, cloudflaretest.SeedPendingInviteID)
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, []string{
		"cfinvites: reject " + cloudflaretest.SeedInviteID + ": timed out (--timeout) before the response came; it may have taken effect",
		"cfinvites: reject " + cloudflaretest.SeedPendingInviteID + ": not sent: timed out (--timeout)",
	}, lines(r.stderr))
}

// TestJSONAfterAnUncertainResponse: when the response to a PATCH is lost
// after it took effect, the SDK reads the invitation to confirm it; --json
// then prints the object of that read, the last the SDK decoded.
func TestJSONAfterAnUncertainResponse(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	lost := cloudflaretest.ServerError(503)
	lost.Commit = true
	srv.FailNext(1, lost, cloudflaretest.OnMethod("PATCH"))
	env := append(baseEnv(t), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+cloudflaretest.DefaultToken)
	r := cli(t, env, "accept", "--json", cloudflaretest.SeedPendingInviteID)
	require.Equal(t, exitOK, r.code, r.stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
	require.Len(t, got, 1)
	assert.Equal(t, cloudflaretest.SeedPendingInviteID, got[0]["id"])
	assert.Equal(t, "accepted", got[0]["status"])
	assert.Nil(t, got[0]["invited_member_id"])
	var seen []string
	for _, req := range srv.Requests() {
		seen = append(seen, fmt.Sprintf("%s %d", req.Method, req.Status))
	}
	assert.Equal(t, []string{"PATCH 503", "PATCH 400", "GET 200"}, seen)
}
