package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// badResponses are responses a client must not mistake for a result.
var badResponses = []struct {
	name        string
	status      int
	contentType string
	body        string
	reason      string // part of ResponseError.Reason
	cause       bool   // whether the ResponseError wraps a decoding error
}{
	{"HTML on a 200", 200, "text/html; charset=utf-8", "<!DOCTYPE html>\n<html><body>Welcome</body></html>", "Content-Type text/html", true},
	{"truncated JSON", 200, "application/json", `{"success":true,"errors":[],"messages":[],"result":{"id":"4f5f0c`, "not a Cloudflare API envelope", true},
	{"missing success", 200, "application/json", `{"errors":[],"messages":[],"result":%RESULT%}`, `no "success"`, false},
	{"missing result", 200, "application/json", `{"success":true,"errors":[],"messages":[]}`, `no "result"`, false},
	{"result of the wrong type", 200, "application/json", `{"success":true,"errors":[],"messages":[],"result":"yes"}`, "not a Cloudflare API envelope", true},
	{"empty body", 200, "", "", "no Content-Type", true},
	{"204 No Content", 204, "", "", "not a Cloudflare API envelope", true},
}

// singleBadResponses are bad for a single invitation only: a list's null
// result is an empty list (TestDecode_NullListResultIsEmpty).
var singleBadResponses = []struct {
	name, body, reason string
}{
	{"null result", `{"success":true,"errors":[],"messages":[],"result":null}`, `body has no "result"`},
	{"empty object", `{"success":true,"errors":[],"messages":[],"result":{}}`, `body's "result" is an invitation without an "id"`},
}

// A single-invitation response whose result is null or an empty object is
// refused: a zero Invite never passes for success.
func TestDecode_EmptyInviteResult(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		if m.path != invitePath {
			continue
		}
		for _, ba := range singleBadResponses {
			t.Run(m.name+"/"+ba.name, func(t *testing.T) {
				t.Parallel()
				client, srv := setup(t)
				srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
					replyString(w, http.StatusOK, ba.body)
				})

				gotResult, err := m.call(context.Background(), client.User.Invites)

				assert.False(t, gotResult)
				var re *ResponseError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, ba.reason, re.Reason)
				assert.EqualValues(t, 1, srv.count())
			})
		}
	}
}

// listMethods are the calls of GET /user/invites: List, and All collecting
// everything it yields.
func listMethods() []struct {
	name string
	call func(c *Client) ([]Invite, error)
} {
	return []struct {
		name string
		call func(c *Client) ([]Invite, error)
	}{
		{"List", func(c *Client) ([]Invite, error) {
			invites, _, err := c.User.Invites.List(context.Background(), nil)
			return invites, err
		}},
		{"All", func(c *Client) ([]Invite, error) {
			var got []Invite
			for inv, err := range c.User.Invites.All(context.Background()) {
				if err != nil {
					return got, err
				}
				got = append(got, inv)
			}
			return got, nil
		}},
	}
}

// A list's "result": null (the schema lets it be null) is an empty list.
func TestDecode_NullListResultIsEmpty(t *testing.T) {
	t.Parallel()
	for _, m := range listMethods() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t)
			srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
				replyString(w, http.StatusOK, `{"success":true,"errors":[],"messages":[],"result":null,"result_info":{"page":1,"per_page":20,"count":0,"total_count":0}}`)
			})

			invites, err := m.call(client)

			require.NoError(t, err)
			assert.Empty(t, invites)
			assert.EqualValues(t, 1, srv.count())
		})
	}
	client, srv := setup(t)
	srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
		replyString(w, http.StatusOK, `{"success":true,"errors":[],"messages":[],"result":null}`)
	})
	invites, info, err := client.User.Invites.List(context.Background(), nil)
	require.NoError(t, err)
	assert.NotNil(t, invites, "an empty list, not nil")
	assert.Empty(t, invites)
	assert.Equal(t, &ResultInfo{}, info)
}

