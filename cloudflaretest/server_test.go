package cloudflaretest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func TestNewServerPanicsOnBadOptions(t *testing.T) {
	t.Parallel()
	unix, err := net.Listen("unix", filepath.Join(t.TempDir(), "sock"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Close() })
	tests := []struct {
		name string
		opts []ServerOption
		want string
	}{
		{"nil option", []ServerOption{nil}, "nil ServerOption"},
		{"nil clock", []ServerOption{WithNow(nil)}, "WithNow: nil clock"},
		{"email without key", []ServerOption{WithCredentials("a@b.c", "")}, "both an email and a key"},
		{"bad email", []ServerOption{WithCredentials("nobody", DefaultAPIKey)}, "malformed email or key"},
		{"bad key", []ServerOption{WithCredentials(DefaultEmail, "not-hex")}, "malformed email or key"},
		{"bad token", []ServerOption{WithToken("short")}, "WithToken: a malformed token"},
		{"no credentials", []ServerOption{WithCredentials("", ""), WithToken("")}, "no credentials"},
		{"page size 0", []ServerOption{WithPageSize(0)}, "WithPageSize: n must be at least 1"},
		{"not TCP", []ServerOption{WithListener(unix)}, "WithListener: not a TCP listener"},
		{"seed too long", []ServerOption{WithSeed(cloudflare.Invite{OrganizationName: strings.Repeat("x", 101)})}, "WithSeed: invitation 0: OrganizationName is 101 characters"},
		{"seed bad status", []ServerOption{WithSeed(cloudflare.Invite{}, cloudflare.Invite{Status: "cancelled"})}, `WithSeed: invitation 1: unknown Status "cancelled"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				NewServer(tt.opts...).Close()
				return ""
			}()
			assert.True(t, strings.HasPrefix(msg, "cloudflaretest: NewServer: "), "panic: %s", msg)
			assert.Contains(t, msg, tt.want)
		})
	}
}

func TestServersListenOnLoopbackUnderThePrefix(t *testing.T) {
	t.Parallel()
	plain := NewServer()
	t.Cleanup(plain.Close)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/client/v4/$`, plain.URL)
	assert.Nil(t, plain.Certificate())

	secure := NewTLSServer()
	t.Cleanup(secure.Close)
	assert.Regexp(t, `^https://127\.0\.0\.1:\d+/client/v4/$`, secure.URL)
	require.NotNil(t, secure.Certificate())
	assert.Contains(t, secure.Certificate().DNSNames, "localhost")
	assert.NotEmpty(t, secure.Certificate().Issuer.String(), "OpenSSL (curl --cacert) refuses a certificate with an empty issuer")
	require.NoError(t, secure.Certificate().VerifyHostname("127.0.0.1"))
}

func TestTLSServerSpeaksHTTP2AndHTTP1(t *testing.T) {
	t.Parallel()
	srv := NewTLSServer()
	t.Cleanup(srv.Close)
	for _, h2 := range []bool{true, false} {
		resp, _, err := get("user/invites").do(srv, rawClient(t, srv, h2))
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, map[bool]int{true: 2, false: 1}[h2], resp.ProtoMajor)
	}
	client, err := srv.Client()
	require.NoError(t, err)
	inv, err := client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
	reqs := srv.Requests()
	assert.Equal(t, "HTTP/2.0", reqs[len(reqs)-1].Proto, "Server.Client negotiates HTTP/2")
}

func TestWithListener(t *testing.T) {
	t.Parallel()
	for _, useTLS := range []bool{false, true} {
		ln, err := net.Listen("tcp", "0.0.0.0:0")
		require.NoError(t, err)
		srv := map[bool]func(...ServerOption) *Server{false: NewServer, true: NewTLSServer}[useTLS](WithListener(ln))
		scheme := map[bool]string{false: "http", true: "https"}[useTLS]
		assert.Equal(t, fmt.Sprintf("%s://127.0.0.1:%d/client/v4/", scheme, ln.Addr().(*net.TCPAddr).Port), srv.URL, "an unspecified address is reached on loopback")
		client, err := srv.Client()
		require.NoError(t, err)
		_, err = client.User.Invites.Get(ctx, SeedInviteID)
		require.NoError(t, err)
		srv.Close()
		_, err = net.Dial("tcp", ln.Addr().String())
		assert.Error(t, err, "Close closes the listener")
	}
}

