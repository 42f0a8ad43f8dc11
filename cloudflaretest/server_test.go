package cloudflaretest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func TestNewServerListensOnLoopbackUnderPrefix(t *testing.T) {
	t.Parallel()
	f := setup(t)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/client/v4/$`, f.srv.URL)
	assert.Equal(t, f.srv.URL, f.client.BaseURL())
}

func TestDefaultCredentialsHaveRealShapes(t *testing.T) {
	t.Parallel()
	assert.Regexp(t, `^[0-9a-f]{37}$`, DefaultAPIKey)
	assert.Regexp(t, `^[A-Za-z0-9_-]{40}$`, DefaultToken)
	assert.True(t, wellFormedEmail(DefaultEmail))
	assert.True(t, wellFormedKey(DefaultAPIKey))
	assert.True(t, wellFormedToken(DefaultToken))
}

func TestNewServerPanicsOnBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []ServerOption
		want string
	}{
		{"nil option", []ServerOption{nil}, "nil ServerOption"},
		{"nil clock", []ServerOption{WithNow(nil)}, "nil clock"},
		{"negative latency", []ServerOption{WithLatency(-time.Second)}, "negative"},
		{"email without key", []ServerOption{WithCredentials("a@b.c", "")}, "both an email and a key"},
		{"key without email", []ServerOption{WithCredentials("", DefaultAPIKey)}, "both an email and a key"},
		{"bad email", []ServerOption{WithCredentials("nobody", DefaultAPIKey)}, "email does not look like one"},
		{"bad key", []ServerOption{WithCredentials(DefaultEmail, "not-hex")}, "not 32 to 64 hexadecimal"},
		{"bad token", []ServerOption{WithToken("short")}, "WithToken"},
		{"no credentials", []ServerOption{WithCredentials("", ""), WithToken("")}, "no credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := newServerPanic(tt.opts)
			assert.True(t, strings.HasPrefix(msg, "cloudflaretest: NewServer: "), "panic: %s", msg)
			assert.Contains(t, msg, tt.want)
		})
	}
}

// newServerPanic returns what NewServer panics with, or "<nil>".
func newServerPanic(opts []ServerOption) (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	NewServer(opts...).Close()
	return ""
}

// TestCloseLeavesNoGoroutines is not parallel: it compares the goroutines
// before and after, which other tests running would disturb.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := NewServer()
	client, err := srv.Client(cloudflare.WithMaxRetries(0))
	require.NoError(t, err)
	_, _, err = client.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	_, err = client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)

	srv.FailNext(1, DropConnection())
	_, err = client.User.Invites.Reject(ctx, SeedPendingInviteID)
	require.Error(t, err)

	srv.FailNext(1, Slow(time.Hour))
	done := make(chan error)
	go func() {
		_, err := client.User.Invites.Get(ctx, SeedInviteID)
		done <- err
	}()
	waitForRequests(t, srv, 4)
	srv.Close()
	require.Error(t, <-done)
	goleak.VerifyNone(t, before)
}

// waitForRequests waits until srv has received n requests.
func waitForRequests(t *testing.T, srv *Server, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(srv.Requests()) >= n }, 5*time.Second, time.Millisecond)
}

func TestCloseEndsDelaysAtOnceAndIsIdempotent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(1, Slow(time.Hour))
	done := make(chan error, 1)
	go func() {
		_, err := f.client.User.Invites.Get(ctx, SeedInviteID, cloudflare.WithMaxRetries(0))
		done <- err
	}()
	waitForRequests(t, f.srv, 1)
	start := time.Now()
	f.srv.Close()
	f.srv.Close()
	assert.Less(t, time.Since(start), 5*time.Second)

	err := <-done
	var re *cloudflare.RequestError
	assert.ErrorAs(t, err, &re, "an aborted delay must send no response at all")
	_, _, err = f.client.User.Invites.List(ctx, nil, cloudflare.WithMaxRetries(0))
	assert.ErrorAs(t, err, &re, "a closed server must refuse connections")
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	long := strings.Repeat("a", 33)
	tests := []struct {
		name         string
		method, path string
		header       http.Header
		status, code int
		allow        string
	}{
		{"list", "GET", "user/invites", keyAuth(), 200, 0, ""},
		{"get", "GET", "user/invites/" + SeedInviteID, keyAuth(), 200, 0, ""},
		{"unknown route", "GET", "zones", keyAuth(), 404, CodeNoRoute, ""},
		{"unknown route without credentials", "GET", "user/tokens/verify", nil, 404, CodeNoRoute, ""},
		{"trailing slash", "GET", "user/invites/", keyAuth(), 404, CodeNoRoute, ""},
		{"extra segment", "GET", "user/invites/" + SeedInviteID + "/members", keyAuth(), 404, CodeNoRoute, ""},
		{"root", "GET", "", keyAuth(), 404, CodeNoRoute, ""},
		{"POST on list", "POST", "user/invites", keyAuth(), 405, CodeMethodNotAllowed, "GET"},
		{"PATCH on list", "PATCH", "user/invites", keyAuth(), 405, CodeMethodNotAllowed, "GET"},
		{"DELETE on invite", "DELETE", "user/invites/" + SeedInviteID, keyAuth(), 405, CodeMethodNotAllowed, "GET, PATCH"},
		{"PUT on invite", "PUT", "user/invites/" + SeedInviteID, keyAuth(), 405, CodeMethodNotAllowed, "GET, PATCH"},
		{"ID over 32 characters", "GET", "user/invites/" + long, keyAuth(), 400, CodeInvalidIdentifier, ""},
		{"ID over 32 characters without credentials", "PATCH", "user/invites/" + long, nil, 400, CodeInvalidIdentifier, ""},
		{"ID with a space", "GET", "user/invites/a%20b", keyAuth(), 400, CodeInvalidIdentifier, ""},
		{"ID with a dot", "GET", "user/invites/a.b", keyAuth(), 400, CodeInvalidIdentifier, ""},
		{"unknown ID", "GET", "user/invites/" + strings.Repeat("0", 32), keyAuth(), 404, CodeInviteNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, h, body := f.do(t, tt.method, tt.path, tt.header, "")
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			assert.Regexp(t, `^[0-9a-f]{16}-SJC$`, h.Get("Cf-Ray"))
			if tt.code == 0 {
				assert.Equal(t, tt.status, status, "body: %s", body)
				return
			}
			env := assertError(t, status, body, tt.status, tt.code)
			assert.Equal(t, tt.allow, h.Get("Allow"))
			if tt.code == CodeInvalidIdentifier {
				assert.Regexp(t, `^Could not route to /user/invites/.+, perhaps your object identifier is invalid\?$`, env.Errors[0].Message)
			}
		})
	}
	// Paths that lost the /client/v4/ prefix, or part of it.
	for _, p := range []string{"/user/invites", "/client/user/invites", "/v4/user/invites", "/client/v4"} {
		status, _, body := f.do(t, "GET", p, keyAuth(), "")
		assertError(t, status, body, 404, CodeNoRoute)
	}
}

func TestRaysAreUnique(t *testing.T) {
	t.Parallel()
	f := setup(t)
	seen := map[string]bool{}
	for range 20 {
		_, h, _ := f.do(t, "GET", "user/invites", keyAuth(), "")
		ray := h.Get("Cf-Ray")
		assert.False(t, seen[ray], "ray %s repeated", ray)
		seen[ray] = true
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	f := setup(t)
	otherKey := strings.Repeat("ab", 18) + "c"
	tests := []struct {
		name         string
		header       http.Header
		status, code int
		chain        []int
	}{
		{"email and key", keyAuth(), 200, 0, nil},
		{"token", http.Header{"Authorization": {"Bearer " + DefaultToken}}, 200, 0, nil},
		{"lowercase bearer", http.Header{"Authorization": {"bearer " + DefaultToken}}, 200, 0, nil},
		{"key with upper-case hex is well-formed but unknown", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {strings.ToUpper(DefaultAPIKey)}}, 403, CodeUnknownKey, nil},
		{"nothing", nil, 400, CodeMissingCredentials, nil},
		{"empty Authorization", http.Header{"Authorization": {""}}, 400, CodeMissingCredentials, nil},
		{"email only", http.Header{"X-Auth-Email": {DefaultEmail}}, 400, CodeInvalidHeaders, []int{CodeInvalidKeyHeader}},
		{"key only", http.Header{"X-Auth-Key": {DefaultAPIKey}}, 400, CodeInvalidHeaders, []int{CodeInvalidEmailHeader}},
		{"token sent as key", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {DefaultToken}}, 400, CodeInvalidHeaders, []int{CodeInvalidKeyHeader}},
		{"short key", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {"abc123"}}, 400, CodeInvalidHeaders, []int{CodeInvalidKeyHeader}},
		{"bad email", http.Header{"X-Auth-Email": {"user"}, "X-Auth-Key": {DefaultAPIKey}}, 400, CodeInvalidHeaders, []int{CodeInvalidEmailHeader}},
		{"email with a space", http.Header{"X-Auth-Email": {"us er@example.com"}, "X-Auth-Key": {DefaultAPIKey}}, 400, CodeInvalidHeaders, []int{CodeInvalidEmailHeader}},
		{"email with two @", http.Header{"X-Auth-Email": {"a@b@example.com"}, "X-Auth-Key": {DefaultAPIKey}}, 400, CodeInvalidHeaders, []int{CodeInvalidEmailHeader}},
		{"both malformed", http.Header{"X-Auth-Email": {"user"}, "X-Auth-Key": {"x"}}, 400, CodeInvalidHeaders, []int{CodeInvalidEmailHeader, CodeInvalidKeyHeader}},
		{"key headers win over a token", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {"x"}, "Authorization": {"Bearer " + DefaultToken}}, 400, CodeInvalidHeaders, []int{CodeInvalidKeyHeader}},
		{"wrong key", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {otherKey}}, 403, CodeUnknownKey, nil},
		{"wrong email", http.Header{"X-Auth-Email": {"other@example.com"}, "X-Auth-Key": {DefaultAPIKey}}, 403, CodeUnknownKey, nil},
		{"basic scheme", http.Header{"Authorization": {"Basic " + DefaultToken}}, 400, CodeInvalidHeaders, []int{CodeInvalidAuthorizationHeader}},
		{"bearer without token", http.Header{"Authorization": {"Bearer"}}, 400, CodeInvalidHeaders, []int{CodeInvalidAuthorizationHeader}},
		{"short token", http.Header{"Authorization": {"Bearer invalid"}}, 400, CodeInvalidHeaders, []int{CodeInvalidAuthorizationHeader}},
		{"token with a space", http.Header{"Authorization": {"Bearer " + DefaultToken + " x"}}, 400, CodeInvalidHeaders, []int{CodeInvalidAuthorizationHeader}},
		{"wrong token", http.Header{"Authorization": {"Bearer " + strings.Repeat("t", 40)}}, 403, CodeAuthentication, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := f.do(t, "GET", "user/invites/"+SeedInviteID, tt.header, "")
			if tt.code == 0 {
				assert.Equal(t, tt.status, status, "body: %s", body)
				return
			}
			env := assertError(t, status, body, tt.status, tt.code, tt.chain...)
			assert.NotEmpty(t, env.Errors[0].Message)
		})
	}
}

func TestAuthenticationThroughTheSDK(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		name   string
		opts   []cloudflare.Option
		status int
		code   int
		is     error
	}{
		{"fake's key", nil, 0, 0, nil},
		{"fake's token", []cloudflare.Option{cloudflare.WithAPIToken(DefaultToken)}, 0, 0, nil},
		{"wrong token", []cloudflare.Option{cloudflare.WithAPIToken(strings.Repeat("t", 40))}, 403, CodeAuthentication, cloudflare.ErrForbidden},
		{"wrong key", []cloudflare.Option{cloudflare.WithAPIKey(strings.Repeat("0", 37))}, 403, CodeUnknownKey, cloudflare.ErrForbidden},
		{"malformed key", []cloudflare.Option{cloudflare.WithAPIKey("v1.0-origin-ca-key")}, 400, CodeInvalidKeyHeader, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := f.newClient(t, tt.opts...)
			inv, err := c.User.Invites.Get(ctx, SeedPendingInviteID)
			if tt.code == 0 {
				require.NoError(t, err)
				assert.Equal(t, SeedPendingInviteID, inv.ID)
				return
			}
			ae := apiError(t, err)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.True(t, ae.HasCode(tt.code), "codes: %v", ae.Errors)
			assert.Equal(t, 1, ae.Attempts, "an authentication failure is not retried")
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestCustomCredentials(t *testing.T) {
	t.Parallel()
	const email, key, token = "ops@example.org", "0123456789abcdef0123456789abcdef", "custom-token-0123456789-abcdefghijklmnop"
	f := setup(t, WithCredentials(email, key), WithToken(token))
	_, _, body := f.do(t, "GET", "user/invites", keyAuth(), "")
	assert.Equal(t, CodeUnknownKey, decodeEnvelope(t, body).Errors[0].Code, "the defaults are refused")
	_, _, body = f.do(t, "GET", "user/invites", http.Header{"Authorization": {"Bearer " + DefaultToken}}, "")
	assert.Equal(t, CodeAuthentication, decodeEnvelope(t, body).Errors[0].Code)

	status, _, _ := f.do(t, "GET", "user/invites", http.Header{"X-Auth-Email": {email}, "X-Auth-Key": {key}}, "")
	assert.Equal(t, 200, status)
	status, _, _ = f.do(t, "GET", "user/invites", http.Header{"Authorization": {"Bearer " + token}}, "")
	assert.Equal(t, 200, status)
	_, _, err := f.client.User.Invites.List(ctx, nil)
	assert.NoError(t, err, "Client uses the configured email and key")
}

func TestServerClientCredentials(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tokenOnly := setup(t, WithCredentials("", ""))
	keyOnly := setup(t, WithToken(""))
	tests := []struct {
		name    string
		f       *fixture
		opts    []cloudflare.Option
		header  string // the credential header the fake must receive
		wantErr string // from Client itself
		code    int    // from the API
	}{
		{"default: email and key", f, nil, "X-Auth-Key", "", 0},
		{"user token replaces the key pair", f, []cloudflare.Option{cloudflare.WithAPIToken(DefaultToken)}, "Authorization", "", 0},
		{"user key overrides the fake's", f, []cloudflare.Option{cloudflare.WithAPIKey(strings.Repeat("1", 37))}, "X-Auth-Key", "", CodeUnknownKey},
		{"user email overrides the fake's", f, []cloudflare.Option{cloudflare.WithAPIEmail("x@example.com")}, "X-Auth-Key", "", CodeUnknownKey},
		{"token with email is the user's mistake", f, []cloudflare.Option{cloudflare.WithAPIToken(DefaultToken), cloudflare.WithAPIEmail("x@example.com")}, "", "email was given with an API token", 0},
		{"other invalid option", f, []cloudflare.Option{cloudflare.WithTimeout(-1)}, "", "WithTimeout", 0},
		{"token-only fake", tokenOnly, nil, "Authorization", "", 0},
		{"token-only fake, user key pair", tokenOnly, []cloudflare.Option{cloudflare.WithAPIEmail(DefaultEmail), cloudflare.WithAPIKey(DefaultAPIKey)}, "X-Auth-Key", "", CodeUnknownKey},
		{"key-only fake refuses the default token", keyOnly, []cloudflare.Option{cloudflare.WithAPIToken(DefaultToken)}, "Authorization", "", CodeAuthentication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: each case reads the fixture's request log.
			c, err := tt.f.srv.Client(append(tt.opts, cloudflare.WithMaxRetries(0))...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, cloudflare.ErrValidation)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.f.srv.ResetRequests()
			_, err = c.User.Invites.Get(ctx, SeedInviteID)
			if tt.code != 0 {
				assert.True(t, apiError(t, err).HasCode(tt.code), "err: %v", err)
			} else {
				assert.NoError(t, err)
			}
			reqs := tt.f.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, []string{Masked}, reqs[0].Header[tt.header])
		})
	}
}

func TestServerClientIgnoresTheEnvironment(t *testing.T) {
	t.Setenv(cloudflare.EnvAPIToken, strings.Repeat("e", 40))
	t.Setenv(cloudflare.EnvBaseURL, "http://127.0.0.1:1/client/v4/")
	f := setup(t)
	inv, err := f.client.User.Invites.Get(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, SeedInviteID, inv.ID)
}

func TestWithLatency(t *testing.T) {
	t.Parallel()
	const latency = 30 * time.Millisecond
	f := setup(t, WithLatency(latency))
	start := time.Now()
	_, _, err := f.client.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), latency)

	_, err = f.client.User.Invites.Get(ctx, SeedInviteID, cloudflare.WithTimeout(5*time.Millisecond), cloudflare.WithMaxRetries(0))
	var re *cloudflare.RequestError
	assert.ErrorAs(t, err, &re, "a client that gives up gets no response")
}

func TestServeConcurrently(t *testing.T) {
	t.Parallel()
	f := setup(t, WithoutSeed())
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.srv.AddInvite(Invite{}).ID
	}
	// Faults are queued concurrently, as a chaos test does, while the
	// requests run; each call has retries enough to outlast them all.
	const faults = 10
	client := f.newClient(t, cloudflare.WithMaxRetries(faults))
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i := range faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				f.srv.FailNext(1, ServerError(503))
			} else {
				f.srv.FailNext(1, RateLimited(0))
			}
		}()
	}
	for i, id := range ids {
		wg.Add(3)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = client.User.Invites.Accept(ctx, id)
			} else {
				_, err = client.User.Invites.Reject(ctx, id)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := client.User.Invites.Get(ctx, id)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, _, err := client.User.Invites.List(ctx, &cloudflare.InviteListParams{PerPage: 50})
			_ = f.srv.Requests()
			_ = f.srv.Invites()
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for i, id := range ids {
		inv, ok := f.srv.Invite(id)
		require.True(t, ok)
		want := StatusAccepted
		if i%2 == 1 {
			want = StatusRejected
		}
		assert.Equal(t, want, inv.Status)
	}
	used := faults - f.srv.PendingFaults()
	assert.Len(t, f.srv.Requests(), 3*n+used, "each fault responds to exactly one request")
	assert.Equal(t, 3*n+used, f.responses())
}

func TestRequestsAreRecordedWithSecretsMasked(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tokenClient := f.newClient(t, cloudflare.WithAPIToken(DefaultToken))
	_, _, err := f.client.User.Invites.List(ctx, &cloudflare.InviteListParams{Page: 1, PerPage: 5})
	require.NoError(t, err)
	_, err = tokenClient.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	f.srv.FailNext(1, ServerError(500))
	_, err = f.client.User.Invites.Get(ctx, SeedPendingInviteID, cloudflare.WithMaxRetries(0))
	require.Error(t, err)

	reqs := f.srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "/client/v4/user/invites", reqs[0].Path)
	assert.Equal(t, "5", reqs[0].Query.Get("per_page"))
	assert.Equal(t, []string{Masked}, reqs[0].Header["X-Auth-Key"])
	assert.Equal(t, []string{DefaultEmail}, reqs[0].Header["X-Auth-Email"])
	assert.Empty(t, reqs[0].Body)

	assert.Equal(t, "PATCH", reqs[1].Method)
	assert.Equal(t, "/client/v4/user/invites/"+SeedInviteID, reqs[1].Path)
	assert.Equal(t, []string{Masked}, reqs[1].Header["Authorization"])
	assert.Equal(t, "application/json", reqs[1].Header.Get("Content-Type"))
	assert.JSONEq(t, `{"status":"accepted"}`, string(reqs[1].Body))
	assert.Equal(t, "/client/v4/user/invites/"+SeedPendingInviteID, reqs[2].Path, "a faulted request is recorded too")

	dump := fmt.Sprintf("%v %+v %#v", reqs, reqs, reqs)
	assert.NotContains(t, dump, DefaultAPIKey)
	assert.NotContains(t, dump, DefaultToken)

	// The log is a copy.
	reqs[0].Header.Set("X-Auth-Key", "changed")
	reqs[1].Body[0] = 'x'
	again := f.srv.Requests()
	assert.Equal(t, Masked, again[0].Header.Get("X-Auth-Key"))
	assert.JSONEq(t, `{"status":"accepted"}`, string(again[1].Body))

	f.srv.ResetRequests()
	assert.Empty(t, f.srv.Requests())
}

func TestLargeBodyIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	body := `{"status":"accepted","pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	status, _, b := f.do(t, "PATCH", "user/invites/"+SeedInviteID, jsonKeyAuth(), body)
	assertError(t, status, b, http.StatusRequestEntityTooLarge, CodeBodyTooLarge)
	inv, _ := f.srv.Invite(SeedInviteID)
	assert.Equal(t, StatusPending, inv.Status)
	reqs := f.srv.Requests()
	require.Len(t, reqs, 1)
	assert.Len(t, reqs[0].Body, maxBodyBytes, "the recorded body is bounded")
}

func TestNewServerPanicsOnBadNewOptions(t *testing.T) {
	t.Parallel()
	unix, err := net.Listen("unix", filepath.Join(t.TempDir(), "sock"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Close() })
	tests := []struct {
		name string
		opts []ServerOption
		want string
	}{
		{"page size 0", []ServerOption{WithPageSize(0)}, "WithPageSize: n must be at least 1"},
		{"negative page size", []ServerOption{WithPageSize(-3)}, "WithPageSize"},
		{"not TCP", []ServerOption{WithListener(unix)}, "WithListener: not a TCP listener"},
		{"seed too long", []ServerOption{WithSeed(Invite{OrganizationName: strings.Repeat("x", 101)})}, "WithSeed: invitation 0: OrganizationName is 101 characters"},
		{"seed bad status", []ServerOption{WithSeed(Invite{}, Invite{Status: "cancelled"})}, `WithSeed: invitation 1: unknown Status "cancelled"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Contains(t, newServerPanic(tt.opts), tt.want)
		})
	}
}

func TestWithListener(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	require.NoError(t, err)
	f := setup(t, WithListener(ln))
	port := ln.Addr().(*net.TCPAddr).Port
	assert.Equal(t, fmt.Sprintf("http://127.0.0.1:%d/client/v4/", port), f.srv.URL, "an unspecified address is reached on loopback")
	_, err = f.client.User.Invites.Get(ctx, SeedInviteID)
	require.NoError(t, err)
	f.srv.Close()
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "Close closes the listener")
}

func TestHandlerServesTheSameState(t *testing.T) {
	t.Parallel()
	f := setup(t)
	outer := httptest.NewServer(f.srv.Handler())
	t.Cleanup(outer.Close)
	client, err := f.srv.Client(cloudflare.WithBaseURL(outer.URL + "/client/v4/"))
	require.NoError(t, err)

	f.srv.FailNext(1, ServerError(503), OnMethod("PATCH"))
	inv, err := client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, StatusAccepted, inv.Status)
	stored, _ := f.srv.Invite(SeedInviteID)
	assert.Equal(t, StatusAccepted, stored.Status, "the state is the Server's")
	assert.Equal(t, []int{503, 200}, statuses(f.srv.Requests()), "faults and the log are shared")

	_, _, err = f.client.User.Invites.List(ctx, nil)
	require.NoError(t, err, "the Server's own listener still serves")
}

func TestRequestsCarryTheResponseStatus(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.do(t, "GET", "user/invites", keyAuth(), "")
	f.do(t, "GET", "user/invites/"+SeedInviteID, nil, "")
	f.srv.FailNext(1, RateLimited(0))
	f.do(t, "GET", "user/invites", keyAuth(), "")
	f.srv.FailNext(1, Redirect("https://example.com/", 0))
	f.raw.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	f.do(t, "GET", "user/invites", keyAuth(), "")
	f.srv.FailNext(1, DropConnection())
	_, _, _, err := f.send("GET", "user/invites", keyAuth(), "")
	require.Error(t, err)
	f.do(t, "PATCH", "user/invites/"+SeedExpiredInviteID, jsonKeyAuth(), `{"status":"accepted"}`)
	assert.Equal(t, []int{200, 400, 429, 307, 0, 400}, statuses(f.srv.Requests()))
}

func TestRequestInProgressHasNoStatus(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(1, Slow(time.Hour))
	done := make(chan error, 1)
	go func() {
		_, err := f.client.User.Invites.Get(ctx, SeedInviteID, cloudflare.WithMaxRetries(0), cloudflare.WithTimeout(200*time.Millisecond))
		done <- err
	}()
	waitForRequests(t, f.srv, 1)
	assert.Equal(t, []int{0}, statuses(f.srv.Requests()))
	require.Error(t, <-done)
	assert.Equal(t, []int{0}, statuses(f.srv.Requests()), "a delay the client gave up on sends nothing")
}

func TestRemoveInvite(t *testing.T) {
	t.Parallel()
	f := setup(t)
	assert.True(t, f.srv.RemoveInvite(SeedPendingInviteID))
	assert.False(t, f.srv.RemoveInvite(SeedPendingInviteID), "already gone")
	_, ok := f.srv.Invite(SeedPendingInviteID)
	assert.False(t, ok)
	_, err := f.client.User.Invites.Accept(ctx, SeedPendingInviteID)
	assert.ErrorIs(t, err, cloudflare.ErrNotFound)
	var ids []string
	for _, inv := range f.srv.Invites() {
		ids = append(ids, inv.ID)
	}
	assert.Equal(t, []string{SeedInviteID, SeedAcceptedInviteID, SeedExpiredInviteID}, ids, "the order of the others is kept")
	f.srv.AddInvite(Invite{ID: SeedPendingInviteID})
	assert.Equal(t, SeedPendingInviteID, f.srv.Invites()[3].ID, "added again, it comes last")
}

func TestReset(t *testing.T) {
	t.Parallel()
	f := setup(t, WithSeed(Invite{OrganizationName: "Seeded"}, Invite{ID: "kept-id", Status: StatusAccepted}))
	before := f.srv.Invites()
	require.Len(t, before, 2)
	assert.Regexp(t, `^[0-9a-f]{32}$`, before[0].ID, "a filled-in ID")

	_, err := f.client.User.Invites.Accept(ctx, before[0].ID)
	require.NoError(t, err)
	f.srv.AddInvite(Invite{})
	f.srv.RemoveInvite("kept-id")
	f.srv.FailNext(3, ServerError(500))
	f.srv.SetNow(time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC))

	f.srv.Reset()
	assert.Equal(t, before, f.srv.Invites(), "the seed exactly as first stored")
	assert.Empty(t, f.srv.Requests())
	assert.Zero(t, f.srv.PendingFaults())
	inv, _ := f.srv.Invite(before[0].ID)
	assert.Equal(t, StatusPending, inv.Status, "the clock is the real one again")
}

// TestResetWithARepeatedSeedID: WithSeed stores each invitation as
// AddInvite does, so a later one with the same ID replaces the earlier in
// place; Reset then restores that state, not both.
func TestResetWithARepeatedSeedID(t *testing.T) {
	t.Parallel()
	f := setup(t, WithSeed(Invite{ID: "same", OrganizationName: "First"}, Invite{ID: "other"}, Invite{ID: "same", OrganizationName: "Second"}))
	before := f.srv.Invites()
	require.Len(t, before, 2)
	assert.Equal(t, "Second", before[0].OrganizationName)

	f.srv.Reset()
	assert.Equal(t, before, f.srv.Invites())
}

func TestSetNow(t *testing.T) {
	t.Parallel()
	f := setup(t, WithoutSeed())
	inv := f.srv.AddInvite(Invite{InvitedOn: mustTime("2030-01-01T00:00:00Z")}) // expires 2030-01-08
	f.srv.SetNow(mustTime("2030-01-07T23:59:59Z"))
	got, _ := f.srv.Invite(inv.ID)
	assert.Equal(t, StatusPending, got.Status)

	f.srv.SetNow(mustTime("2030-01-08T00:00:00Z"))
	got, _ = f.srv.Invite(inv.ID)
	assert.Equal(t, StatusExpired, got.Status)
	_, err := f.client.User.Invites.Accept(ctx, inv.ID)
	assert.True(t, apiError(t, err).HasCode(CodeInviteExpired))

	added := f.srv.AddInvite(Invite{})
	assert.Equal(t, mustTime("2030-01-08T00:00:00Z"), added.InvitedOn, "the stopped clock is the default InvitedOn")
}

// TestInviteStatusIsTheSDKType: the fake's statuses compare with the SDK's
// without conversion.
func TestInviteStatusIsTheSDKType(t *testing.T) {
	t.Parallel()
	f := setup(t)
	got, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	stored, _ := f.srv.Invite(SeedInviteID)
	var status cloudflare.InviteStatus = stored.Status
	assert.Equal(t, got.Status, status)
	assert.Equal(t, cloudflare.InviteStatusAccepted, StatusAccepted)
}
