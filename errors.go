// This file holds the errors a caller sees: the sentinels for errors.Is and
// the typed errors for errors.As.

package cloudflare

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for use with [errors.Is]. The typed errors of this package
// ([*ValidationError], [*APIError], [*ResponseError]) match the sentinels
// that describe them, so callers never need to compare error strings.
var (
	// ErrValidation matches every [*ValidationError]: an argument or option
	// was rejected before any request was sent.
	ErrValidation = errors.New("cloudflare: invalid argument")

	// ErrUnexpectedResponse matches every [*ResponseError]: the server
	// replied with something that is not a usable Cloudflare API response
	// (a 2xx that is not the envelope, a body over the size limit, a
	// redirect that was not followed).
	ErrUnexpectedResponse = errors.New("cloudflare: unexpected response")

	// ErrNotFound matches an [*APIError] with HTTP status 404.
	ErrNotFound = errors.New("cloudflare: not found")

	// ErrUnauthorized matches an [*APIError] with HTTP status 401. To learn
	// whether the credentials were refused, whatever the status, use
	// [ErrAuthentication].
	ErrUnauthorized = errors.New("cloudflare: unauthorized")

	// ErrAuthentication matches an [*APIError] that means "these
	// credentials are not accepted": HTTP status 401, or one of the
	// Cloudflare codes below in Errors or in any item's ErrorChain. The real
	// API sends a missing, malformed or unknown key or token as a 400 or a
	// 403, so [ErrUnauthorized] alone misses them. The codes, with where
	// their meaning is documented:
	//
	//	6102   Invalid format for X-Auth-Email header   error_chain of 6003 "Invalid request headers", 400
	//	6103   Invalid format for X-Auth-Key header     error_chain of 6003, 400 (a token sent as a key)
	//	6111   Invalid format for Authorization header  error_chain of 6003, 400
	//	9103   Unknown X-Auth-Key or X-Auth-Email       403
	//	9106   Missing X-Auth-Key, X-Auth-Email or Authorization headers   400
	//	9109   Invalid access token                     403
	//	10000  Authentication error                     403 (token invalid, or lacking the permission)
	//
	// Sources: 6102, 6103, 9103 and 10000 are in the real responses quoted
	// by cloudflare/cloudflare-typescript#161, acmesh-official/acme.sh#6435,
	// openwrt/packages#15714 and rmbolger/Posh-ACME#126; 6111 by
	// cloudflare/workers-sdk#5175 and jeessy2/ddns-go#916; 9106 by
	// cloudflare/cloudflare-python#2678; 9109 by cert-manager/cert-manager#4465.
	// 6003 alone ("Invalid request headers") is not in the list: it names no
	// header, and its error_chain says which one was refused.
	ErrAuthentication = errors.New("cloudflare: credentials not accepted")

	// ErrOutcomeUnknown matches the error of an [InviteService.Edit] (and
	// so of Accept and Reject) that may have changed the invitation even
	// though it failed: an attempt was sent and its outcome was lost (the
	// connection broke after the request was written, the attempt timed
	// out, or the server replied 500, 502, 503 or 504), and the call then
	// ended without a confirmed result, whatever ended it: the context
	// during a wait, the retries running out, another error, or a
	// reconciling read that failed. It never matches when no attempt could
	// have reached the server (a dial or DNS failure, a TLS handshake that
	// did not complete, a refused certificate, an error of a middleware).
	//
	// The error still wraps the final one, so [errors.As] finds the
	// [*APIError] or [*RequestError] it was. What to do: read the
	// invitation ([InviteService.Get]) before acting on the failure; its
	// status says whether the answer was recorded. Answering again with the
	// same status is also safe, as it has the same effect as once.
	ErrOutcomeUnknown = errors.New("cloudflare: outcome unknown")

	// ErrForbidden matches an [*APIError] with HTTP status 403.
	ErrForbidden = errors.New("cloudflare: forbidden")

	// ErrRateLimited matches an [*APIError] with HTTP status 429.
	ErrRateLimited = errors.New("cloudflare: rate limited")
)

// ValidationError reports an argument or option that was rejected before any
// request was sent. It matches [ErrValidation]. It never holds the rejected
// value itself, only where it was and why it is wrong, so a secret passed in
// the wrong place cannot leak through it.
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

// APIError is a response from the Cloudflare API that reports failure: a body
// with "success": false (whatever the HTTP status), or any status that is
// neither 2xx nor 3xx (a redirect that is not followed is a [*ResponseError]).
// When the body is not the JSON envelope (an HTML page from a proxy, say),
// Body holds a short excerpt of it.
//
// Use [errors.As] to reach it, or [errors.Is] with [ErrNotFound],
// [ErrUnauthorized], [ErrForbidden] or [ErrRateLimited].
type APIError struct {
	// Method and Path name the request, such as "PATCH" and
	// "/client/v4/user/invites/4f5f0c14a2a41d5063dd301b2f829f04".
	Method string
	Path   string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Errors and Messages are the envelope's lists, as sent.
	Errors   []ResponseInfo
	Messages []ResponseInfo
	// RayID is the CF-Ray header of the response, for Cloudflare support
	// (cut at 1 KiB, redacted like any text from the server).
	RayID string
	// Body is a trimmed excerpt of the body when it was not the JSON envelope.
	Body string
	// RetryAfter is the wait the server asked for in its Retry-After header,
	// or zero when it asked for none.
	RetryAfter time.Duration
	// Attempts is how many attempts the call made, retries included.
	Attempts int
}

