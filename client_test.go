package cloudflare

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

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
	tr, ok := client.hc.Transport.(*http.Transport)
	require.True(t, ok, "transport %T", client.hc.Transport)
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
