package cloudflare

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Recognisable credentials. The email is not a secret; the key and the
// token are, and no output of the package may contain them (nor the
// "SECRET" their values start with, which catches a partial leak).
const (
	secretKey   = "SECRETKEY0123456789abcdef"
	secretToken = "SECRETTOKEN-xyz"
	secretEmail = "user@example.com"
	secretMark  = "SECRET"
)

func (s *secretSink) add(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out = append(s.out, fmt.Sprintf(format, args...))
}

// addValue prints v every way fmt can.
func (s *secretSink) addValue(v any) {
	s.add("%v|%+v|%#v|%s|%q|%x", v, v, v, v, v, v)
}

// addError prints err and every error in its chain.
func (s *secretSink) addError(err error) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		s.add("%s", e.Error())
		s.addValue(e)
	}
}

func (s *secretSink) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.out {
		for _, secret := range []string{secretKey, secretToken, secretMark} {
			if strings.Contains(o, secret) {
				t.Errorf("output contains %q: %s", secret, o)
			}
		}
	}
}

func secretLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Every error path, with both kinds of credentials: no error, fmt output of
// any value, or log record contains a secret.
func TestSecretsNeverLeak(t *testing.T) {
	// Not parallel: it sets environment variables.
	sink := &secretSink{}
	logs := &syncBuffer{}
	logger := secretLogger(logs)

	evil := newTestServer(t, nil)
	var sawMu sync.Mutex
	saw := map[string]bool{}
	reconcilePatches := 0
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, req recordedRequest) {
		sawMu.Lock()
		saw["token"] = saw["token"] || req.Header.Get("Authorization") == "Bearer "+secretToken
		saw["key"] = saw["key"] || req.Header.Get("X-Auth-Key") == secretKey
		sawMu.Unlock()
		switch path.Base(req.Path) {
		case "apierror":
			replyString(w, 403, errorBody(9103, "Unknown X-Auth-Key or X-Auth-Email"))
		case "badheaders":
			replyString(w, 400, `{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6103,"message":"Invalid format for X-Auth-Key header"}]}],"messages":[],"result":null}`)
		case "html":
			writeStatus(w, 502)
		case "redirect":
			w.Header().Set("Location", evil.URL+req.Path)
			w.WriteHeader(http.StatusFound)
		case "slow":
			blockUntilGone(r)
		case "big":
			replyString(w, 200, `{"success":true,"result":{"id":"`+strings.Repeat("x", 2<<20)+`"}}`)
		case "exhaust":
			w.Header().Set("Retry-After", "0")
			writeStatus(w, 503)
		case "ratelimited":
			w.Header().Set("Retry-After", "3600")
			writeStatus(w, 429)
		case "decode":
			replyString(w, 200, `{"success":true,"result":nope}`)
		case "nosuccess":
			replyString(w, 200, `{"result":{}}`)
		case "drop":
			dropConn(w)
		case "invites":
			replyString(w, 200, `{"success":true,"errors":[],"messages":[],"result":[`+inviteJSON("a", InviteStatusPending)+
				`],"result_info":{"page":1,"per_page":5,"count":1,"total_count":1}}`)
		case "reconcile":
			// Odd PATCHes are applied and lost, even ones refused.
			sawMu.Lock()
			reconcilePatches += map[bool]int{true: 1}[req.Method == http.MethodPatch]
			odd := reconcilePatches%2 == 1
			sawMu.Unlock()
			if req.Method == http.MethodPatch && odd {
				dropConn(w)
				return
			}
			if req.Method == http.MethodPatch {
				replyString(w, 400, errorBody(notPendingCode, "Invite is not pending"))
				return
			}
			replyString(w, 200, inviteBody("reconcile", InviteStatusRejected))
		default:
			writeStatus(w, 200)
		}
	})
	base := srv.URL + "/client/v4/"
	fast := []Option{WithBaseURL(base), WithLogger(logger), WithRetryBackoff(time.Millisecond, 2*time.Millisecond)}
	credentials := map[string][]Option{
		"token": {WithAPIToken(secretToken)},
		"key":   {WithAPIEmail(secretEmail), WithAPIKey(secretKey)},
	}

	// Options rejected by NewClient, each carrying a secret in its value.
	badOptions := [][]Option{
		{WithAPIEmail(secretEmail), WithAPIKey(secretKey + "\n")},
		{WithAPIToken(secretToken + " ")},
		{WithAPIToken(secretToken + "\x00")},
		{WithAPIToken("Bearer " + secretToken)},
		{WithAPIToken(strings.Repeat(secretToken, 100))},
		{WithAPIEmail(secretKey), WithAPIKey(secretKey)},
		{WithAPIToken(secretToken), WithAPIEmail(secretEmail), WithAPIKey(secretKey)},
		{WithAPIToken(secretToken), WithAPIEmail(secretEmail)},
		{WithAPIKey(secretKey)},
		{WithAPIToken(secretToken), WithHeader("X-Trace", secretToken+"\r\n")},
		{WithAPIToken(secretToken), WithHeader("Authorization", "Bearer "+secretToken)},
		{WithAPIToken(secretToken), WithHeader("X-Auth-Key", secretKey)},
		{WithAPIToken(secretToken), WithHeader(secretToken+" name", "v")},
		{WithAPIToken(secretToken), WithUserAgent(secretToken + "\n")},
		{WithAPIToken(secretToken), WithBaseURL("https://user:" + secretToken + "@api.example.com/")},
		{WithAPIToken(secretToken), WithBaseURL("https://api.example.com/?key=" + secretKey)},
		{WithAPIToken(secretToken), WithBaseURL("https://api.example.com/#" + secretKey)},
		{WithAPIToken(secretToken), WithBaseURL("http://" + secretKey + ".example.com/")},
		{WithAPIToken(secretToken), WithBaseURL("ftp://" + secretToken)},
		{WithAPIToken(secretToken), WithBaseURL("https://%zz" + secretToken)},
		{WithAPIToken(secretToken), WithBaseURL(secretToken)},
		{WithAPIToken(secretToken), WithTimeout(-1)},
		{WithAPIToken(secretToken), WithMaxRetries(-1)},
		{WithAPIToken(secretToken), WithRetryBackoff(0, 0)},
		{WithAPIToken(secretToken), WithMaxResponseBytes(1)},
		{WithAPIToken(secretToken), WithRateLimit(0, 0)},
		{WithAPIToken(secretToken), WithHTTPClient(nil)},
		{WithAPIToken(secretToken), WithLogger(nil)},
		{WithAPIToken(secretToken), WithMiddleware(nil)},
		{WithAPIToken(secretToken), nil},
	}
	for i, opts := range badOptions {
		c, err := NewClient(opts...)
		assert.Nil(t, c, "case %d", i)
		assert.ErrorIs(t, err, ErrValidation, "case %d", i)
		sink.addError(err)
		for _, o := range opts {
			sink.addValue(o)
		}
	}
	// Bad credentials from the environment.
	for _, env := range []map[string]string{
		{EnvAPIToken: secretToken + "\n"},
		{EnvAPIKey: secretKey + " ", EnvAPIEmail: secretEmail},
		{EnvAPIKey: secretKey},
		{EnvAPIToken: secretToken, EnvAPIKey: secretKey, EnvAPIEmail: secretEmail},
		{EnvAPIToken: secretToken, EnvBaseURL: "http://" + secretToken + ".example.com/"},
	} {
		for _, name := range []string{EnvAPIToken, EnvAPIKey, EnvAPIEmail, EnvBaseURL} {
			t.Setenv(name, env[name])
		}
		_, err := NewClient()
		assert.ErrorIs(t, err, ErrValidation)
		sink.addError(err)
	}
	for _, name := range []string{EnvAPIToken, EnvAPIKey, EnvAPIEmail, EnvBaseURL} {
		t.Setenv(name, "")
	}

	for kind, creds := range credentials {
		opts := append(append([]Option(nil), fast...), creds...)
		c, err := NewClient(opts...)
		require.NoError(t, err)
		closeIdleAtEnd(t, c)
		sink.addValue(c)
		sink.addValue(*c)
		sink.addValue(c.User)
		sink.addValue(c.User.Invites)
		sink.addValue(c.auth)
		if c.hc != sharedClient() {
			// The shared *http.Client holds nothing of one client, and
			// printing it would race with the tests running alongside.
			sink.addValue(c.hc)
		}
		for _, o := range opts {
			sink.addValue(o)
		}
		inv := c.User.Invites
		bg := context.Background()
		calls := map[string]func() error{
			"ok":          func() error { _, err := inv.Get(bg, "ok"); return err },
			"list":        func() error { _, _, err := inv.List(bg, &InviteListParams{Page: 1, PerPage: 5}); return err },
			"bad id":      func() error { _, err := inv.Get(bg, secretKey+"!"); return err },
			"bad id path": func() error { _, err := inv.Get(bg, "../"+secretToken); return err },
			"long id":     func() error { _, err := inv.Accept(bg, secretKey+secretKey); return err },
			"bad status": func() error {
				_, err := inv.Edit(bg, "ok", InviteEditParams{Status: InviteStatus(secretToken)})
				return err
			},
			"bad page":     func() error { _, _, err := inv.List(bg, &InviteListParams{Page: -1}); return err },
			"bad call opt": func() error { _, err := inv.Get(bg, "ok", WithHeader("X-Auth-Key", secretKey)); return err },
			"bad call hdr": func() error { _, err := inv.Reject(bg, "ok", WithHeader("X-Note", secretToken+"\n")); return err },
			"nil call opt": func() error { _, err := inv.Get(bg, "ok", nil); return err },
			"api error":    func() error { _, err := inv.Get(bg, "apierror"); return err },
			"error chain":  func() error { _, err := inv.Get(bg, "badheaders"); return err },
			"html 5xx":     func() error { _, err := inv.Get(bg, "html"); return err },
			"redirect":     func() error { _, err := inv.Accept(bg, "redirect"); return err },
			"timeout": func() error {
				_, err := inv.Get(bg, "slow", WithTimeout(30*time.Millisecond), WithMaxRetries(1))
				return err
			},
			"oversized":     func() error { _, err := inv.Get(bg, "big"); return err },
			"exhausted":     func() error { _, err := inv.Get(bg, "exhaust"); return err },
			"rate limited":  func() error { _, err := inv.Get(bg, "ratelimited"); return err },
			"decode":        func() error { _, err := inv.Get(bg, "decode"); return err },
			"no success":    func() error { _, err := inv.Get(bg, "nosuccess"); return err },
			"dropped":       func() error { _, err := inv.Reject(bg, "drop"); return err },
			"reconcile":     func() error { _, err := inv.Reject(bg, "reconcile"); return err },
			"reconcile bad": func() error { _, err := inv.Accept(bg, "reconcile"); return err },
			"cancel": func() error {
				ctx, cancel := context.WithCancel(bg)
				time.AfterFunc(20*time.Millisecond, cancel)
				_, err := inv.Get(ctx, "slow")
				return err
			},
			"deadline": func() error {
				ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
				defer cancel()
				_, err := inv.Get(ctx, "slow")
				return err
			},
		}
		for name, call := range calls {
			err := call()
			switch name {
			case "ok", "list", "reconcile":
				assert.NoError(t, err, "%s %s", kind, name)
			default:
				assert.Error(t, err, "%s %s", kind, name)
			}
			sink.addError(err)
		}
		var all []Invite
		for v, err := range inv.All(bg) {
			all = append(all, v)
			sink.addError(err)
		}
		sink.addValue(all)
	}

	assert.Zero(t, evil.count(), "the redirect was not followed")
	sawMu.Lock()
	assert.True(t, saw["token"], "the token was sent to the API")
	assert.True(t, saw["key"], "the key was sent to the API")
	sawMu.Unlock()

	logged := logs.String()
	assert.Contains(t, logged, `"ray_id":"`+testRayID+`"`, "the logger was in use")
	assert.Contains(t, logged, "attempt timed out", "failed attempts were logged with their error")
	sc := bufio.NewScanner(strings.NewReader(logged))
	sc.Buffer(nil, 1<<20)
	records := 0
	for sc.Scan() {
		records++
		sink.add("%s", sc.Text())
	}
	t.Logf("checked %d outputs and %d log records", len(sink.out)-records, records)
	sink.check(t)
}

