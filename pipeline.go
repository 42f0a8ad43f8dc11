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
	"reflect"
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
	// Body is the body as received, within the read bound (1 MiB). It is
	// empty, as Messages and ResultInfo are, when a 2xx body went to an
	// io.Writer result of [Client.Do].
	Body []byte
}

// Do sends a request to any endpoint of the Cloudflare API v4 through the
// pipeline the service methods use, with the same credentials and headers,
// redirect and http:// rules, bounded reads, errors, redaction, logging and
// retries.
//
// path is relative to the base URL ("memberships", "memberships/abc") and
// may carry a query string ("memberships?status=pending"); escape the parts
// you put in it (url.PathEscape, or go-querystring for a query).
//
// body is what the request carries:
//   - nil: no body.
//   - []byte or json.RawMessage: sent as it is, as application/json.
//   - an io.Reader: streamed as it is, as application/octet-stream, or the
//     type given with [WithContentType] (a *bytes.Buffer is sent as its
//     unread bytes and not consumed). A reader that is also an io.Seeker
//     (*bytes.Reader, *strings.Reader, *os.File, …) is sought back to where
//     it stood for each retry; any other reader is sent once, and a failure
//     that would have been retried is returned instead. A reader is never
//     closed.
//   - anything else: encoded as JSON.
//
// A nil pointer as body is refused: give nil for no body.
//
// result is nil, a non-nil pointer, or an io.Writer:
//   - a pointer: on success the envelope's "result" is decoded into a new
//     value of its type, which then replaces *result (null or absent: the
//     zero value). On failure *result is left as it was: no byte of an error
//     response, or of an earlier attempt, reaches it.
//   - an io.Writer: a 2xx body is copied to it as sent, without the envelope
//     and without the 1 MiB bound (the attempt's timeout and the context
//     bound it); an attempt that broke off after writing to it is not
//     retried.
//   - nil: the result is not kept.
//
// A 2xx with an empty body (204, 205, a HEAD, Content-Length 0) is a
// success that leaves result as it was. Other responses are read as the
// envelope: an error status or "success": false is an [*APIError].
//
// GET, HEAD, PUT and DELETE, and a POST or PATCH marked with
// [WithIdempotent], are retried after a lost outcome (a connection lost
// after the request was written, a timeout, an unusable 2xx, 500, 502, 503,
// 504, 520, 522, 524); every method is retried when the request certainly
// did not reach the API's origin (nothing was written, 408, 429, 521, 523,
// 525, 526). A call that was sent and whose outcome stayed lost fails with an
// error matching [ErrOutcomeUnknown] (never for GET and HEAD).
func (c *Client) Do(ctx context.Context, method, path string, body, result any, opts ...Option) error {
	rel, _, _ := strings.Cut(path, "?")
	op := method + " /" + rel
	bad := func(field, reason string) error { return &ValidationError{Op: op, Field: field, Reason: reason} }
	if method == "" || strings.ContainsFunc(method, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return bad("method", "must be an HTTP method in capital letters")
	}
	ref, err := url.Parse(path)
	if err != nil || ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(path, "/") || ref.Fragment != "" ||
		strings.Contains("/"+ref.Path+"/", "/../") || strings.Contains("/"+ref.Path+"/", "/./") {
		return bad("path", "must be relative to the base URL, without a leading '/', scheme, host, fragment or dot segment")
	}
	_, writer := result.(io.Writer)
	if v := reflect.ValueOf(result); result != nil && (v.Kind() == reflect.Pointer && v.IsNil() || !writer && v.Kind() != reflect.Pointer) {
		return bad("result", "must be nil, a non-nil pointer or an io.Writer")
	}
	if v := reflect.ValueOf(body); body != nil && v.Kind() == reflect.Pointer && v.IsNil() {
		return bad("body", "a nil pointer; give nil for no body")
	}
	k, err := c.newCall(op, method, path, body, opts)
	if err != nil {
		return err
	}
	k.emptyOK = true
	return c.send(ctx, k, result)
}

