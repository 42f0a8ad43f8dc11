// This file holds the options of NewClient and of single calls: every With*
// function, with the defaults they change.

package cloudflare

import (
	"context"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Default values of the client's settings; each has an option to change it.
const (
	// DefaultBaseURL is the Cloudflare API root, used when neither
	// [WithBaseURL] nor CLOUDFLARE_BASE_URL names another. The environment
	// variable is not read when a credential option is given.
	DefaultBaseURL = "https://api.cloudflare.com/client/v4/"
	// DefaultTimeout bounds each attempt, from sending the request to
	// reading the whole response. Change it with [WithTimeout].
	DefaultTimeout = 30 * time.Second
	// DefaultMaxRetries is how many times a failed call is retried. Change it
	// with [WithMaxRetries].
	DefaultMaxRetries = 2
	// DefaultMaxRetryWait is the longest Retry-After the client will honour
	// by waiting. Change it with [WithMaxRetryWait].
	DefaultMaxRetryWait = 60 * time.Second
	// DefaultMaxResponseBytes caps the size of a successful response's body
	// (an error response's is read up to 64 KiB). A page of 50 invitations
	// is about 30 KB. Change it with [WithMaxResponseBytes].
	DefaultMaxResponseBytes = 1 << 20
	// defaultBackoffMin and defaultBackoffMax bound the wait between retries
	// when the server gives no Retry-After.
	defaultBackoffMin = 500 * time.Millisecond
	defaultBackoffMax = 8 * time.Second
	// maxRetriesLimit is the most retries an option may ask for.
	maxRetriesLimit = 10
)

// Option configures a [Client] in [NewClient]. Each option checks its
// argument, and NewClient returns the first error as a [*ValidationError].
type Option interface {
	applyClient(*clientConfig) error
}

// RequestOption configures a single call when passed to a method, and the
// client-wide default when passed to [NewClient]. [WithMaxRetries],
// [WithMaxRetryWait], [WithRetryBackoff], [WithTimeout] and [WithHeader]
// are request options.
type RequestOption interface {
	Option
	applyCall(*callConfig) error
}

type clientOption func(*clientConfig) error

func (f clientOption) applyClient(c *clientConfig) error { return f(c) }

type requestOption func(*callConfig) error

func (f requestOption) applyClient(c *clientConfig) error { return f(&c.call) }
func (f requestOption) applyCall(c *callConfig) error     { return f(c) }

func optionError(name, reason string) error {
	return &ValidationError{Op: "NewClient", Field: name, Reason: reason}
}

// WithAPIEmail sets the account email sent as X-Auth-Email with a Global API
// key ([WithAPIKey]). Any credential option replaces everything taken from
// the environment, CLOUDFLARE_BASE_URL included (see [NewClient]).
func WithAPIEmail(email string) Option {
	return clientOption(func(c *clientConfig) error {
		if err := checkCredential(email); err != "" {
			return optionError("WithAPIEmail", err)
		}
		if !strings.Contains(email, "@") {
			return optionError("WithAPIEmail", "not an email address")
		}
		c.email, c.explicitAuth = email, true
		return nil
	})
}

// WithAPIKey sets the Global API key sent as X-Auth-Key; it needs
// [WithAPIEmail]. Prefer an API token ([WithAPIToken]).
func WithAPIKey(key string) Option {
	return clientOption(func(c *clientConfig) error {
		if err := checkCredential(key); err != "" {
			return optionError("WithAPIKey", err)
		}
		c.key, c.explicitAuth = key, true
		return nil
	})
}

// WithAPIToken sets the API token sent as "Authorization: Bearer <token>".
func WithAPIToken(token string) Option {
	return clientOption(func(c *clientConfig) error {
		if err := checkCredential(token); err != "" {
			return optionError("WithAPIToken", err)
		}
		c.token, c.explicitAuth = token, true
		return nil
	})
}

// WithBaseURL sets the API root, such as "https://api.cloudflare.com/client/v4/"
// or a fake server's URL. It must be an absolute http or https URL without
// user info, query or fragment; a missing trailing slash is added. Plain
// http is accepted only for a loopback host or with [WithInsecureHTTP].
func WithBaseURL(rawURL string) Option {
	return clientOption(func(c *clientConfig) error {
		if _, err := parseBaseURL(rawURL); err != "" {
			return optionError("WithBaseURL", err)
		}
		c.baseURL, c.baseURLSet = rawURL, true
		return nil
	})
}

// WithInsecureHTTP allows a plain-http base URL on a host that is not
// loopback. Credentials then cross the network in clear text: use it only on
// a network you trust.
func WithInsecureHTTP() Option {
	return clientOption(func(c *clientConfig) error {
		c.insecureHTTP = true
		return nil
	})
}

// WithHTTPClient sets the *http.Client to send requests with. The client is
// copied, never changed: the copy gets the redirect policy of this package
// (credentials never leave the base URL's origin) and any [WithMiddleware].
// Its Transport is the client's private connection pool, instead of the
// transport that clients without WithHTTPClient share; close its idle
// connections with its CloseIdleConnections or [Client.CloseIdleConnections].
// An *http.Client whose Transport is nil sends through that shared
// transport, not through http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option {
	return clientOption(func(c *clientConfig) error {
		if hc == nil {
			return optionError("WithHTTPClient", "nil *http.Client")
		}
		c.httpClient = hc
		return nil
	})
}

