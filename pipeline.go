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
	"net/url"
	"strings"
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
// base URL, applying the per-call options over the client's defaults. The
// caller owns k, so it can live on the caller's stack.
func (c *Client) newCall(k *call, method, path, rawQuery string, body *staticBody, opts []RequestOption) error {
	*k = call{method: method, body: body, cfg: c.defaults}
	if len(opts) > 0 {
		// Options are applied to a copy declared here, so only calls that
		// have options pay for it.
		cfg := c.defaults
		for _, o := range opts {
			if o == nil {
				return &ValidationError{Op: method + " /" + path, Field: "RequestOption", Reason: "nil option"}
			}
			if err := o.applyCall(&cfg); err != nil {
				var ve *ValidationError
				if errors.As(err, &ve) {
					ve.Op = method + " /" + path
				}
				return err
			}
		}
		k.cfg = cfg
	}
	u := *c.baseURL
	escaped := c.baseURL.EscapedPath() + path
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
	var extra, callExtra http.Header
	if k.cfg.headers != nil {
		extra = k.cfg.headers()
	}
	if k.cfg.extra != nil {
		callExtra = k.cfg.extra()
	}
	h := make(http.Header, 6+len(extra)+len(callExtra))
	for key, v := range extra {
		h[key] = v
	}
	for key, v := range callExtra {
		h[key] = v // a call's value replaces the client's
	}
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
	status     int
	rayID      string
	retryAfter string
	err        error // the error to return if this is the last attempt
	transport  error // the transport failure, if no response arrived
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
		k.seal(&res) // the redaction boundary: nothing reads res before it
		if c.logger != nil {
			c.logAttempt(ctx, k, &res, wait, time.Since(start))
		}
		if res.err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if res.transport == nil {
				// The server replied: that response is the result.
				return res.err
			}
			return &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: ctx.Err()}
		}
		d := retry.Decide(k.method, res.status, res.transport)
		k.uncertain = k.uncertain || d.Uncertain
		if !d.Retry || k.attempts > k.cfg.maxRetries {
			return res.err
		}
		ra, hasRA := retry.ParseRetryAfter(res.retryAfter, time.Now())
		var tooLong bool
		wait, tooLong = retry.Delay(k.attempts, ra, hasRA, k.cfg.maxRetryWait, k.cfg.backoffMin, k.cfg.backoffMax, rand.Float64())
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
	resp, err := c.hc.Do(c.newRequest(actx, k))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = errAttemptTimeout{k.cfg.timeout}
		}
		return attemptResult{err: &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: err}, transport: err}
	}
	rb := getReadBuffer()
	defer putReadBuffer(rb)
	defer closeBody(resp.Body, rb)
	res := attemptResult{status: resp.StatusCode, rayID: resp.Header.Get("Cf-Ray"), retryAfter: resp.Header.Get("Retry-After")}
	res.err = c.readResponse(ctx, k, resp, &res, rb, out)
	return res
}

// errAttemptTimeout is the cause of an attempt cut short by the per-attempt
// timeout (not by the caller's context).
type errAttemptTimeout struct{ d time.Duration }

func (e errAttemptTimeout) Error() string { return "attempt timed out after " + e.d.String() }

// Timeout reports true, as net.Error does for timeouts.
func (e errAttemptTimeout) Timeout() bool { return true }

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