// The logger gets exactly one debug record per attempt, with the documented
// keys, and nothing at a level above debug.
func TestSecretsLoggerRecords(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, req recordedRequest) {
		// The connection is lost on the first request: on a fresh
		// connection, net/http cannot replay it by itself.
		switch req.N {
		case 1:
			dropConn(w)
		case 2:
			w.Header().Set("Cf-Ray", "ray-2")
			w.WriteHeader(503)
		default:
			writeStatus(w, 200)
		}
	})
	logs := &syncBuffer{}
	c := newTestClient(t, srv, WithAPIToken(testAPIToken), WithAPIToken(secretToken), WithLogger(secretLogger(logs)))
	_, err := c.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)

	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		records = append(records, rec)
	}
	require.Len(t, records, 3, "one record per attempt")
	wantStatus := []float64{0, 503, 200}
	wantRay := []string{"", "ray-2", testRayID}
	for i, rec := range records {
		assert.Equal(t, "DEBUG", rec["level"])
		assert.Equal(t, "cloudflare: request", rec["msg"])
		for _, key := range []string{"method", "path", "status", "attempt", "wait", "duration", "ray_id"} {
			assert.Contains(t, rec, key, "record %d", i+1)
		}
		assert.Equal(t, "GET", rec["method"])
		assert.Equal(t, "/client/v4/user/invites/"+testInviteID, rec["path"])
		assert.Equal(t, float64(i+1), rec["attempt"])
		assert.Equal(t, wantStatus[i], rec["status"])
		assert.Equal(t, wantRay[i], rec["ray_id"])
		assert.Greater(t, rec["duration"], float64(0))
		if i == 0 {
			assert.Equal(t, float64(0), rec["wait"], "no wait before the first attempt")
		} else {
			assert.Greater(t, rec["wait"], float64(0), "the backoff before attempt %d", i+1)
		}
		if i < 2 {
			assert.Contains(t, rec, "error", "a failed attempt says why")
		} else {
			assert.NotContains(t, rec, "error")
		}
		for key := range rec {
			assert.Contains(t, []string{"time", "level", "msg", "method", "path", "status", "attempt", "wait", "duration", "ray_id", "error"}, key, "no other key is logged")
		}
	}
	assert.NotContains(t, logs.String(), secretToken)

	// A call rejected before any I/O logs nothing; a logger above debug
	// gets nothing.
	before := logs.String()
	_, err = c.User.Invites.Get(context.Background(), "bad id")
	require.Error(t, err)
	assert.Equal(t, before, logs.String())
	quiet := &syncBuffer{}
	c2 := newTestClient(t, srv, WithAPIToken(testAPIToken), WithLogger(slog.New(slog.NewJSONHandler(quiet, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	_, err = c2.User.Invites.Get(context.Background(), testInviteID)
	require.NoError(t, err)
	assert.Empty(t, quiet.String())
}

// A server (or a proxy in front of it) that echoes the request's headers
// into its error response does not make the credential reach an error, its
// fmt output, or a log record: it is redacted.
func TestSecretsEchoedByServerAreRedacted(t *testing.T) {
	t.Parallel()
	echo := func(r *http.Request) string {
		return r.Header.Get("X-Auth-Key") + " " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	tests := []struct {
		name   string
		handle func(w http.ResponseWriter, r *http.Request)
	}{
		{"HTML 502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "<html><body>bad gateway; request headers: "+echo(r)+"</body></html>")
		}},
		{"JSON error message", func(w http.ResponseWriter, r *http.Request) {
			body, _ := json.Marshal(map[string]any{"success": false, "result": nil, "messages": []any{map[string]any{"code": 1001, "message": "seen " + echo(r)}},
				"errors": []any{map[string]any{"code": 6003, "message": "bad key " + echo(r), "error_chain": []any{map[string]any{"code": 6103, "message": echo(r)}}}}})
			replyString(w, 400, string(body))
		}},
		{"redirect whose target holds it", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/"+strings.ReplaceAll(echo(r), " ", "/"), http.StatusFound)
		}},
	}
	for _, tt := range tests {
		for _, creds := range [][]Option{{WithAPIToken(secretToken)}, {WithAPIEmail(secretEmail), WithAPIKey(secretKey)}} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ recordedRequest) { tt.handle(w, r) })
				logs := &syncBuffer{}
				opts := append([]Option{WithBaseURL(srv.URL + "/client/v4/"), WithMaxRetries(0), WithLogger(secretLogger(logs))}, creds...)
				c, err := NewClient(opts...)
				require.NoError(t, err)
				closeIdleAtEnd(t, c)
				_, err = c.User.Invites.Get(context.Background(), testInviteID)
				require.Error(t, err)
				require.Equal(t, 1, srv.count())
				assert.Contains(t, err.Error()+logs.String(), "[redacted]", "the echo was there to redact")

				var sink secretSink
				sink.addError(err)
				var ae *APIError
				if errors.As(err, &ae) {
					for _, info := range append(ae.Errors, ae.Messages...) {
						sink.addValue(info)
					}
				}
				sink.add("%s", logs.String())
				sink.check(t)
			})
		}
	}
}

