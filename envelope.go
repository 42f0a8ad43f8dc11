// This file holds the wire format every endpoint shares: the response
// envelope, its message and paging types, and the reading of a response.

package cloudflare

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// ResponseInfo is one item of a response's "errors" or "messages" list.
type ResponseInfo struct {
	// Code is Cloudflare's numeric code (1000 or more).
	Code int `json:"code"`
	// Message is the human-readable text.
	Message string `json:"message"`
	// DocumentationURL points at documentation for the code, when given.
	DocumentationURL string `json:"documentation_url,omitempty"`
	// Source locates the part of the request the item is about, when given.
	Source ErrorSource `json:"source"`
	// ErrorChain holds the precise causes, when Cloudflare gives them (for
	// example 6003 "Invalid request headers" caused by 6103 "Invalid format
	// for X-Auth-Key header").
	ErrorChain []ResponseInfo `json:"error_chain,omitempty"`
}

// ErrorSource points at the part of the request an error is about.
type ErrorSource struct {
	// Pointer is a JSON pointer into the request, such as "/status".
	Pointer string `json:"pointer,omitempty"`
}

// maxChainDepth bounds how deep an error_chain is shown.
const maxChainDepth = 8

// String formats the item as "code message", followed by its source's
// pointer as "(at /pointer)", if any, and its error_chain in brackets, shown
// 8 levels deep.
func (r ResponseInfo) String() string {
	var b strings.Builder
	r.write(&b, 0)
	return b.String()
}

// write renders the item as "code message (at /pointer) [chain; ...]" in
// one pass, its chain shown maxChainDepth levels deep.
func (r *ResponseInfo) write(b *strings.Builder, depth int) {
	b.WriteString(strconv.Itoa(r.Code) + " " + r.Message)
	if r.Source.Pointer != "" {
		b.WriteString(" (at " + r.Source.Pointer + ")")
	}
	if len(r.ErrorChain) == 0 {
		return
	}
	if depth >= maxChainDepth {
		b.WriteString(" […]")
		return
	}
	for i := range r.ErrorChain {
		if i == 0 {
			b.WriteString(" [")
		} else {
			b.WriteString("; ")
		}
		r.ErrorChain[i].write(b, depth+1)
	}
	b.WriteByte(']')
}

// ResultInfo is the paging information of a list response.
type ResultInfo struct {
	// Page is the current page, starting at 1.
	Page int `json:"page"`
	// PerPage is the number of results per page.
	PerPage int `json:"per_page"`
	// Count is the number of results on this page.
	Count int `json:"count"`
	// TotalCount is the number of results on all pages.
	TotalCount int `json:"total_count"`
}

// resultInfo is result_info as it comes: the schema's fields, and
// total_pages, which Cloudflare's list responses have been seen to carry.
type resultInfo struct {
	ResultInfo
	TotalPages int `json:"total_pages"`
}

// envelope is the JSON shape of every Cloudflare response. Result holds the
// caller's pointer, so the result is decoded in place in the one pass.
type envelope struct {
	Success    *bool          `json:"success"`
	Errors     []ResponseInfo `json:"errors"`
	Messages   []ResponseInfo `json:"messages"`
	Result     any            `json:"result"`
	ResultInfo *resultInfo    `json:"result_info"`
}

// discard is where Do decodes a result nobody asked for.
type discard struct{}

func (*discard) UnmarshalJSON([]byte) error { return nil }

// decode reads the body of a response into env and returns the error to
// report, or nil when the call succeeded. Text from the server is redacted
// before it is cut to its bound, so that no cut leaves part of a secret.
func decode(resp *http.Response, body []byte, tooLarge bool, env *envelope, redact func(string) string) *APIError {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	fail := func(reason string) *APIError {
		return &APIError{StatusCode: resp.StatusCode, RayID: clip(redact(resp.Header.Get("Cf-Ray")), 256), reason: reason}
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		where := ""
		if loc, err := resp.Location(); err == nil {
			where = " to " + clip(redact(loc.Scheme+"://"+loc.Host+loc.EscapedPath()), 512)
		}
		return fail("redirect" + where + " not followed: credentials stay on the base URL's origin, and a redirect may not change the method")
	case tooLarge:
		return fail("body larger than " + strconv.Itoa(maxBodyBytes>>20) + " MiB")
	}
	err := json.Unmarshal(body, env)
	redactInfos(env.Errors, redact)
	redactInfos(env.Messages, redact)
	if err != nil || env.Success == nil && (ok || len(env.Errors) == 0) {
		e := fail("")
		if ok {
			e.reason = "body is not a Cloudflare API response (no Content-Type)"
			if ct := resp.Header.Get("Content-Type"); ct != "" {
				e.reason = "body is not a Cloudflare API response (Content-Type " + strconv.Quote(clip(redact(ct), 128)) + ")"
			}
			if err != nil {
				e.reason += ": " + clip(redact(err.Error()), 256)
			}
		}
		text := redact(string(body[:min(len(body), 64<<10)]))
		e.Body, e.title = excerpt([]byte(text)), htmlTitle(text)
		return e
	}
	if ok && *env.Success {
		return nil
	}
	e := fail("")
	e.Errors, e.Messages = env.Errors, env.Messages
	if ok && len(e.Errors) == 0 {
		e.reason = `"success" is false`
	}
	return e
}

// redactInfos redacts the text of the envelope's errors or messages, their
// error_chain included, in place.
func redactInfos(infos []ResponseInfo, redact func(string) string) {
	for i := range infos {
		infos[i].Message = redact(infos[i].Message)
		infos[i].DocumentationURL = redact(infos[i].DocumentationURL)
		infos[i].Source.Pointer = redact(infos[i].Source.Pointer)
		redactInfos(infos[i].ErrorChain, redact)
	}
}
