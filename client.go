package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/seed-b6b9b3cb/cloudflare-go/internal/retry"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.1.0"

// Environment variables read by [NewClient] when no option says otherwise.
const (
	EnvAPIEmail = "CLOUDFLARE_EMAIL"
	EnvAPIKey   = "CLOUDFLARE_API_KEY"
	EnvAPIToken = "CLOUDFLARE_API_TOKEN"
	EnvBaseURL  = "CLOUDFLARE_BASE_URL"
)

// maxErrorBodyBytes caps how much of a non-2xx body is read; drainBytes caps
// how much of an unread remainder is discarded so the connection is reused.
const (
	maxErrorBodyBytes = 64 << 10
	drainBytes        = 64 << 10
	excerptBytes      = 256
)

// Client talks to the Cloudflare API. Create one with [NewClient] and share
// it: it is safe for concurrent use and reuses connections.
type Client struct {
	// User holds the services under /user.
	User *UserService

	baseURL          *url.URL
	origin           string
	hc               *http.Client
	auth             *credentials
	userAgent        []string
	accept           []string
	contentType      []string
	defaults         callConfig
	maxResponseBytes int64
	logger           *slog.Logger
	limiter          *rate.Limiter
}

// credentials keep their values only inside closures, so no fmt verb on a
// Client, a copy of one, or its fields can reach them, nor can a reflection
// dumper.
type credentials struct {
	set    func(h http.Header)   // sets the authentication headers, built once
	redact func(s string) string // replaces the secret in text from the server
	kind   string
}

// newRedactor returns a function that replaces every occurrence of the
// secret in a text, for text a server may have echoed it into.
func newRedactor(secret string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, secret) {
			return s
		}
		return strings.ReplaceAll(s, secret, "[redacted]")
	}
}

// String names the kind of credential, never its value.
func (c *credentials) String() string { return "credentials(" + c.kind + ")" }

// GoString is like String, for %#v.
func (c *credentials) GoString() string { return c.String() }

// String describes the client without its credentials.
func (c *Client) String() string {
	if c == nil || c.baseURL == nil || c.auth == nil {
		return "cloudflare.Client{}"
	}
	return "cloudflare.Client{BaseURL: " + c.baseURL.String() + ", Auth: " + c.auth.kind + "}"
}

// GoString is like String, for %#v.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the API root the client sends requests to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// UserService holds the services under /user.
type UserService struct {
	// Invites answers, reads and lists the user's invitations.
	Invites *InviteService
}

// service is the back-pointer every service shares.
type service struct{ client *Client }

// NewClient returns a client configured by opts.
//
// Without a credential option, credentials come from the environment:
// CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY. Any
// credential option replaces the environment's credentials as a whole. The
// base URL comes from [WithBaseURL], else CLOUDFLARE_BASE_URL, else
// [DefaultBaseURL]. NewClient fails with a [*ValidationError] when an option
// is invalid, when no credentials are found, when an email comes without a
// key (or the reverse), or when a token comes together with a key.
func NewClient(opts ...Option) (*Client, error) {
	cfg := clientConfig{
		call: callConfig{
			maxRetries:   DefaultMaxRetries,
			maxRetryWait: DefaultMaxRetryWait,
			backoffMin:   defaultBackoffMin,
			backoffMax:   defaultBackoffMax,
			timeout:      DefaultTimeout,
		},
		maxResponseBytes: DefaultMaxResponseBytes,
	}
	for _, o := range opts {
		if o == nil {
			return nil, optionError("Option", "nil option")
		}
		if err := o.applyClient(&cfg); err != nil {
			return nil, err
		}
	}
	auth, err := cfg.credentials()
	if err != nil {
		return nil, err
	}
	base, err := cfg.base()
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:          base,
		origin:           origin(base),
		auth:             auth,
		userAgent:        []string{userAgent(cfg.userAgent)},
		accept:           []string{"application/json"},
		contentType:      []string{"application/json"},
		defaults:         cfg.call,
		maxResponseBytes: cfg.maxResponseBytes,
		logger:           cfg.logger,
	}
	c.hc = c.httpClient(&cfg)
	if cfg.rateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.rateLimit), cfg.rateBurst)
	}
	c.User = &UserService{Invites: &InviteService{client: c}}
	return c, nil
}

