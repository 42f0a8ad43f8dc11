package cloudflare

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// The tests in this file prove what the request pipeline (pipeline.go)
// does for every call: retries and their waits, timeouts, the context, the
// rate limit and logging, against loopback test servers (setup_test.go).

func TestPipeline_RetryCounts(t *testing.T) {
	t.Parallel()
	get := func(c *Client, opts ...RequestOption) error {
		_, err := c.User.Invites.Get(context.Background(), testInviteID, opts...)
		return err
	}
	accept := func(c *Client, opts ...RequestOption) error {
		_, err := c.User.Invites.Accept(context.Background(), testInviteID, opts...)
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
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
				if tt.status == 429 || tt.status == 503 {
					w.Header().Set("Retry-After", "0")
				}
				writeStatus(w, tt.status)
			})
			c := newTestClient(t, srv, append([]Option{WithAPIToken(testAPIToken)}, tt.clientOpts...)...)
			err := tt.call(c, tt.callOpts...)
			require.Error(t, err)
			assert.EqualValues(t, tt.want, srv.count(), "requests")
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, tt.want, ae.Attempts)
			assert.Equal(t, testRayID, ae.RayID)
			if tt.want > 1 {
				assert.Contains(t, err.Error(), fmt.Sprintf("(after %d attempts)", tt.want))
			} else {
				assert.NotContains(t, err.Error(), "attempts")
			}
			// A refused PATCH is never followed by a reconciliation read:
			// either no attempt was uncertain or the last response was a 5xx.
			reqs := srv.requests()
			for _, r := range reqs {
				assert.Equal(t, reqs[0].Method, r.Method)
			}
		})
	}
}

func TestPipeline_RetryThenSuccess(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, req recordedRequest) {
		switch req.N {
		case 1:
			writeStatus(w, 503)
		case 2:
			dropConn(w)
		default:
			writeStatus(w, 200)
		}
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken))
	inv, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)
	assert.Equal(t, testInviteID, inv.ID)
	assert.EqualValues(t, 3, srv.count())
}

// A connection lost on every attempt ends in a *RequestError that counts the
// attempts and wraps the transport's cause.
func TestPipeline_TransportFailureExhausted(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		dropConn(w)
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken))
	_, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.Error(t, err)
	assert.EqualValues(t, 3, srv.count())
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Equal(t, http.MethodGet, re.Method)
	assert.Equal(t, "/client/v4/user/invites/"+testInviteID, re.Path)
	assert.ErrorIs(t, err, io.EOF)
	assert.Contains(t, err.Error(), "(after 3 attempts)")
	assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: GET /client/v4/user/invites/"), err.Error())
}

// A dial failure (nothing listening) is retried for every method, PATCH
// included, and the PATCH is not uncertain: no reconciliation read follows.
func TestPipeline_DialFailure(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int64
	c, err := NewClient(WithBaseURL(closedServerURL(t)), WithAPIToken(testAPIToken),
		WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				attempts.Add(1)
				return next.RoundTrip(r)
			})
		}))
	require.NoError(t, err)
	_, err = c.User.Invites.Accept(context.Background(), testInviteID)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Equal(t, int64(3), attempts.Load(), "PATCH tried 3 times, and never read back")
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "dial", oe.Op)
}

func TestPipeline_RetryAfter(t *testing.T) {
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
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, req recordedRequest) {
				if req.N == 1 {
					w.Header().Set("Retry-After", tt.retryAfter())
					writeStatus(w, tt.status)
					return
				}
				writeStatus(w, 200)
			})
			// A backoff far longer than any Retry-After here: if the header
			// were ignored the gap would be about a minute.
			c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithRetryBackoff(time.Minute, time.Minute))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			inv, err := c.User.Invites.Get(ctx, testInviteID)
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
func TestPipeline_RetryAfterBeyondMaxWait(t *testing.T) {
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
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
				w.Header().Set("Retry-After", tt.retryAfter())
				writeStatus(w, tt.status)
			})
			c := newTestClient(t, srv, WithAPIToken(testAPIToken))
			// No deadline on the context: the client must decline the wait
			// by itself. If it slept instead, the test gives up after 2 s.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var err error
			done := make(chan struct{})
			start := time.Now()
			go func() {
				defer close(done)
				_, err = c.User.Invites.Get(ctx, testInviteID, tt.opts...)
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
			assert.EqualValues(t, 1, srv.count())
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
func TestPipeline_CancelDuringBackoff(t *testing.T) {
	noLeaks(t)
	responded := make(chan struct{}, 1)
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		writeStatus(w, 503)
		select {
		case responded <- struct{}{}:
		default:
		}
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithRetryBackoff(10*time.Second, 10*time.Second))
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
		_, err = c.User.Invites.Get(ctx, testInviteID)
		returned = time.Now()
	}()
	<-responded
	time.Sleep(50 * time.Millisecond) // the response is read; the client is in its 5-10 s backoff
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
	assert.EqualValues(t, 1, srv.count())
}

