package retry_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/seed-b6b9b3cb/cloudflare-go/internal/retry"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                     string
		idempotent               bool
		status                   int
		sent, permanent          bool
		wantRetry, wantUncertain bool
	}{
		{"permanent, not sent", true, 0, false, true, false, false},
		{"permanent after sending", true, 0, true, true, false, true},
		{"nothing sent, POST", false, 0, false, false, true, false},
		{"nothing sent, GET", true, 0, false, false, true, false},
		{"lost after sending, GET", true, 0, true, false, true, true},
		{"lost after sending, POST", false, 0, true, false, false, true},
		{"408 POST", false, 408, true, false, true, false},
		{"429 POST", false, 429, true, false, true, false},
		{"429 GET", true, 429, true, false, true, false},
		{"500 GET", true, 500, true, false, true, true},
		{"502 GET", true, 502, true, false, true, true},
		{"503 POST", false, 503, true, false, false, true},
		{"504 POST", false, 504, true, false, false, true},
		{"501 GET", true, 501, true, false, false, false},
		{"400 GET", true, 400, true, false, false, false},
		{"401 GET", true, 401, true, false, false, false},
		{"404 POST", false, 404, true, false, false, false},
		{"200 with an unusable body", true, 200, true, false, false, false},
		{"302 not followed", true, 302, true, false, false, false},
		// Cloudflare's own 52x: reached the origin or not.
		{"520 POST", false, 520, true, false, false, true},
		{"520 GET", true, 520, true, false, true, true},
		{"521 POST", false, 521, true, false, true, false},
		{"522 POST", false, 522, true, false, false, true},
		{"522 GET", true, 522, true, false, true, true},
		{"523 POST", false, 523, true, false, true, false},
		{"524 POST", false, 524, true, false, false, true},
		{"524 PUT", true, 524, true, false, true, true},
		{"525 POST", false, 525, true, false, true, false},
		{"526 POST", false, 526, true, false, true, false},
		{"527 GET", true, 527, true, false, false, false},
		{"530 POST", false, 530, true, false, false, false},
	}
	for _, tt := range tests {
		retry, uncertain := retry.Decide(tt.idempotent, tt.status, tt.sent, tt.permanent)
		assert.Equal(t, tt.wantRetry, retry, tt.name+": retry")
		assert.Equal(t, tt.wantUncertain, uncertain, tt.name+": uncertain")
	}
}

func TestPermanent(t *testing.T) {
	t.Parallel()
	notFound := &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}
	temporary := &net.DNSError{Err: "server misbehaving", Name: "x.example", IsTemporary: true}
	cert := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"DNS not found", notFound, true},
		{"DNS not found, wrapped", &url.Error{Op: "Get", URL: "u", Err: &net.OpError{Op: "dial", Err: notFound}}, true},
		{"temporary DNS error", temporary, false},
		{"DNS timeout", &net.DNSError{Err: "i/o timeout", IsTimeout: true}, false},
		{"certificate", cert, true},
		{"certificate, wrapped", fmt.Errorf("tls: %w", cert), true},
		{"scheme mismatch", fmt.Errorf("x: %w", http.ErrSchemeMismatch), true},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, false},
		{"EOF", io.ErrUnexpectedEOF, false},
		{"deadline", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, retry.Permanent(tt.err), tt.name)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	tests := []struct {
		n        int
		min, max time.Duration
		r        float64
		want     time.Duration
	}{
		{1, 500 * ms, 8 * time.Second, 0, 500 * ms},
		{1, 500 * ms, 8 * time.Second, 0.5, 625 * ms},
		{2, 500 * ms, 8 * time.Second, 0, time.Second},
		{3, 500 * ms, 8 * time.Second, 0, 2 * time.Second},
		{4, 500 * ms, 8 * time.Second, 0.5, 5 * time.Second},
		{5, 500 * ms, 8 * time.Second, 0, 8 * time.Second},
		{5, 500 * ms, 8 * time.Second, 0.99, 8 * time.Second},
		{60, 500 * ms, 8 * time.Second, 0.99, 8 * time.Second},
		{200, time.Hour, 1<<63 - 1, 0.99, 1<<63 - 1},
		{3, ms, ms, 0.7, ms},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, retry.Backoff(tt.n, tt.min, tt.max, tt.r), "n=%d r=%v", tt.n, tt.r)
	}
	for n := 1; n <= 40; n++ {
		for _, r := range []float64{0, 0.25, 0.999} {
			d := retry.Backoff(n, 10*ms, time.Minute, r)
			assert.GreaterOrEqual(t, d, 10*ms)
			assert.LessOrEqual(t, d, time.Minute)
			if n < 10 { // below the cap: within [min·2^(n-1), 1.5·min·2^(n-1))
				base := 10 * ms << (n - 1)
				assert.True(t, d >= base && d < base*3/2, "n=%d r=%v: %v", n, r, d)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 7 ", 7 * time.Second, true},
		{strconv.Itoa(1<<32 - 1), (1<<32 - 1) * time.Second, true},
		{"4294967296", 1 << 62, true},
		{"99999999999999999999999", 1 << 62, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true}, // in the past
		{"", 0, false},
		{"soon", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"12abc", 0, false},
	}
	for _, tt := range tests {
		got, ok := retry.ParseRetryAfter(tt.in, now)
		assert.Equal(t, tt.wantOK, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}
