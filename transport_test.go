package cloudflare

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTransport_Redirects(t *testing.T) {
	t.Parallel()
	const otherID = "0123456789abcdef0123456789abcdef"
	otherPath := apiPrefix + "/user/invites/" + otherID

	t.Run("GET follows a redirect within the origin", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t)
		body := fixture(t, "invite-response.json")
		srv.mux.HandleFunc("GET /user/invites/"+testInviteID, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherPath, http.StatusFound)
		})
		srv.mux.HandleFunc("GET /user/invites/"+otherID, func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, body)
		})

		inv, err := client.User.Invites.Get(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, referenceInvite(), *inv)
		reqs := srv.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, otherPath, reqs[1].Path)
		assertRequestHeaders(t, reqs[1], "")
	})

	t.Run("PATCH follows a 308 within the origin with its body", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t)
		body := fixture(t, "invite-response.json")
		srv.mux.HandleFunc("PATCH /user/invites/"+testInviteID, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherPath, http.StatusPermanentRedirect)
		})
		srv.mux.HandleFunc("PATCH /user/invites/"+otherID, func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, body)
		})

		inv, err := client.User.Invites.Accept(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, referenceInvite(), *inv)
		reqs := srv.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, http.MethodPatch, reqs[1].Method)
		assertRequestHeaders(t, reqs[1], `{"status":"accepted"}`)
	})

	refused := []struct {
		name       string
		method     string
		status     int
		location   func(self, other string) string
		wantReason string
		wantReqs   int64
	}{
		{"PATCH is not turned into a GET by a 302", http.MethodPatch, http.StatusFound,
			func(self, _ string) string { return self + otherPath }, "would change the method", 1},
		{"no redirect to another origin", http.MethodGet, http.StatusFound,
			func(_, other string) string { return other + otherPath + "?q=secret" }, "credentials are only sent to", 1},
		{"no redirect to another origin for PATCH", http.MethodPatch, http.StatusTemporaryRedirect,
			func(_, other string) string { return other + otherPath }, "credentials are only sent to", 1},
		{"a redirect loop stops", http.MethodGet, http.StatusFound,
			func(self, _ string) string { return self + invitePath }, "or loop", 5},
		{"a redirect without Location", http.MethodGet, http.StatusFound,
			func(string, string) string { return "" }, "redirect not followed", 1},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t)
			other := newTestServer(t, nil)
			self := strings.TrimSuffix(client.BaseURL(), apiPrefix+"/")
			location := tt.location(self, other.URL)
			srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				if location != "" {
					w.Header().Set("Location", location)
				}
				w.WriteHeader(tt.status)
			})

			var err error
			if tt.method == http.MethodPatch {
				_, err = client.User.Invites.Accept(context.Background(), testInviteID)
			} else {
				_, err = client.User.Invites.Get(context.Background(), testInviteID)
			}

			var re *ResponseError
			require.ErrorAs(t, err, &re)
			assert.ErrorIs(t, err, ErrUnexpectedResponse)
			assert.Equal(t, tt.status, re.StatusCode)
			assert.Contains(t, re.Reason, tt.wantReason)
			assert.Equal(t, strings.TrimSuffix(location, "?q=secret"), re.Location, "Location without its query")
			assert.NotContains(t, err.Error(), "secret")
			assert.EqualValues(t, tt.wantReqs, srv.count())
			assert.Zero(t, other.count(), "a request reached another origin")
		})
	}
}

func TestTransport_Middleware(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	mw := func(name string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				order = append(order, name+" "+r.Method+" "+r.URL.EscapedPath())
				mu.Unlock()
				return next.RoundTrip(r)
			})
		}
	}
	client, srv := setup(t, WithMiddleware(mw("outer")), WithMiddleware(mw("inner")))
	body := fixture(t, "invite-response.json")
	srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, body)
	})

	_, err := client.User.Invites.Get(context.Background(), testInviteID)

	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"outer GET " + invitePath, "inner GET " + invitePath}, order)
}

