// This file holds the errors a caller sees: the sentinels for errors.Is and
// the typed errors for errors.As.

package cloudflare

import (
	"bytes"
	"errors"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for [errors.Is].
var (
	// ErrValidation matches every [*ValidationError]: an argument or option
	// was rejected before any request was sent.
	ErrValidation = errors.New("cloudflare: invalid argument")

	// ErrNotFound matches an [*APIError] with HTTP status 404.
	ErrNotFound = errors.New("cloudflare: not found")

	// ErrRateLimited matches an [*APIError] with HTTP status 429.
	ErrRateLimited = errors.New("cloudflare: rate limited")

	// ErrAuthentication matches an [*APIError] that refuses the credentials:
	// HTTP status 401, or one of these Cloudflare codes in Errors or in any
	// item's ErrorChain, whatever the status (the API sends a missing or
	// malformed credential as a 400, an unknown one as a 403):
	//
	//	6100   Missing X-Auth-Email header                error_chain of 6003 "Invalid request headers"
	//	6101   Missing X-Auth-Key header                  error_chain of 6003
	//	6102   Invalid format for X-Auth-Email header     error_chain of 6003
	//	6103   Invalid format for X-Auth-Key header       error_chain of 6003 (a token sent as a key)
	//	6111   Invalid format for Authorization header    error_chain of 6003
	//	9103   Unknown X-Auth-Key or X-Auth-Email         403
	//	9106   Missing X-Auth-Key, X-Auth-Email or Authorization headers   400
	//	9109   Invalid access token                       403
	//	10000  Authentication error                       403 (token invalid, or lacking the permission)
	//
	// Sources: 6102, 6103, 9103 and 10000 are in real responses quoted by
	// cloudflare/cloudflare-typescript#161, acmesh-official/acme.sh#6435,
	// openwrt/packages#15714 and rmbolger/Posh-ACME#126; 6100 and 6101 (the
	// missing-header pair of 6102 and 6103) and 6111 by
	// cloudflare/workers-sdk#5175; 9106 by cloudflare/cloudflare-python#2678;
	// 9109 by cert-manager/cert-manager#4465. 6003 alone names no header and
	// is not in the list; a 1001 "Invalid request", a firewall's 403 page or
	// a 404 do not match.
	ErrAuthentication = errors.New("cloudflare: credentials not accepted")

	// ErrOutcomeUnknown matches the error of a call that may have changed
	// something on the server although it failed: a request of any method but
	// GET and HEAD was sent and its outcome was lost (the connection broke
	// after the request was written, the attempt timed out, the answer was a
	// 2xx the client cannot use, or the server replied 500, 502, 503, 504,
	// or Cloudflare's 520, 522 or 524), and the call ended without a
	// confirmed result. It never matches when no attempt could have reached
	// the server. The error still wraps the final one, so [errors.As] finds
	// the [*APIError] it was; test it before the other sentinels. For an
	// invitation, read it ([InviteService.Get]) to learn whether the answer
	// was recorded.
	ErrOutcomeUnknown = errors.New("cloudflare: outcome unknown")
)

// authenticationCodes are the Cloudflare codes that mean the credentials
// were not accepted; [ErrAuthentication] lists them with their sources.
var authenticationCodes = []int{6100, 6101, 6102, 6103, 6111, 9103, 9106, 9109, 10000}

// ValidationError reports an argument or option rejected before any request
// was sent. It matches [ErrValidation]. It never holds the rejected value,
// only where it was and why it is wrong, so a secret passed in the wrong
// place cannot leak through it.
type ValidationError struct {
	// Op is the operation that rejected the input, such as
	// "PATCH /user/invites/{invite_id}" or "NewClient".
	Op string
	// Field names the argument or option, such as "invite_id" or "WithAPIKey".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements the error interface.
func (e *ValidationError) Error() string {
	return "cloudflare: " + e.Op + ": invalid " + e.Field + ": " + e.Reason
}

// Is reports whether target is [ErrValidation].
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// APIError is a response the client could not take as a success: an HTTP
// status that is not 2xx (a redirect that was not followed included), a body
// with "success": false, or a 2xx whose body is not a usable API response
// (HTML from a proxy, truncated JSON, over the size bound, without the result
// the method returns, or broken off: Unwrap then gives the cause). Text from
// the server in it has the client's key or token replaced by "[redacted]".
type APIError struct {
	// Method and Path name the request, such as "PATCH" and
	// "/client/v4/user/invites/4f5f0c14a2a41d5063dd301b2f829f04".
	Method, Path string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Errors and Messages are the envelope's lists, as sent.
	Errors, Messages []ResponseInfo
	// RayID is the CF-Ray header of the response, for Cloudflare support.
	RayID string
	// Body is the start of the body (cut at 256 bytes, then "…"; white space
	// folded) when it was not the JSON envelope.
	Body string
	// RetryAfter is the wait the server asked for in a Retry-After header,
	// or zero.
	RetryAfter time.Duration

	// reason says why a response the server meant as a success is unusable;
	// title is the <title> of an HTML body.
	reason, title string
	attempts      int
	cause         error // what broke a response off
}

// Error implements the error interface.
func (e *APIError) Error() string {
	var parts []string
	if e.StatusCode != 0 { // 0: a response whose head could not be read
		parts = append(parts, strings.TrimSpace(strconv.Itoa(e.StatusCode)+" "+http.StatusText(e.StatusCode)))
	}
	if e.reason != "" {
		parts = append(parts, e.reason)
	}
	var b strings.Builder
	for i := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		e.Errors[i].write(&b, 0)
	}
	switch {
	case b.Len() > 0:
		parts = append(parts, b.String())
	case e.title != "":
		parts = append(parts, "page "+strconv.Quote(e.title))
	case e.Body != "":
		parts = append(parts, "body "+strconv.Quote(e.Body))
	}
	msg := "cloudflare: " + e.Method + " " + e.Path + ": " + strings.Join(parts, ": ")
	if e.RetryAfter > 0 {
		msg += " (retry after " + e.RetryAfter.String() + ")"
	}
	if e.RayID != "" {
		msg += " (ray " + e.RayID + ")"
	}
	return msg + attemptsText(e.attempts)
}

// Is lets [errors.Is] match [ErrNotFound] (404), [ErrRateLimited] (429) and
// [ErrAuthentication] (401, or a credential code).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrAuthentication:
		return e.StatusCode == http.StatusUnauthorized || slices.ContainsFunc(authenticationCodes, e.HasCode)
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// Unwrap returns the cause of a response that broke off (such as
// [io.ErrUnexpectedEOF], or an attempt's timeout), or nil.
func (e *APIError) Unwrap() error { return e.cause }

// HasCode reports whether the server reported the Cloudflare error code, in
// Errors or in any error's ErrorChain.
func (e *APIError) HasCode(code int) bool { return hasCode(e.Errors, code) }

func hasCode(infos []ResponseInfo, code int) bool {
	for _, info := range infos {
		if info.Code == code || hasCode(info.ErrorChain, code) {
			return true
		}
	}
	return false
}

// htmlTitle returns the trimmed, entity-decoded text of an HTML page's
// <title>, at most 200 bytes, or "".
func htmlTitle(body string) string {
	lower := []byte(body) // ASCII letters lowered, so that every index matches body's
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	start := bytes.Index(lower, []byte("<title"))
	if start < 0 {
		return ""
	}
	open := bytes.IndexByte(lower[start:], '>')
	end := bytes.Index(lower[start:], []byte("</title"))
	if open < 0 || end < open {
		return ""
	}
	return clip(strings.Join(strings.Fields(html.UnescapeString(body[start+open+1:start+end])), " "), 200)
}

// clip returns s as valid UTF-8, cut to at most n bytes on a rune boundary
// and marked with "…" when cut.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// callError is the error of a call that got no usable response (the
// connection failed, an attempt timed out, the context ended, the limiter
// refused) or whose outcome is unknown. Its text is built, redacted, when
// the call ends; Unwrap gives the cause, so errors.Is(err,
// context.DeadlineExceeded) works.
type callError struct {
	msg     string
	err     error
	unknown bool // matches ErrOutcomeUnknown
}

func (e *callError) Error() string { return e.msg }

func (e *callError) Unwrap() error { return e.err }

func (e *callError) Is(target error) bool { return e.unknown && target == ErrOutcomeUnknown }

func attemptsText(n int) string {
	if n > 1 {
		return " (after " + strconv.Itoa(n) + " attempts)"
	}
	return ""
}
