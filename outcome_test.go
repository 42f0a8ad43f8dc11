package cloudflare_test

// Tests of the issue "Every outcome true": a call reads its result once,
// from the response that ends it; a write that may have been applied is
// never reported as a plain failure, and the reverse; each redirect hop is
// judged on its own; and the errors, operations, paging information,
// responses and limiter refusals a call reports say what happened.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// outInvite is an invitation as the API sends it, for a "result".
const outInvite = `{"id":"0123456789abcdef0123456789abcdef","organization_id":"org503","organization_name":"From 503","status":"pending"}`

// outNoResult is a success envelope without "result".
const outNoResult = `{"success":true,"errors":[],"messages":[]}`

// outHTML is a page such as Cloudflare's edge sends for its own errors.
func outHTML(code int) string {
	return "<!DOCTYPE html><html><head><title>" + strconv.Itoa(code) + " | error</title></head><body><h1>Error " +
		strconv.Itoa(code) + "</h1><p>cloudflare</p></body></html>"
}

// outKind is what an answer says of a write's fate.
type outKind int

const (
	outFinal      outKind = iota // the server's answer: not retried, not unknown
	outNotReached                // certainly not acted on: retried for every method
	outLost                      // may have acted: retried when idempotent, and unknown
)

// outAnswer is one way a server can answer an attempt.
type outAnswer struct {
	name     string
	status   int // 0: the connection is dropped after the request was read
	ctype    string
	body     string
	kind     outKind
	editOnly bool // only Edit needs a result, so only there is it unusable without one
}

var outAnswers = func() []outAnswer {
	a := []outAnswer{
		{"200 cut-off JSON", 200, "application/json", `{"success":true,"errors":[],"messages":[],"result":{"id":"abc","status":"acc`, outLost, false},
		{"200 HTML", 200, "text/html", "<html><head><title>Just a moment...</title></head><body>checking</body></html>", outLost, false},
		{"200 without result", 200, "application/json", `{"success":true}`, outLost, true},
		{"dropped connection", 0, "", "", outLost, false},
		{"400", 400, "application/json", failure(1001, "Invalid request"), outFinal, false},
		{"404", 404, "application/json", failure(1003, "Invitation not found"), outFinal, false},
		{"409", 409, "application/json", failure(1004, "Conflict"), outFinal, false},
		{"429 x3", 429, "application/json", failure(1015, "Rate limited"), outNotReached, false},
	}
	for _, code := range []int{500, 502, 503, 504, 520, 522, 524} {
		a = append(a, outAnswer{strconv.Itoa(code) + " page", code, "text/html", outHTML(code), outLost, false})
	}
	for _, code := range []int{521, 523, 525, 526} {
		a = append(a, outAnswer{strconv.Itoa(code) + " page", code, "text/html", outHTML(code), outNotReached, false})
	}
	return a
}()

// handler answers every request with a, its Content-Length exact.
func (a outAnswer) handler() http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if a.status == 0 {
			dropConn(w)
			return
		}
		w.Header().Set("Content-Type", a.ctype)
		w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
		if a.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}
}

// fault is a as a fault of the fake server.
func (a outAnswer) fault() cloudflaretest.Fault {
	if a.status == 0 {
		return cloudflaretest.DropConnection()
	}
	h := http.Header{"Content-Type": {a.ctype}}
	if a.status == http.StatusTooManyRequests {
		h.Set("Retry-After", "0")
	}
	return cloudflaretest.Fault{Status: a.status, Header: h, Body: a.body}
}

// wantRequests is how many requests a call costs when every attempt gets a,
// with the default 2 retries.
func (a outAnswer) wantRequests(idempotent bool) int {
	switch {
	case a.kind == outNotReached, a.kind == outLost && idempotent:
		return 3
	}
	return 1
}

// checkOutcome checks a write's error against a.
func (a outAnswer) checkOutcome(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var ae *cloudflare.APIError
	if a.kind == outLost {
		assert.ErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "outcome unknown")
	} else {
		assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
	}
	if a.status == 0 {
		assert.False(t, errors.As(err, &ae), "no response came: %v", err)
		return
	}
	if assert.ErrorAs(t, err, &ae, "a response came") {
		assert.Equal(t, a.status, ae.StatusCode)
	}
}

