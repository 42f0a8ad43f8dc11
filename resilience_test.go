package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
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

// The tests in this file prove the resilience properties of the request
// pipeline (retries, reconciliation, timeouts, transport, bounded reads,
// redirects, plain http, middleware, rate limit) against loopback httptest
// servers. Helpers are prefixed "resilience" so they cannot collide with
// the helpers of the other test files of the package.

const (
	resilienceToken = "resilience-token"
	resilienceRay   = "8f1e2d3c4b5a6978-SJC"
	resilienceID    = "4f5f0c14a2a41d5063dd301b2f829f04"
)

// resilienceRequest is what a resilienceServer saw of one request.
type resilienceRequest struct {
	N      int // 1 for the first request
	Method string
	Path   string // escaped
	Query  string
	Body   string
	Header http.Header
	At     time.Time
}

// resilienceServer is a loopback httptest server that records every
// request and counts the connections it accepted.
type resilienceServer struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []resilienceRequest
	conns  atomic.Int64 // connections accepted
	closed atomic.Int64 // connections closed or hijacked
}

type resilienceHandler func(w http.ResponseWriter, r *http.Request, req resilienceRequest)

func newResilienceServer(t *testing.T, handle resilienceHandler) *resilienceServer {
	return startResilienceServer(t, false, handle)
}

func startResilienceServer(t *testing.T, useTLS bool, handle resilienceHandler) *resilienceServer {
	t.Helper()
	s := &resilienceServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		s.mu.Lock()
		req := resilienceRequest{
			N: len(s.reqs) + 1, Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Body: string(body), Header: r.Header.Clone(), At: time.Now(),
		}
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		if handle != nil {
			handle(w, r, req)
		}
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
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *resilienceServer) requests() []resilienceRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]resilienceRequest(nil), s.reqs...)
}

func (s *resilienceServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// methods returns the method of each request, in order.
func (s *resilienceServer) methods() []string {
	var m []string
	for _, r := range s.requests() {
		m = append(m, r.Method)
	}
	return m
}

// newResilienceClient returns a token client on srv's /client/v4/ with fast
// backoff; opts come last and win.
func newResilienceClient(t *testing.T, srv *resilienceServer, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithBaseURL(srv.URL + "/client/v4/"),
		WithAPIToken(resilienceToken),
		WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	resilienceCloseIdle(t, c)
	return c
}

// resilienceCloseIdle closes the client's idle connections when the test
// ends, unless its transport is http.DefaultTransport, whose idle
// connections belong to every test running alongside.
func resilienceCloseIdle(t *testing.T, c *Client) {
	if c.hc.Transport != http.DefaultTransport {
		t.Cleanup(c.hc.CloseIdleConnections)
	}
}

// resilienceNoLeaks fails the test if it leaves goroutines behind. Call it
// first, so its check runs after every other cleanup (servers closed, idle
// connections closed). Only for tests that are not parallel: goroutines of
// tests running alongside would be counted.
func resilienceNoLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func resilienceInviteJSON(id string, status InviteStatus) string {
	return `{"id":"` + id + `","invited_member_id":null,"organization_id":"5a7805061c76ada191ed06f989cc3dac",` +
		`"expires_on":"2030-01-01T00:00:00Z","invited_on":"2025-01-01T00:00:00Z","invited_by":"admin@example.com",` +
		`"invited_member_email":"user@example.com","organization_is_enforcing_twofactor":false,` +
		`"organization_name":"Example Org","roles":["Administrator"],"status":"` + string(status) + `"}`
}

func resilienceInviteBody(id string, status InviteStatus) string {
	return `{"success":true,"errors":[],"messages":[],"result":` + resilienceInviteJSON(id, status) + `}`
}

func resilienceErrorBody(code int, message string) string {
	return `{"success":false,"errors":[{"code":` + strconv.Itoa(code) + `,"message":"` + message + `"}],"messages":[],"result":null}`
}

const resilienceHTML = `<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503</h1></center><hr><center>cloudflare</center></body></html>`

// resilienceWrite answers like the API does: JSON with a CF-Ray header.
func resilienceWrite(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cf-Ray", resilienceRay)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// resilienceStatus answers with status and a body that fits it.
func resilienceStatus(w http.ResponseWriter, status int) {
	switch {
	case status >= 200 && status < 300:
		resilienceWrite(w, status, resilienceInviteBody(resilienceID, InviteStatusPending))
	case status >= 500:
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cf-Ray", resilienceRay)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, resilienceHTML)
	default:
		resilienceWrite(w, status, resilienceErrorBody(1000+status, http.StatusText(status)))
	}
}

// resilienceDrop closes the connection without answering.
func resilienceDrop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// resilienceBlock waits until the client goes away (or a safety bound).
func resilienceBlock(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// Property 2: retries end to end.

func TestResilienceRetryCounts(t *testing.T) {
	t.Parallel()
	get := func(c *Client, opts ...RequestOption) error {
		_, err := c.User.Invites.Get(context.Background(), resilienceID, opts...)
		return err
	}
	accept := func(c *Client, opts ...RequestOption) error {
		_, err := c.User.Invites.Accept(context.Background(), resilienceID, opts...)
		return err
	}
	list := func(c *Client, opts ...RequestOption) error {
		_, _, err := c.User.Invites.List(context.Background(), nil, opts...)
		return err
	}
	tests := []struct {
		name       string
		status     int
		call       func(*Client, ...RequestOption) error
		clientOpts []Option
		callOpts   []RequestOption
		want       int // attempts
	}{
		{"GET 503 default retries", 503, get, nil, nil, 3},
		{"GET 500", 500, get, nil, nil, 3},
		{"GET 502", 502, get, nil, nil, 3},
		{"GET 504", 504, get, nil, nil, 3},
		{"GET 408", 408, get, nil, nil, 3},
		{"GET 429", 429, get, nil, nil, 3},
		{"List 503", 503, list, nil, nil, 3},
		{"GET 503 WithMaxRetries(0)", 503, get, []Option{WithMaxRetries(0)}, nil, 1},
		{"GET 503 per-call retries over client 0", 503, get, []Option{WithMaxRetries(0)}, []RequestOption{WithMaxRetries(3)}, 4},
		{"GET 503 per-call retries under default", 503, get, nil, []RequestOption{WithMaxRetries(1)}, 2},
		{"GET 503 per-call 0 over client 5", 503, get, []Option{WithMaxRetries(5)}, []RequestOption{WithMaxRetries(0)}, 1},
		{"GET 501 not retried", 501, get, nil, nil, 1},
		{"GET 400 not retried", 400, get, nil, nil, 1},
		{"GET 401 not retried", 401, get, nil, nil, 1},
		{"GET 403 not retried", 403, get, nil, nil, 1},
		{"GET 404 not retried", 404, get, nil, nil, 1},
		{"GET 409 not retried", 409, get, nil, nil, 1},
		{"PATCH 400 not retried", 400, accept, nil, nil, 1},
		{"PATCH 404 not retried", 404, accept, nil, nil, 1},
		{"PATCH 503 retried", 503, accept, nil, nil, 3},
		{"PATCH 429 retried", 429, accept, nil, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
				if tt.status == 429 || tt.status == 503 {
					w.Header().Set("Retry-After", "0")
				}
				resilienceStatus(w, tt.status)
			})
			c := newResilienceClient(t, srv, tt.clientOpts...)
			err := tt.call(c, tt.callOpts...)
			require.Error(t, err)
			assert.Equal(t, tt.want, srv.count(), "requests")
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, tt.want, ae.Attempts)
			assert.Equal(t, resilienceRay, ae.RayID)
			if tt.want > 1 {
				assert.Contains(t, err.Error(), fmt.Sprintf("(after %d attempts)", tt.want))
			} else {
				assert.NotContains(t, err.Error(), "attempts")
			}
			// A refused PATCH is never followed by a reconciliation read:
			// either no attempt was uncertain or the last answer was a 5xx.
			reqs := srv.requests()
			for _, r := range reqs {
				assert.Equal(t, reqs[0].Method, r.Method)
			}
		})
	}
}