func TestClientIsWiredToTheFake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       []ServerOption
		wantHeader string
	}{
		{"email and key", nil, "X-Auth-Key"},
		{"custom key", []ServerOption{WithCredentials("me@example.org", strings.Repeat("ab", 16))}, "X-Auth-Key"},
		{"token only", []ServerOption{WithCredentials("", "")}, "Authorization"},
		{"custom token only", []ServerOption{WithCredentials("", ""), WithToken(strings.Repeat("T", 32))}, "Authorization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := setup(t, tt.opts...)
			_, err := client.User.Invites.Get(ctx, SeedInviteID)
			require.NoError(t, err)
			require.Len(t, srv.Requests(), 1, "the client sends to the fake")
			assert.Equal(t, []string{Masked}, srv.Requests()[0].Header[tt.wantHeader])
		})
	}
	t.Run("options override", func(t *testing.T) {
		t.Parallel()
		srv := NewServer()
		t.Cleanup(srv.Close)
		client, err := srv.Client(cloudflare.WithAPIKey(strings.Repeat("0", 37)))
		require.NoError(t, err)
		_, err = client.User.Invites.Get(ctx, SeedInviteID)
		assert.ErrorIs(t, err, cloudflare.ErrAuthentication)
	})
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	tests := []struct {
		name   string
		call   call
		status int
		codes  string
		allow  string
	}{
		{"no prefix", get("/user/invites"), 400, "7000", ""},
		{"other API", get("zones"), 400, "7000", ""},
		{"trailing slash", get("user/invites/"), 400, "7000", ""},
		{"too deep", get("user/invites/" + SeedInviteID + "/x"), 400, "7000", ""},
		{"POST list", call{"POST", "user/invites", keyAuth(), ""}, 405, "7001", "GET"},
		{"DELETE invite", call{"DELETE", "user/invites/" + SeedInviteID, keyAuth(), ""}, 405, "7001", "GET, PATCH"},
		{"id too long", get("user/invites/" + strings.Repeat("a", 33)), 400, "7003", ""},
		{"id with a dot", get("user/invites/a.b"), 400, "7003", ""},
		{"route before credentials", call{"GET", "user/invites/a.b", nil, ""}, 400, "7003", ""},
		{"unknown id", get("user/invites/" + strings.Repeat("0", 32)), 404, "1100", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := tt.call.send(t, srv)
			assertError(t, resp, body, tt.status, tt.codes)
			assert.Equal(t, tt.allow, resp.Header.Get("Allow"))
		})
	}
	t.Run("a mistyped path through Do is not ErrNotFound", func(t *testing.T) {
		t.Parallel()
		client, err := srv.Client()
		require.NoError(t, err)
		err = client.Do(ctx, http.MethodGet, "user/invitez", nil, nil)
		assert.NotErrorIs(t, err, cloudflare.ErrNotFound)
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 400, ae.StatusCode)
		assert.True(t, ae.HasCode(7000))
	})
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	token := "Bearer " + DefaultToken
	tests := []struct {
		name   string
		header http.Header
		status int
		codes  string
	}{
		{"key", keyAuth(), 200, ""},
		{"token", http.Header{"Authorization": {token}}, 200, ""},
		{"lowercase bearer", http.Header{"Authorization": {"bearer " + DefaultToken}}, 200, ""},
		{"nothing", nil, 400, "9106"},
		{"email alone", http.Header{"X-Auth-Email": {DefaultEmail}}, 400, "6003:6103"},
		{"key alone", http.Header{"X-Auth-Key": {DefaultAPIKey}}, 400, "6003:6102"},
		{"token as key", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {DefaultToken}}, 400, "6003:6103"},
		{"both malformed", http.Header{"X-Auth-Email": {"x"}, "X-Auth-Key": {"y"}}, 400, "6003:6102,6103"},
		{"key before token", http.Header{"X-Auth-Email": {"x"}, "X-Auth-Key": {"y"}, "Authorization": {token}}, 400, "6003:6102,6103"},
		{"basic auth", http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, 400, "6003:6111"},
		{"short token", http.Header{"Authorization": {"Bearer abc"}}, 400, "6003:6111"},
		{"unknown email", http.Header{"X-Auth-Email": {"other@example.com"}, "X-Auth-Key": {DefaultAPIKey}}, 403, "9103"},
		{"unknown key", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {strings.Repeat("0", 37)}}, 403, "9103"},
		{"unknown token", http.Header{"Authorization": {"Bearer " + strings.Repeat("x", 40)}}, 403, "10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := call{"GET", "user/invites", tt.header, ""}.send(t, srv)
			if tt.status == 200 {
				assert.Equal(t, 200, resp.StatusCode, "body: %s", body)
				return
			}
			assertError(t, resp, body, tt.status, tt.codes)
		})
	}
	t.Run("turned off", func(t *testing.T) {
		t.Parallel()
		tokenOnly, _ := setup(t, WithCredentials("", ""))
		resp, body := get("user/invites").send(t, tokenOnly)
		assertError(t, resp, body, 403, "9103")
	})
	t.Run("through the SDK", func(t *testing.T) {
		t.Parallel()
		client, err := srv.Client(cloudflare.WithAPIEmail("someone@example.com"))
		require.NoError(t, err)
		_, err = client.User.Invites.Get(ctx, SeedInviteID)
		assert.ErrorIs(t, err, cloudflare.ErrAuthentication)
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 403, ae.StatusCode)
		assert.True(t, ae.HasCode(9103))
	})
}

