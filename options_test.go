package cloudflare

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The secrets of this file's tests, recognisable in any output.
const (
	envSecretKey   = "SECRET-KEY-env456"
	envSecretToken = "SECRET-TOKEN-env456"
)

func TestOptions_Validation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opt    Option
		field  string
		secret string // a part of the value that must not appear in the error
	}{
		{"nil option", nil, "Option", ""},
		{"WithAPIEmail empty", WithAPIEmail(""), "WithAPIEmail", ""},
		{"WithAPIEmail without @", WithAPIEmail("user.example.com"), "WithAPIEmail", ""},
		{"WithAPIEmail with a space", WithAPIEmail("us er@example.com"), "WithAPIEmail", ""},
		{"WithAPIKey empty", WithAPIKey(""), "WithAPIKey", ""},
		{"WithAPIKey with a space", WithAPIKey("SECRET-KEY abc123"), "WithAPIKey", "SECRET-KEY"},
		{"WithAPIKey with a newline", WithAPIKey("SECRET-KEY-abc123\r\nX-Evil: 1"), "WithAPIKey", "SECRET-KEY"},
		{"WithAPIKey non-ASCII", WithAPIKey("SECRET-KEY-é"), "WithAPIKey", "SECRET-KEY"},
		{"WithAPIKey too long", WithAPIKey("SECRET-KEY-" + strings.Repeat("k", 1024)), "WithAPIKey", "SECRET-KEY"},
		{"WithAPIToken empty", WithAPIToken(""), "WithAPIToken", ""},
		{"WithAPIToken with a tab", WithAPIToken("SECRET-TOKEN\tabc"), "WithAPIToken", "SECRET-TOKEN"},
		{"WithBaseURL empty", WithBaseURL(""), "WithBaseURL", ""},
		{"WithBaseURL not a URL", WithBaseURL("https://exa mple.com/%zz"), "WithBaseURL", ""},
		{"WithBaseURL relative", WithBaseURL("/client/v4/"), "WithBaseURL", ""},
		{"WithBaseURL ftp", WithBaseURL("ftp://example.com/"), "WithBaseURL", ""},
		{"WithBaseURL no host", WithBaseURL("https:///client/v4/"), "WithBaseURL", ""},
		{"WithBaseURL user info", WithBaseURL("https://user:SECRET-PW@example.com/"), "WithBaseURL", "SECRET-PW"},
		{"WithBaseURL query", WithBaseURL("https://example.com/?token=SECRET-Q"), "WithBaseURL", "SECRET-Q"},
		{"WithBaseURL empty query", WithBaseURL("https://example.com/?"), "WithBaseURL", ""},
		{"WithBaseURL fragment", WithBaseURL("https://example.com/#top"), "WithBaseURL", ""},
		{"WithBaseURL plain http to another host", WithBaseURL("http://example.com/client/v4/"), "WithBaseURL", ""},
		{"WithHTTPClient nil", WithHTTPClient(nil), "WithHTTPClient", ""},
		{"WithUserAgent empty", WithUserAgent(""), "WithUserAgent", ""},
		{"WithUserAgent control character", WithUserAgent("tool/1\r\nX-Evil: 1"), "WithUserAgent", ""},
		{"WithHeader empty name", WithHeader("", "v"), "WithHeader", ""},
		{"WithHeader name with a space", WithHeader("X Bad", "v"), "WithHeader", ""},
		{"WithHeader name with a colon", WithHeader("X-Bad:", "v"), "WithHeader", ""},
		{"WithHeader value with a newline", WithHeader("X-Trace", "a\nb"), "WithHeader", ""},
		{"WithHeader value with DEL", WithHeader("X-Trace", "a\x7f"), "WithHeader", ""},
		{"WithMaxRetries negative", WithMaxRetries(-1), "WithMaxRetries", ""},
		{"WithMaxRetries over 10", WithMaxRetries(11), "WithMaxRetries", ""},
		{"WithMaxRetryWait negative", WithMaxRetryWait(-time.Second), "WithMaxRetryWait", ""},
		{"WithRetryBackoff zero min", WithRetryBackoff(0, time.Second), "WithRetryBackoff", ""},
		{"WithRetryBackoff negative min", WithRetryBackoff(-time.Second, time.Second), "WithRetryBackoff", ""},
		{"WithRetryBackoff max under min", WithRetryBackoff(time.Second, time.Millisecond), "WithRetryBackoff", ""},
		{"WithTimeout zero", WithTimeout(0), "WithTimeout", ""},
		{"WithTimeout negative", WithTimeout(-time.Second), "WithTimeout", ""},
		{"WithMaxResponseBytes under 512", WithMaxResponseBytes(511), "WithMaxResponseBytes", ""},
		{"WithMaxResponseBytes over 1 GiB", WithMaxResponseBytes(1<<30 + 1), "WithMaxResponseBytes", ""},
		{"WithMaxResponseBytes largest int64", WithMaxResponseBytes(math.MaxInt64), "WithMaxResponseBytes", ""},
		{"WithLogger nil", WithLogger(nil), "WithLogger", ""},
		{"WithMiddleware nil", WithMiddleware(nil), "WithMiddleware", ""},
		{"WithRateLimit zero rate", WithRateLimit(0, 1), "WithRateLimit", ""},
		{"WithRateLimit negative rate", WithRateLimit(-1, 1), "WithRateLimit", ""},
		{"WithRateLimit NaN rate", WithRateLimit(math.NaN(), 1), "WithRateLimit", ""},
		{"WithRateLimit zero burst", WithRateLimit(1, 0), "WithRateLimit", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Valid credentials and base URL first, so only tt.opt can fail.
			client, err := NewClient(WithBaseURL(DefaultBaseURL), WithAPIToken(testAPIToken), tt.opt)

			assert.Nil(t, client)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Equal(t, "NewClient", ve.Op)
			assert.Equal(t, tt.field, ve.Field)
			assert.NotEmpty(t, ve.Reason)
			assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: NewClient: invalid "+tt.field+": "), "error %q", err)
			assertNoSecrets(t, err, testAPIToken)
			if tt.secret != "" {
				assertNoSecrets(t, err, tt.secret)
			}
		})
	}
}

