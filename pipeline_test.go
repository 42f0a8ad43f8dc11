package cloudflare_test

// Tests of the request pipeline through Client.Do: what is sent, what is
// decoded, which failures are retried and how long the waits are, bounded
// reads, redirects, the logger and the limiter.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// sequence answers the n-th request (from 0) with steps[n], the last step
// repeating.
func sequence(steps ...http.HandlerFunc) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		steps[min(i, len(steps)-1)](w, r)
	}, &n
}

func status(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		reply(w, code, body)
	}
}

var (
	ok200 = status(200, success(`{"id":"x"}`))
	drop  = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { dropConn(w) })
	// cutShort announces a body longer than it sends.
	cutShort = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		reply(w, 200, `{"success":true,`)
	})
)

func TestDoSendsWhatItIsGiven(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	c := newClient(t, srv)
	ctx := context.Background()
	require.NoError(t, c.Do(ctx, http.MethodGet, "memberships?status=pending&page=2", nil, nil))
	require.NoError(t, c.Do(ctx, http.MethodPost, "things", struct {
		Name string `json:"name"`
	}{"n"}, nil))
	require.NoError(t, c.Do(ctx, http.MethodPut, "raw", []byte(`{"a": 1}`), nil))
	require.NoError(t, c.Do(ctx, http.MethodPatch, "raw", json.RawMessage(`[1, 2]`), nil))
	require.NoError(t, c.Do(ctx, http.MethodDelete, "raw", []byte(nil), nil))
	reqs := srv.requests()
	require.Len(t, reqs, 5)
	assert.Equal(t, "/client/v4/memberships?status=pending&page=2", reqs[0].URI)
	assert.Empty(t, reqs[0].Body)
	assert.Empty(t, reqs[0].Header.Get("Content-Length"))
	assert.Equal(t, `{"name":"n"}`, string(reqs[1].Body))
	assert.Equal(t, `{"a": 1}`, string(reqs[2].Body))
	assert.Equal(t, `[1, 2]`, string(reqs[3].Body))
	assert.Equal(t, "application/json", reqs[4].Header.Get("Content-Type"), "an empty body is still a body")
}

func TestDoDecodesResult(t *testing.T) {
	t.Parallel()
	srv := newServer(t, status(200, success(`{"id":"abc","n":3}`)))
	c := newClient(t, srv)
	var out struct {
		ID string `json:"id"`
		N  int    `json:"n"`
	}
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "x", nil, &out))
	assert.Equal(t, "abc", out.ID)
	assert.Equal(t, 3, out.N)
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "x", nil, nil), "a nil result discards")
	var wrong []int
	err := c.Do(context.Background(), http.MethodGet, "x", nil, &wrong)
	var ae *cloudflare.APIError
	assert.ErrorAs(t, err, &ae, "a result that does not decode is an APIError")
}

func TestDoRejectsBadArgumentsBeforeSending(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	c := newClient(t, srv)
	tests := []struct{ method, path, field string }{
		{"", "x", "method"}, {"get", "x", "method"}, {"GE T", "x", "method"},
		{"GET", "/abs", "path"}, {"GET", "https://evil.example/x", "path"}, {"GET", "//evil.example/x", "path"},
		{"GET", "x#frag", "path"}, {"GET", "%zz", "path"},
	}
	for _, tt := range tests {
		err := c.Do(context.Background(), tt.method, tt.path, nil, nil)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, tt.method+" "+tt.path) {
			assert.Equal(t, tt.field, ve.Field)
		}
	}
	err := c.Do(context.Background(), http.MethodPost, "x", func() {}, nil)
	assert.ErrorIs(t, err, cloudflare.ErrValidation, "a body JSON cannot encode")
	err = c.Do(context.Background(), http.MethodGet, "x", nil, nil, cloudflare.WithResponseInto(nil))
	assert.ErrorIs(t, err, cloudflare.ErrValidation)
	assert.Zero(t, srv.count())
}

