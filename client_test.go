package cloudflare_test

// Tests of the client: NewClient's options and environment, Client.With,
// the headers every request carries, and the shared transport.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// bad is a distinctive value a ValidationError must never repeat.
const bad = "Vq7BADvalue"

func TestNewClientRejectsEachBadOption(t *testing.T) {
	t.Parallel()
	tok := cloudflare.WithAPIToken(testToken)
	tests := []struct {
		field string
		opt   cloudflare.Option
	}{
		{"WithAPIEmail", cloudflare.WithAPIEmail(bad)},
		{"WithAPIEmail", cloudflare.WithAPIEmail(bad + "@example.com\n")},
		{"WithAPIKey", cloudflare.WithAPIKey(bad + " key")},
		{"WithAPIKey", cloudflare.WithAPIKey("")},
		{"WithAPIToken", cloudflare.WithAPIToken(bad + "\x00")},
		{"WithAPIToken", cloudflare.WithAPIToken(strings.Repeat(bad, 200))},
		{"WithBaseURL", cloudflare.WithBaseURL("ftp://" + bad + "/")},
		{"WithBaseURL", cloudflare.WithBaseURL("https://user:" + bad + "@example.com/")},
		{"WithBaseURL", cloudflare.WithBaseURL("https://example.com/?k=" + bad)},
		{"WithBaseURL", cloudflare.WithBaseURL("/relative/" + bad)},
		{"WithBaseURL", cloudflare.WithBaseURL("https:///" + bad)},
		{"WithBaseURL", cloudflare.WithBaseURL("https://exa mple.com/" + bad)},
		{"WithBaseURL", cloudflare.WithBaseURL("http://" + bad + ".example.com/")}, // http off loopback
		{"WithHTTPClient", cloudflare.WithHTTPClient(nil)},
		{"WithUserAgent", cloudflare.WithUserAgent("")},
		{"WithUserAgent", cloudflare.WithUserAgent(bad + "\r\nX: y")},
		{"WithHeader", cloudflare.WithHeader(bad+":", "v")},
		{"WithHeader", cloudflare.WithHeader("X-Ok", bad+"\n")},
		{"WithMaxRetries", cloudflare.WithMaxRetries(-1)},
		{"WithMaxRetries", cloudflare.WithMaxRetries(11)},
		{"WithRetryBackoff", cloudflare.WithRetryBackoff(0, time.Second)},
		{"WithRetryBackoff", cloudflare.WithRetryBackoff(2*time.Second, time.Second)},
		{"WithTimeout", cloudflare.WithTimeout(0)},
		{"WithLogger", cloudflare.WithLogger(nil)},
		{"WithLimiter", cloudflare.WithLimiter(nil)},
		{"WithResponseInto", cloudflare.WithResponseInto(nil)},
		{"WithResponseInto", cloudflare.WithResponseInto(&cloudflare.Response{})}, // per call only
		{"Option", cloudflare.Option{}},
	}
	for _, tt := range tests {
		_, err := cloudflare.NewClient(tok, tt.opt)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, tt.field) {
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, "NewClient", ve.Op)
			assert.ErrorIs(t, err, cloudflare.ErrValidation)
			assert.NotContains(t, err.Error(), bad)
			assert.NotContains(t, fmt.Sprintf("%+v", err), bad)
		}
	}
	for _, creds := range [][]cloudflare.Option{
		{tok, cloudflare.WithAPIEmail(testEmail)}, {tok, cloudflare.WithAPIKey(testKey)},
		{cloudflare.WithAPIEmail(testEmail)}, {cloudflare.WithAPIKey(testKey)},
	} {
		_, err := cloudflare.NewClient(creds...)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve) {
			assert.Equal(t, "credentials", ve.Field)
			assertNoSecret(t, err.Error(), testToken, testKey)
		}
	}
}