func TestResilienceRetryThenSuccess(t *testing.T) {
	t.Parallel()
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, req resilienceRequest) {
		switch req.N {
		case 1:
			resilienceStatus(w, 503)
		case 2:
			resilienceDrop(w)
		default:
			resilienceStatus(w, 200)
		}
	})
	c := newResilienceClient(t, srv)
	inv, err := c.User.Invites.Get(context.Background(), resilienceID)
	require.NoError(t, err)
	assert.Equal(t, resilienceID, inv.ID)
	assert.Equal(t, 3, srv.count())
}

// A connection lost on every attempt ends in a *RequestError that counts the
// attempts and wraps the transport's cause.
func TestResilienceTransportFailureExhausted(t *testing.T) {
	t.Parallel()
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		resilienceDrop(w)
	})
	c := newResilienceClient(t, srv)
	_, err := c.User.Invites.Get(context.Background(), resilienceID)
	require.Error(t, err)
	assert.Equal(t, 3, srv.count())
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Equal(t, http.MethodGet, re.Method)
	assert.Equal(t, "/client/v4/user/invites/"+resilienceID, re.Path)
	assert.ErrorIs(t, err, io.EOF)
	assert.Contains(t, err.Error(), "(after 3 attempts)")
	assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: GET /client/v4/user/invites/"), err.Error())
}

// A dial failure (nothing listening) is retried for every method, PATCH
// included, and the PATCH is not uncertain: no reconciliation read follows.
func TestResilienceDialFailure(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // now nothing listens there
	var attempts atomic.Int64
	c, err := NewClient(WithBaseURL("http://"+addr+"/client/v4/"), WithAPIToken(resilienceToken),
		WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
			return resilienceRT(func(r *http.Request) (*http.Response, error) {
				attempts.Add(1)
				return next.RoundTrip(r)
			})
		}))
	require.NoError(t, err)
	_, err = c.User.Invites.Accept(context.Background(), resilienceID)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Equal(t, int64(3), attempts.Load(), "PATCH tried 3 times, and never read back")
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "dial", oe.Op)
}

func TestResilienceRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		retryAfter func() string
		minGap     time.Duration
		maxGap     time.Duration
	}{
		{"429 seconds 0", 429, func() string { return "0" }, 0, 500 * time.Millisecond},
		{"429 seconds 1", 429, func() string { return "1" }, 990 * time.Millisecond, 2 * time.Second},
		{"503 seconds 1", 503, func() string { return "1" }, 990 * time.Millisecond, 2 * time.Second},
		// An HTTP date has whole seconds: now+2s waits between 1 and 2 seconds.
		{"429 HTTP-date ahead", 429, func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, 990 * time.Millisecond, 3 * time.Second},
		{"429 HTTP-date past", 429, func() string { return time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat) }, 0, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, req resilienceRequest) {
				if req.N == 1 {
					w.Header().Set("Retry-After", tt.retryAfter())
					resilienceStatus(w, tt.status)
					return
				}
				resilienceStatus(w, 200)
			})
			// A backoff far longer than any Retry-After here: if the header
			// were ignored the gap would be about a minute.
			c := newResilienceClient(t, srv, WithRetryBackoff(time.Minute, time.Minute))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			inv, err := c.User.Invites.Get(ctx, resilienceID)
			require.NoError(t, err)
			require.NotNil(t, inv)
			reqs := srv.requests()
			require.Len(t, reqs, 2)
			gap := reqs[1].At.Sub(reqs[0].At)
			assert.GreaterOrEqual(t, gap, tt.minGap)
			assert.Less(t, gap, tt.maxGap)
			t.Logf("Retry-After honoured: gap %v", gap)
		})
	}
}

