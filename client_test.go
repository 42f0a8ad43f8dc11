package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClient_AuthenticationHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       []Option
		wantHeader map[string][]string
		absent     []string
	}{
		{
			name:       "API token",
			opts:       []Option{WithAPIToken(testAPIToken)},
			wantHeader: map[string][]string{"Authorization": {"Bearer " + testAPIToken}},
			absent:     []string{"X-Auth-Email", "X-Auth-Key"},
		},
		{
			name:       "API email and key",
			opts:       []Option{WithAPIEmail(testEmail), WithAPIKey(testAPIKey)},
			wantHeader: map[string][]string{"X-Auth-Email": {testEmail}, "X-Auth-Key": {testAPIKey}},
			absent:     []string{"Authorization"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, mux, log := newAPIServer(t, t.Errorf)
			answer := fixture(t, "invite-response.json")
			mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, answer)
			})
			client, err := NewClient(append([]Option{WithBaseURL(srv.URL + apiPrefix + "/")}, tt.opts...)...)
			require.NoError(t, err)

			_, err = client.User.Invites.Get(context.Background(), testInviteID)

			require.NoError(t, err)
			got := log.only(t)
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, got.Header.Values(k), k)
			}
			for _, k := range tt.absent {
				assert.Empty(t, got.Header.Values(k), k)
			}
		})
	}
}

// badAnswers are answers a client must not mistake for a result.
var badAnswers = []struct {
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
	{"null result", 200, "application/json", `{"success":true,"errors":[],"messages":[],"result":null}`, `no "result"`, false},
	{"result of the wrong type", 200, "application/json", `{"success":true,"errors":[],"messages":[],"result":"yes"}`, "not a Cloudflare API envelope", true},
	{"empty body", 200, "", "", "no Content-Type", true},
	{"204 No Content", 204, "", "", "not a Cloudflare API envelope", true},
}

// A single-invitation answer whose result is an empty object is refused:
// a zero Invite never passes for success.
func TestClient_EmptyInviteResult(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		if m.path != invitePath {
			continue
		}
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			client, mux, log := setup(t)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				replyString(w, http.StatusOK, `{"success":true,"errors":[],"messages":[],"result":{}}`)
			})

			gotResult, err := m.call(context.Background(), client.User.Invites)

			assert.False(t, gotResult)
			var re *ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, `body's "result" is an invitation without an "id"`, re.Reason)
			assert.Equal(t, int64(1), log.Load())
		})
	}
}

