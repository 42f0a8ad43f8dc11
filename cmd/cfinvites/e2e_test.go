//go:build unix

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertUsage checks a run refused before sending anything: exit 2, nothing
// on stdout, one line on stderr.
func assertUsage(t *testing.T, r result, want string) {
	t.Helper()
	assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
	assert.Empty(t, r.stdout)
	if assert.Len(t, lines(r.stderr), 1, "stderr: %s", r.stderr) {
		assert.True(t, strings.HasPrefix(r.stderr, "cfinvites: "), r.stderr)
		assert.Contains(t, r.stderr, want)
	}
}

// assertErrorLines checks that stderr is n lines, each starting with
// "cfinvites: ".
func assertErrorLines(t *testing.T, stderr string, n int) {
	t.Helper()
	got := lines(stderr)
	assert.Len(t, got, n, "stderr: %s", stderr)
	for _, l := range got {
		assert.True(t, strings.HasPrefix(l, "cfinvites: "), "line %q", l)
	}
}

// TestScript uses cloudflare-fake and cfinvites as a shell script would,
// in order, on one fake: list, answer several, answer every pending
// invitation of an organization, fail, and check the fake's state.
func TestScript(t *testing.T) {
	t.Parallel()
	f := startFake(t, "--seed", "testdata/seed.json")
	env := f.env(t)

	// list: one tab-separated line per invitation.
	r := cli(t, env, "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assert.Equal(t, []string{
		"inv-a1\tpending\torg-a\tOrg A\tAdministrator",
		"inv-a2\tpending\torg-a\tOrg A\tAdministrator",
		"inv-b1\tpending\torg-b\tOrg B\tDNS,Billing",
		"inv-c1\tpending\torg-c\tOrg C\tAdministrator",
		"inv-c2\taccepted\torg-c\tOrg C\tAdministrator",
		"inv-d1\texpired\torg-d\tOrg D\tAdministrator",
		"inv-e1\tpending\torg-e\tOrg E\tAdministrator",
	}, lines(r.stdout))

	// list --json: exactly the API's objects, null included.
	r = cli(t, env, "list", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	api := f.apiList(t)
	apiJSON, err := json.Marshal(api)
	require.NoError(t, err)
	assert.JSONEq(t, string(apiJSON), r.stdout)
	assert.Contains(t, r.stdout, `"invited_member_id": null`)

	// get --json: the API's object.
	r = cli(t, env, "--json", "get", "inv-a1")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.JSONEq(t, string(api[0]), r.stdout)

	// accept several, flags between the IDs.
	r = cli(t, env, "accept", "inv-a1", "--json", "inv-b1")
	require.Equal(t, exitOK, r.code, r.stderr)
	var answered []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &answered))
	require.Len(t, answered, 2)
	assert.Equal(t, "inv-a1", answered[0]["id"])
	assert.Equal(t, "accepted", answered[0]["status"])
	assert.Nil(t, answered[0]["invited_member_id"])
	assert.Equal(t, "inv-b1", answered[1]["id"])

	// every pending invitation of one organization.
	r = cli(t, env, "accept", "--all-pending", "--org", "org-c")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, []string{"inv-c1\taccepted\torg-c\tOrg C\tAdministrator"}, lines(r.stdout))
	assert.Equal(t, map[string]string{
		"inv-a1": "accepted", "inv-a2": "pending", "inv-b1": "accepted", "inv-c1": "accepted",
		"inv-c2": "accepted", "inv-d1": "expired", "inv-e1": "pending",
	}, f.statuses(t))

	// several IDs, some failing: each outcome printed, exit 1.
	r = cli(t, env, "accept", "inv-b1", "inv-e1", "inv-zz")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, []string{"inv-e1\taccepted\torg-e\tOrg E\tAdministrator"}, lines(r.stdout))
	assertErrorLines(t, r.stderr, 2)
	assert.Contains(t, r.stderr, "cfinvites: cloudflare: PATCH /client/v4/user/invites/inv-b1: 400")
	assert.Contains(t, r.stderr, "cfinvites: cloudflare: PATCH /client/v4/user/invites/inv-zz: 404")

	// the same with --json: stdout stays valid JSON.
	r = cli(t, env, "--json", "reject", "inv-zz")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, "[]\n", r.stdout)
	assertErrorLines(t, r.stderr, 1)

	// a bad ID among good ones: nothing is sent.
	r = cli(t, env, "reject", "inv-a2", "bad/id")
	assertUsage(t, r, `invitation ID "bad/id"`)
	assert.Equal(t, "pending", f.statuses(t)["inv-a2"])

	// every pending invitation left, then none left.
	r = cli(t, env, "reject", "--all-pending", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &answered))
	require.Len(t, answered, 1)
	assert.Equal(t, "inv-a2", answered[0]["id"])
	assert.Equal(t, "rejected", answered[0]["status"])
	r = cli(t, env, "accept", "--all-pending", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "[]\n", r.stdout)

	// errors that are not the command line's.
	r = cli(t, env, "get", "inv-zz")
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout)
	assertErrorLines(t, r.stderr, 1)
	assert.Contains(t, r.stderr, "404")
	wrongToken := append(baseEnv(t), "CLOUDFLARE_BASE_URL="+f.exports["CLOUDFLARE_BASE_URL"], "CLOUDFLARE_API_TOKEN="+strings.Repeat("x", 40))
	r = cli(t, wrongToken, "list")
	assert.Equal(t, exitError, r.code)
	assertErrorLines(t, r.stderr, 1)
	assert.Contains(t, r.stderr, "403")
	assert.NotContains(t, r.stderr, strings.Repeat("x", 40), "no secret in an error")

	assert.Equal(t, map[string]string{
		"inv-a1": "accepted", "inv-a2": "rejected", "inv-b1": "accepted", "inv-c1": "accepted",
		"inv-c2": "accepted", "inv-d1": "expired", "inv-e1": "accepted",
	}, f.statuses(t))
}