func TestOptions_ValidValuesAreAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opt   Option
		check func(t *testing.T, c *Client)
	}{
		{"WithMaxRetries(0)", WithMaxRetries(0), func(t *testing.T, c *Client) { assert.Equal(t, 0, c.defaults.maxRetries) }},
		{"WithMaxRetries(10)", WithMaxRetries(10), func(t *testing.T, c *Client) { assert.Equal(t, 10, c.defaults.maxRetries) }},
		{"WithMaxRetryWait(0)", WithMaxRetryWait(0), func(t *testing.T, c *Client) { assert.Zero(t, c.defaults.maxRetryWait) }},
		{"WithRetryBackoff equal bounds", WithRetryBackoff(time.Second, time.Second), func(t *testing.T, c *Client) {
			assert.Equal(t, time.Second, c.defaults.backoffMin)
			assert.Equal(t, time.Second, c.defaults.backoffMax)
		}},
		{"WithTimeout", WithTimeout(time.Nanosecond), func(t *testing.T, c *Client) { assert.Equal(t, time.Nanosecond, c.defaults.timeout) }},
		{"WithMaxResponseBytes(512)", WithMaxResponseBytes(512), func(t *testing.T, c *Client) { assert.Equal(t, int64(512), c.maxResponseBytes) }},
		{"WithRateLimit", WithRateLimit(0.5, 1), func(t *testing.T, c *Client) { require.NotNil(t, c.limiter) }},
		{"WithLogger", WithLogger(slog.Default()), func(t *testing.T, c *Client) { assert.Same(t, slog.Default(), c.logger) }},
		{"WithHeader empty value", WithHeader("X-Empty", ""), func(t *testing.T, c *Client) {
			assert.Equal(t, []string{""}, c.defaults.headers()["X-Empty"])
		}},
		{"WithHeader value with a tab", WithHeader("x-trace", "a\tb"), func(t *testing.T, c *Client) {
			assert.Equal(t, []string{"a\tb"}, c.defaults.headers()["X-Trace"], "the name is canonicalised")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, err := NewClient(WithBaseURL(DefaultBaseURL), WithAPIToken(testAPIToken), tt.opt)
			require.NoError(t, err)
			tt.check(t, client)
		})
	}
}

