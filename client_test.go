package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestNewClient_Defaults(t *testing.T) {
	t.Parallel()
	client, err := NewClient(WithBaseURL(DefaultBaseURL), WithAPIToken(testAPIToken))
	require.NoError(t, err)

	assert.Equal(t, DefaultMaxRetries, client.defaults.maxRetries)
	assert.Equal(t, DefaultMaxRetryWait, client.defaults.maxRetryWait)
	assert.Equal(t, DefaultTimeout, client.defaults.timeout)
	assert.Equal(t, int64(DefaultMaxResponseBytes), client.maxResponseBytes)
	assert.Nil(t, client.limiter)
	assert.Nil(t, client.logger)
	assert.NotSame(t, http.DefaultClient, client.hc)
	assert.NotNil(t, client.hc.CheckRedirect)
	tr, ok := transportOf(client).(*http.Transport)
	require.True(t, ok, "transport %T", transportOf(client))
	assert.NotSame(t, http.DefaultTransport, tr)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64, "enough idle connections for 64 concurrent callers")
	require.NotNil(t, client.User)
	require.NotNil(t, client.User.Invites)
	assert.Same(t, client, client.User.Invites.client)
}

// TestVersionMatchesChangelog checks that Version is the top release of
// CHANGELOG.md, so the User-Agent names the version the changelog describes.
func TestVersionMatchesChangelog(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$`).FindSubmatch(b)
	require.NotNil(t, m, "CHANGELOG.md has no release heading such as ## [1.2.3] - 2006-01-02")
	assert.Equal(t, string(m[1]), Version, "Version and the top entry of CHANGELOG.md")
}

func TestClient_With(t *testing.T) {
	t.Parallel()
	parent, srv := setup(t, WithRateLimit(1000, 10), WithHeader("X-Tenant", "parent"), WithUserAgent("tool/1"), WithMaxRetries(1))
	srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, _ *http.Request) { writeStatus(w, 200) })

	child, err := parent.With(WithAPIToken(testAPIToken), WithHeader("X-Tenant", "child"), WithTimeout(7*time.Second))
	require.NoError(t, err)

	assert.Same(t, parent.hc, child.hc, "one transport, one pool")
	assert.Same(t, parent.limiter, child.limiter, "one budget")
	assert.Equal(t, parent.baseURL, child.baseURL)
	assert.Equal(t, 1, child.defaults.maxRetries, "inherited")
	assert.Equal(t, 7*time.Second, child.defaults.timeout)
	assert.Equal(t, DefaultTimeout, parent.defaults.timeout, "the parent is unchanged")
	assert.Same(t, child, child.User.Invites.client)

	for _, c := range []*Client{parent, child} {
		_, err := c.User.Invites.Get(context.Background(), testInviteID)
		require.NoError(t, err)
	}
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, []string{testAPIKey}, reqs[0].Header.Values("X-Auth-Key"))
	assert.Equal(t, []string{"parent"}, reqs[0].Header.Values("X-Tenant"))
	assert.Equal(t, []string{"Bearer " + testAPIToken}, reqs[1].Header.Values("Authorization"), "the child's credentials")
	assert.Empty(t, reqs[1].Header.Values("X-Auth-Key"), "credentials are replaced as a whole")
	assert.Equal(t, []string{"child"}, reqs[1].Header.Values("X-Tenant"), "With's header replaces the parent's")
	assert.True(t, strings.HasPrefix(reqs[1].Header.Get("User-Agent"), "tool/1 "), "inherited User-Agent")
}

func TestClient_WithOwnSettings(t *testing.T) {
	t.Parallel()
	parent, err := NewClient(WithAPIToken(testAPIToken), WithRateLimit(1, 1))
	require.NoError(t, err)
	own := &http.Client{Transport: &http.Transport{}}
	child, err := parent.With(WithHTTPClient(own), WithRateLimit(2, 1), WithBaseURL("https://api.example.com/v4"))
	require.NoError(t, err)
	assert.NotSame(t, parent.hc, child.hc)
	assert.Same(t, own.Transport, transportOf(child))
	assert.NotSame(t, parent.limiter, child.limiter)
	assert.Equal(t, "https://api.example.com/v4/", child.BaseURL())

	wrapped, err := parent.With(WithMiddleware(func(rt http.RoundTripper) http.RoundTripper { return rt }))
	require.NoError(t, err)
	assert.NotSame(t, parent.hc, wrapped.hc)
	assert.Same(t, transportOf(parent), transportOf(wrapped), "the middleware wraps the parent's transport")

	for _, tt := range []struct {
		name  string
		opts  []Option
		field string
	}{
		{"nil option", []Option{nil}, "Option"},
		{"key without email", []Option{WithAPIKey(testAPIKey)}, "credentials"},
		{"bad option", []Option{WithTimeout(0)}, "WithTimeout"},
	} {
		c, err := parent.With(tt.opts...)
		assert.Nil(t, c, tt.name)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tt.name)
		assert.Equal(t, tt.field, ve.Field, tt.name)
	}
}

func TestClient_WithReadsNoEnvironment(t *testing.T) {
	setEnv(t, "", "", "SECRET-ENV-TOKEN", "https://env.example.com/client/v4/")
	parent, err := NewClient(WithAPIEmail(testEmail), WithAPIKey(testAPIKey), WithBaseURL("https://api.example.com/client/v4/"))
	require.NoError(t, err)
	child, err := parent.With(WithMaxRetries(0))
	require.NoError(t, err)
	assert.Equal(t, "api key", child.auth.kind)
	assert.Equal(t, "https://api.example.com/client/v4/", child.BaseURL())
}