func TestResetOverHTTP(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	_, err := client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	srv.AddInvite(cloudflare.Invite{ID: "extra"})
	srv.FailNext(2, ServerError(500))

	resp, body := call{"POST", resetPath, nil, ""}.send(t, srv)
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"success":true,"errors":[],"messages":[],"result":null}`, string(body))
	fresh := NewServer()
	fresh.Close()
	assert.Equal(t, fresh.Invites(), srv.Invites(), "the seed is back")
	assert.Empty(t, srv.Requests(), "requests are forgotten, the reset's own too")
	assert.Zero(t, srv.PendingFaults(), "faults are forgotten")

	resp, body = call{"GET", resetPath, nil, ""}.send(t, srv)
	assertError(t, resp, body, 405, "7001")
	assert.Equal(t, "POST", resp.Header.Get("Allow"))

	srv.AddInvite(cloudflare.Invite{ID: "kept"})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", resetPath, nil)
	req.RemoteAddr = "192.0.2.7:4000"
	srv.Handler().ServeHTTP(rec, req)
	assert.Equal(t, 403, rec.Code)
	assert.Equal(t, "1108", codes(t, rec.Body.Bytes()))
	for _, e := range loadSchema(t).validateBody("POST", resetPath, rec.Code, rec.Body.Bytes()) {
		t.Error(e)
	}
	_, ok := srv.Invite("kept")
	assert.True(t, ok, "a reset from another host changes nothing")
}

func TestReset(t *testing.T) {
	t.Parallel()
	srv, client := setup(t, WithSeed(cloudflare.Invite{OrganizationName: "Seeded"}, cloudflare.Invite{ID: "same"}, cloudflare.Invite{ID: "same", OrganizationName: "Second"}))
	before := srv.Invites()
	require.Len(t, before, 2, "a repeated ID replaces the earlier one in place")
	assert.Regexp(t, `^[0-9a-f]{32}$`, before[0].ID, "a filled-in ID")
	assert.Equal(t, "Second", before[1].OrganizationName)

	_, err := client.User.Invites.Accept(ctx, before[0].ID)
	require.NoError(t, err)
	srv.AddInvite(cloudflare.Invite{})
	srv.RemoveInvite("same")
	srv.FailNext(3, ServerError(500))
	srv.SetNow(mustTime("2199-01-01T00:00:00Z"))

	srv.Reset()
	assert.Equal(t, before, srv.Invites(), "the seed exactly as first stored")
	assert.Empty(t, srv.Requests())
	assert.Zero(t, srv.PendingFaults())
	inv, _ := srv.Invite(before[0].ID)
	assert.Equal(t, cloudflare.InviteStatusPending, inv.Status, "the clock is the real one again")
}

func TestHandlerServesTheSameState(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	outer := httptest.NewServer(srv.Handler())
	t.Cleanup(outer.Close)
	viaOuter, err := srv.Client(cloudflare.WithBaseURL(outer.URL + "/client/v4/"))
	require.NoError(t, err)

	srv.FailNext(1, ServerError(503), OnMethod("PATCH"))
	_, err = viaOuter.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	inv, err := client.User.Invites.Get(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status, "the state is the Server's")
	assert.Equal(t, []int{503, 200, 200}, statuses(srv.Requests()), "faults and the log are shared")
}

func TestCloseEndsDelaysAndIsIdempotent(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	srv.FailNext(1, Slow(time.Hour))
	done := make(chan error, 1)
	go func() {
		_, err := client.User.Invites.Get(ctx, SeedInviteID)
		done <- err
	}()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 10*time.Second, time.Millisecond)
	srv.Close() // returns only once the delayed request has ended
	srv.Close()
	require.Error(t, <-done, "an ended delay sends no response")
	assert.Equal(t, []int{0}, statuses(srv.Requests()))
	_, err := client.User.Invites.Get(ctx, SeedInviteID)
	assert.Error(t, err, "a closed server refuses connections")
}
