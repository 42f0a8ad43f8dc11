// This file holds a client's settings and their resolution: the option values
// collected by NewClient, credentials from options or the environment, the
// base URL. The redactor the credentials carry is in redact.go.

package cloudflare

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Environment variables read by [NewClient] when no option says otherwise.
const (
	EnvAPIEmail = "CLOUDFLARE_EMAIL"
	EnvAPIKey   = "CLOUDFLARE_API_KEY"
	EnvAPIToken = "CLOUDFLARE_API_TOKEN"
	EnvBaseURL  = "CLOUDFLARE_BASE_URL"
)

// credentials keep their values only inside closures, so no fmt verb on a
// Client, a copy of one, or its fields can reach them, nor can a reflection
// dumper.
type credentials struct {
	kind   string
	static *credential                           // fixed credentials; nil with a source
	source func(context.Context) (string, error) // WithAPITokenSource
	last   atomic.Pointer[credential]            // the source's last token, built once
}

// credential is one credential value, inside closures: how to send it, and
// how to redact it from text a server may have echoed it into.
type credential struct {
	set    func(h http.Header)     // sets the authentication headers, built once
	redact func(s string) string   // replaces the secret in text from the server
	own    func(s string) string   // replaces this credential's secret only
	is     func(token string) bool // a source's token: whether it is this one
}

// tokenCredential sends token as "Authorization: Bearer <token>". A token
// from a source also gets is, to tell whether the source's next token is
// the same; a fixed token needs none, and NewClient saves its allocation.
func tokenCredential(token string, fromSource bool) *credential {
	v := []string{"Bearer " + token}
	redact := newRedactor(token)
	c := &credential{
		set:    func(h http.Header) { h["Authorization"] = v },
		redact: redact,
		own:    redact,
	}
	if fromSource {
		c.is = func(t string) bool { return t == token }
	}
	return c
}

// String names the kind of credential, never its value.
func (c *credentials) String() string { return "credentials(" + c.kind + ")" }

// GoString is like String, for %#v.
func (c *credentials) GoString() string { return c.String() }

// forAttempt returns the credential to send an attempt with: the fixed one,
// or the token the source gives now. A source's token is checked, and its
// header and redactor built, only when it differs from the last one.
func (c *credentials) forAttempt(ctx context.Context) (*credential, error) {
	if c.source == nil {
		return c.static, nil
	}
	token, err := c.source(ctx)
	if err != nil {
		return nil, err
	}
	if last := c.last.Load(); last != nil && last.is(token) {
		return last, nil
	}
	if reason := checkCredential(token); reason != "" {
		return nil, errors.New("the token it returned is unusable: " + reason)
	}
	cred := tokenCredential(token, true)
	if last := c.last.Load(); last != nil {
		// A server may still echo the token it was sent before this one.
		mine, before := cred.own, last.own
		cred.redact = func(s string) string { return before(mine(s)) }
	}
	c.last.Store(cred)
	return cred, nil
}

