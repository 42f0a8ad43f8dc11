// Package cloudflaretest runs a fake of Cloudflare's user-invitations API on
// loopback, for testing code that uses package cloudflare end to end: the
// real client, real HTTP, no network and no account.
//
//	func TestAcceptFirstInvite(t *testing.T) {
//		srv := cloudflaretest.NewServer()
//		t.Cleanup(srv.Close)
//		client, err := srv.Client()
//		if err != nil {
//			t.Fatal(err)
//		}
//		if err := acceptFirstInvite(ctx, client); err != nil { // the code under test
//			t.Fatal(err)
//		}
//		inv, _ := srv.Invite(cloudflaretest.SeedInviteID)
//		if inv.Status != cloudflare.InviteStatusAccepted {
//			t.Errorf("status = %q, want accepted", inv.Status)
//		}
//	}
//
// [NewServer] listens on 127.0.0.1 and serves plain HTTP/1.1;
// [NewTLSServer] serves the same over TLS with a certificate it makes,
// negotiating HTTP/2 with clients that offer it and HTTP/1.1 with the
// others ([Server.Client] trusts the certificate; [Server.Certificate]
// gives it to other clients). Both serve, under /client/v4/:
//
//	GET   /client/v4/user/invites               list, with result_info
//	GET   /client/v4/user/invites/{invite_id}   one invitation
//	PATCH /client/v4/user/invites/{invite_id}   {"status":"accepted"|"rejected"}
//	POST  /__fake/reset                         the fake's own: Reset (see State)
//
// and any route you add with [Server.Handle] (see Routes of your own).
// [WithListener] serves on a listener of your choosing, and
// [Server.Handler] serves the same fake from a server of your own. The
// program cloudflare-fake (cmd/cloudflare-fake) runs it as a process, for
// tests of scripts and programs in any language.
//
// Every response of the fake's own routes is the Cloudflare envelope
// (success, errors, messages, result, and result_info on a list) with
// Content-Type application/json and a CF-Ray header. Error responses have "result": null and "messages": [].
// The responses follow Cloudflare's OpenAPI schema for these operations; the
// package's tests validate every kind of response the fake sends, over
// HTTP/1.1 and HTTP/2, against it.
//
// # State
//
// A new server holds the seed invitations of [SeedInvites]: the API
// reference's example, pending ([SeedInviteID]); a second pending one
// ([SeedPendingInviteID]); one already accepted ([SeedAcceptedInviteID]); and
// one expired ([SeedExpiredInviteID]). [WithoutSeed] starts empty and
// [WithSeed] with invitations of your own. [Server.AddInvite] adds or
// replaces invitations and [Server.RemoveInvite] deletes one;
// [Server.Invite] and [Server.Invites] read them back for assertions.
// [Server.Reset] puts back the seed and forgets requests and faults, so one
// server can serve several tests in turn. Invitations are the SDK's own
// [cloudflare.Invite]; the fake writes them as the API does (an empty
// InvitedMemberID as null, times in RFC 3339 in UTC).
//
// POST /__fake/reset does what Server.Reset does, for tests that reach the
// fake only over HTTP (other SDKs' tests against cloudflare-fake, say). It
// needs no credentials, is accepted only from a loopback address (403 with
// code 1108 from any other; 405 with code 7001 for another method), and responds 200 with the envelope and
// "result": null. The path and its behaviour are the fake's own.
//
// A PATCH moves a pending invitation to accepted or rejected. A pending
// invitation whose ExpiresOn has passed by the server's clock ([WithNow],
// or [Server.SetNow] to stop it at a given time) is expired: it reads as
// such, and answering it fails. Answering an invitation that is not
// pending fails too. Those two failures are not documented by the API
// reference: their statuses and codes are the fake's own.
//
// The list is served as the API reference documents it, with no query
// parameters: every invitation in one response, with a result_info that says
// so (page 1, per_page and count the number of invitations, total_count the
// same). [WithPageSize] makes the fake page instead, so code that pages can
// be tested: it then honours page and per_page. Those parameters, their
// limits and code 1105 are the fake's own choice.
//
// # Routes of your own
//
// A wrapper of the SDK that reaches other endpoints with
// [cloudflare.Client.Do] adds them to the fake with [Server.Handle], in
// [http.ServeMux] pattern style, relative to the API root or absolute:
//
//	srv.Handle("DELETE memberships/{id}", handler) // or "DELETE /client/v4/memberships/{id}"
//
// Such a route is served through the same machinery as the fake's own: the
// credential check before the handler runs, the fault queue and its
// targets (a fault with Commit runs the handler, then fails the response:
// [AppliedThenDropped] is "the membership was deleted, then the connection
// dropped"), the request log and CF-Ray. [WriteResult] and [WriteError]
// write the Cloudflare envelope. What the route answers is yours: the fake
// adds no behaviour of the API to it, but for answering its path with
// another method 405 with code 7001, as for its own routes. A route of
// yours takes precedence over the fake's own.
//
// # Authentication
//
// The fake accepts X-Auth-Email and X-Auth-Key with [DefaultEmail] and
// [DefaultAPIKey], or "Authorization: Bearer" with [DefaultToken]; change
// them with [WithCredentials] and [WithToken]. [Server.Client] returns a
// client wired to the fake with its email and key. Credentials are checked
// as the real API does: missing (400, 9106), malformed (400, 6003 with the
// cause in error_chain), then unknown (403, 9103 for a key, 10000 for a
// token). Routing comes first: an unknown route or a malformed invite ID is
// reported whatever the credentials (the fake's own order, see below).
//
// # Requests
//
// [Server.Requests] returns every request received (but those to /__fake/reset),
// with the values of X-Auth-Key and Authorization replaced by [Masked], and
// the status of the response each got.
//
// # Faults
//
// [Server.FailNext] makes the next requests go wrong: a [Fault] can delay,
// drop the connection, redirect, cut the JSON in half, or respond with any
// status, header and body, after handling the request (Commit) or instead
// of it. [RateLimited], [ServerError], [BadGatewayHTML], [Malformed],
// [Slow], [DropConnection] and [Redirect] build the common ones;
// [AppliedThenDropped] and [AppliedThenMalformed] build the case a write
// most needs tested: the server applied it, and its answer was lost or cut
// off. A fault responds to the next requests whatever they are, or only
// those its [Target]s select: by method ([OnMethod]), path ([OnPath]),
// invitation ([OnInvite]) or any predicate, so a fault meant for a PATCH
// never hits a concurrent GET.
//
// Faults are deterministic: each responds to exactly the requests asked,
// and a dropped connection fails exactly one request (Go's transport does
// not send it again unseen). [Server.Client] retries after 1 to 16 ms
// rather than after the SDK's default backoff, so a test with injected
// faults runs in milliseconds, except where a response says how long to
// wait: Retry-After is in whole seconds, so a 429 of RateLimited(d) with d
// over zero costs a second or more per retry, and RateLimited(0) none.
// Faults never apply to POST /__fake/reset.
//
// Over HTTP/2 ([NewTLSServer]) a dropped connection cannot be handed over
// by net/http: the request's stream is reset instead.
//
// # Error codes
//
// The codes the fake responds with, their HTTP statuses, and where each
// comes from. Codes marked "the fake's own" are not documented by
// Cloudflare for these failures; tests can match any of them with
// [cloudflare.APIError.HasCode].
//
//	code   HTTP  when                                          source
//	7000   400   unknown route, or no /client/v4/ prefix       real responses [1] [4]
//	7001   405   method the route does not have (with Allow)   real responses [2]
//	7003   400   invite ID over 32 chars, or bad character     real responses [1]
//	9106   400   no credential header at all                   real responses [2]
//	6003   400   malformed credentials; error_chain holds:     real responses [1]
//	6102   -       X-Auth-Email missing or malformed           real responses [1]
//	6103   -       X-Auth-Key missing or not 32-64 hex digits  real responses [1]
//	6111   -       Authorization not "Bearer <token>"          real responses [2]
//	9103   403   well-formed but unknown email or key          real responses [1]
//	10000  403   well-formed but unknown token                 real responses [1]
//	9207   400   PATCH body not a JSON object                  real responses [2]
//	1015   429   the RateLimited fault                         the fake's own [3]
//	1100   404   unknown invite ID                             the fake's own
//	1101   400   answering an accepted or rejected invite      the fake's own
//	1102   400   answering an expired invite                   the fake's own
//	1103   400   "status" missing, or not accepted/rejected    the fake's own
//	             (with source.pointer "/status")
//	1104   415   PATCH Content-Type not application/json       the fake's own
//	1105   400   bad page or per_page (WithPageSize only)      the fake's own
//	1106   413   request body over 64 KiB                      the fake's own
//	1107   any   ServerError; error-Status Fault with no Body  the fake's own
//	1108   403   POST /__fake/reset from a non-loopback peer   the fake's own
//
// Sources:
//   - [1] real responses quoted in public issue threads, gathered in the
//     project's reference notes on Cloudflare errors (6003 with 6102 and
//     6103: cloudflare-typescript#161, acme.sh#6435, openwrt/packages#15714).
//   - [2] real responses quoted in public reports: "Method PUT not available
//     for that URI." (7001), "Missing X-Auth-Key, X-Auth-Email or
//     Authorization headers" (9106), "Invalid format for Authorization
//     header" (6111, under 6003), "Request body is invalid." (9207).
//   - [3] Cloudflare documents a 429 for a client over its rate limit, with
//     Retry-After, and error 1015, "You are being rate limited", as the page
//     its edge shows; the fake puts that number in the API's error
//     envelope. The API itself has been seen responding with 429 and code
//     971, which the schema forbids (codes are at least 1000), so the fake
//     does not send it.
//   - [4] "No route for that URI" (7000) comes with 400 in the public report
//     that quotes the status with the body (Jazee6/cloudflare-ai-web#52);
//     the reference notes give "400/404" for 7000 and 7003 together. The
//     fake sends 400, so that [cloudflare.ErrNotFound] (404) keeps meaning
//     "no such object": a mistyped path in a wrapper's [cloudflare.Client.Do]
//     is not taken for a missing object.
//
// The checks run in this order: body size, route, method, invite ID,
// credentials, then the operation (for a PATCH: Content-Type, body, status
// field, the invitation's existence, its state); for a route added with
// Handle: body size, route, credentials, then the handler. The API reference states
// no order; this one is the fake's own, consistent with the real responses
// above (a malformed credential is reported before an unknown one).
package cloudflaretest