func (cfg *clientConfig) credentials() (*credentials, error) {
	email, key, token := cfg.email, cfg.key, cfg.token
	source := "options"
	if !cfg.explicitAuth {
		email, key, token = os.Getenv(EnvAPIEmail), os.Getenv(EnvAPIKey), os.Getenv(EnvAPIToken)
		source = "environment (" + EnvAPIEmail + ", " + EnvAPIKey + ", " + EnvAPIToken + ")"
		for _, v := range []struct{ name, value string }{{EnvAPIEmail, email}, {EnvAPIKey, key}, {EnvAPIToken, token}} {
			if v.value == "" {
				continue
			}
			if reason := checkCredential(v.value); reason != "" {
				return nil, optionError(v.name, reason)
			}
		}
	}
	fail := func(reason string) error { return optionError("credentials", reason+" (from "+source+")") }
	switch {
	case token != "" && key != "":
		return nil, fail("an API token and an API key were both given; use one")
	case token != "" && email != "":
		return nil, fail("an API email was given with an API token; a token needs no email")
	case token != "":
		v := []string{"Bearer " + token}
		return &credentials{set: func(h http.Header) { h["Authorization"] = v }, redact: newRedactor(token), kind: "api token"}, nil
	case email != "" && key == "":
		return nil, fail("an API email was given without an API key")
	case key != "" && email == "":
		return nil, fail("an API key was given without an API email")
	case key != "":
		e, k := []string{email}, []string{key}
		return &credentials{set: func(h http.Header) { h["X-Auth-Email"], h["X-Auth-Key"] = e, k }, redact: newRedactor(key), kind: "api key"}, nil
	}
	return nil, fail("no credentials: set an API token, or an API email and key")
}

func (cfg *clientConfig) base() (*url.URL, error) {
	raw, field := cfg.baseURL, "WithBaseURL"
	if !cfg.baseURLSet {
		raw, field = os.Getenv(EnvBaseURL), EnvBaseURL
		if raw == "" {
			raw = DefaultBaseURL
		}
	}
	u, reason := parseBaseURL(raw)
	if reason != "" {
		return nil, optionError(field, reason)
	}
	if u.Scheme == "http" && !cfg.insecureHTTP && !isLoopback(u.Hostname()) {
		return nil, optionError(field, "plain http to a host that is not loopback would send credentials in clear text; use https, or WithInsecureHTTP")
	}
	return u, nil
}

// parseBaseURL checks an API root and returns it with a trailing slash, or
// the reason it is unusable.
func parseBaseURL(raw string) (*url.URL, string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, "scheme must be http or https"
	case u.Host == "":
		return nil, "no host"
	case u.User != nil:
		return nil, "must not contain user info"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, "must not contain a query or fragment"
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

func userAgent(prefix string) string {
	ua := "cloudflare-go-invites/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if prefix != "" {
		ua = prefix + " " + ua
	}
	return ua
}

// httpClient returns the *http.Client the client sends with: a copy of the
// one given, or a new one with a transport tuned for many concurrent calls
// to one host. Either way it gets the redirect policy and the middleware.
func (c *Client) httpClient(cfg *clientConfig) *http.Client {
	var hc http.Client
	if cfg.httpClient != nil {
		hc = *cfg.httpClient
	} else {
		hc.Transport = newTransport()
	}
	rt := hc.Transport
	if rt == nil {
		// Not http.DefaultTransport: its 2 idle connections per host
		// would churn under concurrent callers.
		rt = newTransport()
	}
	for i := len(cfg.middleware) - 1; i >= 0; i-- {
		rt = cfg.middleware[i](rt)
	}
	hc.Transport = rt
	userCheck := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := c.checkRedirect(req, via); err != nil {
			return err
		}
		if userCheck != nil && userCheck(req, via) != nil {
			// The caller's own policy refuses it: not followed, reported
			// like any refused redirect, never retried as a lost answer.
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &hc
}

// newTransport returns the default transport: http.DefaultTransport's
// settings, with enough idle connections per host that 64 concurrent
// callers reuse connections instead of opening new ones.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	t.IdleConnTimeout = 90 * time.Second
	t.ForceAttemptHTTP2 = true
	return t
}

