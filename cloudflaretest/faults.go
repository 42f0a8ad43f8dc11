package cloudflaretest

import (
	"bytes"
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// Fault describes a response that goes wrong. Queue faults with
// [Server.FailNext], for any request or for those a [Target] selects; the
// helpers [RateLimited], [ServerError], [BadGatewayHTML], [Malformed],
// [Slow], [DropConnection], [Redirect], [AppliedThenDropped] and
// [AppliedThenMalformed] build the common ones.
//
// A fault is applied in this order: Commit, Delay, then the first of Drop,
// RedirectTo, Truncate, and Status or Body. A fault with none of these
// responds normally after its Delay.
type Fault struct {
	// Status is the HTTP status of the response. Zero means 200 when Body or
	// Truncate is set, and 307 with RedirectTo.
	Status int
	// Header holds headers added to the response. It may override the
	// Content-Type (application/json by default) and CF-Ray.
	Header http.Header
	// Body is the response's body, sent as it is. When empty, an error Status
	// (400 or more) gets a Cloudflare error envelope with code 1107.
	Body string
	// Delay is waited after Commit (so a committed change is made at once)
	// and before the rest of the fault is sent; it ends early, with no
	// response, when the client goes away or the server closes.
	Delay time.Duration
	// Drop closes the connection without responding, after the start of a
	// response (see [DropConnection]). HTTP/2 connections cannot be
	// hijacked: there the stream is reset instead, as a proxy does when its
	// backend dies.
	Drop bool
	// Truncate sends the first half of a JSON body as a complete response
	// (its Content-Length matches), so the client reads broken JSON rather
	// than a broken connection. The body cut is Body when set, else the
	// request's real response when Commit is set, else the API reference's
	// example response.
	Truncate bool
	// RedirectTo responds with a redirect to this URL, with no body.
	RedirectTo string
	// Commit handles the request normally first, so a PATCH takes effect,
	// and then responds with the fault instead: the response to a request
	// that succeeded is lost, cut or replaced, as when a connection breaks
	// after the server acted. [AppliedThenDropped] and
	// [AppliedThenMalformed] build the common ones.
	Commit bool
}

// Target selects the requests a queued fault may respond to (see
// [Server.FailNext]): it reports whether the fault applies to req. [OnMethod],
// [OnPath] and [OnInvite] build the common ones; any func(Request) bool can
// be given, such as one that looks at the body. It is called with the
// request as recorded (see [Request]; Status is still 0), from the server's
// goroutines, with the server's lock held: it must be safe for concurrent
// use and must not call the Server's methods.
type Target func(req Request) bool

// OnMethod targets requests with the given method, such as "PATCH".
func OnMethod(method string) Target {
	method = strings.ToUpper(method)
	return func(req Request) bool { return req.Method == method }
}

// OnPath targets requests for the given path: relative to the API root,
// such as "user/invites", or absolute, such as "/client/v4/user/invites".
// It targets a route added with [Server.Handle] as well, such as
// "memberships/4536bcfad5faccb111b47003c79917fa".
func OnPath(path string) Target {
	if !strings.HasPrefix(path, "/") {
		path = apiPrefix + path
	}
	return func(req Request) bool { return req.Path == path }
}

// OnInvite targets requests for the invitation with the given ID: its
// GET and its PATCH, not the list.
func OnInvite(id string) Target { return OnPath("user/invites/" + id) }

// queuedFault is a fault with the number of requests it still serves, and
// the targets a request must all match for it.
type queuedFault struct {
	fault   Fault
	left    int
	targets []Target
}

// FailNext makes the next n requests that match every one of targets be
// served by f instead of normally; with no target, the next n requests
// whatever they are. Calls add to a queue: a request is served by the
// first queued fault it matches, each fault by exactly as many requests as
// asked (requests are taken in the order the fake starts handling them).
// A fault meant for a PATCH is thus never used by a concurrent GET, or by
// the read with which the SDK checks an uncertain response:
//
//	srv.FailNext(1, cloudflaretest.ServerError(503), cloudflaretest.OnMethod("PATCH"), cloudflaretest.OnInvite(id))
//
// n of zero or less does nothing; a nil target panics. It is safe to call
// while requests are served.
func (s *Server) FailNext(n int, f Fault, targets ...Target) {
	if slices.ContainsFunc(targets, func(t Target) bool { return t == nil }) {
		panic("cloudflaretest: FailNext: nil Target")
	}
	if n <= 0 {
		return
	}
	f.Header = f.Header.Clone()
	s.mu.Lock()
	s.faults = append(s.faults, queuedFault{fault: f, left: n, targets: slices.Clone(targets)})
	s.mu.Unlock()
}

// PendingFaults returns how many requests queued faults will still serve.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.faults {
		n += q.left
	}
	return n
}

