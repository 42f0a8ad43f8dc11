package cloudflaretest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
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

// apiPrefix is the path every route lives under; a request that lost it
// gets 404 with [CodeNoRoute].
const apiPrefix = "/client/v4/"

// maxBodyBytes bounds how much of a request body the fake reads; a larger
// body gets 413 with [CodeBodyTooLarge].
const maxBodyBytes = 64 << 10

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

	cfg    serverConfig
	seed   []Invite // the invitations Reset restores, defaults filled in
	srv    *http.Server
	cert   *x509.Certificate // nil for a plain server
	hc     *http.Client      // trusts cert; nil for a plain server
	served chan struct{}     // closed when Serve returns
	done   chan struct{}     // closed when Close starts
	conns  sync.WaitGroup
	once   sync.Once

	mu       sync.Mutex
	closed   bool
	fixedNow *time.Time // set by SetNow
	invites  map[string]*Invite
	order    []string // invite IDs in the order they were added
	requests []*Request

	faultMu sync.Mutex // guards faults; when both are held, taken before mu
	faults  []queuedFault
}

// serverConfig collects the options of NewServer.
type serverConfig struct {
	email, key, token string
	seed              []Invite
	seedSet           bool // WithSeed or WithoutSeed was given
	now               func() time.Time
	latency           time.Duration
	pageSize          int
	listener          net.Listener
	maxStreams        int
	observe           func(exchange) // set only by this package's tests
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
func WithToken(token string) ServerOption {
	return func(c *serverConfig) { c.token = token }
}

// WithoutSeed starts the fake with no invitations instead of the seed ones
// (see [SeedInvites]). Add invitations with [Server.AddInvite].
func WithoutSeed() ServerOption {
	return WithSeed()
}

// WithSeed starts the fake with the given invitations, in this order,
// instead of the seed ones (see [SeedInvites]); none starts it empty. Each is
// stored as [Server.AddInvite] stores it, defaults filled in once, so that
// [Server.Reset] restores exactly the same invitations. NewServer panics if
// one breaks the schema, as AddInvite does.
func WithSeed(invites ...Invite) ServerOption {
	return func(c *serverConfig) {
		c.seed = make([]Invite, len(invites))
		for i, inv := range invites {
			c.seed[i] = copyInvite(inv)
		}
		c.seedSet = true
	}
}

// WithNow sets the fake's clock, which decides when an invitation has
// expired and is the default InvitedOn of [Server.AddInvite]. The default is
// time.Now; [Server.SetNow] stops the clock at a given time later. The
// function is called from the server's goroutines, with the server's lock
// held: it must be safe for concurrent use and must not call the Server's
// methods.
func WithNow(now func() time.Time) ServerOption {
	return func(c *serverConfig) { c.now = now }
}

// WithPageSize makes the fake page its list, so that code that pages can be
// tested: GET /user/invites then honours the query parameters page (default
// 1) and per_page (default n, at most n or 50, whichever is larger), and a
// bad value of either gets 400 with [CodeInvalidPaging].
//
// Without it the fake serves the list as the API reference documents it:
// with no query parameters, every invitation in one response, whose
// result_info says page 1, per_page and count the number of invitations,
// and total_count the same; any query string is ignored. The paging
// parameters, their limits and CodeInvalidPaging are the fake's own choice:
// the API reference lists none. n must be at least 1.
func WithPageSize(n int) ServerOption {
	return func(c *serverConfig) {
		c.pageSize = n
		if n < 1 {
			c.pageSize = -1 // refused by check
		}
	}
}

// WithListener makes the server accept connections on ln instead of on a
// new listener on 127.0.0.1, port chosen by the system; Close closes ln.
// ln must be a TCP listener. Its address gives [Server.URL], with 127.0.0.1
// in place of an unspecified address such as 0.0.0.0; a [NewTLSServer]
// certificate covers its IP too. A listener that is not on loopback
// exposes the fake, whose credentials are public, to the network; the SDK
// also refuses a plain-http base URL that is not loopback, so serve such a
// listener with NewTLSServer.
func WithListener(ln net.Listener) ServerOption {
	return func(c *serverConfig) { c.listener = ln }
}

// WithLatency delays every response by d, before any fault is applied. The
// wait ends early when the client goes away or the server closes.
func WithLatency(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.latency = d }
}

// WithMaxConcurrentStreams sets how many HTTP/2 streams a client may have
// open at once on one connection of a [NewTLSServer] server (the server
// announces it in its SETTINGS frame; the default is net/http's, 250). Go's
// client opens more connections when one is full. It has no effect on
// HTTP/1.1.
func WithMaxConcurrentStreams(n int) ServerOption {
	return func(c *serverConfig) { c.maxStreams = n }
}

