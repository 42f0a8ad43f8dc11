// This file holds the options of NewClient, Client.With and single calls:
// every With* function, with the defaults they change.

package cloudflare

import (
	"context"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// Default values of the settings that options change.
const (
	// DefaultBaseURL is the Cloudflare API root, used unless [WithBaseURL]
	// or CLOUDFLARE_BASE_URL names another.
	DefaultBaseURL = "https://api.cloudflare.com/client/v4/"
	// DefaultTimeout bounds each attempt, from sending the request to reading
	// the whole response ([WithTimeout]).
	DefaultTimeout = 30 * time.Second
)

// Limits that no option changes.
const (
	maxBodyBytes   = 1 << 20          // a response body, error or success (a page of 50 invitations is about 30 KB)
	maxHeaderBytes = 64 << 10         // a response's headers
	maxRetryWait   = 60 * time.Second // the longest Retry-After honoured by waiting
	defaultRetries = 2
)

// Option configures a [Client], given to [NewClient] or [Client.With], or a
// single call, given to a method or [Client.Do]. Options that only make
// sense for a whole client (credentials, base URL, HTTP client, logger,
// limiter, User-Agent) say so, and a call given one fails with a
// [*ValidationError] before anything is sent.
type Option struct {
	name              string
	perCall, callOnly bool
	apply             func(*settings) string // the reason the argument is refused, or ""
}

// settings are what options set: a client's, or one call's on top of its
// client's.
type settings struct {
	email, key, token, baseURL, userAgent string
	credsGiven, insecureHTTP              bool
	hc                                    *http.Client
	logger                                *slog.Logger
	limiter                               Limiter

	maxRetries                      int
	backoffMin, backoffMax, timeout time.Duration
	// header is inherited from the level above and never changed in place;
	// added holds WithHeader's at this level, which replace those names.
	header, added http.Header
	into          []*Response
	idempotent    bool     // WithIdempotent: a lost outcome may be retried
	ctype         []string // WithContentType
}

// applyOptions applies opts to s, for op ("NewClient", or a call's
// "METHOD /path"), then settles the headers of this level.
func (s *settings) applyOptions(op string, perCall bool, opts []Option) error {
	s.added = nil
	for _, o := range opts {
		switch {
		case o.apply == nil:
			return &ValidationError{Op: op, Field: "Option", Reason: "zero Option"}
		case perCall && !o.perCall:
			return &ValidationError{Op: op, Field: o.name, Reason: "applies to a client, not to a single call"}
		case !perCall && o.callOnly:
			return &ValidationError{Op: op, Field: o.name, Reason: "applies to a single call, not to a client"}
		}
		if reason := o.apply(s); reason != "" {
			return &ValidationError{Op: op, Field: o.name, Reason: reason}
		}
	}
	if s.added != nil {
		h := s.header.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, v := range s.added {
			h[k] = v
		}
		s.header, s.added = h, nil
	}
	return nil
}

func clientOption(name string, f func(*settings) string) Option {
	return Option{name: name, apply: f}
}

func callOption(name string, f func(*settings) string) Option {
	return Option{name: name, perCall: true, apply: f}
}

// WithAPIEmail sets the account email sent as X-Auth-Email with a Global
// API key ([WithAPIKey]). A credential option replaces every credential of
// the environment. Client only.
func WithAPIEmail(email string) Option {
	return clientOption("WithAPIEmail", func(s *settings) string {
		if !strings.Contains(email, "@") {
			return "not an email address"
		}
		s.email, s.credsGiven = email, true
		return checkCredential(email)
	})
}

// WithAPIKey sets the Global API key sent as X-Auth-Key; it needs
// [WithAPIEmail]. Prefer an API token ([WithAPIToken]). Client only.
func WithAPIKey(key string) Option {
	return clientOption("WithAPIKey", func(s *settings) string {
		s.key, s.credsGiven = key, true
		return checkCredential(key)
	})
}

// WithAPIToken sets the API token sent as "Authorization: Bearer <token>".
// Client only.
func WithAPIToken(token string) Option {
	return clientOption("WithAPIToken", func(s *settings) string {
		s.token, s.credsGiven = token, true
		return checkCredential(token)
	})
}

// checkCredential returns why a credential cannot be sent in a header, or
// "". It never repeats the value.
func checkCredential(v string) string {
	if v == "" || len(v) > 1024 {
		return "must be 1 to 1024 bytes"
	}
	for i := 0; i < len(v); i++ { // a byte loop: NewClient's cost is mostly this
		if v[i] <= ' ' || v[i] >= 0x7f {
			return "contains a space, control or non-ASCII character"
		}
	}
	return ""
}

// WithBaseURL sets the API root, such as "https://api.cloudflare.com/client/v4/"
// or a fake server's URL, in place of CLOUDFLARE_BASE_URL and
// [DefaultBaseURL]. It must be an absolute http or https URL without user
// info, query or fragment; a missing trailing slash is added. Plain http is
// accepted only for a loopback host or with [WithInsecureHTTP]. Client only.
func WithBaseURL(rawURL string) Option {
	return clientOption("WithBaseURL", func(s *settings) string {
		if _, reason := parseBaseURL(rawURL, true); reason != "" {
			return reason
		}
		s.baseURL = rawURL
		return ""
	})
}

// WithInsecureHTTP allows a plain-http base URL on a host that is not
// loopback. Credentials then cross the network in clear text: use it only on
// a network you trust. Client only.
func WithInsecureHTTP() Option {
	return clientOption("WithInsecureHTTP", func(s *settings) string {
		s.insecureHTTP = true
		return ""
	})
}

// WithHTTPClient sets the *http.Client to send requests with. It is copied,
// never changed: the copy gets this package's redirect rule (credentials
// never leave the base URL's origin) before the client's own. Its Transport
// is then the client's private pool; one whose Transport is nil sends through
// the transport shared by clients without WithHTTPClient. Client only.
func WithHTTPClient(hc *http.Client) Option {
	return clientOption("WithHTTPClient", func(s *settings) string {
		if hc == nil {
			return "nil *http.Client"
		}
		s.hc = hc
		return ""
	})
}

// WithUserAgent puts a product token, such as "my-tool/1.2", in front of
// the SDK's own User-Agent. Client only.
func WithUserAgent(ua string) Option {
	return clientOption("WithUserAgent", func(s *settings) string {
		if ua == "" {
			return "empty"
		}
		s.userAgent = ua + " "
		return checkHeaderValue(ua)
	})
}

// WithHeader adds a header to every request of a client, or to one call.
// Given several times with one name at one level, it sends every value; a
// value given for a call replaces the client's values of that header, and one
// given to [Client.With] replaces the parent's. It cannot set the headers
// the client owns: authentication, Content-Type ([WithContentType] sets it),
// Accept, Accept-Encoding (net/http asks for gzip and decompresses), Host,
// Content-Length and User-Agent.
func WithHeader(key, value string) Option {
	return callOption("WithHeader", func(s *settings) string {
		ck := textproto.CanonicalMIMEHeaderKey(key)
		switch {
		case key == "" || strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) }):
			return "header name is not a valid token"
		case ck == "Authorization" || ck == "X-Auth-Key" || ck == "X-Auth-Email" || ck == "Content-Type" ||
			ck == "Accept" || ck == "Accept-Encoding" || ck == "User-Agent" || ck == "Host" || ck == "Content-Length":
			return ck + " is set by the client"
		}
		if s.added == nil {
			s.added = http.Header{}
		}
		s.added[ck] = append(s.added[ck], value)
		return checkHeaderValue(value)
	})
}