// nextFault takes one use of the first queued fault whose targets all
// match req.
func (s *Server) nextFault(req *Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		q := &s.faults[i]
		if slices.ContainsFunc(q.targets, func(t Target) bool { return !t(copyOf(req)) }) {
			continue
		}
		f := q.fault
		if q.left--; q.left == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f, true
	}
	return Fault{}, false
}

// serveFault responds to a request with f.
func (s *Server) serveFault(w http.ResponseWriter, in *incoming, f Fault) {
	var resp response
	if f.Commit {
		resp = s.reply(in)
	}
	s.pause(in.r.Context(), f.Delay)
	switch {
	case f.Drop:
		drop(w)
		return
	case f.RedirectTo != "":
		w.Header().Set("Location", f.RedirectTo)
		resp = response{status: cmp.Or(f.Status, http.StatusTemporaryRedirect), header: f.Header}
	case f.Truncate:
		if f.Body != "" || !f.Commit {
			resp = response{status: http.StatusOK, body: []byte(f.Body)}
		}
		if len(resp.body) == 0 { // the API reference's example response
			inv := SeedInvites()[0]
			inv.ExpiresOn, inv.Status = inv.InvitedOn, cloudflare.InviteStatusAccepted
			resp.body = success(toWire(inv), nil).body
		}
		resp = response{status: cmp.Or(f.Status, resp.status), header: f.Header, body: resp.body[:len(resp.body)/2]}
	case f.Status != 0 || f.Body != "":
		resp = response{status: cmp.Or(f.Status, http.StatusOK), header: f.Header, body: []byte(f.Body)}
		if f.Body == "" && resp.status >= 400 {
			resp.body = failure(0, info(1107, statusText(resp.status))).body
		}
	case !f.Commit:
		resp = s.reply(in)
	}
	s.send(w, in.rec, resp)
}

// droppedStart is what a dropped connection sends before it closes: the
// start of a response, a status line and no header. Go's transport silently
// sends a request again on a new connection when a reused connection closes
// before any byte of the response; once a byte has come, the request fails,
// so one fault is one failed request. A whole status line rather than part
// of one: the client then fails with io.ErrUnexpectedEOF, which says
// "connection lost while reading the response", where a cut status line
// reads as a malformed one, like a protocol error. The status is never
// delivered as a response.
const droppedStart = "HTTP/1.1 502 Bad Gateway\r\n"

// drop sends the start of a response and closes the connection. Under
// HTTP/2, which cannot hand over its connection, the handler's panic resets
// the stream.
func drop(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_, _ = buf.WriteString(droppedStart)
	_ = buf.Flush()
	_ = conn.Close()
}

func statusText(status int) string {
	return cmp.Or(http.StatusText(status), "HTTP "+strconv.Itoa(status))
}

// RateLimited returns a fault like Cloudflare's response to a client over its
// rate limit: 429, a Retry-After of retryAfter in whole seconds, and an
// error envelope with code 1015.
//
// The SDK waits out a Retry-After before it retries, and Retry-After has no
// unit below the second: retryAfter is rounded up, so any positive duration
// costs a test at least a second per retry (RateLimited(time.Millisecond)
// sends "Retry-After: 1"). RateLimited(0) sends "Retry-After: 0", which the
// client retries at once: use it unless the wait is what you test. Over a
// minute, the SDK does not wait and returns the 429 ([cloudflare.ErrRateLimited]).
func RateLimited(retryAfter time.Duration) Fault {
	secs := max(int64((retryAfter+time.Second-1)/time.Second), 0)
	return Fault{
		Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}},
		Body: string(failure(0, info(1015,
			"More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed")).body),
	}
}

// ServerError returns a fault responding with status, which must be a 5xx
// (such as 500 or 503), with a JSON error envelope with code 1107. It
// panics for another status.
func ServerError(status int) Fault {
	if status < 500 || status > 599 {
		panic("cloudflaretest: ServerError: status " + strconv.Itoa(status) + " is not a 5xx")
	}
	return Fault{Status: status, Body: string(failure(status, info(1107, statusText(status))).body)}
}

// badGatewayPage is the page Cloudflare's edge sends for a 502.
const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"

