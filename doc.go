// Package cloudflare is a small, typed client for Cloudflare's user
// invitations API: find the invitations sent to your user, and accept or
// reject them.
//
//	client, err := cloudflare.NewClient() // credentials from the environment
//	if err != nil {
//		return err
//	}
//	invite, err := client.User.Invites.Accept(ctx, "4f5f0c14a2a41d5063dd301b2f829f04")
//
// The methods live on [InviteService], reached as client.User.Invites:
// [InviteService.Edit] (with [InviteService.Accept] and
// [InviteService.Reject]), [InviteService.Get], [InviteService.List] and
// [InviteService.All].
//
// # Authentication
//
// A client sends either an API token ([WithAPIToken], as
// "Authorization: Bearer …") or a Global API key with its account email
// ([WithAPIKey] and [WithAPIEmail], as X-Auth-Key and X-Auth-Email). With no
// credential option, [NewClient] reads CLOUDFLARE_API_TOKEN, or
// CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY, and CLOUDFLARE_BASE_URL; a token
// there wins over a CLOUDFLARE_EMAIL left beside it, which is ignored.
// Credentials given as options replace the environment as a whole: when any
// credential option is given, nothing is read from the environment, not even
// the base URL, so those credentials go only where the code says. Mixing a
// token with a key, or giving half of a key pair, is an error. The token
// and the key never appear in an error, a log record, or the fmt output of
// any value of this package; the account email is not a secret, and a
// server that echoes it is quoted as it sent it.
// [WithAPITokenSource] asks a function for the token before every attempt,
// for tokens that rotate; its failure is a [*CredentialError].
//
// # Many clients
//
// Clients that bring no *http.Client share one transport, so [NewClient] is
// cheap and a client per tenant or per request costs no connection pool;
// [Client.With] derives a client with other credentials or settings that
// shares its parent's transport and rate limiter. [WithLimiter] lets clients
// of one user share one budget. Idle connections are closed after 90 s, or
// at once by [Client.CloseIdleConnections]; [WithHTTPClient], with an
// *http.Client that has a Transport of its own, gives a client a private
// pool.
//
// # Errors
//
// Every error starts with "cloudflare: " and names what failed: the method
// and path of the call, or NewClient for an option. Match them with
// [errors.Is] and [errors.As]:
//
//   - [*ValidationError] ([ErrValidation]): a bad argument or option; no
//     request was sent.
//   - [*APIError]: the API reported failure. [ErrNotFound],
//     [ErrUnauthorized], [ErrForbidden] and [ErrRateLimited] match it by
//     status; [ErrAuthentication] matches every response that refuses the
//     credentials, by status or Cloudflare code; and [APIError.HasCode]
//     finds a Cloudflare error code, the error_chain included.
//   - [*ResponseError] ([ErrUnexpectedResponse]): a response the client could
//     not use, such as HTML on a 200, a body over the size limit, or a
//     redirect away from the API.
//   - [*RequestError]: no response; it wraps the cause, such as
//     [context.DeadlineExceeded], or a refusal of the [Limiter].
//   - [*CredentialError]: the [WithAPITokenSource] source failed; nothing
//     was sent for that attempt.
//
// An [InviteService.Edit] that may have answered the invitation although it
// failed returns an error that also matches [ErrOutcomeUnknown]: read the
// invitation to know.
//
// # Retries
//
// A failed call is retried up to [DefaultMaxRetries] times
// ([WithMaxRetries]), with exponential backoff and jitter (the first wait
// from 500 ms up to 750 ms, never less than its minimum nor more than its
// maximum; see [WithRetryBackoff]), or after the wait
// a Retry-After header asks for, up to [DefaultMaxRetryWait]
// ([WithMaxRetryWait]); a longer requested wait returns the [*APIError] at
// once, with the wait in RetryAfter, and any wait that would outlast the
// context's deadline returns the last attempt's error at once. What is
// retried depends on the method:
//
//   - GET: connection failures, timeouts, 408, 429, 500, 502, 503 and 504.
//   - PATCH: a connection that could not be made (dial, DNS, a TLS
//     handshake that did not complete), an HTTP/2 stream the server refused
//     or left above a GOAWAY's last stream, 408 and 429 (the server did not
//     act); and, because answering an invitation twice with the same status
//     has the same effect as once, a connection lost once it was ready, any
//     other HTTP/2 stream reset, a timeout, 500, 502, 503 and 504. When such
//     a retry is refused because the invitation is no longer pending,
//     [InviteService.Edit] reads the invitation and reports success if its
//     status is the one asked for.
//
// Other 4xx responses are never retried, nor are failures that retrying
// cannot mend: a certificate that fails verification, a plain-HTTP server
// on an https URL, an error returned by a middleware or by the caller's own
// RoundTripper.
//
// Each attempt has its own timeout ([DefaultTimeout], [WithTimeout]), whose
// error matches [context.DeadlineExceeded] and reports Timeout() == true;
// the context bounds the whole call, and its end stops a wait at once.
//
// # Security
//
// Responses are read through a size cap ([DefaultMaxResponseBytes],
// [WithMaxResponseBytes]). Redirects are followed only within the base URL's
// origin and never when they would change the method; credentials never
// leave that origin. A plain-http base URL is refused unless its host is
// loopback or [WithInsecureHTTP] is given. A token or key that a server or
// proxy echoes anywhere in a response (a header, the status line, the body,
// a value that fails to decode) is replaced by "[redacted]" before it
// reaches an error, a field of an error or a log record; so is any run of 8
// or more of its characters, in any letter case, and its percent-encoded,
// JSON- or JavaScript-escaped, Go-quoted and HTML-escaped forms, up to three
// layers deep. A successful result is returned as the server sent it.
//
// # Source map
//
// The files of this package, in the order a request passes through them:
//
//   - client.go: [NewClient] builds the [Client] from the options.
//   - options.go and config.go: the With* options, and how they, the
//     environment and the defaults resolve into settings and credentials.
//   - user_invites.go: an [InviteService] method checks its arguments and
//     prepares a call.
//   - pipeline.go: the call's attempts: request, rate limit, per-attempt
//     timeout, retries and their waits, logging.
//   - transport.go: the tuned transport and the redirect rule.
//   - decode.go and envelope.go: reading the response within its size cap,
//     decoding the envelope, building an [*APIError] or [*ResponseError].
//   - seal.go and redact.go: the boundary every attempt's result passes
//     before anything reads it, and the redactor it applies, which removes
//     a credential the server echoed.
//   - errors.go: the error types and sentinels a caller matches.
//
// # Testing
//
// Package cloudflaretest runs a fake of this API on loopback, with state,
// authentication and fault injection, so code that uses this client can be
// tested end to end without a network or an account.
package cloudflare
