// This file holds the Client: NewClient, which turns options and the
// environment into a ready client, With, which derives one from another, and
// the services it carries.

package cloudflare

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.5.0"

// Client talks to the Cloudflare API. Create one with [NewClient] and share
// it: it is safe for concurrent use. Clients that bring no transport of their
// own share one pool of connections, so a client per tenant or per request
// costs no extra connections.
type Client struct {
	// User holds the services under /user.
	User *UserService

	base *url.URL
	root string // base as a string
	hc   *http.Client
	ua   []string // the User-Agent header
	s    settings // without credentials: they live only in auth and redact
	// cred returns what sends and redacts the credentials: behind a func,
	// so that no fmt verb on a Client can print the secret.
	cred func() *credential
}

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
// CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY (a
// CLOUDFLARE_EMAIL beside a token is ignored; a token beside a key is an
// error). Any credential option replaces all three. The base URL is
// [WithBaseURL]'s, else CLOUDFLARE_BASE_URL's, else [DefaultBaseURL],
// whatever the credentials' source.
//
// NewClient fails with a [*ValidationError] when an option is invalid, when
// no credentials are found, when an email comes without a key (or the
// reverse), or when a token comes with a key, or, in options, with an email.
func NewClient(opts ...Option) (*Client, error) {
	s := settings{maxRetries: defaultRetries, backoffMin: defaultBackoffMin, backoffMax: defaultBackoffMax, timeout: DefaultTimeout}
	return s.build("NewClient", opts, nil)
}

// The default wait before a retry when the server gives no Retry-After.
const defaultBackoffMin, defaultBackoffMax = 500 * time.Millisecond, 8 * time.Second

// With returns a new client like c, changed by opts: other credentials (a
// credential option replaces c's as a whole), another base URL, other
// defaults for calls. It shares c's transport and limiter unless opts give
// its own. Nothing is read from the environment; c is not changed.
func (c *Client) With(opts ...Option) (*Client, error) {
	s := c.s
	s.baseURL = c.root
	return s.build("Client.With", opts, c)
}

// userAgent is the SDK's own User-Agent, which WithUserAgent's product
// token goes in front of.
var userAgent = []string{"cloudflare-go-invites/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"}

// defaultBase is DefaultBaseURL parsed once, shared by the clients that use
// it: nothing changes a client's base.
var defaultBase = sync.OnceValue(func() *url.URL {
	u, _ := parseBaseURL(DefaultBaseURL, false)
	return u
})

// build applies opts over s and makes the client; parent is the client With
// derives from, or nil. The client, its services and its credential are
// allocated together.
func (s settings) build(op string, opts []Option, parent *Client) (*Client, error) {
	b := &struct {
		c Client
		u UserService
		i InviteService
		k credential
	}{c: Client{s: s}}
	c := &b.c
	if err := c.s.applyOptions(op, false, opts); err != nil {
		return nil, err
	}
	s = c.s
	c.User, b.u.Invites, b.i.client = &b.u, &b.i, c
	c.s.email, c.s.key, c.s.token, c.s.credsGiven, c.s.baseURL = "", "", "", false, ""
	c.cred = b.k.self
	if parent != nil && !s.credsGiven {
		c.cred = parent.cred
	} else if err := s.credentials(op, parent == nil, &b.k); err != nil {
		return nil, err
	}
	raw, field := cmp.Or(s.baseURL, DefaultBaseURL), "WithBaseURL"
	if env := os.Getenv("CLOUDFLARE_BASE_URL"); s.baseURL == "" && env != "" && parent == nil {
		raw, field = env, "CLOUDFLARE_BASE_URL"
	}
	c.base, c.root = defaultBase(), DefaultBaseURL
	if raw != DefaultBaseURL {
		u, reason := parseBaseURL(raw, s.insecureHTTP)
		if reason != "" {
			return nil, &ValidationError{Op: op, Field: field, Reason: reason}
		}
		c.base, c.root = u, u.String()
	}
	if parent != nil && s.hc == parent.s.hc {
		c.hc = parent.hc
	} else {
		c.hc = httpClient(s.hc)
	}
	c.ua = userAgent
	if s.userAgent != "" {
		c.ua = []string{s.userAgent + userAgent[0]}
	}
	return c, nil
}