// A list whose result is absent, or holds an invitation without an ID, is
// refused as Get refuses a result without one.
func TestDecode_ListRefusesAnInvitationWithoutID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, result, reason string
	}{
		{"absent result", ``, `body has no "result"`},
		{"only an empty object", `,"result":[{}]`, `body's "result" holds an invitation without an "id" (item 1)`},
		{"an empty ID after a good one", `,"result":[` + inviteJSON(testInviteID, InviteStatusPending) + `,{"id":""}]`, `body's "result" holds an invitation without an "id" (item 2)`},
	}
	for _, m := range listMethods() {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				client, srv := setup(t)
				srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
					replyString(w, http.StatusOK, `{"success":true,"errors":[],"messages":[]`+tt.result+`}`)
				})

				invites, err := m.call(client)

				assert.Empty(t, invites, "nothing of a refused list is returned")
				var re *ResponseError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, tt.reason, re.Reason)
				assert.Equal(t, http.StatusOK, re.StatusCode)
				assertErrorNames(t, err, http.MethodGet, invitesPath)
			})
		}
	}
}

func TestDecode_UnusableResponses(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		for _, ba := range badResponses {
			t.Run(m.name+"/"+ba.name, func(t *testing.T) {
				t.Parallel()
				client, srv := setup(t)
				// %RESULT% is a result of the right shape for the method.
				result := `{"id":"` + testInviteID + `"}`
				if m.path == invitesPath {
					result = "[" + result + "]"
				}
				body := strings.ReplaceAll(ba.body, "%RESULT%", result)
				srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
					w.Header()["Content-Type"] = nil // no sniffing
					if ba.contentType != "" {
						w.Header().Set("Content-Type", ba.contentType)
					}
					w.Header().Set("CF-Ray", testRayID)
					w.WriteHeader(ba.status)
					_, _ = w.Write([]byte(body))
				})

				gotResult, err := m.call(context.Background(), client.User.Invites)

				assert.False(t, gotResult, "a result came with the error")
				var re *ResponseError
				require.ErrorAs(t, err, &re)
				assert.ErrorIs(t, err, ErrUnexpectedResponse)
				assert.Equal(t, ba.status, re.StatusCode)
				assert.Equal(t, m.method, re.Method)
				assert.Equal(t, m.path, re.Path)
				assert.Equal(t, testRayID, re.RayID)
				assert.Contains(t, re.Reason, ba.reason)
				assert.Equal(t, ba.cause, re.Err != nil, "cause: %v", re.Err)
				assert.Equal(t, 1, re.Attempts, "an unusable 2xx is not retried")
				var ae *APIError
				assert.False(t, errors.As(err, &ae), "not an API error")
				assertErrorNames(t, err, m.method, m.path)
			})
		}
	}
}

func TestDecode_SuccessFalseOn200IsAnAPIError(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t)
			srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				replyString(w, http.StatusOK, `{"success":false,"errors":[{"code":1000,"message":"message"}],"messages":[],"result":null}`)
			})

			gotResult, err := m.call(context.Background(), client.User.Invites)

			assert.False(t, gotResult)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusOK, ae.StatusCode)
			assert.True(t, ae.HasCode(1000))
			assert.Equal(t, []ResponseInfo{{Code: 1000, Message: "message"}}, ae.Errors)
			assert.NotErrorIs(t, err, ErrUnexpectedResponse)
			assert.NotErrorIs(t, err, ErrNotFound)
			assertErrorNames(t, err, m.method, m.path)
		})
	}
}

func TestDecode_ErrorResponseThatIsNotTheEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        func(t *testing.T) []byte
		check       func(t *testing.T, ae *APIError)
	}{
		{
			name: "long HTML 502 is trimmed", status: http.StatusBadGateway, contentType: "text/html",
			body: func(t *testing.T) []byte { return fixture(t, "core-bad-gateway.html") },
			check: func(t *testing.T, ae *APIError) {
				assert.True(t, strings.HasPrefix(ae.Body, "<html> <head><title>502 Bad Gateway</title></head> <body> <center>"), "Body %q", ae.Body)
				assert.True(t, strings.HasSuffix(ae.Body, "…"), "a cut excerpt ends with an ellipsis: %q", ae.Body)
				assert.LessOrEqual(t, len(ae.Body), excerptBytes+len("…"))
				assert.NotContains(t, ae.Body, "\n")
				assert.NotContains(t, ae.Body, "  ")
				assert.NotContains(t, ae.Body, "</html>", "the end of the page is cut")
			},
		},
		{
			name: "short HTML 502 is folded, not cut", status: http.StatusBadGateway, contentType: "text/html",
			body: func(*testing.T) []byte { return []byte("<html>\n  <body>502 Bad Gateway</body>\n</html>\n") },
			check: func(t *testing.T, ae *APIError) {
				assert.Equal(t, "<html> <body>502 Bad Gateway</body> </html>", ae.Body)
			},
		},
		{
			name: "JSON that is not the envelope", status: http.StatusInternalServerError, contentType: "application/json",
			body: func(*testing.T) []byte { return []byte(`{"error":"boom"}`) },
			check: func(t *testing.T, ae *APIError) {
				assert.Equal(t, `{"error":"boom"}`, ae.Body)
			},
		},
		{
			name: "empty 503", status: http.StatusServiceUnavailable,
			body: func(*testing.T) []byte { return nil },
			check: func(t *testing.T, ae *APIError) {
				assert.Empty(t, ae.Body)
				assert.True(t, strings.HasSuffix(ae.Error(), "503 Service Unavailable (ray "+testRayID+")"), "%q", ae.Error())
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t)
			body := tt.body(t)
			srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.Header().Set("CF-Ray", testRayID)
				w.WriteHeader(tt.status)
				_, _ = w.Write(body)
			})

			inv, err := client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(0))

			assert.Nil(t, inv)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Empty(t, ae.Errors)
			assert.Equal(t, testRayID, ae.RayID)
			if ae.Body != "" {
				assert.Contains(t, err.Error(), ": body: "+strconv.Quote(ae.Body))
			}
			assertErrorNames(t, err, http.MethodGet, invitePath)
			assert.EqualValues(t, 1, srv.count())
			tt.check(t, ae)
		})
	}
}

func TestDecode_MaxResponseBytes(t *testing.T) {
	t.Parallel()
	big := referenceInvite()
	big.OrganizationName = strings.Repeat("x", 1024)
	tests := []struct {
		name    string
		body    []byte
		wantErr bool
	}{
		{"response under the limit", inviteEnvelope(t, referenceInvite()), false},
		{"response over the limit", inviteEnvelope(t, big), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, WithMaxResponseBytes(1000))
			srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, tt.body)
			})

			inv, err := client.User.Invites.Get(context.Background(), testInviteID)

			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, referenceInvite(), *inv)
				return
			}
			assert.Nil(t, inv)
			var re *ResponseError
			require.ErrorAs(t, err, &re)
			// The reply announces its length, so the client refuses it
			// without reading it and says so.
			assert.Equal(t, "body larger than 1000 bytes (Content-Length "+strconv.Itoa(len(tt.body))+")", re.Reason)
		})
	}
}

