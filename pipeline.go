// This file holds the request pipeline every endpoint goes through: Do
// prepares a call, then sends it in attempts, each with its own timeout, with
// the limiter's wait, retries decided by internal/retry, one debug log
// record per attempt, and the redaction boundary where errors leave.

package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seed-b6b9b3cb/cloudflare-go/internal/retry"
)

// Response is what the server sent for a call, filled by [WithResponseInto].
// It holds nothing of the request. Text in it has the client's key or token
// replaced by "[redacted]", should the server have echoed it.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// RayID is the CF-Ray header, for Cloudflare support.
	RayID string
	// Messages is the envelope's "messages" list.
	Messages []ResponseInfo
	// ResultInfo is the envelope's "result_info", or nil.
	ResultInfo *ResultInfo
	// Body is the body as received, within the read bound (1 MiB).
	Body []byte
}

// Do sends a request to any endpoint of the Cloudflare API v4 through the
// pipeline the service methods use, with the same credentials and headers,
// redirect and http:// rules, bounded read, errors, redaction, logging and
// retries.
//
// path is relative to the base URL ("memberships", "memberships/abc") and
// may carry a query string ("memberships?status=pending"); escape the parts
// you put in it (url.PathEscape, or go-querystring for a query). A nil body
// sends none; otherwise body is sent as JSON with Content-Type
// application/json ([]byte and json.RawMessage as they are). A nil result
// discards the envelope's "result"; otherwise it is decoded into result,
// which must be a pointer.
//
// GET, HEAD, PUT and DELETE are retried after a connection failure, a
// timeout, 408, 429, 500, 502, 503 and 504. POST and PATCH are retried only
// when the request certainly did not reach the server (no byte of it was
// written), or after 408 and 429; a POST or PATCH (or PUT or DELETE) that
// was sent and whose outcome was lost fails with an error matching
// [ErrOutcomeUnknown].
func (c *Client) Do(ctx context.Context, method, path string, body, result any, opts ...Option) error {
	bad := func(field, reason string) error {
		return &ValidationError{Op: method + " " + path, Field: field, Reason: reason}
	}
	if method == "" || strings.ContainsFunc(method, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return bad("method", "must be an HTTP method in capital letters")
	}
	ref, err := url.Parse(path)
	if err != nil || ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(path, "/") || ref.Fragment != "" ||
		strings.Contains("/"+ref.Path+"/", "/../") || strings.Contains("/"+ref.Path+"/", "/./") {
		return bad("path", "must be relative to the base URL, without a leading '/', scheme, host, fragment or dot segment")
	}
	k, err := c.newCall(method, path, body, opts)
	if err != nil {
		return err
	}
	return c.send(ctx, k, result)
}

// call is one API call: what to send and how.
type call struct {
	method     string
	url        string
	path       string // the escaped path, for errors and logs
	body       []byte // nil: no body
	s          settings
	idempotent bool          // retried even when an attempt's outcome was lost
	info       **resultInfo  // where to put the result_info of the last response, or nil
	check      func() string // after a success: why the result is unusable, or ""
}

// newCall prepares a call of method on path, relative to the base URL and
// already checked, applying the call's options over the client's settings.
func (c *Client) newCall(method, path string, body any, opts []Option) (*call, error) {
	k := &call{method: method, s: c.s, url: c.root + path,
		idempotent: method == http.MethodGet || method == http.MethodHead || method == http.MethodPut || method == http.MethodDelete}
	// The path of errors and logs: the URL's, without its origin or query.
	k.path, _, _ = strings.Cut(k.url[len(c.base.Scheme)+len("://")+len(c.base.Host):], "?")
	if err := k.s.applyOptions(method+" "+path, true, opts); err != nil {
		return nil, err
	}
	var err error
	switch b := body.(type) {
	case nil:
	case []byte:
		k.body = b
	case json.RawMessage:
		k.body = b
	default:
		if k.body, err = json.Marshal(body); err != nil {
			return nil, &ValidationError{Op: method + " " + path, Field: "body", Reason: "cannot be encoded as JSON: " + err.Error()}
		}
	}
	if body != nil && k.body == nil {
		k.body = []byte{}
	}
	return k, nil
}

