package cloudflaretest

// This file holds the Server: its options, its life (start, Close, Reset),
// the client wired to it, and the router every request goes through.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// Credentials the fake accepts unless options say otherwise. They are not
// secrets: they only open a fake that listens on loopback.
const (
	// DefaultEmail is the account email accepted with [DefaultAPIKey] as
	// X-Auth-Email. It is also the InvitedMemberEmail of the seed invites.
	DefaultEmail = "user@example.com"
	// DefaultAPIKey is the Global API key accepted as X-Auth-Key: 37
	// lowercase hexadecimal digits, the form of a real one.
	DefaultAPIKey = "fa4ec1a5d3b9e07c2f86d01b5a9e3c7d24b1f"
	// DefaultToken is the API token accepted as "Authorization: Bearer …":
	// 40 characters, the length of a real one.
	DefaultToken = "fake-cloudflare-api-token-0123456789abcd"
)

const (
	apiPrefix    = "/client/v4/"   // every API route lives under it
	resetPath    = "/__fake/reset" // POST puts the seed state back
	maxBodyBytes = 64 << 10        // a larger request body gets 413
)

// Server is a fake of Cloudflare's user-invitations API, listening on
// 127.0.0.1 (or on the listener of [WithListener]). Create one with
// [NewServer] (plain HTTP/1.1) or [NewTLSServer] (TLS, HTTP/2 or HTTP/1.1)
// and stop it with [Server.Close]. All its methods are safe for concurrent
// use, with each other and with the requests it is serving.
type Server struct {
	// URL is the API root to give a client, such as
	// "http://127.0.0.1:41234/client/v4/", with a trailing slash; it starts
	// with https:// for a server made by NewTLSServer.
	URL string

	cfg  serverConfig
	seed []cloudflare.Invite // the invitations Reset restores
	ts   *httptest.Server
	cert *x509.Certificate // nil for a plain server
	done chan struct{}     // closed when Close starts
	once sync.Once

	mu       sync.Mutex // guards everything below
	fixedNow *time.Time // set by SetNow
	invites  map[string]*cloudflare.Invite
	order    []string // invite IDs in the order they were added
	requests []*Request
	faults   []queuedFault

	routes *http.ServeMux // the user's routes (Handle); safe for concurrent use
}

type serverConfig struct {
	email, key, token string
	seed              []cloudflare.Invite
	paged             bool
	now               func() time.Time
	pageSize          int
	listener          net.Listener
}

// ServerOption configures a [Server] in [NewServer]. NewServer panics when an
// option's value is invalid, as a test helper that cannot start should.
type ServerOption func(*serverConfig)

// WithCredentials sets the email and Global API key the fake accepts as
// X-Auth-Email and X-Auth-Key, instead of [DefaultEmail] and
// [DefaultAPIKey]. The key must be 32 to 64 hexadecimal digits and the email
// must look like one; both empty turns API-key authentication off, so only
// the token is accepted.
func WithCredentials(email, key string) ServerOption {
	return func(c *serverConfig) { c.email, c.key = email, key }
}

// WithToken sets the API token the fake accepts as "Authorization: Bearer
// <token>", instead of [DefaultToken]. The token must be 32 to 256
// characters from A-Z, a-z, 0-9 and "-._~+/="; empty turns token
// authentication off.
func WithToken(token string) ServerOption { return func(c *serverConfig) { c.token = token } }

// WithoutSeed starts the fake with no invitations instead of the seed ones
// (see [SeedInvites]).
func WithoutSeed() ServerOption { return WithSeed() }

// WithSeed starts the fake with the given invitations, in this order,
// instead of the seed ones (see [SeedInvites]). Each is stored as
// [Server.AddInvite] stores it, defaults filled in once, so that
// [Server.Reset] restores exactly the same invitations. NewServer panics if
// one breaks the schema, as AddInvite does.
func WithSeed(invites ...cloudflare.Invite) ServerOption {
	return func(c *serverConfig) { c.seed = invites }
}

// WithNow sets the fake's clock, which decides when an invitation has
// expired and is the default InvitedOn of [Server.AddInvite]. The default is
// time.Now; [Server.SetNow] stops the clock at a given time. The function
// is called with the server's lock held: it must be safe for concurrent use
// and must not call the Server's methods.
func WithNow(now func() time.Time) ServerOption {
	return func(c *serverConfig) { c.now = now }
}

// WithPageSize makes the fake page its list, so that code that pages can be
// tested: GET /user/invites then honours the query parameters page (default
// 1) and per_page (default n, at most n or 50, whichever is larger), and a
// bad value of either gets 400 with code 1105. Without it the fake serves
// the list as the API reference documents it (see the package
// documentation). n must be at least 1.
func WithPageSize(n int) ServerOption { return func(c *serverConfig) { c.pageSize, c.paged = n, true } }