func TestTransport_DefaultTransport(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithAPIToken(testAPIToken))
	require.NoError(t, err)
	assert.NotSame(t, http.DefaultClient, c.hc)
	tr, ok := transportOf(c).(*http.Transport)
	require.True(t, ok, "default transport is %T", transportOf(c))
	assert.NotSame(t, http.DefaultTransport, tr)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64)
	assert.Zero(t, tr.MaxIdleConns, "no cap over all hosts: clients of several base URLs share the pool")
	assert.Equal(t, 90*time.Second, tr.IdleConnTimeout, "idle connections are closed after 90 s")
	assert.NotNil(t, c.hc.CheckRedirect)
	// Two clients share one transport, so one pool of connections.
	c2, err := NewClient(WithAPIToken(testAPIToken))
	require.NoError(t, err)
	assert.Same(t, c.hc, c2.hc)
	assert.Same(t, c.hc.Transport, c2.hc.Transport)
	// http.DefaultTransport itself was not retuned.
	assert.NotEqual(t, 128, http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost)
}

func TestTransport_HTTPClientNotMutated(t *testing.T) {
	t.Parallel()
	type snapshot struct {
		transport     http.RoundTripper
		checkRedirect uintptr
		jar           http.CookieJar
		timeout       time.Duration
	}
	take := func(hc *http.Client) snapshot {
		s := snapshot{transport: hc.Transport, jar: hc.Jar, timeout: hc.Timeout}
		if hc.CheckRedirect != nil {
			s.checkRedirect = reflect.ValueOf(hc.CheckRedirect).Pointer()
		}
		return s
	}
	var userChecks atomic.Int64
	ownTransport := &http.Transport{MaxIdleConnsPerHost: 3}
	tests := []struct {
		name string
		hc   *http.Client
	}{
		{"zero client", &http.Client{}},
		{"client with timeout", &http.Client{Timeout: 7 * time.Second}},
		{"client with transport and redirect check", &http.Client{Transport: ownTransport, CheckRedirect: func(*http.Request, []*http.Request) error {
			userChecks.Add(1)
			return nil
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := take(tt.hc)
			_, err := NewClient(WithAPIToken(testAPIToken), WithHTTPClient(tt.hc),
				WithMiddleware(func(rt http.RoundTripper) http.RoundTripper { return rt }))
			require.NoError(t, err)
			assert.Equal(t, before, take(tt.hc))
		})
	}
	assert.Nil(t, tests[0].hc.Transport)
	assert.Nil(t, tests[0].hc.CheckRedirect)
	assert.Equal(t, 3, ownTransport.MaxIdleConnsPerHost, "the given transport is not retuned")

	// The copy still calls the given redirect check after its own.
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, req recordedRequest) {
		if req.N == 1 {
			http.Redirect(w, r, r.URL.Path+"-moved", http.StatusTemporaryRedirect)
			return
		}
		writeStatus(w, 200)
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithHTTPClient(tests[2].hc))
	_, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), userChecks.Load())
	ownTransport.CloseIdleConnections()
}

