package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

func clearCredentials(t *testing.T) {
	for _, name := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_BASE_URL"} {
		t.Setenv(name, "")
	}
}

// Without credentials the quickstart runs the whole flow against the
// embedded fake.
func TestDemoWithoutCredentials(t *testing.T) {
	clearCredentials(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), nil, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	out := stdout.String()
	for _, want := range []string{
		"using the embedded fake API at http://127.0.0.1:",
		"(set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY, to talk to the real API instead)",
		"Pending invitations: 2",
		"Accepting " + cloudflaretest.SeedInviteID,
		"now accepted",
		"Rejecting " + cloudflaretest.SeedPendingInviteID,
		"now rejected",
		"a second time gives a typed error",
		"errors.As → *cloudflare.APIError: status 400",
		"(that status and code are the fake's own: Cloudflare documents none for this)",
		"After answering:\nPending invitations: 0",
	} {
		assert.Contains(t, out, want)
	}
	// The fake's code for "no longer pending" is its own choice, not the
	// API's: the tour must not teach matching it.
	assert.NotContains(t, out, "HasCode")
	assert.Empty(t, stderr.String())
}

// With credentials it talks to the API they are for, and only lists unless
// told to answer.
func TestRealModeOnlyLists(t *testing.T) {
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	clearCredentials(t)
	t.Setenv("CLOUDFLARE_API_TOKEN", cloudflaretest.DefaultToken)
	t.Setenv("CLOUDFLARE_BASE_URL", srv.URL)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), nil, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "Pending invitations: 2")
	assert.Contains(t, stdout.String(), "Nothing answered")
	for _, r := range srv.Requests() {
		assert.Equal(t, http.MethodGet, r.Method, "only lists: %s %s", r.Method, r.Path)
	}
	inv, ok := srv.Invite(cloudflaretest.SeedInviteID)
	require.True(t, ok)
	assert.Equal(t, cloudflare.InviteStatusPending, inv.Status)

	stdout.Reset()
	code = run(context.Background(), []string{"-accept", cloudflaretest.SeedInviteID}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "is now accepted")
	inv, _ = srv.Invite(cloudflaretest.SeedInviteID)
	assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
}

func TestUsage(t *testing.T) {
	clearCredentials(t)
	for _, args := range [][]string{{"-accept", "a", "-reject", "b"}, {"extra"}, {"-nope"}} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), args, &stdout, &stderr), "args %q", args)
		assert.NotEmpty(t, stderr.String())
	}
}

// Without credentials, -accept and -reject are refused: the demo would
// silently ignore them.
func TestAnswerWithoutCredentialsIsRefused(t *testing.T) {
	clearCredentials(t)
	for _, args := range [][]string{{"-accept", cloudflaretest.SeedInviteID}, {"-reject", cloudflaretest.SeedInviteID}} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), args, &stdout, &stderr), "args %q", args)
		assert.Empty(t, stdout.String(), "the demo does not run")
		assert.Contains(t, stderr.String(), "need credentials")
		assert.Contains(t, stderr.String(), "the demo runs on the embedded fake API")
	}
}

// An email alone is not a credential: the demo runs.
func TestEmailAloneRunsTheDemo(t *testing.T) {
	clearCredentials(t)
	t.Setenv("CLOUDFLARE_EMAIL", "user@example.com")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), nil, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "using the embedded fake API")
}