// BadGatewayHTML returns a fault responding with 502 and the HTML page
// Cloudflare's edge sends when the API behind it fails, not the JSON
// envelope.
func BadGatewayHTML() Fault {
	return Fault{Status: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}}, Body: badGatewayPage}
}

// Malformed returns a fault responding with 200 and the first half of a
// valid response's JSON (see [Fault].Truncate).
func Malformed() Fault { return Fault{Status: http.StatusOK, Truncate: true} }

// Slow returns a fault that waits d and then responds normally; a client
// whose timeout is shorter gives up first.
func Slow(d time.Duration) Fault { return Fault{Delay: d} }

// DropConnection returns a fault that closes the connection without
// responding: the client reads a status line and then the end of the
// connection (io.ErrUnexpectedEOF), so it knows the request was sent and
// its response lost. Go's transport does not send it again by itself, as it
// would after a connection that closed with nothing read: one fault is one
// failed request, retried or not by the SDK's own policy. The request has
// no effect; [AppliedThenDropped] loses the response of a request that
// took effect.
func DropConnection() Fault { return Fault{Drop: true} }

// AppliedThenDropped returns a fault that handles the request normally, so
// a write takes effect, and then drops the connection: the server applied
// the request, and the client never learns it (a [DropConnection] with
// Commit set). Aim it with a [Target], such as OnMethod("PATCH"), so that
// the read with which the client checks the outcome is not the one served.
func AppliedThenDropped() Fault { return Fault{Drop: true, Commit: true} }

// AppliedThenMalformed returns a fault that handles the request normally,
// so a write takes effect, and then sends the first half of the real
// response, with its status: for a write that succeeded, a 200 whose JSON
// breaks off (Truncate with Commit set). For another unusable answer, such
// as a page that is not the envelope, set Commit on a Fault of your own:
// Fault{Commit: true, Status: 200, Body: "<html>…</html>"}.
func AppliedThenMalformed() Fault { return Fault{Truncate: true, Commit: true} }

// Redirect returns a fault responding with a redirect of the given status
// (such as 301, 302, 307 or 308; zero means 307) to url. It panics for an
// empty url or a status that is not 3xx.
func Redirect(url string, status int) Fault {
	if url == "" {
		panic("cloudflaretest: Redirect: empty url")
	}
	if status != 0 && (status < 300 || status > 399) {
		panic("cloudflaretest: Redirect: status " + strconv.Itoa(status) + " is not a 3xx")
	}
	return Fault{Status: status, RedirectTo: url}
}

// Masked replaces the value of every X-Auth-Key and Authorization header in
// [Server.Requests], so recorded requests can be logged without leaking a
// credential.
const Masked = "[masked]"

// Request is a request the fake received, as recorded by [Server.Requests].
type Request struct {
	// Method is the HTTP method, such as "PATCH".
	Method string
	// Proto is the protocol the request came with: "HTTP/1.1", or
	// "HTTP/2.0" on a [NewTLSServer] server to a client that negotiated it.
	Proto string
	// Path is the decoded URL path, such as
	// "/client/v4/user/invites/4f5f0c14a2a41d5063dd301b2f829f04".
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Header holds the request headers, with the values of X-Auth-Key and
	// Authorization replaced by [Masked]. X-Auth-Email is kept.
	Header http.Header
	// Body is the request body, at most its first 64 KiB.
	Body []byte
	// Status is the HTTP status the fake responded with, whether by a fault
	// or normally. It is 0 while the request is being served, and for a
	// request that got no status at all: its connection was dropped, or a
	// delay ended because the client went away or the server closed.
	Status int
}

// record appends the request to the log and returns its entry, whose
// Status send sets.
func (s *Server) record(in *incoming) *Request {
	h := in.r.Header.Clone()
	for _, k := range []string{"X-Auth-Key", "Authorization"} {
		for i := range h[k] {
			h[k][i] = Masked
		}
	}
	req := &Request{Method: in.r.Method, Proto: in.r.Proto, Path: in.r.URL.Path, Query: in.r.URL.Query(), Header: h, Body: in.body}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	return req
}

// copyOf returns a deep copy of r. It is called with s.mu held.
func copyOf(r *Request) Request {
	c := *r
	c.Query = url.Values(http.Header(r.Query).Clone())
	c.Header = r.Header.Clone()
	c.Body = bytes.Clone(r.Body)
	return c
}

// Requests returns a copy of every request received since the server
// started or [Server.ResetRequests] or [Server.Reset] was called, in the
// order they arrived, each with the status of its response. Requests
// served by a fault are included; those to /__fake/reset are not.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = copyOf(r)
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}
