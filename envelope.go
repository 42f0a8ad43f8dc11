// This file holds the wire format every endpoint shares: the response
// envelope, its message and paging types, and the reading of a response.

package cloudflare

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
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
	// TotalPages is the number of pages, which Cloudflare's paged list
	// endpoints send although the schema of /user/invites does not list it;
	// zero when absent.
	TotalPages int `json:"total_pages"`
}

// envelope is the JSON shape of every Cloudflare response. Result holds a
// new value of the caller's result type for a 2xx (decoded in the one
// pass), and is left to decode as anything otherwise, so that the errors of
// an error response are read whatever its result holds.
type envelope struct {
	Success    *bool          `json:"success"`
	Errors     []ResponseInfo `json:"errors"`
	Messages   []ResponseInfo `json:"messages"`
	Result     any            `json:"result"`
	ResultInfo *ResultInfo    `json:"result_info"`
}

// decode reads the body of a response into env, the result (when valid, a
// new value of the caller's result type, only for a 2xx) included, and
// returns the error to report, or nil when the call succeeded: k says
// whether a success must carry a result, and whether an empty 2xx is one.
// lost reports a 2xx the client cannot use
// (its outcome is unknown); permanent, one that would be as unusable again.
// Text from the server is cut to 64 KiB, then redacted, then cut to its
// bound.
func decode(r *http.Response, body []byte, tooLarge bool, env *envelope, result reflect.Value, k *call, cred *credential) (e *APIError, lost, permanent bool) {
	redact := cred.redact
	ok := r.StatusCode/100 == 2
	fail := func(reason string) *APIError {
		return &APIError{StatusCode: r.StatusCode, RayID: clip(redact(r.Header.Get("Cf-Ray")), 256), reason: reason}
	}
	switch {
	case r.StatusCode/100 == 3:
		where := ""
		if loc, err := r.Location(); err == nil {
			where = " to " + clip(redact(loc.Scheme+"://"+loc.Host+loc.EscapedPath()), 512)
		}
		return fail("redirect" + where + " not followed: only redirects within the base URL's origin that keep the method are, five at most"), false, false
	case tooLarge:
		return fail("body larger than " + strconv.Itoa(maxBodyBytes>>20) + " MiB"), ok, ok
	case ok && len(body) == 0 && k.emptyOK:
		return nil, false, false
	}
	if result.IsValid() {
		env.Result = result.Interface()
	}
	err := json.Unmarshal(body, env)
	redactInfos(env.Errors, cred)
	redactInfos(env.Messages, cred)
	inResult := err != nil && inResult(err)
	if err != nil && !inResult || env.Success == nil && (ok || len(env.Errors) == 0) {
		e := fail("")
		if ok {
			e.reason = "body is not a Cloudflare API response (no Content-Type)"
			if ct := r.Header.Get("Content-Type"); ct != "" {
				e.reason = "body is not a Cloudflare API response (Content-Type " + strconv.Quote(clip(redact(ct), 128)) + ")"
			}
			if err != nil {
				e.reason += ": " + clip(redact(err.Error()), 256)
			}
		}
		text := redact(string(body[:min(len(body), 64<<10)]))
		e.Body, e.title = clip(strings.Join(strings.Fields(text[:min(len(text), 1024)]), " "), 256), htmlTitle(text)
		return e, ok, false
	}
	switch {
	case ok && *env.Success && inResult:
		return fail(`the "result" does not match the type it is decoded into: ` + clip(redact(err.Error()), 256)), true, false
	case ok && *env.Success && k.need && (!result.IsValid() || result.Elem().IsZero()):
		return fail(`the body has no "result", which this method returns`), true, false
	case ok && *env.Success:
		return nil, false, false
	}
	e = fail("")
	e.Errors, e.Messages = env.Errors, env.Messages
	if ok && len(e.Errors) == 0 {
		e.reason = `"success" is false`
	}
	return e, false, false
}

// inResult reports whether a decoding error is about the result's type.
func inResult(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te) && (te.Field == "result" || strings.HasPrefix(te.Field, "result."))
}

// redactInfos redacts the text of the envelope's errors or messages, their
// error_chain included, in place.
func redactInfos(infos []ResponseInfo, cred *credential) {
	for i := range infos {
		infos[i].Message = cred.redact(infos[i].Message)
		infos[i].DocumentationURL = cred.redact(infos[i].DocumentationURL)
		infos[i].Source.Pointer = cred.redact(infos[i].Source.Pointer)
		redactInfos(infos[i].ErrorChain, cred)
	}
}