// 64 goroutines calling at once reuse their connections instead of opening
// and closing one per call. The control shows what churn looks like with
// http.DefaultTransport's 2 idle connections per host.
func TestTransport_ConcurrentConnections(t *testing.T) {
	t.Parallel()
	const workers, calls = 64, 20
	run := func(t *testing.T, opts ...Option) (conns, closed, warm int64) {
		// In the first round every handler waits until all 64 requests
		// are in, so each goroutine holds a connection at the same time.
		var arrived atomic.Int64
		allIn := make(chan struct{})
		srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, req recordedRequest) {
			if req.N <= workers {
				if arrived.Add(1) == workers {
					close(allIn)
				}
				select {
				case <-allIn:
				case <-time.After(5 * time.Second):
				}
			}
			writeStatus(w, 200)
		})
		c := newTestClient(t, srv, append([]Option{WithAPIToken(testAPIToken)}, opts...)...)
		var failures atomic.Int64
		phase := func(n int) {
			var wg sync.WaitGroup
			for i := 0; i < workers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < n; j++ {
						if _, err := c.User.Invites.Get(context.Background(), testInviteID); err != nil {
							failures.Add(1)
						}
					}
				}()
			}
			wg.Wait()
		}
		phase(1)
		warm = srv.conns.Load()
		phase(calls)
		assert.Zero(t, failures.Load())
		assert.EqualValues(t, workers*(calls+1), srv.count())
		return srv.conns.Load(), srv.closed.Load(), warm
	}
	conns, closed, warm := run(t)
	t.Logf("%d calls from %d goroutines: %d connections (%d after the first round), %d closed while running",
		workers*(calls+1), workers, conns, warm, closed)
	// net/http may dial a spare connection while a busy one is being put
	// back, and drop a dial nobody waits for any more: a few extra, never
	// one per call.
	assert.Equal(t, int64(workers), warm)
	assert.LessOrEqual(t, conns, int64(workers+workers/8), "bounded by the concurrency, not by the calls")
	assert.LessOrEqual(t, closed, int64(workers/8), "no churn")

	t.Run("control", func(t *testing.T) {
		conns, closed, _ := run(t, WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}))
		t.Logf("control with 2 idle connections per host: %d connections, %d closed", conns, closed)
		assert.Greater(t, closed, int64(workers), "the control churns, so the check above can fail")
	})
}

// Sequential calls, including ones that got an error response, share one
// connection: every body is read or drained before it is closed.
func TestTransport_ConnectionReuse(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, req recordedRequest) {
		switch req.N % 4 {
		case 1:
			writeStatus(w, 200)
		case 2:
			writeStatus(w, 404)
		case 3:
			replyString(w, 200, `<html>not the envelope</html>`)
		default:
			w.Header().Set("Location", "https://elsewhere.example/")
			replyString(w, http.StatusFound, `moved`)
		}
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken))
	for i := 0; i < 12; i++ {
		_, _ = c.User.Invites.Get(context.Background(), testInviteID)
	}
	assert.EqualValues(t, 12, srv.count())
	assert.Equal(t, int64(1), srv.conns.Load(), "one connection for 12 sequential calls")
}

func TestTransport_RedirectsAway(t *testing.T) {
	t.Parallel()
	evil := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		writeStatus(w, 200)
	})
	evilTLS := startTestServer(t, true, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		writeStatus(w, 200)
	})
	evilURL, err := url.Parse(evil.URL)
	require.NoError(t, err)
	const path = "/client/v4/user/invites/" + testInviteID
	targets := []struct {
		name string
		// location builds the Location header from the main server's host.
		location func(mainHost string) string
		want     func(mainHost string) string
	}{
		{"other host", func(string) string { return "http://localhost:" + evilURL.Port() + path + "?token=leak" },
			func(string) string { return "http://localhost:" + evilURL.Port() + path }},
		{"other port", func(string) string { return evil.URL + path + "?token=leak" },
			func(string) string { return evil.URL + path }},
		{"other scheme", func(h string) string { return "https://" + h + path },
			func(h string) string { return "https://" + h + path }},
		{"other scheme, host and port", func(string) string { return evilTLS.URL + path },
			func(string) string { return evilTLS.URL + path }},
		{"scheme-relative", func(string) string { return "//localhost:" + evilURL.Port() + path },
			func(string) string { return "http://localhost:" + evilURL.Port() + path }},
		{"user info", func(string) string { return "http://user:pass@" + evilURL.Host + path },
			func(string) string { return evil.URL + path }},
	}
	clients := []struct {
		name string
		make func(t *testing.T, srv *testServer) *Client
	}{
		{"token", func(t *testing.T, srv *testServer) *Client { return newTestClient(t, srv, WithAPIToken(testAPIToken)) }},
		{"key", func(t *testing.T, srv *testServer) *Client {
			c, err := NewClient(WithBaseURL(srv.URL+"/client/v4/"), WithAPIEmail("user@example.com"), WithAPIKey("resilience-key"))
			require.NoError(t, err)
			closeIdleAtEnd(t, c)
			return c
		}},
		{"given zero http.Client", func(t *testing.T, srv *testServer) *Client {
			return newTestClient(t, srv, WithAPIToken(testAPIToken), WithHTTPClient(&http.Client{}))
		}},
		{"given http.Client with transport", func(t *testing.T, srv *testServer) *Client {
			return newTestClient(t, srv, WithAPIToken(testAPIToken), WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
		}},
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, target := range targets {
			for _, cl := range clients {
				t.Run(fmt.Sprintf("%d %s %s", status, target.name, cl.name), func(t *testing.T) {
					srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ recordedRequest) {
						w.Header().Set("Location", target.location(r.Host))
						w.WriteHeader(status)
					})
					checkRedirectAway(t, cl.make(t, srv), srv, status, target.want(srvHost(t, srv)))
				})
			}
		}
	}
	// Checked after the subtests, which are not parallel, have all run.
	assert.Zero(t, evil.conns.Load(), "the other server got no connection")
	assert.Zero(t, evil.count(), "the other server got no request")
	assert.Zero(t, evilTLS.conns.Load(), "the https server got no connection")
}