// WithListener makes the server accept connections on ln, a TCP listener,
// instead of on a new one on 127.0.0.1; Close closes ln. [Server.URL] names
// its address, with 127.0.0.1 in place of an unspecified one such as
// 0.0.0.0. A listener that is not on loopback exposes the fake, whose
// credentials are public, to the network.
func WithListener(ln net.Listener) ServerOption { return func(c *serverConfig) { c.listener = ln } }

// check returns why the configuration is unusable, or "".
func (c *serverConfig) check() string {
	switch {
	case c.now == nil:
		return "WithNow: nil clock"
	case (c.email == "") != (c.key == ""):
		return "WithCredentials: give both an email and a key, or neither"
	case c.key != "" && (!wellFormedEmail(c.email) || !wellFormedKey(c.key)):
		return "WithCredentials: a malformed email or key"
	case c.token != "" && !wellFormedToken(c.token):
		return "WithToken: a malformed token"
	case c.key == "" && c.token == "":
		return "no credentials: give WithCredentials or WithToken"
	case c.paged && c.pageSize < 1:
		return "WithPageSize: n must be at least 1"
	}
	for i, inv := range c.seed {
		if reason := checkInvite(inv, true); reason != "" {
			return fmt.Sprintf("WithSeed: invitation %d: %s", i, reason)
		}
	}
	return ""
}

// NewServer starts a fake API on 127.0.0.1, over plain HTTP/1.1, with the
// seed invitations (see [SeedInvites]) unless [WithoutSeed] or [WithSeed]
// is given, and returns it. Stop it with [Server.Close], typically in
// t.Cleanup. Like httptest.NewServer, it panics if it cannot listen or an
// option is invalid.
func NewServer(opts ...ServerOption) *Server { return newServer("NewServer", false, opts) }

// NewTLSServer is like [NewServer], over TLS with a self-signed certificate
// it makes for 127.0.0.1, ::1, localhost and the listener's IP. It
// negotiates HTTP/2 with clients that offer it ("h2" in ALPN, as Go's
// default transport does) and HTTP/1.1 with the others. [Server.Client]
// returns a client that trusts the certificate; [Server.Certificate] gives
// it to other clients.
func NewTLSServer(opts ...ServerOption) *Server { return newServer("NewTLSServer", true, opts) }

func newServer(name string, useTLS bool, opts []ServerOption) *Server {
	cfg := serverConfig{email: DefaultEmail, key: DefaultAPIKey, token: DefaultToken, now: time.Now, seed: SeedInvites()}
	for _, o := range opts {
		if o == nil {
			panic("cloudflaretest: " + name + ": nil ServerOption")
		}
		o(&cfg)
	}
	if reason := cfg.check(); reason != "" {
		panic("cloudflaretest: " + name + ": " + reason)
	}
	ln := cfg.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			panic("cloudflaretest: " + name + ": cannot listen on 127.0.0.1: " + err.Error())
		}
	}
	s := &Server{cfg: cfg, done: make(chan struct{}), invites: map[string]*cloudflare.Invite{}, routes: http.NewServeMux()}
	for _, inv := range cfg.seed {
		s.AddInvite(inv)
	}
	for _, id := range s.order { // an ID that came twice was replaced in place
		s.seed = append(s.seed, copyInvite(*s.invites[id]))
	}
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		panic("cloudflaretest: " + name + ": WithListener: not a TCP listener")
	}
	host := addr.IP
	if host.IsUnspecified() {
		host = net.IPv4(127, 0, 0, 1)
	}
	s.URL = "http://" + net.JoinHostPort(host.String(), strconv.Itoa(addr.Port)) + apiPrefix
	s.ts = &httptest.Server{Listener: ln, EnableHTTP2: useTLS, Config: &http.Server{
		Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
	}}
	if !useTLS {
		s.ts.Start()
		return s
	}
	cert, err := newCertificate(addr.IP)
	if err != nil {
		_ = ln.Close()
		panic("cloudflaretest: " + name + ": cannot make a certificate: " + err.Error())
	}
	s.cert, s.URL = cert.Leaf, "https"+strings.TrimPrefix(s.URL, "http")
	s.ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	s.ts.StartTLS()
	return s
}

// newCertificate makes the self-signed ECDSA certificate of a TLS server,
// for 127.0.0.1, ::1, localhost and ip (the listener's, when it is another
// specified one), valid from an hour ago for a year.
func newCertificate(ip net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if !ip.IsUnspecified() && !ip.IsLoopback() {
		ips = append(ips, ip)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "cloudflaretest"}, // OpenSSL refuses an empty issuer name
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           ips,
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, err
}

// Certificate returns the certificate of a server made by [NewTLSServer],
// for clients other than [Server.Client] to trust, or nil for a plain
// server:
//
//	pool := x509.NewCertPool()
//	pool.AddCert(srv.Certificate())
//	transport.TLSClientConfig = &tls.Config{RootCAs: pool}
func (s *Server) Certificate() *x509.Certificate { return s.cert }