// TestOutcomeOneReadOfTheResult: the result is read only from the response
// that ends the call, never from an error response of an earlier attempt.
func TestOutcomeOneReadOfTheResult(t *testing.T) {
	t.Parallel()
	first := status(503, `{"success":false,"errors":[{"code":1000,"message":"busy"}],"messages":[],"result":`+outInvite+`}`)

	t.Run("Get", func(t *testing.T) {
		t.Parallel()
		h, _ := sequence(first, status(200, outNoResult))
		srv := newServer(t, h)
		inv, err := newClient(t, srv).User.Invites.Get(context.Background(), "0123456789abcdef0123456789abcdef")
		assert.Nil(t, inv, "not the 503's invitation")
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 200, ae.StatusCode, "the error is the last response's")
		assert.Contains(t, err.Error(), `no "result"`)
		assert.Equal(t, 3, srv.count(), "a 200 without the result is retried as a lost outcome")
	})

	t.Run("Do", func(t *testing.T) {
		t.Parallel()
		h, _ := sequence(first, status(200, outNoResult))
		srv := newServer(t, h)
		out := cloudflare.Invite{ID: "prefilled", OrganizationName: "Before"}
		err := newClient(t, srv).Do(context.Background(), http.MethodGet, "user/invites/x", nil, &out)
		require.NoError(t, err)
		assert.Equal(t, cloudflare.Invite{}, out, "an absent result replaces *result with the zero value, not the 503's")
		assert.Equal(t, 2, srv.count())
	})
}

// outRecord is a result type with two fields, so that a merge shows.
type outRecord struct {
	ID string `json:"id"`
	N  int    `json:"n"`
}

// TestOutcomeResultUntouchedOnError: Do leaves a pre-filled result as it
// was on any error, and replaces it whole on success.
func TestOutcomeResultUntouchedOnError(t *testing.T) {
	t.Parallel()
	prefilled := outRecord{ID: "old", N: 5}
	tests := []struct {
		name   string
		method string
		steps  []http.HandlerFunc
		want   outRecord
		ok     bool
	}{
		{"error status with result", http.MethodPost,
			[]http.HandlerFunc{status(400, `{"success":false,"errors":[{"code":1001,"message":"bad"}],"result":{"id":"new"}}`)}, prefilled, false},
		{"retried error statuses with result", http.MethodGet,
			[]http.HandlerFunc{status(503, `{"success":false,"errors":[{"code":1000,"message":"busy"}],"result":{"id":"new503"}}`),
				status(404, `{"success":false,"errors":[{"code":1003,"message":"gone"}],"result":{"id":"new404"}}`)}, prefilled, false},
		{"200 success false with result", http.MethodPost,
			[]http.HandlerFunc{status(200, `{"success":false,"errors":[{"code":1001,"message":"bad"}],"result":{"id":"new"}}`)}, prefilled, false},
		{"200 result of the wrong type", http.MethodPost,
			[]http.HandlerFunc{status(200, `{"success":true,"errors":[],"result":{"id":"new","n":"five"}}`)}, prefilled, false},
		{"200 result of the wrong type, retried", http.MethodGet,
			[]http.HandlerFunc{status(200, `{"success":true,"errors":[],"result":["new"]}`)}, prefilled, false},
		{"success replaces", http.MethodPost,
			[]http.HandlerFunc{status(200, success(`{"id":"new"}`))}, outRecord{ID: "new"}, true},
		{"success after an error with result replaces", http.MethodGet,
			[]http.HandlerFunc{status(503, `{"success":false,"errors":[{"code":1000,"message":"busy"}],"result":{"id":"x","n":9}}`),
				status(200, success(`{"id":"new"}`))}, outRecord{ID: "new"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := sequence(tt.steps...)
			srv := newServer(t, h)
			out := prefilled
			err := newClient(t, srv).Do(context.Background(), tt.method, "records/1", nil, &out)
			if tt.ok {
				require.NoError(t, err)
			} else {
				var ae *cloudflare.APIError
				require.ErrorAs(t, err, &ae)
			}
			assert.Equal(t, tt.want, out)
		})
	}
}