// A Retry-After longer than the allowed wait returns the error at once, with
// the requested wait in RetryAfter.
func TestResilienceRetryAfterBeyondMaxWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		retryAfter  func() string
		opts        []RequestOption
		want        time.Duration
		rateLimited bool
	}{
		{"429 seconds over WithMaxRetryWait", 429, func() string { return "120" }, []RequestOption{WithMaxRetryWait(time.Second)}, 120 * time.Second, true},
		{"429 seconds over default 60s", 429, func() string { return "61" }, nil, 61 * time.Second, true},
		{"503 seconds over WithMaxRetryWait", 503, func() string { return "5" }, []RequestOption{WithMaxRetryWait(time.Second)}, 5 * time.Second, false},
		{"429 huge number", 429, func() string { return "99999999999999999999" }, nil, time.Duration(1<<63-1) / time.Second * time.Second, true},
		{"429 HTTP-date an hour ahead", 429, func() string { return time.Now().Add(time.Hour).UTC().Format(http.TimeFormat) }, nil, time.Hour, true},
		{"429 WithMaxRetryWait(0)", 429, func() string { return "1" }, []RequestOption{WithMaxRetryWait(0)}, time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
				w.Header().Set("Retry-After", tt.retryAfter())
				resilienceStatus(w, tt.status)
			})
			c := newResilienceClient(t, srv)
			// No deadline on the context: the client must decline the wait
			// by itself. If it slept instead, the test gives up after 2 s.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var err error
			done := make(chan struct{})
			start := time.Now()
			go func() {
				defer close(done)
				_, err = c.User.Invites.Get(ctx, resilienceID, tt.opts...)
			}()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				cancel()
				<-done
				t.Fatalf("still waiting after 2s: %v", err)
			}
			elapsed := time.Since(start)
			assert.Less(t, elapsed, 250*time.Millisecond, "returned at once")
			assert.Equal(t, 1, srv.count())
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 1, ae.Attempts)
			assert.InDelta(t, tt.want.Seconds(), ae.RetryAfter.Seconds(), 2, "RetryAfter %v", ae.RetryAfter)
			assert.Equal(t, tt.rateLimited, errors.Is(err, ErrRateLimited))
			assert.Contains(t, err.Error(), "(retry after ")
		})
	}
}

// Cancelling the context while the client waits between attempts ends the
// wait at once.
func TestResilienceCancelDuringBackoff(t *testing.T) {
	resilienceNoLeaks(t)
	answered := make(chan struct{}, 1)
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		resilienceStatus(w, 503)
		select {
		case answered <- struct{}{}:
		default:
		}
	})
	c := newResilienceClient(t, srv, WithRetryBackoff(10*time.Second, 10*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		err      error
		returned time.Time
		done     = make(chan struct{})
	)
	start := time.Now()
	go func() {
		defer close(done)
		_, err = c.User.Invites.Get(ctx, resilienceID)
		returned = time.Now()
	}()
	<-answered
	time.Sleep(50 * time.Millisecond) // the answer is read; the client is in its 5-10 s backoff
	canceled := time.Now()
	cancel()
	<-done
	latency := returned.Sub(canceled)
	t.Logf("returned %v after cancel (call took %v)", latency, returned.Sub(start))
	assert.Less(t, latency, 10*time.Millisecond)
	assert.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Equal(t, 1, srv.count())
}

// Property 3: a PATCH whose outcome was lost is reconciled with a read.

// resilienceInvites is a one-invite fake: PATCH answers a pending invite
// and refuses an answered one with 400; faults[i] disturbs the i-th PATCH.
type resilienceInvites struct {
	mu        sync.Mutex
	status    InviteStatus
	patches   int
	faults    []string
	getStatus int // when not 0, GET answers this status
}

const resilienceNotPending = 1001 // this fake's choice: the API's code is undocumented

func (f *resilienceInvites) handle(w http.ResponseWriter, r *http.Request, req resilienceRequest) {
	f.mu.Lock()
	if r.Method == http.MethodGet {
		status, getStatus := f.status, f.getStatus
		f.mu.Unlock()
		if getStatus != 0 {
			resilienceStatus(w, getStatus)
			return
		}
		resilienceWrite(w, 200, resilienceInviteBody(resilienceID, status))
		return
	}
	fault := ""
	if f.patches < len(f.faults) {
		fault = f.faults[f.patches]
	}
	f.patches++
	var asked InviteEditParams
	_ = json.Unmarshal([]byte(req.Body), &asked)
	other := strings.HasSuffix(fault, "-other") // someone else answered the other way
	fault = strings.TrimSuffix(fault, "-other")
	switch fault {
	case "400", "403", "404":
		f.mu.Unlock()
		code, _ := strconv.Atoi(fault)
		resilienceStatus(w, code)
		return
	}
	applied := f.status == InviteStatusPending
	if applied {
		f.status = asked.Status
		if other {
			f.status = map[InviteStatus]InviteStatus{InviteStatusAccepted: InviteStatusRejected, InviteStatusRejected: InviteStatusAccepted}[asked.Status]
		}
	}
	status := f.status
	f.mu.Unlock()
	switch fault {
	case "drop":
		resilienceDrop(w)
	case "503", "500", "502":
		code, _ := strconv.Atoi(fault)
		resilienceStatus(w, code)
	case "slow":
		resilienceBlock(r)
	default:
		if !applied {
			resilienceWrite(w, 400, resilienceErrorBody(resilienceNotPending, "Invite is not pending"))
			return
		}
		resilienceWrite(w, 200, resilienceInviteBody(resilienceID, status))
	}
}

