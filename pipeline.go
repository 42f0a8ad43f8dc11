// This file holds the request pipeline every endpoint goes through: a call is
// prepared once, then sent in attempts, each with its own timeout, with rate
// limiting, retries and waits decided by internal/retry, and one debug log
// record per attempt.

package cloudflare

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/seed-b6b9b3cb/cloudflare-go/internal/retry"
)

// call is one API call: what to send and how.
type call struct {
	method    string
	url       *url.URL
	path      string // the escaped path, for errors and logs
	body      *staticBody
	cfg       callConfig
	cred      *credential // the credential of the current attempt
	attempts  int
	uncertain bool // an attempt may have acted on the server without our seeing it
}

// newCall prepares k, a call of method on the escaped path relative to the
// base URL followed by the escaped id (if any), applying the per-call
// options over the client's defaults. The caller owns k, so it can live on
// the caller's stack.
func (c *Client) newCall(k *call, method, path, id, rawQuery string, body *staticBody, opts []RequestOption) error {
	*k = call{method: method, body: body, cfg: c.defaults}
	if len(opts) > 0 {
		// Options are applied to a copy declared here, so only calls that
		// have options pay for it.
		cfg := c.defaults
		for _, o := range opts {
			if o == nil {
				return &ValidationError{Op: method + " /" + path + id, Field: "RequestOption", Reason: "nil option"}
			}
			if err := o.applyCall(&cfg); err != nil {
				var ve *ValidationError
				if errors.As(err, &ve) {
					ve.Op = method + " /" + path + id
				}
				return err
			}
		}
		k.cfg = cfg
	}
	u := *c.baseURL
	// One concatenation: a checked invite ID needs no escaping, so
	// PathEscape returns it as it is.
	escaped := c.baseURL.EscapedPath() + path + url.PathEscape(id)
	if p, err := url.PathUnescape(escaped); err == nil && p != escaped {
		u.Path, u.RawPath = p, escaped
	} else {
		u.Path, u.RawPath = escaped, ""
	}
	u.RawQuery = rawQuery
	k.url = &u
	k.path = escaped
	return nil
}

// newRequest builds the HTTP request of one attempt.
func (c *Client) newRequest(ctx context.Context, k *call) *http.Request {
	var callExtra http.Header
	if k.cfg.extra != nil {
		callExtra = k.cfg.extra()
	}
	// A call's value replaces the client's; room for the 6 set below.
	h := mergeHeaders(k.cfg.headers, callExtra, 6)
	k.cred.set(h)
	h["Accept"] = acceptJSON
	h["User-Agent"] = c.userAgent
	req := &http.Request{
		Method:     k.method,
		URL:        k.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       k.url.Host,
	}
	if k.body != nil {
		h["Content-Type"] = contentTypeJSON
		req.ContentLength = int64(len(k.body.data))
		req.Body, _ = k.body.open()
		req.GetBody = k.body.getBody
	}
	return req.WithContext(ctx)
}

// Header values every request shares.
var (
	acceptJSON      = []string{"application/json"}
	contentTypeJSON = []string{"application/json"}
)

// staticBody is a request body fixed at compile time; its GetBody function
// is built once, so a request with it allocates only its reader.
type staticBody struct {
	data    []byte
	getBody func() (io.ReadCloser, error)
}

func newStaticBody(data string) *staticBody {
	b := &staticBody{data: []byte(data)}
	b.getBody = b.open
	return b
}

// open returns a reader of the body. It must be io.NopCloser around a
// *bytes.Reader: net/http recognises that pair as in memory and writes
// headers and body in one write, where any other type costs a separate
// flush (a syscall) per request.
func (b *staticBody) open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

// attemptResult is how one attempt ended.
type attemptResult struct {
	status        int
	rayID         string
	retryAfter    time.Duration // the response's Retry-After, parsed once
	hasRetryAfter bool          // whether it had a valid one
	err           error         // the error to return if this is the last attempt
	transport     error         // the transport failure, if no usable response arrived
	stage         retry.Stage   // how far a failed attempt got in the transport
}

// do runs a call with retries and decodes a successful response into out.
func (c *Client) do(ctx context.Context, k *call, out decodable) error {
	var wait time.Duration
	for {
		// Neither the limiter's wait nor the credential source is an
		// attempt: nothing is sent when they fail.
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: err}
			}
		}
		cred, err := c.auth.forAttempt(ctx)
		if err != nil {
			return &CredentialError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: err}
		}
		k.cred = cred
		k.attempts++
		start := time.Now()
		res := c.attempt(ctx, k, out)
		k.seal(&res, c.logger != nil) // the redaction boundary: nothing reads res before it
		if c.logger != nil {
			c.logAttempt(ctx, k, &res, wait, time.Since(start))
		}
		if res.err == nil {
			return nil
		}
		d := retry.Decide(k.method, res.status, res.transport, res.stage)
		k.uncertain = k.uncertain || d.Uncertain
		if ctx.Err() != nil {
			if res.transport == nil {
				// The server replied: that response is the result.
				return res.err
			}
			return &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: ctx.Err()}
		}
		if !d.Retry || k.attempts > k.cfg.maxRetries {
			return res.err
		}
		var tooLong bool
		wait, tooLong = retry.Delay(k.attempts, res.retryAfter, res.hasRetryAfter, k.cfg.maxRetryWait, k.cfg.backoffMin, k.cfg.backoffMax, rand.Float64())
		if tooLong {
			return res.err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// The context would end during the wait: return what the
			// server said now rather than a deadline error later.
			return res.err
		}
		if err := sleep(ctx, wait); err != nil {
			return &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: err}
		}
	}
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) logAttempt(ctx context.Context, k *call, res *attemptResult, wait, took time.Duration) {
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", k.method),
		slog.String("path", k.path),
		slog.Int("status", res.status),
		slog.Int("attempt", k.attempts),
		slog.Duration("wait", wait),
		slog.Duration("duration", took),
		slog.String("ray_id", res.rayID),
	}
	if res.err != nil {
		attrs = append(attrs, slog.String("error", res.err.Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "cloudflare: request", attrs...)
}

// attempt sends the request once and reads the response.
func (c *Client) attempt(ctx context.Context, k *call, out decodable) attemptResult {
	actx, cancel := context.WithTimeout(ctx, k.cfg.timeout)
	defer cancel()
	st := getStageTrace(ctx)
	defer putStageTrace(st)
	resp, err := c.hc.Do(c.newRequest(httptrace.WithClientTrace(actx, &st.trace), k))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return c.transportFailure(ctx, actx, k, err, st.stage())
	}
	rb := getReadBuffer()
	defer putReadBuffer(rb)
	defer closeBody(resp.Body, rb)
	res := attemptResult{status: resp.StatusCode, rayID: headerText(resp.Header.Get("Cf-Ray"))}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		res.retryAfter, res.hasRetryAfter = retry.ParseRetryAfter(ra, time.Now())
	}
	res.err = c.readResponse(k, resp, &res, rb, out)
	if res.transport != nil {
		// The body of a success broke off.
		return c.transportFailure(ctx, actx, k, res.transport, retry.StageConnected)
	}
	return res
}

