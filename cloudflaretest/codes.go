package cloudflaretest

// Cloudflare error codes the fake responds with. The package documentation
// has a table of them with their HTTP statuses and sources. Codes from 1100
// to 1107 are the fake's own choice: Cloudflare does not document codes for
// these failures. So is [CodeRateLimited] in an API response: the number is
// Cloudflare's, but for its edge's rate-limit page.
const (
	// CodeNoRoute (404) is returned for a path outside the API's routes,
	// including one without the /client/v4/ prefix: "No route for that URI".
	CodeNoRoute = 7000
	// CodeMethodNotAllowed (405) is returned for a method the route does
	// not have: "Method POST not available for that URI.".
	CodeMethodNotAllowed = 7001
	// CodeInvalidIdentifier (400) is returned for an invite ID that cannot
	// be one: longer than 32 characters, or with a character other than an
	// ASCII letter, digit, '-' or '_'.
	CodeInvalidIdentifier = 7003
	// CodeInvalidHeaders (400) is returned for malformed credentials; its
	// error_chain holds [CodeInvalidEmailHeader], [CodeInvalidKeyHeader] or
	// [CodeInvalidAuthorizationHeader].
	CodeInvalidHeaders = 6003
	// CodeInvalidEmailHeader is in the error_chain of [CodeInvalidHeaders]
	// when X-Auth-Email is missing or not an email address.
	CodeInvalidEmailHeader = 6102
	// CodeInvalidKeyHeader is in the error_chain of [CodeInvalidHeaders]
	// when X-Auth-Key is missing or not 32 to 64 hexadecimal digits (an API
	// token sent as a key, say).
	CodeInvalidKeyHeader = 6103
	// CodeInvalidAuthorizationHeader is in the error_chain of
	// [CodeInvalidHeaders] when Authorization is not "Bearer <token>" with a
	// well-formed token.
	CodeInvalidAuthorizationHeader = 6111
	// CodeUnknownKey (403) is returned for a well-formed email and key that
	// do not match the fake's: "Unknown X-Auth-Key or X-Auth-Email".
	CodeUnknownKey = 9103
	// CodeMissingCredentials (400) is returned for a request with no
	// credential header at all.
	CodeMissingCredentials = 9106
	// CodeAuthentication (403) is returned for a well-formed token that is
	// not the fake's: "Authentication error".
	CodeAuthentication = 10000
	// CodeInvalidBody (400) is returned for a PATCH body that is not a JSON
	// object: "Request body is invalid.".
	CodeInvalidBody = 9207
	// CodeRateLimited (429) is the code of [RateLimited]. It is Cloudflare's
	// documented error number for "You are being rate limited", the page its
	// edge shows; putting it in an API error envelope is the fake's own
	// choice. The API has been seen responding with 429 and code 971, which
	// the schema forbids (codes are at least 1000), so the fake does not use
	// it.
	CodeRateLimited = 1015

	// CodeInviteNotFound (404) is returned for a well-formed invite ID the
	// fake does not hold. The fake's own choice.
	CodeInviteNotFound = 1100
	// CodeInviteNotPending (400) is returned for a PATCH of an invitation
	// already accepted or rejected. The fake's own choice.
	CodeInviteNotPending = 1101
	// CodeInviteExpired (400) is returned for a PATCH of an invitation
	// whose ExpiresOn has passed. The fake's own choice.
	CodeInviteExpired = 1102
	// CodeInvalidStatus (400) is returned for a PATCH body whose "status"
	// is missing or not "accepted" or "rejected"; its source.pointer is
	// "/status". The fake's own choice.
	CodeInvalidStatus = 1103
	// CodeUnsupportedMediaType (415) is returned for a PATCH whose
	// Content-Type is not application/json. The fake's own choice.
	CodeUnsupportedMediaType = 1104
	// CodeInvalidPaging (400) is returned, by a fake made with
	// [WithPageSize], for a list whose page is not a whole number of at
	// least 1, or whose per_page is not one from 1 to the largest allowed.
	// The fake's own choice, as are the paging parameters themselves: the
	// API reference lists none.
	CodeInvalidPaging = 1105
	// CodeBodyTooLarge (413) is returned for a request body over 64 KiB.
	// The fake's own choice.
	CodeBodyTooLarge = 1106
	// CodeFault is in the error envelopes that faults make up: those of
	// [ServerError], and of a [Fault] with an error Status and no Body. The
	// fake's own choice.
	CodeFault = 1107
)