func checkHeaderValue(v string) string {
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		return "header value contains a control character"
	}
	return ""
}

// WithMaxRetries sets how many times a failed call is retried (default 2; 0 disables retries; at most 10). The package
// documentation's Retries section says which failures are retried.
func WithMaxRetries(n int) Option {
	return callOption("WithMaxRetries", func(s *settings) string {
		if n < 0 || n > 10 {
			return "must be between 0 and 10"
		}
		s.maxRetries = n
		return ""
	})
}

// WithRetryBackoff sets the wait between retries when the server gives no
// Retry-After (defaults 500ms and 8s): the first retry waits a random time
// in [min, 1.5·min), each later one doubles that range, and no wait is
// longer than max. WithRetryBackoff(d, d) waits d every time.
func WithRetryBackoff(min, max time.Duration) Option {
	return callOption("WithRetryBackoff", func(s *settings) string {
		if min <= 0 || max < min {
			return "need 0 < min <= max"
		}
		s.backoffMin, s.backoffMax = min, max
		return ""
	})
}

// WithTimeout bounds each attempt, from sending the request to reading the
// whole response (default [DefaultTimeout]). Waits between retries are not
// counted: bound the whole call with the context. An attempt that runs out of
// time fails with an error that matches [context.DeadlineExceeded].
func WithTimeout(d time.Duration) Option {
	return callOption("WithTimeout", func(s *settings) string {
		if d <= 0 {
			return "must be positive"
		}
		s.timeout = d
		return ""
	})
}

