// This file holds the HTTP layer under the pipeline: the tuned transport, the
// *http.Client with the caller's middleware, and the redirect rule that keeps
// credentials on the base URL's origin.

package cloudflare

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
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
			// like any refused redirect, never retried as a lost response.
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
// turns a PATCH into a GET). Otherwise the redirect response itself comes back
// to the pipeline, which reports it as a [*ResponseError]: credentials never
// leave the configured origin.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 || origin(req.URL) != c.origin || req.Method != via[0].Method {
		return http.ErrUseLastResponse
	}
	return nil
}
