package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIError_Error(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *APIError
		want string
	}{
		{
			name: "status only",
			err:  &APIError{Method: "GET", Path: invitePath, StatusCode: 404, Attempts: 1},
			want: "cloudflare: GET " + invitePath + ": 404 Not Found",
		},
		{
			name: "unknown status",
			err:  &APIError{Method: "GET", Path: invitePath, StatusCode: 599},
			want: "cloudflare: GET " + invitePath + ": 599",
		},
		{
			name: "errors, pointer and chain",
			err: &APIError{
				Method: "PATCH", Path: invitePath, StatusCode: 400,
				Errors: []ResponseInfo{
					{Code: 1004, Message: "invalid status", Source: ErrorSource{Pointer: "/status"}},
					{Code: 6003, Message: "Invalid request headers", ErrorChain: []ResponseInfo{
						{Code: 6102, Message: "Invalid format for X-Auth-Email header"},
						{Code: 6103, Message: "Invalid format for X-Auth-Key header"},
					}},
				},
				Messages: []ResponseInfo{{Code: 1, Message: "messages are not errors"}},
			},
			want: "cloudflare: PATCH " + invitePath + ": 400 Bad Request: 1004 invalid status (at /status); " +
				"6003 Invalid request headers [6102 Invalid format for X-Auth-Email header; 6103 Invalid format for X-Auth-Key header]",
		},
		{
			name: "body excerpt, retry after, ray and attempts",
			err: &APIError{
				Method: "GET", Path: invitePath, StatusCode: 502, Body: `<html> "bad" </html>`,
				RetryAfter: 2 * time.Second, RayID: testRayID, Attempts: 3,
			},
			want: "cloudflare: GET " + invitePath + `: 502 Bad Gateway: body: "<html> \"bad\" </html>"` +
				" (retry after 2s) (ray " + testRayID + ") (after 3 attempts)",
		},
		{
			name: "errors win over the body",
			err: &APIError{
				Method: "GET", Path: invitePath, StatusCode: 500, Body: "ignored",
				Errors: []ResponseInfo{{Code: 1000, Message: "internal"}},
			},
			want: "cloudflare: GET " + invitePath + ": 500 Internal Server Error: 1000 internal",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestAPIError_Is(t *testing.T) {
	t.Parallel()
	sentinels := map[error]int{ErrNotFound: 404, ErrUnauthorized: 401, ErrForbidden: 403, ErrRateLimited: 429}
	for _, status := range []int{200, 400, 401, 403, 404, 409, 429, 500, 502} {
		err := error(&APIError{Method: "GET", Path: invitePath, StatusCode: status})
		for sentinel, sentinelStatus := range sentinels {
			assert.Equal(t, status == sentinelStatus, errors.Is(err, sentinel), "status %d, sentinel %v", status, sentinel)
		}
		assert.NotErrorIs(t, err, ErrValidation)
		assert.NotErrorIs(t, err, ErrUnexpectedResponse)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
	}
}

func TestAPIError_HasCode(t *testing.T) {
	t.Parallel()
	e := &APIError{
		Errors: []ResponseInfo{
			{Code: 1000},
			{Code: 6003, ErrorChain: []ResponseInfo{
				{Code: 6102},
				{Code: 6103, ErrorChain: []ResponseInfo{{Code: 7777}}},
			}},
		},
		Messages: []ResponseInfo{{Code: 4242}},
	}
	tests := []struct {
		code int
		want bool
	}{
		{1000, true},
		{6003, true},
		{6102, true},
		{6103, true},
		{7777, true},
		{4242, false}, // a message code is not an error code
		{0, false},
		{9999, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, e.HasCode(tt.code), "HasCode(%d)", tt.code)
	}
	assert.False(t, (&APIError{}).HasCode(0), "no errors, no code")
}

func TestResponseError(t *testing.T) {
	t.Parallel()
	cause := &json.SyntaxError{}
	tests := []struct {
		name string
		err  *ResponseError
		want string
	}{
		{
			name: "reason only",
			err:  &ResponseError{Method: "GET", Path: invitesPath, StatusCode: 200, Reason: `body has no "result"`, Attempts: 1},
			want: "cloudflare: GET " + invitesPath + `: unexpected response: 200: body has no "result"`,
		},
		{
			name: "cause, ray and attempts",
			err: &ResponseError{
				Method: "PATCH", Path: invitePath, StatusCode: 200, Reason: "body is not a Cloudflare API envelope (Content-Type text/html)",
				Err: errors.New("invalid character '<'"), RayID: testRayID, Attempts: 2,
			},
			want: "cloudflare: PATCH " + invitePath + ": unexpected response: 200: body is not a Cloudflare API envelope (Content-Type text/html): " +
				"invalid character '<' (ray " + testRayID + ") (after 2 attempts)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
			assert.ErrorIs(t, tt.err, ErrUnexpectedResponse)
			assert.NotErrorIs(t, tt.err, ErrNotFound)
			assert.NotErrorIs(t, tt.err, ErrValidation)
		})
	}
	wrapped := &ResponseError{Err: cause}
	var se *json.SyntaxError
	require.ErrorAs(t, wrapped, &se)
	assert.Same(t, cause, se)
	assert.Nil(t, (&ResponseError{}).Unwrap())
}

func TestRequestError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   *RequestError
		want  string
		cause error
	}{
		{
			name:  "canceled",
			err:   &RequestError{Method: "GET", Path: invitePath, Attempts: 1, Err: context.Canceled},
			want:  "cloudflare: GET " + invitePath + ": context canceled",
			cause: context.Canceled,
		},
		{
			name:  "deadline after retries",
			err:   &RequestError{Method: "PATCH", Path: invitePath, Attempts: 3, Err: context.DeadlineExceeded},
			want:  "cloudflare: PATCH " + invitePath + ": context deadline exceeded (after 3 attempts)",
			cause: context.DeadlineExceeded,
		},
		{
			name:  "connection lost",
			err:   &RequestError{Method: "GET", Path: invitesPath, Attempts: 1, Err: io.ErrUnexpectedEOF},
			want:  "cloudflare: GET " + invitesPath + ": unexpected EOF",
			cause: io.ErrUnexpectedEOF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
			assert.ErrorIs(t, tt.err, tt.cause)
			assert.NotErrorIs(t, tt.err, ErrUnexpectedResponse)
			assert.NotErrorIs(t, tt.err, ErrValidation)
		})
	}
}