// TestDoRetriesByMethod: what is retried depends on the method and on
// whether the request could have reached the server.
func TestDoRetriesByMethod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method string
		first        http.HandlerFunc
		wantRequests int
		wantUnknown  bool // the call fails with ErrOutcomeUnknown
	}{
		{"GET after 500", http.MethodGet, status(500, failure(1000, "oops")), 2, false},
		{"PUT after 503", http.MethodPut, status(503, failure(1000, "busy")), 2, false},
		{"DELETE after 503", http.MethodDelete, status(503, failure(1000, "busy")), 2, false},
		{"POST after 429 Retry-After 0", http.MethodPost, status(429, failure(1015, "slow down"), "Retry-After", "0"), 2, false},
		{"POST after 408", http.MethodPost, status(408, ""), 2, false},
		{"POST after 500", http.MethodPost, status(500, failure(1000, "oops")), 1, true},
		{"PATCH after 502", http.MethodPatch, status(502, "<html>bad gateway</html>"), 1, true},
		{"POST after a dropped connection", http.MethodPost, drop, 1, true},
		{"POST after a success body cut short", http.MethodPost, cutShort, 1, true},
		{"GET after a success body cut short", http.MethodGet, cutShort, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := sequence(tt.first, ok200)
			srv := newServer(t, h)
			err := newClient(t, srv).Do(context.Background(), tt.method, "things/1", []byte(`{}`), nil)
			assert.Equal(t, tt.wantRequests, srv.count())
			if !tt.wantUnknown {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
			assert.Contains(t, err.Error(), "outcome unknown")
			var ae *cloudflare.APIError
			// A response came (a status, or a success cut short): an APIError.
			assert.Equal(t, strings.Contains(tt.name, " 50") || strings.Contains(tt.name, "cut short"), errors.As(err, &ae), "errors.As finds the APIError")
			if strings.Contains(tt.name, "cut short") {
				assert.Equal(t, 200, ae.StatusCode)
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the APIError wraps what broke the body off")
			}
		})
	}
}

// failingDialer dials addr, failing the first n dials with a refused
// connection: nothing of the request is written.
type failingDialer struct {
	fail  int32
	dials atomic.Int32
	err   error
}

func (d *failingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.dials.Add(1) <= d.fail {
		return nil, d.err
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func TestPOSTRetriedWhenNothingWasSent(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	d := &failingDialer{fail: 1, err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	c := newClient(t, srv, cloudflare.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: d.dial}}))
	require.NoError(t, c.Do(context.Background(), http.MethodPost, "things", []byte(`{}`), nil))
	assert.Equal(t, int32(2), d.dials.Load())
	assert.Equal(t, 1, srv.count())

	// A listener closed first: every attempt is refused, none reached a server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	c, err = cloudflare.NewClient(cloudflare.WithBaseURL("http://"+ln.Addr().String()), cloudflare.WithAPIToken(testToken),
		cloudflare.WithRetryBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	err = c.Do(context.Background(), http.MethodPost, "things", []byte(`{}`), nil)
	require.Error(t, err)
	assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "(after 3 attempts)")
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr)
}

func TestGETRetriedOnlyOnTransientStatuses(t *testing.T) {
	t.Parallel()
	for _, code := range []int{500, 502, 503, 504, 408, 429, 400, 401, 403, 404, 501} {
		retried := code >= 500 && code != 501 || code == 408 || code == 429
		h, _ := sequence(status(code, failure(1000, "e")), ok200)
		srv := newServer(t, h)
		err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil)
		if retried {
			assert.NoError(t, err, code)
			assert.Equal(t, 2, srv.count(), code)
			continue
		}
		var ae *cloudflare.APIError
		if assert.ErrorAs(t, err, &ae, code) {
			assert.Equal(t, code, ae.StatusCode)
		}
		assert.Equal(t, 1, srv.count(), code)
	}
	h, _ := sequence(drop, ok200)
	srv := newServer(t, h)
	assert.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil), "dropped connection")
	assert.Equal(t, 2, srv.count())
}