// WithLogger makes the client log one debug record per attempt: method,
// path, status, attempt number, wait before it, duration, Ray ID, and the
// error if the attempt failed. No request header is logged, and the client's
// key or token is replaced by "[redacted]" in what the server sent. Client
// only.
func WithLogger(l *slog.Logger) Option {
	return clientOption("WithLogger", func(s *settings) string {
		if l == nil {
			return "nil *slog.Logger"
		}
		s.logger = l
		return ""
	})
}

// Limiter holds calls back to a budget of requests: Wait blocks until the
// next request may be sent, or returns an error (such as the context's). A
// *rate.Limiter of golang.org/x/time/rate is one. It must be safe for
// concurrent use.
type Limiter interface {
	Wait(ctx context.Context) error
}

// WithLimiter makes the client wait on l before each attempt. Cloudflare's
// rate limit (1200 requests per five minutes) is per user: give every client
// of one user the same limiter ([Client.With] shares its parent's). A wait is
// not an attempt: when l refuses, the call fails with l's error wrapped and
// no further attempt is sent (earlier attempts of the call were, and the
// error matches [ErrOutcomeUnknown] when one of them may have acted). Client
// only.
func WithLimiter(l Limiter) Option {
	return clientOption("WithLimiter", func(s *settings) string {
		if l == nil {
			return "nil Limiter"
		}
		s.limiter = l
		return ""
	})
}

// WithResponseInto makes a call fill r with what the server sent: status,
// headers, Ray ID, messages, result_info and body (of a 2xx copied to an
// io.Writer result, only status, headers and Ray ID). It is filled on success
// and on failure, from the last response the call received, and left zero
// when none arrived. Given several times, it fills each. Per call only.
func WithResponseInto(r *Response) Option {
	return Option{name: "WithResponseInto", perCall: true, callOnly: true, apply: func(s *settings) string {
		if r == nil {
			return "nil *Response"
		}
		s.into = append(s.into, r)
		return ""
	}}
}

// WithIdempotent marks a call as safe to repeat: sending it twice has the
// effect of sending it once. Its lost outcomes (a connection lost after the
// request was written, a timeout, an unusable 2xx, 500, 502, 503, 504, 520,
// 522, 524) are then retried, as those of GET, PUT and DELETE are, instead
// of returned; an error matching [ErrOutcomeUnknown] remains possible when
// every retry is lost too. [InviteService.Edit] sends its PATCH so. Per call
// only: mark only the requests that are safe to repeat.
func WithIdempotent() Option {
	return Option{name: "WithIdempotent", perCall: true, callOnly: true, apply: func(s *settings) string {
		s.idempotent = true
		return ""
	}}
}

// WithContentType sets the Content-Type of a call's body, such as a
// multipart form's (multipart.Writer.FormDataContentType). Without it, an
// io.Reader body is sent as application/octet-stream and any other body as
// application/json. A call without a body given it fails with a
// [*ValidationError]. Per call only.
func WithContentType(contentType string) Option {
	return Option{name: "WithContentType", perCall: true, callOnly: true, apply: func(s *settings) string {
		if contentType == "" {
			return "empty"
		}
		s.ctype = []string{contentType}
		return checkHeaderValue(contentType)
	}}
}
