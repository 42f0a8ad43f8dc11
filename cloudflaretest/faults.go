package cloudflaretest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault describes a response that goes wrong. Queue faults with
// [Server.FailNext], for any request or for those a [Target] selects; the
// helpers [RateLimited], [ServerError], [BadGatewayHTML], [Malformed],
// [Slow], [DropConnection], [Redirect], [ResetStream] and [GoAway] build the
// common ones.
//
// A fault is applied in this order: Commit, Delay, then the first of Drop,
// Reset, RedirectTo, Truncate, and Status or Body. A fault with none of
// these responds normally after its Delay. GoAway applies to whatever
// response is sent.
type Fault struct {
	// Status is the HTTP status of the response. Zero means 200 when Body or
	// Truncate is set, and 307 with RedirectTo.
	Status int
	// Header holds headers added to the response. It may override the
	// Content-Type (application/json by default) and CF-Ray.
	Header http.Header
	// Body is the response's body, sent as it is. When empty, an error Status
	// (400 or more) gets a Cloudflare error envelope with [CodeFault].
	Body string
	// Delay is waited after Commit (so a committed change is made at once)
	// and before the rest of the fault is sent; it ends early, with no
	// response, when the client goes away or the server closes.
	Delay time.Duration
	// Drop closes the connection without responding, after the start of a
	// response (see [DropConnection]). HTTP/2 connections cannot be
	// hijacked: there the stream is reset with INTERNAL_ERROR instead, as a
	// proxy does when its backend dies.
	Drop bool
	// Reset, over HTTP/2, resets the request's stream with this error code
	// (RST_STREAM) instead of responding; over HTTP/1.1 it closes the
	// connection without responding, as Drop does. Resets on one HTTP/2
	// connection are made one at a time, so each code reaches the stream
	// it was meant for. Zero means no reset.
	Reset ResetCode
	// GoAway makes the server close the connection gracefully after this
	// response: over HTTP/2 it sends GOAWAY (NO_ERROR) at once, finishes the
	// streams the client had opened before it, and processes no stream the
	// client opens after it (Go's client sends those again on a new
	// connection); over HTTP/1.1 the response says "Connection: close".
	GoAway bool
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
	// after the server acted.
	Commit bool
}

// Target selects the requests a queued fault may respond to (see
// [Server.FailNext]): it reports whether the fault applies to req. [OnMethod],
// [OnPath] and [OnInvite] build the common ones; any func(Request) bool can
// be given, such as one that looks at the body. It is called with the
// request as recorded (see [Request]; Status is still 0), from the server's
// goroutines, while no other fault can be taken: it must be safe for
// concurrent use, must not modify req, and must not call [Server.FailNext]
// or [Server.PendingFaults].
type Target func(req Request) bool

// OnMethod targets requests with the given method, such as "PATCH".
func OnMethod(method string) Target {
	method = strings.ToUpper(method)
	return func(req Request) bool { return req.Method == method }
}

// OnPath targets requests for the given path: relative to the API root,
// such as "user/invites", or absolute, such as "/client/v4/user/invites".
func OnPath(path string) Target {
	if !strings.HasPrefix(path, "/") {
		path = apiPrefix + path
	}
	return func(req Request) bool { return req.Path == path }
}

// OnInvite targets requests for the invitation with the given ID: its
// GET and its PATCH, not the list.
func OnInvite(id string) Target {
	return OnPath("user/invites/" + id)
}

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
	for _, t := range targets {
		if t == nil {
			panic("cloudflaretest: FailNext: nil Target")
		}
	}
	if n <= 0 {
		return
	}
	f.Header = f.Header.Clone()
	s.faultMu.Lock()
	s.faults = append(s.faults, queuedFault{fault: f, left: n, targets: append([]Target(nil), targets...)})
	s.faultMu.Unlock()
}

// PendingFaults returns how many requests queued faults will still serve.
func (s *Server) PendingFaults() int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	n := 0
	for _, q := range s.faults {
		n += q.left
	}
	return n
}

// nextFault takes one use of the first queued fault whose targets all
// match req.
func (s *Server) nextFault(req *Request) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	var view *Request // a copy for the targets, made once
	for i := range s.faults {
		q := &s.faults[i]
		if len(q.targets) > 0 && view == nil {
			view = s.copyRequest(req)
		}
		if !matchesAll(q.targets, view) {
			continue
		}
		f := q.fault
		if q.left--; q.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f, true
	}
	return Fault{}, false
}

func matchesAll(targets []Target, req *Request) bool {
	for _, t := range targets {
		if !t(*req) {
			return false
		}
	}
	return true
}

