package cloudflare_test

// Tests of the errors a caller sees: the sentinels, APIError's text and
// code lookup, and the redaction of the credentials a hostile server echoes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func info(code int, msg string, chain ...cloudflare.ResponseInfo) cloudflare.ResponseInfo {
	return cloudflare.ResponseInfo{Code: code, Message: msg, ErrorChain: chain}
}

// TestErrAuthentication lists every code ErrAuthentication matches, with
// the source its doc comment gives, and the look-alikes it must not match.
func TestErrAuthentication(t *testing.T) {
	t.Parallel()
	invalidHeaders := func(cause cloudflare.ResponseInfo) []cloudflare.ResponseInfo {
		return []cloudflare.ResponseInfo{info(6003, "Invalid request headers", cause)}
	}
	tests := []struct {
		name   string // the code and its source
		status int
		errs   []cloudflare.ResponseInfo
		want   bool
	}{
		{"401 Unauthorized", 401, nil, true},
		{"6100 workers-sdk#5175", 400, invalidHeaders(info(6100, "Missing X-Auth-Email header")), true},
		{"6101 workers-sdk#5175", 400, invalidHeaders(info(6101, "Missing X-Auth-Key header")), true},
		{"6102 cloudflare-typescript#161", 400, invalidHeaders(info(6102, "Invalid format for X-Auth-Email header")), true},
		{"6103 acme.sh#6435, openwrt/packages#15714", 400, invalidHeaders(info(6103, "Invalid format for X-Auth-Key header")), true},
		{"6111 workers-sdk#5175", 400, invalidHeaders(info(6111, "Invalid format for Authorization header")), true},
		{"9103 Posh-ACME#126", 403, []cloudflare.ResponseInfo{info(9103, "Unknown X-Auth-Key or X-Auth-Email")}, true},
		{"9106 cloudflare-python#2678", 400, []cloudflare.ResponseInfo{info(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")}, true},
		{"9109 cert-manager#4465", 403, []cloudflare.ResponseInfo{info(9109, "Invalid access token")}, true},
		{"10000 cloudflare-typescript#161", 403, []cloudflare.ResponseInfo{info(10000, "Authentication error")}, true},
		{"1001 Invalid request", 400, []cloudflare.ResponseInfo{info(1001, "Invalid request")}, false},
		{"6003 alone", 400, []cloudflare.ResponseInfo{info(6003, "Invalid request headers")}, false},
		{"403 firewall page", 403, nil, false},
		{"404", 404, []cloudflare.ResponseInfo{info(7003, "Could not route")}, false},
	}
	for _, tt := range tests {
		e := &cloudflare.APIError{StatusCode: tt.status, Errors: tt.errs, Body: "<html>Attention Required!</html>"}
		assert.Equal(t, tt.want, errors.Is(e, cloudflare.ErrAuthentication), tt.name)
		assert.False(t, errors.Is(e, cloudflare.ErrValidation), tt.name)
	}
}

func TestErrorSentinels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err                          error
		notFound, rateLimited, valid bool
	}{
		{&cloudflare.APIError{StatusCode: 404}, true, false, false},
		{&cloudflare.APIError{StatusCode: 429}, false, true, false},
		{&cloudflare.APIError{StatusCode: 500}, false, false, false},
		{&cloudflare.ValidationError{Op: "NewClient", Field: "f", Reason: "r"}, false, false, true},
		{fmt.Errorf("wrapped: %w", &cloudflare.APIError{StatusCode: 404}), true, false, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.notFound, errors.Is(tt.err, cloudflare.ErrNotFound), tt.err.Error())
		assert.Equal(t, tt.rateLimited, errors.Is(tt.err, cloudflare.ErrRateLimited), tt.err.Error())
		assert.Equal(t, tt.valid, errors.Is(tt.err, cloudflare.ErrValidation), tt.err.Error())
		assert.False(t, errors.Is(tt.err, cloudflare.ErrOutcomeUnknown))
	}
	ve := &cloudflare.ValidationError{Op: "PATCH /user/invites/{invite_id}", Field: "invite_id", Reason: "empty"}
	assert.Equal(t, "cloudflare: PATCH /user/invites/{invite_id}: invalid invite_id: empty", ve.Error())
}

func TestHasCodeInChains(t *testing.T) {
	t.Parallel()
	e := &cloudflare.APIError{Errors: []cloudflare.ResponseInfo{info(1000, "a"), info(6003, "b", info(7000, "c"), info(7001, "d", info(7002, "e")))}}
	for code, want := range map[int]bool{1000: true, 6003: true, 7000: true, 7001: true, 7002: true, 9999: false, 0: false} {
		assert.Equal(t, want, e.HasCode(code), code)
	}
	assert.False(t, (&cloudflare.APIError{Messages: []cloudflare.ResponseInfo{info(1000, "m")}}).HasCode(1000), "messages are not errors")
}

func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	e := &cloudflare.APIError{
		Method: "PATCH", Path: "/client/v4/user/invites/abc", StatusCode: 400, RayID: "8c1f-SJC",
		Errors: []cloudflare.ResponseInfo{
			{Code: 1103, Message: "Invalid status", Source: cloudflare.ErrorSource{Pointer: "/status"}},
			info(6003, "Invalid request headers", info(6103, "Invalid format for X-Auth-Key header"), info(6102, "bad email")),
		},
	}
	assert.Equal(t, "cloudflare: PATCH /client/v4/user/invites/abc: 400 Bad Request: 1103 Invalid status (at /status); "+
		"6003 Invalid request headers [6103 Invalid format for X-Auth-Key header; 6102 bad email] (ray 8c1f-SJC)", e.Error())
	assert.Equal(t, "cloudflare: GET /x: 599", (&cloudflare.APIError{Method: "GET", Path: "/x", StatusCode: 599}).Error())
	assert.Equal(t, "1103 Invalid status (at /status)", e.Errors[0].String())
	assert.Equal(t, "6003 Invalid request headers [6103 Invalid format for X-Auth-Key header; 6102 bad email]", e.Errors[1].String())
}

