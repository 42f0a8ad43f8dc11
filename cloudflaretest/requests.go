package cloudflaretest

import (
	"net/http"
	"net/url"
)

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
	req := &Request{
		Method: in.r.Method,
		Proto:  in.r.Proto,
		Path:   in.r.URL.Path,
		Query:  in.r.URL.Query(),
		Header: maskHeader(in.r.Header),
		Body:   in.body,
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	return req
}

// recordStatus sets the status of the response to a recorded request.
func (s *Server) recordStatus(req *Request, status int) {
	if req == nil {
		return
	}
	s.mu.Lock()
	req.Status = status
	s.mu.Unlock()
}

func maskHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"X-Auth-Key", "Authorization"} {
		for i := range out[k] {
			out[k][i] = Masked
		}
	}
	return out
}

// Requests returns a copy of every request received since the server
// started or [Server.ResetRequests] or [Server.Reset] was called, in the
// order they arrived, each with the status of its response. Requests
// served by a fault are included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *copyOf(r)
	}
	return out
}

// copyRequest returns a copy of a recorded request, taken under the lock.
func (s *Server) copyRequest(r *Request) *Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyOf(r)
}

// copyOf returns a deep copy of r. It is called with s.mu held.
func copyOf(r *Request) *Request {
	return &Request{
		Method: r.Method,
		Proto:  r.Proto,
		Path:   r.Path,
		Query:  cloneValues(r.Query),
		Header: r.Header.Clone(),
		Body:   append([]byte(nil), r.Body...),
		Status: r.Status,
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}