func TestClientOnlyOptionOnACallSendsNothing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	c := newClient(t, srv)
	tests := map[string]cloudflare.Option{
		"WithAPIEmail": cloudflare.WithAPIEmail(testEmail), "WithAPIKey": cloudflare.WithAPIKey("k"),
		"WithAPIToken": cloudflare.WithAPIToken("t"), "WithBaseURL": cloudflare.WithBaseURL(srv.URL),
		"WithInsecureHTTP": cloudflare.WithInsecureHTTP(), "WithHTTPClient": cloudflare.WithHTTPClient(&http.Client{}),
		"WithUserAgent": cloudflare.WithUserAgent("x/1"), "WithLogger": cloudflare.WithLogger(slog.Default()),
		"WithLimiter": cloudflare.WithLimiter(&countingLimiter{}),
	}
	for name, opt := range tests {
		err := c.Do(context.Background(), http.MethodGet, "user", nil, nil, opt)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Equal(t, name, ve.Field)
			assert.Equal(t, "GET /user", ve.Op)
		}
		_, err = c.User.Invites.Get(context.Background(), "abc", opt)
		assert.ErrorAs(t, err, &ve, name)
	}
	assert.Zero(t, srv.count(), "a call with a client-only option sent a request")
}

// setEnv sets the credential variables of the environment, "" unsetting one.
func setEnv(t *testing.T, token, email, key, baseURL string) {
	t.Setenv("CLOUDFLARE_API_TOKEN", token)
	t.Setenv("CLOUDFLARE_EMAIL", email)
	t.Setenv("CLOUDFLARE_API_KEY", key)
	t.Setenv("CLOUDFLARE_BASE_URL", baseURL)
}

func TestNewClientCredentialsFromEnvironment(t *testing.T) {
	srv := newServer(t, nil)
	tests := []struct {
		name, token, email, key string
		wantAuth, wantEmail     string // headers sent; "" with wantErr
		wantErr                 string
	}{
		{name: "token", token: testToken, wantAuth: "Bearer " + testToken},
		{name: "email and key", email: testEmail, key: testKey, wantEmail: testEmail},
		{name: "token beside a leftover email", token: testToken, email: testEmail, wantAuth: "Bearer " + testToken},
		{name: "token and key", token: testToken, key: testKey, wantErr: "token and an API key"},
		{name: "token, email and key", token: testToken, email: testEmail, key: testKey, wantErr: "token and an API key"},
		{name: "email alone", email: testEmail, wantErr: "without an API key"},
		{name: "key alone", key: testKey, wantErr: "without an API email"},
		{name: "none", wantErr: "no credentials: give WithAPIToken, or WithAPIEmail and WithAPIKey, or set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"},
		{name: "malformed token", token: "a b", wantErr: "CLOUDFLARE_API_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.token, tt.email, tt.key, srv.URL+"/client/v4/")
			c, err := cloudflare.NewClient()
			if tt.wantErr != "" {
				var ve *cloudflare.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Contains(t, err.Error(), tt.wantErr)
				assertNoSecret(t, err.Error(), testToken, testKey)
				return
			}
			require.NoError(t, err)
			require.NoError(t, c.Do(context.Background(), http.MethodGet, "user", nil, nil))
			reqs := srv.requests()
			h := reqs[len(reqs)-1].Header
			assert.Equal(t, tt.wantAuth, h.Get("Authorization"))
			assert.Equal(t, tt.wantEmail, h.Get("X-Auth-Email"))
			if tt.wantEmail != "" {
				assert.Equal(t, testKey, h.Get("X-Auth-Key"))
			}
		})
	}
}