// TestDeepErrorChain: a 4,000-level error_chain is shown 8 levels deep,
// and its codes are still found, at every level.
func TestDeepErrorChain(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	const depth = 4000
	for i := 0; i < depth; i++ {
		code := 2000 + i
		if i == 3 {
			code = 6103
		}
		fmt.Fprintf(&b, `{"code":%d,"message":"level %d","error_chain":[`, code, i)
	}
	b.WriteString(`{"code":1,"message":"bottom"}`)
	b.WriteString(strings.Repeat("]}", depth))
	body := `{"success":false,"errors":[` + b.String() + `],"messages":[],"result":null}`
	srv := newServer(t, status(400, body))
	err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil)
	var ae *cloudflare.APIError
	require.ErrorAs(t, err, &ae)
	assert.Less(t, len(err.Error()), 1000)
	assert.Equal(t, 9, strings.Count(err.Error(), "["), "8 levels of chain, then the […] mark")
	assert.Contains(t, err.Error(), "[…]")
	assert.Contains(t, err.Error(), "level 7")
	assert.NotContains(t, err.Error(), "level 9")
	assert.ErrorIs(t, err, cloudflare.ErrAuthentication)
	assert.True(t, ae.HasCode(2005))
	assert.True(t, ae.HasCode(1), "the whole chain is searched, not only the levels shown")
	assert.Less(t, len(ae.Errors[0].String()), 1000)

	deep := info(1, "bottom")
	for i := 0; i < 20; i++ {
		deep = info(2, "up", deep)
	}
	assert.Equal(t, strings.Repeat("2 up [", 8)+"2 up […]"+strings.Repeat("]", 8), deep.String())
}