// transportFailure is the result of an attempt that got no usable response.
// An error of the attempt's own timeout (actx ended, ctx did not) becomes
// [errAttemptTimeout]; a timeout of the caller's own http.Client keeps its
// own error.
func (c *Client) transportFailure(ctx, actx context.Context, k *call, err error, stage retry.Stage) attemptResult {
	if ctx.Err() == nil && actx.Err() == context.DeadlineExceeded && errors.Is(err, context.DeadlineExceeded) {
		err = errAttemptTimeout{k.cfg.timeout}
	}
	return attemptResult{err: &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: err}, transport: err, stage: stage}
}

// errAttemptTimeout is the cause of an attempt cut short by the per-attempt
// timeout (not by the caller's context). It matches
// [context.DeadlineExceeded] and is a [net.Error] whose Timeout is true.
type errAttemptTimeout struct{ d time.Duration }

func (e errAttemptTimeout) Error() string { return "attempt timed out after " + e.d.String() }

// Is reports whether target is [context.DeadlineExceeded].
func (errAttemptTimeout) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true, as net.Error does for timeouts.
func (errAttemptTimeout) Timeout() bool { return true }

// Temporary reports true; it completes [net.Error].
func (errAttemptTimeout) Temporary() bool { return true }

// stageTrace records how far an attempt got in the transport, through the
// httptrace hooks net/http calls on the request's goroutine: GetConn when
// the transport starts looking for a connection, GotConn when one is ready.
// Hooks only ever raise the stage, and an attempt resets it before it
// starts, so a hook that a stray goroutine runs late can only make a later
// attempt look more uncertain, never less.
type stageTrace struct {
	trace httptrace.ClientTrace
	s     atomic.Int32
	owned bool // from the pool: its hooks are its own, not composed with the caller's
}

func newStageTrace() *stageTrace {
	st := new(stageTrace)
	st.trace.GetConn = st.getConn
	st.trace.GotConn = st.gotConn
	return st
}

func (st *stageTrace) getConn(string) { st.raise(retry.StageConnecting) }

func (st *stageTrace) gotConn(httptrace.GotConnInfo) { st.raise(retry.StageConnected) }

func (st *stageTrace) raise(to retry.Stage) {
	for {
		cur := st.s.Load()
		if cur >= int32(to) || st.s.CompareAndSwap(cur, int32(to)) {
			return
		}
	}
}

func (st *stageTrace) stage() retry.Stage { return retry.Stage(st.s.Load()) }

var stageTracePool = sync.Pool{New: func() any {
	st := newStageTrace()
	st.owned = true
	return st
}}

// getStageTrace returns a trace at stage none. When the caller's context
// has a trace of its own, httptrace composes ours with it by changing ours,
// so that one is not pooled.
func getStageTrace(ctx context.Context) *stageTrace {
	if httptrace.ContextClientTrace(ctx) != nil {
		return newStageTrace()
	}
	st := stageTracePool.Get().(*stageTrace)
	st.s.Store(int32(retry.StageNone))
	return st
}

func putStageTrace(st *stageTrace) {
	if st.owned {
		stageTracePool.Put(st)
	}
}

// rateLimiter adapts a *rate.Limiter: a wait it refuses at once because it
// would outlast the context's deadline fails with errLimiterDeadline, which
// matches context.DeadlineExceeded, instead of rate's own error.
type rateLimiter struct{ l *rate.Limiter }

func (r *rateLimiter) Wait(ctx context.Context) error {
	err := r.l.Wait(ctx)
	if err != nil && ctx.Err() == nil && strings.Contains(err.Error(), "would exceed context deadline") {
		return errLimiterDeadline{}
	}
	return err
}

// errLimiterDeadline is the cause of a call the rate limiter would have held
// past the context's deadline. It matches [context.DeadlineExceeded].
type errLimiterDeadline struct{}

func (errLimiterDeadline) Error() string {
	return "waiting for the rate limit would exceed the context deadline"
}

// Is reports whether target is [context.DeadlineExceeded].
func (errLimiterDeadline) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true, as net.Error does for timeouts.
func (errLimiterDeadline) Timeout() bool { return true }
