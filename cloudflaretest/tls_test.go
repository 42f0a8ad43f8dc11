package cloudflaretest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// streamError has the fields of net/http's HTTP/2 stream error, whose As
// method fills any struct of that shape: it is how a client reads the code
// of a reset without importing golang.org/x/net/http2.
type streamError struct {
	StreamID uint32
	Code     uint32
	Cause    error
}

func (e streamError) Error() string { return "stream error" }

// rawTLSClient returns an *http.Client that trusts srv and speaks HTTP/2
// (h2) or only HTTP/1.1.
func rawTLSClient(t *testing.T, srv *Server, h2 bool) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: h2, MaxIdleConnsPerHost: 64}
	if !h2 {
		var p http.Protocols
		p.SetHTTP1(true)
		tr.Protocols = &p
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// getInvite sends GET /user/invites/{SeedInviteID} with the fake's key and
// returns the status, the protocol and the error.
func getInvite(hc *http.Client, srv *Server, trace *httptrace.ClientTrace) (int, string, error) {
	c := context.Background()
	if trace != nil {
		c = httptrace.WithClientTrace(c, trace)
	}
	req, err := http.NewRequestWithContext(c, http.MethodGet, srv.URL+"user/invites/"+SeedInviteID, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header = keyAuth()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Proto, err
}

func TestNewTLSServerNegotiatesHTTP2AndHTTP1(t *testing.T) {
	t.Parallel()
	srv := NewTLSServer()
	t.Cleanup(srv.Close)
	require.NotNil(t, srv.Certificate())
	assert.Contains(t, srv.URL, "https://127.0.0.1:")

	for _, tc := range []struct {
		name  string
		h2    bool
		proto string
	}{
		{"h2", true, "HTTP/2.0"},
		{"http/1.1", false, "HTTP/1.1"},
	} {
		status, proto, err := getInvite(rawTLSClient(t, srv, tc.h2), srv, nil)
		require.NoError(t, err, tc.name)
		assert.Equal(t, http.StatusOK, status, tc.name)
		assert.Equal(t, tc.proto, proto, tc.name)
	}

	client, err := srv.Client()
	require.NoError(t, err)
	inv, err := client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "HTTP/2.0", reqs[2].Proto, "Server.Client negotiates HTTP/2")

	_, _, err = getInvite(&http.Client{}, srv, nil)
	assert.Error(t, err, "a client that does not trust the certificate is refused")
}

func TestNewServerIsPlainHTTP(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	assert.Nil(t, srv.Certificate())
	assert.Contains(t, srv.URL, "http://127.0.0.1:")
}

// TestResetStream shows what Go's HTTP/2 client sees of each reset code.
func TestResetStream(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		code ResetCode
	}{
		{"INTERNAL_ERROR", ResetInternalError},
		{"CANCEL", ResetCancel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := NewTLSServer()
			t.Cleanup(srv.Close)
			srv.FailNext(1, ResetStream(tc.code))
			_, _, err := getInvite(rawTLSClient(t, srv, true), srv, nil)
			var se streamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, uint32(tc.code), se.Code, "the code on the wire: %v", err)
			assert.Len(t, srv.Requests(), 1, "not sent again by net/http")
		})
	}
	t.Run("REFUSED_STREAM is sent again by net/http", func(t *testing.T) {
		t.Parallel()
		srv := NewTLSServer()
		t.Cleanup(srv.Close)
		srv.FailNext(1, ResetStream(ResetRefusedStream))
		status, _, err := getInvite(rawTLSClient(t, srv, true), srv, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status)
		assert.Len(t, srv.Requests(), 2, "refused, then sent again at once")
	})
	t.Run("REFUSED_STREAM every time: net/http backs off until the context ends", func(t *testing.T) {
		t.Parallel()
		srv := NewTLSServer()
		t.Cleanup(srv.Close)
		srv.FailNext(100, ResetStream(ResetRefusedStream))
		// net/http tries at once, again at once, then after 1 s and 2 s
		// more: at most 4 tries in 3 s, where tries without a wait would
		// end at its limit of 7 with the stream error.
		c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(c, http.MethodGet, srv.URL+"user/invites/"+SeedInviteID, nil)
		require.NoError(t, err)
		req.Header = keyAuth()
		_, err = rawTLSClient(t, srv, true).Do(req)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the caller sees its deadline, not the refusal")
		n := len(srv.Requests())
		assert.True(t, n >= 1 && n <= 4, "%d tries in 3 s", n)
	})
	t.Run("over HTTP/1.1 the connection is dropped", func(t *testing.T) {
		t.Parallel()
		srv := NewTLSServer()
		t.Cleanup(srv.Close)
		srv.FailNext(1, ResetStream(ResetCancel))
		_, _, err := getInvite(rawTLSClient(t, srv, false), srv, nil)
		require.Error(t, err)
		var se streamError
		assert.False(t, errors.As(err, &se))
	})
}

