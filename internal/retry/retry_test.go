package retry_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
	"github.com/seed-b6b9b3cb/cloudflare-go/internal/retry"
)

// The three methods the table is checked for: a safe one, the one the
// client sends (idempotent in effect), and an unsafe one.
var methods = []string{http.MethodGet, http.MethodPatch, http.MethodPost}

// byMethod is an expected decision for GET, PATCH and POST.
type byMethod [3]retry.Decision

var (
	never    = byMethod{}
	always   = byMethod{{Retry: true}, {Retry: true}, {Retry: true}}
	unsure   = byMethod{{Retry: true}, {Retry: true, Uncertain: true}, {Uncertain: true}}
	dialErr  = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dnsErr   = &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}
	resetErr = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
)

// timeoutErr is what the pipeline passes for a per-attempt timeout.
type timeoutErr struct{}

func (timeoutErr) Error() string { return "attempt timed out after 1s" }
func (timeoutErr) Timeout() bool { return true }

var (
	unknownAuthority = &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	errMiddleware    = errors.New("policy: request refused by middleware")
)

// TestClassify is the classification table, one real shape of each class
// at the stages it can come from.
func TestClassify(t *testing.T) {
	t.Parallel()
	const (
		none       = retry.StageNone
		connecting = retry.StageConnecting
		connected  = retry.StageConnected
	)
	tests := []struct {
		name  string
		err   error
		stage retry.Stage
		want  retry.Class
	}{
		{"dial refused", dialErr, connecting, retry.NotSent},
		{"dial refused wrapped", fmt.Errorf("send: %w", dialErr), connecting, retry.NotSent},
		{"dial refused from a RoundTripper that does not trace", dialErr, none, retry.NotSent},
		{"dns", dnsErr, connecting, retry.NotSent},
		{"dns wrapped", fmt.Errorf("lookup: %w", dnsErr), connecting, retry.NotSent},
		{"EOF during the TLS handshake", io.EOF, connecting, retry.NotSent},
		{"reset during the TLS handshake", resetErr, connecting, retry.NotSent},
		{"timeout while connecting", timeoutErr{}, connecting, retry.NotSent},
		{"context error while connecting", context.DeadlineExceeded, connecting, retry.NotSent},
		{"unknown authority", unknownAuthority, connecting, retry.Permanent},
		{"unknown authority bare", x509.UnknownAuthorityError{}, connecting, retry.Permanent},
		{"hostname mismatch", x509.HostnameError{Host: "api.example"}, connecting, retry.Permanent},
		{"expired certificate", x509.CertificateInvalidError{Reason: x509.Expired}, connecting, retry.Permanent},
		{"certificate error from a RoundTripper that does not trace", unknownAuthority, none, retry.Permanent},
		{"HTTP response to HTTPS", http.ErrSchemeMismatch, connecting, retry.Permanent},
		{"HTTP response to HTTPS wrapped", fmt.Errorf("get: %w", http.ErrSchemeMismatch), connecting, retry.Permanent},
		{"middleware error", errMiddleware, none, retry.Permanent},
		{"middleware returning EOF by itself", io.EOF, none, retry.Permanent},
		{"unexpected EOF", io.ErrUnexpectedEOF, connected, retry.Lost},
		{"EOF", io.EOF, connected, retry.Lost},
		{"reset", resetErr, connected, retry.Lost},
		{"reset wrapped twice", fmt.Errorf("read body: %w", fmt.Errorf("conn: %w", resetErr)), connected, retry.Lost},
		{"bare ECONNRESET", syscall.ECONNRESET, connected, retry.Lost},
		{"write op error", &net.OpError{Op: "write", Err: syscall.EPIPE}, connected, retry.Lost},
		{"per-attempt timeout", timeoutErr{}, connected, retry.Lost},
		{"inner context deadline once connected", context.DeadlineExceeded, connected, retry.Lost},
		{"an error nobody knows, once connected", errors.New("something odd"), connected, retry.Lost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, retry.Classify(tt.err, tt.stage))
		})
	}
}