func TestMaxRetriesCountsAttempts(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 3} {
		srv := newServer(t, status(503, failure(1000, "busy")))
		err := newClient(t, srv, cloudflare.WithMaxRetries(5)).Do(context.Background(), http.MethodGet, "x", nil, nil, cloudflare.WithMaxRetries(n))
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, n+1, srv.count())
		if n > 0 {
			assert.Contains(t, err.Error(), "(after "+itoa(n+1)+" attempts)")
		} else {
			assert.NotContains(t, err.Error(), "after")
		}
	}
}

// slowBackoff makes every wait without Retry-After an hour: under a 30 s
// deadline the pipeline then returns at once instead of waiting, so a call
// that succeeds proves a shorter wait was used.
var slowBackoff = cloudflare.WithRetryBackoff(time.Hour, time.Hour)

func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	h, _ := sequence(status(503, failure(1000, "busy"), "Retry-After", "0"), ok200)
	srv := newServer(t, h)
	require.NoError(t, newClient(t, srv, slowBackoff).Do(deadline(t), http.MethodGet, "x", nil, nil))
	assert.Equal(t, 2, srv.count())

	// Without Retry-After the hour-long backoff outlasts the deadline: the
	// last error comes back at once.
	srv = newServer(t, status(500, failure(1000, "oops")))
	err := newClient(t, srv, slowBackoff).Do(deadline(t), http.MethodGet, "x", nil, nil)
	var ae *cloudflare.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 500, ae.StatusCode)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, srv.count())
}

func TestRetryAfterOverAMinuteReturnsAtOnce(t *testing.T) {
	t.Parallel()
	h, _ := sequence(status(429, failure(1015, "slow down"), "Retry-After", "61"), ok200)
	srv := newServer(t, h)
	err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil) // no deadline: would wait 61 s
	var ae *cloudflare.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 61*time.Second, ae.RetryAfter)
	assert.ErrorIs(t, err, cloudflare.ErrRateLimited)
	assert.Contains(t, err.Error(), "retry after 1m1s")
	assert.Equal(t, 1, srv.count())
}

func TestCancelDuringWaitReturns(t *testing.T) {
	t.Parallel()
	for _, during := range []bool{false, true} {
		t.Run(map[bool]string{false: "between attempts", true: "during the wait"}[during], func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, status(503, failure(1000, "busy")))
			ctx := &cancelOnDeadline{deadline: time.Now().Add(2 * time.Hour)}
			ctx.Context, ctx.cancel = context.WithCancel(context.Background())
			// The attempt's log record is written after its response, before
			// the pipeline weighs the wait against the context's deadline.
			logged := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
				if during {
					ctx.armed.Store(true) // cancel when the pipeline asks for the deadline, just before it waits
				} else {
					ctx.cancel()
				}
				return len(p), nil
			}), &slog.HandlerOptions{Level: slog.LevelDebug}))
			done := make(chan error, 1)
			go func() {
				done <- newClient(t, srv, slowBackoff, cloudflare.WithLogger(logged)).Do(ctx, http.MethodGet, "x", nil, nil)
			}()
			select {
			case err := <-done:
				if during {
					assert.ErrorIs(t, err, context.Canceled)
				} else {
					var ae *cloudflare.APIError
					assert.ErrorAs(t, err, &ae, "a context that ends after a response returns that response")
				}
				assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: GET /client/v4/x: "), err.Error())
			case <-time.After(20 * time.Second):
				t.Fatal("a cancelled call kept waiting out its hour-long backoff")
			}
			assert.Equal(t, 1, srv.count())
		})
	}
}

// cancelOnDeadline is a context that cancels itself when Deadline is asked
// for once armed.
type cancelOnDeadline struct {
	context.Context
	cancel   context.CancelFunc
	deadline time.Time
	armed    atomic.Bool
}

