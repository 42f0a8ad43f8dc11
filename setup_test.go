package cloudflare

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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

// recordedRequest is what a test server saw of one request.
type recordedRequest struct {
	N             int // 1 for the first request
	Method        string
	Proto         string // "HTTP/1.1", or "HTTP/2.0" on the h2 wire
	Path          string // escaped path as received, prefix included
	RawQuery      string
	Header        http.Header
	Body          string
	ContentLength int64
	At            time.Time
}

// testHandler responds to every request a test server receives; req is what
// the server recorded of it.
type testHandler func(w http.ResponseWriter, r *http.Request, req recordedRequest)

// testServer is a loopback httptest server that records every request and
// counts the connections it accepted. With no handler it routes requests
// through mux, mounted under /client/v4/ as Cloudflare mounts the API, and
// reports every request that lost that prefix. Handlers only record; tests
// read the records on their own goroutine.
type testServer struct {
	*httptest.Server
	// mux takes handlers without the /client/v4 prefix, such as
	// "GET /user/invites/{id}", when the server was started without a
	// handler.
	mux *http.ServeMux
	mu  sync.Mutex
	// lostPrefix reports a request that lost the /client/v4/ prefix: t.Errorf
	// unless a test replaces it with onLostPrefix.
	lostPrefix func(format string, args ...any)
	reqs       []recordedRequest
	conns      atomic.Int64 // connections accepted
	closed     atomic.Int64 // connections closed or hijacked
}

// newTestServer starts a plain-HTTP test server; see [testServer].
func newTestServer(t *testing.T, handle testHandler) *testServer {
	return startTestServer(t, false, handle)
}

// startTestServer starts a test server, over TLS with httptest's
// certificate and HTTP/2 when useTLS is set. It is closed when the test
// ends.
func startTestServer(t *testing.T, useTLS bool, handle testHandler) *testServer {
	t.Helper()
	s := &testServer{mux: http.NewServeMux(), lostPrefix: t.Errorf}
	if handle == nil {
		root := http.NewServeMux()
		root.Handle(apiPrefix+"/", http.StripPrefix(apiPrefix, s.mux))
		root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			report := s.lostPrefix
			s.mu.Unlock()
			report("request %s %s lost the %s/ prefix", r.Method, r.URL.EscapedPath(), apiPrefix)
			http.Error(w, "lost the API prefix", http.StatusMisdirectedRequest)
		})
		handle = func(w http.ResponseWriter, r *http.Request, _ recordedRequest) { root.ServeHTTP(w, r) }
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		req := recordedRequest{
			N: len(s.reqs) + 1, Method: r.Method, Proto: r.Proto, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: string(body), ContentLength: r.ContentLength, At: time.Now(),
		}
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		handle(w, r, req)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.closed.Add(1)
		}
	}
	if useTLS {
		s.EnableHTTP2 = true
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// onLostPrefix replaces how the server reports a request that lost the
// /client/v4/ prefix.
func (s *testServer) onLostPrefix(report func(format string, args ...any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lostPrefix = report
}

// apiURL is the API root on the server, as a client's base URL.
func (s *testServer) apiURL() string { return s.URL + apiPrefix + "/" }

// requests returns a copy of the requests seen so far, in arrival order.
func (s *testServer) requests() []recordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recordedRequest(nil), s.reqs...)
}

// count is how many requests the server saw.
func (s *testServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// methods returns the method of each request, in order.
func (s *testServer) methods() []string {
	var m []string
	for _, r := range s.requests() {
		m = append(m, r.Method)
	}
	return m
}

// only returns the one request the server saw, failing the test if it saw
// another number. Call it on the test goroutine only.
func (s *testServer) only(t *testing.T) recordedRequest {
	t.Helper()
	reqs := s.requests()
	require.Len(t, reqs, 1, "requests seen by the server")
	return reqs[0]
}

// newTestClient returns a client of srv's API root with retry waits of a
// few milliseconds; for a TLS server, it sends with the server's own
// *http.Client, which trusts its certificate and speaks HTTP/2. It sets no
// credentials: opts must, and they come last, so they win. Its idle
// connections are closed when the test ends.
func newTestClient(t *testing.T, srv *testServer, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithBaseURL(srv.apiURL()),
		WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}
	if srv.TLS != nil {
		base = append(base, WithHTTPClient(srv.Client()))
	}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	closeIdleAtEnd(t, c)
	return c
}