func TestValidationError(t *testing.T) {
	t.Parallel()
	err := error(&ValidationError{Op: opEdit, Field: "status", Reason: `must be "accepted" or "rejected"`})

	assert.Equal(t, `cloudflare: PATCH /user/invites/{invite_id}: invalid status: must be "accepted" or "rejected"`, err.Error())
	assert.ErrorIs(t, err, ErrValidation)
	for _, other := range []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrUnexpectedResponse} {
		assert.NotErrorIs(t, err, other)
	}
}

func TestSentinels_AreDistinctAndPrefixed(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrValidation, ErrUnexpectedResponse, ErrNotFound, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrAuthentication, ErrOutcomeUnknown}
	seen := map[string]bool{}
	for _, s := range sentinels {
		assert.True(t, strings.HasPrefix(s.Error(), "cloudflare: "), "%q", s)
		assert.Equal(t, strings.ToLower(s.Error()), s.Error(), "error strings are lowercase")
		assert.False(t, seen[s.Error()], "duplicate sentinel %q", s)
		seen[s.Error()] = true
	}
}

func TestResponseInfo_String(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		info ResponseInfo
		want string
	}{
		{"code and message", ResponseInfo{Code: 10000, Message: "Authentication error"}, "10000 Authentication error"},
		{"pointer", ResponseInfo{Code: 1004, Message: "bad", Source: ErrorSource{Pointer: "/status"}}, "1004 bad (at /status)"},
		{"documentation is not repeated", ResponseInfo{Code: 1, Message: "m", DocumentationURL: "https://example.com"}, "1 m"},
		{
			"nested chain",
			ResponseInfo{Code: 1, Message: "a", ErrorChain: []ResponseInfo{
				{Code: 2, Message: "b", ErrorChain: []ResponseInfo{{Code: 3, Message: "c"}}},
				{Code: 4, Message: "d"},
			}},
			"1 a [2 b [3 c]; 4 d]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.info.String())
		})
	}
}