func TestDecode_ConnectionLostMidBody(t *testing.T) {
	t.Parallel()
	client, srv := setup(t)
	srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
		// Promise more than is sent: the server closes the connection.
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"success":true,`))
	})

	inv, err := client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(0))

	assert.Nil(t, inv)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.NotErrorIs(t, err, ErrUnexpectedResponse)
	assertErrorNames(t, err, http.MethodGet, invitePath)
	assert.EqualValues(t, 1, srv.count())
}

func TestDecode_HugeErrorBodyIsCapped(t *testing.T) {
	t.Parallel()
	client, srv := setup(t)
	page := "<html><body>" + strings.Repeat("<p>upstream trouble</p>\n", 8<<10) + "</body></html>"
	require.Greater(t, len(page), maxErrorBodyBytes)
	srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(page))
	})

	_, err := client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(0))

	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadGateway, ae.StatusCode)
	assert.True(t, strings.HasPrefix(ae.Body, "<html><body><p>upstream trouble</p> <p>"), "Body %q", ae.Body)
	assert.LessOrEqual(t, len(ae.Body), excerptBytes+len("…"))
	assert.Less(t, len(err.Error()), 1024, "the error stays short")
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"white space folded", "  a\n\tb  \r\n c ", "a b c"},
		{"exactly the limit", strings.Repeat("a", excerptBytes), strings.Repeat("a", excerptBytes)},
		{"one over the limit", strings.Repeat("a", excerptBytes+1), strings.Repeat("a", excerptBytes) + "…"},
		{"cut on a rune boundary", "a" + strings.Repeat("é", excerptBytes), "a" + strings.Repeat("é", (excerptBytes-1)/2) + "…"},
		{"invalid UTF-8 replaced", "ok \xff\xfe end", "ok \uFFFD end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := excerpt(tt.in)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(got))
		})
	}
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"},
		{512, "512 bytes"},
		{1000, "1000 bytes"},
		{1536, "1536 bytes"},
		{1 << 10, "1 KiB"},
		{64 << 10, "64 KiB"},
		{1 << 20, "1 MiB"},
		{3 << 20, "3 MiB"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, formatBytes(tt.n), "formatBytes(%d)", tt.n)
	}
}

// A 64 MiB response is cut at the size limit without being held in memory.
func TestDecode_HugeSuccessBody(t *testing.T) {
	noLeaks(t)
	const total = 64 << 20
	var written atomic.Int64
	chunk := []byte(strings.Repeat(`{"a":"bbbbbbbbbbbbbbbbbbbbbbbbbbb"},`, 2048)[:64<<10])
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(total))
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"success":true,"result":[`)
		for written.Load() < total-int64(len(chunk)) {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken))

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := c.User.Invites.List(context.Background(), nil)
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc

	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
	assert.Contains(t, err.Error(), "body larger than 1 MiB")
	assert.Equal(t, 1, re.Attempts, "an oversized response is not retried")
	assert.EqualValues(t, 1, srv.count())
	t.Logf("64 MiB response: TotalAlloc grew by %d bytes (%.2f MiB); server wrote %.1f MiB before the client hung up",
		allocated, float64(allocated)/(1<<20), float64(written.Load())/(1<<20))
	assert.Less(t, allocated, uint64(10<<20))
	srv.Close() // waits for the handler, whose writes now fail
	assert.Less(t, written.Load(), int64(total/2), "the client stopped reading early")
}

func TestDecode_MaxResponseBytesBoundaries(t *testing.T) {
	t.Parallel()
	// padded returns a valid one-invite envelope of exactly n bytes.
	padded := func(n int) string {
		body := inviteBody(testInviteID, InviteStatusPending)
		return body[:len(body)-1] + `,"pad":"` + strings.Repeat("x", n-len(body)-9) + `"}`
	}
	require.Len(t, padded(4096), 4096)
	tests := []struct {
		name    string
		limit   int64
		size    int
		wantErr string
	}{
		{"exactly the limit", 4096, 4096, ""},
		{"one byte over", 4096, 4097, "body larger than 4 KiB"},
		{"far over", 4096, 100 << 10, "body larger than 4 KiB"},
		{"odd limit", 1000, 1001, "body larger than 1000 bytes"},
		{"default limit", DefaultMaxResponseBytes, DefaultMaxResponseBytes + 1, "body larger than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
				replyString(w, 200, padded(tt.size))
			})
			c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithMaxResponseBytes(tt.limit))
			inv, err := c.User.Invites.Get(context.Background(), testInviteID)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, testInviteID, inv.ID)
				return
			}
			assert.ErrorIs(t, err, ErrUnexpectedResponse)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.EqualValues(t, 1, srv.count())
		})
	}
}