func srvHost(t *testing.T, srv *testServer) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return u.Host
}

func checkRedirectAway(t *testing.T, c *Client, srv *testServer, status int, wantLocation string) {
	t.Helper()
	for _, call := range []func() error{
		func() error { _, err := c.User.Invites.Get(context.Background(), testInviteID); return err },
		func() error { _, err := c.User.Invites.Accept(context.Background(), testInviteID); return err },
	} {
		err := call()
		var re *ResponseError
		require.ErrorAs(t, err, &re)
		assert.ErrorIs(t, err, ErrUnexpectedResponse)
		assert.Equal(t, status, re.StatusCode)
		assert.Equal(t, wantLocation, re.Location)
		assert.Contains(t, err.Error(), strconv.Itoa(status))
		assert.Contains(t, err.Error(), wantLocation)
		assert.Contains(t, err.Error(), "not followed")
		assert.NotContains(t, err.Error(), "leak", "the query is left out")
		assert.NotContains(t, err.Error(), "pass", "user info is left out")
		assert.Equal(t, 1, re.Attempts, "a redirect is not retried")
	}
	assert.EqualValues(t, 2, srv.count())
	if transportOf(c) != http.DefaultTransport {
		// Not with http.DefaultTransport: tests running alongside may close
		// its idle connections.
		assert.Equal(t, int64(1), srv.conns.Load(), "no second connection to the main server (other scheme)")
	}
}