// TestErrorFixtures_Decode checks the error responses of testdata, the shapes
// cloudflare-errors.md records, decode into the envelope as sent.
func TestErrorFixtures_Decode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		want    []ResponseInfo
	}{
		{"core-error-chain.json", []ResponseInfo{{Code: 6003, Message: "Invalid request headers", ErrorChain: []ResponseInfo{{Code: 6103, Message: "Invalid format for X-Auth-Key header"}}}}},
		{"core-forbidden.json", []ResponseInfo{{Code: 9103, Message: "Unknown X-Auth-Key or X-Auth-Email"}}},
		{"core-unauthorized.json", []ResponseInfo{{Code: 10000, Message: "Authentication error"}}},
		{"core-rate-limited.json", []ResponseInfo{{Code: 971, Message: "Please wait and consider throttling your request speed"}}},
		{"core-not-found.json", []ResponseInfo{{
			Code:             7003,
			Message:          "Could not route to /user/invites/4f5f0c14a2a41d5063dd301b2f829f04, perhaps your object identifier is invalid?",
			DocumentationURL: "https://developers.cloudflare.com/api/",
			Source:           ErrorSource{Pointer: "/invite_id"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			var env envelope[Invite]
			require.NoError(t, json.Unmarshal(fixture(t, tt.fixture), &env))
			assert.Equal(t, presence{set: true, value: false}, env.Success)
			assert.Nil(t, env.Result, `"result": null`)
			assert.Equal(t, tt.want, env.Errors)
		})
	}
}

// TestAPIError_FromTheWire checks a 400 with an error_chain as the API sends
// it: HasCode finds the chained code, and the Ray ID comes from CF-Ray.
func TestAPIError_FromTheWire(t *testing.T) {
	t.Parallel()
	client, srv := setup(t)
	body := fixture(t, "core-error-chain.json")
	srv.mux.HandleFunc("PATCH /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusBadRequest, body)
	})

	_, err := client.User.Invites.Reject(context.Background(), testInviteID)

	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(6103), "the chained cause")
	assert.Equal(t, testRayID, ae.RayID)
	assert.Equal(t, "cloudflare: PATCH "+invitePath+": 400 Bad Request: 6003 Invalid request headers [6103 Invalid format for X-Auth-Key header] (ray "+testRayID+")", err.Error())
}

// Zero values print without panicking.
func TestZeroValuesPrint(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "cloudflare.Client{}", (&Client{}).String())
	assert.Equal(t, "cloudflare: GET /x: request failed", (&RequestError{Method: "GET", Path: "/x"}).Error())
}

// TestAPIError_IsAuthentication: ErrAuthentication matches a 401 and every
// response whose codes say the credentials were refused, wherever the code
// is; ErrUnauthorized and ErrForbidden keep matching the status only.
func TestAPIError_IsAuthentication(t *testing.T) {
	t.Parallel()
	info := func(code int, chain ...ResponseInfo) ResponseInfo {
		return ResponseInfo{Code: code, Message: "m", ErrorChain: chain}
	}
	tests := []struct {
		name   string
		status int
		errors []ResponseInfo
		want   bool
	}{
		{"401 without a body", 401, nil, true},
		{"401 with an unrelated code", 401, []ResponseInfo{info(1000)}, true},
		{"400 6003 with a malformed key (6103)", 400, []ResponseInfo{info(6003, info(6103))}, true},
		{"400 6003 with a malformed email and key", 400, []ResponseInfo{info(6003, info(6102), info(6103))}, true},
		{"400 6003 with a malformed Authorization header", 400, []ResponseInfo{info(6003, info(6111))}, true},
		{"400 missing credentials", 400, []ResponseInfo{info(9106)}, true},
		{"403 unknown key or email", 403, []ResponseInfo{info(9103)}, true},
		{"403 invalid access token", 403, []ResponseInfo{info(9109)}, true},
		{"403 authentication error", 403, []ResponseInfo{info(10000)}, true},
		{"auth code after another error", 400, []ResponseInfo{info(1001), info(10000)}, true},
		{"auth code deep in a chain", 400, []ResponseInfo{info(6003, info(6000, info(6103)))}, true},
		{"403 without codes", 403, nil, false},
		{"400 6003 alone names no header", 400, []ResponseInfo{info(6003)}, false},
		{"404 no route", 404, []ResponseInfo{info(7003)}, false},
		{"429 rate limited", 429, []ResponseInfo{info(971)}, false},
		{"400 some other refusal", 400, []ResponseInfo{info(1001)}, false},
		{"500", 500, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := error(&APIError{Method: "GET", Path: invitePath, StatusCode: tt.status, Errors: tt.errors})
			assert.Equal(t, tt.want, errors.Is(err, ErrAuthentication))
			assert.Equal(t, tt.status == 401, errors.Is(err, ErrUnauthorized), "ErrUnauthorized keeps its status meaning")
			assert.Equal(t, tt.status == 403, errors.Is(err, ErrForbidden), "ErrForbidden keeps its status meaning")
		})
	}
}

// TestAPIError_AuthenticationFromTheWire serves the real responses of
// ../shared/reference/cloudflare-errors.md (testdata/core-*.json) with their
// real statuses: each matches ErrAuthentication.
func TestAPIError_AuthenticationFromTheWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		status  int
	}{
		{"core-error-chain.json", http.StatusBadRequest},
		{"core-forbidden.json", http.StatusForbidden},
		{"core-unauthorized.json", http.StatusForbidden},
		{"core-unauthorized.json", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t)
			body := fixture(t, tt.fixture)
			srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) { reply(w, tt.status, body) })

			_, _, err := client.User.Invites.List(context.Background(), nil)

			assert.ErrorIs(t, err, ErrAuthentication)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
		})
	}
}
