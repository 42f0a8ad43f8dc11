package cloudflare_test

// Benchmarks of the SDK against a hand-written floor: the same call written
// with plain net/http and encoding/json. Each pair runs in one process, so a
// benchstat comparison of their medians is fair. See bench/README.md for the
// commands and the last recorded run.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

const (
	benchEmail    = "user@example.com"
	benchKey      = "144c9defac04969c7bfad8efaa8ea194"
	benchInviteID = "4f5f0c14a2a41d5063dd301b2f829f04"
)

// benchFixture is the reference page's example response.
func benchFixture(b *testing.B) []byte {
	b.Helper()
	body, err := os.ReadFile("testdata/invite-response.json")
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// benchListBody is a list response of n invitations built from the fixture's
// result.
func benchListBody(b *testing.B, n int) []byte {
	b.Helper()
	var one struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(benchFixture(b), &one); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"success":true,"errors":[],"messages":[],"result":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(one.Result)
	}
	fmt.Fprintf(&buf, `],"result_info":{"page":1,"per_page":%d,"count":%d,"total_count":%d}}`, n, n, n)
	return buf.Bytes()
}

// benchTransport responds to every request in memory with a fixed status and
// body, with no sockets, so only client-side work is measured.
type benchTransport struct {
	status int
	body   []byte
}

