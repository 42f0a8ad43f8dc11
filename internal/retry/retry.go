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
// response, or 0 when none arrived; sent reports whether the request's
// headers were written (httptrace's WroteHeaders), so whether the server could
// have seen it; permanent reports a failure that cannot mend on a retry (see
// [Permanent]). idempotent requests (GET, HEAD, PUT, DELETE, and a PATCH whose
// effect is the same once or twice) are retried whenever the server may not
// have answered for good; the others (POST, PATCH) only when the request
// certainly did not reach the server, or the server said to try again.
func Decide(idempotent bool, status int, sent, permanent bool) (retry, uncertain bool) {
	switch {
	case status == 0 && permanent:
		return false, sent
	case status == 0 && !sent:
		return true, false
	case status == 0:
		return idempotent, true
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return true, false
	case status == http.StatusInternalServerError, status == http.StatusBadGateway,
		status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return idempotent, true
	}
	return false, false
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