func TestClient_UnusableAnswers(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		for _, ba := range badAnswers {
			t.Run(m.name+"/"+ba.name, func(t *testing.T) {
				t.Parallel()
				client, mux, _ := setup(t)
				// %RESULT% is a result of the right shape for the method.
				result := `{"id":"` + testInviteID + `"}`
				if m.path == invitesPath {
					result = "[" + result + "]"
				}
				body := strings.ReplaceAll(ba.body, "%RESULT%", result)
				mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
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

func TestClient_SuccessFalseOn200IsAnAPIError(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			client, mux, _ := setup(t)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
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

func TestClient_ErrorAnswerThatIsNotTheEnvelope(t *testing.T) {
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
			client, mux, log := setup(t)
			body := tt.body(t)
			mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
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
			assert.Equal(t, int64(1), log.Load())
			tt.check(t, ae)
		})
	}
}

func TestClient_MaxResponseBytes(t *testing.T) {
	t.Parallel()
	big := referenceInvite()
	big.OrganizationName = strings.Repeat("x", 1024)
	tests := []struct {
		name    string
		body    []byte
		wantErr bool
	}{
		{"answer under the limit", inviteEnvelope(t, referenceInvite()), false},
		{"answer over the limit", inviteEnvelope(t, big), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, mux, _ := setup(t, WithMaxResponseBytes(1000))
			mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
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

func TestClient_Redirects(t *testing.T) {
	t.Parallel()
	const otherID = "0123456789abcdef0123456789abcdef"
	otherPath := apiPrefix + "/user/invites/" + otherID

	t.Run("GET follows a redirect within the origin", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t)
		answer := fixture(t, "invite-response.json")
		mux.HandleFunc("GET /user/invites/"+testInviteID, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherPath, http.StatusFound)
		})
		mux.HandleFunc("GET /user/invites/"+otherID, func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, answer)
		})

		inv, err := client.User.Invites.Get(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, referenceInvite(), *inv)
		reqs := log.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, otherPath, reqs[1].Path)
		assertRequestHeaders(t, reqs[1], "")
	})

	t.Run("PATCH follows a 308 within the origin with its body", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t)
		answer := fixture(t, "invite-response.json")
		mux.HandleFunc("PATCH /user/invites/"+testInviteID, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherPath, http.StatusPermanentRedirect)
		})
		mux.HandleFunc("PATCH /user/invites/"+otherID, func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, answer)
		})

		inv, err := client.User.Invites.Accept(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, referenceInvite(), *inv)
		reqs := log.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, http.MethodPatch, reqs[1].Method)
		assertRequestHeaders(t, reqs[1], `{"status":"accepted"}`)
	})

	refused := []struct {
		name       string
		method     string
		status     int
		location   func(self, other string) string
		wantReason string
		wantReqs   int64
	}{
		{"PATCH is not turned into a GET by a 302", http.MethodPatch, http.StatusFound,
			func(self, _ string) string { return self + otherPath }, "would change the method", 1},
		{"no redirect to another origin", http.MethodGet, http.StatusFound,
			func(_, other string) string { return other + otherPath + "?q=secret" }, "credentials are only sent to", 1},
		{"no redirect to another origin for PATCH", http.MethodPatch, http.StatusTemporaryRedirect,
			func(_, other string) string { return other + otherPath }, "credentials are only sent to", 1},
		{"a redirect loop stops", http.MethodGet, http.StatusFound,
			func(self, _ string) string { return self + invitePath }, "or loop", 5},
		{"a redirect without Location", http.MethodGet, http.StatusFound,
			func(string, string) string { return "" }, "redirect not followed", 1},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, mux, log := setup(t)
			other, _, otherLog := newAPIServer(t, t.Errorf)
			self := strings.TrimSuffix(client.BaseURL(), apiPrefix+"/")
			location := tt.location(self, other.URL)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				if location != "" {
					w.Header().Set("Location", location)
				}
				w.WriteHeader(tt.status)
			})

			var err error
			if tt.method == http.MethodPatch {
				_, err = client.User.Invites.Accept(context.Background(), testInviteID)
			} else {
				_, err = client.User.Invites.Get(context.Background(), testInviteID)
			}

			var re *ResponseError
			require.ErrorAs(t, err, &re)
			assert.ErrorIs(t, err, ErrUnexpectedResponse)
			assert.Equal(t, tt.status, re.StatusCode)
			assert.Contains(t, re.Reason, tt.wantReason)
			assert.Equal(t, strings.TrimSuffix(location, "?q=secret"), re.Location, "Location without its query")
			assert.NotContains(t, err.Error(), "secret")
			assert.Equal(t, tt.wantReqs, log.Load())
			assert.Zero(t, otherLog.Load(), "a request reached another origin")
		})
	}
}

func TestClient_Retries(t *testing.T) {
	t.Parallel()
	failure := `{"success":false,"errors":[{"code":10001,"message":"service unavailable"}],"messages":[],"result":null}`

	t.Run("GET is retried after 503 and succeeds", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t)
		answer := fixture(t, "invite-response.json")
		var n atomic.Int32
		mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) < 3 {
				replyString(w, http.StatusServiceUnavailable, failure)
				return
			}
			reply(w, http.StatusOK, answer)
		})

		inv, err := client.User.Invites.Get(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, referenceInvite(), *inv)
		assert.Equal(t, int64(3), log.Load())
	})

	t.Run("the last error counts the attempts", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t)
		mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			replyString(w, http.StatusServiceUnavailable, failure)
		})

		_, err := client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(1))

		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 2, ae.Attempts)
		assert.Contains(t, err.Error(), "(after 2 attempts)")
		assert.Equal(t, int64(2), log.Load())
	})

	t.Run("a Retry-After beyond the longest wait returns at once", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t)
		mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			replyString(w, http.StatusTooManyRequests, failure)
		})

		_, err := client.User.Invites.Get(context.Background(), testInviteID)

		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.Equal(t, time.Hour, ae.RetryAfter)
		assert.Contains(t, err.Error(), "(retry after 1h0m0s)")
		assert.Equal(t, int64(1), log.Load())
	})

	t.Run("a wait longer than the context has left returns the answer at once", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t, WithRetryBackoff(time.Minute, time.Minute))
		mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			replyString(w, http.StatusServiceUnavailable, failure)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()

		start := time.Now()
		_, err := client.User.Invites.Get(ctx, testInviteID)

		assert.Less(t, time.Since(start), 5*time.Second, "the client waited although the context would end first")
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
		assert.Equal(t, 1, ae.Attempts)
		assert.Equal(t, int64(1), log.Load())
	})

	t.Run("a Retry-After of zero retries at once", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t)
		var n atomic.Int32
		answer := fixture(t, "invite-response.json")
		mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				replyString(w, http.StatusTooManyRequests, failure)
				return
			}
			reply(w, http.StatusOK, answer)
		})

		_, err := client.User.Invites.Get(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, int64(2), log.Load())
	})
}