func TestResilienceEditReconciles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  string
		status InviteStatus
		opts   []RequestOption
	}{
		{"connection dropped after accept", "drop", InviteStatusAccepted, nil},
		{"connection dropped after reject", "drop", InviteStatusRejected, nil},
		{"503 after accept", "503", InviteStatusAccepted, nil},
		{"500 after reject", "500", InviteStatusRejected, nil},
		{"502 html after accept", "502", InviteStatusAccepted, nil},
		{"attempt timeout after accept", "slow", InviteStatusAccepted, []RequestOption{WithTimeout(200 * time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := &resilienceInvites{status: InviteStatusPending, faults: []string{tt.fault}}
			srv := newResilienceServer(t, fake.handle)
			c := newResilienceClient(t, srv)
			inv, err := c.User.Invites.Edit(context.Background(), resilienceID, InviteEditParams{Status: tt.status}, tt.opts...)
			require.NoError(t, err)
			require.NotNil(t, inv)
			assert.Equal(t, tt.status, inv.Status)
			assert.Equal(t, resilienceID, inv.ID)
			assert.Equal(t, []string{"PATCH", "PATCH", "GET"}, srv.methods())
			reqs := srv.requests()
			want := `{"status":"` + string(tt.status) + `"}`
			assert.Equal(t, want, reqs[0].Body)
			assert.Equal(t, want, reqs[1].Body, "the retry sends the same body")
			assert.Equal(t, "/client/v4/user/invites/"+resilienceID, reqs[2].Path)
		})
	}
}

func TestResilienceEditReconcileNegative(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		faults      []string
		getStatus   int
		wantMethods []string
		wantStatus  int
		wantAttempt int
	}{
		{"status differs after drop", []string{"drop-other"}, 0, []string{"PATCH", "PATCH", "GET"}, 400, 2},
		{"status differs after 503", []string{"503-other"}, 0, []string{"PATCH", "PATCH", "GET"}, 400, 2},
		{"status differs after timeout", []string{"slow-other"}, 0, []string{"PATCH", "PATCH", "GET"}, 400, 2},
		{"plain 400 first: no read", []string{"400"}, 0, []string{"PATCH"}, 400, 1},
		{"plain 404 first: no read", []string{"404"}, 0, []string{"PATCH"}, 404, 1},
		{"uncertain then 404: no read", []string{"drop", "404"}, 0, []string{"PATCH", "PATCH"}, 404, 2},
		{"uncertain then 403: no read", []string{"503", "403"}, 0, []string{"PATCH", "PATCH"}, 403, 2},
		{"read fails: original error", []string{"drop"}, 500, []string{"PATCH", "PATCH", "GET", "GET", "GET"}, 400, 2},
		{"read 404: original error", []string{"drop"}, 404, []string{"PATCH", "PATCH", "GET"}, 400, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := &resilienceInvites{status: InviteStatusPending, faults: tt.faults, getStatus: tt.getStatus}
			srv := newResilienceServer(t, fake.handle)
			c := newResilienceClient(t, srv)
			inv, err := c.User.Invites.Accept(context.Background(), resilienceID, WithTimeout(200*time.Millisecond))
			assert.Nil(t, inv)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.wantStatus, ae.StatusCode)
			assert.Equal(t, http.MethodPatch, ae.Method, "the PATCH's error, not the read's")
			assert.Equal(t, tt.wantAttempt, ae.Attempts)
			assert.Equal(t, tt.wantMethods, srv.methods())
		})
	}
}

// Property 4: timeouts.