// TestOutcomeAuthErrorWhateverTheResult: a 403 authentication error is read
// as one whatever its "result" holds.
func TestOutcomeAuthErrorWhateverTheResult(t *testing.T) {
	t.Parallel()
	calls := []struct {
		name string
		call func(c *cloudflare.Client) error
	}{
		{"Get", func(c *cloudflare.Client) error {
			_, err := c.User.Invites.Get(context.Background(), "abc")
			return err
		}},
		{"List", func(c *cloudflare.Client) error {
			_, _, err := c.User.Invites.List(context.Background(), nil)
			return err
		}},
		{"Do", func(c *cloudflare.Client) error {
			var out outRecord
			return c.Do(context.Background(), http.MethodGet, "records/1", nil, &out)
		}},
	}
	for _, result := range []string{"null", "{}", "[]", `"s"`, "1", ""} {
		body := `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]`
		if result != "" {
			body += `,"result":` + result
		}
		body += "}"
		for _, cl := range calls {
			t.Run(cl.name+" result "+outOr(result, "absent"), func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, status(403, body))
				err := cl.call(newClient(t, srv))
				var ae *cloudflare.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, 403, ae.StatusCode)
				assert.Equal(t, []cloudflare.ResponseInfo{{Code: 10000, Message: "Authentication error"}}, ae.Errors)
				assert.ErrorIs(t, err, cloudflare.ErrAuthentication)
				assert.True(t, ae.HasCode(10000))
				assert.Equal(t, 1, srv.count())
			})
		}
	}
}

func outOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestOutcomeNoAppliedWriteReportedAsPlainFailure: every answer after which
// a write may have been applied ends in ErrOutcomeUnknown, and none after
// which it certainly was not; writes that are not idempotent are sent once
// when their outcome is lost.
func TestOutcomeNoAppliedWriteReportedAsPlainFailure(t *testing.T) {
	t.Parallel()
	for _, a := range outAnswers {
		for _, m := range []struct {
			method     string
			idempotent bool
		}{{http.MethodPost, false}, {http.MethodPatch, false}, {http.MethodPut, true}, {http.MethodDelete, true}} {
			if a.editOnly {
				continue
			}
			t.Run(m.method+" "+a.name, func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, a.handler())
				err := newClient(t, srv).Do(context.Background(), m.method, "user/invites/abc", []byte(`{"status":"accepted"}`), nil)
				a.checkOutcome(t, err)
				assert.Equal(t, a.wantRequests(m.idempotent), srv.count())
				for _, r := range srv.requests() {
					assert.Equal(t, m.method, r.Method)
				}
			})
		}
		t.Run("Edit "+a.name, func(t *testing.T) {
			t.Parallel()
			srv := cloudflaretest.NewServer()
			t.Cleanup(srv.Close)
			c, err := srv.Client(cloudflare.WithRetryBackoff(time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			srv.FailNext(10, a.fault(), cloudflaretest.OnMethod(http.MethodPatch))
			inv, err := c.User.Invites.Edit(context.Background(), cloudflaretest.SeedInviteID,
				cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted})
			assert.Nil(t, inv)
			a.checkOutcome(t, err)
			var patches, gets int
			for _, r := range srv.Requests() {
				switch r.Method {
				case http.MethodPatch:
					patches++
				case http.MethodGet:
					gets++
				}
			}
			assert.Equal(t, a.wantRequests(true), patches, "Edit sends its PATCH as idempotent")
			wantGets := 0
			if a.kind == outLost {
				wantGets = 1 // the read that reconciles an unknown outcome
			}
			assert.Equal(t, wantGets, gets)
			stored, _ := srv.Invite(cloudflaretest.SeedInviteID)
			assert.Equal(t, cloudflare.InviteStatusPending, stored.Status)
		})
	}
}

// TestOutcomeGETNeverUnknown: a read changes nothing, so no answer makes
// its error match ErrOutcomeUnknown.
func TestOutcomeGETNeverUnknown(t *testing.T) {
	t.Parallel()
	for _, a := range outAnswers {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, a.handler())
			c := newClient(t, srv)
			errDo := c.Do(context.Background(), http.MethodGet, "user/invites/abc", nil, &cloudflare.Invite{})
			_, errGet := c.User.Invites.Get(context.Background(), "abc")
			_, _, errList := c.User.Invites.List(context.Background(), nil)
			for name, err := range map[string]error{"Do": errDo, "Get": errGet, "List": errList} {
				if a.editOnly && name != "Get" {
					assert.NoError(t, err, name+": a success needs no result here")
					continue
				}
				require.Error(t, err, name)
				assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown, name)
				assert.NotContains(t, err.Error(), "outcome unknown", name)
				if a.status != 0 {
					var ae *cloudflare.APIError
					if assert.ErrorAs(t, err, &ae, name) {
						assert.Equal(t, a.status, ae.StatusCode, name)
					}
				}
			}
		})
	}

	t.Run("522 then 200", func(t *testing.T) {
		t.Parallel()
		h, _ := sequence(status(522, outHTML(522)), status(200, success(outInvite)))
		srv := newServer(t, h)
		inv, err := newClient(t, srv).User.Invites.Get(context.Background(), "0123456789abcdef0123456789abcdef")
		require.NoError(t, err)
		assert.Equal(t, "org503", inv.OrganizationID)
		assert.Equal(t, 2, srv.count())
	})
}