func TestWithHeader(t *testing.T) {
	t.Parallel()

	t.Run("client and call headers are sent; a call's value replaces the client's; call headers do not leak", func(t *testing.T) {
		t.Parallel()
		client, srv := setup(t, WithHeader("X-Source", "tests"), WithHeader("X-Tag", "a"))
		body := fixture(t, "invite-response.json")
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, body)
		})

		_, err := client.User.Invites.Get(context.Background(), testInviteID, WithHeader("X-Trace", "1"), WithHeader("x-tag", "b"))
		require.NoError(t, err)
		_, err = client.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)

		reqs := srv.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, []string{"tests"}, reqs[0].Header.Values("X-Source"))
		assert.Equal(t, []string{"1"}, reqs[0].Header.Values("X-Trace"))
		assert.Equal(t, []string{"b"}, reqs[0].Header.Values("X-Tag"), "the call's value replaces the client's")
		assert.Equal(t, []string{"tests"}, reqs[1].Header.Values("X-Source"))
		assert.Empty(t, reqs[1].Header.Values("X-Trace"), "a call's header leaked into the next call")
		assert.Equal(t, []string{"a"}, reqs[1].Header.Values("X-Tag"), "a call's header leaked into the client's")
		assert.Equal(t, []string{"a"}, client.defaults.headers()["X-Tag"])
		assertRequestHeaders(t, reqs[1], "")
	})

	refused := []string{"Authorization", "authorization", "X-Auth-Key", "x-auth-key", "X-Auth-Email", "Content-Type", "Accept", "User-Agent", "Host", "Content-Length"}
	for _, name := range refused {
		t.Run("refuses "+name, func(t *testing.T) {
			t.Parallel()
			client, err := NewClient(WithBaseURL(DefaultBaseURL), WithAPIToken(testAPIToken), WithHeader(name, "SECRET-HEADER"))
			assert.Nil(t, client)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "WithHeader", ve.Field)
			assert.Contains(t, ve.Reason, "set by the client")
			assertNoSecrets(t, err, "SECRET-HEADER")

			client, srv := setup(t)
			_, err = client.User.Invites.Get(context.Background(), testInviteID, WithHeader(name, "SECRET-HEADER"))
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "WithHeader", ve.Field)
			assert.Zero(t, srv.count())
		})
	}
}

func TestWithUserAgent(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, WithUserAgent("my-tool/1.2"))
	body := fixture(t, "invite-response.json")
	srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, body)
	})

	_, err := client.User.Invites.Get(context.Background(), testInviteID)

	require.NoError(t, err)
	assert.Equal(t, []string{"my-tool/1.2 " + wantUserAgent()}, srv.only(t).Header.Values("User-Agent"))
}

func TestWithBaseURL(t *testing.T) {
	t.Parallel()

	t.Run("without the trailing slash", func(t *testing.T) {
		t.Parallel()
		srv := newTestServer(t, nil)
		body := fixture(t, "invite-response.json")
		srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, body)
		})
		client, err := NewClient(WithBaseURL(srv.URL+apiPrefix), WithAPIToken(testAPIToken))
		require.NoError(t, err)

		_, err = client.User.Invites.Get(context.Background(), testInviteID)

		require.NoError(t, err)
		assert.Equal(t, srv.URL+apiPrefix+"/", client.BaseURL())
		assert.Equal(t, invitePath, srv.only(t).Path)
	})

	tests := []struct {
		name    string
		opts    []Option
		wantURL string // "" when NewClient must fail
	}{
		{"https", []Option{WithBaseURL("https://api.example.com/client/v4/")}, "https://api.example.com/client/v4/"},
		{"https without a path", []Option{WithBaseURL("https://api.example.com")}, "https://api.example.com/"},
		{"http to localhost", []Option{WithBaseURL("http://localhost:8080/client/v4")}, "http://localhost:8080/client/v4/"},
		{"http to 127.0.0.1", []Option{WithBaseURL("http://127.0.0.1:8080/")}, "http://127.0.0.1:8080/"},
		{"http to another loopback address", []Option{WithBaseURL("http://127.0.0.2/")}, "http://127.0.0.2/"},
		{"http to [::1]", []Option{WithBaseURL("http://[::1]:8080/")}, "http://[::1]:8080/"},
		{"http to another host", []Option{WithBaseURL("http://api.example.com/client/v4/")}, ""},
		{"http to a host named like loopback", []Option{WithBaseURL("http://127.0.0.1.example.com/")}, ""},
		{"http to another host with WithInsecureHTTP", []Option{WithBaseURL("http://api.example.com/client/v4/"), WithInsecureHTTP()}, "http://api.example.com/client/v4/"},
		{"WithInsecureHTTP before WithBaseURL", []Option{WithInsecureHTTP(), WithBaseURL("http://10.0.0.1/")}, "http://10.0.0.1/"},
		{"escaped path kept", []Option{WithBaseURL("https://api.example.com/a%2Fb")}, "https://api.example.com/a%2Fb/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, err := NewClient(append(tt.opts, WithAPIToken(testAPIToken))...)
			if tt.wantURL == "" {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "WithBaseURL", ve.Field)
				assert.Contains(t, ve.Reason, "WithInsecureHTTP")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantURL, client.BaseURL())
		})
	}
}

