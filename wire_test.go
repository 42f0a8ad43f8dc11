package cloudflare_test

// What the SDK sees of HTTP/2's own failures, against the fake over TLS
// (cloudflaretest.NewTLSServer): refused and reset streams, a GOAWAY in the
// middle of concurrent calls, and a small MaxConcurrentStreams.

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// streamError has the fields of net/http's HTTP/2 stream error, whose As
// method fills any struct of that shape: a test reads the reset code
// through it without golang.org/x/net/http2.
type streamError struct {
	StreamID uint32
	Code     uint32
	Cause    error
}

func (e streamError) Error() string { return "stream error" }

// h2Client returns a client of the TLS fake that counts the SDK's attempts
// (a middleware sees each one; net/http's own resends below it are not
// counted).
func h2Client(t *testing.T, srv *cloudflaretest.Server, opts ...cloudflare.Option) (*cloudflare.Client, *atomic.Int64) {
	t.Helper()
	var attempts atomic.Int64
	count := cloudflare.WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			attempts.Add(1)
			return next.RoundTrip(r)
		})
	})
	c, err := srv.Client(append([]cloudflare.Option{count}, opts...)...)
	require.NoError(t, err)
	return c, &attempts
}

// methods returns the method of each request the fake recorded.
func methods(srv *cloudflaretest.Server) []string {
	var m []string
	for _, r := range srv.Requests() {
		m = append(m, r.Method)
	}
	return m
}

func TestHTTP2_StreamResets(t *testing.T) {
	t.Parallel()

	t.Run("REFUSED_STREAM: net/http sends the PATCH again; one attempt, no uncertainty", func(t *testing.T) {
		t.Parallel()
		srv := cloudflaretest.NewTLSServer()
		t.Cleanup(srv.Close)
		client, attempts := h2Client(t, srv)
		srv.FailNext(1, cloudflaretest.ResetStream(cloudflaretest.ResetRefusedStream))

		inv, err := client.User.Invites.Accept(context.Background(), cloudflaretest.SeedInviteID)

		require.NoError(t, err)
		assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
		assert.EqualValues(t, 1, attempts.Load(), "the SDK made one attempt")
		assert.Equal(t, []string{http.MethodPatch, http.MethodPatch}, methods(srv), "refused, resent by net/http, no reconciling read")
	})

	for _, tc := range []struct {
		name string
		code cloudflaretest.ResetCode
	}{
		{"INTERNAL_ERROR", cloudflaretest.ResetInternalError},
		{"CANCEL", cloudflaretest.ResetCancel},
	} {
		t.Run(tc.name+": reaches the SDK as a lost response", func(t *testing.T) {
			t.Parallel()
			srv := cloudflaretest.NewTLSServer()
			t.Cleanup(srv.Close)
			client, attempts := h2Client(t, srv)
			srv.FailNext(1, cloudflaretest.ResetStream(tc.code))

			_, err := client.User.Invites.Accept(context.Background(), cloudflaretest.SeedInviteID, cloudflare.WithMaxRetries(0))

			var re *cloudflare.RequestError
			require.ErrorAs(t, err, &re)
			var se streamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, uint32(tc.code), se.Code)
			assert.EqualValues(t, 1, attempts.Load())
		})
		t.Run(tc.name+" after the fake applied the PATCH: retried, then reconciled", func(t *testing.T) {
			t.Parallel()
			srv := cloudflaretest.NewTLSServer()
			t.Cleanup(srv.Close)
			client, attempts := h2Client(t, srv)
			f := cloudflaretest.ResetStream(tc.code)
			f.Commit = true
			srv.FailNext(1, f)

			inv, err := client.User.Invites.Accept(context.Background(), cloudflaretest.SeedInviteID)

			require.NoError(t, err, "the reset is uncertain: the retry is refused as not pending, the read finds it accepted")
			assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
			assert.EqualValues(t, 3, attempts.Load())
			assert.Equal(t, []string{http.MethodPatch, http.MethodPatch, http.MethodGet}, methods(srv))
		})
	}
}

// TestHTTP2_GoAwayInTheMiddleOfConcurrentCalls: the fake sends a graceful
// GOAWAY while SDK calls are in flight on the connection. Every call
// succeeds, none is processed twice, and none needs a retry of the SDK's.
func TestHTTP2_GoAwayInTheMiddleOfConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewTLSServer(cloudflaretest.WithLatency(5 * time.Millisecond))
	t.Cleanup(srv.Close)
	ids := make([]string, 48)
	for i := range ids {
		ids[i] = srv.AddInvite(cloudflaretest.Invite{ID: "goaway-" + string(rune('a'+i/26)) + string(rune('a'+i%26))}).ID
	}
	client, attempts := h2Client(t, srv)
	// A GOAWAY on every eighth request: several in the run.
	for range len(ids) / 8 {
		srv.FailNext(7, cloudflaretest.Fault{})
		srv.FailNext(1, cloudflaretest.GoAway())
	}

	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = client.User.Invites.Accept(context.Background(), id)
		}()
	}
	wg.Wait()

	for i, err := range errs {
		assert.NoError(t, err, "call %d", i)
	}
	assert.EqualValues(t, len(ids), attempts.Load(), "no call needed a retry of the SDK's")
	assert.Len(t, srv.Requests(), len(ids), "no request was processed twice")
	assert.Zero(t, srv.PendingFaults())
}

// TestHTTP2_SmallMaxConcurrentStreams: with 2 streams per connection, 32
// concurrent calls all succeed; streams the client sent on a new connection
// before the server's SETTINGS arrived are refused and sent again by
// net/http, unseen by the SDK.
func TestHTTP2_SmallMaxConcurrentStreams(t *testing.T) {
	t.Parallel()
	srv := cloudflaretest.NewTLSServer(cloudflaretest.WithMaxConcurrentStreams(2), cloudflaretest.WithLatency(5*time.Millisecond))
	t.Cleanup(srv.Close)
	client, attempts := h2Client(t, srv)

	const calls = 32
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := client.User.Invites.Get(context.Background(), cloudflaretest.SeedInviteID); err != nil {
				failed.Add(1)
				once.Do(func() { firstErr = err })
			}
		}()
	}
	wg.Wait()

	require.Zero(t, failed.Load(), "first error: %v", firstErr)
	assert.EqualValues(t, calls, attempts.Load(), "no call needed a retry of the SDK's")
	assert.Len(t, srv.Requests(), calls, "refused streams were never processed")
}
