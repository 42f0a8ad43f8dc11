// This file holds the wire format every endpoint shares: the generic response
// envelope and its message and paging types.

package cloudflare

import (
	"errors"
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

// String formats the item as "code message", followed by its source's
// pointer, if any, as "(at /pointer)", and by its chain in brackets.
func (r ResponseInfo) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(r.Code))
	b.WriteByte(' ')
	b.WriteString(r.Message)
	if r.Source.Pointer != "" {
		b.WriteString(" (at ")
		b.WriteString(r.Source.Pointer)
		b.WriteByte(')')
	}
	for i, c := range r.ErrorChain {
		if i == 0 {
			b.WriteString(" [")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(c.String())
		if i == len(r.ErrorChain)-1 {
			b.WriteByte(']')
		}
	}
	return b.String()
}

// ErrorSource points at the part of the request an error is about.
type ErrorSource struct {
	// Pointer is a JSON pointer into the request, such as "/status".
	Pointer string `json:"pointer,omitempty"`
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

// envelopeHeader holds the fields every Cloudflare response shares.
type envelopeHeader struct {
	Success  presence       `json:"success"`
	Errors   []ResponseInfo `json:"errors"`
	Messages []ResponseInfo `json:"messages"`
}

func (h *envelopeHeader) header() *envelopeHeader { return h }

// presence is a JSON boolean that remembers whether it was there: "success"
// absent (or null) is not "success": false. A *bool would tell them apart
// too, at the cost of an allocation per response.
type presence struct{ set, value bool }

// errNotBool is the error of a "success" that is not a boolean; it does not
// quote the value, which comes from the server.
var errNotBool = errors.New(`"success" is not a boolean`)

// UnmarshalJSON reads true, false or null.
func (f *presence) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true":
		*f = presence{set: true, value: true}
	case "false":
		*f = presence{set: true}
	case "null":
		*f = presence{}
	default:
		return errNotBool
	}
	return nil
}

// envelope is the JSON shape of a Cloudflare response with a single result,
// typed. A nil Result means the field was absent or null.
type envelope[T any] struct {
	envelopeHeader
	Result *T `json:"result"`
}

// resultProblem says what makes the result unusable, or "" when it is fine:
// absent or null, or, for a type that can tell (an invitation), lacking.
func (e *envelope[T]) resultProblem() string {
	if e.Result == nil {
		return `body has no "result"`
	}
	if r, ok := any(e.Result).(interface{ lacks() string }); ok {
		if what := r.lacks(); what != "" {
			return `body's "result" is ` + what
		}
	}
	return ""
}

// resultInfo is result_info as it comes: the schema's fields, and
// total_pages, which the schema does not name but which Cloudflare's list
// responses have been seen to carry. All reads it; ResultInfo keeps to the
// schema.
type resultInfo struct {
	ResultInfo
	TotalPages int `json:"total_pages"`
}

// listEnvelope is the JSON shape of a list response. Its result may be null,
// which means no items, but not absent. Call init before decoding into it.
type listEnvelope[T any] struct {
	envelopeHeader
	Result     *[]T        `json:"result"`
	ResultInfo *resultInfo `json:"result_info"`
	// items is where Result points before decoding: null sets Result to
	// nil, an array fills items (non-nil even when empty), and an absent
	// field leaves items nil behind a non-nil Result.
	items []T
}

func (e *listEnvelope[T]) init() { e.Result = &e.items }

// list returns the items; null is an empty list.
func (e *listEnvelope[T]) list() []T {
	if e.Result == nil {
		return []T{}
	}
	return *e.Result
}

// resultProblem says what makes the result unusable, or "": absent, or an
// item that lacks what it must have (an invitation without an ID).
func (e *listEnvelope[T]) resultProblem() string {
	if e.Result == nil {
		return ""
	}
	if *e.Result == nil {
		return `body has no "result"`
	}
	for i := range *e.Result {
		if r, ok := any(&(*e.Result)[i]).(interface{ lacks() string }); ok {
			if what := r.lacks(); what != "" {
				return `body's "result" holds ` + what + ` (item ` + strconv.Itoa(i+1) + `)`
			}
		}
	}
	return ""
}

// decodable is what the request pipeline decodes a body into.
type decodable interface {
	header() *envelopeHeader
	resultProblem() string
}
