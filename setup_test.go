package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Credentials and identifiers the tests send. The secrets are recognisable,
// so a test can prove they never show up in an error or in fmt output.
const (
	testEmail    = "user@example.com"
	testAPIKey   = "SECRET-KEY-abc123"
	testAPIToken = "SECRET-TOKEN-xyz789"
	testInviteID = "4f5f0c14a2a41d5063dd301b2f829f04"
	testRayID    = "8c1f2e3d4b5a6978-SJC"

	// apiPrefix is where the test server mounts the API, as Cloudflare does.
	apiPrefix = "/client/v4"
	// invitePath is the path of the test invitation, as the server sees it.
	invitePath = apiPrefix + "/user/invites/" + testInviteID
	// invitesPath is the path of the list endpoint, as the server sees it.
	invitesPath = apiPrefix + "/user/invites"
)

// recordedRequest is what the test server saw of one request.
type recordedRequest struct {
	Method        string
	Path          string // escaped path as received, prefix included
	RawQuery      string
	Header        http.Header
	Body          string
	ContentLength int64
}

// requestLog counts and records every request that reaches a test server.
// Its embedded counter answers Load, so tests can prove that no request was
// sent. Handlers only append to it; tests read it on their own goroutine.
type requestLog struct {
	atomic.Int64
	mu   sync.Mutex
	reqs []recordedRequest
}

func (l *requestLog) add(r recordedRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
	l.Add(1)
}

// Requests returns a copy of the requests seen so far, in arrival order.
func (l *requestLog) Requests() []recordedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]recordedRequest(nil), l.reqs...)
}

// only returns the one request the server saw, failing the test if it saw
// another number. Call it on the test goroutine only.
func (l *requestLog) only(t *testing.T) recordedRequest {
	t.Helper()
	reqs := l.Requests()
	require.Len(t, reqs, 1, "requests seen by the server")
	return reqs[0]
}

// newAPIServer starts a loopback server that records every request, mounts
// the returned mux under /client/v4/, and reports through lostPrefix every
// request whose path lost that prefix. The server is closed when the test
// ends.
func newAPIServer(t *testing.T, lostPrefix func(format string, args ...any)) (*httptest.Server, *http.ServeMux, *requestLog) {
	t.Helper()
	log := &requestLog{}
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(apiPrefix+"/", http.StripPrefix(apiPrefix, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		lostPrefix("request %s %s lost the %s/ prefix", r.Method, r.URL.EscapedPath(), apiPrefix)
		http.Error(w, "lost the API prefix", http.StatusMisdirectedRequest)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
			return
		}
		log.add(recordedRequest{
			Method:        r.Method,
			Path:          r.URL.EscapedPath(),
			RawQuery:      r.URL.RawQuery,
			Header:        r.Header.Clone(),
			Body:          string(body),
			ContentLength: r.ContentLength,
		})
		r.Body = io.NopCloser(bytes.NewReader(body))
		root.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, mux, log
}

// setup starts a test server (see newAPIServer) and returns a client for it,
// authenticated with testEmail and testAPIKey and with retry waits of a few
// milliseconds; opts are applied after those defaults. Register handlers on
// the returned mux without the /client/v4 prefix, such as
// "GET /user/invites/{id}".
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, *requestLog) {
	t.Helper()
	srv, mux, log := newAPIServer(t, t.Errorf)
	all := append([]Option{
		WithBaseURL(srv.URL + apiPrefix + "/"),
		WithAPIEmail(testEmail),
		WithAPIKey(testAPIKey),
		WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
	}, opts...)
	client, err := NewClient(all...)
	require.NoError(t, err)
	t.Cleanup(client.hc.CloseIdleConnections)
	return client, mux, log
}

// closedServerURL returns the API root of a server that is no longer
// listening, so every request to it fails to connect.
func closedServerURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + apiPrefix + "/"
	srv.Close()
	return u
}

// fixture returns the content of a file in testdata.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// reply writes a JSON body with a status and a CF-Ray header, as the API does.
func reply(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("CF-Ray", testRayID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// replyString is reply with a string body.
func replyString(w http.ResponseWriter, status int, body string) {
	reply(w, status, []byte(body))
}

// successJSON returns a success answer, as the API sends it, with fields
// (such as "result" and "result_info") added.
func successJSON(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	env := map[string]any{"success": true, "errors": []any{}, "messages": []any{}}
	for k, v := range fields {
		env[k] = v
	}
	b, err := json.Marshal(env)
	require.NoError(t, err)
	return b
}

// inviteEnvelope returns a success answer holding result.
func inviteEnvelope(t *testing.T, result any) []byte {
	t.Helper()
	return successJSON(t, map[string]any{"result": result})
}

// wantUserAgent is the User-Agent the SDK sends without WithUserAgent.
func wantUserAgent() string {
	return "cloudflare-go-invites/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// assertRequestHeaders checks what every request of the setup client
// carries, and that Content-Type and a body come only with wantBody.
func assertRequestHeaders(t *testing.T, got recordedRequest, wantBody string) {
	t.Helper()
	assert.Equal(t, []string{testEmail}, got.Header.Values("X-Auth-Email"))
	assert.Equal(t, []string{testAPIKey}, got.Header.Values("X-Auth-Key"))
	assert.Empty(t, got.Header.Values("Authorization"))
	assert.Equal(t, []string{"application/json"}, got.Header.Values("Accept"))
	assert.Equal(t, []string{wantUserAgent()}, got.Header.Values("User-Agent"))
	assert.Equal(t, wantBody, got.Body)
	if wantBody == "" {
		assert.Empty(t, got.Header.Values("Content-Type"), "Content-Type without a body")
		assert.Zero(t, got.ContentLength)
		return
	}
	assert.Equal(t, []string{"application/json"}, got.Header.Values("Content-Type"))
	assert.Equal(t, int64(len(wantBody)), got.ContentLength)
}

// assertErrorNames checks that an error string has the package prefix and
// names the request.
func assertErrorNames(t *testing.T, err error, method, path string) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: "), "error %q lacks the prefix", err)
	assert.Contains(t, err.Error(), method+" "+path)
}

// referenceInvite is the invitation in testdata/invite-response.json, the
// example answer of the API reference.
func referenceInvite() Invite {
	at := time.Date(2014, time.January, 1, 5, 20, 0, 0, time.UTC)
	return Invite{
		ID:                               testInviteID,
		InvitedMemberID:                  "5a7805061c76ada191ed06f989cc3dac",
		OrganizationID:                   "5a7805061c76ada191ed06f989cc3dac",
		ExpiresOn:                        at,
		InvitedOn:                        at,
		InvitedBy:                        "user@example.com",
		InvitedMemberEmail:               "user@example.com",
		OrganizationIsEnforcingTwofactor: true,
		OrganizationName:                 "Cloudflare, Inc.",
		Roles:                            []string{"Account Administrator"},
		Status:                           InviteStatusAccepted,
	}
}

func TestSetup_LostPrefixIsReported(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var reports []string
	srv, _, log := newAPIServer(t, func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, fmt.Sprintf(format, args...))
	})
	// A base URL without the /client/v4/ prefix: the request must hit the trap.
	client, err := NewClient(WithBaseURL(srv.URL), WithAPIToken(testAPIToken))
	require.NoError(t, err)

	inv, err := client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(0))

	assert.Error(t, err)
	assert.Nil(t, inv)
	assert.Equal(t, int64(1), log.Load())
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"request GET /user/invites/" + testInviteID + " lost the /client/v4/ prefix"}, reports)
}
