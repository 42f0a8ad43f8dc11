package cloudflaretest

// This file holds the routes a user adds to the fake (Handle), served
// through the fake's own machinery, and the helpers that write the
// Cloudflare envelope for them.

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// Handle adds a route of your own to the fake, for an endpoint the fake does
// not serve, such as one a wrapper of the SDK reaches with
// [cloudflare.Client.Do]. pattern is an [http.ServeMux] pattern, with an
// optional method and wildcards the handler reads with r.PathValue, and no
// host: "DELETE /client/v4/memberships/{id}", or the same path relative to
// the API root, as Do takes it: "DELETE memberships/{id}". A route of yours
// takes precedence over the fake's own.
//
// A request to the route goes through what every request to the fake goes
// through: it is recorded ([Server.Requests]), with the status the handler
// wrote; queued faults apply to it, by their [Target]s or untargeted (a
// fault with Commit runs the handler, then fails the response); a body over
// 64 KiB gets 413, then its credentials are checked as for the fake's own
// routes, and only then does handler run, with the body as sent. The
// handler's response is held and then sent with Content-Type
// application/json unless the handler set another, a CF-Ray header and
// Content-Length. [WriteResult] and [WriteError] write the envelope.
//
// A request whose path matches no route, the fake's or yours, gets 400 with
// code 7000; a route of yours with another method, 405 with code 7001 and
// Allow. The routes are kept by [Server.Reset]: your state, if any, is
// yours to reset. Handle panics if pattern is not under /client/v4/ or
// handler is nil, and as ServeMux.Handle does for an invalid pattern or one
// that conflicts with an earlier one. It is safe to call while requests
// are served.
func (s *Server) Handle(pattern string, handler http.Handler) {
	i := strings.LastIndexAny(pattern, " \t") // -1 without a method
	method, path := pattern[:i+1], pattern[i+1:]
	if !strings.HasPrefix(path, "/") {
		path = apiPrefix + path
	}
	if !strings.HasPrefix(path, apiPrefix) || handler == nil {
		panic("cloudflaretest: Handle: " + pattern + ": a nil handler, or a path not under " + apiPrefix)
	}
	s.routes.Handle(method+path, userRoute{handler})
}

// userRoute is a handler given to Handle; its type tells a route of the
// user's from the 404, 405 and redirect handlers of the ServeMux.
type userRoute struct{ http.Handler }

// serveRoute runs the user's handler that matches a request, with the
// body as sent, and returns its response.
func (s *Server) serveRoute(in *incoming) response {
	in.r.Body = io.NopCloser(bytes.NewReader(in.body)) // read once already
	c := &capture{header: http.Header{}}
	s.routes.ServeHTTP(c, in.r) // sets the request's path values
	return response{status: cmp.Or(c.status, http.StatusOK), header: c.header, body: c.body.Bytes()}
}

// noRoute answers a request no route serves: 405 with code 7001 when a
// route of the user's has its path with another method, else 400 with code
// 7000.
func (s *Server) noRoute(r *http.Request) response {
	h, _ := s.routes.Handler(r)
	c := &capture{header: http.Header{}}
	h.ServeHTTP(c, r) // the ServeMux's own 404, 405 or redirect
	if c.status == http.StatusMethodNotAllowed {
		return methodNotAllowed(r.Method, c.header.Get("Allow"))
	}
	return failure(http.StatusBadRequest, info(7000, "No route for that URI"))
}

// capture is the ResponseWriter of a user's handler: it holds the response
// for the fake to send.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) { c.status = cmp.Or(c.status, status) }

func (c *capture) Write(b []byte) (int, error) { c.WriteHeader(http.StatusOK); return c.body.Write(b) }

// WriteResult writes a successful Cloudflare envelope with status 200:
// "success": true, "errors": [], "messages": [] and result as "result".
// When result cannot be encoded as JSON, it writes a 500 error envelope
// with code 1107 (the fake's own) instead and returns the encoding error;
// otherwise it returns the error of the write, if any.
// Served through the fake ([Server.Handle]), the response also gets a
// CF-Ray header and Content-Length.
func WriteResult(w http.ResponseWriter, result any) error {
	b, err := json.Marshal(result)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, 1107, "result cannot be encoded as JSON: "+err.Error())
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(success(json.RawMessage(b), nil).body)
	return err
}

// WriteError writes a Cloudflare error envelope with the given HTTP status:
// "success": false, one error with code and message, "result": null and
// "messages": [], as the API's error responses are. The code is yours to
// choose: Cloudflare documents few.
func WriteError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(failure(status, info(code, message)).body)
}