// TestBaseURLFromEnvironmentForEveryCredentialSource: CLOUDFLARE_BASE_URL
// applies unless WithBaseURL is given, whatever the credentials' source.
func TestBaseURLFromEnvironmentForEveryCredentialSource(t *testing.T) {
	envSrv, optSrv := newServer(t, nil), newServer(t, nil)
	sources := map[string][]cloudflare.Option{
		"environment":                 nil,
		"WithAPIToken":                {cloudflare.WithAPIToken(testToken)},
		"WithAPIEmail and WithAPIKey": {cloudflare.WithAPIEmail(testEmail), cloudflare.WithAPIKey(testKey)},
	}
	for name, creds := range sources {
		for _, withBase := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/WithBaseURL=%v", name, withBase), func(t *testing.T) {
				setEnv(t, testToken, "", "", envSrv.URL+"/client/v4/")
				opts, want, other := creds, envSrv, optSrv
				if withBase {
					opts, want, other = append(creds[:len(creds):len(creds)], cloudflare.WithBaseURL(optSrv.URL+"/client/v4/")), optSrv, envSrv
				}
				c, err := cloudflare.NewClient(opts...)
				require.NoError(t, err)
				before, otherBefore := want.count(), other.count()
				require.NoError(t, c.Do(context.Background(), http.MethodGet, "user", nil, nil))
				assert.Equal(t, before+1, want.count())
				assert.Equal(t, otherBefore, other.count())
			})
		}
	}
	t.Run("http off loopback in the environment", func(t *testing.T) {
		setEnv(t, testToken, "", "", "http://api.example.com/client/v4/")
		_, err := cloudflare.NewClient()
		var ve *cloudflare.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "CLOUDFLARE_BASE_URL", ve.Field)
	})
}

func TestBaseURLSchemeAndSlash(t *testing.T) {
	t.Parallel()
	tok := cloudflare.WithAPIToken(testToken)
	for _, u := range []string{"http://127.0.0.1:1/v4/", "http://localhost/", "http://[::1]:8080/", "https://api.example.com/"} {
		_, err := cloudflare.NewClient(tok, cloudflare.WithBaseURL(u))
		assert.NoError(t, err, u)
	}
	_, err := cloudflare.NewClient(tok, cloudflare.WithBaseURL("http://api.example.com/"))
	assert.ErrorIs(t, err, cloudflare.ErrValidation)
	_, err = cloudflare.NewClient(tok, cloudflare.WithBaseURL("http://api.example.com/"), cloudflare.WithInsecureHTTP())
	assert.NoError(t, err)

	srv := newServer(t, nil)
	c := newClient(t, srv, cloudflare.WithBaseURL(srv.URL+"/client/v4"))
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "user/invites", nil, nil))
	assert.Equal(t, "/client/v4/user/invites", srv.requests()[0].URI)
}

func TestClientWith(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	// A transport of the parent's own: the child must use the same pool.
	parent := newClient(t, srv, cloudflare.WithHTTPClient(&http.Client{Transport: &http.Transport{}}),
		cloudflare.WithHeader("X-A", "1"), cloudflare.WithHeader("X-A", "2"), cloudflare.WithHeader("X-B", "b"))
	child, err := parent.With(cloudflare.WithAPIEmail(testEmail), cloudflare.WithAPIKey(testKey), cloudflare.WithHeader("X-A", "3"))
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, parent.Do(ctx, http.MethodGet, "user", nil, nil))
	require.NoError(t, child.Do(ctx, http.MethodGet, "user", nil, nil))
	require.NoError(t, child.Do(ctx, http.MethodGet, "user", nil, nil, cloudflare.WithHeader("X-B", "call")))
	reqs := srv.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []string{"1", "2"}, reqs[0].Header.Values("X-A"), "every value at one level")
	assert.Equal(t, "Bearer "+testToken, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, []string{"3"}, reqs[1].Header.Values("X-A"), "With's header replaces the parent's")
	assert.Equal(t, []string{"b"}, reqs[1].Header.Values("X-B"))
	assert.Empty(t, reqs[1].Header.Values("Authorization"), "credentials are replaced as a whole")
	assert.Equal(t, testKey, reqs[1].Header.Get("X-Auth-Key"))
	assert.Equal(t, []string{"call"}, reqs[2].Header.Values("X-B"), "a call's header replaces the client's")
	assert.Equal(t, int32(1), srv.conns.Load(), "With shares the parent's transport")

	_, err = parent.With(cloudflare.WithAPIEmail(testEmail)) // half a pair: the token is not kept
	assert.ErrorIs(t, err, cloudflare.ErrValidation)
}