// Error implements the error interface.
func (e *APIError) Error() string {
	var b strings.Builder
	writeHead(&b, e.Method, e.Path)
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	for i, info := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(info.String())
	}
	if len(e.Errors) == 0 && e.Body != "" {
		b.WriteString(": body: ")
		b.WriteString(strconv.Quote(e.Body))
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteByte(')')
	}
	writeRay(&b, e.RayID)
	writeAttempts(&b, e.Attempts)
	return b.String()
}

// Is lets [errors.Is] match the status sentinels: [ErrNotFound] (404),
// [ErrUnauthorized] (401), [ErrForbidden] (403) and [ErrRateLimited] (429);
// and [ErrAuthentication], by status or by code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrAuthentication:
		return e.StatusCode == http.StatusUnauthorized || hasCode(e.Errors, authenticationCodes...)
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// HasCode reports whether the server reported the Cloudflare error code, in
// Errors or in any error's ErrorChain.
func (e *APIError) HasCode(code int) bool {
	return hasCode(e.Errors, code)
}

// authenticationCodes are the Cloudflare codes that mean the credentials
// were not accepted; [ErrAuthentication] lists them with their sources.
var authenticationCodes = []int{6102, 6103, 6111, 9103, 9106, 9109, 10000}

// hasCode reports whether any of codes is in infos or their chains.
func hasCode(infos []ResponseInfo, codes ...int) bool {
	for _, info := range infos {
		if slices.Contains(codes, info.Code) || hasCode(info.ErrorChain, codes...) {
			return true
		}
	}
	return false
}

// outcomeUnknownError wraps the final error of an Edit whose outcome is
// unknown; it matches [ErrOutcomeUnknown] and unwraps to that error.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (outcome unknown: an attempt may have changed the invitation; read it to know)"
}

func (e *outcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

func (e *outcomeUnknownError) Unwrap() error { return e.err }

// ResponseError reports a response that the client could not use: a 2xx whose
// body is not a valid envelope or lacks the result (an invitation without an
// ID, alone or in a list, counts as lacking; a list's null result is an empty
// list), a body larger than the configured limit, a redirect that was not
// followed, or, from [InviteService.All], a page that repeats an invitation
// already yielded. It matches [ErrUnexpectedResponse].
type ResponseError struct {
	// Method and Path name the request.
	Method string
	Path   string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// RayID is the CF-Ray header of the response, if any.
	RayID string
	// Location is where a refused redirect pointed, without its query or
	// fragment; for a Location that is not a valid URL, its text up to any
	// '?' or '#'. It is cut at 1 KiB, and a credential the server echoed
	// into it is redacted.
	Location string
	// Reason says what was wrong with the response.
	Reason string
	// Err is the underlying decoding error, if any.
	Err error
	// Attempts is how many attempts the call made, retries included.
	Attempts int
}

// Error implements the error interface.
func (e *ResponseError) Error() string {
	var b strings.Builder
	writeHead(&b, e.Method, e.Path)
	b.WriteString("unexpected response: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	writeRay(&b, e.RayID)
	writeAttempts(&b, e.Attempts)
	return b.String()
}

// Is reports whether target is [ErrUnexpectedResponse].
func (e *ResponseError) Is(target error) bool { return target == ErrUnexpectedResponse }

// Unwrap returns the underlying decoding error, if any.
func (e *ResponseError) Unwrap() error { return e.Err }

// RequestError reports a call that got no usable response: the connection
// failed, the attempt timed out, a successful response body broke off, or
// the context ended. Unwrap gives the cause, so
// errors.Is(err, context.DeadlineExceeded) works.
type RequestError struct {
	// Method and Path name the request.
	Method string
	Path   string
	// Attempts is how many attempts the call made, retries included.
	Attempts int
	// Err is the cause.
	Err error
}

// Error implements the error interface.
func (e *RequestError) Error() string {
	var b strings.Builder
	writeHead(&b, e.Method, e.Path)
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("request failed")
	}
	writeAttempts(&b, e.Attempts)
	return b.String()
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// writeHead starts an error string: "cloudflare: METHOD PATH: ".
func writeHead(b *strings.Builder, method, path string) {
	b.WriteString("cloudflare: ")
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(path)
	b.WriteString(": ")
}

func writeRay(b *strings.Builder, ray string) {
	if ray != "" {
		b.WriteString(" (ray ")
		b.WriteString(ray)
		b.WriteByte(')')
	}
}

func writeAttempts(b *strings.Builder, n int) {
	if n > 1 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(" attempts)")
	}
}

// CredentialError reports a call that failed because the credential source
// given with [WithAPITokenSource] returned an error or an unusable token.
// Nothing was sent for the attempt that asked, and the call was not retried.
// Unwrap gives the source's error.
type CredentialError struct {
	// Method and Path name the request.
	Method string
	Path   string
	// Attempts is how many attempts were sent before the source failed.
	Attempts int
	// Err is what the source returned, or why its token is unusable (the
	// token itself is never kept).
	Err error
}

// Error implements the error interface.
func (e *CredentialError) Error() string {
	var b strings.Builder
	writeHead(&b, e.Method, e.Path)
	b.WriteString("credential source: ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("failed")
	}
	if e.Attempts > 0 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts sent)")
	}
	return b.String()
}

// Unwrap returns the source's error.
func (e *CredentialError) Unwrap() error { return e.Err }
