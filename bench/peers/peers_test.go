// Package peers compares the SDK with the clients a user would pick
// instead, in one test binary: cloudflare-go v0.119.0, cloudflare-go v6.10.0
// and the plain net/http floor (clients_test.go says how each is used).
// Every benchmark has a sub-benchmark per client, client=NAME, so that
// benchstat -col /client puts them side by side; bench/peers.sh runs them
// interleaved:
//
//	bash bench/peers.sh 10
//
// TestRequestsAreEquivalent checks that every client sends the same
// request: method, URL, JSON body, credential headers and Content-Type.
package peers

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync/atomic"
	"testing"

	cfv0 "github.com/cloudflare/cloudflare-go"
	cfv6 "github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/option"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// TestMain clears the environment variables the SDK and v6 read, so every
// client runs with exactly the credentials it is given.
func TestMain(m *testing.M) {
	for _, v := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_USER_SERVICE_KEY"} {
		_ = os.Unsetenv(v)
	}
	os.Exit(m.Run())
}

// sink keeps results alive, so that no constructor is optimised away.
var sink any

// eachClient runs f as the sub-benchmark client=NAME of every client.
func eachClient(b *testing.B, f func(b *testing.B, name string)) {
	for _, name := range clients {
		b.Run("client="+name, func(b *testing.B) { f(b, name) })
	}
}

func mustEdit(b *testing.B, name, host string, hc *http.Client) editFunc {
	b.Helper()
	edit, err := newEdit(name, host, hc, tokenCreds)
	if err != nil {
		b.Fatal(err)
	}
	return edit
}

func call(b *testing.B, ctx context.Context, edit editFunc) {
	if status, err := edit(ctx); err != nil || status != "accepted" {
		b.Fatal(status, err)
	}
}

// BenchmarkEditMemory is Respond to Invitation over an in-memory
// http.RoundTripper: only client-side work.
func BenchmarkEditMemory(b *testing.B) {
	eachClient(b, func(b *testing.B, name string) {
		edit := mustEdit(b, name, memBase, &http.Client{Transport: memTransport{}})
		ctx := context.Background()
		call(b, ctx, edit) // warm: first-use setup of any client is not timed
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			call(b, ctx, edit)
		}
	})
}

// server starts an HTTP/1.1 loopback server that answers with the canned
// response and counts requests and the connections it accepts.
func server(b *testing.B) (srv *httptest.Server, reqs, conns *atomic.Int64) {
	reqs, conns = new(atomic.Int64), new(atomic.Int64)
	srv = httptest.NewUnstartedServer(handler(func() { reqs.Add(1) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	b.Cleanup(srv.Close)
	return srv, reqs, conns
}

// noRetries fails b when the server saw more requests than calls were made:
// a retry would hide a client's backoff sleep inside the timings.
func noRetries(b *testing.B, reqs *atomic.Int64, calls int) {
	if got := reqs.Load(); got != int64(calls) {
		b.Fatalf("%d calls made %d requests", calls, got)
	}
}

// BenchmarkEditLoopback is Respond to Invitation, one call at a time, to an
// HTTP/1.1 server on loopback, through each client's default transport
// setup (sequential calls reuse one connection with all of them).
func BenchmarkEditLoopback(b *testing.B) {
	eachClient(b, func(b *testing.B, name string) {
		srv, reqs, _ := server(b)
		edit := mustEdit(b, name, srv.URL, nil)
		ctx := context.Background()
		call(b, ctx, edit)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			call(b, ctx, edit)
		}
		b.StopTimer()
		noRetries(b, reqs, b.N+1)
	})
}

// goroutines is how many callers BenchmarkParallel runs at once.
const goroutines = 64

// BenchmarkParallel is Respond to Invitation from 64 goroutines sharing one
// client, to an HTTP/1.1 server on loopback, through each client's default
// transport setup: calls/s, and the connections the server accepted in the
// timed run (conns) and per 1,000 calls (conns/kcall). Clients on
// http.DefaultTransport keep 2 idle connections per host and open new ones
// for the other callers.
func BenchmarkParallel(b *testing.B) {
	eachClient(b, func(b *testing.B, name string) {
		srv, reqs, conns := server(b)
		edit := mustEdit(b, name, srv.URL, nil)
		ctx := context.Background()
		call(b, ctx, edit)
		reqs.Store(0)
		conns.Store(0)
		b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if status, err := edit(ctx); err != nil || status != "accepted" {
					b.Error(status, err)
					return
				}
			}
		})
		b.StopTimer()
		noRetries(b, reqs, b.N)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		b.ReportMetric(float64(conns.Load()), "conns")
		b.ReportMetric(float64(conns.Load())*1000/float64(b.N), "conns/kcall")
	})
}

// newClient builds client name with credentials cr and everything else
// default: the cost of a client per tenant or per request.
func newClient(b *testing.B, name string, cr creds) any {
	switch name {
	case "sdk":
		var c *cloudflare.Client
		var err error
		if cr.token != "" {
			c, err = cloudflare.NewClient(cloudflare.WithAPIToken(cr.token))
		} else {
			c, err = cloudflare.NewClient(cloudflare.WithAPIEmail(cr.email), cloudflare.WithAPIKey(cr.key))
		}
		if err != nil {
			b.Fatal(err)
		}
		return c
	case "v0119":
		var api *cfv0.API
		var err error
		if cr.token != "" {
			api, err = cfv0.NewWithAPIToken(cr.token)
		} else {
			api, err = cfv0.New(cr.key, cr.email)
		}
		if err != nil {
			b.Fatal(err)
		}
		return api
	case "v6":
		if cr.token != "" {
			return cfv6.NewClient(option.WithAPIToken(cr.token))
		}
		return cfv6.NewClient(option.WithAPIEmail(cr.email), option.WithAPIKey(cr.key))
	case "floor":
		return newFloorClient(memBase, nil, cr)
	}
	b.Fatalf("no client %q", name)
	return nil
}

// BenchmarkNewClientToken is NewClient with an API token.
func BenchmarkNewClientToken(b *testing.B) {
	eachClient(b, func(b *testing.B, name string) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sink = newClient(b, name, tokenCreds)
		}
	})
}

// BenchmarkNewClientEmailKey is NewClient with an API email and key.
func BenchmarkNewClientEmailKey(b *testing.B) {
	eachClient(b, func(b *testing.B, name string) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sink = newClient(b, name, keyCreds)
		}
	})
}

// BenchmarkWithToken is the SDK's Client.With(WithAPIToken(other)) on a
// client made with a token: compare with BenchmarkNewClientToken/client=sdk.
// Only the SDK has With; the peers build a new client.
func BenchmarkWithToken(b *testing.B) {
	b.Run("client=sdk", func(b *testing.B) {
		parent, err := cloudflare.NewClient(cloudflare.WithAPIToken(token))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, err := parent.With(cloudflare.WithAPIToken(token2))
			if err != nil {
				b.Fatal(err)
			}
			sink = c
		}
	})
}

// BenchmarkWithEmailKey is Client.With(WithAPIEmail, WithAPIKey) on a
// client made with a token: compare with BenchmarkNewClientEmailKey/client=sdk.
func BenchmarkWithEmailKey(b *testing.B) {
	b.Run("client=sdk", func(b *testing.B) {
		parent, err := cloudflare.NewClient(cloudflare.WithAPIToken(token))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, err := parent.With(cloudflare.WithAPIEmail(email), cloudflare.WithAPIKey(apiKey))
			if err != nil {
				b.Fatal(err)
			}
			sink = c
		}
	})
}