// WithUserAgent puts a product token, such as "my-tool/1.2", in front of the
// SDK's own User-Agent.
func WithUserAgent(ua string) Option {
	return clientOption(func(c *clientConfig) error {
		if ua == "" {
			return optionError("WithUserAgent", "empty")
		}
		if reason := checkHeaderValue(ua); reason != "" {
			return optionError("WithUserAgent", reason)
		}
		c.userAgent = ua
		return nil
	})
}

// WithHeader adds a header to every request (given to [NewClient] or
// [Client.With]) or to one call (given to a method). Given several times
// with one name at one level, it sends every value. A value given for one
// call replaces the client's values of that header for that call, and one
// given to [Client.With] replaces the parent client's. It cannot set the
// headers the client owns: authentication, Content-Type, Accept and
// User-Agent.
func WithHeader(key, value string) RequestOption {
	return requestOption(func(c *callConfig) error {
		if !validHeaderName(key) {
			return optionError("WithHeader", "header name is not a valid token")
		}
		ck := textproto.CanonicalMIMEHeaderKey(key)
		switch ck {
		case "Authorization", "X-Auth-Key", "X-Auth-Email", "Content-Type", "Accept", "User-Agent", "Host", "Content-Length":
			return optionError("WithHeader", ck+" is set by the client")
		}
		if reason := checkHeaderValue(value); reason != "" {
			return optionError("WithHeader", reason)
		}
		h := mergeHeaders(c.extra, nil, 1)
		h[ck] = append(h[ck][:len(h[ck]):len(h[ck])], value)
		c.extra = func() http.Header { return h }
		return nil
	})
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
		if !ok {
			return false
		}
	}
	return true
}

func checkHeaderValue(v string) string {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return "header value contains a control character"
		}
	}
	return ""
}

// WithMaxRetries sets how many times a failed call is retried (default
// [DefaultMaxRetries]; 0 disables retries; at most 10). See the package
// documentation's Retries section for which failures are retried.
func WithMaxRetries(n int) RequestOption {
	return requestOption(func(c *callConfig) error {
		if n < 0 || n > maxRetriesLimit {
			return optionError("WithMaxRetries", "must be between 0 and 10")
		}
		c.maxRetries = n
		return nil
	})
}

// WithMaxRetryWait sets the longest Retry-After the client honours by
// waiting (default [DefaultMaxRetryWait]). When the server asks for a longer
// wait, the call returns at once with an [*APIError] whose RetryAfter holds
// the requested wait.
func WithMaxRetryWait(d time.Duration) RequestOption {
	return requestOption(func(c *callConfig) error {
		if d < 0 {
			return optionError("WithMaxRetryWait", "negative duration")
		}
		c.maxRetryWait = d
		return nil
	})
}

// WithRetryBackoff sets the wait between retries when the server gives no
// Retry-After (defaults 500ms and 8s). min is the shortest wait and max the
// longest: the first retry waits a random time in [min, 1.5·min), and each
// later one doubles that range, never going above max; once the doubled min
// reaches max, every wait is max. WithRetryBackoff(d, d) waits d every time.
func WithRetryBackoff(min, max time.Duration) RequestOption {
	return requestOption(func(c *callConfig) error {
		if min <= 0 || max < min {
			return optionError("WithRetryBackoff", "need 0 < min <= max")
		}
		c.backoffMin, c.backoffMax = min, max
		return nil
	})
}

// WithTimeout bounds each attempt, from sending the request to reading the
// whole response (default [DefaultTimeout]). Waits between retries are not
// counted; bound the whole call with the context. An attempt that runs out
// of time fails with an error that matches [context.DeadlineExceeded] and
// reports Timeout() == true, as net/http's own timeouts do.
func WithTimeout(d time.Duration) RequestOption {
	return requestOption(func(c *callConfig) error {
		if d <= 0 {
			return optionError("WithTimeout", "must be positive")
		}
		c.timeout = d
		return nil
	})
}

