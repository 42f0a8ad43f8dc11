// This file holds the HTTP layer under the pipeline: the tuned transport that
// clients share, the *http.Client with the caller's middleware, and the
// redirect rule that keeps credentials on the base URL's origin.

package cloudflare

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

// sharedTransport is the transport of every client that brings no
// *http.Client: one pool of connections for all of them. It is built on
// first use.
var sharedTransport = sync.OnceValue(newTransport)

// sharedClient is the *http.Client of every client that brings none and has
// no middleware.
var sharedClient = sync.OnceValue(func() *http.Client {
	return &http.Client{Transport: &locationGuard{sharedTransport()}, CheckRedirect: checkRedirect}
})

// httpClient returns the *http.Client a client sends with: the shared one
// when it brings no client and no middleware; otherwise a copy of the one
// given (or of base, the one a derived client inherits), with a transport
// tuned for many concurrent calls when it has none, wrapped in the
// middleware and then in locationGuard, with the redirect rule in front of
// its own.
func httpClient(cfg *clientConfig, base *http.Client) *http.Client {
	given := cfg.httpClient
	if given == nil {
		given = base
	}
	if cfg.httpClient == nil && len(cfg.middleware) == 0 {
		if base != nil {
			return base
		}
		return sharedClient()
	}
	var hc http.Client
	if given != nil {
		hc = *given
	} else {
		hc = *sharedClient()
	}
	rt := hc.Transport
	if g, ok := rt.(*locationGuard); ok {
		// Ours (shared, or a derived client's parent's): the guard goes
		// back in front of the middleware below.
		rt = g.next
	}
	if rt == nil {
		// Not http.DefaultTransport: its 2 idle connections per host
		// would churn under concurrent callers.
		rt = sharedTransport()
	}
	for i := len(cfg.middleware) - 1; i >= 0; i-- {
		rt = cfg.middleware[i](rt)
	}
	hc.Transport = &locationGuard{rt}
	if given == nil || given == base {
		// Ours, or a derived client's parent's: its rule is in place.
		return &hc
	}
	userCheck := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkRedirect(req, via); err != nil {
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
// callers reuse connections instead of opening new ones, and no cap on idle
// connections over all hosts (http.DefaultTransport's 100), which would
// make clients of different base URLs sharing the pool evict each other's.
// Idle connections are closed after 90 s. It keeps TLS session tickets
// (Go's LRU cache, 64 servers), so a connection opened after the first one
// to a server (a burst of callers, a reconnect after an idle timeout or a
// GOAWAY) resumes the session instead of a full handshake: the server
// sends no certificate and signs nothing.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0)},
	}
}

// checkRedirect follows a redirect only to the origin of the first request
// (the base URL's, as every request goes there), at most five times, and
// never when it would change the method (a 301, 302 or 303 turns a PATCH
// into a GET). Otherwise the redirect response itself comes back to the
// pipeline, which reports it as a [*ResponseError]: credentials never leave
// the configured origin. It depends on no client, so clients share it.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 || origin(req.URL) != origin(via[0].URL) || req.Method != via[0].Method {
		return http.ErrUseLastResponse
	}
	return nil
}

// CloseIdleConnections closes the idle connections of the client's
// transport; connections in use are not interrupted. Clients that bring no
// transport of their own share one (see [WithHTTPClient]), so this closes
// the idle connections of all of them; they open new ones when they need
// them. The shared transport closes a connection by itself once it has been
// idle for 90 seconds.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// unparsableLocation is the header key under which locationGuard keeps a
// Location that is not a URL. It is not a valid header name, so no server
// can send it.
const unparsableLocation = "Location (unparsable)"

// locationGuard moves aside the Location header of a redirect when it is
// not a valid URL, so that http.Client returns the redirect response (which
// the pipeline reports as a refused redirect) instead of an error quoting
// the header (which would be retried as a lost connection).
type locationGuard struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (g *locationGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	if err != nil || resp == nil || resp.StatusCode < 300 || resp.StatusCode >= 400 {
		return resp, err
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		if _, perr := req.URL.Parse(loc); perr != nil {
			resp.Header = resp.Header.Clone()
			resp.Header[unparsableLocation] = []string{loc}
			delete(resp.Header, "Location")
		}
	}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the transport under
// the guard, so that http.Client.CloseIdleConnections still reaches it.
func (g *locationGuard) CloseIdleConnections() {
	if c, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