// send runs a call's attempts and decodes a successful result into out. It
// is the one way out of the pipeline: every error passes the redaction
// boundary here.
func (c *Client) send(ctx context.Context, k *call, out any) error {
	var (
		wait      time.Duration
		uncertain bool
		resp      *Response
	)
	if k.s.into != nil {
		resp = new(Response)
		defer func() { *k.s.into = *resp }()
	}
	for n := 1; ; n++ {
		if l := k.s.limiter; l != nil {
			if err := l.Wait(ctx); err != nil {
				return c.fail(k, n-1, err, "rate limiter: ", uncertain)
			}
		}
		start := time.Now()
		a := c.attempt(ctx, k, out, resp)
		c.log(ctx, k, n, &a, wait, time.Since(start))
		if a.apiErr == nil && a.err == nil {
			return nil
		}
		again, unsure := retry.Decide(k.idempotent, a.status, a.sent, a.permanent)
		uncertain = uncertain || unsure && k.method != http.MethodGet && k.method != http.MethodHead
		if a.apiErr != nil {
			a.apiErr.RetryAfter = a.retryAfter
		}
		last := func() error {
			if a.apiErr != nil {
				return c.failAPI(k, n, a.apiErr, uncertain)
			}
			return c.fail(k, n, a.err, "", uncertain)
		}
		if ctx.Err() != nil {
			if a.apiErr != nil {
				return last()
			}
			return c.fail(k, n, context.Cause(ctx), "", uncertain)
		}
		if !again || n > k.s.maxRetries || a.retryAfter > maxRetryWait {
			return last()
		}
		wait = retry.Backoff(n, k.s.backoffMin, k.s.backoffMax, rand.Float64())
		if a.hasRetryAfter {
			wait = a.retryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return last() // the context would end during the wait
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return c.fail(k, n, context.Cause(ctx), "", uncertain)
		}
	}
}

// attempt is how one attempt ended.
type attempt struct {
	status        int       // 0 when no response arrived
	sent          bool      // the request's headers were written
	permanent     bool      // a transport failure a retry cannot mend
	err           error     // the transport failure, if no usable response arrived
	apiErr        *APIError // the response's error, if it is one
	rayID         string
	retryAfter    time.Duration
	hasRetryAfter bool
}

// attempt sends the request once and reads its response into out and resp.
func (c *Client) attempt(ctx context.Context, k *call, out any, resp *Response) (a attempt) {
	actx, cancel := context.WithTimeout(ctx, k.s.timeout)
	defer cancel()
	t := new(attemptTrace)
	t.ClientTrace = httptrace.ClientTrace{WroteHeaders: func() { t.sent.Store(true) }, GotFirstResponseByte: func() { t.got.Store(true) }}
	var body io.Reader
	if k.body != nil {
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(actx, &t.ClientTrace), k.method, k.url, body)
	if err != nil {
		return attempt{err: err, permanent: true}
	}
	for name, v := range k.s.header {
		req.Header[name] = v
	}
	c.auth(req.Header)
	req.Header["Accept"] = jsonType // shared: a RoundTripper must not change the request
	req.Header["User-Agent"] = c.ua
	if k.body != nil {
		req.Header["Content-Type"] = jsonType
	}
	r, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the method and URL
		}
		switch {
		case ctx.Err() == nil && actx.Err() != nil:
			err = &timeoutError{k.s.timeout}
		case ctx.Err() == nil && t.got.Load() && !errors.Is(err, io.ErrUnexpectedEOF):
			// A response began but net/http could not read it (headers over
			// the bound, a malformed head or Location): it would again. A
			// connection that broke in the head is lost, not unreadable.
			return attempt{sent: true, permanent: true, apiErr: &APIError{reason: "unreadable response: " + clip(c.redact(err.Error()), 512)}}
		}
		return attempt{err: err, sent: t.sent.Load(), permanent: retry.Permanent(err)}
	}
	tooLarge, eof := r.ContentLength > maxBodyBytes, false
	defer func() {
		if !tooLarge && !eof { // drained, so the connection can be reused; an oversized body is not waited for
			_, _ = io.CopyN(io.Discard, r.Body, 64<<10)
		}
		_ = r.Body.Close()
	}()
	a = attempt{status: r.StatusCode, sent: true, rayID: r.Header.Get("Cf-Ray")}
	a.retryAfter, a.hasRetryAfter = retry.ParseRetryAfter(r.Header.Get("Retry-After"), time.Now())
	var data []byte
	if !tooLarge {
		var buf bytes.Buffer // one allocation when the size is announced
		buf.Grow(int(min(max(r.ContentLength, 0), maxBodyBytes)) + bytes.MinRead)
		_, err = buf.ReadFrom(&io.LimitedReader{R: r.Body, N: maxBodyBytes + 1})
		data, tooLarge = buf.Bytes(), buf.Len() > maxBodyBytes
		eof = err == nil && !tooLarge
		data = data[:min(len(data), maxBodyBytes)]
	}
	if err != nil && r.StatusCode < 300 {
		// The body of a success broke off: the outcome is lost.
		if ctx.Err() == nil && actx.Err() != nil {
			err = &timeoutError{k.s.timeout}
		}
		return attempt{err: err, sent: true, rayID: a.rayID}
	}
	if out == nil {
		out = &discard{}
	}
	env := envelope{Result: out}
	a.apiErr = decode(r, data, tooLarge, &env, c.redact)
	if a.apiErr == nil && k.check != nil {
		if reason := k.check(); reason != "" {
			a.apiErr = &APIError{StatusCode: r.StatusCode, RayID: clip(c.redact(a.rayID), 256), reason: reason}
		}
	}
	if k.info != nil {
		*k.info = env.ResultInfo
	}
	if resp != nil {
		*resp = Response{StatusCode: r.StatusCode, Header: r.Header, RayID: a.rayID, Messages: env.Messages, Body: data}
		if env.ResultInfo != nil {
			resp.ResultInfo = &env.ResultInfo.ResultInfo
		}
		c.sealResponse(resp)
	}
	return a
}

