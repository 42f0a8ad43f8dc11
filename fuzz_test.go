package cloudflare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fuzz target drives the real pipeline through an in-memory
// http.RoundTripper that answers with the fuzzed response: no sockets, so
// each input costs microseconds. CI runs the seeds (f.Add and
// testdata/fuzz/FuzzDecodeResponse) only.

// fuzzSecret is the client's token. "$TOKEN" in a fuzzed body or Ray ID
// becomes it, as a hostile server echoing the credential would send it.
const fuzzSecret = "tok_SECRET_0123456789abcdef"

// fuzzStatuses are the statuses FuzzDecodeResponse answers with, picked by a
// byte.
var fuzzStatuses = []int{200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 503, 520, 521, 524}

// fuzzTransport answers every request with one status, headers and body.
type fuzzTransport struct {
	status int
	header http.Header
	body   []byte
	calls  atomic.Int32
	last   *http.Request
}

func (rt *fuzzTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.calls.Add(1)
	rt.last = req
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: rt.status, Header: rt.header.Clone(), Body: io.NopCloser(bytes.NewReader(rt.body)),
		ContentLength: int64(len(rt.body)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

func FuzzDecodeResponse(f *testing.F) {
	invite := `{"id":"4f5f0c14a2a41d5063dd301b2f829f04","invited_member_id":null,"organization_id":"5a7805061c76ada191ed06f989cc3dac","status":"pending","roles":["DNS"],"expires_on":"2099-01-01T00:00:00Z"}`
	seeds := []string{
		`{"success":true,"errors":[],"messages":[],"result":` + invite + `}`,
		`{"success":true,"errors":[],"messages":[],"result":[` + invite + `],"result_info":{"page":1,"per_page":20,"count":1,"total_count":1}}`,
		`{"success":true,"result":[]}`,
		`{"success":true,"result":null}`,
		`{"success":true}`,
		`{"success":false,"errors":[{"code":1101,"message":"Invitation has already been accepted"}],"messages":[],"result":null}`,
		`{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6103,"message":"Invalid X-Auth-Key $TOKEN"}]}]}`,
		`{"success":false,"errors":[{"code":1000,"message":"bad token \"$TOKEN\"","documentation_url":"https://x/?t=$TOKEN","source":{"pointer":"/$TOKEN"}}],"messages":[{"code":1,"message":"$TOKEN"}]}`,
		`<html><head><title>Error for $TOKEN</title></head><body>502 Bad Gateway</body></html>`,
		strings.Repeat("x", 240) + " $TOKEN and more",
		strings.Repeat("y", 190) + "<title>" + strings.Repeat("t", 190) + "$TOKEN</title>",
		`{"success":"yes","result":{}}`,
		`{"result":{"id":1}}`,
		`{"errors":[{"code":"x"}]}`,
		`null`, `[]`, ``, "\xff\xfe\x00",
		`{"success":true,"result":{"expires_on":"not a time"}}`,
		`{"success":true,"result":` + invite + `}trailing`,
		`{"success":true,"result":` + invite + `,"success":false}`,
		strings.Repeat(`{"a":`, 200) + strings.Repeat(`}`, 200),
	}
	for i, s := range seeds {
		f.Add([]byte(s), byte(i), "")
	}
	f.Add([]byte(`{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`), byte(5), "30")
	f.Add([]byte(`rate limited`), byte(9), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add([]byte(`rate limited`), byte(9), "99999999999999999999")
	f.Add([]byte(`{"success":false,"errors":[{"code":1000,"message":"x"}]}`), byte(3), strings.Repeat("r", 240)) // a Ray ID cut in the secret
	f.Add([]byte(`{"success":true}`), byte(0), strings.Repeat("r", 240))

	f.Fuzz(func(t *testing.T, body []byte, sel byte, retryAfter string) {
		body = bytes.ReplaceAll(body, []byte("$TOKEN"), []byte(fuzzSecret))
		status := fuzzStatuses[int(sel)%len(fuzzStatuses)]
		rt := &fuzzTransport{status: status, body: body, header: http.Header{
			"Content-Type": {"application/json"}, "Retry-After": {retryAfter}, "Cf-Ray": {retryAfter + "-" + fuzzSecret}, "X-Echo": {fuzzSecret},
		}}
		c, err := cloudflare.NewClient(cloudflare.WithBaseURL("https://api.example.com/client/v4/"), cloudflare.WithAPIToken(fuzzSecret),
			cloudflare.WithHTTPClient(&http.Client{Transport: rt}), cloudflare.WithMaxRetries(0))
		require.NoError(t, err)
		ctx := context.Background()

		var r1, r2, r3 cloudflare.Response
		inv, err := c.User.Invites.Get(ctx, "4f5f0c14a2a41d5063dd301b2f829f04", cloudflare.WithResponseInto(&r1))
		fuzzCheck(t, "Get", status, body, inv != nil, err, &r1)
		before := rt.calls.Load()
		inv, err = c.User.Invites.Accept(ctx, "4f5f0c14a2a41d5063dd301b2f829f04", cloudflare.WithResponseInto(&r2))
		fuzzCheck(t, "Accept", status, body, inv != nil, err, &r2)
		reads := rt.calls.Load() - before - 1 // Edit reads the invitation when its outcome is unknown
		// Both directions: a PATCH the server may have applied (a 2xx that is
		// not its verdict of failure, a 5xx but those that say the origin
		// was not reached) never fails as a plain failure; a refusal never
		// as an unknown outcome.
		var verdict struct{ Success *bool }
		refused := json.Unmarshal(body, &verdict) == nil && verdict.Success != nil && !*verdict.Success
		switch {
		case err == nil:
		case status/100 == 2 && !refused, status >= 500 && status != 521:
			assert.ErrorIs(t, err, cloudflare.ErrOutcomeUnknown, "Accept: status %d, body %q", status, body)
		case status/100 == 4 || status == 521:
			assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown, "Accept: status %d", status)
		}
		list, info, err := c.User.Invites.List(ctx, nil, cloudflare.WithResponseInto(&r3))
		fuzzCheck(t, "List", status, body, list != nil && info != nil, err, &r3)
		assert.EqualValues(t, 3+reads, rt.calls.Load(), "one request a call, without retries")
		assert.LessOrEqual(t, reads, int32(1), "one reconciling read at most")
	})
}

// fuzzCheck asserts that a call either succeeded with a usable result, from
// a body that reports success, or failed with an error naming the call; and
// that the secret is nowhere in the error or the Response.
func fuzzCheck(t *testing.T, method string, status int, body []byte, hasResult bool, err error, resp *cloudflare.Response) {
	t.Helper()
	assert.Equal(t, status, resp.StatusCode, "%s: Response.StatusCode", method)
	texts := []string{resp.RayID, string(resp.Body), fmt.Sprintf("%v", resp.Header), fmt.Sprintf("%+v", resp.Messages)}
	if err == nil {
		require.True(t, hasResult, "%s: no error and no result (status %d, body %q)", method, status, body)
		require.True(t, status >= 200 && status < 300, "%s: no error for status %d", method, status)
		// An independent reading of the body agrees that it reported success
		// with a result: present, and not null but for List.
		var env struct {
			Success *bool           `json:"success"`
			Result  json.RawMessage `json:"result"`
		}
		ok := json.Unmarshal(body, &env) == nil && env.Success != nil && *env.Success
		require.True(t, ok, "%s: success from a body that does not report it: %q", method, body)
		require.True(t, method == "List" || len(env.Result) > 0 && string(env.Result) != "null", "%s: success without a result: %q", method, body)
	} else {
		require.False(t, hasResult, "%s: a result and an error", method)
		assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: "), "%s: %q", method, err)
		var ae *cloudflare.APIError
		if assert.True(t, errors.As(err, &ae), "%s: a response came, so an *APIError: %v", method, err) {
			assert.Equal(t, status, ae.StatusCode)
			assert.GreaterOrEqual(t, ae.RetryAfter, 0*ae.RetryAfter)
			texts = append(texts, fmt.Sprintf("%+v", ae.Errors), ae.Body, ae.RayID)
		}
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	for _, s := range texts {
		assert.NotContains(t, s, fuzzSecret, "%s: the secret leaked", method)
		// A secret cut by a bound on the text's length leaks its start.
		for n := len(fuzzSecret) - 1; n >= 10; n-- {
			if strings.Contains(s, fuzzSecret[:n]+"…") {
				t.Errorf("%s: the start of the secret leaked: %q", method, s)
				break
			}
		}
	}
}

// FuzzInviteID: an invite ID is refused before any request, or sent as the
// one path segment after /user/invites/, with no query or fragment.
func FuzzInviteID(f *testing.F) {
	for _, s := range []string{"4f5f0c14a2a41d5063dd301b2f829f04", "..", "a/b", "%2e", "a?b", "a#b", "", strings.Repeat("a", 33), "A-z_9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		rt := &fuzzTransport{status: 200, header: http.Header{}, body: []byte(`{"success":true,"result":{"id":"x"}}`)}
		c, err := cloudflare.NewClient(cloudflare.WithBaseURL("https://api.example.com/client/v4/"), cloudflare.WithAPIToken(fuzzSecret),
			cloudflare.WithHTTPClient(&http.Client{Transport: rt}))
		require.NoError(t, err)
		_, err = c.User.Invites.Get(context.Background(), id)
		if errors.Is(err, cloudflare.ErrValidation) {
			assert.Zero(t, rt.calls.Load(), "refused, yet sent")
			assert.False(t, id != "" && len(id) > 3 && strings.Contains(err.Error(), id), "the error repeats the ID")
			return
		}
		require.NoError(t, err)
		require.EqualValues(t, 1, rt.calls.Load())
		assert.Equal(t, "/client/v4/user/invites/"+id, rt.last.URL.EscapedPath())
		assert.Equal(t, "/client/v4/user/invites/"+id, rt.last.URL.Path)
		assert.Empty(t, rt.last.URL.RawQuery+rt.last.URL.Fragment)
	})
}
