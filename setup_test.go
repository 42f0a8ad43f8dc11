package cloudflare_test

// Shared helpers of the root package's black-box tests: a loopback server
// that records what it receives, a client wired to it, and the assertion
// that a secret never shows.

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// Distinctive fake secrets, with characters that JSON, URL and path
// escaping change, so a test can prove no form of them leaks.
const (
	testToken = "tok/+&<Zq9SECRETx7>=0123456789abcdef"
	testEmail = "user@example.com"
	testKey   = "key/+&<Kq8SECRETy6>=fedcba9876543210"
)

// served is what a test server received of one request.
type served struct {
	Method, URI, Proto string // URI as sent: escaped path and query
	Header             http.Header
	Body               []byte
}

// server is a loopback httptest server that records every request and
// counts the connections it accepted.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []served
	conns atomic.Int32
}

// newServer starts a plain-HTTP server; h responds after the request is
// recorded (its body read). A nil h answers 200 with an empty success.
func newServer(t *testing.T, h http.HandlerFunc) *server { return startServer(t, false, h) }

// newTLSServer starts a TLS server that negotiates HTTP/2.
func newTLSServer(t *testing.T, h http.HandlerFunc) *server { return startServer(t, true, h) }

func startServer(t *testing.T, tls bool, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, served{r.Method, r.RequestURI, r.Proto, r.Header.Clone(), body})
		s.mu.Unlock()
		if h == nil {
			reply(w, http.StatusOK, success("null"))
			return
		}
		h(w, r)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes the tests make fail
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if tls {
		s.EnableHTTP2 = true
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// requests returns a copy of what the server received so far.
func (s *server) requests() []served {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]served(nil), s.reqs...)
}

func (s *server) count() int { return len(s.requests()) }

// newClient returns a client for srv (its base URL under /client/v4/) with
// testToken and 1 ms retry waits; opts come after those and may replace them.
func newClient(t *testing.T, srv *server, opts ...cloudflare.Option) *cloudflare.Client {
	t.Helper()
	all := []cloudflare.Option{
		cloudflare.WithBaseURL(srv.URL + "/client/v4/"), cloudflare.WithAPIToken(testToken),
		cloudflare.WithRetryBackoff(time.Millisecond, time.Millisecond),
	}
	if srv.TLS != nil {
		all = append(all, cloudflare.WithHTTPClient(srv.Client()))
	}
	c, err := cloudflare.NewClient(append(all, opts...)...)
	require.NoError(t, err)
	return c
}

// keyClient is newClient with testEmail and testKey in place of the token.
func keyClient(t *testing.T, srv *server, opts ...cloudflare.Option) *cloudflare.Client {
	t.Helper()
	c, err := newClient(t, srv).With(append([]cloudflare.Option{cloudflare.WithAPIEmail(testEmail), cloudflare.WithAPIKey(testKey)}, opts...)...)
	require.NoError(t, err)
	return c
}

// reply writes a JSON response.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// success is a success envelope around a JSON result.
func success(result string) string {
	return `{"success":true,"errors":[],"messages":[],"result":` + result + `}`
}

// failure is an error envelope with one error.
func failure(code int, msg string) string {
	m, _ := json.Marshal(msg)
	return `{"success":false,"errors":[{"code":` + itoa(code) + `,"message":` + string(m) + `}],"messages":[],"result":null}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// dropConn closes the connection of a request without a response.
func dropConn(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// secretForms are the forms in which a secret could leak: as is, JSON
// escaped (HTML-safe or not, and with "\/"), URL query and path escaped,
// with upper- or lower-case hex digits.
func secretForms(secret string) []string {
	js, _ := json.Marshal(secret)
	forms := []string{secret, string(js[1 : len(js)-1]), strings.ReplaceAll(secret, "/", `\/`),
		url.QueryEscape(secret), url.PathEscape(secret), (&url.URL{Path: secret}).EscapedPath()}
	for _, f := range forms[3:] {
		forms = append(forms, lowerHex(f))
	}
	var u strings.Builder // every symbol as \u00xx, as a hostile JSON encoder may write it
	for _, c := range []byte(secret) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			u.WriteByte(c)
		} else {
			fmt.Fprintf(&u, `\u%04x`, c)
		}
	}
	return append(forms, u.String())
}

// lowerHex returns s with the hex digits of its %XX escapes in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			copy(b[i+1:i+3], strings.ToLower(string(b[i+1:i+3])))
		}
	}
	return string(b)
}

// assertNoSecret fails when text holds any secret in any form.
func assertNoSecret(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			assert.NotContains(t, text, f)
		}
	}
}