// credentials resolves the credentials: the options' when any credential
// option was given, else the environment's. In the environment a token
// wins over a CLOUDFLARE_EMAIL left beside it (other tools use that
// variable), which is ignored; a token beside CLOUDFLARE_API_KEY is still
// an error, as there is no telling which one was meant. Options are never
// mixed with the environment, and conflicting options are an error.
func (cfg *clientConfig) credentials() (*credentials, error) {
	email, key, token := cfg.email, cfg.key, cfg.token
	source := "options"
	if !cfg.explicitAuth {
		email, key, token = os.Getenv(EnvAPIEmail), os.Getenv(EnvAPIKey), os.Getenv(EnvAPIToken)
		source = "environment (" + EnvAPIEmail + ", " + EnvAPIKey + ", " + EnvAPIToken + ")"
		if token != "" && key == "" {
			email = "" // a leftover email beside a token: ignored
		}
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
	if cfg.tokenSource != nil {
		if email != "" || key != "" || token != "" {
			return nil, fail("WithAPITokenSource was given with another credential; use one")
		}
		return &credentials{source: cfg.tokenSource, kind: "api token source"}, nil
	}
	switch {
	case token != "" && key != "":
		return nil, fail("an API token and an API key were both given; use one")
	case token != "" && email != "":
		return nil, fail("an API email was given with an API token; a token needs no email")
	case token != "":
		return &credentials{static: tokenCredential(token, false), kind: "api token"}, nil
	case email != "" && key == "":
		return nil, fail("an API email was given without an API key")
	case key != "" && email == "":
		return nil, fail("an API key was given without an API email")
	case key != "":
		e, k := []string{email}, []string{key}
		return &credentials{static: &credential{
			set:    func(h http.Header) { h["X-Auth-Email"], h["X-Auth-Key"] = e, k },
			redact: newRedactor(key),
		}, kind: "api key"}, nil
	}
	return nil, fail("no credentials: set an API token, or an API email and key")
}

// base resolves the base URL: [WithBaseURL], else CLOUDFLARE_BASE_URL, else
// [DefaultBaseURL]. When a credential option was given, the environment is
// not read: credentials the code passed go only where the code says, never
// to a host a process-wide variable names.
func (cfg *clientConfig) base() (*url.URL, error) {
	raw, field := cfg.baseURL, "WithBaseURL"
	if !cfg.baseURLSet {
		raw, field = DefaultBaseURL, "DefaultBaseURL"
		if env := os.Getenv(EnvBaseURL); env != "" && !cfg.explicitAuth {
			raw, field = env, EnvBaseURL
		}
	}
	if raw == DefaultBaseURL {
		return defaultBaseURL(), nil
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

// defaultBaseURL is DefaultBaseURL parsed, once: clients only read it.
var defaultBaseURL = sync.OnceValue(func() *url.URL {
	u, _ := parseBaseURL(DefaultBaseURL)
	return u
})

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

// callConfig holds the settings that can change per call.
type callConfig struct {
	maxRetries   int
	maxRetryWait time.Duration
	backoffMin   time.Duration
	backoffMax   time.Duration
	timeout      time.Duration
	// headers returns the headers added with WithHeader, or is nil. They
	// are kept inside a closure, as the credentials are, so that no fmt
	// verb on a Client value can print a header value a user holds secret.
	headers func() http.Header
	// extra returns the headers WithHeader added at this level (a call, or
	// a client made by NewClient or With), or is nil. They replace values
	// of the same name in headers, the level above: settleHeaders merges
	// them for a client; a call's are merged as its requests are built.
	extra func() http.Header
}

// settleHeaders merges extra into headers, replacing values of the same
// name.
func (c *callConfig) settleHeaders() {
	if c.extra == nil {
		return
	}
	h := mergeHeaders(c.headers, c.extra(), 0)
	c.headers, c.extra = func() http.Header { return h }, nil
}

// mergeHeaders returns a copy of the headers base returns (base may be nil)
// with the names in over replaced by their values there, and room for spare
// more names.
func mergeHeaders(base func() http.Header, over http.Header, spare int) http.Header {
	var old http.Header
	if base != nil {
		old = base()
	}
	h := make(http.Header, len(old)+len(over)+spare)
	for k, v := range old {
		h[k] = v
	}
	for k, v := range over {
		h[k] = v
	}
	return h
}

// clientConfig collects the options of NewClient before the Client is built.
type clientConfig struct {
	email, key, token string
	explicitAuth      bool
	baseURL           string
	baseURLSet        bool
	httpClient        *http.Client
	userAgent         string
	call              callConfig
	maxResponseBytes  int64
	logger            *slog.Logger
	limiter           Limiter
	tokenSource       func(context.Context) (string, error)
	insecureHTTP      bool
	middleware        []func(http.RoundTripper) http.RoundTripper
}

// checkCredential returns why a credential cannot be sent in a header, or "".
// It never repeats the value.
func checkCredential(v string) string {
	if v == "" {
		return "empty"
	}
	if len(v) > 1024 {
		return "longer than 1024 bytes"
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b <= ' ' || b >= 0x7f {
			return "contains a space, control or non-ASCII character"
		}
	}
	return ""
}