// WithMaxResponseBytes caps the size of a successful response body (default
// [DefaultMaxResponseBytes]; at most 1 GiB). A larger response fails with a
// [*ResponseError]: at once when its Content-Length says so, otherwise after
// reading n+1 bytes of it. Error responses are always read through a 64 KiB
// cap.
func WithMaxResponseBytes(n int64) Option {
	return clientOption(func(c *clientConfig) error {
		if n < 512 || n > 1<<30 {
			return optionError("WithMaxResponseBytes", "must be between 512 and 1 GiB")
		}
		c.maxResponseBytes = n
		return nil
	})
}

// WithLogger makes the client log one debug record per attempt: method,
// path, status, attempt number, wait before it, duration and Ray ID, and
// the attempt's error message if it failed. No request header is ever
// logged; the Ray ID and the error message come from the server, with any
// token or key it echoed replaced by "[redacted]" (see the package's
// Security section).
func WithLogger(l *slog.Logger) Option {
	return clientOption(func(c *clientConfig) error {
		if l == nil {
			return optionError("WithLogger", "nil *slog.Logger")
		}
		c.logger = l
		return nil
	})
}

// WithMiddleware wraps the client's transport, for tracing or metrics. The
// first middleware given is the outermost. A middleware sees requests with
// their authentication headers: it must not log them.
func WithMiddleware(mw func(http.RoundTripper) http.RoundTripper) Option {
	return clientOption(func(c *clientConfig) error {
		if mw == nil {
			return optionError("WithMiddleware", "nil middleware")
		}
		c.middleware = append(c.middleware, mw)
		return nil
	})
}

// Limiter holds calls back to a budget of requests: Wait blocks until the
// next request may be sent, or returns an error (such as the context's) if
// it may not. A *rate.Limiter of golang.org/x/time/rate is one. It must be
// safe for concurrent use.
type Limiter interface {
	Wait(ctx context.Context) error
}

// WithLimiter makes the client wait on l before each attempt. Cloudflare's
// rate limit (1200 requests per five minutes) is per user, not per client:
// give every client of one user the same limiter (clients made with
// [Client.With] share their parent's), or a limiter backed by a store that
// several processes share. A wait is not an attempt: when l refuses, the
// call fails with a [*RequestError] wrapping l's error, with nothing sent for
// that attempt.
func WithLimiter(l Limiter) Option {
	return clientOption(func(c *clientConfig) error {
		if l == nil {
			return optionError("WithLimiter", "nil Limiter")
		}
		if rl, ok := l.(*rate.Limiter); ok {
			if rl == nil {
				return optionError("WithLimiter", "nil *rate.Limiter")
			}
			l = &rateLimiter{rl}
		}
		c.limiter = l
		return nil
	})
}

// WithRateLimit makes the client wait, before each attempt, until a token
// bucket of burst tokens refilled at requestsPerSecond allows it. The wait
// ends early with the context. Cloudflare's documented global limit is 1200
// requests per five minutes (4 per second). It is [WithLimiter] with a
// *rate.Limiter of the client's own; to share one budget among clients, use
// WithLimiter or [Client.With].
func WithRateLimit(requestsPerSecond float64, burst int) Option {
	return clientOption(func(c *clientConfig) error {
		if !(requestsPerSecond > 0) || burst < 1 {
			return optionError("WithRateLimit", "need requestsPerSecond > 0 and burst >= 1")
		}
		c.limiter = &rateLimiter{rate.NewLimiter(rate.Limit(requestsPerSecond), burst)}
		return nil
	})
}

// WithAPITokenSource makes the client ask source for the API token before
// each attempt, and send it as "Authorization: Bearer <token>": for tokens
// that rotate (a secret store, short-lived tokens) without rebuilding the
// client. source must be safe for concurrent use and should be fast (cache
// the token); it gets the call's context. When it returns an error, or a
// token that cannot be sent in a header, the call fails at once with a
// [*CredentialError] and nothing is sent for that attempt; it is not
// retried. Its tokens are never printed, and one a server echoes into a
// response is redacted like any credential. It replaces every other
// credential, and cannot be combined with one.
func WithAPITokenSource(source func(ctx context.Context) (string, error)) Option {
	return clientOption(func(c *clientConfig) error {
		if source == nil {
			return optionError("WithAPITokenSource", "nil source")
		}
		c.tokenSource, c.explicitAuth = source, true
		return nil
	})
}