// TestGoAwayInTheMiddleOfConcurrentCalls sends a graceful GOAWAY while
// other calls are in flight on the same connection: those finish on it,
// and the calls made after it go to a new connection; every call succeeds
// and none is processed twice.
func TestGoAwayInTheMiddleOfConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := NewTLSServer()
	t.Cleanup(srv.Close)
	hc := rawTLSClient(t, srv, true)
	var mu sync.Mutex
	conns := map[any]bool{}
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		mu.Lock()
		conns[info.Conn] = true
		mu.Unlock()
	}}
	_, _, err := getInvite(hc, srv, trace) // one connection, warm
	require.NoError(t, err)

	const inFlight = 8
	srv.FailNext(inFlight, Slow(200*time.Millisecond))
	srv.FailNext(1, GoAway())
	var wg sync.WaitGroup
	errs := make([]error, 2*inFlight+1)
	call := func(i int) {
		defer wg.Done()
		var status int
		status, _, errs[i] = getInvite(hc, srv, trace)
		if errs[i] == nil && status != http.StatusOK {
			errs[i] = errors.New(http.StatusText(status))
		}
	}
	for i := range inFlight {
		wg.Add(1)
		go call(i)
	}
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1+inFlight }, 5*time.Second, time.Millisecond)
	wg.Add(1)
	call(inFlight) // served at once, with a GOAWAY
	for i := inFlight + 1; i < len(errs); i++ {
		wg.Add(1)
		go call(i)
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "call %d", i)
	}
	assert.Len(t, srv.Requests(), 1+len(errs), "no request is processed twice")
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, conns, 2, "the calls after the GOAWAY went to a new connection")
}

// TestMaxConcurrentStreams shows Go's client opening more connections when
// the server allows few streams on each. It also shows a cost: on a new
// connection the client sends streams before it has read the server's
// SETTINGS (it assumes 100); the server refuses those over its limit with
// REFUSED_STREAM, unprocessed, and net/http sends them again (at once, then
// after 1 s, 2 s...). Every call succeeds, some a second later.
func TestMaxConcurrentStreams(t *testing.T) {
	t.Parallel()
	srv := NewTLSServer(WithMaxConcurrentStreams(2), WithLatency(50*time.Millisecond))
	t.Cleanup(srv.Close)
	hc := rawTLSClient(t, srv, true)
	var mu sync.Mutex
	conns := map[any]bool{}
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		mu.Lock()
		conns[info.Conn] = true
		mu.Unlock()
	}}
	// The first call lets the client learn the server's SETTINGS.
	_, _, err := getInvite(hc, srv, trace)
	require.NoError(t, err)

	const calls = 16
	var wg sync.WaitGroup
	errs := make([]error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = getInvite(hc, srv, trace)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "call %d", i)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.GreaterOrEqual(t, len(conns), 2, "one connection cannot carry them all")
	assert.Len(t, srv.Requests(), calls+1, "streams over the limit are refused unprocessed, and sent again")
}

func TestWithMaxConcurrentStreamsRefusesNegative(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "cloudflaretest: NewTLSServer: WithMaxConcurrentStreams: negative", func() {
		NewTLSServer(WithMaxConcurrentStreams(-1))
	})
}

func TestTLSServerOnAListener(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("no 127.0.0.2 on this machine:", err)
	}
	f := setupTLS(t, WithListener(ln))
	assert.Regexp(t, `^https://127\.0\.0\.2:\d+/client/v4/$`, f.srv.URL)
	assert.NoError(t, f.srv.Certificate().VerifyHostname("127.0.0.2"), "the listener's IP is in the certificate")
	assert.NoError(t, f.srv.Certificate().VerifyHostname("localhost"))
	_, err = f.client.User.Invites.Get(ctx, SeedInviteID)
	assert.NoError(t, err)
}

func TestTLSServerRecordsStatusesAndTargetsFaults(t *testing.T) {
	t.Parallel()
	f := setupTLS(t)
	f.srv.FailNext(1, DropConnection())
	_, err := f.client.User.Invites.Get(ctx, SeedInviteID, cloudflare.WithMaxRetries(0))
	require.Error(t, err, "under HTTP/2 a drop resets the stream")

	f.srv.FailNext(1, ServerError(503), OnMethod("PATCH"))
	inv, err := f.client.User.Invites.Reject(ctx, SeedPendingInviteID)
	require.NoError(t, err)
	assert.Equal(t, StatusRejected, inv.Status)
	assert.Equal(t, []int{0, 503, 200}, statuses(f.srv.Requests()))
}

// TestResetStreamConcurrentCodes: resets of different codes in flight at
// once on one connection each reach the stream they were meant for.
func TestResetStreamConcurrentCodes(t *testing.T) {
	t.Parallel()
	srv := NewTLSServer(WithLatency(10 * time.Millisecond))
	t.Cleanup(srv.Close)
	hc := rawTLSClient(t, srv, true)
	_, _, err := getInvite(hc, srv, nil) // one connection, warm
	require.NoError(t, err)

	const n = 16
	want := map[string]ResetCode{}
	for i := range n {
		id := srv.AddInvite(Invite{ID: "reset-" + string(rune('a'+i))}).ID
		want[id] = []ResetCode{ResetCancel, ResetInternalError}[i%2]
		srv.FailNext(1, ResetStream(want[id]), OnInvite(id))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]uint32{}
	for id := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"user/invites/"+id, nil)
			if err != nil {
				return
			}
			req.Header = keyAuth()
			resp, err := hc.Do(req)
			if resp != nil {
				_ = resp.Body.Close()
			}
			var se streamError
			if errors.As(err, &se) {
				mu.Lock()
				got[id] = se.Code
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, got, n, "every stream was reset")
	for id, code := range want {
		assert.Equal(t, uint32(code), got[id], "invite %s", id)
	}
}