// setup starts a test server that routes through its mux (see
// [testServer]) and returns a client for it, authenticated with testEmail
// and testAPIKey; opts are applied after those defaults.
func setup(t *testing.T, opts ...Option) (*Client, *testServer) {
	t.Helper()
	srv := newTestServer(t, nil)
	return newTestClient(t, srv, append([]Option{WithAPIEmail(testEmail), WithAPIKey(testAPIKey)}, opts...)...), srv
}

// wire is a protocol the core tests and the chaos test run over.
type wire struct {
	name string
	tls  bool // TLS with HTTP/2; otherwise plain HTTP/1.1
}

// wires are plain HTTP/1.1 on loopback, and TLS with HTTP/2, as
// api.cloudflare.com is reached.
var wires = []wire{{"http1", false}, {"h2", true}}

// onWires runs f once per wire, as parallel subtests named
// name+"/wire=http1" and name+"/wire=h2".
func onWires(t *testing.T, name string, f func(t *testing.T, w wire)) {
	t.Helper()
	for _, w := range wires {
		t.Run(name+"/wire="+w.name, func(t *testing.T) {
			t.Parallel()
			f(t, w)
		})
	}
}

// setup is the package's setup (see [setup]) on the wire. On the h2 wire
// it checks, when the test ends, that every request came over HTTP/2.
func (w wire) setup(t *testing.T, opts ...Option) (*Client, *testServer) {
	t.Helper()
	srv := w.server(t, nil)
	return newTestClient(t, srv, append([]Option{WithAPIEmail(testEmail), WithAPIKey(testAPIKey)}, opts...)...), srv
}

// server starts a test server (see [newTestServer]) on the wire.
func (w wire) server(t *testing.T, handle testHandler) *testServer {
	t.Helper()
	srv := startTestServer(t, w.tls, handle)
	t.Cleanup(func() {
		want := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[w.tls]
		for _, r := range srv.requests() {
			assert.Equal(t, want, r.Proto, "request %d came over the wrong protocol", r.N)
		}
	})
	return srv
}

// closeIdleAtEnd closes the client's idle connections when the test ends,
// unless its transport is shared (http.DefaultTransport, or the transport of
// every client that brings none), whose idle connections belong to every
// test running alongside: closing them would make tests that count
// connections see churn. Servers closing at the end of their tests close
// those connections. A client given with WithHTTPClient but no Transport
// has its own *http.Client over the shared transport: not closed either.
func closeIdleAtEnd(t *testing.T, c *Client) {
	if transportOf(c) != http.DefaultTransport && c.hc != sharedClient() && transportOf(c) != sharedTransport() {
		t.Cleanup(c.hc.CloseIdleConnections)
	}
}

// noLeaks fails the test if it leaves goroutines behind. Call it first, so
// its check runs after every other cleanup (servers closed, idle
// connections closed). Only for tests that are not parallel: goroutines of
// tests running alongside would be counted.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// memoryBase is the API root of in-memory clients; nothing listens there.
const memoryBase = "http://127.0.0.1/client/v4/"

// memoryTransport responds to every request with one canned response, without
// a network, and records the requests it saw. Fuzz targets use it.
type memoryTransport struct {
	status     int
	body       []byte
	retryAfter string

	mu   sync.Mutex
	reqs []*http.Request
}

// RoundTrip records r and returns the canned response.
func (f *memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	h := http.Header{"Content-Type": {"application/json"}, "Cf-Ray": {"memory-ray"}}
	if f.retryAfter != "" {
		h.Set("Retry-After", f.retryAfter)
	}
	return &http.Response{
		Status: http.StatusText(f.status), StatusCode: f.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(f.body)), ContentLength: int64(len(f.body)), Request: r,
	}, nil
}

func (f *memoryTransport) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

// newMemoryClient returns a token client that sends through rt, without
// retries.
func newMemoryClient(t *testing.T, rt http.RoundTripper) *Client {
	t.Helper()
	c, err := NewClient(WithBaseURL(memoryBase), WithAPIToken(testAPIToken), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
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

// successJSON returns a success response, as the API sends it, with fields
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
// example response of the API reference.
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
	srv := newTestServer(t, nil)
	srv.onLostPrefix(func(format string, args ...any) {
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
	assert.EqualValues(t, 1, srv.count())
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"request GET /user/invites/" + testInviteID + " lost the /client/v4/ prefix"}, reports)
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// setEnv sets the four environment variables NewClient reads; "" unsets one
// as far as NewClient is concerned. Tests that call it cannot be parallel.
func setEnv(t *testing.T, email, key, token, baseURL string) {
	t.Setenv(EnvAPIEmail, email)
	t.Setenv(EnvAPIKey, key)
	t.Setenv(EnvAPIToken, token)
	t.Setenv(EnvBaseURL, baseURL)
}

// assertNoSecrets checks that neither the error string nor any fmt form of
// the error holds a secret.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, err)
		for _, s := range secrets {
			assert.NotContains(t, out, s, "fmt %s of the error", verb)
		}
	}
}

