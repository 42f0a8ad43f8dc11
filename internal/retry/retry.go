// Package retry holds the client's retry policy as small pure functions: which
// outcomes may be retried for which HTTP method, how long to back off, and how
// to read a Retry-After header. The request pipeline in the root package calls
// them; they do no I/O and keep no state, so they are tested on their own.
package retry

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Decision is what the policy says about one finished attempt.
type Decision struct {
	// Retry reports whether another attempt may be made.
	Retry bool
	// Uncertain reports whether the attempt may have changed state on the
	// server even though the client saw no success (the request was sent but
	// the response was lost or was a 5xx). A caller that retries after an
	// uncertain attempt must expect to find its change already made.
	Uncertain bool
}

// Decide classifies an attempt of an HTTP method that ended with the HTTP
// status (0 when no response arrived) or the transport error err, which
// reached the transport stage stage (see [Classify]).
//
// The policy, by method:
//
//   - Nothing is retried after a status the server sent on purpose
//     (4xx other than 408 and 429; 501, 505 and other 5xx that do not mean
//     "try later"), nor after a [Permanent] transport error (a certificate
//     that fails verification, an HTTP response to an HTTPS request, an
//     error from the caller's own RoundTripper or middleware).
//   - 408 and 429, and a [NotSent] transport error (dial, DNS, a TLS
//     handshake that did not complete): the server did not act on the
//     request, so every method is retried, and the outcome is certain.
//   - 500, 502, 503, 504 and a [Lost] transport error (reset, EOF or
//     timeout once the connection was ready): the server may or may not
//     have acted. GET and HEAD are safe to repeat and are retried. PATCH is
//     retried and marked uncertain: the only PATCH this client sends sets an
//     invitation to a final status, which is idempotent in effect, and the
//     caller reconciles a "no longer pending" response with a read. Other
//     methods (POST, PUT, DELETE) are not retried after an uncertain outcome.
//
// The caller's own cancellation is not a transport error: the pipeline
// checks its context before asking.
func Decide(method string, status int, err error, stage Stage) Decision {
	if err != nil {
		switch Classify(err, stage) {
		case Permanent:
			return Decision{}
		case NotSent:
			return Decision{Retry: true}
		}
		return uncertain(method)
	}
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests:
		return Decision{Retry: true}
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return uncertain(method)
	}
	return Decision{}
}

func uncertain(method string) Decision {
	switch method {
	case http.MethodGet, http.MethodHead:
		return Decision{Retry: true}
	case http.MethodPatch:
		return Decision{Retry: true, Uncertain: true}
	}
	return Decision{Uncertain: true}
}

// Backoff returns the wait before retry number attempt (1 for the first
// retry): d = min doubled for each earlier retry, jittered by r, a number in
// [0, 1), into [d, 1.5·d), and never more than max. So min is the shortest
// wait and max the longest: the first retry waits between min and 1.5·min,
// and once d reaches max every wait is max. The jitter spreads out callers
// that failed together without ever waiting less than asked.
func Backoff(attempt int, min, max time.Duration, r float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := min
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max || d <= 0 {
		return max
	}
	if r < 0 {
		r = 0
	}
	if r >= 1 {
		r = 0.999999
	}
	if w := d + time.Duration(r*float64(d/2)); w < max {
		return w
	}
	return max
}

// ParseRetryAfter reads a Retry-After header value, either a number of
// seconds or an HTTP date, relative to now. It reports false when the value
// is empty or malformed. A date in the past gives zero.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseInt(v, 10, 64)
		// A number of seconds too large for an int64 is still a (very long)
		// wait: ParseInt returns its largest value with ErrRange, which the
		// cap below brings into a Duration's range.
		if err != nil && !(errors.Is(err, strconv.ErrRange) && allDigits(v)) || secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Delay chooses the wait before retry number attempt. When the server asked
// for a wait (hasRetryAfter), that wait is used as long as it is at most
// maxWait; a longer one gives tooLong, and the caller should stop instead of
// sleeping. Without one, the jittered backoff is used.
func Delay(attempt int, retryAfter time.Duration, hasRetryAfter bool, maxWait, min, max time.Duration, r float64) (wait time.Duration, tooLong bool) {
	if hasRetryAfter {
		if retryAfter > maxWait {
			return retryAfter, true
		}
		return retryAfter, false
	}
	return Backoff(attempt, min, max, r), false
}