// withObserver makes the server report every response it writes; it is for
// this package's tests.
func withObserver(f func(exchange)) ServerOption {
	return func(c *serverConfig) { c.observe = f }
}

// check returns why the configuration is unusable, or "".
func (c *serverConfig) check() string {
	switch {
	case c.now == nil:
		return "WithNow: nil clock"
	case c.latency < 0:
		return "WithLatency: negative duration"
	case c.maxStreams < 0:
		return "WithMaxConcurrentStreams: negative"
	case (c.email == "") != (c.key == ""):
		return "WithCredentials: give both an email and a key, or neither"
	case c.email != "" && !wellFormedEmail(c.email):
		return "WithCredentials: the email does not look like one"
	case c.key != "" && !wellFormedKey(c.key):
		return "WithCredentials: the key is not 32 to 64 hexadecimal digits"
	case c.token != "" && !wellFormedToken(c.token):
		return "WithToken: the token is not 32 to 256 token characters"
	case c.key == "" && c.token == "":
		return "no credentials: give WithCredentials or WithToken"
	case c.pageSize < 0:
		return "WithPageSize: n must be at least 1"
	case c.listener != nil && !isTCP(c.listener.Addr()):
		return "WithListener: not a TCP listener"
	}
	for i, inv := range c.seed {
		if reason := checkInvite(inv, true); reason != "" {
			return fmt.Sprintf("WithSeed: invitation %d: %s", i, reason)
		}
	}
	return ""
}

func isTCP(a net.Addr) bool {
	_, ok := a.(*net.TCPAddr)
	return ok
}

// NewServer starts a fake API on 127.0.0.1, over plain HTTP/1.1, with the
// seed invitations (see [SeedInvites]) unless [WithoutSeed] or [WithSeed]
// is given, and returns it. Stop it with [Server.Close], typically in
// t.Cleanup. Like httptest.NewServer, it panics if it cannot listen or an
// option is invalid.
func NewServer(opts ...ServerOption) *Server {
	return newServer("NewServer", false, opts)
}

// NewTLSServer is like [NewServer], over TLS with a self-signed certificate
// it makes for 127.0.0.1, ::1, localhost and the listener's IP. It
// negotiates HTTP/2 with clients that offer it in ALPN ("h2", as Go's
// default transport does) and HTTP/1.1 with the others. [Server.Client] returns a client that trusts the
// certificate; [Server.Certificate] gives it to other clients.
func NewTLSServer(opts ...ServerOption) *Server {
	return newServer("NewTLSServer", true, opts)
}

func newServer(name string, useTLS bool, opts []ServerOption) *Server {
	cfg := serverConfig{email: DefaultEmail, key: DefaultAPIKey, token: DefaultToken, now: time.Now}
	for _, o := range opts {
		if o == nil {
			panic("cloudflaretest: " + name + ": nil ServerOption")
		}
		o(&cfg)
	}
	if reason := cfg.check(); reason != "" {
		panic("cloudflaretest: " + name + ": " + reason)
	}
	if !cfg.seedSet {
		cfg.seed = SeedInvites()
	}
	ln := cfg.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			panic("cloudflaretest: " + name + ": cannot listen on 127.0.0.1: " + err.Error())
		}
	}
	s := &Server{
		URL:     "http://" + urlHost(ln.Addr().(*net.TCPAddr)) + apiPrefix,
		cfg:     cfg,
		served:  make(chan struct{}),
		done:    make(chan struct{}),
		invites: make(map[string]*Invite),
	}
	for _, inv := range cfg.seed {
		s.AddInvite(inv)
	}
	// The seed Reset restores is the state just made: an invitation whose
	// ID came again was replaced in place, as AddInvite does.
	for _, id := range s.order {
		s.seed = append(s.seed, copyInvite(*s.invites[id]))
	}
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ConnState:         s.connState,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if useTLS {
		ln = s.startTLS(name, ln)
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	return s
}

// urlHost returns the host:port a client reaches a listener's address at:
// 127.0.0.1 in place of an unspecified IP (Go listens on both IPv4 and IPv6
// for "0.0.0.0" and "[::]").
func urlHost(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(a.Port))
}

