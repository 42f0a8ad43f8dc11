// Package retry holds the client's retry policy as small pure functions:
// which failed attempts may be sent again, how long to wait before the next
// one, and how to read a Retry-After header. The pipeline in the root package
// calls them; they do no I/O and keep no state.
package retry

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Decide says whether an attempt that failed may be retried, and whether it
// may have acted on the server (uncertain). status is the HTTP status of the
// response, or 0 when no usable answer arrived (no response, or a 2xx the
// client cannot use); sent reports whether the request's headers were
// written (httptrace's WroteHeaders), so whether the server could have seen
// it; permanent reports a failure that cannot mend on a retry (see
// [Permanent]). idempotent requests (GET, HEAD, PUT, DELETE, and a POST or
// PATCH whose effect is the same once or twice) are retried whenever the
// server may not have answered for good; the others only when the request
// certainly did not reach the server, or the server said to try again.
func Decide(idempotent bool, status int, sent, permanent bool) (retry, uncertain bool) {
	switch {
	case status == 0 && permanent:
		return false, sent
	case status == 0 && !sent:
		return true, false
	case status == 0:
		return idempotent, true
	}
	switch Statuses[status] {
	case NotReached:
		return true, false
	case Lost:
		return idempotent, true
	}
	return false, false
}

// Kind is what a status says of a request's fate.
type Kind int

// The kinds of status in [Statuses]. A status not listed there is final:
// not retried, and the server's answer (501 and 505 say the request was not
// acted on).
const (
	Final      Kind = iota
	NotReached      // the request was not acted on: retried for every method
	Lost            // the origin may have acted: retried when idempotent, and a write's outcome is unknown
)

// Statuses is the one table of the statuses that are retried. The 52x
// codes are Cloudflare's own, as its "Cloudflare 5xx errors" troubleshooting
// guide (developers.cloudflare.com/support/troubleshooting/
// http-status-codes/cloudflare-5xx-errors/) describes them:
//
//	408  NotReached  RFC 9110 15.5.9: the server did not receive a complete request
//	429  NotReached  RFC 6585 4: the request was refused for its rate
//	500  Lost        RFC 9110 15.6.1: the server failed while fulfilling it
//	502  Lost        RFC 9110 15.6.3: an upstream answered badly, after it may have acted
//	503  Lost        RFC 9110 15.6.4: overloaded; Cloudflare sends it from any layer
//	504  Lost        RFC 9110 15.6.5: the upstream did not answer in time
//	520  Lost        origin returned an empty, unknown or unexpected response
//	521  NotReached  origin web server refused the connection from Cloudflare
//	522  Lost        connection timed out: the TCP handshake, or the request after it, not acknowledged
//	523  NotReached  origin is unreachable (no route to it)
//	524  Lost        a timeout occurred: the origin accepted the connection and did not answer in time
//	525  NotReached  the SSL handshake with the origin failed
//	526  NotReached  the origin's certificate is invalid, so no request was sent over it
var Statuses = map[int]Kind{
	408: NotReached, 429: NotReached, 500: Lost, 502: Lost, 503: Lost, 504: Lost,
	520: Lost, 521: NotReached, 522: Lost, 523: NotReached, 524: Lost, 525: NotReached, 526: NotReached,
}

// Permanent reports a transport failure that sending again cannot mend, the
// one list of them: a host name that does not resolve, a server certificate
// that fails verification, and a plain-HTTP server on an https URL. (A
// response that began but could not be read is the pipeline's to tell: it
// saw the first byte.)
func Permanent(err error) bool {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	return errors.As(err, &dns) && dns.IsNotFound || errors.As(err, &cert) || errors.Is(err, http.ErrSchemeMismatch)
}

// Backoff returns the wait before retry number n (1 for the first): min
// doubled for each earlier retry, jittered by r in [0, 1) up to half again,
// and never more than max.
func Backoff(n int, min, max time.Duration, r float64) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d += time.Duration(r * float64(d/2))
	if d > max || d <= 0 {
		return max
	}
	return d
}

// ParseRetryAfter reads a Retry-After value, a number of seconds or an HTTP
// date, relative to now. It reports false for an empty or malformed value; a
// date in the past is zero.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v = strings.TrimSpace(v); v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if strings.TrimLeft(v, "0123456789") == "" {
		return 1 << 62, true // more seconds than a uint32 holds: a very long wait
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