func TestClientWithReadsNoEnvironment(t *testing.T) {
	envSrv, srv := newServer(t, nil), newServer(t, nil)
	setEnv(t, "env-token", "", "", "")
	parent := newClient(t, srv)
	setEnv(t, "", testEmail, testKey, envSrv.URL+"/client/v4/")
	child, err := parent.With(cloudflare.WithHeader("X-C", "c"))
	require.NoError(t, err)
	require.NoError(t, child.Do(context.Background(), http.MethodGet, "user", nil, nil))
	require.Equal(t, 1, srv.count())
	assert.Zero(t, envSrv.count())
	assert.Equal(t, "Bearer "+testToken, srv.requests()[0].Header.Get("Authorization"))
	assert.Empty(t, srv.requests()[0].Header.Get("X-Auth-Key"))
}

func TestWithHeaderRefusesOwnedHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	c := newClient(t, srv)
	for _, name := range []string{"Authorization", "x-auth-key", "X-Auth-Email", "Content-Type", "Accept", "User-Agent", "Host", "Content-Length"} {
		_, err := cloudflare.NewClient(cloudflare.WithAPIToken(testToken), cloudflare.WithHeader(name, "v"))
		assert.ErrorIs(t, err, cloudflare.ErrValidation, name)
		err = c.Do(context.Background(), http.MethodGet, "user", nil, nil, cloudflare.WithHeader(name, "v"))
		assert.ErrorIs(t, err, cloudflare.ErrValidation, name)
	}
	assert.Zero(t, srv.count())
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	ua := cloudflare.WithUserAgent("my-tool/1.2")
	tests := []struct {
		name string
		c    *cloudflare.Client
		want map[string]string // "" means absent
	}{
		{"token", newClient(t, srv, ua), map[string]string{"Authorization": "Bearer " + testToken, "X-Auth-Email": "", "X-Auth-Key": ""}},
		{"key", keyClient(t, srv, ua), map[string]string{"Authorization": "", "X-Auth-Email": testEmail, "X-Auth-Key": testKey}},
	}
	for _, tt := range tests {
		c := tt.c
		require.NoError(t, c.Do(context.Background(), http.MethodGet, "user", nil, nil))
		require.NoError(t, c.Do(context.Background(), http.MethodPatch, "user", map[string]int{"a": 1}, nil))
		reqs := srv.requests()
		get, patch := reqs[len(reqs)-2], reqs[len(reqs)-1]
		for name, v := range tt.want {
			assert.Equal(t, v, get.Header.Get(name), tt.name+" "+name)
		}
		assert.Equal(t, "application/json", get.Header.Get("Accept"))
		assert.Regexp(t, `^my-tool/1\.2 cloudflare-go-invites/`+strings.ReplaceAll(cloudflare.Version, ".", `\.`)+` \(go`, get.Header.Get("User-Agent"))
		assert.Empty(t, get.Header.Values("Content-Type"), "no body, no Content-Type")
		assert.Equal(t, "application/json", patch.Header.Get("Content-Type"))
	}
}

func TestBasePathEscaping(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 404, failure(7000, "No route")) })
	c := newClient(t, srv, cloudflare.WithBaseURL(srv.URL+"/a%2Fb/my%20api/client/v4"))
	err := c.Do(context.Background(), http.MethodGet, "user/invites/x%2Fy?q=1", nil, nil)
	var ae *cloudflare.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "/a%2Fb/my%20api/client/v4/user/invites/x%2Fy?q=1", srv.requests()[0].URI)
	assert.Equal(t, "/a%2Fb/my%20api/client/v4/user/invites/x%2Fy", ae.Path)
}

func TestClientFormatHidesSecrets(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	for _, c := range []*cloudflare.Client{
		newClient(t, srv),
		keyClient(t, srv),
	} {
		derived, err := c.With(cloudflare.WithHeader("X-A", "a"))
		require.NoError(t, err)
		for _, v := range []any{c, *c, derived, c.User, c.User.Invites} {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				assertNoSecret(t, fmt.Sprintf(verb, v), testToken, testKey)
			}
		}
	}
}

// TestClientsShareOneTransport: clients without WithHTTPClient send through
// one pool, so a second client reuses the first one's connection.
func TestClientsShareOneTransport(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	for i := 0; i < 3; i++ {
		c, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL), cloudflare.WithAPIToken(testToken))
		require.NoError(t, err)
		require.NoError(t, c.Do(context.Background(), http.MethodGet, "user", nil, nil))
	}
	assert.Equal(t, 3, srv.count())
	assert.Equal(t, int32(1), srv.conns.Load())
}

