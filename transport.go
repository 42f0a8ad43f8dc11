// This file holds the HTTP layer under the pipeline: the transport that
// clients share, the copy of a caller's *http.Client, and the redirect rule
// that keeps credentials on the base URL's origin.

package cloudflare

import (
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// sharedTransport is the transport of every client that brings none: one
// pool of connections for all of them, built on first use. It has
// http.DefaultTransport's settings, with enough idle connections per host
// for many concurrent callers, a bound on response headers, and a TLS
// session cache, so a new connection to a server resumes its session.
var sharedTransport = sync.OnceValue(func() *http.Transport {
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConnsPerHost:    128,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
		TLSClientConfig:        &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0)},
	}
})

// sharedClient is the *http.Client of every client that brings none.
var sharedClient = sync.OnceValue(func() *http.Client {
	return &http.Client{Transport: sharedTransport(), CheckRedirect: checkRedirect}
})

// httpClient returns the *http.Client a client sends with: the shared one,
// or a copy of the caller's with the redirect rule in front of its own and
// the shared transport when it has none.
func httpClient(given *http.Client) *http.Client {
	if given == nil {
		return sharedClient()
	}
	hc := *given
	if hc.Transport == nil {
		hc.Transport = sharedTransport()
	}
	own := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkRedirect(req, via); err != nil || own == nil {
			return err
		}
		if own(req, via) != nil {
			return http.ErrUseLastResponse // refused by the caller's rule: reported as a redirect not followed
		}
		return nil
	}
	return &hc
}

// checkRedirect follows a redirect only within the origin of the first
// request (the base URL's), at most five times, and never when it would
// change the method (a 301, 302 or 303 turns a PATCH into a GET). Otherwise
// the redirect itself comes back, and the pipeline reports it as an
// [*APIError]: credentials never leave the base URL's origin.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if len(via) > 5 || req.Method != via[0].Method || !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
		return http.ErrUseLastResponse
	}
	return nil
}