func TestTransport_RedirectsSameOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		patch       bool
		loop        bool
		wantFollow  bool
		wantMethods []string
	}{
		{"PATCH 307 followed", 307, true, false, true, []string{"PATCH", "PATCH"}},
		{"PATCH 308 followed", 308, true, false, true, []string{"PATCH", "PATCH"}},
		{"PATCH 302 not followed", 302, true, false, false, []string{"PATCH"}},
		{"PATCH 301 not followed", 301, true, false, false, []string{"PATCH"}},
		{"PATCH 303 not followed", 303, true, false, false, []string{"PATCH"}},
		{"GET 302 followed", 302, false, false, true, []string{"GET", "GET"}},
		{"GET 301 followed", 301, false, false, true, []string{"GET", "GET"}},
		{"GET 307 loop stops", 307, false, true, false, []string{"GET", "GET", "GET", "GET", "GET"}},
		{"PATCH 308 loop stops", 308, true, true, false, []string{"PATCH", "PATCH", "PATCH", "PATCH", "PATCH"}},
	}
	for _, tt := range tests {
		for _, given := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s given client %v", tt.name, given), func(t *testing.T) {
				t.Parallel()
				srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, req recordedRequest) {
					if req.N == 1 || tt.loop {
						http.Redirect(w, r, "/client/v4/user/invites/moved"+strconv.Itoa(req.N), tt.status)
						return
					}
					replyString(w, 200, inviteBody("moved1", InviteStatusAccepted))
				})
				var opts []Option
				if given {
					opts = append(opts, WithHTTPClient(&http.Client{}))
				}
				c := newTestClient(t, srv, append([]Option{WithAPIToken(testAPIToken)}, opts...)...)
				var inv *Invite
				var err error
				if tt.patch {
					inv, err = c.User.Invites.Accept(context.Background(), testInviteID)
				} else {
					inv, err = c.User.Invites.Get(context.Background(), testInviteID)
				}
				assert.Equal(t, tt.wantMethods, srv.methods())
				reqs := srv.requests()
				if tt.wantFollow {
					require.NoError(t, err)
					assert.Equal(t, "moved1", inv.ID)
					assert.Equal(t, "/client/v4/user/invites/moved1", reqs[1].Path)
					assert.Equal(t, reqs[0].Body, reqs[1].Body, "body preserved")
					assert.Equal(t, "Bearer "+testAPIToken, reqs[1].Header.Get("Authorization"), "same origin keeps credentials")
					if tt.patch {
						assert.Equal(t, `{"status":"accepted"}`, reqs[1].Body)
						assert.Equal(t, "application/json", reqs[1].Header.Get("Content-Type"))
					}
					return
				}
				var re *ResponseError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, tt.status, re.StatusCode)
				assert.Contains(t, re.Location, "/client/v4/user/invites/moved")
				assert.Contains(t, err.Error(), "would change the method or loop")
			})
		}
	}
}

func TestTransport_MiddlewareOrder(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var trace []string
	record := func(s string) {
		mu.Lock()
		trace = append(trace, s)
		mu.Unlock()
	}
	mw := func(name string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				record(name + ">" + r.Header.Get("Authorization"))
				resp, err := next.RoundTrip(r)
				if resp != nil {
					record("<" + name + strconv.Itoa(resp.StatusCode))
				}
				return resp, err
			})
		}
	}
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, req recordedRequest) {
		if req.N < 3 {
			writeStatus(w, 503)
			return
		}
		writeStatus(w, 200)
	})
	base := srv.Client().Transport
	given := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		record("transport")
		return base.RoundTrip(r)
	})}
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithHTTPClient(given), WithMiddleware(mw("A")), WithMiddleware(mw("B")))
	_, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)
	auth := "Bearer " + testAPIToken
	attempt := func(status int) []string {
		return []string{"A>" + auth, "B>" + auth, "transport", "<B" + strconv.Itoa(status), "<A" + strconv.Itoa(status)}
	}
	want := append(append(attempt(503), attempt(503)...), attempt(200)...)
	mu.Lock()
	assert.Equal(t, want, trace, "first middleware outermost, each attempt seen, the given transport innermost")
	mu.Unlock()
}

// A middleware that responds by itself shows it wraps the transport: no
// request reaches the network.
func TestTransport_MiddlewareShortCircuit(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	var calls atomic.Int64
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithMiddleware(func(http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			body := inviteBody("fromMiddleware", InviteStatusPending)
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
		})
	}))
	inv, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)
	assert.Equal(t, "fromMiddleware", inv.ID)
	assert.Equal(t, int64(1), calls.Load())
	assert.Zero(t, srv.count())
}

// A client given with WithHTTPClient whose own CheckRedirect refuses a
// redirect gets the refused redirect as a *ResponseError, and the PATCH is
// sent once, never retried as if its response were lost.
func TestTransport_UserCheckRedirectRefuses(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ recordedRequest) {
		http.Redirect(w, r, "/client/v4/user/invites/"+testInviteID+"x", http.StatusTemporaryRedirect)
	})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("no redirects here") }}
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithHTTPClient(hc))
	_, err := c.User.Invites.Accept(context.Background(), testInviteID)
	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusTemporaryRedirect, re.StatusCode)
	assert.Contains(t, re.Reason, "not followed")
	assert.EqualValues(t, 1, srv.count(), "the PATCH was sent once")
}

