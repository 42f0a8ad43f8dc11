package cloudflaretest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// TestMain fails the run if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fixture is a fake server with a client of the SDK wired to it, and the
// log of every response the server wrote.
type fixture struct {
	srv    *Server
	client *cloudflare.Client
	raw    *http.Client // for requests the SDK would never send

	mu        sync.Mutex
	exchanges []exchange
}

// setup starts a server for one test. At cleanup it closes the server and
// validates every response the server wrote against the schema.
func setup(t *testing.T, opts ...ServerOption) *fixture {
	t.Helper()
	return start(t, NewServer, opts)
}

// setupTLS is setup with a server from NewTLSServer; the fixture's raw
// client trusts its certificate and speaks HTTP/2.
func setupTLS(t *testing.T, opts ...ServerOption) *fixture {
	t.Helper()
	return start(t, NewTLSServer, opts)
}

func start(t *testing.T, newServer func(...ServerOption) *Server, opts []ServerOption) *fixture {
	t.Helper()
	f := &fixture{}
	f.srv = newServer(append([]ServerOption{withObserver(f.observe)}, opts...)...)
	f.raw = &http.Client{Transport: &http.Transport{}}
	if f.srv.Certificate() != nil {
		f.raw = rawTLSClient(t, f.srv, true)
	}
	t.Cleanup(func() {
		f.srv.Close()
		f.raw.CloseIdleConnections()
		f.validate(t)
	})
	f.client = f.newClient(t)
	return f
}

func (f *fixture) observe(ex exchange) {
	f.mu.Lock()
	f.exchanges = append(f.exchanges, ex)
	f.mu.Unlock()
}

// newClient returns a client of the fake (with its quick retries), and opts.
func (f *fixture) newClient(t *testing.T, opts ...cloudflare.Option) *cloudflare.Client {
	t.Helper()
	c, err := f.srv.Client(opts...)
	require.NoError(t, err)
	return c
}

// validate checks every response the server wrote.
func (f *fixture) validate(t *testing.T) {
	d := loadSchema(t)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ex := range f.exchanges {
		for _, e := range validateExchange(d, ex) {
			t.Error(e)
		}
	}
}

// responses returns how many responses the server wrote.
func (f *fixture) responses() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.exchanges)
}

// do sends a raw request to path (relative to the server's URL, or to its
// root when path starts with "/") and returns the status, headers and body
// of the response. It is for the test goroutine; other goroutines use send.
func (f *fixture) do(t *testing.T, method, path string, header http.Header, body string) (int, http.Header, []byte) {
	t.Helper()
	status, h, b, err := f.send(method, path, header, body)
	require.NoError(t, err)
	return status, h, b
}

// send is do without the test: it returns the error instead.
func (f *fixture) send(method, path string, header http.Header, body string) (int, http.Header, []byte, error) {
	u := f.srv.URL + path
	if strings.HasPrefix(path, "/") {
		u = strings.TrimSuffix(f.srv.URL, apiPrefix) + path
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := f.raw.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// keyAuth returns the headers of the fake's default email and key.
func keyAuth() http.Header {
	return http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {DefaultAPIKey}}
}

// jsonKeyAuth is keyAuth with a JSON Content-Type, for a PATCH.
func jsonKeyAuth() http.Header {
	h := keyAuth()
	h.Set("Content-Type", "application/json")
	return h
}

// envelope is the test's own view of a response's JSON.
type envelope struct {
	Success    *bool           `json:"success"`
	Errors     []envelopeInfo  `json:"errors"`
	Messages   []envelopeInfo  `json:"messages"`
	Result     json.RawMessage `json:"result"`
	ResultInfo map[string]int  `json:"result_info"`
}

type envelopeInfo struct {
	Code       int               `json:"code"`
	Message    string            `json:"message"`
	Source     map[string]string `json:"source"`
	ErrorChain []envelopeInfo    `json:"error_chain"`
}

// decodeEnvelope decodes a response's body.
func decodeEnvelope(t *testing.T, body []byte) envelope {
	t.Helper()
	var env envelope
	require.NoError(t, json.Unmarshal(body, &env), "body: %s", body)
	return env
}

// assertError checks an error response: status, envelope shape and the codes
// of its first error and of that error's chain.
func assertError(t *testing.T, status int, body []byte, wantStatus, wantCode int, wantChain ...int) envelope {
	t.Helper()
	assert.Equal(t, wantStatus, status, "status; body: %s", body)
	env := decodeEnvelope(t, body)
	require.NotNil(t, env.Success)
	assert.False(t, *env.Success)
	assert.Equal(t, "null", string(env.Result))
	assert.NotNil(t, env.Messages)
	assert.Empty(t, env.Messages)
	require.Len(t, env.Errors, 1, "body: %s", body)
	assert.Equal(t, wantCode, env.Errors[0].Code, "body: %s", body)
	var chain []int
	for _, c := range env.Errors[0].ErrorChain {
		chain = append(chain, c.Code)
	}
	assert.Equal(t, wantChain, chain, "error_chain; body: %s", body)
	return env
}

// apiError unwraps err as an *APIError.
func apiError(t *testing.T, err error) *cloudflare.APIError {
	t.Helper()
	var ae *cloudflare.APIError
	require.ErrorAs(t, err, &ae)
	return ae
}

// fixedClock is a clock tests can move.
type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(now string) *fixedClock {
	t, err := time.Parse(time.RFC3339, now)
	if err != nil {
		panic(err)
	}
	return &fixedClock{now: t}
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fixedClock) Set(now time.Time) {
	c.mu.Lock()
	c.now = now
	c.mu.Unlock()
}

var ctx = context.Background()

// statuses returns the response status of each recorded request.
func statuses(reqs []Request) []int {
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = r.Status
	}
	return out
}