func TestResilienceTimeouts(t *testing.T) {
	t.Parallel()
	blocking := func(w http.ResponseWriter, r *http.Request, _ resilienceRequest) { resilienceBlock(r) }
	// slowBody sends the head and part of the body, then stalls: the timeout
	// covers reading the whole answer.
	slowBody := func(w http.ResponseWriter, r *http.Request, _ resilienceRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"success":true,"result":{"id":`)
		_ = http.NewResponseController(w).Flush()
		resilienceBlock(r)
	}
	tests := []struct {
		name       string
		handler    resilienceHandler
		patch      bool
		clientOpts []Option
		callOpts   []RequestOption
		want       int
		message    string
	}{
		{"client WithTimeout, GET retried", blocking, false, []Option{WithTimeout(30 * time.Millisecond)}, nil, 3, "attempt timed out after 30ms"},
		{"per-call WithTimeout", blocking, false, nil, []RequestOption{WithTimeout(40 * time.Millisecond), WithMaxRetries(0)}, 1, "attempt timed out after 40ms"},
		{"per-call WithTimeout over client", blocking, false, []Option{WithTimeout(time.Hour)}, []RequestOption{WithTimeout(20 * time.Millisecond)}, 3, "attempt timed out after 20ms"},
		{"stalled body", slowBody, false, []Option{WithTimeout(50 * time.Millisecond)}, []RequestOption{WithMaxRetries(1)}, 2, "attempt timed out after 50ms"},
		{"PATCH timeout retried", blocking, true, []Option{WithTimeout(30 * time.Millisecond)}, nil, 3, "attempt timed out after 30ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResilienceServer(t, tt.handler)
			c := newResilienceClient(t, srv, tt.clientOpts...)
			var err error
			start := time.Now()
			if tt.patch {
				_, err = c.User.Invites.Accept(context.Background(), resilienceID, tt.callOpts...)
			} else {
				_, err = c.User.Invites.Get(context.Background(), resilienceID, tt.callOpts...)
			}
			assert.Less(t, time.Since(start), 5*time.Second)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.want, re.Attempts)
			// On a loaded machine an attempt can time out before its request
			// reaches the server, so the server may count fewer.
			assert.LessOrEqual(t, srv.count(), tt.want)
			assert.GreaterOrEqual(t, srv.count(), 1)
			assert.Contains(t, err.Error(), tt.message)
			var timeout interface{ Timeout() bool }
			require.ErrorAs(t, err, &timeout)
			assert.True(t, timeout.Timeout())
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller's context did not end")
		})
	}
}

// The caller's deadline bounds the whole call, whatever the per-attempt
// timeout, and is reported as the context's error.
func TestResilienceParentDeadline(t *testing.T) {
	resilienceNoLeaks(t)
	srv := newResilienceServer(t, func(w http.ResponseWriter, r *http.Request, _ resilienceRequest) { resilienceBlock(r) })
	c := newResilienceClient(t, srv) // DefaultTimeout per attempt
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.User.Invites.Get(ctx, resilienceID)
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 50*time.Millisecond)
	assert.Less(t, elapsed, time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "attempt timed out")
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Equal(t, 1, srv.count())
}

func TestResilienceDefaultTimeout(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithAPIToken(resilienceToken))
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, c.defaults.timeout)
	assert.Equal(t, 30*time.Second, DefaultTimeout)
	c2, err := NewClient(WithAPIToken(resilienceToken), WithTimeout(time.Second))
	require.NoError(t, err)
	assert.Equal(t, time.Second, c2.defaults.timeout)
	assert.Zero(t, c.hc.Timeout, "no whole-call http.Client timeout: retries and waits are bounded by the context")
}

// Property 5: transport defaults and connection reuse.

func TestResilienceDefaultTransport(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithAPIToken(resilienceToken))
	require.NoError(t, err)
	assert.NotSame(t, http.DefaultClient, c.hc)
	tr, ok := c.hc.Transport.(*http.Transport)
	require.True(t, ok, "default transport is %T", c.hc.Transport)
	assert.NotSame(t, http.DefaultTransport, tr)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64)
	assert.GreaterOrEqual(t, tr.MaxIdleConns, tr.MaxIdleConnsPerHost)
	assert.NotNil(t, c.hc.CheckRedirect)
	// Two clients do not share a transport.
	c2, err := NewClient(WithAPIToken(resilienceToken))
	require.NoError(t, err)
	assert.NotSame(t, c.hc.Transport, c2.hc.Transport)
	// http.DefaultTransport itself was not retuned.
	assert.NotEqual(t, 128, http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost)
}

func TestResilienceHTTPClientNotMutated(t *testing.T) {
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
			_, err := NewClient(WithAPIToken(resilienceToken), WithHTTPClient(tt.hc),
				WithMiddleware(func(rt http.RoundTripper) http.RoundTripper { return rt }))
			require.NoError(t, err)
			assert.Equal(t, before, take(tt.hc))
		})
	}
	assert.Nil(t, tests[0].hc.Transport)
	assert.Nil(t, tests[0].hc.CheckRedirect)
	assert.Equal(t, 3, ownTransport.MaxIdleConnsPerHost, "the given transport is not retuned")

	// The copy still calls the given redirect check after its own.
	srv := newResilienceServer(t, func(w http.ResponseWriter, r *http.Request, req resilienceRequest) {
		if req.N == 1 {
			http.Redirect(w, r, r.URL.Path+"-moved", http.StatusTemporaryRedirect)
			return
		}
		resilienceStatus(w, 200)
	})
	c := newResilienceClient(t, srv, WithHTTPClient(tests[2].hc))
	_, err := c.User.Invites.Get(context.Background(), resilienceID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), userChecks.Load())
	ownTransport.CloseIdleConnections()
}

// 64 goroutines calling at once reuse their connections instead of opening
// and closing one per call. The control shows what churn looks like with
// http.DefaultTransport's 2 idle connections per host.
func TestResilienceConcurrentConnections(t *testing.T) {
	t.Parallel()
	const workers, calls = 64, 20
	run := func(t *testing.T, opts ...Option) (conns, closed, warm int64) {
		// In the first round every handler waits until all 64 requests
		// are in, so each goroutine holds a connection at the same time.
		var arrived atomic.Int64
		allIn := make(chan struct{})
		srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, req resilienceRequest) {
			if req.N <= workers {
				if arrived.Add(1) == workers {
					close(allIn)
				}
				select {
				case <-allIn:
				case <-time.After(5 * time.Second):
				}
			}
			resilienceStatus(w, 200)
		})
		c := newResilienceClient(t, srv, opts...)
		var failures atomic.Int64
		phase := func(n int) {
			var wg sync.WaitGroup
			for i := 0; i < workers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < n; j++ {
						if _, err := c.User.Invites.Get(context.Background(), resilienceID); err != nil {
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
		assert.Equal(t, workers*(calls+1), srv.count())
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

// Sequential calls, including ones answered with an error, share one
// connection: every body is read or drained before it is closed.
func TestResilienceConnectionReuse(t *testing.T) {
	t.Parallel()
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, req resilienceRequest) {
		switch req.N % 4 {
		case 1:
			resilienceStatus(w, 200)
		case 2:
			resilienceStatus(w, 404)
		case 3:
			resilienceWrite(w, 200, `<html>not the envelope</html>`)
		default:
			w.Header().Set("Location", "https://elsewhere.example/")
			resilienceWrite(w, http.StatusFound, `moved`)
		}
	})
	c := newResilienceClient(t, srv)
	for i := 0; i < 12; i++ {
		_, _ = c.User.Invites.Get(context.Background(), resilienceID)
	}
	assert.Equal(t, 12, srv.count())
	assert.Equal(t, int64(1), srv.conns.Load(), "one connection for 12 sequential calls")
}

// Property 6: bounded reads.

// A 64 MiB answer is cut at the size limit without being held in memory.
func TestResilienceHugeSuccessBody(t *testing.T) {
	resilienceNoLeaks(t)
	const total = 64 << 20
	var written atomic.Int64
	chunk := []byte(strings.Repeat(`{"a":"bbbbbbbbbbbbbbbbbbbbbbbbbbb"},`, 2048)[:64<<10])
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(total))
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"success":true,"result":[`)
		for written.Load() < total-int64(len(chunk)) {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	c := newResilienceClient(t, srv)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := c.User.Invites.List(context.Background(), nil)
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc

	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
	assert.Contains(t, err.Error(), "body larger than 1 MiB")
	assert.Equal(t, 1, re.Attempts, "an oversized answer is not retried")
	assert.Equal(t, 1, srv.count())
	t.Logf("64 MiB answer: TotalAlloc grew by %d bytes (%.2f MiB); server wrote %.1f MiB before the client hung up",
		allocated, float64(allocated)/(1<<20), float64(written.Load())/(1<<20))
	assert.Less(t, allocated, uint64(10<<20))
	srv.Close() // waits for the handler, whose writes now fail
	assert.Less(t, written.Load(), int64(total/2), "the client stopped reading early")
}

func TestResilienceMaxResponseBytes(t *testing.T) {
	t.Parallel()
	// padded returns a valid one-invite envelope of exactly n bytes.
	padded := func(n int) string {
		body := resilienceInviteBody(resilienceID, InviteStatusPending)
		return body[:len(body)-1] + `,"pad":"` + strings.Repeat("x", n-len(body)-9) + `"}`
	}
	require.Len(t, padded(4096), 4096)
	tests := []struct {
		name    string
		limit   int64
		size    int
		wantErr string
	}{
		{"exactly the limit", 4096, 4096, ""},
		{"one byte over", 4096, 4097, "body larger than 4 KiB"},
		{"far over", 4096, 100 << 10, "body larger than 4 KiB"},
		{"odd limit", 1000, 1001, "body larger than 1000 bytes"},
		{"default limit", DefaultMaxResponseBytes, DefaultMaxResponseBytes + 1, "body larger than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
				resilienceWrite(w, 200, padded(tt.size))
			})
			c := newResilienceClient(t, srv, WithMaxResponseBytes(tt.limit))
			inv, err := c.User.Invites.Get(context.Background(), resilienceID)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, resilienceID, inv.ID)
				return
			}
			assert.ErrorIs(t, err, ErrUnexpectedResponse)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, 1, srv.count())
		})
	}
}