// call is one API call: what to send and how.
type call struct {
	// op is the operation, as a ValidationError names it; path is the URL's
	// escaped path, for errors and logs, and query its query.
	op, method, path, query string
	body                    []byte // nil: no body, or a streamed one
	reader                  io.Reader
	rewind                  func() error // puts reader back where it stood; nil: it cannot be sent again
	ctype                   []string     // the body's Content-Type
	s                       settings
	// need: a success must carry a "result" that is not null; emptyOK: a
	// 2xx with an empty body is a success (Do).
	need, emptyOK bool
	info          **ResultInfo // where a success's result_info goes, or nil
}

// newCall prepares a call of method on path, relative to the base URL and
// already checked, applying the call's options over the client's settings.
func (c *Client) newCall(op, method, path string, body any, opts []Option) (*call, error) {
	rel, q, _ := strings.Cut(path, "?")
	k := &call{op: op, method: method, path: c.base.EscapedPath() + rel, query: q, s: c.s, ctype: jsonType}
	if err := k.s.applyOptions(op, true, opts); err != nil {
		return nil, err
	}
	// Sending it twice has the effect of sending it once: a lost outcome may be retried.
	k.s.idempotent = k.s.idempotent || method == http.MethodGet || method == http.MethodHead || method == http.MethodPut || method == http.MethodDelete
	switch b := body.(type) {
	case nil:
	case []byte:
		k.body = b
	case json.RawMessage:
		k.body = b
	case *bytes.Buffer:
		k.body, k.ctype = b.Bytes(), octetType
	case io.Reader:
		k.reader, k.ctype = b, octetType
		if s, ok := b.(io.Seeker); ok {
			if at, err := s.Seek(0, io.SeekCurrent); err == nil {
				k.rewind = func() error { _, err := s.Seek(at, io.SeekStart); return err }
			}
		}
	default:
		var err error
		if k.body, err = json.Marshal(body); err != nil {
			return nil, &ValidationError{Op: op, Field: "body", Reason: "cannot be encoded as JSON: " + err.Error()}
		}
	}
	if body != nil && k.body == nil && k.reader == nil {
		k.body = []byte{}
	}
	if k.s.ctype != nil {
		if body == nil {
			return nil, &ValidationError{Op: op, Field: "WithContentType", Reason: "given without a body"}
		}
		k.ctype = k.s.ctype
	}
	return k, nil
}

