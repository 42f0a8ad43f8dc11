package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets drive the real pipeline (NewClient, the service
// methods, retries, decoding) through an in-memory http.RoundTripper: no
// sockets, so each input costs microseconds.

// fuzzStatuses are the statuses FuzzDecodeResponse sends, picked by a byte.
var fuzzStatuses = []int{200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 503}

// FuzzDecodeResponse feeds arbitrary bytes as the body of a 2xx, 4xx or 5xx
// response to Get and List. Neither may panic; each returns a result or a
// typed error that describes the response.
func FuzzDecodeResponse(f *testing.F) {
	invite := inviteJSON("4f5f0c14a2a41d5063dd301b2f829f04", InviteStatusPending)
	seeds := []string{
		`{"success":true,"errors":[],"messages":[],"result":` + invite + `}`,
		`{"success":true,"errors":[],"messages":[],"result":[` + invite + `],"result_info":{"page":1,"per_page":20,"count":1,"total_count":1}}`,
		`{"success":true,"result":[]}`,
		`{"success":true,"result":null}`,
		`{"success":true}`,
		`{"success":false,"errors":[{"code":1001,"message":"Invite is not pending"}],"messages":[],"result":null}`,
		`{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6103,"message":"Invalid format for X-Auth-Key header"}]}],"messages":[],"result":null}`,
		`{"success":"yes","result":{}}`,
		`{"result":{"id":1}}`,
		`{"errors":[{"code":"x"}]}`,
		`{"errors":[]}`,
		`<html><body>502 Bad Gateway</body></html>`,
		`null`,
		`[]`,
		``,
		"\xff\xfe\x00",
		`{"success":true,"result":{"expires_on":"not a time"}}`,
		`{"success":true,"result":{"roles":[1,2]}}`,
		`{"success":true,"result":` + invite + `}trailing`,
		`{"success":true,"result":` + invite + `,"success":false}`,
		strings.Repeat(`{"a":`, 200) + strings.Repeat(`}`, 200),
		strings.Repeat("é", 400),
	}
	for i, s := range seeds {
		f.Add([]byte(s), byte(i), "")
	}
	f.Add([]byte(`{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`), byte(9), "30")
	f.Add([]byte(`rate limited`), byte(9), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add([]byte(`rate limited`), byte(9), "99999999999999999999")

	f.Fuzz(func(t *testing.T, body []byte, sel byte, retryAfter string) {
		status := fuzzStatuses[int(sel)%len(fuzzStatuses)]
		rt := &memoryTransport{status: status, body: body, retryAfter: retryAfter}
		c := newMemoryClient(t, rt)
		ctx := context.Background()

		inv, err := c.User.Invites.Get(ctx, "4f5f0c14a2a41d5063dd301b2f829f04")
		checkFuzzResponse(t, "Get", status, body, inv != nil, err)

		invites, info, err := c.User.Invites.List(ctx, &InviteListParams{Page: 2, PerPage: 5})
		checkFuzzResponse(t, "List", status, body, info != nil, err)
		if err == nil && invites == nil {
			t.Errorf("List: nil invites without an error: %q", body)
		}
		if n := len(rt.requests()); n != 2 {
			t.Errorf("%d requests for two calls without retries", n)
		}
	})
}

func checkFuzzResponse(t *testing.T, method string, status int, body []byte, hasResult bool, err error) {
	t.Helper()
	success := status >= 200 && status < 300
	if err == nil {
		if !hasResult {
			t.Fatalf("%s: no error and no result (status %d, body %q)", method, status, body)
		}
		if !success {
			t.Fatalf("%s: no error for status %d", method, status)
		}
		// An independent reading of the body agrees that it reported
		// success with a result: present, and not null except for List,
		// whose null result is documented as an empty list.
		var env struct {
			Success *bool           `json:"success"`
			Result  json.RawMessage `json:"result"` // "null" when null, empty when absent
		}
		if json.Unmarshal(body, &env) != nil || env.Success == nil || !*env.Success || len(env.Result) == 0 ||
			method != "List" && string(env.Result) == "null" {
			t.Fatalf("%s: success from a body that does not report it: %q", method, body)
		}
		return
	}
	if hasResult {
		t.Fatalf("%s: a result and an error: %v", method, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cloudflare: GET /client/v4/user/invites") {
		t.Fatalf("%s: error does not name the call: %q", method, msg)
	}
	var ae *APIError
	var re *ResponseError
	switch {
	case errors.As(err, &ae):
		if ae.StatusCode != status {
			t.Fatalf("%s: APIError status %d for %d", method, ae.StatusCode, status)
		}
		if len(ae.Body) > excerptBytes+len("…") || !utf8.ValidString(ae.Body) {
			t.Fatalf("%s: body excerpt of %d bytes, valid UTF-8 %v", method, len(ae.Body), utf8.ValidString(ae.Body))
		}
		if ae.RetryAfter < 0 {
			t.Fatalf("%s: negative RetryAfter %v", method, ae.RetryAfter)
		}
		if ae.Attempts != 1 || ae.RayID != "memory-ray" {
			t.Fatalf("%s: attempts %d, ray %q", method, ae.Attempts, ae.RayID)
		}
	case errors.As(err, &re):
		if !success {
			t.Fatalf("%s: ResponseError for status %d: %v", method, status, err)
		}
		if !errors.Is(err, ErrUnexpectedResponse) {
			t.Fatalf("%s: ResponseError does not match ErrUnexpectedResponse", method)
		}
	default:
		t.Fatalf("%s: untyped error %T: %v", method, err, err)
	}
	if !success && !errors.As(err, &ae) {
		t.Fatalf("%s: status %d is not an APIError: %v", method, status, err)
	}
}

// validFuzzID is the documented shape of an invite ID, written apart from
// the package's own check.
var validFuzzID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// FuzzInviteID sends arbitrary IDs to Get and Edit. An ID is rejected with
// a *ValidationError before any request, or it becomes exactly one path
// segment under /client/v4/user/invites/, equal to the ID.
func FuzzInviteID(f *testing.F) {
	for _, id := range []string{
		"4f5f0c14a2a41d5063dd301b2f829f04",
		"a", "A-b_9", strings.Repeat("x", 32), strings.Repeat("x", 33),
		"", ".", "..", "../..", "../../accounts", "a/b", "a%2Fb", "%2e%2e", "a?b=c", "a#frag",
		"a b", "a\x00b", "a\nb", "é", "\u202e", "a;b", "a\\b", "~user", "//evil.example",
		"http://evil.example/", "@evil", "-", "_",
	} {
		f.Add(id)
	}
	body := []byte(`{"success":true,"errors":[],"messages":[],"result":` + inviteJSON("x", InviteStatusAccepted) + `}`)
	f.Fuzz(func(t *testing.T, id string) {
		for _, method := range []string{http.MethodGet, http.MethodPatch} {
			rt := &memoryTransport{status: 200, body: body}
			c := newMemoryClient(t, rt)
			var err error
			if method == http.MethodGet {
				_, err = c.User.Invites.Get(context.Background(), id)
			} else {
				_, err = c.User.Invites.Edit(context.Background(), id, InviteEditParams{Status: InviteStatusAccepted})
			}
			reqs := rt.requests()
			var ve *ValidationError
			if errors.As(err, &ve) {
				if len(reqs) != 0 {
					t.Fatalf("%s %q: %d requests after a validation error", method, id, len(reqs))
				}
				if ve.Field != "invite_id" {
					t.Fatalf("%s %q: validation error on %q", method, id, ve.Field)
				}
				if validFuzzID.MatchString(id) {
					t.Fatalf("%s %q: a valid ID was rejected: %v", method, id, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s %q: %v", method, id, err)
			}
			if !validFuzzID.MatchString(id) {
				t.Fatalf("%s %q: an ID outside the documented shape was sent", method, id)
			}
			if len(reqs) != 1 {
				t.Fatalf("%s %q: %d requests, want 1", method, id, len(reqs))
			}
			r := reqs[0]
			const prefix = "/client/v4/user/invites/"
			path := r.URL.EscapedPath()
			segment, ok := strings.CutPrefix(path, prefix)
			switch {
			case r.Method != method:
				t.Fatalf("%q: method %s, want %s", id, r.Method, method)
			case r.URL.Host != "127.0.0.1" || r.URL.Scheme != "http":
				t.Fatalf("%q: sent to %s://%s", id, r.URL.Scheme, r.URL.Host)
			case !ok:
				t.Fatalf("%q: path %q is not under %s", id, path, prefix)
			case segment != id:
				t.Fatalf("%q: path segment %q, want the ID", id, segment)
			case strings.Contains(segment, "/") || strings.Contains(segment, "..") || segment == "" || segment == ".":
				t.Fatalf("%q: path segment %q escapes", id, segment)
			case r.URL.RawQuery != "" || r.URL.Fragment != "":
				t.Fatalf("%q: query %q, fragment %q", id, r.URL.RawQuery, r.URL.Fragment)
			case r.URL.Path != prefix+id:
				t.Fatalf("%q: decoded path %q", id, r.URL.Path)
			}
		}
	})
}

// fuzzEchoSecrets are the credentials FuzzEchoedCredential's server echoes.
// They are fixed, not chosen by the fuzzer: a secret such as "/client/v4/"
// would be "found" in the path the SDK itself writes in every error.
var fuzzEchoSecrets = []string{
	"0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c",
	"Zq3-9xY_kLm2PwR8sT4vB6nC1dF5gH7jK0aE2iOu",
	`tK/"n\<&>%+=?#;:@!$'()*,[]^{|}~Q9`,
}

// FuzzEchoedCredential is TestEchoedCredentialNeverLeaks with the response
// chosen by the fuzzer: a raw HTTP/1.1 response (status line, headers and
// body, any bytes) with the markers of echoPlacement where the server
// echoes the credential, in one of echoEncodings. Whatever the bytes, no
// method's error, its fields, what it wraps, or the log holds the secret.
// The seed corpus is every placement of the generative test. The server is
// in memory (net.Pipe), with the real HTTP/1.1 parsing of net/http.
func FuzzEchoedCredential(f *testing.F) {
	for i, p := range echoPlacements() {
		m := i % len(echoMethods)
		f.Add(p.tmpl(echoMethods[m].list), uint8(i), uint8(m), uint8(i/3), uint8(i/7))
	}
	f.Fuzz(func(t *testing.T, tmpl string, encoding, method, cred, logger uint8) {
		secret := fuzzEchoSecrets[int(cred)%len(fuzzEchoSecrets)]
		creds := echoCredentials(secret, secret)
		ec := &echoCase{
			placement: echoPlacement{name: "fuzzed", tmpl: func(bool) string { return tmpl }},
			encoding:  int(encoding) % len(echoEncodings),
			method:    echoMethods[int(method)%len(echoMethods)],
			cred:      creds[int(cred)/len(fuzzEchoSecrets)%len(creds)],
			logger:    int(logger) % 3,
			echoFrom:  1 + int(logger/3)%2,
		}
		var count atomic.Int32
		transport := &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(context.Context, string, string) (net.Conn, error) {
				client, server := net.Pipe()
				go serveRaw(server, &count, ec.respond)
				return client, nil
			},
		}
		defer transport.CloseIdleConnections()
		ec.run(t, "http://127.0.0.1/client/v4/", WithHTTPClient(&http.Client{Transport: transport}),
			// Retries, but never a real wait: a Retry-After the fuzzer
			// writes ends the call as the SDK documents.
			WithRetryBackoff(time.Nanosecond, time.Nanosecond), WithMaxRetryWait(time.Millisecond), WithTimeout(2*time.Second))
	})
}