// checkRedirect follows a redirect only to the base URL's origin, at most
// five times, and never when it would change the method (a 301, 302 or 303
// turns a PATCH into a GET). Otherwise the redirect answer itself comes back
// to the pipeline, which reports it as a [*ResponseError]: credentials never
// leave the configured origin.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 || origin(req.URL) != c.origin || req.Method != via[0].Method {
		return http.ErrUseLastResponse
	}
	return nil
}

// call is one API call: what to send and how.
type call struct {
	method    string
	url       *url.URL
	path      string // the escaped path, for errors and logs
	body      *staticBody
	cfg       callConfig
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
	var extra http.Header
	if k.cfg.headers != nil {
		extra = k.cfg.headers()
	}
	h := make(http.Header, 6+len(extra))
	for key, v := range extra {
		h[key] = v
	}
	c.auth.set(h)
	h["Accept"] = c.accept
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
		h["Content-Type"] = c.contentType
		req.ContentLength = int64(len(k.body.data))
		req.Body, _ = k.body.open()
		req.GetBody = k.body.getBody
	}
	return req.WithContext(ctx)
}

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
	transport  error // the transport failure, if no answer arrived
}

// do runs a call with retries and decodes a successful answer into out.
func (c *Client) do(ctx context.Context, k *call, out answer) error {
	var wait time.Duration
	for {
		k.attempts++
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				if ctx.Err() == nil {
					// The limiter refuses at once a wait that would outlast
					// the context's deadline; report it as that deadline.
					err = errLimiterDeadline{}
				}
				return &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: err}
			}
		}
		start := time.Now()
		res := c.attempt(ctx, k, out)
		if c.logger != nil {
			c.logAttempt(ctx, k, &res, wait, time.Since(start))
		}
		if res.err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if res.transport == nil {
				// The server answered: that answer is the result.
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

// attempt sends the request once and reads the answer.
func (c *Client) attempt(ctx context.Context, k *call, out answer) attemptResult {
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
	res.err = c.readAnswer(ctx, k, resp, &res, rb, out)
	return res
}

// errAttemptTimeout is the cause of an attempt cut short by the per-attempt
// timeout (not by the caller's context).
type errAttemptTimeout struct{ d time.Duration }

func (e errAttemptTimeout) Error() string { return "attempt timed out after " + e.d.String() }

// Timeout reports true, as net.Error does for timeouts.
func (e errAttemptTimeout) Timeout() bool { return true }

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

// readAnswer turns a response into nil (out holds the result) or the error
// to report.
func (c *Client) readAnswer(ctx context.Context, k *call, resp *http.Response, res *attemptResult, rb *readBuffer, out answer) error {
	respErr := func(reason string, err error) error {
		return &ResponseError{Method: k.method, Path: k.path, StatusCode: resp.StatusCode, RayID: res.rayID, Reason: reason, Err: err, Attempts: k.attempts}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e := respErr("redirect not followed", nil).(*ResponseError)
		if loc, err := resp.Location(); err == nil {
			e.Location = c.auth.redact(loc.Scheme + "://" + loc.Host + loc.EscapedPath())
			e.Reason = "redirect to " + e.Location + " not followed: credentials are only sent to " + c.origin
			if origin(loc) == c.origin {
				e.Reason = "redirect to " + e.Location + " not followed: it would change the method or loop"
			}
		}
		return e
	}
	success := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := c.maxResponseBytes
	if !success {
		limit = maxErrorBodyBytes
	}
	if success && resp.ContentLength > limit {
		// Announced as too large: refuse without reading any of it, and
		// close rather than drain it.
		rb.noDrain = true
		return respErr("body larger than "+formatBytes(limit)+" (Content-Length "+strconv.FormatInt(resp.ContentLength, 10)+")", nil)
	}
	n, err := rb.readFrom(resp.Body, limit+1)
	buf := &rb.buf
	if err != nil && success {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = errAttemptTimeout{k.cfg.timeout}
		}
		res.transport = err
		return &RequestError{Method: k.method, Path: k.path, Attempts: k.attempts, Err: err}
	}
	// An error status was received: if its body broke off, what was read of
	// it still makes the *APIError, and the status alone decides retries.
	if success {
		if n > limit {
			return respErr("body larger than "+formatBytes(limit), nil)
		}
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			return respErr("body is not a Cloudflare API envelope ("+contentType(resp)+")", err)
		}
		h := out.header()
		switch {
		case h.Success == nil:
			return respErr(`body has no "success" field`, nil)
		case !*h.Success:
			return c.apiError(k, resp, res, h, nil)
		}
		if problem := out.resultProblem(); problem != "" {
			return respErr(problem, nil)
		}
		return nil
	}
	var h envelopeHeader
	body := buf.Bytes()
	if n > limit {
		body = body[:limit]
	}
	if err := json.Unmarshal(body, &h); err != nil || (h.Success == nil && len(h.Errors) == 0) {
		return c.apiError(k, resp, res, nil, body)
	}
	return c.apiError(k, resp, res, &h, nil)
}

