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
// [InviteService.All]. [Client.Do] reaches any other endpoint of the API
// through the same pipeline, and [WithResponseInto] reports what the server
// sent for any call: status, headers, Ray ID, messages and body.
//
// The examples of this package (example_test.go, ExampleClient_Do among
// them) run against the fake of package cloudflaretest, so they need no
// account and no network: go test -run '^Example' -v . runs them.
//
// # Authentication
//
// A client sends either an API token ([WithAPIToken], as
// "Authorization: Bearer …") or a Global API key with its account email
// ([WithAPIKey] and [WithAPIEmail], as X-Auth-Key and X-Auth-Email). With no
// credential option, [NewClient] reads CLOUDFLARE_API_TOKEN, or
// CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY; a token there wins over a
// CLOUDFLARE_EMAIL left beside it. Credentials given as options replace the
// environment's as a whole. CLOUDFLARE_BASE_URL applies unless [WithBaseURL]
// is given, whatever the credentials' source. Mixing a token with a key, or
// giving half of a key pair, is an error.
//
// # Errors
//
// Every error starts with "cloudflare: " and names what failed: the method
// and path of the call, or the operation for an option. Match them with
// [errors.Is] and [errors.As]:
//
//   - [*ValidationError] ([ErrValidation]): a bad argument or option; no
//     request was sent.
//   - [*APIError]: a response that is not a success: an error status,
//     "success": false, or a body the client cannot use (HTML from a proxy,
//     truncated JSON, a body over 1 MiB, headers over 64 KiB, a redirect away
//     from the API). [ErrNotFound] and [ErrRateLimited] match it by status;
//     [ErrAuthentication] matches every response that refuses the
//     credentials, by status or Cloudflare code; [APIError.HasCode] finds a
//     code, the error_chain included. For an HTML page, the message quotes
//     its <title>.
//   - Anything else is a call that got no response: the error wraps the
//     cause, such as [context.DeadlineExceeded] (an attempt's own timeout
//     is also a [net.Error] whose Timeout is true) or a *net.OpError.
//
// A call that may have changed something on the server although it failed
// returns an error that also matches [ErrOutcomeUnknown].
//
// # Retries
//
// A failed call is retried up to 2 times ([WithMaxRetries]), after the wait
// a Retry-After header asks for, or else with exponential backoff and
// jitter ([WithRetryBackoff]: the first wait 500 to 750 ms, none over 8 s).
// A Retry-After over a minute, or a wait that would outlast the context's
// deadline, returns the last error at once. What is retried depends on the
// method:
//
//   - Every method: a request that certainly did not reach the server (no
//     byte of it was written: a refused connection, a TLS handshake that
//     failed), 408, 429, and Cloudflare's 521, 523, 525 and 526, which say
//     the API's origin was not reached.
//   - GET, HEAD, PUT, DELETE, and a call marked [WithIdempotent] (as the
//     PATCH of [InviteService.Edit] is): also a lost outcome: a connection
//     lost after the request was written, an attempt that timed out, a 2xx
//     the client cannot use, 500, 502, 503, 504, and Cloudflare's 520, 522
//     and 524. Other calls that meet one fail with an error matching
//     [ErrOutcomeUnknown].
//
// When Edit still ends without a confirmed result, it reads the invitation
// and reports success if its status is the one asked for. Never retried:
// other statuses, and failures a retry cannot mend (a host name that does
// not resolve, a certificate that fails verification, a plain-HTTP server on
// an https URL, a response head that is malformed or over 64 KiB, a 2xx
// body over 1 MiB). The codes and their sources are in one table, in
// internal/retry. Each attempt has its own timeout ([DefaultTimeout],
// [WithTimeout]); the context bounds the whole call, and its end stops a
// wait at once.
//
// # Security
//
// Response bodies are read up to 1 MiB and headers up to 64 KiB (a Transport
// of your own, given with [WithHTTPClient], keeps its own bound). Redirects
// are followed only within the base URL's origin and never when they would
// change the method, so credentials never leave that origin. A plain-http
// base URL is refused unless its host is loopback or [WithInsecureHTTP] is
// given. The token or key never appears in an error, a log record, a
// [Response], or the fmt output of a [Client]: where a server echoes it, as
// sent or in the forms encoders write (JSON, with "\/" or every symbol as
// \u00XX; Go quoting; URL query, path and percent escaping, either case of
// hex), it is replaced by "[redacted]". A successful result is returned as
// the server sent it.
//
// # Many clients
//
// Clients that bring no *http.Client share one transport, so a client per
// tenant or per request costs no connection pool; [Client.With] derives a
// client that shares its parent's transport and limiter. [WithLimiter] lets
// the clients of one user share one budget.
//
// # Testing
//
// Package cloudflaretest runs a fake of this API on loopback, with state,
// authentication and fault injection, so code that uses this client can be
// tested end to end without a network or an account.
package cloudflare