// jsonType is the value of the Accept and Content-Type headers.
var jsonType = []string{"application/json"}

// attemptTrace learns from net/http's hooks how far an attempt got: whether
// the request's headers were written, and whether a response began.
type attemptTrace struct {
	httptrace.ClientTrace
	sent, got atomic.Bool
}

// timeoutError is the cause of an attempt cut short by its own timeout (not
// by the caller's context). It matches [context.DeadlineExceeded].
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return "attempt timed out after " + e.d.String() }

func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// fail builds the error of a call that ended without a usable response,
// its text redacted.
func (c *Client) fail(k *call, attempts int, err error, what string, uncertain bool) error {
	msg := "cloudflare: " + k.method + " " + k.path + ": " + what + c.redact(err.Error()) + attemptsText(attempts)
	if uncertain {
		msg += " (outcome unknown: an attempt may have acted on the server)"
	}
	return &callError{msg: msg, err: err, unknown: uncertain}
}

// failAPI finishes an *APIError, whose text from the server decode has
// redacted already: it names the call and marks an unknown outcome.
func (c *Client) failAPI(k *call, attempts int, e *APIError, uncertain bool) error {
	e.Method, e.Path, e.attempts = k.method, k.path, attempts
	if uncertain {
		return &callError{msg: e.Error() + " (outcome unknown: an attempt may have acted on the server)", err: e, unknown: true}
	}
	return e
}

// sealResponse redacts what a Response holds of the server's text.
func (c *Client) sealResponse(r *Response) {
	r.RayID = c.redact(r.RayID) // Messages were redacted by decode
	if s := string(r.Body); c.redact(s) != s {
		r.Body = []byte(c.redact(s))
	}
	h := make(http.Header, len(r.Header))
	for name, vs := range r.Header {
		for _, v := range vs {
			h[name] = append(h[name], c.redact(v))
		}
	}
	r.Header = h
}

// log writes one debug record for an attempt, its text redacted.
func (c *Client) log(ctx context.Context, k *call, n int, a *attempt, wait, took time.Duration) {
	l := k.s.logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", k.method), slog.String("path", k.path), slog.Int("status", a.status),
		slog.Int("attempt", n), slog.Duration("wait", wait), slog.Duration("duration", took),
		slog.String("ray_id", clip(c.redact(a.rayID), 256)),
	}
	if a.apiErr != nil {
		e := *a.apiErr
		attrs = append(attrs, slog.String("error", c.failAPI(k, n, &e, false).Error()))
	} else if a.err != nil {
		attrs = append(attrs, slog.String("error", c.redact(a.err.Error())))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "cloudflare: request", attrs...)
}
