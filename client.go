// This file holds the Client: NewClient, which turns options into a ready
// client, With, which derives one from another, the services it carries, and
// its safe fmt output.

package cloudflare

import (
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.2.0"

// Client talks to the Cloudflare API. Create one with [NewClient] and share
// it: it is safe for concurrent use and reuses connections. Clients that
// bring no transport of their own (no [WithHTTPClient], or one whose
// Transport is nil) share one transport, so creating many (one per
// tenant, say, or one per request) costs no extra connections; [Client.With]
// derives a client with other credentials or settings from an existing one.
type Client struct {
	// User holds the services under /user.
	User *UserService

	baseURL          *url.URL
	hc               *http.Client
	auth             *credentials
	userAgent        []string
	uaPrefix         string
	defaults         callConfig
	maxResponseBytes int64
	logger           *slog.Logger
	limiter          Limiter
}

// clientBlock holds a client and its services in one allocation.
type clientBlock struct {
	c Client
	u UserService
	i InviteService
}

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
// CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY. A token
// in the environment wins over a CLOUDFLARE_EMAIL beside it, which is
// ignored; a token beside CLOUDFLARE_API_KEY is an error. The base URL comes
// from [WithBaseURL], else CLOUDFLARE_BASE_URL, else [DefaultBaseURL].
//
// Security rule: when any credential option is given ([WithAPIToken],
// [WithAPIKey], [WithAPIEmail], [WithAPITokenSource]), nothing is read from
// the environment, the base URL included, so credentials the code passes go
// only where the code says ([WithBaseURL], else [DefaultBaseURL]).
//
// NewClient fails with a [*ValidationError] when an option is invalid, when
// no credentials are found, when an email comes without a key (or the
// reverse), or when a token comes together with a key, or, in options, with
// an email.
//
// Unless [WithHTTPClient] gives an *http.Client with a Transport of its own,
// the client sends through a transport shared by all such clients (under any
// [WithMiddleware]), built on first use, so NewClient is cheap and many
// clients do not mean many connection pools.
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
	return newClient(&cfg, opts, nil)
}

// With returns a new client like c, changed by opts: other credentials (a
// credential option replaces c's credentials as a whole), another base URL,
// other defaults for calls, a logger. The new client shares c's transport,
// and so its connections, and c's rate limiter, so both draw on one budget,
// unless opts give it its own ([WithHTTPClient], [WithRateLimit],
// [WithLimiter]); [WithMiddleware] wraps c's transport, middleware
// included. A [WithHeader] given here replaces c's values of that header.
// Nothing is read from the environment. c is not changed.
func (c *Client) With(opts ...Option) (*Client, error) {
	cfg := clientConfig{
		userAgent:        c.uaPrefix,
		call:             c.defaults,
		maxResponseBytes: c.maxResponseBytes,
		logger:           c.logger,
		limiter:          c.limiter,
	}
	return newClient(&cfg, opts, c)
}

// newClient applies opts over cfg and builds the client; parent is the
// client With derives from, or nil.
func newClient(cfg *clientConfig, opts []Option, parent *Client) (*Client, error) {
	for _, o := range opts {
		if o == nil {
			return nil, optionError("Option", "nil option")
		}
		if err := o.applyClient(cfg); err != nil {
			return nil, err
		}
	}
	cfg.call.settleHeaders()
	var (
		auth *credentials
		base *url.URL
		hc   *http.Client
		err  error
	)
	if parent != nil && !cfg.explicitAuth {
		auth = parent.auth
	} else if auth, err = cfg.credentials(); err != nil {
		return nil, err
	}
	if parent != nil && !cfg.baseURLSet {
		base = parent.baseURL
	} else if base, err = cfg.base(); err != nil {
		return nil, err
	}
	if parent != nil {
		hc = parent.hc
	}
	b := &clientBlock{}
	c := &b.c
	*c = Client{
		baseURL:          base,
		hc:               httpClient(cfg, hc),
		auth:             auth,
		userAgent:        userAgentHeader(cfg.userAgent),
		uaPrefix:         cfg.userAgent,
		defaults:         cfg.call,
		maxResponseBytes: cfg.maxResponseBytes,
		logger:           cfg.logger,
		limiter:          cfg.limiter,
		User:             &b.u,
	}
	b.i.client = c
	b.u.Invites = &b.i
	return c, nil
}

// defaultUserAgent is the User-Agent header of a client without
// WithUserAgent, built once.
var defaultUserAgent = []string{userAgent("")}

func userAgentHeader(prefix string) []string {
	if prefix == "" {
		return defaultUserAgent
	}
	return []string{userAgent(prefix)}
}

func userAgent(prefix string) string {
	ua := "cloudflare-go-invites/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if prefix != "" {
		ua = prefix + " " + ua
	}
	return ua
}