// TestTransport_SharedAndPrivatePools is not parallel: it closes the idle
// connections of the shared transport, which tests running alongside use.
func TestTransport_SharedAndPrivatePools(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) { writeStatus(w, 200) })
	a, err := NewClient(WithBaseURL(srv.apiURL()), WithAPIToken(testAPIToken))
	require.NoError(t, err)
	b, err := NewClient(WithBaseURL(srv.apiURL()), WithAPIEmail(testEmail), WithAPIKey(testAPIKey))
	require.NoError(t, err)
	own := &http.Transport{}
	t.Cleanup(own.CloseIdleConnections)
	private, err := NewClient(WithBaseURL(srv.apiURL()), WithAPIToken(testAPIToken), WithHTTPClient(&http.Client{Transport: own}))
	require.NoError(t, err)
	assert.Same(t, sharedClient(), a.hc)
	assert.Same(t, a.hc, b.hc)
	assert.NotSame(t, a.hc, private.hc)

	for _, c := range []*Client{a, b, a, b} {
		_, err := c.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, srv.conns.Load(), "sequential calls of two clients reuse one connection")
	_, err = private.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)
	assert.EqualValues(t, 2, srv.conns.Load(), "a client with its own *http.Client has its own pool")

	private.CloseIdleConnections()
	require.Eventually(t, func() bool { return srv.closed.Load() == 1 }, 5*time.Second, time.Millisecond, "the private pool's idle connection is closed")
	a.CloseIdleConnections()
	require.Eventually(t, func() bool { return srv.closed.Load() == 2 }, 5*time.Second, time.Millisecond, "the shared pool's idle connection is closed")
}

// TestRedirect_UnparsableLocationIsRefused: a redirect whose Location is not
// a URL is a refused redirect like any other (a *ResponseError naming its
// target, redacted), never a transport error quoting the header, and it is
// not retried.
func TestRedirect_UnparsableLocationIsRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, location, wantLocation string
	}{
		{"bad escape", "https://evil.example/%zz/" + testAPIToken, "https://evil.example/%zz/[redacted]"},
		{"bad escape, query left out", "https://evil.example/%zz/x?token=" + testAPIToken, "https://evil.example/%zz/x"},
		{"bad IPv6 host", "http://[" + testAPIToken + "]/", "http://[[redacted]]/"},
		{"bad port", "https://evil.example:" + testAPIToken + "/", "https://evil.example:[redacted]/"},
	} {
		for _, status := range []int{301, 302, 303, 307, 308} {
			for _, m := range []struct {
				name, method string
				call         func(c *Client) error
			}{
				{"Edit", http.MethodPatch, func(c *Client) error {
					_, err := c.User.Invites.Accept(context.Background(), testInviteID)
					return err
				}},
				{"Get", http.MethodGet, func(c *Client) error {
					_, err := c.User.Invites.Get(context.Background(), testInviteID)
					return err
				}},
			} {
				t.Run(tt.name+"/"+http.StatusText(status)+"/"+m.name, func(t *testing.T) {
					t.Parallel()
					srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
						w.Header()["Location"] = []string{tt.location}
						w.WriteHeader(status)
					})
					var logBuf syncBuffer
					c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithLogger(secretLogger(&logBuf)))

					err := m.call(c)

					var re *ResponseError
					require.ErrorAs(t, err, &re)
					assert.ErrorIs(t, err, ErrUnexpectedResponse)
					assert.Equal(t, status, re.StatusCode)
					assert.Equal(t, tt.wantLocation, re.Location)
					assert.Contains(t, re.Reason, "not followed")
					assert.Equal(t, 1, re.Attempts)
					assert.Equal(t, []string{m.method}, srv.methods(), "a refused redirect is not retried")
					assertNoSecretIn(t, testAPIToken, err)
					assert.NotContains(t, logBuf.String(), testAPIToken)
				})
			}
		}
	}
}