// TestRedactionOfEchoedSecrets: a hostile server echoes the credential in
// every place it can; no error, log record or Response shows any form of it.
func TestRedactionOfEchoedSecrets(t *testing.T) {
	t.Parallel()
	places := []struct {
		name string
		h    func(secret string) http.HandlerFunc
	}{
		{"raw body", func(s string) http.HandlerFunc { return status(500, "<html>echo "+s+"</html>") }},
		{"raw title", func(s string) http.HandlerFunc { return status(502, "<title>"+s+"</title>") }},
		{"JSON-escaped body", func(s string) http.HandlerFunc {
			j, _ := json.Marshal(map[string]string{"echo": s})
			return status(500, string(j))
		}},
		{"JSON-escaped with \\/", func(s string) http.HandlerFunc {
			return status(500, `{"echo":"`+strings.ReplaceAll(s, "/", `\/`)+`"}`)
		}},
		{"JSON with every symbol as \\u00xx", func(s string) http.HandlerFunc {
			f := secretForms(s)
			return status(400, `{"success":false,"errors":[{"code":1000,"message":"bad `+f[len(f)-1]+`"}]}`)
		}},
		{"query-escaped body", func(s string) http.HandlerFunc { return status(500, "q="+url.QueryEscape(s)) }},
		{"lower-case percent escapes", func(s string) http.HandlerFunc { return status(500, "q="+lowerHex(url.QueryEscape(s))) }},
		{"error message and chain", func(s string) http.HandlerFunc {
			e := map[string]any{"success": false, "result": nil, "messages": []any{map[string]any{"code": 1, "message": s}},
				"errors": []any{map[string]any{"code": 6003, "message": "bad " + s, "source": map[string]string{"pointer": "/" + s},
					"error_chain": []any{map[string]any{"code": 6103, "message": s}}}}}
			j, _ := json.Marshal(e)
			return status(400, string(j))
		}},
		{"CF-Ray", func(s string) http.HandlerFunc { return status(500, failure(1000, "x"), "CF-Ray", s) }},
		{"Content-Type", func(s string) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/"+s)
				_, _ = w.Write([]byte("not json"))
			}
		}},
		{"Location of a refused redirect", func(s string) http.HandlerFunc {
			return status(302, "", "Location", "http://elsewhere.example/"+s+"?k="+url.QueryEscape(s))
		}},
		{"Location, escaped path", func(s string) http.HandlerFunc {
			return status(302, "", "Location", "http://elsewhere.example/a/"+url.PathEscape(s))
		}},
	}
	for _, p := range places {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			// edgeToken holds the letters and digits at the edges of the
			// ranges that escaping keeps as they are (a z A Z 0 9).
			const edgeToken = "az/AZ+09&<SECRET>=zaZA90"
			for _, secret := range []string{testToken, testKey, edgeToken} {
				srv := newServer(t, p.h(secret))
				var logs bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c := newClient(t, srv, cloudflare.WithLogger(logger), cloudflare.WithMaxRetries(1))
				switch secret {
				case testKey:
					c = keyClient(t, srv, cloudflare.WithLogger(logger), cloudflare.WithMaxRetries(1))
				case edgeToken:
					c = newClient(t, srv, cloudflare.WithLogger(logger), cloudflare.WithMaxRetries(1), cloudflare.WithAPIToken(edgeToken))
				}
				var resp cloudflare.Response
				err := c.Do(context.Background(), http.MethodPost, "x", nil, nil, cloudflare.WithResponseInto(&resp))
				require.Error(t, err)
				for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), logs.String(),
					fmt.Sprintf("%+v", resp), string(resp.Body)} {
					assertNoSecret(t, text, secret)
					assert.NotContains(t, text, "SECRET")
				}
				assert.Contains(t, err.Error()+fmt.Sprint(resp), "[redacted]")
			}
		})
	}
}

// TestRedactionKeepsLookAlikes: text that only shares letters with the
// secret is shown as sent.
func TestRedactionKeepsLookAlikes(t *testing.T) {
	t.Parallel()
	srv := newServer(t, status(403, "<html><center>cloudflare</center> cloudflare_tok</html>"))
	c := newClient(t, srv, cloudflare.WithAPIToken("cloudflare_tok_0123456789"))
	err := c.Do(context.Background(), http.MethodGet, "x", nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "<center>cloudflare</center> cloudflare_tok")
	assert.NotContains(t, err.Error(), "[redacted]")
}