// startTLS makes the server's certificate and returns a listener that
// terminates TLS; the http.Server then serves HTTP/1.1, and HTTP/2 to
// clients that negotiated it (see tls.go).
func (s *Server) startTLS(name string, ln net.Listener) net.Listener {
	cert, leaf, err := newCertificate(ln.Addr().(*net.TCPAddr).IP)
	if err != nil {
		_ = ln.Close()
		panic("cloudflaretest: " + name + ": cannot make a certificate: " + err.Error())
	}
	s.cert = leaf
	s.URL = "https://" + urlHost(ln.Addr().(*net.TCPAddr)) + apiPrefix
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	s.srv.Protocols = &protocols
	s.srv.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: s.cfg.maxStreams}
	s.srv.ConnContext = connContext
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	s.hc = &http.Client{Transport: &http.Transport{
		// Tuned as the SDK's own transport is, so that many concurrent
		// callers reuse connections.
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
	}}
	return tlsListener{Listener: ln, config: &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"h2", "http/1.1"},
		MinVersion:   tls.VersionTLS12,
	}}
}

// Certificate returns the certificate of a server made by [NewTLSServer],
// for clients other than [Server.Client] to trust, or nil for a plain
// server:
//
//	pool := x509.NewCertPool()
//	pool.AddCert(srv.Certificate())
//	transport.TLSClientConfig = &tls.Config{RootCAs: pool}
func (s *Server) Certificate() *x509.Certificate { return s.cert }

// Handler returns the fake's HTTP handler, for serving it from a server of
// your own (such as an httptest.Server, or a mux that fakes other APIs too)
// besides its own listener. Requests served through it share the Server's
// state, faults and request log. It expects the API's paths as they are,
// under /client/v4/: mount it at the root, or at "/client/v4/" of a mux.
// Close still ends its delays; the Server's own listener keeps serving
// until Close. HTTP/2 stream resets ([ResetStream]) need the Server's own
// TLS listener: through Handler they reset with INTERNAL_ERROR.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

// SetNow stops the fake's clock at now: from then on, the fake's time is
// now until SetNow is called again, whatever [WithNow] says. It decides
// which pending invitations have expired, and the default InvitedOn of
// [Server.AddInvite]. [Server.Reset] restarts the clock of WithNow.
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
// [WithNow]. Requests being served at the time finish on the new state.
func (s *Server) Reset() {
	s.mu.Lock()
	s.fixedNow = nil
	s.invites = make(map[string]*Invite, len(s.seed))
	s.order = make([]string, 0, len(s.seed))
	for _, inv := range s.seed {
		stored := copyInvite(inv)
		s.invites[inv.ID] = &stored
		s.order = append(s.order, inv.ID)
	}
	s.requests = nil
	s.mu.Unlock()
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

// connState counts open connections so Close can wait for all of them. A
// connection that arrives once Close has begun is closed at once.
func (s *Server) connState(c net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.conns.Add(1)
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			_ = c.Close()
		}
	case http.StateHijacked, http.StateClosed:
		s.conns.Done()
	}
}

// Close stops the server: it stops listening, cuts every connection, ends
// any delay in progress, and returns once every goroutine the server started
// has finished. Calling it again does nothing.
func (s *Server) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.done)
		_ = s.srv.Close()
		<-s.served
		s.conns.Wait()
		if s.hc != nil {
			s.hc.CloseIdleConnections()
		}
	})
}

// The retry backoff of the clients [Server.Client] returns, where the SDK's
// default is 500 ms doubling to 8 s: a test whose injected faults are
// retried runs in milliseconds. A Retry-After header (see [RateLimited]) is
// still waited for as the server asks.
const (
	// FastRetryBackoffMin is the shortest wait before a retry (the first
	// retry waits 1 to 1.5 ms).
	FastRetryBackoffMin = time.Millisecond
	// FastRetryBackoffMax is the longest wait before a retry.
	FastRetryBackoffMax = 16 * time.Millisecond
)

// Client returns a client of the SDK wired to the fake: its base URL is
// s.URL, its credentials are the fake's email and API key (or its token,
// when API-key authentication is off), and its retry backoff runs from
// [FastRetryBackoffMin] to [FastRetryBackoffMax] (cloudflare.WithRetryBackoff
// in opts restores a slower one). For a server made by [NewTLSServer]
// it sends with an *http.Client of the server's own, whose transport trusts
// the server's certificate and negotiates HTTP/2; its connections are closed
// by [Server.Close]. opts are applied after these, so they override them: a
// different email or key replaces the fake's one, and a
// [cloudflare.WithHTTPClient] must then trust [Server.Certificate] itself.
//
// The SDK refuses a token together with a key, so when opts carry
// credentials of their own that cannot be mixed with the fake's (such as
// [cloudflare.WithAPIToken]), the client is built from the base URL and opts
// alone. Either way credentials never come from the environment.
func (s *Server) Client(opts ...cloudflare.Option) (*cloudflare.Client, error) {
	base := []cloudflare.Option{
		cloudflare.WithBaseURL(s.URL),
		cloudflare.WithRetryBackoff(FastRetryBackoffMin, FastRetryBackoffMax),
	}
	if s.hc != nil {
		base = append(base, cloudflare.WithHTTPClient(s.hc))
	}
	ours := []cloudflare.Option{cloudflare.WithAPIEmail(s.cfg.email), cloudflare.WithAPIKey(s.cfg.key)}
	if s.cfg.key == "" {
		ours = []cloudflare.Option{cloudflare.WithAPIToken(s.cfg.token)}
	}
	c, err := cloudflare.NewClient(append(append(base, ours...), opts...)...)
	var ve *cloudflare.ValidationError
	if errors.As(err, &ve) && ve.Field == "credentials" {
		return cloudflare.NewClient(append(base, opts...)...)
	}
	return c, err
}