// TestLocationGuard_LeavesOthersAlone: the guard only touches a redirect
// whose Location does not parse.
func TestLocationGuard_LeavesOthersAlone(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status   int
		location string
	}{
		{307, "https://elsewhere.example/x"},
		{307, "/relative/path"},
		{307, ""},
		{200, "%zz"}, // not a redirect: kept as sent
	} {
		next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			h := http.Header{}
			if tt.location != "" {
				h.Set("Location", tt.location)
			}
			return &http.Response{StatusCode: tt.status, Header: h, Body: http.NoBody, Request: r}, nil
		})
		req := httptest.NewRequest(http.MethodGet, "https://api.example/client/v4/", nil)
		resp, err := (&locationGuard{next}).RoundTrip(req)
		require.NoError(t, err)
		assert.Equal(t, tt.location, resp.Header.Get("Location"))
		assert.Empty(t, resp.Header.Get(unparsableLocation))
	}
	_, err := (&locationGuard{roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, io.ErrUnexpectedEOF
	})}).RoundTrip(httptest.NewRequest(http.MethodGet, "https://api.example/", nil))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// wrapperTransport is what a test suite might install as
// http.DefaultTransport to observe traffic: not an *http.Transport.
type wrapperTransport struct{ next http.RoundTripper }

func (w wrapperTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return w.next.RoundTrip(r)
}

// stubTransport is what httpmock or gock install as http.DefaultTransport:
// it responds to every request itself.
type stubTransport struct{ calls atomic.Int32 }

func (s *stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.calls.Add(1)
	return &http.Response{StatusCode: http.StatusTeapot, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("stub")), Request: r}, nil
}

// TestNewClient_WhateverDefaultTransport replaces http.DefaultTransport, as
// httpmock and gock do in users' test suites: NewClient does not panic, and
// the client still reaches the real server with a transport of Go's default
// settings (and ours), never through the stub. It must not run in parallel
// with anything: it changes a global, and puts it back when it ends.
func TestNewClient_WhateverDefaultTransport(t *testing.T) {
	orig := http.DefaultTransport
	t.Cleanup(func() { http.DefaultTransport = orig })
	goDefault, ok := orig.(*http.Transport)
	require.True(t, ok, "the test starts from Go's own default transport")
	stub := &stubTransport{}
	custom := goDefault.Clone()
	custom.TLSHandshakeTimeout = 3 * time.Second

	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		replyString(w, http.StatusOK, `{"success":true,"errors":[],"messages":[],"result":`+echoInvite("", "")+`}`)
	})

	for _, tt := range []struct {
		name      string
		transport http.RoundTripper
	}{
		{"a wrapper RoundTripper", wrapperTransport{orig}},
		{"an httpmock-style stub", stub},
		{"nil", nil},
		{"a nil *http.Transport", (*http.Transport)(nil)},
		{"a customised *http.Transport", custom},
	} {
		t.Run(tt.name, func(t *testing.T) {
			http.DefaultTransport = tt.transport
			defer func() { http.DefaultTransport = orig }()

			for _, opts := range [][]Option{
				{WithAPIToken(testAPIToken)},                                 // the shared transport
				{WithAPIToken(testAPIToken), WithHTTPClient(&http.Client{})}, // a client without a Transport
				{WithAPIToken(testAPIToken), WithMiddleware(func(rt http.RoundTripper) http.RoundTripper { return rt })}, // a private copy
			} {
				var c *Client
				require.NotPanics(t, func() { c = newTestClient(t, srv, opts...) })
				tr, ok := transportOf(c).(*http.Transport)
				require.True(t, ok, "transport %T", transportOf(c))
				if given, ok := tt.transport.(*http.Transport); ok && given != nil {
					assert.NotSame(t, given, tr, "never the global itself")
				}
				assertGoDefaultSettings(t, goDefault, tr)

				inv, err := c.User.Invites.Get(context.Background(), testInviteID)
				require.NoError(t, err, "the client reaches the real server")
				assert.Equal(t, testInviteID, inv.ID)
				assert.Zero(t, stub.calls.Load(), "the stub in http.DefaultTransport is not used")
			}
		})
	}
}

