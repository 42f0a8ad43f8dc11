package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig_AuthenticationHeaders(t *testing.T) {
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
			srv := newTestServer(t, nil)
			body := fixture(t, "invite-response.json")
			srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, body)
			})
			client, err := NewClient(append([]Option{WithBaseURL(srv.URL + apiPrefix + "/")}, tt.opts...)...)
			require.NoError(t, err)

			_, err = client.User.Invites.Get(context.Background(), testInviteID)

			require.NoError(t, err)
			got := srv.only(t)
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, got.Header.Values(k), k)
			}
			for _, k := range tt.absent {
				assert.Empty(t, got.Header.Values(k), k)
			}
		})
	}
}

// TestNewClient_Environment cannot be parallel: it sets the environment.
// The environment's base URL is a server of its own, so a test can tell
// whether a client followed it.
func TestNewClient_Environment(t *testing.T) {
	tests := []struct {
		name              string
		email, key, token string
		opts              []Option
		wantHeader        map[string]string
		absent            []string
	}{
		{
			name: "email and key", email: testEmail, key: envSecretKey,
			wantHeader: map[string]string{"X-Auth-Email": testEmail, "X-Auth-Key": envSecretKey},
			absent:     []string{"Authorization"},
		},
		{
			name: "token", token: envSecretToken,
			wantHeader: map[string]string{"Authorization": "Bearer " + envSecretToken},
			absent:     []string{"X-Auth-Email", "X-Auth-Key"},
		},
		{
			name: "a token wins over a leftover email", email: testEmail, token: envSecretToken,
			wantHeader: map[string]string{"Authorization": "Bearer " + envSecretToken},
			absent:     []string{"X-Auth-Email", "X-Auth-Key"},
		},
		{
			name: "a token wins over a leftover email that could not be a header", email: "not an email\n", token: envSecretToken,
			wantHeader: map[string]string{"Authorization": "Bearer " + envSecretToken},
			absent:     []string{"X-Auth-Email", "X-Auth-Key"},
		},
		{
			name: "options with email and key replace an environment token", token: envSecretToken,
			opts:       []Option{WithAPIEmail(testEmail), WithAPIKey(testAPIKey)},
			wantHeader: map[string]string{"X-Auth-Email": testEmail, "X-Auth-Key": testAPIKey},
			absent:     []string{"Authorization"},
		},
		{
			name: "a token option replaces an environment key pair", email: testEmail, key: envSecretKey,
			opts:       []Option{WithAPIToken(testAPIToken)},
			wantHeader: map[string]string{"Authorization": "Bearer " + testAPIToken},
			absent:     []string{"X-Auth-Email", "X-Auth-Key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fixture(t, "invite-response.json")
			serve := func(srv *testServer) {
				srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
					reply(w, http.StatusOK, body)
				})
			}
			fromEnv, fromCode := newTestServer(t, nil), newTestServer(t, nil)
			serve(fromEnv)
			serve(fromCode)
			// The base URL comes from the environment too, without its slash.
			setEnv(t, tt.email, tt.key, tt.token, fromEnv.URL+apiPrefix)
			want, other := fromEnv, fromCode
			opts := tt.opts
			if opts != nil {
				// Credentials in options go only where the code says.
				want, other = fromCode, fromEnv
				opts = append(opts, WithBaseURL(fromCode.apiURL()))
			}

			client, err := NewClient(opts...)
			require.NoError(t, err)
			closeIdleAtEnd(t, client)
			assert.Equal(t, want.apiURL(), client.BaseURL())
			_, err = client.User.Invites.Get(context.Background(), testInviteID)

			require.NoError(t, err)
			got := want.only(t)
			assert.Zero(t, other.count())
			assert.Equal(t, invitePath, got.Path)
			for k, v := range tt.wantHeader {
				assert.Equal(t, []string{v}, got.Header.Values(k), k)
			}
			for _, k := range tt.absent {
				assert.Empty(t, got.Header.Values(k), k)
			}
		})
	}
}

// TestNewClient_BaseURLSources cannot be parallel: it sets the environment.
func TestNewClient_BaseURLSources(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		opts    []Option
		wantURL string
	}{
		{"default", "", nil, DefaultBaseURL},
		{"environment", "https://env.example.com/client/v4/", nil, "https://env.example.com/client/v4/"},
		{"environment without the trailing slash", "https://env.example.com/client/v4", nil, "https://env.example.com/client/v4/"},
		{"option over environment", "https://env.example.com/", []Option{WithBaseURL("https://opt.example.com/api")}, "https://opt.example.com/api/"},
		{"a token option ignores the environment", "https://env.example.com/", []Option{WithAPIToken(testAPIToken)}, DefaultBaseURL},
		{"key options ignore the environment", "https://env.example.com/", []Option{WithAPIEmail(testEmail), WithAPIKey(testAPIKey)}, DefaultBaseURL},
		{"a credential option with a base URL option", "https://env.example.com/", []Option{WithAPIToken(testAPIToken), WithBaseURL("https://opt.example.com/")}, "https://opt.example.com/"},
		{"a bad environment URL is not even read beside a credential option", "ftp://env.example.com/", []Option{WithAPIToken(testAPIToken)}, DefaultBaseURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, "", "", envSecretToken, tt.env)

			client, err := NewClient(tt.opts...)

			require.NoError(t, err)
			assert.Equal(t, tt.wantURL, client.BaseURL())
		})
	}
}