// TestDecideTransportErrors maps each class to a decision per method.
func TestDecideTransportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		stage retry.Stage
		want  byMethod
	}{
		{"not sent", dialErr, retry.StageConnecting, always},
		{"lost", resetErr, retry.StageConnected, unsure},
		{"permanent certificate", unknownAuthority, retry.StageConnecting, never},
		{"permanent middleware", errMiddleware, retry.StageNone, never},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for i, m := range methods {
				// The status is ignored when there is a transport error.
				for _, status := range []int{0, http.StatusOK} {
					assert.Equal(t, tt.want[i], retry.Decide(m, status, tt.err, tt.stage), "%s status %d", m, status)
				}
			}
		})
	}
}

func TestDecideStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		want   byMethod
	}{
		{http.StatusOK, never},
		{http.StatusNoContent, never},
		{http.StatusFound, never},
		{http.StatusBadRequest, never},
		{http.StatusUnauthorized, never},
		{http.StatusForbidden, never},
		{http.StatusNotFound, never},
		{http.StatusConflict, never},
		{http.StatusRequestTimeout, always},
		{http.StatusTooManyRequests, always},
		{http.StatusInternalServerError, unsure},
		{http.StatusNotImplemented, never},
		{http.StatusBadGateway, unsure},
		{http.StatusServiceUnavailable, unsure},
		{http.StatusGatewayTimeout, unsure},
		{http.StatusHTTPVersionNotSupported, never},
		{520, never}, // Cloudflare's own 52x codes are not in the list
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			for i, m := range methods {
				assert.Equal(t, tt.want[i], retry.Decide(m, tt.status, nil, retry.StageConnected), m)
			}
		})
	}
}

func TestDecideOtherMethods(t *testing.T) {
	t.Parallel()
	// HEAD is as safe as GET; PUT and DELETE are as unsafe as POST.
	assert.Equal(t, retry.Decision{Retry: true}, retry.Decide(http.MethodHead, 503, nil, retry.StageConnected))
	assert.Equal(t, retry.Decision{Retry: true}, retry.Decide(http.MethodHead, 0, io.ErrUnexpectedEOF, retry.StageConnected))
	for _, m := range []string{http.MethodPut, http.MethodDelete} {
		assert.Equal(t, retry.Decision{Uncertain: true}, retry.Decide(m, 502, nil, retry.StageConnected), m)
		assert.Equal(t, retry.Decision{Retry: true}, retry.Decide(m, 429, nil, retry.StageConnected), m)
		assert.Equal(t, retry.Decision{Retry: true}, retry.Decide(m, 0, dialErr, retry.StageConnecting), m)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	const (
		min = 100 * time.Millisecond
		max = time.Second
		one = 1 - 1e-12 // r close to 1
		ms  = time.Millisecond
	)
	// Each case gives the range the wait must fall in, bounds included; an
	// exact value has lo == hi.
	tests := []struct {
		name     string
		attempt  int
		min, max time.Duration
		r        float64
		lo, hi   time.Duration
	}{
		{"first retry r=0 waits min", 1, min, max, 0, 100 * ms, 100 * ms},
		{"first retry r~1 stays below 1.5 min", 1, min, max, one, 150*ms - ms/1000, 150*ms - 1},
		{"first retry r=0.5", 1, min, max, 0.5, 125 * ms, 125 * ms},
		{"second retry doubles", 2, min, max, 0, 200 * ms, 200 * ms},
		{"third retry doubles again", 3, min, max, 0, 400 * ms, 400 * ms},
		{"fourth retry r=0", 4, min, max, 0, 800 * ms, 800 * ms},
		{"fourth retry r~1 is capped at max", 4, min, max, one, time.Second, time.Second},
		{"capped at max", 5, min, max, 0, time.Second, time.Second},
		{"capped at max r~1", 5, min, max, one, time.Second, time.Second},
		{"far beyond the cap", 1000, min, max, 0, time.Second, time.Second},
		{"attempt 0 is the first retry", 0, min, max, 0, 100 * ms, 100 * ms},
		{"negative attempt is the first retry", -7, min, max, 0, 100 * ms, 100 * ms},
		{"r below 0 is 0", 1, min, max, -3, 100 * ms, 100 * ms},
		{"r of 1 stays below 1.5 min", 1, min, max, 1, 150*ms - ms/1000, 150*ms - 1},
		{"r above 1 stays below 1.5 min", 1, min, max, 42, 150*ms - ms/1000, 150*ms - 1},
		// The report: with min == max every wait is exactly that.
		{"min equal to max r=0", 1, 200 * ms, 200 * ms, 0, 200 * ms, 200 * ms},
		{"min equal to max r~1", 1, 200 * ms, 200 * ms, one, 200 * ms, 200 * ms},
		{"min equal to max, later retry", 3, 200 * ms, 200 * ms, 0.5, 200 * ms, 200 * ms},
		// The defaults the README states: from 500 ms, at most 8 s.
		{"default first retry r=0", 1, 500 * ms, 8 * time.Second, 0, 500 * ms, 500 * ms},
		{"default first retry r~1", 1, 500 * ms, 8 * time.Second, one, 750*ms - ms/1000, 750*ms - 1},
		{"default second retry", 2, 500 * ms, 8 * time.Second, 0, time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := retry.Backoff(tt.attempt, tt.min, tt.max, tt.r)
			assert.GreaterOrEqual(t, got, tt.lo)
			assert.LessOrEqual(t, got, tt.hi)
		})
	}
}