// assertGoDefaultSettings checks that tr has the settings of Go's
// http.DefaultTransport that the SDK keeps, and the SDK's own.
func assertGoDefaultSettings(t *testing.T, goDefault, tr *http.Transport) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://api.cloudflare.com/", nil)
	wantProxy, wantErr := goDefault.Proxy(req)
	require.NotNil(t, tr.Proxy, "proxy from the environment")
	gotProxy, gotErr := tr.Proxy(req)
	assert.Equal(t, wantProxy, gotProxy)
	assert.Equal(t, wantErr, gotErr)
	assert.NotNil(t, tr.DialContext)
	assert.Equal(t, goDefault.ForceAttemptHTTP2, tr.ForceAttemptHTTP2)
	assert.Equal(t, goDefault.TLSHandshakeTimeout, tr.TLSHandshakeTimeout)
	assert.Equal(t, goDefault.ExpectContinueTimeout, tr.ExpectContinueTimeout)
	assert.Equal(t, goDefault.IdleConnTimeout, tr.IdleConnTimeout)
	assert.Equal(t, goDefault.ResponseHeaderTimeout, tr.ResponseHeaderTimeout)
	assert.Equal(t, goDefault.DisableCompression, tr.DisableCompression)
	assert.Equal(t, 128, tr.MaxIdleConnsPerHost)
}

// The shared transport resumes TLS sessions: a connection opened after the
// first one (a burst, an idle timeout, a GOAWAY) skips the certificate
// exchange. Setting a TLS configuration keeps HTTP/2 negotiated.
func TestTransport_ResumesTLSSessions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		http2      bool
		transport  func() *http.Transport
		wantResume bool
	}{
		{"HTTP/2", true, newTransport, true},
		{"HTTP/1.1", false, newTransport, true},
		{"control: no session cache", true, func() *http.Transport {
			tr := newTransport()
			tr.TLSClientConfig.ClientSessionCache = nil
			return tr
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeStatus(w, 200) }))
			srv.EnableHTTP2 = tc.http2
			srv.StartTLS()
			t.Cleanup(srv.Close)
			roots := x509.NewCertPool()
			roots.AddCert(srv.Certificate())
			tr := tc.transport()
			tr.TLSClientConfig.RootCAs = roots
			t.Cleanup(tr.CloseIdleConnections)
			c, err := NewClient(WithAPIToken(testAPIToken), WithBaseURL(srv.URL+"/client/v4/"), WithHTTPClient(&http.Client{Transport: tr}))
			require.NoError(t, err)

			var mu sync.Mutex
			var handshakes []tls.ConnectionState
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
					mu.Lock()
					defer mu.Unlock()
					assert.NoError(t, err)
					handshakes = append(handshakes, cs)
				},
			})
			for range 2 {
				_, err := c.User.Invites.Get(ctx, testInviteID)
				require.NoError(t, err)
				c.CloseIdleConnections()
			}

			mu.Lock()
			defer mu.Unlock()
			require.Len(t, handshakes, 2, "a new connection for each call")
			wantProto := "http/1.1"
			if tc.http2 {
				wantProto = "h2"
			}
			for _, cs := range handshakes {
				assert.Equal(t, wantProto, cs.NegotiatedProtocol)
			}
			assert.False(t, handshakes[0].DidResume, "the first handshake is a full one")
			assert.Equal(t, tc.wantResume, handshakes[1].DidResume, "the second resumes the first's session")
		})
	}
}