// A success body whose Content-Length is over the limit is refused before
// any of it is read; one that fits is read as usual.
func TestResilienceAnnouncedLength(t *testing.T) {
	t.Parallel()
	// A valid envelope padded to 1000 bytes, above the smallest limit.
	body := resilienceInviteBody(resilienceID, InviteStatusPending)
	body = body[:len(body)-1] + `,"pad":"` + strings.Repeat("x", 1000-len(body)-9) + `"}`
	require.Len(t, body, 1000)
	tests := []struct {
		name    string
		limit   int64
		wantErr string
	}{
		{"fits", int64(len(body)), ""},
		{"over", int64(len(body)) - 1, "(Content-Length " + strconv.Itoa(len(body)) + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				resilienceWrite(w, 200, body)
			})
			c := newResilienceClient(t, srv, WithMaxResponseBytes(tt.limit))
			inv, err := c.User.Invites.Get(context.Background(), resilienceID)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, resilienceID, inv.ID)
				return
			}
			assert.Nil(t, inv)
			assert.ErrorIs(t, err, ErrUnexpectedResponse)
			assert.Contains(t, err.Error(), "body larger than")
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// A 5 MiB HTML error page becomes an *APIError with a short excerpt.
func TestResilienceHugeErrorBody(t *testing.T) {
	t.Parallel()
	page := "<html><head><title>502 Bad Gateway</title></head><body>" + strings.Repeat("<p>upstream  \n\t trouble é</p>", (5<<20)/30) + "</body></html>"
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cf-Ray", resilienceRay)
		w.WriteHeader(502)
		_, _ = io.WriteString(w, page)
	})
	c := newResilienceClient(t, srv, WithMaxRetries(0))
	_, err := c.User.Invites.Get(context.Background(), resilienceID)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 502, ae.StatusCode)
	assert.Equal(t, resilienceRay, ae.RayID)
	assert.True(t, strings.HasPrefix(ae.Body, "<html><head><title>502 Bad Gateway</title>"), ae.Body)
	assert.LessOrEqual(t, len(ae.Body), 300)
	assert.NotContains(t, ae.Body, "\n")
	assert.NotContains(t, ae.Body, "  ", "white space is folded")
	assert.Less(t, len(err.Error()), 500)
	t.Logf("excerpt: %d bytes; error: %d bytes", len(ae.Body), len(err.Error()))
}

// Property 7: redirects.