// A header added with WithHeader may hold a secret of the user's own (an
// Access service token, say): fmt of the client, or of a copy of it, does
// not print it.
func TestSecretsInExtraHeaders(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithAPIToken(secretToken), WithBaseURL(DefaultBaseURL), WithHeader("CF-Access-Client-Secret", secretMark+"-access"))
	require.NoError(t, err)
	var sink secretSink
	sink.addValue(c)
	sink.addValue(*c)
	sink.check(t)
	require.NotEmpty(t, sink.out)
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	const secret = `Ab3/x+Y"z\q<9>&k%m`
	redact := newRedactor(secret)
	pct := func(s string, upper bool) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			f := "%%%02x"
			if upper {
				f = "%%%02X"
			}
			fmt.Fprintf(&b, f, s[i])
		}
		return b.String()
	}
	each := func(s, format string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, format, s[i])
		}
		return b.String()
	}
	jsonInner := func(s string) string { // Go's encoding/json escapes <, > and & too
		q := strconv.Quote(s)
		q = strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(q)
		return q[1 : len(q)-1]
	}
	tests := []struct {
		name, in, want string
	}{
		{"raw", "token " + secret + " bad", "token [redacted] bad"},
		{"twice", secret + "," + secret, "[redacted],[redacted]"},
		{"upper case", "x" + strings.ToUpper(secret) + "y", "x[redacted]y"},
		{"lower case", strings.ToLower(secret), "[redacted]"},
		{"query escaped", "https://evil.example/?t=" + url.QueryEscape(secret), "https://evil.example/?t=[redacted]"},
		{"path escaped", "https://evil.example/" + url.PathEscape(secret), "https://evil.example/[redacted]"},
		{"every byte percent-encoded, upper hex", "a" + pct(secret, true) + "b", "a[redacted]b"},
		{"every byte percent-encoded, lower hex", pct(secret, false), "[redacted]"},
		{"JSON escaped", `{"m":"` + jsonInner(secret) + `"}`, `{"m":"[redacted]"}`},
		{"JSON unicode escapes", each(secret, `\u%04x`), "[redacted]"},
		{"JavaScript hex escapes", each(secret, `\x%02X`), "[redacted]"},
		{"Go quoted", strconv.Quote(secret), `"[redacted]"`},
		{"Go quoted JSON (a time.Parse error quoting expires_on)", strconv.Quote(`"` + jsonInner(secret) + `"`), `"\"[redacted]\""`},
		{"percent-encoded then quoted", strconv.Quote(url.QueryEscape(secret)), `"[redacted]"`},
		{"HTML decimal references", each(secret, "&#%d;"), "[redacted]"},
		{"HTML hex references", each(secret, "&#x%X;"), "[redacted]"},
		{"HTML named references", strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(secret), "[redacted]"},
		{"mixed escapes", "Ab3%2Fx\\u002bY&quot;z\\\\q&lt;9&GT;&amp;k%25m", "[redacted]"},
		{"cut short by a cap", "body ends with " + secret[:9], "body ends with [redacted]"},
		{"split in two", secret[:9] + " ... " + secret[9:], "[redacted] ... [redacted]"},
		{"a run of 8 characters", "x" + secret[4:12] + "x", "x[redacted]x"},
		{"a run of 7 characters is left", "x" + secret[4:11] + "x", "x" + secret[4:11] + "x"},
		{"nothing to redact", "Invalid request headers (6003)", "Invalid request headers (6003)"},
		{"empty", "", ""},
		{"escapes of other text are kept", "100%25 &amp; \\u0041", "100%25 &amp; \\u0041"},
		{"broken escapes are kept", "%zz \\u00 &#; &#x; &bogus; %4", "%zz \\u00 &#; &#x; &bogus; %4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, redact(tt.in))
		})
	}
}

func TestRedactor_ShortSecretOnlyWhole(t *testing.T) {
	t.Parallel()
	redact := newRedactor("k3y")
	assert.Equal(t, "a [redacted] k3", redact("a k3y k3"))
	assert.Equal(t, "x", newRedactor("")("x"), "no secret, nothing to redact")
}

func TestRedactor_NoAllocationWithoutEscapes(t *testing.T) {
	redact := newRedactor(testAPIToken)
	ray := testRayID
	allocs := testing.AllocsPerRun(100, func() { _ = redact(ray) })
	assert.Zero(t, allocs, "redacting a Ray ID on every attempt must cost no allocation")
}
