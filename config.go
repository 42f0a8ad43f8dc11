// This file holds a client's settings and their resolution: the option values
// collected by NewClient, credentials from options or the environment, the
// base URL, and the redactor that keeps a credential out of text from the
// server.

package cloudflare

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
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
	rateLimit         float64
	rateBurst         int
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