func (c *cancelOnDeadline) Deadline() (time.Time, bool) {
	if c.armed.Load() {
		c.cancel()
	}
	return c.deadline, true
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil,
		cloudflare.WithTimeout(50*time.Millisecond), cloudflare.WithMaxRetries(1))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "attempt timed out after 50ms")
	assert.Equal(t, 2, srv.count(), "a timed-out GET is retried")

	err = newClient(t, srv).Do(context.Background(), http.MethodPost, "x", nil, nil, cloudflare.WithTimeout(50*time.Millisecond))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, cloudflare.ErrOutcomeUnknown, "a POST that timed out may have acted")
	assert.Equal(t, 3, srv.count())
}

func TestPermanentTransportFailuresNotRetried(t *testing.T) {
	t.Parallel()
	// A resolver that says the name does not exist: no network is asked.
	d := &failingDialer{fail: 100, err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nosuchhost.invalid", IsNotFound: true}}}
	c, err := cloudflare.NewClient(cloudflare.WithBaseURL("http://nosuchhost.invalid/"), cloudflare.WithInsecureHTTP(),
		cloudflare.WithAPIToken(testToken), cloudflare.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: d.dial}}))
	require.NoError(t, err)
	err = c.Do(context.Background(), http.MethodGet, "x", nil, nil)
	var dnsErr *net.DNSError
	assert.ErrorAs(t, err, &dnsErr)
	assert.Equal(t, int32(1), d.dials.Load())

	// A certificate the client does not trust.
	srv := newTLSServer(t, nil)
	c, err = cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL), cloudflare.WithAPIToken(testToken))
	require.NoError(t, err)
	err = c.Do(context.Background(), http.MethodGet, "x", nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")
	assert.NotContains(t, err.Error(), "after")
	assert.Zero(t, srv.count())
	assert.Equal(t, int32(1), srv.conns.Load(), "one handshake: not retried")
}

func TestResponseInto(t *testing.T) {
	t.Parallel()
	body := `{"success":true,"errors":[],"messages":[{"code":1,"message":"note"}],"result":null,` +
		`"result_info":{"page":2,"per_page":5,"count":1,"total_count":6}}`
	srv := newServer(t, status(200, body, "CF-Ray", "ray-1-SJC", "X-Extra", "e"))
	var resp cloudflare.Response
	var out *struct{ ID string }
	require.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, &out, cloudflare.WithResponseInto(&resp)))
	assert.Nil(t, out, "null stays null")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "ray-1-SJC", resp.RayID)
	assert.Equal(t, "e", resp.Header.Get("X-Extra"))
	assert.Equal(t, []cloudflare.ResponseInfo{{Code: 1, Message: "note"}}, resp.Messages)
	assert.Equal(t, &cloudflare.ResultInfo{Page: 2, PerPage: 5, Count: 1, TotalCount: 6}, resp.ResultInfo)
	assert.Equal(t, body, string(resp.Body))

	srv = newServer(t, status(403, failure(10000, "Authentication error"), "CF-Ray", "ray-2-LHR"))
	err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil, cloudflare.WithResponseInto(&resp))
	require.ErrorIs(t, err, cloudflare.ErrAuthentication)
	assert.Equal(t, 403, resp.StatusCode)
	assert.Equal(t, "ray-2-LHR", resp.RayID)
	assert.Equal(t, failure(10000, "Authentication error"), string(resp.Body))
	assert.Nil(t, resp.ResultInfo)
}