// Client returns a client of the SDK wired to the fake: its base URL is
// s.URL, its credentials are the fake's email and API key (or its token,
// when API-key authentication is off: see [WithCredentials]), and it waits
// 1 to 16 ms between retries (cloudflare.WithRetryBackoff(time.Millisecond,
// 16*time.Millisecond)) instead of the SDK's default of half a second and
// more, so a test whose injected faults are retried runs in milliseconds.
// A response's Retry-After replaces that wait, as for any client of the
// SDK, and is in whole seconds: each "Retry-After: 1" costs the test a
// second, while RateLimited(0) sends "Retry-After: 0", retried at once (see
// [RateLimited]). For a server made by [NewTLSServer] it sends with an
// *http.Client that trusts the server's certificate and negotiates HTTP/2.
// opts are applied after these, so they override them (the SDK refuses a
// token on top of the fake's key: for a client with a token, start the fake
// with WithCredentials("", "")).
func (s *Server) Client(opts ...cloudflare.Option) (*cloudflare.Client, error) {
	base := []cloudflare.Option{
		cloudflare.WithBaseURL(s.URL),
		cloudflare.WithRetryBackoff(time.Millisecond, 16*time.Millisecond),
		cloudflare.WithAPIEmail(s.cfg.email), cloudflare.WithAPIKey(s.cfg.key),
	}
	if s.cfg.key == "" {
		base = append(base[:2], cloudflare.WithAPIToken(s.cfg.token))
	}
	if s.cert != nil {
		base = append(base, cloudflare.WithHTTPClient(s.ts.Client()))
	}
	return cloudflare.NewClient(append(base, opts...)...)
}

// Handler returns the fake's HTTP handler, for serving it from a server of
// your own (such as an httptest.Server, or a mux that fakes other APIs too)
// besides its own listener. Requests served through it share the Server's
// state, faults, request log and routes. It expects the API's paths as they
// are, under /client/v4/: mount it at the root. Close ends its delays. To
// fake other endpoints of the API beside it, add them with [Server.Handle]
// rather than on a mux in front of it, so that faults, credentials and the
// log apply to them too.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// SetNow stops the fake's clock at now until SetNow is called again,
// whatever [WithNow] says; [Server.Reset] restarts the clock of WithNow.
func (s *Server) SetNow(now time.Time) {
	s.mu.Lock()
	s.fixedNow = &now
	s.mu.Unlock()
}

// now returns the fake's time. It is called with s.mu held.
func (s *Server) now() time.Time {
	if s.fixedNow != nil {
		return *s.fixedNow
	}
	return s.cfg.now()
}

// Reset puts the server back as NewServer left it: the seed invitations
// (exactly as first stored, including any ID or time filled in), no other
// invitation, no recorded request, no queued fault, and the clock of
// [WithNow]. Routes added with [Server.Handle] stay. POST /__fake/reset
// does the same over HTTP.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixedNow, s.requests, s.faults = nil, nil, nil
	s.invites = make(map[string]*cloudflare.Invite, len(s.seed))
	s.order = s.order[:0]
	for _, inv := range s.seed {
		stored := copyInvite(inv)
		s.invites[inv.ID] = &stored
		s.order = append(s.order, inv.ID)
	}
}

// Close stops the server: it stops listening, ends any delay in progress,
// and returns once every request being served has finished and every
// connection is closed. Calling it again does nothing.
func (s *Server) Close() {
	s.once.Do(func() { close(s.done) })
	s.ts.Close()
}

// serveHTTP reads and records the request and responds to it, with the
// first queued fault that targets it if any.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == resetPath {
		s.send(w, nil, s.resetOverHTTP(r))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	in := &incoming{r: r, body: body, tooLarge: errors.As(err, &tooLarge)}
	in.rec = s.record(in)
	if f, ok := s.nextFault(in.rec); ok {
		s.serveFault(w, in, f)
		return
	}
	s.send(w, in.rec, s.reply(in))
}

// incoming is a request with its body read.
type incoming struct {
	r        *http.Request
	body     []byte
	tooLarge bool
	rec      *Request // this request in the log, for its status
}

// resetOverHTTP serves POST /__fake/reset, from loopback only.
func (s *Server) resetOverHTTP(r *http.Request) response {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	switch ip := net.ParseIP(host); {
	case r.Method != http.MethodPost:
		return methodNotAllowed(r.Method, http.MethodPost)
	case ip == nil || !ip.IsLoopback():
		return failure(http.StatusForbidden, info(1108, "/__fake/reset is accepted only from a loopback address"))
	}
	s.Reset()
	return success(nil, nil)
}

// pause waits for d. If the client goes away or the server closes first, it
// aborts the handler, so no response at all is written.
func (s *Server) pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
		panic(http.ErrAbortHandler)
	case <-s.done:
		panic(http.ErrAbortHandler)
	}
}