// inviteJSON is an invitation in the API's JSON, with the given ID and
// status.
func inviteJSON(id string, status InviteStatus) string {
	return `{"id":"` + id + `","invited_member_id":null,"organization_id":"5a7805061c76ada191ed06f989cc3dac",` +
		`"expires_on":"2030-01-01T00:00:00Z","invited_on":"2025-01-01T00:00:00Z","invited_by":"admin@example.com",` +
		`"invited_member_email":"user@example.com","organization_is_enforcing_twofactor":false,` +
		`"organization_name":"Example Org","roles":["Administrator"],"status":"` + string(status) + `"}`
}

// inviteBody is a success envelope holding inviteJSON(id, status).
func inviteBody(id string, status InviteStatus) string {
	return `{"success":true,"errors":[],"messages":[],"result":` + inviteJSON(id, status) + `}`
}

// errorBody is a failure envelope with one error.
func errorBody(code int, message string) string {
	return `{"success":false,"errors":[{"code":` + strconv.Itoa(code) + `,"message":"` + message + `"}],"messages":[],"result":null}`
}

// htmlBody503 is the HTML page a proxy in front of the API sends with a 503.
const htmlBody503 = `<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503</h1></center><hr><center>cloudflare</center></body></html>`

// writeStatus responds with status and a body that fits it: an invitation
// for 2xx, a proxy's HTML page for 5xx, an error envelope otherwise.
func writeStatus(w http.ResponseWriter, status int) {
	switch {
	case status >= 200 && status < 300:
		replyString(w, status, inviteBody(testInviteID, InviteStatusPending))
	case status >= 500:
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cf-Ray", testRayID)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, htmlBody503)
	default:
		replyString(w, status, errorBody(1000+status, http.StatusText(status)))
	}
}

// dropConn closes the connection without a response. An HTTP/2 connection
// cannot be hijacked: there the stream is reset (INTERNAL_ERROR), which the
// client sees as a connection lost after the request was sent.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// resetConn resets the connection without a response (TCP RST): what a
// client sees when a server or proxy fails after reading the request.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// newHandshakeDropper listens on loopback and closes every connection as
// soon as it is accepted, so a TLS handshake never completes. It returns an
// https API root on it and the count of accepted connections.
func newHandshakeDropper(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var accepted atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
	})
	return "https://" + ln.Addr().String() + apiPrefix + "/", &accepted
}

// blockUntilGone waits until the client goes away (or a safety bound).
func blockUntilGone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// secretSink collects everything the package printed or logged.
type secretSink struct {
	mu  sync.Mutex
	out []string
}

// syncBuffer is a bytes.Buffer safe for a logger and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// transportOf returns the transport a client sends with, under the guard
// that NewClient puts between it and the http.Client (see locationGuard).
func transportOf(c *Client) http.RoundTripper {
	if g, ok := c.hc.Transport.(*locationGuard); ok {
		return g.next
	}
	return c.hc.Transport
}

// newRawServer starts a loopback TCP server that responds to each connection's
// one request with the raw bytes respond returns (n counts requests from 1),
// then closes it: for responses net/http's server cannot write, such as a
// status line or a header that does not parse. It returns the API root on
// the server and the request counter.
func newRawServer(t *testing.T, respond func(n int, req *http.Request) string) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	count := new(atomic.Int32)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveRaw(conn, count, respond)
			}()
		}
	}()
	return "http://" + ln.Addr().String() + apiPrefix + "/", count
}

// serveRaw reads one request from conn, writes the raw response respond
// returns for it, and closes conn. The fuzz targets run it on one end of a
// net.Pipe, so net/http's own HTTP/1.1 parsing runs without sockets.
func serveRaw(conn net.Conn, count *atomic.Int32, respond func(n int, req *http.Request) string) {
	defer conn.Close()
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	_, _ = io.WriteString(conn, respond(int(count.Add(1)), req))
}