func TestResilienceRedirectsAway(t *testing.T) {
	t.Parallel()
	evil := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		resilienceStatus(w, 200)
	})
	evilTLS := startResilienceServer(t, true, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		resilienceStatus(w, 200)
	})
	evilURL, err := url.Parse(evil.URL)
	require.NoError(t, err)
	const path = "/client/v4/user/invites/" + resilienceID
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
		make func(t *testing.T, srv *resilienceServer) *Client
	}{
		{"token", func(t *testing.T, srv *resilienceServer) *Client { return newResilienceClient(t, srv) }},
		{"key", func(t *testing.T, srv *resilienceServer) *Client {
			c, err := NewClient(WithBaseURL(srv.URL+"/client/v4/"), WithAPIEmail("user@example.com"), WithAPIKey("resilience-key"))
			require.NoError(t, err)
			resilienceCloseIdle(t, c)
			return c
		}},
		{"given zero http.Client", func(t *testing.T, srv *resilienceServer) *Client {
			return newResilienceClient(t, srv, WithHTTPClient(&http.Client{}))
		}},
		{"given http.Client with transport", func(t *testing.T, srv *resilienceServer) *Client {
			return newResilienceClient(t, srv, WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
		}},
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, target := range targets {
			for _, cl := range clients {
				t.Run(fmt.Sprintf("%d %s %s", status, target.name, cl.name), func(t *testing.T) {
					srv := newResilienceServer(t, func(w http.ResponseWriter, r *http.Request, _ resilienceRequest) {
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

func srvHost(t *testing.T, srv *resilienceServer) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return u.Host
}

func checkRedirectAway(t *testing.T, c *Client, srv *resilienceServer, status int, wantLocation string) {
	t.Helper()
	for _, call := range []func() error{
		func() error { _, err := c.User.Invites.Get(context.Background(), resilienceID); return err },
		func() error { _, err := c.User.Invites.Accept(context.Background(), resilienceID); return err },
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
	assert.Equal(t, 2, srv.count())
	if c.hc.Transport != http.DefaultTransport {
		// Not with http.DefaultTransport: tests running alongside may close
		// its idle connections.
		assert.Equal(t, int64(1), srv.conns.Load(), "no second connection to the main server (other scheme)")
	}
}

func TestResilienceRedirectsSameOrigin(t *testing.T) {
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
				srv := newResilienceServer(t, func(w http.ResponseWriter, r *http.Request, req resilienceRequest) {
					if req.N == 1 || tt.loop {
						http.Redirect(w, r, "/client/v4/user/invites/moved"+strconv.Itoa(req.N), tt.status)
						return
					}
					resilienceWrite(w, 200, resilienceInviteBody("moved1", InviteStatusAccepted))
				})
				var opts []Option
				if given {
					opts = append(opts, WithHTTPClient(&http.Client{}))
				}
				c := newResilienceClient(t, srv, opts...)
				var inv *Invite
				var err error
				if tt.patch {
					inv, err = c.User.Invites.Accept(context.Background(), resilienceID)
				} else {
					inv, err = c.User.Invites.Get(context.Background(), resilienceID)
				}
				assert.Equal(t, tt.wantMethods, srv.methods())
				reqs := srv.requests()
				if tt.wantFollow {
					require.NoError(t, err)
					assert.Equal(t, "moved1", inv.ID)
					assert.Equal(t, "/client/v4/user/invites/moved1", reqs[1].Path)
					assert.Equal(t, reqs[0].Body, reqs[1].Body, "body preserved")
					assert.Equal(t, "Bearer "+resilienceToken, reqs[1].Header.Get("Authorization"), "same origin keeps credentials")
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

// Property 8: plain http only to loopback, or when asked for.

func TestResiliencePlainHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base     string
		insecure bool
		ok       bool
	}{
		{"http://example.com", false, false},
		{"http://example.com/client/v4/", false, false},
		{"http://10.0.0.1:8080/", false, false},
		{"http://localhost.example.com/", false, false},
		{"http://127.0.0.1.nip.io/", false, false},
		{"http://[::ffff:10.0.0.1]/", false, false},
		{"http://127.0.0.1", false, true},
		{"http://127.0.0.1:8080/client/v4", false, true},
		{"http://127.9.9.9/", false, true},
		{"http://localhost", false, true},
		{"http://LocalHost:9999/", false, true},
		{"http://[::1]", false, true},
		{"http://[::1]:8443/client/v4/", false, true},
		{"https://example.com/client/v4/", false, true},
		{"http://example.com", true, true},
		{"http://10.0.0.1:8080/", true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s insecure %v", tt.base, tt.insecure), func(t *testing.T) {
			t.Parallel()
			opts := []Option{WithAPIToken(resilienceToken), WithBaseURL(tt.base)}
			if tt.insecure {
				opts = append(opts, WithInsecureHTTP())
			}
			c, err := NewClient(opts...)
			if !tt.ok {
				assert.Nil(t, c)
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.ErrorIs(t, err, ErrValidation)
				assert.Equal(t, "WithBaseURL", ve.Field)
				assert.Contains(t, ve.Reason, "clear text")
				return
			}
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(c.BaseURL(), "/"))
		})
	}
}

func TestResiliencePlainHTTPFromEnvironment(t *testing.T) {
	t.Setenv(EnvBaseURL, "http://example.com/client/v4/")
	_, err := NewClient(WithAPIToken(resilienceToken))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, EnvBaseURL, ve.Field)
	t.Setenv(EnvBaseURL, "http://127.0.0.1:1/client/v4/")
	_, err = NewClient(WithAPIToken(resilienceToken))
	assert.NoError(t, err)
}

// Property 10: middleware.

type resilienceRT func(*http.Request) (*http.Response, error)

func (f resilienceRT) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestResilienceMiddleware(t *testing.T) {
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
			return resilienceRT(func(r *http.Request) (*http.Response, error) {
				record(name + ">" + r.Header.Get("Authorization"))
				resp, err := next.RoundTrip(r)
				if resp != nil {
					record("<" + name + strconv.Itoa(resp.StatusCode))
				}
				return resp, err
			})
		}
	}
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, req resilienceRequest) {
		if req.N < 3 {
			resilienceStatus(w, 503)
			return
		}
		resilienceStatus(w, 200)
	})
	base := srv.Client().Transport
	given := &http.Client{Transport: resilienceRT(func(r *http.Request) (*http.Response, error) {
		record("transport")
		return base.RoundTrip(r)
	})}
	c := newResilienceClient(t, srv, WithHTTPClient(given), WithMiddleware(mw("A")), WithMiddleware(mw("B")))
	_, err := c.User.Invites.Get(context.Background(), resilienceID)
	require.NoError(t, err)
	auth := "Bearer " + resilienceToken
	attempt := func(status int) []string {
		return []string{"A>" + auth, "B>" + auth, "transport", "<B" + strconv.Itoa(status), "<A" + strconv.Itoa(status)}
	}
	want := append(append(attempt(503), attempt(503)...), attempt(200)...)
	mu.Lock()
	assert.Equal(t, want, trace, "first middleware outermost, each attempt seen, the given transport innermost")
	mu.Unlock()
}

// A middleware that answers by itself shows it wraps the transport: no
// request reaches the network.
func TestResilienceMiddlewareShortCircuit(t *testing.T) {
	t.Parallel()
	srv := newResilienceServer(t, nil)
	var calls atomic.Int64
	c := newResilienceClient(t, srv, WithMiddleware(func(http.RoundTripper) http.RoundTripper {
		return resilienceRT(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			body := resilienceInviteBody("fromMiddleware", InviteStatusPending)
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
		})
	}))
	inv, err := c.User.Invites.Get(context.Background(), resilienceID)
	require.NoError(t, err)
	assert.Equal(t, "fromMiddleware", inv.ID)
	assert.Equal(t, int64(1), calls.Load())
	assert.Zero(t, srv.count())
}