// TestOutcomeRedirectHopOnItsOwn: a connection lost on the hop after a
// followed redirect is a lost connection, judged on that hop alone, not an
// unreadable response because the first hop's response began.
func TestOutcomeRedirectHopOnItsOwn(t *testing.T) {
	t.Parallel()
	tests := []outHop{
		{http.MethodGet, []http.HandlerFunc{drop, status(200, success(`{"id":"x"}`))}, true, false, 2},
		{http.MethodGet, []http.HandlerFunc{drop}, false, false, 3},
		{http.MethodPut, []http.HandlerFunc{drop}, false, true, 3},
		{http.MethodDelete, []http.HandlerFunc{drop, status(200, success("null"))}, true, false, 2},
		{http.MethodPost, []http.HandlerFunc{drop}, false, true, 1},
		{http.MethodPatch, []http.HandlerFunc{drop}, false, true, 1},
	}
	for _, tt := range tests {
		for _, keepAlive := range []bool{false, true} {
			if keepAlive && tt.method == http.MethodGet {
				// net/http itself sends a GET again when a reused connection
				// closes before any byte of the response: the counts would be
				// its own, not the SDK's.
				continue
			}
			name := tt.method + " " + map[bool]string{true: "then 200", false: "all lost"}[tt.wantOK] +
				map[bool]string{true: ", hop on the same connection", false: ""}[keepAlive]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				tt.run(t, keepAlive)
			})
		}
	}
}

// outHop is a case of TestOutcomeRedirectHopOnItsOwn.
type outHop struct {
	method      string
	second      []http.HandlerFunc // the steps of /new
	wantOK      bool
	wantUnknown bool
	wantEach    int // requests at each path
}

// run sends the case through a 307 to /new, on one connection when
// keepAlive.
func (tt outHop) run(t *testing.T, keepAlive bool) {
	second, _ := sequence(tt.second...)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/client/v4/old" {
			http.Redirect(w, r, "/client/v4/new", http.StatusTemporaryRedirect)
			return
		}
		second(w, r)
	})
	srv.Config.SetKeepAlivesEnabled(keepAlive)
	var body any
	if tt.method != http.MethodGet {
		body = []byte(`{}`)
	}
	err := newClient(t, srv).Do(context.Background(), tt.method, "old", body, nil)
	var old, moved int
	for _, r := range srv.requests() {
		assert.Equal(t, tt.method, r.Method)
		switch r.URI {
		case "/client/v4/old":
			old++
		case "/client/v4/new":
			moved++
		}
	}
	assert.Equal(t, tt.wantEach, old, "requests to /old")
	assert.Equal(t, tt.wantEach, moved, "requests to /new")
	if tt.wantOK {
		assert.NoError(t, err)
		return
	}
	require.Error(t, err)
	var ae *cloudflare.APIError
	assert.False(t, errors.As(err, &ae), "a lost connection is no APIError: %v", err)
	assert.NotContains(t, err.Error(), "unreadable response")
	assert.Equal(t, tt.wantUnknown, errors.Is(err, cloudflare.ErrOutcomeUnknown), err.Error())
}

