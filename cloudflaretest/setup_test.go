package cloudflaretest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// TestMain fails the run if any test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

// setup starts a plain server for one test and a client of the SDK wired
// to it; cleanup closes the server.
func setup(t *testing.T, opts ...ServerOption) (*Server, *cloudflare.Client) {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	client, err := srv.Client()
	require.NoError(t, err)
	return srv, client
}

// rawClient returns an http.Client for srv: over HTTP/2 when h2 is set
// (the server must be a TLS one), else HTTP/1.1.
func rawClient(t *testing.T, srv *Server, h2 bool) *http.Client {
	tr := &http.Transport{ForceAttemptHTTP2: h2}
	if cert := srv.Certificate(); cert != nil {
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// call is one raw request: path is relative to srv.URL, or to its root when
// it starts with "/".
type call struct {
	method, path string
	header       http.Header
	body         string
}

// get, patch and the headers below build the common calls.
func get(path string) call { return call{"GET", path, keyAuth(), ""} }

func patch(id, body string) call {
	h := keyAuth()
	h.Set("Content-Type", "application/json")
	return call{"PATCH", "user/invites/" + id, h, body}
}

func keyAuth() http.Header {
	return http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {DefaultAPIKey}}
}

// do sends c with hc and returns the response, its body read.
func (c call) do(srv *Server, hc *http.Client) (*http.Response, []byte, error) {
	u := srv.URL + c.path
	if strings.HasPrefix(c.path, "/") {
		u = strings.TrimSuffix(srv.URL, apiPrefix) + c.path
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u, strings.NewReader(c.body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// send is do for the test goroutine, over a new HTTP/1.1 client.
func (c call) send(t *testing.T, srv *Server) (*http.Response, []byte) {
	t.Helper()
	resp, body, err := c.do(srv, rawClient(t, srv, false))
	require.NoError(t, err)
	return resp, body
}

// envelope is the test's own view of a response's JSON.
type envelope struct {
	Success    *bool            `json:"success"`
	Errors     []envelopeInfo   `json:"errors"`
	Messages   []map[string]any `json:"messages"`
	Result     json.RawMessage  `json:"result"`
	ResultInfo map[string]int   `json:"result_info"`
}

type envelopeInfo struct {
	Code       int               `json:"code"`
	Source     map[string]string `json:"source"`
	ErrorChain []envelopeInfo    `json:"error_chain"`
}

func decode(t *testing.T, body []byte) envelope {
	t.Helper()
	var env envelope
	require.NoError(t, json.Unmarshal(body, &env), "body: %s", body)
	return env
}

// codes returns the code of each error of an error response, with the
// codes of its error_chain after a colon, such as "6003:6102,6103".
func codes(t *testing.T, body []byte) string {
	t.Helper()
	env := decode(t, body)
	var out []string
	for _, e := range env.Errors {
		var chain []string
		for _, c := range e.ErrorChain {
			chain = append(chain, strconv.Itoa(c.Code))
		}
		out = append(out, strings.TrimSuffix(strconv.Itoa(e.Code)+":"+strings.Join(chain, ","), ":"))
	}
	return strings.Join(out, " ")
}

// assertError checks an error response: status, the Cloudflare error
// envelope, and its codes as codes returns them.
func assertError(t *testing.T, resp *http.Response, body []byte, wantStatus int, wantCodes string) {
	t.Helper()
	assert.Equal(t, wantStatus, resp.StatusCode, "body: %s", body)
	env := decode(t, body)
	if assert.NotNil(t, env.Success) {
		assert.False(t, *env.Success)
	}
	assert.Equal(t, "null", string(env.Result))
	assert.Equal(t, []map[string]any{}, env.Messages)
	assert.Equal(t, wantCodes, codes(t, body))
	assert.Regexp(t, `^[0-9a-f]{16}-[A-Z]{3}$`, resp.Header.Get("Cf-Ray"))
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// statuses returns the response status of each recorded request.
func statuses(reqs []Request) []int {
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = r.Status
	}
	return out
}