func TestClient_AttemptTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		sendHeaders bool // whether the server answers before it stalls
	}{
		{"before the answer", false},
		{"while reading the body", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, mux, log := setup(t)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				if tt.sendHeaders {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusOK)
					_, _ = w.Write([]byte(`{"success":true,`))
					w.(http.Flusher).Flush()
				}
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})

			_, err := client.User.Invites.Get(context.Background(), testInviteID, WithTimeout(250*time.Millisecond), WithMaxRetries(1))

			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 2, re.Attempts, "a timed-out GET is retried")
			var timeout interface{ Timeout() bool }
			require.ErrorAs(t, err, &timeout)
			assert.True(t, timeout.Timeout())
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller's context did not end")
			assert.Contains(t, err.Error(), "attempt timed out after 250ms")
			assertErrorNames(t, err, http.MethodGet, invitePath)
			// On a loaded machine a retry may time out before it reaches the
			// server; the first attempt always does.
			assert.GreaterOrEqual(t, log.Load(), int64(1))
			assert.LessOrEqual(t, log.Load(), int64(2))
		})
	}
}

func TestClient_ConnectionLostMidBody(t *testing.T) {
	t.Parallel()
	client, mux, log := setup(t)
	mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
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
	assert.Equal(t, int64(1), log.Load())
}

func TestClient_HugeErrorBodyIsCapped(t *testing.T) {
	t.Parallel()
	client, mux, _ := setup(t)
	page := "<html><body>" + strings.Repeat("<p>upstream trouble</p>\n", 8<<10) + "</body></html>"
	require.Greater(t, len(page), maxErrorBodyBytes)
	mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
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

func TestClient_EscapedBasePath(t *testing.T) {
	t.Parallel()
	// The base path is outside the test API's prefix: the trap records it.
	srv, _, log := newAPIServer(t, func(string, ...any) {})
	client, err := NewClient(WithBaseURL(srv.URL+"/a%2Fb/v4"), WithAPIToken(testAPIToken))
	require.NoError(t, err)

	_, err = client.User.Invites.Get(context.Background(), testInviteID, WithMaxRetries(0))

	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "/a%2Fb/v4/user/invites/"+testInviteID, ae.Path)
	assert.Equal(t, "/a%2Fb/v4/user/invites/"+testInviteID, log.only(t).Path, "the escaped slash is kept")
}