// A success body whose Content-Length is over the limit is refused before
// any of it is read; one that fits is read as usual.
func TestDecode_AnnouncedLength(t *testing.T) {
	t.Parallel()
	// A valid envelope padded to 1000 bytes, above the smallest limit.
	body := inviteBody(testInviteID, InviteStatusPending)
	body = body[:len(body)-1] + `,"pad":"` + strings.Repeat("x", 1000-len(body)-9) + `"}`
	require.Len(t, body, 1000)
	tests := []struct {
		name    string
		limit   int64
		wantErr string
	}{
		{"fits", int64(len(body)), ""},
		{"over", int64(len(body)) - 1, "(Content-Length " + strconv.Itoa(len(body)) + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				replyString(w, 200, body)
			})
			c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithMaxResponseBytes(tt.limit))
			inv, err := c.User.Invites.Get(context.Background(), testInviteID)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, testInviteID, inv.ID)
				return
			}
			assert.Nil(t, inv)
			assert.ErrorIs(t, err, ErrUnexpectedResponse)
			assert.Contains(t, err.Error(), "body larger than")
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// A 5 MiB HTML error page becomes an *APIError with a short excerpt.
func TestDecode_HugeErrorBody(t *testing.T) {
	t.Parallel()
	page := "<html><head><title>502 Bad Gateway</title></head><body>" + strings.Repeat("<p>upstream  \n\t trouble é</p>", (5<<20)/30) + "</body></html>"
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cf-Ray", testRayID)
		w.WriteHeader(502)
		_, _ = io.WriteString(w, page)
	})
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithMaxRetries(0))
	_, err := c.User.Invites.Get(context.Background(), testInviteID)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 502, ae.StatusCode)
	assert.Equal(t, testRayID, ae.RayID)
	assert.True(t, strings.HasPrefix(ae.Body, "<html><head><title>502 Bad Gateway</title>"), ae.Body)
	assert.LessOrEqual(t, len(ae.Body), 300)
	assert.NotContains(t, ae.Body, "\n")
	assert.NotContains(t, ae.Body, "  ", "white space is folded")
	assert.Less(t, len(err.Error()), 500)
	t.Logf("excerpt: %d bytes; error: %d bytes", len(ae.Body), len(err.Error()))
}

// An error status whose body breaks off is still the server's response: an
// *APIError from what was read, retried (or not) by its status alone.
func TestDecode_ErrorBodyBreaksOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status    int
		wantCalls int
	}{
		{400, 1}, // a refusal: never retried, not even for PATCH
		{503, 3}, // try later: retried
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) {
				w.Header().Set("Content-Length", "1000")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "<html>cut short")
				w.(http.Flusher).Flush()
				dropConn(w)
			})
			c := newTestClient(t, srv, WithAPIToken(testAPIToken))
			_, err := c.User.Invites.Accept(context.Background(), testInviteID)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, "<html>cut short", ae.Body)
			assert.EqualValues(t, tt.wantCalls, srv.count())
		})
	}
}

// TestHeaderText_HugeHeadersMakeBoundedErrors: a server sending headers of
// 100 KB (a Ray ID, a Location, a Content-Type) gets an error of a few KB,
// still without the credential it echoed in them.
func TestHeaderText_HugeHeadersMakeBoundedErrors(t *testing.T) {
	t.Parallel()
	huge := testAPIToken + strings.Repeat("x", 100<<10)
	for _, tt := range []struct {
		name    string
		respond func(w http.ResponseWriter)
	}{
		{"CF-Ray on a 404", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("CF-Ray", huge)
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, errorBody(1003, "Invalid or missing invitation"))
		}},
		{"Location of a 307", func(w http.ResponseWriter) {
			w.Header().Set("Location", "https://evil.example/"+huge)
			w.WriteHeader(http.StatusTemporaryRedirect)
		}},
		{"unparsable Location of a 302", func(w http.ResponseWriter) {
			w.Header().Set("Location", "https://evil.example/%zz/"+huge)
			w.WriteHeader(http.StatusFound)
		}},
		{"Content-Type of a 200 that is not JSON", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; x="+huge)
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "<html></html>")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ recordedRequest) { tt.respond(w) })
			var logBuf syncBuffer
			c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithLogger(secretLogger(&logBuf)), WithMaxRetries(0))

			_, err := c.User.Invites.Get(context.Background(), testInviteID)

			require.Error(t, err)
			assert.Less(t, len(err.Error()), 4<<10, "error of %d bytes", len(err.Error()))
			assert.Less(t, len(fmt.Sprintf("%#v", err)), 8<<10)
			assert.Less(t, len(logBuf.String()), 8<<10, "log of %d bytes", len(logBuf.String()))
			assertNoSecretIn(t, testAPIToken, err)
			assert.NotContains(t, logBuf.String(), testAPIToken)
		})
	}
}