// Property 11: client-side rate limit.

func TestResilienceRateLimit(t *testing.T) {
	t.Parallel()
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		resilienceStatus(w, 200)
	})
	c := newResilienceClient(t, srv, WithRateLimit(20, 1))
	start := time.Now()
	for i := 0; i < 5; i++ {
		_, err := c.User.Invites.Get(context.Background(), resilienceID)
		require.NoError(t, err)
	}
	elapsed := time.Since(start)
	t.Logf("5 calls at 20 rps, burst 1: %v", elapsed)
	assert.GreaterOrEqual(t, elapsed, 190*time.Millisecond)
	assert.Less(t, elapsed, 2*time.Second)
	reqs := srv.requests()
	// The limiter spaces its grants 50 ms apart; arrival times add a little
	// jitter, so the check is on the time since the first request.
	for i := 1; i < len(reqs); i++ {
		assert.GreaterOrEqual(t, reqs[i].At.Sub(reqs[0].At), time.Duration(i)*50*time.Millisecond-10*time.Millisecond, "request %d", i+1)
	}
}

// Retries wait for the limiter too.
func TestResilienceRateLimitRetries(t *testing.T) {
	t.Parallel()
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		resilienceStatus(w, 503)
	})
	c := newResilienceClient(t, srv, WithRateLimit(20, 1))
	start := time.Now()
	_, err := c.User.Invites.Get(context.Background(), resilienceID)
	require.Error(t, err)
	assert.Equal(t, 3, srv.count())
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond)
}

func TestResilienceRateLimitCancel(t *testing.T) {
	resilienceNoLeaks(t)
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		resilienceStatus(w, 200)
	})
	c := newResilienceClient(t, srv, WithRateLimit(0.1, 1)) // one call, then one every 10 s
	_, err := c.User.Invites.Get(context.Background(), resilienceID)
	require.NoError(t, err)

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var canceled time.Time
		timer := time.AfterFunc(30*time.Millisecond, func() { canceled = time.Now(); cancel() })
		defer timer.Stop()
		_, err := c.User.Invites.Get(ctx, resilienceID)
		returned := time.Now()
		latency := returned.Sub(canceled)
		t.Logf("limiter wait ended %v after cancel", latency)
		assert.Less(t, latency, 20*time.Millisecond)
		assert.ErrorIs(t, err, context.Canceled)
		var re *RequestError
		assert.ErrorAs(t, err, &re)
	})
	t.Run("deadline shorter than the wait", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.User.Invites.Get(ctx, resilienceID)
		assert.Less(t, time.Since(start), 100*time.Millisecond)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var re *RequestError
		assert.ErrorAs(t, err, &re)
	})
	assert.Equal(t, 1, srv.count(), "no request while the limiter held the call")
}

// A client given with WithHTTPClient whose own CheckRedirect refuses a
// redirect gets the refused redirect as a *ResponseError, and the PATCH is
// sent once, never retried as if its answer were lost.
func TestResilienceUserCheckRedirectRefuses(t *testing.T) {
	t.Parallel()
	srv := newResilienceServer(t, func(w http.ResponseWriter, r *http.Request, _ resilienceRequest) {
		http.Redirect(w, r, "/client/v4/user/invites/"+resilienceID+"x", http.StatusTemporaryRedirect)
	})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("no redirects here") }}
	c := newResilienceClient(t, srv, WithHTTPClient(hc))
	_, err := c.User.Invites.Accept(context.Background(), resilienceID)
	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusTemporaryRedirect, re.StatusCode)
	assert.Contains(t, re.Reason, "not followed")
	assert.Equal(t, 1, srv.count(), "the PATCH was sent once")
}

// An error status whose body breaks off is still the server's answer: an
// *APIError from what was read, retried (or not) by its status alone.
func TestResilienceErrorBodyBreaksOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status    int
		wantCalls int
	}{
		{400, 1}, // a refusal: never retried, not even for PATCH
		{503, 3}, // try later: retried
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
				w.Header().Set("Content-Length", "1000")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "<html>cut short")
				w.(http.Flusher).Flush()
				resilienceDrop(w)
			})
			c := newResilienceClient(t, srv)
			_, err := c.User.Invites.Accept(context.Background(), resilienceID)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, "<html>cut short", ae.Body)
			assert.Equal(t, tt.wantCalls, srv.count())
		})
	}
}

// An answer that arrives as the caller's context ends is returned, not
// replaced by the context's error.
func TestResilienceAnswerAtContextEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newResilienceServer(t, func(w http.ResponseWriter, _ *http.Request, _ resilienceRequest) {
		cancel()
		resilienceStatus(w, 503)
	})
	c := newResilienceClient(t, srv, WithHTTPClient(&http.Client{Transport: resilienceRT(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r.WithContext(context.WithoutCancel(r.Context())))
		if err == nil {
			<-ctx.Done()
		}
		return resp, err
	})}))
	_, err := c.User.Invites.Get(ctx, resilienceID)
	var ae *APIError
	require.ErrorAs(t, err, &ae, "got %v", err)
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, 1, srv.count())
}