// countingTransport counts the requests it carries.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestWithHTTPClient(t *testing.T) {
	t.Parallel()

	t.Run("the client is used but never changed", func(t *testing.T) {
		t.Parallel()
		srv := newTestServer(t, nil)
		other := newTestServer(t, nil)
		body := fixture(t, "invite-response.json")
		const movedID = "0123456789abcdef0123456789abcdef"
		srv.mux.HandleFunc("GET /user/invites/"+testInviteID, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, apiPrefix+"/user/invites/"+movedID, http.StatusFound)
		})
		srv.mux.HandleFunc("GET /user/invites/"+movedID, func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, body)
		})
		srv.mux.HandleFunc("GET /user/invites/elsewhere", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+invitePath, http.StatusFound)
		})

		transport := &countingTransport{next: http.DefaultTransport}
		var redirectChecks atomic.Int32
		checkRedirect := func(*http.Request, []*http.Request) error {
			redirectChecks.Add(1)
			return nil // would follow anything: the SDK's own policy must still hold
		}
		hc := &http.Client{Transport: transport, CheckRedirect: checkRedirect, Timeout: 7 * time.Second}
		client, err := NewClient(WithBaseURL(srv.URL+apiPrefix+"/"), WithAPIToken(testAPIToken), WithHTTPClient(hc))
		require.NoError(t, err)

		inv, err := client.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)
		assert.Equal(t, referenceInvite(), *inv)
		_, err = client.User.Invites.Get(context.Background(), "elsewhere")
		assert.ErrorIs(t, err, ErrUnexpectedResponse)

		assert.Same(t, transport, hc.Transport, "the given client's Transport was replaced")
		assert.Equal(t, reflect.ValueOf(checkRedirect).Pointer(), reflect.ValueOf(hc.CheckRedirect).Pointer(),
			"the given client's CheckRedirect was replaced")
		assert.Equal(t, 7*time.Second, hc.Timeout)
		assert.Equal(t, 7*time.Second, client.hc.Timeout, "the copy keeps the settings")
		assert.Equal(t, int32(3), transport.n.Load(), "the given transport carries the requests")
		assert.Equal(t, int32(1), redirectChecks.Load(), "the given CheckRedirect runs after the SDK's")
		assert.EqualValues(t, 3, srv.count())
		assert.Zero(t, other.count(), "a redirect left the origin")
	})

	t.Run("the default client is not changed", func(t *testing.T) {
		t.Parallel()
		client, err := NewClient(WithBaseURL(DefaultBaseURL), WithAPIToken(testAPIToken), WithHTTPClient(http.DefaultClient))
		require.NoError(t, err)

		assert.NotSame(t, http.DefaultClient, client.hc)
		assert.Nil(t, http.DefaultClient.CheckRedirect)
		assert.Nil(t, http.DefaultClient.Transport)
		tr, ok := transportOf(client).(*http.Transport)
		require.True(t, ok)
		assert.NotSame(t, http.DefaultTransport, tr, "a nil Transport gets the SDK's tuned transport")
		assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64)
	})
}
