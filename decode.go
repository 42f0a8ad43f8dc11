// This file holds the reading of an HTTP response: bounded, pooled reads of
// the body, decoding of the envelope, and the building of an APIError or
// ResponseError from what the server sent.

package cloudflare

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// maxErrorBodyBytes caps how much of a non-2xx body is read; drainBytes caps
// how much of an unread remainder is discarded so the connection is reused.
const (
	maxErrorBodyBytes = 64 << 10
	drainBytes        = 64 << 10
	excerptBytes      = 256
	// bodyWindow is how much of a non-envelope error body reaches seal,
	// which redacts it and keeps an excerpt of excerptBytes: far more than
	// the excerpt's 4*excerptBytes of input, even after redaction shrinks it.
	bodyWindow = 16 << 10
	// maxHeaderText bounds a header value quoted in an error: a Location,
	// a Content-Type, a Ray ID.
	maxHeaderText = 1 << 10
)

// readResponse turns a response into nil (out holds the result) or the error
// to report.
func (c *Client) readResponse(k *call, resp *http.Response, res *attemptResult, rb *readBuffer, out decodable) error {
	respErr := func(reason string, err error) error {
		return &ResponseError{Method: k.method, Path: k.path, StatusCode: resp.StatusCode, RayID: res.rayID, Reason: reason, Err: err, Attempts: k.attempts}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e := respErr("redirect not followed", nil).(*ResponseError)
		if loc, err := resp.Location(); err == nil {
			e.Location = headerText(loc.Scheme + "://" + loc.Host + loc.EscapedPath())
			e.Reason = "redirect to " + e.Location + " not followed: credentials are only sent to " + origin(c.baseURL)
			if origin(loc) == origin(c.baseURL) {
				e.Reason = "redirect to " + e.Location + " not followed: it would change the method or loop"
			}
		} else if bad := resp.Header.Get(unparsableLocation); bad != "" {
			e.Location, _, _ = strings.Cut(bad, "?")
			e.Location, _, _ = strings.Cut(e.Location, "#")
			e.Location = headerText(e.Location)
			e.Reason = "redirect to " + strconv.Quote(e.Location) + " not followed: its Location is not a valid URL"
		}
		return e
	}
	success := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := c.maxResponseBytes
	if !success {
		limit = maxErrorBodyBytes
	}
	if success && resp.ContentLength > limit {
		// Announced as too large: refuse without reading any of it, and
		// close rather than drain it.
		rb.noDrain = true
		return respErr("body larger than "+formatBytes(limit)+" (Content-Length "+strconv.FormatInt(resp.ContentLength, 10)+")", nil)
	}
	n, err := rb.readFrom(resp.Body, limit+1)
	buf := &rb.buf
	if err != nil && success {
		res.transport = err // attempt reports it as a transport failure
		return err
	}
	// An error status was received: if its body broke off, what was read of
	// it still makes the *APIError, and the status alone decides retries.
	if success {
		if n > limit {
			return respErr("body larger than "+formatBytes(limit), nil)
		}
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			return respErr("body is not a Cloudflare API envelope ("+contentType(resp)+")", err)
		}
		h := out.header()
		switch {
		case !h.Success.set:
			return respErr(`body has no "success" field`, nil)
		case !h.Success.value:
			return c.apiError(k, resp, res, h, nil)
		}
		if problem := out.resultProblem(); problem != "" {
			return respErr(problem, nil)
		}
		return nil
	}
	var h envelopeHeader
	body := buf.Bytes()
	if n > limit {
		body = body[:limit]
	}
	if err := json.Unmarshal(body, &h); err != nil || (!h.Success.set && len(h.Errors) == 0) {
		return c.apiError(k, resp, res, nil, body)
	}
	return c.apiError(k, resp, res, &h, nil)
}

func (c *Client) apiError(k *call, resp *http.Response, res *attemptResult, h *envelopeHeader, raw []byte) error {
	e := &APIError{Method: k.method, Path: k.path, StatusCode: resp.StatusCode, RayID: res.rayID, Attempts: k.attempts}
	if h != nil {
		e.Errors, e.Messages = h.Errors, h.Messages
	} else {
		// The body as read, up to bodyWindow: seal redacts it, then cuts
		// the excerpt, so no cut can leave part of a secret behind.
		e.Body = string(raw[:min(len(raw), bodyWindow)])
	}
	if res.hasRetryAfter {
		e.RetryAfter = res.retryAfter
	}
	return e
}

// excerpt returns the start of a body with white space folded, at most
// excerptBytes long and cut on a rune boundary.
func excerpt(b string) string {
	return clip(strings.Join(strings.Fields(strings.ToValidUTF8(b[:min(len(b), 4*excerptBytes)], "\uFFFD")), " "), excerptBytes)
}

// clip returns s if it is at most n bytes long, else its first n bytes or
// fewer, cut on a rune boundary, and "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// headerText bounds a header value that an error quotes, such as a
// Location, to maxHeaderText bytes cut on a rune boundary, so that a server
// sending a megabyte header does not make a megabyte error. (seal redacts
// it afterwards; a cut can leave fewer than minFragment characters of a
// secret, which the redactor does not promise to find.)
func headerText(s string) string { return clip(s, maxHeaderText) }

func contentType(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return "Content-Type " + headerText(ct)
	}
	return "no Content-Type"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// closeBody discards a bounded remainder of a body, unless it was read to
// its end already, so the connection can be reused, and closes it.
func closeBody(body io.ReadCloser, rb *readBuffer) {
	if !rb.eof && !rb.noDrain {
		rb.lr = io.LimitedReader{R: body, N: drainBytes}
		_, _ = io.Copy(io.Discard, &rb.lr)
	}
	_ = body.Close()
}

// readBuffer holds what reading one response needs, pooled so the happy path
// allocates neither.
type readBuffer struct {
	buf     bytes.Buffer
	lr      io.LimitedReader
	eof     bool // the body was read to its end
	noDrain bool // the body is known to be too large to drain
}

// readFrom reads r into the buffer, at most limit bytes.
func (rb *readBuffer) readFrom(r io.Reader, limit int64) (int64, error) {
	rb.lr = io.LimitedReader{R: r, N: limit}
	n, err := rb.buf.ReadFrom(&rb.lr)
	rb.eof = err == nil && rb.lr.N > 0
	return n, err
}

var readBufferPool = sync.Pool{New: func() any { return new(readBuffer) }}

func getReadBuffer() *readBuffer { return readBufferPool.Get().(*readBuffer) }

// putReadBuffer returns a buffer to the pool unless it grew large, so one
// big response does not pin memory.
func putReadBuffer(rb *readBuffer) {
	if rb.buf.Cap() > 64<<10 {
		return
	}
	rb.buf.Reset()
	rb.lr = io.LimitedReader{}
	rb.eof, rb.noDrain = false, false
	readBufferPool.Put(rb)
}