// incoming is a request with its body read.
type incoming struct {
	r        *http.Request
	body     []byte
	tooLarge bool
	rec      *Request // this request in the log, for its status
}

// serveHTTP reads and records the request, waits out any latency, and
// responds to it, with the first queued fault that targets it if any.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	in := readRequest(w, r)
	in.rec = s.record(in)
	s.pause(r.Context(), s.cfg.latency)
	if f, ok := s.nextFault(in.rec); ok {
		s.serveFault(w, in, f)
		return
	}
	s.send(w, in, s.reply(in), nil)
}

// readRequest reads at most maxBodyBytes of the body.
func readRequest(w http.ResponseWriter, r *http.Request) *incoming {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	return &incoming{r: r, body: body, tooLarge: errors.As(err, &tooLarge)}
}

// pause waits for d. If the client goes away or the server closes first, it
// aborts the handler, so no response at all is written.
func (s *Server) pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		panic(http.ErrAbortHandler)
	case <-s.done:
		panic(http.ErrAbortHandler)
	}
}

// operation is one of the API's operations.
type operation int

const (
	opList operation = iota + 1
	opGet
	opEdit
)

// reply routes a request, authenticates it, runs its operation and returns
// the response to send. Routing comes first, as on the real API: a bad
// route or identifier is reported without looking at credentials.
func (s *Server) reply(in *incoming) response {
	if in.tooLarge {
		return failure(http.StatusRequestEntityTooLarge, info(CodeBodyTooLarge, "Request body is larger than 65536 bytes"))
	}
	op, id, fail := route(in.r)
	if fail != nil {
		return *fail
	}
	if fail := s.authenticate(in.r.Header); fail != nil {
		return *fail
	}
	switch op {
	case opList:
		return s.list(in.r.URL.Query())
	case opGet:
		return s.get(id)
	}
	return s.edit(id, in)
}

// route matches the path and method:
//
//	GET   /client/v4/user/invites
//	GET   /client/v4/user/invites/{invite_id}
//	PATCH /client/v4/user/invites/{invite_id}
func route(r *http.Request) (operation, string, *response) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), apiPrefix)
	segs := strings.Split(rest, "/")
	if !ok || len(segs) < 2 || len(segs) > 3 || segs[0] != "user" || segs[1] != "invites" {
		return 0, "", noRoute()
	}
	if len(segs) == 2 {
		if r.Method != http.MethodGet {
			return 0, "", methodNotAllowed(r.Method, http.MethodGet)
		}
		return opList, "", nil
	}
	if segs[2] == "" {
		return 0, "", noRoute()
	}
	op := opGet
	switch r.Method {
	case http.MethodGet:
	case http.MethodPatch:
		op = opEdit
	default:
		return 0, "", methodNotAllowed(r.Method, http.MethodGet+", "+http.MethodPatch)
	}
	id, err := url.PathUnescape(segs[2])
	if err != nil || !validID(id) {
		resp := failure(http.StatusBadRequest, info(CodeInvalidIdentifier,
			"Could not route to /user/invites/"+segs[2]+", perhaps your object identifier is invalid?"))
		return 0, "", &resp
	}
	return op, id, nil
}

func noRoute() *response {
	resp := failure(http.StatusNotFound, info(CodeNoRoute, "No route for that URI"))
	return &resp
}

func methodNotAllowed(method, allow string) *response {
	resp := failure(http.StatusMethodNotAllowed, info(CodeMethodNotAllowed, "Method "+method+" not available for that URI."))
	resp.header = http.Header{"Allow": {allow}}
	return &resp
}

// validID reports whether id can name an invitation: 1 to 32 ASCII letters,
// digits, '-' or '_' (the schema's maxLength is 32).
func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}