func TestBoundedReads(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("a", 2<<20)
	tests := []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"body over 1 MiB", status(200, success(`"`+big+`"`)), "body larger than 1 MiB"},
		{"Content-Length over 1 MiB, body never sent", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", itoa(10<<20))
			w.WriteHeader(200)
			http.NewResponseController(w).Flush()
			<-r.Context().Done() // stall: reading or draining the body would hang until the attempt timeout
		}, "body larger than 1 MiB"},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("x", 32<<10))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "body larger than 1 MiB"},
		{"truncated JSON", status(200, `{"success":true,"result":{"id":`), `body is not a Cloudflare API response (Content-Type "application/json"): unexpected end of JSON input`},
		{"headers over 64 KiB", status(200, success("null"), "X-Big", strings.Repeat("h", 100<<10)), "GET /client/v4/x: unreadable response: "},
		{"HTML 502 page", status(502, "<html><head><TITLE>\n  502 Bad &amp; Gateway\t</title></head></html>"), `502 Bad Gateway: page "502 Bad & Gateway"`},
		{"HTML without title", status(502, "<html>\n<body>upstream   down</body></html>"), `body "<html> <body>upstream down</body></html>"`},
		{"long title", status(502, "<title>a"+strings.Repeat("é", 300)+"</title>"), `page "a` + strings.Repeat("é", 99) + `…"`},
		{"success false on a 200", status(200, `{"success":false,"errors":[],"result":null}`), `200 OK: "success" is false`},
		{"no Content-Type", func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = io.WriteString(w, "{")
		},
			"(no Content-Type): unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.h)
			done := make(chan error, 1)
			go func() {
				done <- newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil, cloudflare.WithMaxRetries(0), cloudflare.WithTimeout(time.Hour))
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				srv.CloseClientConnections()
				t.Fatal("the call hangs on a response it refused")
			}
			var ae *cloudflare.APIError
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, err.Error(), tt.want)
			assert.Less(t, len(err.Error()), 2048)
		})
	}
	// Headers over the bound are not retried either.
	srv := newServer(t, status(200, success("null"), "X-Big", strings.Repeat("h", 100<<10)))
	err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil)
	assert.ErrorAs(t, err, new(*cloudflare.APIError))
	assert.Equal(t, 1, srv.count())
}

// TestHugeHeaderLineMemoryBound: a 10 MiB header line is cut at 64 KiB,
// not read into memory. (A bound on allocation, not a speed figure.)
func TestHugeHeaderLineMemoryBound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = http.ReadRequest(bufio.NewReader(conn))
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nX-Big: ")
				chunk := bytes.Repeat([]byte("h"), 32<<10)
				for i := 0; i < 320; i++ { // 10 MiB, from one buffer
					if _, err := conn.Write(chunk); err != nil {
						return
					}
				}
			}()
		}
	}()
	c, err := cloudflare.NewClient(cloudflare.WithBaseURL("http://"+ln.Addr().String()), cloudflare.WithAPIToken(testToken))
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err = c.Do(context.Background(), http.MethodGet, "x", nil, nil)
	runtime.ReadMemStats(&after)
	require.ErrorAs(t, err, new(*cloudflare.APIError))
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20))
}