func TestHTTP2OverTLS(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t, nil)
	c := newClient(t, srv)
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "user", nil, nil))
	assert.Equal(t, "HTTP/2.0", srv.requests()[0].Proto)
}

// countingLimiter counts its waits, and refuses with err when set.
type countingLimiter struct {
	waits atomic.Int32
	err   error
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.waits.Add(1)
	return errors.Join(l.err, ctx.Err())
}

// The redactor is built when first needed, once, and safely under
// concurrency: many calls of a new client fail at once with the secret
// echoed, and every error, each derived client's included, is redacted.
func TestRedactorBuiltOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	srv := newServer(t, status(403, `{"success":false,"errors":[{"code":10000,"message":"bad `+testToken+` or `+testKey+`"}]}`))
	for secret, c := range map[string]*cloudflare.Client{testToken: newClient(t, srv), testKey: keyClient(t, srv)} {
		derived, err := c.With(cloudflare.WithHeader("X-A", "a"))
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 32)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = []*cloudflare.Client{c, derived}[i%2].User.Invites.Get(context.Background(), "abc")
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.ErrorIs(t, err, cloudflare.ErrAuthentication)
			assert.Contains(t, err.Error(), "[redacted]")
			assertNoSecret(t, err.Error(), secret)
		}
	}
}

// With given its own *http.Client sends through it; without, it shares the
// parent's.
func TestClientWithOwnHTTPClient(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	var parentRT, childRT atomic.Int32
	parent := newClient(t, srv, cloudflare.WithHTTPClient(&http.Client{Transport: countingRT(&parentRT)}))
	child, err := parent.With(cloudflare.WithHTTPClient(&http.Client{Transport: countingRT(&childRT)}))
	require.NoError(t, err)
	same, err := parent.With(cloudflare.WithHeader("X-A", "a"))
	require.NoError(t, err)
	require.NoError(t, child.Do(context.Background(), http.MethodGet, "x", nil, nil))
	assert.Equal(t, int32(1), childRT.Load(), "the child's own client")
	assert.Equal(t, int32(0), parentRT.Load())
	require.NoError(t, same.Do(context.Background(), http.MethodGet, "x", nil, nil))
	assert.Equal(t, int32(1), parentRT.Load(), "the parent's client, shared")
}

// countingRT counts the requests it passes to the default transport.
func countingRT(n *atomic.Int32) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The edges of what options accept: each value just inside is taken, each
// just outside refused.
func TestOptionBounds(t *testing.T) {
	t.Parallel()
	tok := cloudflare.WithAPIToken(testToken)
	tests := []struct {
		name string
		opt  cloudflare.Option
		ok   bool
	}{
		{"token of 1024 bytes", cloudflare.WithAPIToken(strings.Repeat("t", 1024)), true},
		{"token of 1025 bytes", cloudflare.WithAPIToken(strings.Repeat("t", 1025)), false},
		{"token with DEL", cloudflare.WithAPIToken("tok\x7fen"), false},
		{"token with ~", cloudflare.WithAPIToken("tok~en!"), true},
		{"header name with a space", cloudflare.WithHeader("X A", "v"), false},
		{"header name with DEL", cloudflare.WithHeader("X\x7fA", "v"), false},
		{"header name with ~ and !", cloudflare.WithHeader("X~!A", "v"), true},
		{"10 retries", cloudflare.WithMaxRetries(10), true},
		{"11 retries", cloudflare.WithMaxRetries(11), false},
		{"0 retries", cloudflare.WithMaxRetries(0), true},
	}
	for _, tt := range tests {
		_, err := cloudflare.NewClient(tok, tt.opt)
		if tt.ok {
			assert.NoError(t, err, tt.name)
		} else {
			assert.ErrorIs(t, err, cloudflare.ErrValidation, tt.name)
		}
	}
	// A method is any word of capital letters, Z included.
	srv := newServer(t, nil)
	require.NoError(t, newClient(t, srv).Do(context.Background(), "ZAPZ", "x", nil, nil))
	assert.Equal(t, "ZAPZ", srv.requests()[0].Method)
}