// TestOutcomeValidationBeforeSending: a header the client owns and a nil
// context are refused before anything is sent.
func TestOutcomeValidationBeforeSending(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	c := newClient(t, srv)
	ctx := context.Background()
	params := cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted}

	for _, name := range []string{"Accept-Encoding", "accept-encoding"} {
		gzip := cloudflare.WithHeader(name, "gzip")
		_, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL), cloudflare.WithAPIToken(testToken), gzip)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, "NewClient") {
			assert.Equal(t, "NewClient", ve.Op)
			assert.Equal(t, "WithHeader", ve.Field)
		}
		calls := map[string]error{"Do": c.Do(ctx, http.MethodGet, "x", nil, nil, gzip)}
		_, calls["Get"] = c.User.Invites.Get(ctx, "abc", gzip)
		_, _, calls["List"] = c.User.Invites.List(ctx, nil, gzip)
		_, calls["Edit"] = c.User.Invites.Edit(ctx, "abc", params, gzip)
		for call, err := range calls {
			if assert.ErrorAs(t, err, &ve, call) {
				assert.Equal(t, "WithHeader", ve.Field, call)
				assert.Contains(t, ve.Reason, "Accept-Encoding", call)
			}
		}
	}

	var nilCtx context.Context
	calls := map[string]error{"GET /x": c.Do(nilCtx, http.MethodGet, "x?q=1", nil, nil)}
	_, calls["GET /user/invites/{invite_id}"] = c.User.Invites.Get(nilCtx, "abc")
	_, _, calls["GET /user/invites"] = c.User.Invites.List(nilCtx, nil)
	_, calls["PATCH /user/invites/{invite_id}"] = c.User.Invites.Edit(nilCtx, "abc", params)
	yields := 0
	for _, err := range c.User.Invites.All(nilCtx) {
		yields++
		calls["All: GET /user/invites"] = err
	}
	assert.Equal(t, 1, yields, "All yields its error once")
	require.Len(t, calls, 5)
	for op, err := range calls {
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, op) {
			assert.Equal(t, "ctx", ve.Field, op)
			assert.Equal(t, strings.TrimPrefix(op, "All: "), ve.Op)
		}
		assert.ErrorIs(t, err, cloudflare.ErrValidation, op)
	}
	assert.Zero(t, srv.count(), "nothing was sent")
}

// TestOutcomeAttemptTimeoutIsNetTimeout: an attempt cut by its own timeout
// matches context.DeadlineExceeded and is a net.Error timeout.
func TestOutcomeAttemptTimeoutIsNetTimeout(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := newClient(t, srv)
	errDo := c.Do(context.Background(), http.MethodGet, "x", nil, nil, cloudflare.WithTimeout(50*time.Millisecond), cloudflare.WithMaxRetries(0))
	_, errGet := c.User.Invites.Get(context.Background(), "abc", cloudflare.WithTimeout(50*time.Millisecond), cloudflare.WithMaxRetries(0))
	for name, err := range map[string]error{"Do": errDo, "Get": errGet} {
		assert.ErrorIs(t, err, context.DeadlineExceeded, name)
		var netErr net.Error
		if assert.ErrorAs(t, err, &netErr, name) {
			assert.True(t, netErr.Timeout(), name)
		}
		assert.NotErrorIs(t, err, context.Canceled, name)
	}
	assert.Equal(t, 2, srv.count())
}

// TestOutcomeValidationErrorOp: a ValidationError names the operation as
// the API reference does, without IDs or query.
func TestOutcomeValidationErrorOp(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	c := newClient(t, srv)
	ctx := context.Background()
	for _, opt := range []struct {
		field string
		o     cloudflare.Option
	}{
		{"WithLogger", cloudflare.WithLogger(slog.New(slog.DiscardHandler))},
		{"WithLimiter", cloudflare.WithLimiter(&countingLimiter{})},
	} {
		calls := []struct {
			op  string
			err func() error
		}{
			{"GET /user/invites/{invite_id}", func() error { _, err := c.User.Invites.Get(ctx, "abc", opt.o); return err }},
			{"PATCH /user/invites/{invite_id}", func() error {
				_, err := c.User.Invites.Edit(ctx, "abc", cloudflare.InviteEditParams{Status: cloudflare.InviteStatusRejected}, opt.o)
				return err
			}},
			{"PATCH /user/invites/{invite_id}", func() error { _, err := c.User.Invites.Accept(ctx, "abc", opt.o); return err }},
			{"GET /user/invites", func() error { _, _, err := c.User.Invites.List(ctx, nil, opt.o); return err }},
			{"GET /memberships/abc", func() error { return c.Do(ctx, http.MethodGet, "memberships/abc?x=1", nil, nil, opt.o) }},
			{"DELETE /memberships/abc", func() error { return c.Do(ctx, http.MethodDelete, "memberships/abc", nil, nil, opt.o) }},
		}
		for _, cl := range calls {
			var ve *cloudflare.ValidationError
			err := cl.err()
			if assert.ErrorAs(t, err, &ve, cl.op) {
				assert.Equal(t, cl.op, ve.Op)
				assert.Equal(t, opt.field, ve.Field)
				assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: "+cl.op+": invalid "+opt.field+": "), err.Error())
			}
		}
	}
	assert.Zero(t, srv.count())
}