func TestInvalidUTF8HeadersInErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header()["CF-Ray"] = []string{"ray\xff\xfe-SJC"}
		w.Header()["Content-Type"] = []string{"text/\xffhtml"}
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "not json \xff")
	})
	err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil)
	require.ErrorAs(t, err, new(*cloudflare.APIError))
	assert.True(t, utf8.ValidString(err.Error()), err.Error())
	assert.Contains(t, err.Error(), "ray\uFFFD")
	assert.Contains(t, err.Error(), "Content-Type \"text/\uFFFDhtml\"")
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	other := newServer(t, nil)
	var ownRule, ownAllowed atomic.Int32
	tests := []struct {
		name, method, location string
		code                   int
		hc                     *http.Client
		wantFollowed           bool
	}{
		{"same-origin GET", http.MethodGet, "/client/v4/new", 302, nil, true},
		{"same-origin PUT 307", http.MethodPut, "/client/v4/new", 307, nil, true},
		{"cross-origin", http.MethodGet, other.URL + "/client/v4/new", 302, nil, false},
		{"cross-origin, own client", http.MethodGet, other.URL + "/client/v4/new", 307, &http.Client{}, false},
		{"PATCH 301", http.MethodPatch, "/client/v4/new", 301, nil, false},
		{"PATCH 302", http.MethodPatch, "/client/v4/new", 302, nil, false},
		{"PATCH 303", http.MethodPatch, "/client/v4/new", 303, nil, false},
		{"own CheckRedirect refuses", http.MethodGet, "/client/v4/new", 302, &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			ownRule.Add(1)
			return errors.New("no")
		}}, false},
		{"own CheckRedirect allows", http.MethodGet, "/client/v4/new", 302, &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			ownAllowed.Add(1)
			return nil
		}}, true},
	}
	for _, tt := range tests {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/client/v4/old" {
				http.Redirect(w, r, tt.location, tt.code)
				return
			}
			reply(w, 200, success("null"))
		})
		var opts []cloudflare.Option
		if tt.hc != nil {
			opts = append(opts, cloudflare.WithHTTPClient(tt.hc))
		}
		before := other.count()
		err := newClient(t, srv, opts...).Do(context.Background(), tt.method, "old", nil, nil)
		assert.Zero(t, other.count()-before, tt.name+": the other origin got a request")
		reqs := srv.requests()
		if tt.wantFollowed {
			assert.NoError(t, err, tt.name)
			if assert.Len(t, reqs, 2, tt.name) {
				assert.Equal(t, tt.method, reqs[1].Method)
				assert.Equal(t, "Bearer "+testToken, reqs[1].Header.Get("Authorization"))
			}
			continue
		}
		var ae *cloudflare.APIError
		if assert.ErrorAs(t, err, &ae, tt.name) {
			assert.Equal(t, tt.code, ae.StatusCode)
			assert.Contains(t, err.Error(), "not followed")
		}
		assert.Len(t, reqs, 1, tt.name)
	}
	assert.Equal(t, int32(1), ownRule.Load())
	assert.Equal(t, int32(1), ownAllowed.Load())
}

func TestLoggerOneRecordPerAttempt(t *testing.T) {
	t.Parallel()
	h, _ := sequence(drop, status(500, failure(1000, "oops"), "CF-Ray", "ray-a"), status(200, success("null"), "CF-Ray", "ray-b"))
	srv := newServer(t, h)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv, cloudflare.WithLogger(logger), cloudflare.WithHeader("X-Custom", "hdrval-Pz4"))
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "things?q=1", nil, nil))
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		recs = append(recs, rec)
	}
	require.Len(t, recs, 3)
	for i, rec := range recs {
		assert.Equal(t, "DEBUG", rec["level"])
		assert.Equal(t, "GET", rec["method"])
		assert.Equal(t, "/client/v4/things", rec["path"])
		assert.EqualValues(t, i+1, rec["attempt"])
	}
	assert.EqualValues(t, 0, recs[0]["status"])
	assert.Contains(t, recs[0], "error", "a dropped connection")
	assert.EqualValues(t, 500, recs[1]["status"])
	assert.Equal(t, "ray-a", recs[1]["ray_id"])
	assert.Contains(t, recs[1]["error"], "1000 oops")
	assert.EqualValues(t, 200, recs[2]["status"])
	assert.Equal(t, "ray-b", recs[2]["ray_id"])
	assert.NotContains(t, recs[2], "error")
	assert.NotContains(t, buf.String(), "hdrval-Pz4")
	assert.NotContains(t, buf.String(), "Bearer")
	assertNoSecret(t, buf.String(), testToken)
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	lim := &countingLimiter{}
	waitsSeen := make(chan int32, 2)
	h, _ := sequence(func(w http.ResponseWriter, r *http.Request) {
		waitsSeen <- lim.waits.Load()
		reply(w, 503, failure(1000, "busy"))
	}, func(w http.ResponseWriter, r *http.Request) {
		waitsSeen <- lim.waits.Load()
		reply(w, 200, success("null"))
	})
	srv := newServer(t, h)
	require.NoError(t, newClient(t, srv, cloudflare.WithLimiter(lim)).Do(context.Background(), http.MethodGet, "x", nil, nil))
	assert.Equal(t, []int32{1, 2}, []int32{<-waitsSeen, <-waitsSeen}, "a wait before each attempt")

	refusal := errors.New("budget spent")
	srv = newServer(t, nil)
	err := newClient(t, srv, cloudflare.WithLimiter(&countingLimiter{err: refusal})).Do(context.Background(), http.MethodPost, "x", nil, nil)
	assert.ErrorIs(t, err, refusal)
	assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "rate limiter: budget spent")
	assert.Zero(t, srv.count())

	var _ cloudflare.Limiter = (*rate.Limiter)(nil)
	srv = newServer(t, nil)
	c := newClient(t, srv, cloudflare.WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "x", nil, nil))
	assert.Equal(t, 1, srv.count())
}