func (c *Client) apiError(k *call, resp *http.Response, res *attemptResult, h *envelopeHeader, raw []byte) error {
	e := &APIError{Method: k.method, Path: k.path, StatusCode: resp.StatusCode, RayID: res.rayID, Attempts: k.attempts}
	if h != nil {
		e.Errors, e.Messages = h.Errors, h.Messages
		redactInfos(e.Errors, c.auth.redact)
		redactInfos(e.Messages, c.auth.redact)
	} else {
		e.Body = excerpt(c.auth.redact(string(raw)))
	}
	if d, ok := retry.ParseRetryAfter(res.retryAfter, time.Now()); ok {
		e.RetryAfter = d
	}
	return e
}

// excerpt returns the start of a body with white space folded, at most
// excerptBytes long and cut on a rune boundary.
func excerpt(b string) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(b[:min(len(b), 4*excerptBytes)], "\uFFFD")), " ")
	if len(s) <= excerptBytes {
		return s
	}
	cut := excerptBytes
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// redactInfos replaces a credential a server echoed into its messages.
func redactInfos(infos []ResponseInfo, redact func(string) string) {
	for i := range infos {
		infos[i].Message = redact(infos[i].Message)
		infos[i].DocumentationURL = redact(infos[i].DocumentationURL)
		infos[i].Source.Pointer = redact(infos[i].Source.Pointer)
		redactInfos(infos[i].ErrorChain, redact)
	}
}

func contentType(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return "Content-Type " + ct
	}
	return "no Content-Type"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// closeBody discards a bounded remainder of a body, unless it was read to
// its end already, so the connection can be reused, and closes it.
func closeBody(body io.ReadCloser, rb *readBuffer) {
	if !rb.eof && !rb.noDrain {
		rb.lr = io.LimitedReader{R: body, N: drainBytes}
		_, _ = io.Copy(io.Discard, &rb.lr)
	}
	_ = body.Close()
}

// readBuffer holds what reading one answer needs, pooled so the happy path
// allocates neither.
type readBuffer struct {
	buf     bytes.Buffer
	lr      io.LimitedReader
	eof     bool // the body was read to its end
	noDrain bool // the body is known to be too large to drain
}

// readFrom reads r into the buffer, at most limit bytes.
func (rb *readBuffer) readFrom(r io.Reader, limit int64) (int64, error) {
	rb.lr = io.LimitedReader{R: r, N: limit}
	n, err := rb.buf.ReadFrom(&rb.lr)
	rb.eof = err == nil && rb.lr.N > 0
	return n, err
}

var readBufferPool = sync.Pool{New: func() any { return new(readBuffer) }}

func getReadBuffer() *readBuffer { return readBufferPool.Get().(*readBuffer) }

// putReadBuffer returns a buffer to the pool unless it grew large, so one
// big answer does not pin memory.
func putReadBuffer(rb *readBuffer) {
	if rb.buf.Cap() > 64<<10 {
		return
	}
	rb.buf.Reset()
	rb.lr = io.LimitedReader{}
	rb.eof, rb.noDrain = false, false
	readBufferPool.Put(rb)
}