// TestOutcomeStaleResultInfo: the paging information returned is the
// successful response's, never an earlier attempt's.
func TestOutcomeStaleResultInfo(t *testing.T) {
	t.Parallel()
	h, _ := sequence(
		status(503, `{"success":false,"errors":[{"code":1000,"message":"busy"}],"result":[],"result_info":{"page":7,"per_page":20,"count":0,"total_count":140,"total_pages":7}}`),
		status(200, success(`[{"id":"a1"},{"id":"a2"},{"id":"a3"}]`)),
	)
	srv := newServer(t, h)
	var resp cloudflare.Response
	invites, info, err := newClient(t, srv).User.Invites.List(context.Background(), nil, cloudflare.WithResponseInto(&resp))
	require.NoError(t, err)
	require.Len(t, invites, 3)
	assert.Equal(t, &cloudflare.ResultInfo{Count: 3}, info)
	assert.Nil(t, resp.ResultInfo, "the Response is the last one's")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 2, srv.count())
}

// TestOutcomeAllFollowsTotalPages: total_pages alone keeps All paging.
func TestOutcomeAllFollowsTotalPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		if page == "" {
			page = "1"
		}
		reply(w, 200, `{"success":true,"errors":[],"messages":[],"result":[{"id":"inv`+page+`"}],`+
			`"result_info":{"page":`+page+`,"per_page":1,"count":1,"total_pages":3}}`)
	})
	var ids []string
	for inv, err := range newClient(t, srv).User.Invites.All(context.Background()) {
		require.NoError(t, err)
		ids = append(ids, inv.ID)
	}
	assert.Equal(t, []string{"inv1", "inv2", "inv3"}, ids)
	var uris []string
	for _, r := range srv.requests() {
		uris = append(uris, r.URI)
	}
	assert.Equal(t, []string{"/client/v4/user/invites", "/client/v4/user/invites?page=2&per_page=1", "/client/v4/user/invites?page=3&per_page=1"}, uris)
}

// TestOutcomeResponseInto: the Response is the last response received, or
// zero when none came, whatever it held before; given twice, both are
// filled.
func TestOutcomeResponseInto(t *testing.T) {
	t.Parallel()
	junk := func() cloudflare.Response {
		return cloudflare.Response{StatusCode: 299, Header: http.Header{"X-Junk": {"1"}}, RayID: "junk", Body: []byte("junk"),
			Messages: []cloudflare.ResponseInfo{{Code: 1}}, ResultInfo: &cloudflare.ResultInfo{Page: 9}}
	}

	t.Run("no response", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		c, err := cloudflare.NewClient(cloudflare.WithBaseURL("http://"+addr+"/client/v4/"), cloudflare.WithAPIToken(testToken),
			cloudflare.WithRetryBackoff(time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		r1, r2 := junk(), junk()
		err = c.Do(context.Background(), http.MethodGet, "x", nil, nil, cloudflare.WithResponseInto(&r1), cloudflare.WithResponseInto(&r2))
		var opErr *net.OpError
		require.ErrorAs(t, err, &opErr)
		assert.Equal(t, cloudflare.Response{}, r1)
		assert.Equal(t, cloudflare.Response{}, r2)
	})

	t.Run("503 then no response", func(t *testing.T) {
		t.Parallel()
		body := failure(1000, "busy")
		h, _ := sequence(status(503, body, "CF-Ray", "ray-503"), drop)
		srv := newServer(t, h)
		r1, r2 := junk(), junk()
		err := newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil,
			cloudflare.WithMaxRetries(1), cloudflare.WithResponseInto(&r1), cloudflare.WithResponseInto(&r2))
		require.Error(t, err)
		var ae *cloudflare.APIError
		assert.False(t, errors.As(err, &ae), "the call ended without a response: %v", err)
		assert.Equal(t, 503, r1.StatusCode)
		assert.Equal(t, "ray-503", r1.RayID)
		assert.Equal(t, body, string(r1.Body))
		assert.Equal(t, "application/json", r1.Header.Get("Content-Type"))
		assert.Nil(t, r1.ResultInfo)
		assert.Empty(t, r1.Header.Get("X-Junk"))
		assert.Equal(t, r1, r2, "both filled identically")
	})

	t.Run("success, given twice", func(t *testing.T) {
		t.Parallel()
		body := `{"success":true,"errors":[],"messages":[{"code":7,"message":"m"}],"result":null,"result_info":{"page":1,"total_pages":2}}`
		srv := newServer(t, status(200, body, "X-Extra", "e"))
		r1, r2 := junk(), junk()
		require.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodGet, "x", nil, nil,
			cloudflare.WithResponseInto(&r1), cloudflare.WithResponseInto(&r2)))
		assert.Equal(t, 200, r1.StatusCode)
		assert.Equal(t, "e", r1.Header.Get("X-Extra"))
		assert.Equal(t, body, string(r1.Body))
		assert.Equal(t, []cloudflare.ResponseInfo{{Code: 7, Message: "m"}}, r1.Messages)
		assert.Equal(t, &cloudflare.ResultInfo{Page: 1, TotalPages: 2}, r1.ResultInfo)
		assert.Empty(t, r1.RayID)
		assert.Equal(t, r1, r2)
	})
}