func TestPipeline_Timeouts(t *testing.T) {
	t.Parallel()
	blocking := func(w http.ResponseWriter, r *http.Request, _ recordedRequest) { blockUntilGone(r) }
	// slowBody sends the head and part of the body, then stalls: the timeout
	// covers reading the whole response.
	slowBody := func(w http.ResponseWriter, r *http.Request, _ recordedRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"success":true,"result":{"id":`)
		_ = http.NewResponseController(w).Flush()
		blockUntilGone(r)
	}
	tests := []struct {
		name       string
		handler    testHandler
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
			srv := newTestServer(t, tt.handler)
			c := newTestClient(t, srv, append([]Option{WithAPIToken(testAPIToken)}, tt.clientOpts...)...)
			var err error
			start := time.Now()
			if tt.patch {
				_, err = c.User.Invites.Accept(context.Background(), testInviteID, tt.callOpts...)
			} else {
				_, err = c.User.Invites.Get(context.Background(), testInviteID, tt.callOpts...)
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
			assert.ErrorIs(t, err, context.DeadlineExceeded, "a per-attempt timeout is a deadline, as net/http reports its own")
		})
	}
}

// The caller's deadline bounds the whole call, whatever the per-attempt
// timeout, and is reported as the context's error.
func TestPipeline_ParentDeadline(t *testing.T) {
	noLeaks(t)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ recordedRequest) { blockUntilGone(r) })
	c := newTestClient(t, srv, WithAPIToken(testAPIToken)) // DefaultTimeout per attempt
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.User.Invites.Get(ctx, testInviteID)
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 50*time.Millisecond)
	assert.Less(t, elapsed, time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "attempt timed out")
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.EqualValues(t, 1, srv.count())
}

func TestPipeline_DefaultTimeout(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithAPIToken(testAPIToken))
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, c.defaults.timeout)
	assert.Equal(t, 30*time.Second, DefaultTimeout)
	c2, err := NewClient(WithAPIToken(testAPIToken), WithTimeout(time.Second))
	require.NoError(t, err)
	assert.Equal(t, time.Second, c2.defaults.timeout)
	assert.Zero(t, c.hc.Timeout, "no whole-call http.Client timeout: retries and waits are bounded by the context")
}

func TestPipeline_RateLimit(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		writeStatus(w, 200)
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithRateLimit(20, 1))
	start := time.Now()
	for i := 0; i < 5; i++ {
		_, err := c.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)
	}
	elapsed := time.Since(start)
	t.Logf("5 calls at 20 rps, burst 1: %v", elapsed)
	assert.GreaterOrEqual(t, elapsed, 190*time.Millisecond)
	assert.Less(t, elapsed, 2*time.Second)
	reqs := srv.requests()
	// The bucket's one token is taken at or after start, and each next one
	// comes 50 ms later, so request i cannot arrive before start + i*50ms
	// (less 1 ms for the limiter's rounding). Measuring from start, not from
	// the first request's arrival, keeps a late first arrival on a loaded
	// machine from shrinking the gaps.
	for i := 1; i < len(reqs); i++ {
		assert.GreaterOrEqual(t, reqs[i].At.Sub(start), time.Duration(i)*50*time.Millisecond-time.Millisecond, "request %d", i+1)
	}
}

// Retries wait for the limiter too.
func TestPipeline_RateLimitRetries(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		writeStatus(w, 503)
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithRateLimit(20, 1))
	start := time.Now()
	_, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.Error(t, err)
	assert.EqualValues(t, 3, srv.count())
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond)
}

func TestPipeline_RateLimitCancel(t *testing.T) {
	noLeaks(t)
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		writeStatus(w, 200)
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithRateLimit(0.1, 1)) // one call, then one every 10 s
	_, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var canceled time.Time
		timer := time.AfterFunc(30*time.Millisecond, func() { canceled = time.Now(); cancel() })
		defer timer.Stop()
		_, err := c.User.Invites.Get(ctx, testInviteID)
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
		_, err := c.User.Invites.Get(ctx, testInviteID)
		assert.Less(t, time.Since(start), 100*time.Millisecond)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var re *RequestError
		assert.ErrorAs(t, err, &re)
	})
	assert.EqualValues(t, 1, srv.count(), "no request while the limiter held the call")
}

// A response that arrives as the caller's context ends is returned, not
// replaced by the context's error.
func TestPipeline_ResponseAtContextEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		cancel()
		writeStatus(w, 503)
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r.WithContext(context.WithoutCancel(r.Context())))
		if err == nil {
			<-ctx.Done()
		}
		return resp, err
	})}))
	_, err := c.User.Invites.Get(ctx, testInviteID)
	var ae *APIError
	require.ErrorAs(t, err, &ae, "got %v", err)
	assert.Equal(t, 503, ae.StatusCode)
	assert.EqualValues(t, 1, srv.count())
}

func TestPipeline_Retries(t *testing.T) {
	t.Parallel()
	failure := `{"success":false,"errors":[{"code":10001,"message":"service unavailable"}],"messages":[],"result":null}`

	t.Run("GET is retried after 503 and succeeds", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t)
		body := fixture(t, "invite-response.json")
		var n atomic.Int32
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) < 3 {
				replyString(w, http.StatusServiceUnavailable, failure)
				return
			}
			reply(w, http.StatusOK, body)
		})

		inv, err := client.User.Invites.Get(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, referenceInvite(), *inv)
		assert.EqualValues(t, 3, srv.count())
	})

	t.Run("the last error counts the attempts", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t)
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			replyString(w, http.StatusServiceUnavailable, failure)
		})

		_, err := client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(1))

		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 2, ae.Attempts)
		assert.Contains(t, err.Error(), "(after 2 attempts)")
		assert.EqualValues(t, 2, srv.count())
	})

	t.Run("a Retry-After beyond the longest wait returns at once", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t)
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			replyString(w, http.StatusTooManyRequests, failure)
		})

		_, err := client.User.Invites.Get(context.Background(), testInviteID)

		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.Equal(t, time.Hour, ae.RetryAfter)
		assert.Contains(t, err.Error(), "(retry after 1h0m0s)")
		assert.EqualValues(t, 1, srv.count())
	})

	t.Run("a wait longer than the context has left returns the response at once", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t, WithRetryBackoff(time.Minute, time.Minute))
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			replyString(w, http.StatusServiceUnavailable, failure)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()

		start := time.Now()
		_, err := client.User.Invites.Get(ctx, testInviteID)

		assert.Less(t, time.Since(start), 5*time.Second, "the client waited although the context would end first")
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
		assert.Equal(t, 1, ae.Attempts)
		assert.EqualValues(t, 1, srv.count())
	})

	t.Run("a Retry-After of zero retries at once", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t)
		var n atomic.Int32
		body := fixture(t, "invite-response.json")
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				replyString(w, http.StatusTooManyRequests, failure)
				return
			}
			reply(w, http.StatusOK, body)
		})

		_, err := client.User.Invites.Get(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.EqualValues(t, 2, srv.count())
	})
}

func TestPipeline_AttemptTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		sendHeaders bool // whether the server sends headers before it stalls
	}{
		{"before the response", false},
		{"while reading the body", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				if tt.sendHeaders {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusOK)
					_, _ = w.Write([]byte(`{"success":true,`))
					w.(http.Flusher).Flush()
				}
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})

			_, err := client.User.Invites.Get(context.Background(), testInviteID, WithTimeout(250*time.Millisecond), WithMaxRetries(1))

			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 2, re.Attempts, "a timed-out GET is retried")
			var timeout interface{ Timeout() bool }
			require.ErrorAs(t, err, &timeout)
			assert.True(t, timeout.Timeout())
			assert.ErrorIs(t, err, context.DeadlineExceeded, "a per-attempt timeout is a deadline, as net/http reports its own")
			assert.Contains(t, err.Error(), "attempt timed out after 250ms")
			assertErrorNames(t, err, http.MethodGet, invitePath)
			// On a loaded machine a retry may time out before it reaches the
			// server; the first attempt always does.
			assert.GreaterOrEqual(t, srv.count(), 1)
			assert.LessOrEqual(t, srv.count(), 2)
		})
	}
}

func TestPipeline_EscapedBasePath(t *testing.T) {
	t.Parallel()
	// The base path is outside the test API's prefix: the trap records it.
	srv := newTestServer(t, nil)
	srv.onLostPrefix(func(string, ...any) {})
	client, err := NewClient(WithBaseURL(srv.URL+"/a%2Fb/v4"), WithAPIToken(testAPIToken))
	require.NoError(t, err)

	_, err = client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(0))

	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "/a%2Fb/v4/user/invites/"+testInviteID, ae.Path)
	assert.Equal(t, "/a%2Fb/v4/user/invites/"+testInviteID, srv.only(t).Path, "the escaped slash is kept")
}

func TestPipeline_Logger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		level slog.Level
		want  int // records
	}{
		{"debug logs each attempt", slog.LevelDebug, 2},
		{"info logs nothing", slog.LevelInfo, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tt.level}))
			client, srv := setup(t, WithLogger(logger))
			body := fixture(t, "invite-response.json")
			notFound := fixture(t, "core-not-found.json")
			srv.mux.HandleFunc("GET /user/invites/"+testInviteID, func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, body)
			})
			srv.mux.HandleFunc("GET /user/invites/missing", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusNotFound, notFound)
			})

			_, err := client.User.Invites.Get(context.Background(), testInviteID)
			require.NoError(t, err)
			_, err = client.User.Invites.Get(context.Background(), "missing")
			require.ErrorIs(t, err, ErrNotFound)

			assert.NotContains(t, buf.String(), testAPIKey)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if tt.want == 0 {
				assert.Empty(t, buf.String())
				return
			}
			require.Len(t, lines, tt.want)
			var records []map[string]any
			for _, l := range lines {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(l), &rec))
				records = append(records, rec)
			}
			assert.Equal(t, "cloudflare: request", records[0]["msg"])
			assert.Equal(t, "GET", records[0]["method"])
			assert.Equal(t, invitePath, records[0]["path"])
			assert.EqualValues(t, 200, records[0]["status"])
			assert.EqualValues(t, 1, records[0]["attempt"])
			assert.Equal(t, testRayID, records[0]["ray_id"])
			assert.NotContains(t, records[0], "error")
			assert.EqualValues(t, 404, records[1]["status"])
			assert.Contains(t, records[1]["error"], "7003")
		})
	}
}

func TestPipeline_RateLimitWaits(t *testing.T) {
	t.Parallel()

	t.Run("calls wait for the bucket", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t, WithRateLimit(10, 1))
		body := fixture(t, "invite-response.json")
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, body)
		})

		start := time.Now()
		for range 3 {
			_, err := client.User.Invites.Get(context.Background(), testInviteID)
			require.NoError(t, err)
		}

		// One token at once, then one every 100ms.
		assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
		assert.EqualValues(t, 3, srv.count())
	})

	t.Run("a wait the deadline cannot cover fails at once", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t, WithRateLimit(0.001, 1))
		body := fixture(t, "invite-response.json")
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, body)
		})
		_, err := client.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)
		// The next token comes in 1000s, long after the deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		start := time.Now()
		_, err = client.User.Invites.Get(ctx, testInviteID)

		assert.Less(t, time.Since(start), 10*time.Second, "the call did not fail at once")
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var timeout interface{ Timeout() bool }
		require.ErrorAs(t, err, &timeout)
		assert.True(t, timeout.Timeout())
		assertErrorNames(t, err, http.MethodGet, invitePath)
		assert.EqualValues(t, 1, srv.count())
	})

	t.Run("a canceled context ends the wait", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t, WithRateLimit(1, 1))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()

		_, err := client.User.Invites.Get(ctx, testInviteID)

		assert.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, srv.count())
	})
}

// countingLimiter counts waits and refuses those after the first allow.
type countingLimiter struct {
	allow int64
	waits atomic.Int64
}

var errLimiterRefused = errors.New("budget exhausted")

func (l *countingLimiter) Wait(context.Context) error {
	if l.waits.Add(1) > l.allow {
		return errLimiterRefused
	}
	return nil
}

func TestPipeline_Limiter(t *testing.T) {
	t.Parallel()

	t.Run("one limiter, two clients, one budget", func(t *testing.T) {
		t.Parallel()
		l := &countingLimiter{allow: 3}
		a, srv := setup(t, WithLimiter(l))
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, _ *http.Request) { writeStatus(w, 200) })
		b := newTestClient(t, srv, WithAPIToken(testAPIToken), WithLimiter(l))
		derived, err := a.With(WithAPIToken(testAPIToken))
		require.NoError(t, err)

		for _, c := range []*Client{a, b, derived} {
			_, err := c.User.Invites.Get(context.Background(), testInviteID)
			require.NoError(t, err)
		}
		_, err = b.User.Invites.Get(context.Background(), testInviteID)
		assert.ErrorIs(t, err, errLimiterRefused, "the fourth call of the shared budget is refused")
		assert.EqualValues(t, 4, l.waits.Load())
		assert.EqualValues(t, 3, srv.count())
	})

	t.Run("a refused wait is not an attempt", func(t *testing.T) {
		t.Parallel()
		l := &countingLimiter{allow: 2}
		client, srv := setup(t, WithLimiter(l))
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, _ *http.Request) { writeStatus(w, 503) })

		_, err := client.User.Invites.Get(context.Background(), testInviteID)

		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.ErrorIs(t, err, errLimiterRefused)
		assert.Equal(t, 2, re.Attempts, "two attempts were sent; the refused wait is not counted")
		assert.EqualValues(t, 2, srv.count())
		assert.Contains(t, err.Error(), "(after 2 attempts)")
	})

	t.Run("refused before any attempt", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t, WithLimiter(&countingLimiter{allow: 0}))
		_, err := client.User.Invites.Accept(context.Background(), testInviteID)
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.Zero(t, re.Attempts)
		assert.Zero(t, srv.count())
	})

	t.Run("a *rate.Limiter fits and keeps the deadline rule", func(t *testing.T) {
		t.Parallel()
		l := rate.NewLimiter(0.001, 1)
		a, srv := setup(t, WithLimiter(l))
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, _ *http.Request) { writeStatus(w, 200) })
		b, err := a.With()
		require.NoError(t, err)
		_, err = a.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = b.User.Invites.Get(ctx, testInviteID)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the derived client shares the bucket the first call emptied")
		assert.EqualValues(t, 1, srv.count())
	})
}

// rotatingSource hands out a new token on each call and remembers them.
type rotatingSource struct {
	mu     sync.Mutex
	tokens []string
	fail   error // returned instead of a token when set
}

func (s *rotatingSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return "", s.fail
	}
	tok := fmt.Sprintf("SECRET-ROTATING-%d", len(s.tokens)+1)
	s.tokens = append(s.tokens, tok)
	return tok, nil
}

func (s *rotatingSource) given() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.tokens...)
}

func TestPipeline_TokenSource(t *testing.T) {
	t.Parallel()

	t.Run("consulted before every attempt", func(t *testing.T) {
		t.Parallel()
		var src rotatingSource
		srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, req recordedRequest) {
			writeStatus(w, map[bool]int{true: 503, false: 200}[req.N == 1])
		})
		client := newTestClient(t, srv, WithAPITokenSource(src.token))

		_, err := client.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)

		reqs := srv.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "Bearer SECRET-ROTATING-1", reqs[0].Header.Get("Authorization"))
		assert.Equal(t, "Bearer SECRET-ROTATING-2", reqs[1].Header.Get("Authorization"), "the retry asked the source again")
		assert.Equal(t, []string{"SECRET-ROTATING-1", "SECRET-ROTATING-2"}, src.given())
	})

	t.Run("its error fails the call: typed, nothing sent, no retry", func(t *testing.T) {
		t.Parallel()
		sourceErr := errors.New("vault sealed")
		src := rotatingSource{fail: sourceErr}
		client, srv := setup(t)
		client, err := client.With(WithAPITokenSource(src.token))
		require.NoError(t, err)

		_, err = client.User.Invites.Accept(context.Background(), testInviteID)

		var ce *CredentialError
		require.ErrorAs(t, err, &ce)
		assert.ErrorIs(t, err, sourceErr)
		assert.Zero(t, ce.Attempts)
		assert.Zero(t, srv.count(), "nothing was sent")
		assertErrorNames(t, err, http.MethodPatch, invitePath)
		assert.Contains(t, err.Error(), "credential source: vault sealed")
	})

	t.Run("an unusable token fails the call without naming it", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t)
		client, err := client.With(WithAPITokenSource(func(context.Context) (string, error) { return "SECRET bad\ntoken", nil }))
		require.NoError(t, err)

		_, err = client.User.Invites.Get(context.Background(), testInviteID)

		var ce *CredentialError
		require.ErrorAs(t, err, &ce)
		assert.Contains(t, err.Error(), "unusable")
		assertNoSecrets(t, err, "SECRET", "bad")
		assert.Zero(t, srv.count())
	})

	t.Run("its tokens are never printed and an echo is redacted", func(t *testing.T) {
		t.Parallel()
		var src rotatingSource
		srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ recordedRequest) {
			echo := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			replyString(w, http.StatusForbidden, errorBody(10000, "token "+echo+" is not valid"))
		})
		var logs syncBuffer
		client := newTestClient(t, srv, WithAPITokenSource(src.token), WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))

		_, err := client.User.Invites.Get(context.Background(), testInviteID)

		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Contains(t, ae.Errors[0].Message, "[redacted]")
		tokens := src.given()
		require.Len(t, tokens, 1)
		assertNoSecrets(t, err, tokens...)
		assert.NotContains(t, logs.String(), tokens[0])
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			for _, v := range []any{client, *client, client.auth} {
				assert.NotContains(t, fmt.Sprintf(verb, v), "SECRET-ROTATING", "fmt %s of %T", verb, v)
			}
		}
	})

	t.Run("refused with another credential", func(t *testing.T) {
		t.Parallel()
		_, err := NewClient(WithAPIToken(testAPIToken), WithAPITokenSource(func(context.Context) (string, error) { return "", nil }))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Contains(t, ve.Reason, "WithAPITokenSource")
	})
}

// TestPipeline_TransportFailureClasses sends a GET and a PATCH into a real
// failure of each class the retry policy knows, and checks how often each
// was tried and whether the PATCH's outcome is reported as unknown.
func TestPipeline_TransportFailureClasses(t *testing.T) {
	t.Parallel()
	errMiddleware := errors.New("policy: refused by middleware")
	type target struct {
		baseURL string
		opts    []Option
		reached func() int // requests or connections that reached the server
	}
	served := func(srv *testServer) func() int { return srv.count }
	tests := []struct {
		name          string
		start         func(t *testing.T) target
		wantAttempts  int
		wantReached   int  // per call
		wantUncertain bool // for the PATCH
		evidence      func(t *testing.T, err error)
	}{
		{
			name: "certificate from an unknown authority",
			start: func(t *testing.T) target {
				srv := startTestServer(t, true, nil)
				return target{srv.apiURL(), nil, served(srv)}
			},
			wantAttempts: 1,
			evidence: func(t *testing.T, err error) {
				var cve *tls.CertificateVerificationError
				assert.ErrorAs(t, err, &cve)
			},
		},
		{
			name: "plain-HTTP server given an https URL",
			start: func(t *testing.T) target {
				srv := newTestServer(t, nil)
				return target{"https://" + srv.Listener.Addr().String() + apiPrefix + "/", nil, served(srv)}
			},
			wantAttempts: 1,
			evidence:     func(t *testing.T, err error) { assert.ErrorIs(t, err, http.ErrSchemeMismatch) },
		},
		{
			name: "middleware returning an error",
			start: func(t *testing.T) target {
				srv := newTestServer(t, nil)
				mw := WithMiddleware(func(http.RoundTripper) http.RoundTripper {
					return roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errMiddleware })
				})
				return target{srv.apiURL(), []Option{mw}, served(srv)}
			},
			wantAttempts: 1,
			evidence:     func(t *testing.T, err error) { assert.ErrorIs(t, err, errMiddleware) },
		},
		{
			name: "dial refused",
			start: func(t *testing.T) target {
				return target{closedServerURL(t), nil, func() int { return 0 }}
			},
			wantAttempts: 3,
			evidence: func(t *testing.T, err error) {
				var op *net.OpError
				if assert.ErrorAs(t, err, &op) {
					assert.Equal(t, "dial", op.Op)
				}
			},
		},
		{
			name: "TLS handshake that did not complete",
			start: func(t *testing.T) target {
				u, accepted := newHandshakeDropper(t)
				return target{u, nil, func() int { return int(accepted.Load()) }}
			},
			wantAttempts: 3,
			wantReached:  3, // connections, none of which carried the request
			evidence:     func(t *testing.T, err error) { assert.NotErrorIs(t, err, ErrUnexpectedResponse) },
		},
		{
			name: "connection reset after the request was read",
			start: func(t *testing.T) target {
				srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) { resetConn(w) })
				return target{srv.apiURL(), nil, served(srv)}
			},
			wantAttempts:  3,
			wantReached:   3,
			wantUncertain: true,
			evidence: func(t *testing.T, err error) {
				var re *RequestError
				assert.ErrorAs(t, err, &re)
			},
		},
	}
	calls := []struct {
		method string
		call   func(c *Client) error
	}{
		{http.MethodGet, func(c *Client) error {
			_, err := c.User.Invites.Get(context.Background(), testInviteID)
			return err
		}},
		{http.MethodPatch, func(c *Client) error {
			_, err := c.User.Invites.Accept(context.Background(), testInviteID)
			return err
		}},
	}
	for _, tt := range tests {
		for _, call := range calls {
			t.Run(tt.name+"/"+call.method, func(t *testing.T) {
				t.Parallel()
				tg := tt.start(t)
				opts := append([]Option{WithAPIToken(testAPIToken), WithBaseURL(tg.baseURL),
					WithRetryBackoff(time.Millisecond, 5*time.Millisecond), WithMaxRetries(2)}, tg.opts...)
				c, err := NewClient(opts...)
				require.NoError(t, err)
				closeIdleAtEnd(t, c)

				err = call.call(c)

				var re *RequestError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, tt.wantAttempts, re.Attempts, "attempts")
				assert.Equal(t, tt.wantReached, tg.reached(), "requests or connections that reached the server")
				assert.Equal(t, tt.wantUncertain && call.method == http.MethodPatch, errors.Is(err, ErrOutcomeUnknown), "outcome unknown")
				tt.evidence(t, err)
				assertNoSecrets(t, err, testAPIToken)
			})
		}
	}
}

// TestPipeline_CallerHTTPClientTimeout: a timeout of the caller's own
// http.Client is reported as that, not as the per-attempt timeout.
func TestPipeline_CallerHTTPClientTimeout(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(_ http.ResponseWriter, r *http.Request, _ recordedRequest) { blockUntilGone(r) })
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}),
		WithMaxRetries(0))

	_, err := c.User.Invites.Get(context.Background(), testInviteID)

	require.Error(t, err)
	assert.NotContains(t, err.Error(), "attempt timed out", "the per-attempt timeout (30s) did not fire")
	// net/http says "Client.Timeout exceeded" when its timer wins the race
	// with the request's context deadline, and only the context's error
	// when the deadline wins; either way it is net/http's error.
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var ae errAttemptTimeout
	assert.False(t, errors.As(err, &ae), "not the SDK's per-attempt timeout")
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}

// TestPipeline_AttemptTimeoutIsADeadline: the per-attempt timeout's error
// matches context.DeadlineExceeded and is a net.Error that reports a
// timeout, while the caller's context is still alive.
func TestPipeline_AttemptTimeoutIsADeadline(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(_ http.ResponseWriter, r *http.Request, _ recordedRequest) { blockUntilGone(r) })
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithMaxRetries(0))
	ctx := context.Background()

	_, err := c.User.Invites.Get(ctx, testInviteID, WithTimeout(30*time.Millisecond))

	require.NoError(t, ctx.Err())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Contains(t, err.Error(), "attempt timed out after 30ms")
}