// serveFault responds to a request with f.
func (s *Server) serveFault(w http.ResponseWriter, in *incoming, f Fault) {
	var real *response
	if f.Commit {
		resp := s.reply(in)
		real = &resp
	}
	s.pause(in.r.Context(), f.Delay)
	if f.GoAway {
		w.Header().Set("Connection", "close")
	}
	switch {
	case f.Drop:
		drop(w, in.r)
	case f.Reset != 0:
		reset(w, in.r, f.Reset)
	case f.RedirectTo != "":
		s.send(w, in, response{status: orDefault(f.Status, http.StatusTemporaryRedirect), header: withHeader(f.Header, "Location", f.RedirectTo)}, &f)
	case f.Truncate:
		s.send(w, in, truncated(f, real), &f)
	case f.Status != 0 || f.Body != "":
		s.send(w, in, made(f), &f)
	default:
		if real == nil {
			resp := s.reply(in)
			real = &resp
		}
		s.send(w, in, *real, nil)
	}
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
// HTTP/2, which cannot hand over its connection, it resets the stream.
func drop(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2: reset the stream, one reset at a time on the
		// connection (see tls.go).
		if c := connOf(r); c != nil {
			c.resetStream(r.Context(), codeInternalError)
		}
		panic(http.ErrAbortHandler)
	}
	_, _ = buf.WriteString(droppedStart)
	_ = buf.Flush()
	_ = conn.Close()
}

// ResetCode is an HTTP/2 error code a [Fault] resets a stream with
// (RFC 9113, section 7).
type ResetCode uint32

// The reset codes a client treats differently.
const (
	// ResetInternalError (0x2) says the server failed: the request may have
	// been processed.
	ResetInternalError ResetCode = 0x2
	// ResetRefusedStream (0x7) says the server did not process the request
	// at all, so any request may be sent again.
	ResetRefusedStream ResetCode = 0x7
	// ResetCancel (0x8) says the stream is no longer needed.
	ResetCancel ResetCode = 0x8
)

// reset resets the request's HTTP/2 stream with code: the handler's panic
// makes net/http write RST_STREAM with INTERNAL_ERROR, and the TLS
// connection (see tls.go) rewrites the code. Over HTTP/1.1 it drops the
// connection.
func reset(w http.ResponseWriter, r *http.Request, code ResetCode) {
	c := connOf(r)
	if r.ProtoMajor != 2 || c == nil {
		drop(w, r)
		return
	}
	c.resetStream(r.Context(), uint32(code))
}

// truncated returns the first half of the body Truncate cuts.
func truncated(f Fault, real *response) response {
	body, status := []byte(f.Body), http.StatusOK
	switch {
	case f.Body != "":
	case real != nil:
		body, status = real.body, real.status
	default:
		body = referenceResponse()
	}
	return response{status: orDefault(f.Status, status), header: f.Header, body: body[:len(body)/2]}
}

// referenceResponse is the example response of the API reference's page
// "Respond to Invitation".
func referenceResponse() []byte {
	inv := SeedInvites()[0]
	inv.ExpiresOn = inv.InvitedOn
	inv.Status = StatusAccepted
	return success(toWire(inv), nil).body
}

// made returns the response of a fault with a Status or Body.
func made(f Fault) response {
	status := orDefault(f.Status, http.StatusOK)
	body := []byte(f.Body)
	if len(body) == 0 && status >= 400 {
		body = errorBody(info(CodeFault, statusText(status)))
	}
	return response{status: status, header: f.Header, body: body}
}

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "HTTP " + strconv.Itoa(status)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func withHeader(h http.Header, key, value string) http.Header {
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(key, value)
	return h
}

// RateLimited returns a fault like Cloudflare's response to a client over its
// rate limit: 429, a Retry-After of retryAfter in whole seconds (rounded
// up), and an error envelope with [CodeRateLimited].
func RateLimited(retryAfter time.Duration) Fault {
	secs := max(int64((retryAfter+time.Second-1)/time.Second), 0)
	return Fault{
		Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}},
		Body: string(errorBody(info(CodeRateLimited,
			"More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed"))),
	}
}

// ServerError returns a fault responding with status, which must be a 5xx
// (such as 500 or 503), with a JSON error envelope with [CodeFault]. It
// panics for another status.
func ServerError(status int) Fault {
	if status < 500 || status > 599 {
		panic("cloudflaretest: ServerError: status " + strconv.Itoa(status) + " is not a 5xx")
	}
	return Fault{Status: status, Body: string(errorBody(info(CodeFault, statusText(status))))}
}

// badGatewayPage is the page Cloudflare's edge sends for a 502.
const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"

// BadGatewayHTML returns a fault responding with 502 and the HTML page
// Cloudflare's edge sends when the API behind it fails, not the JSON
// envelope.
func BadGatewayHTML() Fault {
	return Fault{
		Status: http.StatusBadGateway,
		Header: http.Header{"Content-Type": {"text/html"}},
		Body:   badGatewayPage,
	}
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
// failed request, retried or not by the SDK's own policy. Set Commit on it
// to lose the response of a request that took effect.
func DropConnection() Fault { return Fault{Drop: true} }

// ResetStream returns a fault that resets the request's HTTP/2 stream with
// code instead of responding (see [Fault].Reset). With [ResetRefusedStream],
// Go's HTTP/2 client sends the request again by itself, at once, so the
// caller sees a success unless every try is refused.
func ResetStream(code ResetCode) Fault { return Fault{Reset: code} }

// GoAway returns a fault that responds normally and then closes the
// connection gracefully: an HTTP/2 GOAWAY in the middle of the calls on
// that connection (see [Fault].GoAway).
func GoAway() Fault { return Fault{GoAway: true} }

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