// outLimiter allows the waits before the refuseAt-th, then refuses with err.
type outLimiter struct {
	refuseAt int32
	err      error
	waits    atomic.Int32
}

func (l *outLimiter) Wait(ctx context.Context) error {
	if l.waits.Add(1) >= l.refuseAt {
		return l.err
	}
	return ctx.Err()
}

// TestOutcomeLimiterAfterLostAttempt: a limiter that refuses the retry of a
// write whose first attempt was lost leaves the outcome unknown; one that
// refuses before any attempt does not.
func TestOutcomeLimiterAfterLostAttempt(t *testing.T) {
	t.Parallel()
	refusal := errors.New("budget spent")
	body := []byte(`{"status":"accepted"}`)
	tests := []struct {
		name        string
		refuseAt    int32
		first       http.HandlerFunc
		call        func(c *cloudflare.Client) error
		wantUnknown bool
		wantSent    int
		wantWaits   int32
	}{
		{"PATCH WithIdempotent after a 503", 2, status(503, failure(1000, "busy")), func(c *cloudflare.Client) error {
			return c.Do(context.Background(), http.MethodPatch, "user/invites/abc", body, nil, cloudflare.WithIdempotent())
		}, true, 1, 2},
		{"POST WithIdempotent after a dropped connection", 2, drop, func(c *cloudflare.Client) error {
			return c.Do(context.Background(), http.MethodPost, "things", body, nil, cloudflare.WithIdempotent())
		}, true, 1, 2},
		{"PUT after a 200 cut off", 2, cutShort, func(c *cloudflare.Client) error {
			return c.Do(context.Background(), http.MethodPut, "things/1", body, nil)
		}, true, 1, 2},
		{"Edit after a 504", 2, status(504, outHTML(504)), func(c *cloudflare.Client) error {
			_, err := c.User.Invites.Accept(context.Background(), "abc")
			return err
		}, true, 1, 3}, // the read that would reconcile the outcome waits too, and is refused
		{"POST refused before any attempt", 1, ok200, func(c *cloudflare.Client) error {
			return c.Do(context.Background(), http.MethodPost, "things", body, nil)
		}, false, 0, 1},
		{"PATCH refused after a 429", 2, status(429, failure(1015, "slow"), "Retry-After", "0"), func(c *cloudflare.Client) error {
			return c.Do(context.Background(), http.MethodPatch, "user/invites/abc", body, nil)
		}, false, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := sequence(tt.first, ok200)
			srv := newServer(t, h)
			lim := &outLimiter{refuseAt: tt.refuseAt, err: refusal}
			err := tt.call(newClient(t, srv, cloudflare.WithLimiter(lim)))
			require.ErrorIs(t, err, refusal)
			assert.Contains(t, err.Error(), "rate limiter: budget spent")
			assert.Equal(t, tt.wantUnknown, errors.Is(err, cloudflare.ErrOutcomeUnknown), err.Error())
			assert.Equal(t, tt.wantSent, srv.count())
			assert.Equal(t, tt.wantWaits, lim.waits.Load(), "no attempt after a refusal")
		})
	}
}
