package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// acceptedInvite has a null and a field the SDK does not know: both are
// printed as sent.
const acceptedInvite = `{"id":"4f5f0c14a2a41d5063dd301b2f829f04","invited_member_id":null,"organization_id":"5a7805061c76ada191ed06f989cc3dac","status":"accepted","roles":["Account Administrator"],"x_new":{"k":[1,null]}}`

const acceptedBody = `{"success":true,"errors":[],"messages":[],"result":` + acceptedInvite + `}`

const notFoundBody = `{"success":false,"errors":[{"code":1003,"message":"Invite not found"}],"messages":[],"result":null}`

// The tests set environment variables, so none runs in parallel.
func TestRun(t *testing.T) {
	var requests atomic.Int32
	var gotBody atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		b, _ := io.ReadAll(r.Body)
		gotBody.Store(string(b))
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/client/v4/user/invites/4f5f0c14a2a41d5063dd301b2f829f04" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, notFoundBody)
			return
		}
		_, _ = io.WriteString(w, acceptedBody)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name         string
		env          map[string]string
		args         []string
		wantCode     int
		wantStdout   string
		wantStderr   string
		wantRequests int32
	}{
		{name: "accepted", args: []string{"-id", "4f5f0c14a2a41d5063dd301b2f829f04", "-status", "accepted"}, wantCode: 0, wantStdout: acceptedInvite, wantRequests: 1},
		{name: "API error", args: []string{"-id", "unknown", "-status", "rejected"}, wantCode: 1, wantStderr: "404 Not Found: 1003 Invite not found", wantRequests: 1},
		{name: "bad status", args: []string{"-id", "abc", "-status", "bogus"}, wantCode: 2, wantStderr: "invalid status"},
		{name: "bad id", args: []string{"-id", "../tokens", "-status", "accepted"}, wantCode: 2, wantStderr: "invalid invite_id"},
		{name: "missing flag", args: []string{"-id", "abc"}, wantCode: 2, wantStderr: "usage: respond-invite"},
		{name: "unknown flag", args: []string{"-nope"}, wantCode: 2, wantStderr: "flag provided but not defined"},
		{name: "no credentials", env: map[string]string{"CLOUDFLARE_API_TOKEN": ""}, args: []string{"-id", "abc", "-status", "accepted"}, wantCode: 2, wantStderr: "no credentials: give WithAPIToken, or WithAPIEmail and WithAPIKey, or set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CLOUDFLARE_BASE_URL", srv.URL+"/client/v4/")
			t.Setenv("CLOUDFLARE_API_TOKEN", "test-token-123")
			t.Setenv("CLOUDFLARE_EMAIL", "")
			t.Setenv("CLOUDFLARE_API_KEY", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			requests.Store(0)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, "stderr: %s", stderr.String())
			assert.Equal(t, tt.wantRequests, requests.Load())
			if tt.wantStdout != "" {
				assert.JSONEq(t, tt.wantStdout, stdout.String())
				assert.Contains(t, stdout.String(), `"invited_member_id": null`)
				assert.Empty(t, stderr.String())
			} else {
				assert.Empty(t, stdout.String())
			}
			if tt.wantStderr != "" {
				assert.Contains(t, stderr.String(), tt.wantStderr)
			}
			if tt.wantCode == 0 {
				assert.Equal(t, `{"status":"accepted"}`, gotBody.Load())
			}
		})
	}
}