// writerFunc is an io.Writer made of a function.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestRedactionIsOnePass: text from the server is redacted once, so even a
// secret that is part of "[redacted]" is not replaced inside a replacement.
func TestRedactionIsOnePass(t *testing.T) {
	t.Parallel()
	srv := newServer(t, status(400, failure(1000, "see e"), "Cf-Ray", "ee-SJC"))
	for _, logged := range []bool{false, true} {
		var log strings.Builder
		opts := []cloudflare.Option{cloudflare.WithAPIToken("e")}
		if logged {
			opts = append(opts, cloudflare.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		}
		err := newClient(t, srv, opts...).Do(context.Background(), http.MethodGet, "x", nil, nil)
		require.Error(t, err)
		for _, text := range []string{err.Error(), log.String()} {
			assert.NotContains(t, text, "[r[redacted]dact[redacted]d]")
		}
		assert.Contains(t, err.Error(), "s[redacted][redacted] [redacted] (ray [redacted][redacted]-SJC)")
	}
}

// Same-origin redirects are followed five times at most: a chain of five
// ends at its target, a chain of six is a redirect not followed.
func TestRedirectHopLimit(t *testing.T) {
	t.Parallel()
	for hops, followed := range map[int]bool{5: true, 6: false} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			var n int
			if _, err := fmt.Sscanf(r.URL.Path, "/client/v4/hop%d", &n); err == nil && n < hops {
				http.Redirect(w, r, fmt.Sprintf("/client/v4/hop%d", n+1), http.StatusFound)
				return
			}
			reply(w, 200, success("null"))
		})
		err := newClient(t, srv).Do(context.Background(), http.MethodGet, "hop0", nil, nil)
		if followed {
			assert.NoError(t, err, "%d hops", hops)
			assert.Equal(t, 6, srv.count(), "the first request and five redirects")
			continue
		}
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae, "%d hops", hops)
		assert.Equal(t, http.StatusFound, ae.StatusCode)
		assert.Contains(t, err.Error(), "not followed")
		assert.Equal(t, 6, srv.count(), "no sixth redirect followed")
	}
}

// A refused redirect names where it led; one without a Location says so
// without a target, and never panics.
func TestRedirectNotFollowedNamesItsTarget(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ location, want string }{
		{"http://elsewhere.example/x/y?q=1", "redirect to http://elsewhere.example/x/y not followed"},
		{"", "redirect not followed"},
	} {
		srv := newServer(t, status(302, "", "Location", tt.location))
		err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil)
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae, tt.location)
		assert.Equal(t, 302, ae.StatusCode)
		assert.Contains(t, err.Error(), tt.want)
	}
}

// A 2xx whose "success" is false keeps its errors whatever its result
// holds, a result of the wrong type (whole or in a field) included.
func TestSuccessFalseKeepsErrorsWhateverTheResult(t *testing.T) {
	t.Parallel()
	for _, result := range []string{`"text"`, `{"id":5}`, `[1]`} {
		srv := newServer(t, status(200, `{"success":false,"errors":[{"code":1001,"message":"no"}],"messages":[],"result":`+result+`}`))
		var out struct {
			ID string `json:"id"`
		}
		err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, &out)
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae, result)
		assert.True(t, ae.HasCode(1001), "result %s: %v", result, err)
		assert.Equal(t, 1, srv.count(), "a refusal is not retried")
	}
}