func TestClient_Logger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		level slog.Level
		want  int // records
	}{
		{"debug logs each attempt", slog.LevelDebug, 2},
		{"info logs nothing", slog.LevelInfo, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tt.level}))
			client, mux, _ := setup(t, WithLogger(logger))
			answer := fixture(t, "invite-response.json")
			notFound := fixture(t, "core-not-found.json")
			mux.HandleFunc("GET /user/invites/"+testInviteID, func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, answer)
			})
			mux.HandleFunc("GET /user/invites/missing", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusNotFound, notFound)
			})

			_, err := client.User.Invites.Get(context.Background(), testInviteID)
			require.NoError(t, err)
			_, err = client.User.Invites.Get(context.Background(), "missing")
			require.ErrorIs(t, err, ErrNotFound)

			assert.NotContains(t, buf.String(), testAPIKey)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if tt.want == 0 {
				assert.Empty(t, buf.String())
				return
			}
			require.Len(t, lines, tt.want)
			var records []map[string]any
			for _, l := range lines {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(l), &rec))
				records = append(records, rec)
			}
			assert.Equal(t, "cloudflare: request", records[0]["msg"])
			assert.Equal(t, "GET", records[0]["method"])
			assert.Equal(t, invitePath, records[0]["path"])
			assert.EqualValues(t, 200, records[0]["status"])
			assert.EqualValues(t, 1, records[0]["attempt"])
			assert.Equal(t, testRayID, records[0]["ray_id"])
			assert.NotContains(t, records[0], "error")
			assert.EqualValues(t, 404, records[1]["status"])
			assert.Contains(t, records[1]["error"], "7003")
		})
	}
}

func TestClient_RateLimit(t *testing.T) {
	t.Parallel()

	t.Run("calls wait for the bucket", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t, WithRateLimit(10, 1))
		answer := fixture(t, "invite-response.json")
		mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, answer)
		})

		start := time.Now()
		for range 3 {
			_, err := client.User.Invites.Get(context.Background(), testInviteID)
			require.NoError(t, err)
		}

		// One token at once, then one every 100ms.
		assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
		assert.Equal(t, int64(3), log.Load())
	})

	t.Run("a wait the deadline cannot cover fails at once", func(t *testing.T) {
		t.Parallel()
		client, mux, log := setup(t, WithRateLimit(0.001, 1))
		answer := fixture(t, "invite-response.json")
		mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, answer)
		})
		_, err := client.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)
		// The next token comes in 1000s, long after the deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		start := time.Now()
		_, err = client.User.Invites.Get(ctx, testInviteID)

		assert.Less(t, time.Since(start), 10*time.Second, "the call did not fail at once")
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var timeout interface{ Timeout() bool }
		require.ErrorAs(t, err, &timeout)
		assert.True(t, timeout.Timeout())
		assertErrorNames(t, err, http.MethodGet, invitePath)
		assert.Equal(t, int64(1), log.Load())
	})

	t.Run("a canceled context ends the wait", func(t *testing.T) {
		t.Parallel()
		client, _, log := setup(t, WithRateLimit(1, 1))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()

		_, err := client.User.Invites.Get(ctx, testInviteID)

		assert.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, log.Load())
	})
}

func TestClient_Middleware(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	mw := func(name string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				order = append(order, name+" "+r.Method+" "+r.URL.EscapedPath())
				mu.Unlock()
				return next.RoundTrip(r)
			})
		}
	}
	client, mux, _ := setup(t, WithMiddleware(mw("outer")), WithMiddleware(mw("inner")))
	answer := fixture(t, "invite-response.json")
	mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, answer)
	})

	_, err := client.User.Invites.Get(context.Background(), testInviteID)

	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"outer GET " + invitePath, "inner GET " + invitePath}, order)
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClient_FormattingHidesCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []Option
		secrets []string
		kind    string
	}{
		{"API key", []Option{WithAPIEmail(testEmail), WithAPIKey(testAPIKey)}, []string{testAPIKey}, "api key"},
		{"API token", []Option{WithAPIToken(testAPIToken)}, []string{testAPIToken}, "api token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, err := NewClient(append([]Option{WithBaseURL("https://api.example.com/client/v4")}, tt.opts...)...)
			require.NoError(t, err)

			want := "cloudflare.Client{BaseURL: https://api.example.com/client/v4/, Auth: " + tt.kind + "}"
			assert.Equal(t, want, client.String())
			assert.Equal(t, want, fmt.Sprintf("%#v", client))
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
				for _, v := range []any{client, *client, client.User, client.User.Invites, client.auth} {
					out := fmt.Sprintf(verb, v)
					for _, s := range tt.secrets {
						assert.NotContains(t, out, s, "fmt %s of %T", verb, v)
						assert.NotContains(t, strings.ToLower(out), strings.ToLower(fmt.Sprintf("%x", s)), "fmt %s of %T (hex)", verb, v)
					}
				}
			}
		})
	}
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