// TestBackoffDocumentedBounds checks what Backoff's doc, WithRetryBackoff's
// doc and the README promise, over a grid of r: never below min nor above
// max, and the n-th retry within [d, 1.5·d) for d = min·2^(n-1), or exactly
// max once d reaches it.
func TestBackoffDocumentedBounds(t *testing.T) {
	t.Parallel()
	for _, bounds := range []struct{ min, max time.Duration }{
		{10 * time.Millisecond, 80 * time.Millisecond},
		{500 * time.Millisecond, 8 * time.Second}, // the defaults
		{200 * time.Millisecond, 200 * time.Millisecond},
		{300 * time.Millisecond, time.Second}, // a max that is not min·2^n
	} {
		for attempt := 1; attempt <= 8; attempt++ {
			d := bounds.min << (attempt - 1)
			for i := 0; i <= 100; i++ {
				r := float64(i) / 100
				got := retry.Backoff(attempt, bounds.min, bounds.max, r)
				msg := fmt.Sprintf("min %v max %v attempt %d r %v", bounds.min, bounds.max, attempt, r)
				assert.GreaterOrEqual(t, got, bounds.min, msg)
				assert.LessOrEqual(t, got, bounds.max, msg)
				if d >= bounds.max {
					assert.Equal(t, bounds.max, got, msg)
					continue
				}
				assert.GreaterOrEqual(t, got, d, msg)
				assert.Less(t, got, d+d/2, msg)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	const maxDuration = time.Duration(math.MaxInt64/int64(time.Second)) * time.Second
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"empty", "", 0, false},
		{"blank", "   ", 0, false},
		{"seconds", "5", 5 * time.Second, true},
		{"seconds with spaces", " 7 ", 7 * time.Second, true},
		{"zero", "0", 0, true},
		{"leading zeros", "007", 7 * time.Second, true},
		{"negative", "-1", 0, false},
		{"plus sign", "+3", 0, false},
		{"fraction", "1.5", 0, false},
		{"unit", "5s", 0, false},
		{"garbage", "soon", 0, false},
		{"number then garbage", "12abc", 0, false},
		{"largest that fits a Duration", strconv.FormatInt(math.MaxInt64/int64(time.Second), 10), maxDuration, true},
		{"beyond a Duration", "99999999999", maxDuration, true},
		{"beyond an int64", "99999999999999999999", maxDuration, true},
		{"beyond an int64 then garbage", "99999999999999999999x", 0, false},
		{"HTTP-date in the future", date(90 * time.Second), 90 * time.Second, true},
		{"HTTP-date now", date(0), 0, true},
		{"HTTP-date in the past", date(-time.Hour), 0, true},
		{"RFC 850 date", now.Add(30 * time.Second).Format("Monday, 02-Jan-06 15:04:05 GMT"), 30 * time.Second, true},
		{"ANSI C date", now.Add(45 * time.Second).Format(time.ANSIC), 45 * time.Second, true},
		{"date without zone", "2025-06-01 12:00:30", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := retry.ParseRetryAfter(tt.value, now)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDelay(t *testing.T) {
	t.Parallel()
	const min, max = 100 * time.Millisecond, time.Second
	tests := []struct {
		name          string
		attempt       int
		retryAfter    time.Duration
		hasRetryAfter bool
		maxWait       time.Duration
		want          time.Duration
		wantTooLong   bool
	}{
		{"retry-after within maxWait", 1, 2 * time.Second, true, 5 * time.Second, 2 * time.Second, false},
		{"retry-after equal to maxWait", 1, 5 * time.Second, true, 5 * time.Second, 5 * time.Second, false},
		{"retry-after beyond maxWait", 1, 10 * time.Second, true, 5 * time.Second, 10 * time.Second, true},
		{"retry-after zero", 3, 0, true, 5 * time.Second, 0, false},
		{"retry-after with maxWait zero", 1, time.Second, true, 0, time.Second, true},
		{"retry-after overrides backoff on a later retry", 4, 10 * time.Millisecond, true, time.Minute, 10 * time.Millisecond, false},
		{"no retry-after uses backoff", 1, 0, false, 5 * time.Second, 100 * time.Millisecond, false},
		{"no retry-after ignores maxWait", 3, time.Hour, false, 0, 400 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, tooLong := retry.Delay(tt.attempt, tt.retryAfter, tt.hasRetryAfter, tt.maxWait, min, max, 0)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantTooLong, tooLong)
		})
	}
}

// An error the policy does not recognise, once a connection was ready, may
// have come after the request was sent, so it is uncertain, never a certain
// "not sent".
func TestDecideUnknownError(t *testing.T) {
	t.Parallel()
	err := errors.New("something odd")
	for i, m := range methods {
		assert.Equal(t, unsure[i], retry.Decide(m, 0, err, retry.StageConnected), m)
	}
}

// streamError has the fields of net/http's HTTP/2 stream error, whose As
// method fills any struct of that shape.
type streamError struct {
	StreamID uint32
	Code     uint32
	Cause    error
}

func (e streamError) Error() string { return "stream error" }

// TestClassify_HTTP2Resets classifies the errors net/http's HTTP/2 client
// really returns for streams the fake resets with INTERNAL_ERROR and
// CANCEL: the request was sent and may have been processed.
func TestClassify_HTTP2Resets(t *testing.T) {
	t.Parallel()
	for _, code := range []cloudflaretest.ResetCode{cloudflaretest.ResetInternalError, cloudflaretest.ResetCancel} {
		srv := cloudflaretest.NewTLSServer()
		t.Cleanup(srv.Close)
		roots := x509.NewCertPool()
		roots.AddCert(srv.Certificate())
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}
		t.Cleanup(tr.CloseIdleConnections)
		srv.FailNext(1, cloudflaretest.ResetStream(code))
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"user/invites", nil)
		require.NoError(t, err)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if resp != nil {
			_ = resp.Body.Close()
		}
		var se streamError
		require.ErrorAs(t, err, &se)
		assert.EqualValues(t, code, se.Code, "the code on the wire")
		assert.Equal(t, retry.Lost, retry.Classify(err, retry.StageConnected), "code %d: %v", code, err)
	}
}