func (t *benchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode:    t.status,
		Header:        http.Header{"Content-Type": {"application/json"}, "Cf-Ray": {"8c0ffee0ba5eba11-SJC"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       req,
	}, nil
}

// floorInvite and floorEnvelope are what a careful hand-written call decodes.
type floorInvite struct {
	ID                               string    `json:"id"`
	InvitedMemberID                  string    `json:"invited_member_id"`
	OrganizationID                   string    `json:"organization_id"`
	ExpiresOn                        time.Time `json:"expires_on"`
	InvitedOn                        time.Time `json:"invited_on"`
	InvitedBy                        string    `json:"invited_by"`
	InvitedMemberEmail               string    `json:"invited_member_email"`
	OrganizationIsEnforcingTwofactor bool      `json:"organization_is_enforcing_twofactor"`
	OrganizationName                 string    `json:"organization_name"`
	Roles                            []string  `json:"roles"`
	Status                           string    `json:"status"`
}

type floorMessage struct {
	Code             int    `json:"code"`
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Source           struct {
		Pointer string `json:"pointer"`
	} `json:"source"`
}

type floorEnvelope struct {
	Success  bool           `json:"success"`
	Errors   []floorMessage `json:"errors"`
	Messages []floorMessage `json:"messages"`
	Result   *floorInvite   `json:"result"`
}

// The floor is the best hand-written call, not a naive one: a tuned
// transport shared by all its calls, a request body built once, the
// response read into a pooled buffer and decoded with one json.Unmarshal
// into the typed envelope, and a per-request timeout, as the SDK has.
var (
	floorBody        = []byte(`{"status":"accepted"}`)
	floorEmail       = []string{benchEmail}
	floorKey         = []string{benchKey}
	floorContentType = []string{"application/json"}
	floorBuffers     = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// floorTimeout is the floor's per-request timeout, the SDK's default.
const floorTimeout = 30 * time.Second

// floorEdit is the floor: Respond to Invitation written by hand.
func floorEdit(ctx context.Context, hc *http.Client, baseURL, id string) (*floorInvite, error) {
	ctx, cancel := context.WithTimeout(ctx, floorTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, baseURL+"user/invites/"+id, bytes.NewReader(floorBody))
	if err != nil {
		return nil, err
	}
	req.Header["X-Auth-Email"] = floorEmail
	req.Header["X-Auth-Key"] = floorKey
	req.Header["Content-Type"] = floorContentType
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf := floorBuffers.Get().(*bytes.Buffer)
	defer floorBuffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	var env floorEnvelope
	if err := json.Unmarshal(buf.Bytes(), &env); err != nil {
		return nil, err
	}
	if !env.Success || env.Result == nil {
		return nil, errors.New("floor: call failed")
	}
	return env.Result, nil
}

// floorTransport is the floor's transport, tuned for many concurrent calls
// to one host as a careful hand-written client would be, trusting roots
// when given (for a test server's certificate).
func floorTransport(roots *x509.CertPool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	if roots != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	return t
}

// floorClient is the floor's client: rt, or a new tuned transport.
func floorClient(rt http.RoundTripper) *http.Client {
	if rt == nil {
		rt = floorTransport(nil)
	}
	return &http.Client{Transport: rt}
}

func benchSDK(b *testing.B, baseURL string, rt http.RoundTripper, opts ...cloudflare.Option) *cloudflare.Client {
	b.Helper()
	all := []cloudflare.Option{cloudflare.WithAPIEmail(benchEmail), cloudflare.WithAPIKey(benchKey), cloudflare.WithBaseURL(baseURL)}
	if rt != nil {
		all = append(all, cloudflare.WithHTTPClient(&http.Client{Transport: rt}))
	}
	c, err := cloudflare.NewClient(append(all, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkEdit compares Respond to Invitation through the SDK with the
// floor, over an in-memory transport and over loopback. The sdk-no-retries
// variant shows that retries cost nothing on the happy path.
func BenchmarkEdit(b *testing.B) {
	body := benchFixture(b)
	const memBase = "https://api.cloudflare.com/client/v4/"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	loopBase := srv.URL + "/client/v4/"
	ctx := context.Background()

	for _, tr := range []struct {
		name string
		base string
		rt   func() http.RoundTripper
	}{
		{"transport=memory", memBase, func() http.RoundTripper { return &benchTransport{status: 200, body: body} }},
		{"transport=loopback", loopBase, func() http.RoundTripper { return nil }},
	} {
		b.Run(tr.name+"/impl=floor", func(b *testing.B) {
			hc := floorClient(tr.rt())
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				inv, err := floorEdit(ctx, hc, tr.base, benchInviteID)
				if err != nil || inv.Status != "accepted" {
					b.Fatal(inv, err)
				}
			}
		})
		for _, v := range []struct {
			name string
			opts []cloudflare.Option
		}{
			{"impl=sdk", nil},
			{"impl=sdk-no-retries", []cloudflare.Option{cloudflare.WithMaxRetries(0)}},
		} {
			b.Run(tr.name+"/"+v.name, func(b *testing.B) {
				c := benchSDK(b, tr.base, tr.rt(), v.opts...)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					inv, err := c.User.Invites.Accept(ctx, benchInviteID)
					if err != nil || inv.Status != cloudflare.InviteStatusAccepted {
						b.Fatal(inv, err)
					}
				}
			})
		}
	}
}

// BenchmarkGet, BenchmarkList and BenchmarkAPIError watch the other paths
// of the SDK for regressions, over the in-memory transport.
func BenchmarkGet(b *testing.B) {
	c := benchSDK(b, "https://api.cloudflare.com/client/v4/", &benchTransport{status: 200, body: benchFixture(b)})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.User.Invites.Get(ctx, benchInviteID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList decodes a page of 50 invitations.
func BenchmarkList(b *testing.B) {
	c := benchSDK(b, "https://api.cloudflare.com/client/v4/", &benchTransport{status: 200, body: benchListBody(b, 50)})
	ctx := context.Background()
	params := &cloudflare.InviteListParams{Page: 1, PerPage: 50}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		invites, _, err := c.User.Invites.List(ctx, params)
		if err != nil || len(invites) != 50 {
			b.Fatal(len(invites), err)
		}
	}
}

// BenchmarkAPIError measures a 404 error envelope turned into an *APIError.
func BenchmarkAPIError(b *testing.B) {
	body := []byte(`{"success":false,"errors":[{"code":1003,"message":"Invite not found"}],"messages":[],"result":null}`)
	c := benchSDK(b, "https://api.cloudflare.com/client/v4/", &benchTransport{status: 404, body: body})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, err := c.User.Invites.Get(ctx, benchInviteID)
		if !errors.Is(err, cloudflare.ErrNotFound) {
			b.Fatal(err)
		}
	}
}

// sdkFirst makes BenchmarkParallel run the SDK before the floor on each
// wire. Which goes first changes the state the other finds (heap, closing
// connections of the one before), so bench/run.sh alternates the orders.
var sdkFirst = flag.Bool("sdkfirst", false, "BenchmarkParallel runs the SDK before the floor")

// benchWire is a protocol the parallel benchmark runs over.
type benchWire struct {
	name  string
	tls   bool
	http2 bool
}

// BenchmarkParallel runs 10,000 Edit calls from 64 goroutines per iteration
// against a loopback server, with the SDK's default client and with the
// floor's tuned client, over three wires: plain HTTP/1.1, TLS with HTTP/2
// (as api.cloudflare.com is reached), and TLS with HTTP/1.1 (the server
// offers only it). Both sides use their defaults; over TLS both trust the
// test server's certificate, the SDK through its shared transport. Each
// iteration starts from a new server, so conns/op is the number of
// connections the server accepted for 10,000 calls from cold, and
// closed/op how many of them were closed before the calls ended (churn). It
// also reports calls per second. Each iteration closes its client's idle
// connections, so the next starts from an empty pool. The floor runs first
// unless -sdkfirst is given; bench/run.sh alternates the two orders.
func BenchmarkParallel(b *testing.B) {
	const workers, calls = 64, 10000
	body := benchFixture(b)
	ctx := context.Background()
	impls := []string{"floor", "sdk"}
	if *sdkFirst {
		impls = []string{"sdk", "floor"}
	}
	for _, w := range []benchWire{{"http1", false, false}, {"tls-h2", true, true}, {"tls-http1", true, false}} {
		for _, impl := range impls {
			b.Run("wire="+w.name+"/impl="+impl, func(b *testing.B) {
				var conns, closed atomic.Int64
				var elapsed time.Duration
				var protos sync.Map
				for i := 0; i < b.N; i++ {
					srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
						protos.Store(r.Proto, true)
						_, _ = io.Copy(io.Discard, r.Body)
						rw.Header().Set("Content-Type", "application/json")
						_, _ = rw.Write(body)
					}))
					srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
						switch s {
						case http.StateNew:
							conns.Add(1)
						case http.StateClosed:
							closed.Add(1)
						}
					}
					var roots *x509.CertPool
					if w.tls {
						srv.EnableHTTP2 = w.http2
						srv.StartTLS()
						roots = x509.NewCertPool()
						roots.AddCert(srv.Certificate())
					} else {
						srv.Start()
					}
					base := srv.URL + "/client/v4/"
					var edit func() error
					var closeIdle func()
					if impl == "floor" {
						tr := floorTransport(roots)
						closeIdle = tr.CloseIdleConnections
						hc := &http.Client{Transport: tr}
						edit = func() error { _, err := floorEdit(ctx, hc, base, benchInviteID); return err }
					} else {
						if roots != nil {
							cloudflare.TrustForBenchmarks(roots)
						}
						c := benchSDK(b, base, nil)
						closeIdle = c.CloseIdleConnections
						edit = func() error { _, err := c.User.Invites.Accept(ctx, benchInviteID); return err }
					}
					var next, failed atomic.Int64
					var firstErr atomic.Value
					var wg sync.WaitGroup
					start := time.Now()
					for range workers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for next.Add(1) <= calls {
								if err := edit(); err != nil {
									failed.Add(1)
									firstErr.CompareAndSwap(nil, err)
								}
							}
						}()
					}
					wg.Wait()
					elapsed += time.Since(start)
					closedDuring := closed.Load()
					closeIdle()
					srv.Close()
					closed.Store(closedDuring)
					if n := failed.Load(); n > 0 {
						b.Fatalf("%d calls failed, the first with %v", n, firstErr.Load())
					}
				}
				want := "HTTP/1.1"
				if w.http2 {
					want = "HTTP/2.0"
				}
				protos.Range(func(k, _ any) bool {
					if k != want {
						b.Fatalf("a request came as %v, not %s", k, want)
					}
					return true
				})
				b.ReportMetric(float64(calls*b.N)/elapsed.Seconds(), "calls/s")
				b.ReportMetric(float64(conns.Load())/float64(b.N), "conns/op")
				b.ReportMetric(float64(closed.Load())/float64(b.N), "closed/op")
			})
		}
	}
}

// BenchmarkNewClient measures making a client with the default settings:
// credentials from an option or from the environment, nothing else. The
// transport is shared, so no pool is built per client. With derives a
// client with other credentials from an existing one.
func BenchmarkNewClient(b *testing.B) {
	b.Run("options=token", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := cloudflare.NewClient(cloudflare.WithAPIToken(benchKey)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("options=none", func(b *testing.B) {
		b.Setenv(cloudflare.EnvAPIToken, benchKey)
		b.Setenv(cloudflare.EnvAPIEmail, "")
		b.Setenv(cloudflare.EnvAPIKey, "")
		b.Setenv(cloudflare.EnvBaseURL, "")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := cloudflare.NewClient(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("With", func(b *testing.B) {
		parent, err := cloudflare.NewClient(cloudflare.WithAPIToken(benchKey))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := parent.With(cloudflare.WithAPIToken(benchKey)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