// send runs a call's attempts; a success has set out. It is the one way out
// of the pipeline: every error passes the redaction boundary here.
func (c *Client) send(ctx context.Context, k *call, out any) error {
	if ctx == nil {
		return &ValidationError{Op: k.op, Field: "ctx", Reason: "nil context"}
	}
	var (
		wait      time.Duration
		uncertain bool
		last      *Response // the last response received, for WithResponseInto
	)
	if len(k.s.into) > 0 {
		last = new(Response)
		defer func() {
			for _, r := range k.s.into {
				*r = *last
			}
		}()
	}
	for n := 1; ; n++ {
		if l := k.s.limiter; l != nil {
			if err := l.Wait(ctx); err != nil {
				return c.fail(k, n-1, err, "rate limiter: ", uncertain)
			}
		}
		start := time.Now()
		a := c.attempt(ctx, k, out, last)
		c.log(ctx, k, n, &a, wait, time.Since(start))
		if a.apiErr == nil && a.err == nil {
			return nil
		}
		verdict := a.status // what retry.Decide judges: 0 when no usable answer came
		if a.lost {
			verdict = 0
		}
		again, unsure := retry.Decide(k.s.idempotent, verdict, a.sent, a.permanent)
		uncertain = uncertain || unsure && k.method != http.MethodGet && k.method != http.MethodHead
		if again && k.reader != nil && (k.rewind == nil || k.rewind() != nil) {
			again = false // the body cannot be sent again
		}
		if ctx.Err() != nil && a.apiErr == nil {
			return c.fail(k, n, context.Cause(ctx), "", uncertain)
		}
		if !again || ctx.Err() != nil || n > k.s.maxRetries || a.retryAfter > maxRetryWait {
			return a.final(c, k, n, uncertain)
		}
		wait = retry.Backoff(n, k.s.backoffMin, k.s.backoffMax, rand.Float64())
		if a.hasRetryAfter {
			wait = a.retryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return a.final(c, k, n, uncertain) // the context would end during the wait
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
	status int // 0 when no response arrived
	// sent: the request's headers were written; lost: a response arrived,
	// but not an answer the client can use; permanent: a retry cannot mend
	// the failure.
	sent, lost, permanent, hasRetryAfter bool
	err                                  error     // the transport failure, if no usable response arrived
	apiErr                               *APIError // the response's error, if it is one
	rayID                                string
	retryAfter                           time.Duration
}

// final returns the error of a call that ends with this attempt.
func (a *attempt) final(c *Client, k *call, n int, uncertain bool) error {
	if a.apiErr == nil {
		return c.fail(k, n, a.err, "", uncertain)
	}
	a.apiErr.RetryAfter = a.retryAfter
	return c.failAPI(k, n, a.apiErr, uncertain)
}

// attempt sends the request once and reads its response, into out on
// success and into resp (when not nil) in any case.
func (c *Client) attempt(ctx context.Context, k *call, out any, resp *Response) attempt {
	actx, cancel := context.WithTimeout(ctx, k.s.timeout)
	defer cancel()
	t := new(attemptTrace)
	req, err := c.newRequest(httptrace.WithClientTrace(actx, t.hooks()), k)
	if err != nil {
		return attempt{err: err, permanent: true}
	}
	r, err := c.hc.Do(req)
	if err != nil {
		return transportFailure(ctx, actx, k, t, err, c.cred())
	}
	eof := false
	defer func() { // drained within a bound, so the connection can be reused; not past the end or a size over the bound
		if !eof && r.ContentLength <= maxBodyBytes {
			_, _ = io.CopyN(io.Discard, r.Body, 64<<10)
		}
		_ = r.Body.Close()
	}()
	a := attempt{status: r.StatusCode, sent: true, rayID: r.Header.Get("Cf-Ray")}
	a.retryAfter, a.hasRetryAfter = retry.ParseRetryAfter(r.Header.Get("Retry-After"), time.Now())
	if resp != nil {
		*resp = Response{StatusCode: r.StatusCode, Header: r.Header, RayID: a.rayID}
		defer c.sealResponse(resp)
	}
	if w, ok := out.(io.Writer); ok && r.StatusCode/100 == 2 {
		n, err := io.Copy(w, r.Body)
		if eof = err == nil; !eof { // not retried once the result has bytes of it
			a.apiErr, a.lost, a.permanent = c.brokeOff(ctx, actx, k, r, err), true, n > 0
		}
		return a
	}
	data, tooLarge, err := readBody(r)
	if eof = err == nil && !tooLarge; err != nil && r.StatusCode < 300 {
		a.apiErr, a.lost = c.brokeOff(ctx, actx, k, r, err), true // the outcome is lost
		return a
	}
	var env envelope
	var result reflect.Value // a new value of out's type: a success replaces *out with it
	if v := reflect.ValueOf(out); r.StatusCode/100 == 2 && v.Kind() == reflect.Pointer {
		result = reflect.New(v.Type().Elem())
	}
	a.apiErr, a.lost, a.permanent = decode(r, data, tooLarge, &env, result, k, c.cred())
	if resp != nil {
		resp.Messages, resp.ResultInfo, resp.Body = env.Messages, env.ResultInfo, data
	}
	if a.apiErr == nil && env.Success != nil {
		if result.IsValid() {
			reflect.ValueOf(out).Elem().Set(result.Elem())
		}
		if k.info != nil {
			*k.info = env.ResultInfo
		}
	}
	return a
}

// newRequest builds the HTTP request of one attempt.
func (c *Client) newRequest(ctx context.Context, k *call) (*http.Request, error) {
	var body io.Reader
	switch {
	case k.reader != nil:
		body = k.reader
		if _, ok := body.(io.Closer); ok {
			body = struct{ io.Reader }{body} // the caller's to close, not net/http's
		}
	case k.body != nil:
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, "", body)
	if err != nil {
		return nil, err
	}
	u := req.URL // the base URL joined with the path and query, without parsing them again
	*u = *c.base
	u.RawPath, u.RawQuery = k.path, k.query
	if u.Path, err = url.PathUnescape(k.path); err != nil {
		return nil, err
	}
	req.Host = u.Host
	for name, v := range k.s.header {
		req.Header[name] = v
	}
	c.cred().set(req.Header)
	req.Header["Accept"] = jsonType // shared: a RoundTripper must not change the request
	req.Header["User-Agent"] = c.ua
	if body != nil {
		req.Header["Content-Type"] = k.ctype
	}
	return req, nil
}

// transportFailure classifies an attempt that got no usable response.
func transportFailure(ctx, actx context.Context, k *call, t *attemptTrace, err error, cred *credential) attempt {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the method and URL
	}
	err = timedOut(ctx, actx, k, err)
	if _, timeout := err.(*timeoutError); !timeout && ctx.Err() == nil && t.got.Load() && !errors.Is(err, io.ErrUnexpectedEOF) {
		// A response began but net/http could not read it (headers over
		// the bound, a malformed head or Location): it would again. A
		// connection that broke in the head is lost, not unreadable.
		return attempt{sent: true, permanent: true, apiErr: &APIError{reason: "unreadable response: " + clip(cred.redact(err.Error()), 512)}}
	}
	return attempt{err: err, sent: t.sent.Load(), permanent: retry.Permanent(err)}
}

// brokeOff is the error of a 2xx whose body broke off: a response came, but
// not an answer the client can use. It wraps the cause.
func (c *Client) brokeOff(ctx, actx context.Context, k *call, r *http.Response, err error) *APIError {
	err = timedOut(ctx, actx, k, err)
	return &APIError{StatusCode: r.StatusCode, RayID: clip(c.redact(r.Header.Get("Cf-Ray")), 256),
		reason: "the body broke off: " + clip(c.redact(err.Error()), 256), cause: err}
}

// timedOut returns err, or a *timeoutError when the attempt's own timeout
// (not the caller's context) cut it short.
func timedOut(ctx, actx context.Context, k *call, err error) error {
	if ctx.Err() == nil && actx.Err() != nil {
		return &timeoutError{k.s.timeout}
	}
	return err
}

// readBody reads a response body up to the bound: in one allocation of its
// size (and a byte to see its end) when it is announced, and not at all when
// that size is over the bound.
func readBody(r *http.Response) (data []byte, tooLarge bool, err error) {
	switch {
	case r.Body == http.NoBody: // a HEAD's, a 204's: its Content-Length is not of this body
		return nil, false, nil
	case r.ContentLength > maxBodyBytes:
		return nil, true, nil
	case r.ContentLength < 0:
		data, err = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		return data[:min(len(data), maxBodyBytes)], len(data) > maxBodyBytes, err
	}
	data = make([]byte, r.ContentLength+1)
	n, err := io.ReadFull(r.Body, data)
	if n == int(r.ContentLength) && (err == io.ErrUnexpectedEOF || err == io.EOF) {
		err = nil // the body ended where it said it would
	}
	return data[:min(n, int(r.ContentLength))], false, err
}

// The values of the Accept and Content-Type headers, shared by every
// request.
var jsonType, octetType = []string{"application/json"}, []string{"application/octet-stream"}

// attemptTrace learns from net/http's hooks how far an attempt got: whether
// the request's headers were written, and whether a response began. Each
// redirect hop is judged on its own: a new connection asked for after a
// response began starts over.
type attemptTrace struct {
	httptrace.ClientTrace
	sent, got atomic.Bool
}

func (t *attemptTrace) hooks() *httptrace.ClientTrace {
	t.ClientTrace = httptrace.ClientTrace{
		GetConn: func(string) {
			if t.got.Swap(false) {
				t.sent.Store(false)
			}
		},
		WroteHeaders:         func() { t.sent.Store(true) },
		GotFirstResponseByte: func() { t.got.Store(true) },
	}
	return &t.ClientTrace
}

// timeoutError is the cause of an attempt cut short by its own timeout (not
// by the caller's context). It matches [context.DeadlineExceeded].
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return "attempt timed out after " + e.d.String() }

func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true: the error is a [net.Error] timeout, as an
// [http.Client] Timeout's is.
func (e *timeoutError) Timeout() bool { return true }

// Temporary reports true, as net/http's timeouts do.
func (e *timeoutError) Temporary() bool { return true }

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