// TestNewClient_EnvironmentErrors cannot be parallel: it sets the environment.
func TestNewClient_EnvironmentErrors(t *testing.T) {
	tests := []struct {
		name                       string
		email, key, token, baseURL string
		opts                       []Option
		field                      string
		reason                     string // part of the reason
	}{
		{name: "no credentials", field: "credentials", reason: "no credentials"},
		{name: "email without key", email: testEmail, field: "credentials", reason: "email was given without an API key"},
		{name: "key without email", key: envSecretKey, field: "credentials", reason: "key was given without an API email"},
		{name: "token with key", email: testEmail, key: envSecretKey, token: envSecretToken, field: "credentials", reason: "token and an API key"},
		{name: "token with key, without email", key: envSecretKey, token: envSecretToken, field: "credentials", reason: "token and an API key"},
		{name: "key that cannot be a header", email: testEmail, key: envSecretKey + " x", field: EnvAPIKey, reason: "space"},
		{name: "token that cannot be a header", token: envSecretToken + "\n", field: EnvAPIToken, reason: "control"},
		{
			name: "an email option does not pair with an environment key", key: envSecretKey,
			opts: []Option{WithAPIEmail(testEmail)}, field: "credentials", reason: "email was given without an API key",
		},
		{name: "base URL that is not http", token: envSecretToken, baseURL: "ftp://example.com/", field: EnvBaseURL, reason: "scheme"},
		{name: "plain http to another host", token: envSecretToken, baseURL: "http://example.com/client/v4/", field: EnvBaseURL, reason: "clear text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.email, tt.key, tt.token, tt.baseURL)

			client, err := NewClient(tt.opts...)

			assert.Nil(t, client)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Equal(t, "NewClient", ve.Op)
			assert.Equal(t, tt.field, ve.Field)
			assert.Contains(t, ve.Reason, tt.reason)
			assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: NewClient: invalid "+tt.field+": "), "error %q", err)
			if tt.field == "credentials" {
				wantSource := "environment"
				if tt.opts != nil {
					wantSource = "options"
				}
				assert.Contains(t, ve.Reason, "(from "+wantSource)
			}
			assertNoSecrets(t, err, envSecretKey, envSecretToken)
		})
	}
}

func TestNewClient_CredentialOptionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []Option
		reason string
	}{
		{"email without key", []Option{WithAPIEmail(testEmail)}, "email was given without an API key"},
		{"key without email", []Option{WithAPIKey(testAPIKey)}, "key was given without an API email"},
		{"token with key", []Option{WithAPIToken(testAPIToken), WithAPIKey(testAPIKey)}, "token and an API key"},
		{"token with email and key", []Option{WithAPIEmail(testEmail), WithAPIKey(testAPIKey), WithAPIToken(testAPIToken)}, "token and an API key"},
		{"token with email", []Option{WithAPIToken(testAPIToken), WithAPIEmail(testEmail)}, "email was given with an API token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			client, err := NewClient(append([]Option{WithBaseURL(DefaultBaseURL)}, tt.opts...)...)

			assert.Nil(t, client)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Equal(t, "credentials", ve.Field)
			assert.Contains(t, ve.Reason, tt.reason)
			assert.Contains(t, ve.Reason, "(from options)")
			assertNoSecrets(t, err, testAPIKey, testAPIToken)
		})
	}
}

func TestConfig_PlainHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base     string
		insecure bool
		ok       bool
	}{
		{"http://example.com", false, false},
		{"http://example.com/client/v4/", false, false},
		{"http://10.0.0.1:8080/", false, false},
		{"http://localhost.example.com/", false, false},
		{"http://127.0.0.1.nip.io/", false, false},
		{"http://[::ffff:10.0.0.1]/", false, false},
		{"http://127.0.0.1", false, true},
		{"http://127.0.0.1:8080/client/v4", false, true},
		{"http://127.9.9.9/", false, true},
		{"http://localhost", false, true},
		{"http://LocalHost:9999/", false, true},
		{"http://[::1]", false, true},
		{"http://[::1]:8443/client/v4/", false, true},
		{"https://example.com/client/v4/", false, true},
		{"http://example.com", true, true},
		{"http://10.0.0.1:8080/", true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s insecure %v", tt.base, tt.insecure), func(t *testing.T) {
			t.Parallel()
			opts := []Option{WithAPIToken(testAPIToken), WithBaseURL(tt.base)}
			if tt.insecure {
				opts = append(opts, WithInsecureHTTP())
			}
			c, err := NewClient(opts...)
			if !tt.ok {
				assert.Nil(t, c)
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.ErrorIs(t, err, ErrValidation)
				assert.Equal(t, "WithBaseURL", ve.Field)
				assert.Contains(t, ve.Reason, "clear text")
				return
			}
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(c.BaseURL(), "/"))
		})
	}
}

func TestConfig_PlainHTTPFromEnvironment(t *testing.T) {
	setEnv(t, "", "", envSecretToken, "http://example.com/client/v4/")
	_, err := NewClient()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, EnvBaseURL, ve.Field)
	t.Setenv(EnvBaseURL, "http://127.0.0.1:1/client/v4/")
	c, err := NewClient()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1/client/v4/", c.BaseURL())
}
