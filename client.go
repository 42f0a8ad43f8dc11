// This file holds the Client: NewClient, which turns options into a ready
// client, the services it carries, and its safe fmt output.

package cloudflare

import (
	"log/slog"
	"net/http"
	"net/url"
	"runtime"

	"golang.org/x/time/rate"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.2.0"

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

func userAgent(prefix string) string {
	ua := "cloudflare-go-invites/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if prefix != "" {
		ua = prefix + " " + ua
	}
	return ua
}