// A limiter that refuses before the third attempt ends the call with its
// error, counting the two attempts made; one that refuses at once counts
// none.
func TestLimiterRefusalCountsAttempts(t *testing.T) {
	t.Parallel()
	srv := newServer(t, status(503, failure(1000, "busy")))
	var waits atomic.Int32
	lim := limiterFunc(func(context.Context) error {
		if waits.Add(1) == 3 {
			return errors.New("budget spent")
		}
		return nil
	})
	err := newClient(t, srv, cloudflare.WithLimiter(lim)).Do(context.Background(), http.MethodGet, "x", nil, nil)
	require.Error(t, err)
	assert.Equal(t, 2, srv.count())
	assert.True(t, strings.HasSuffix(err.Error(), "rate limiter: budget spent (after 2 attempts)"), err.Error())

	err = newClient(t, srv, cloudflare.WithLimiter(limiterFunc(func(context.Context) error { return errors.New("no") }))).
		Do(context.Background(), http.MethodGet, "x", nil, nil)
	assert.True(t, strings.HasSuffix(err.Error(), "rate limiter: no"), err.Error())
}

type limiterFunc func(context.Context) error

func (f limiterFunc) Wait(ctx context.Context) error { return f(ctx) }

// A Retry-After of exactly a minute is waited for (here the wait ends with
// the context, which cancels itself when the pipeline asks for its deadline);
// one over a minute returns at once without asking.
func TestRetryAfterOfAMinuteIsWaited(t *testing.T) {
	t.Parallel()
	for secs, waited := range map[string]bool{"60": true, "61": false} {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cd := &cancelOnDeadline{Context: ctx, cancel: cancel, deadline: time.Now().Add(time.Hour)}
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			cd.armed.Store(true) // the attempt has its own timeout already
			status(429, failure(1015, "slow down"), "Retry-After", secs)(w, r)
		})
		err := newClient(t, srv).Do(cd, http.MethodGet, "x", nil, nil)
		assert.Equal(t, waited, errors.Is(err, context.Canceled), "Retry-After %s: %v", secs, err)
		assert.Equal(t, 1, srv.count())
	}
}

// Bodies at the bound: exactly 1 MiB is read, announced or chunked; a
// Content-Length of 0 whose body a transport gives as a reader is empty.
func TestBodyAtTheBound(t *testing.T) {
	t.Parallel()
	env := success(`"` + strings.Repeat("a", 1<<20-len(success(`""`))) + `"`)
	require.Len(t, env, 1<<20)
	for _, chunked := range []bool{false, true} {
		srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
			if chunked {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, env[:10]) // flushed before the rest: no Content-Length
				http.NewResponseController(w).Flush()
				_, _ = io.WriteString(w, env[10:])
				return
			}
			reply(w, 200, env)
		})
		var out string
		require.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, &out), "chunked %v", chunked)
		assert.Len(t, out, len(env)-len(success(`""`)))
	}
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Header: http.Header{}, ContentLength: 0, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(testToken), cloudflare.WithBaseURL("https://api.example.com/client/v4/"),
		cloudflare.WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	assert.NoError(t, c.Do(context.Background(), http.MethodDelete, "x", nil, nil))
}

// A 300 is a redirect the client does not follow, also when its body is cut
// short: a refusal, not a lost answer, so a POST is neither retried nor
// unknown.
func TestMultipleChoicesCutShortIsARefusal(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(300)
		_, _ = io.WriteString(w, `{"success":false`)
	})
	err := newClient(t, srv).Do(context.Background(), http.MethodPost, "x", []byte(`{}`), nil)
	var ae *cloudflare.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 300, ae.StatusCode)
	assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
	assert.Equal(t, 1, srv.count())
}