func TestUsageAndHelp(t *testing.T) {
	t.Parallel()
	env := append(baseEnv(t), "CLOUDFLARE_BASE_URL=http://127.0.0.1:1/client/v4/", "CLOUDFLARE_API_TOKEN="+strings.Repeat("t", 40))
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"list", "--help"}} {
		r := cli(t, env, args...)
		assert.Equal(t, exitOK, r.code, "%q", args)
		assert.Contains(t, r.stdout, "Usage:\n  cfinvites [flags] list", "%q", args)
		assert.Contains(t, r.stdout, "Exit status:", "%q", args)
		assert.Empty(t, r.stderr, "%q", args)
	}
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"list", "extra"}, "list takes no argument"},
		{[]string{"accept"}, "accept needs invitation IDs"},
		{[]string{"--bogus", "list"}, "flag provided but not defined: -bogus"},
		{[]string{"get", "a/b"}, `invitation ID "a/b"`},
		{[]string{"get", strings.Repeat("a", 33)}, "longer than 32"},
		{[]string{"list", "--base-url", "http://example.com/client/v4/"}, "WithBaseURL"},
	}
	for _, tt := range tests {
		assertUsage(t, cli(t, env, tt.args...), tt.want)
	}
	r := cli(t, baseEnv(t), "list")
	assertUsage(t, r, "no credentials")
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	noCredentials := append(baseEnv(t), "CLOUDFLARE_BASE_URL="+f.exports["CLOUDFLARE_BASE_URL"])
	base := f.exports["CLOUDFLARE_BASE_URL"]

	r := cli(t, noCredentials, "accept", "--dry-run", "4f5f0c14a2a41d5063dd301b2f829f04", "b3e1c7a29d5f4e80a6c2d9f1e4b7a035")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, []string{
		"PATCH " + base + `user/invites/4f5f0c14a2a41d5063dd301b2f829f04 {"status":"accepted"}`,
		"PATCH " + base + `user/invites/b3e1c7a29d5f4e80a6c2d9f1e4b7a035 {"status":"accepted"}`,
	}, lines(r.stdout))
	assert.Empty(t, r.stderr)

	r = cli(t, noCredentials, "--dry-run", "--json", "reject", "--all-pending", "--org", "org-a", "--org", "org-b")
	require.Equal(t, exitOK, r.code, r.stderr)
	var plan []struct {
		Method  string
		URL     string
		Body    map[string]string
		ForEach *struct {
			Status          string   `json:"status"`
			OrganizationIDs []string `json:"organization_ids"`
		} `json:"for_each"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &plan), r.stdout)
	require.Len(t, plan, 2)
	assert.Equal(t, "GET", plan[0].Method)
	assert.True(t, strings.HasPrefix(plan[0].URL, base+"user/invites"), plan[0].URL)
	assert.Equal(t, "PATCH", plan[1].Method)
	assert.Equal(t, base+"user/invites/{invite_id}", plan[1].URL)
	assert.Equal(t, map[string]string{"status": "rejected"}, plan[1].Body)
	require.NotNil(t, plan[1].ForEach)
	assert.Equal(t, "pending", plan[1].ForEach.Status)
	assert.Equal(t, []string{"org-a", "org-b"}, plan[1].ForEach.OrganizationIDs)

	r = cli(t, noCredentials, "list", "--dry-run", "--base-url", "http://127.0.0.1:9/other/")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "GET http://127.0.0.1:9/other/user/invites"), r.stdout)

	assertUsage(t, cli(t, noCredentials, "get", "--dry-run", "a.b"), `invitation ID "a.b"`)
	assert.Equal(t, "pending", f.statuses(t)["4f5f0c14a2a41d5063dd301b2f829f04"], "a dry run sends nothing")
}