// credentials resolves the credentials into k: the
// options' when any credential option was given, else (when env) the
// environment's.
func (s *settings) credentials(op string, env bool, k *credential) error {
	email, key, token, from := s.email, s.key, s.token, "options"
	if !s.credsGiven && env {
		email, key, token = os.Getenv("CLOUDFLARE_EMAIL"), os.Getenv("CLOUDFLARE_API_KEY"), os.Getenv("CLOUDFLARE_API_TOKEN")
		from = "the environment"
		if token != "" && key == "" {
			email = "" // an email left beside a token (other tools use it): ignored
		}
		for _, v := range [][2]string{{"CLOUDFLARE_EMAIL", email}, {"CLOUDFLARE_API_KEY", key}, {"CLOUDFLARE_API_TOKEN", token}} {
			if reason := checkCredential(v[1]); v[1] != "" && reason != "" {
				return &ValidationError{Op: op, Field: v[0], Reason: reason}
			}
		}
	}
	fail := func(reason string) error {
		return &ValidationError{Op: op, Field: "credentials", Reason: reason + " (from " + from + ")"}
	}
	switch {
	case token != "" && key != "":
		return fail("an API token and an API key were both given; use one")
	case token != "" && email != "":
		return fail("an API email was given with an API token; a token needs no email")
	case token != "":
		k.secret = token // the header's value is made by the first request
	case email != "" && key == "":
		return fail("an API email was given without an API key")
	case key != "" && email == "":
		return fail("an API key was given without an API email")
	case key != "":
		k.key, k.values, k.secret = true, [2]string{email, key}, key
	default:
		return fail("no credentials: give WithAPIToken, or WithAPIEmail and WithAPIKey, or set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY")
	}
	return nil
}

// credential is what a client authenticates with: one or two headers, and
// the secret among them, whose redactor is built once, when first needed
// (a client that neither fails nor logs never builds it).
type credential struct {
	key      bool      // X-Auth-Email and X-Auth-Key, else a token's Authorization
	values   [2]string // the headers' values
	secret   string
	once     sync.Once // builds replacer
	bearer   sync.Once // makes a token's values[0]
	replacer *strings.Replacer
}

func (k *credential) self() *credential { return k }

// set puts the credential headers in h; their values share the
// credential's memory, which nothing changes once made (a token's value is
// made by the first request, once).
func (k *credential) set(h http.Header) {
	if k.key {
		h["X-Auth-Email"], h["X-Auth-Key"] = k.values[0:1:1], k.values[1:2:2]
		return
	}
	k.bearer.Do(func() { k.values[0] = "Bearer " + k.secret })
	h["Authorization"] = k.values[0:1:1]
}

// redact replaces the secret in text from a server.
func (k *credential) redact(s string) string {
	k.once.Do(func() { k.replacer = redactor(k.secret) })
	return k.replacer.Replace(s)
}

// redact replaces the client's secret in text from a server.
func (c *Client) redact(s string) string { return c.cred().redact(s) }

// redactor returns a replacer of the secret in text from a server, as sent and in the escaped forms encoders and error messages write:
// JSON (HTML-safe or not, "/" as is or as "\/", or every character but
// letters and digits as \u00XX) and Go quoting, and URL query and path
// escaping (of a segment, or of a path, as a Location's is shown), with
// upper- or lower-case hex digits.
func redactor(secret string) *strings.Replacer {
	var forms []string
	js, jsRaw := jsonEscape(secret, true), jsonEscape(secret, false)
	for _, f := range []string{secret, js, jsRaw, strings.ReplaceAll(js, "/", `\/`), strings.ReplaceAll(jsRaw, "/", `\/`),
		url.QueryEscape(secret), url.PathEscape(secret), (&url.URL{Path: secret}).EscapedPath(),
		uEscape(secret, "0123456789abcdef"), uEscape(secret, "0123456789ABCDEF")} {
		for _, f := range []string{f, lowerHex(f)} {
			if !slices.Contains(forms, f) {
				forms = append(forms, f, "[redacted]")
			}
		}
	}
	return strings.NewReplacer(forms...)
}

func jsonEscape(s string, htmlSafe bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(htmlSafe)
	_ = enc.Encode(s)
	q := strings.TrimSpace(b.String())
	return q[1 : len(q)-1]
}

// uEscape returns s with every character but ASCII letters and digits as a
// JSON \u escape, written with the given hex digits.
func uEscape(s, hex string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteString(`\u00` + string(hex[c>>4]) + string(hex[c&15]))
		}
	}
	return b.String()
}

// lowerHex returns s with the hex digits of its %XX escapes in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			copy(b[i+1:i+3], bytes.ToLower(b[i+1:i+3]))
		}
	}
	return string(b)
}

// parseBaseURL checks an API root and returns it with a trailing slash, or
// the reason it is unusable.
func parseBaseURL(raw string, insecureOK bool) (*url.URL, string) {
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
	case u.Scheme == "http" && !insecureOK && !isLoopback(u.Hostname()):
		return nil, "plain http to a host that is not loopback would send credentials in clear text; use https, or WithInsecureHTTP"
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
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}
