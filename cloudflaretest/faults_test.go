package cloudflaretest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func TestFailNextQueuesFaultsInOrder(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	srv.FailNext(0, ServerError(500))
	srv.FailNext(-1, ServerError(500))
	assert.Zero(t, srv.PendingFaults(), "n <= 0 does nothing")
	assert.PanicsWithValue(t, "cloudflaretest: FailNext: nil Target", func() { srv.FailNext(1, Fault{}, nil) })

	h := http.Header{"X-Test": {"before"}}
	srv.FailNext(2, Fault{Status: 500, Header: h})
	h.Set("X-Test", "after")
	srv.FailNext(1, ServerError(503))
	assert.Equal(t, 3, srv.PendingFaults())
	var got []string
	for range 4 {
		resp, _ := get("user/invites").send(t, srv)
		got = append(got, strconv.Itoa(resp.StatusCode)+resp.Header.Get("X-Test"))
	}
	assert.Equal(t, []string{"500before", "500before", "503", "200"}, got, "the header was copied")
	assert.Zero(t, srv.PendingFaults())
}

func TestTargets(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	srv.FailNext(1, ServerError(500), OnMethod("patch"), OnInvite(SeedPendingInviteID))
	srv.FailNext(1, ServerError(502), OnPath("/client/v4/user/invites"))
	srv.FailNext(1, ServerError(503), func(r Request) bool { return r.Query.Get("x") == "1" })
	calls := []call{
		get("user/invites/" + SeedPendingInviteID),
		patch(SeedInviteID, `{"status":"accepted"}`),
		get("user/invites/" + SeedInviteID + "?x=1"),
		patch(SeedPendingInviteID, `{"status":"accepted"}`),
		get("user/invites"),
		get("user/invites"),
	}
	var got []int
	for _, c := range calls {
		resp, _ := c.send(t, srv)
		got = append(got, resp.StatusCode)
	}
	assert.Equal(t, []int{200, 200, 503, 500, 502, 200}, got)
	assert.Equal(t, got, statuses(srv.Requests()))
}

// TestFailNextCountsExactlyUnderConcurrency: each fault serves exactly one
// request, whatever the interleaving.
func TestFailNextCountsExactlyUnderConcurrency(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	const faults, requests = 30, 60
	var wg sync.WaitGroup
	for range faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv.FailNext(1, ServerError(503), OnMethod("GET"))
		}()
	}
	wg.Wait()
	results := make(chan int, requests)
	hc := rawClient(t, srv, false)
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _, err := get("user/invites").do(srv, hc)
			if assert.NoError(t, err) {
				results <- resp.StatusCode
			}
		}()
	}
	wg.Wait()
	close(results)
	count := map[int]int{}
	for s := range results {
		count[s]++
	}
	assert.Equal(t, map[int]int{503: faults, 200: requests - faults}, count)
	assert.Len(t, srv.Requests(), requests)
}

func TestFaultBuilders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     Fault
		status    int
		codes     string // "" for a body that is not an error envelope
		header    http.Header
		bodyCheck func(t *testing.T, body []byte)
	}{
		{"rate limited, rounded up", RateLimited(1500 * time.Millisecond), 429, "1015", http.Header{"Retry-After": {"2"}}, nil},
		{"rate limited, under a second rounds up to a second", RateLimited(time.Millisecond), 429, "1015", http.Header{"Retry-After": {"1"}}, nil},
		{"rate limited, zero", RateLimited(0), 429, "1015", http.Header{"Retry-After": {"0"}}, nil},
		{"rate limited, negative", RateLimited(-time.Second), 429, "1015", http.Header{"Retry-After": {"0"}}, nil},
		{"server error", ServerError(504), 504, "1107", nil, nil},
		{"status only", Fault{Status: 599}, 599, "1107", nil, nil},
		{"custom", Fault{Status: 200, Body: "plain", Header: http.Header{"Content-Type": {"text/plain"}}}, 200, "", http.Header{"Content-Type": {"text/plain"}},
			func(t *testing.T, body []byte) { assert.Equal(t, "plain", string(body)) }},
		{"bad gateway", BadGatewayHTML(), 502, "", http.Header{"Content-Type": {"text/html"}},
			func(t *testing.T, body []byte) { assert.Contains(t, string(body), "<center>cloudflare</center>") }},
		{"malformed", Malformed(), 200, "", http.Header{"Content-Type": {"application/json"}},
			func(t *testing.T, body []byte) {
				assert.Contains(t, string(body), `{"errors":[],"messages":[],"success":true,"result":{"invited`)
			}},
		{"truncated body", Fault{Truncate: true, Status: 503, Body: "0123456789"}, 503, "", nil,
			func(t *testing.T, body []byte) { assert.Equal(t, "01234", string(body)) }},
		{"redirect", Redirect("https://example.com/x", 308), 308, "", http.Header{"Location": {"https://example.com/x"}},
			func(t *testing.T, body []byte) { assert.Empty(t, body) }},
		{"redirect, default status", Redirect("/elsewhere", 0), 307, "", http.Header{"Location": {"/elsewhere"}}, nil},
		{"slow, then normal", Slow(time.Millisecond), 200, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t)
			srv.FailNext(1, tt.fault)
			resp, body := get("user/invites").send(t, srv)
			if tt.codes != "" {
				assertError(t, resp, body, tt.status, tt.codes)
			}
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, strconv.Itoa(len(body)), resp.Header.Get("Content-Length"))
			assert.NotEmpty(t, resp.Header.Get("Cf-Ray"))
			for k := range tt.header {
				assert.Equal(t, tt.header.Get(k), resp.Header.Get(k), k)
			}
			if tt.bodyCheck != nil {
				tt.bodyCheck(t, body)
			}
		})
	}
	for _, bad := range []func(){func() { ServerError(404) }, func() { Redirect("", 0) }, func() { Redirect("/x", 200) }} {
		assert.Panics(t, bad)
	}
}

func TestDropConnection(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	srv.FailNext(1, DropConnection())
	_, _, err := patch(SeedInviteID, `{"status":"accepted"}`).do(srv, rawClient(t, srv, false))
	require.Error(t, err)
	inv, _ := srv.Invite(SeedInviteID)
	assert.Equal(t, cloudflare.InviteStatusPending, inv.Status, "a dropped request has no effect")
	assert.Equal(t, []int{0}, statuses(srv.Requests()), "one fault, one request, no status")

	srv.FailNext(1, DropConnection())
	got, err := client.User.Invites.Get(ctx, SeedInviteID)
	require.NoError(t, err, "the SDK retries a GET")
	assert.Equal(t, SeedInviteID, got.ID)
	assert.Equal(t, []int{0, 0, 200}, statuses(srv.Requests()))

	tls := NewTLSServer()
	t.Cleanup(tls.Close)
	tls.FailNext(1, DropConnection())
	_, _, err = get("user/invites").do(tls, rawClient(t, tls, true))
	assert.Error(t, err, "over HTTP/2 the stream is reset")
}

func TestCommit(t *testing.T) {
	t.Parallel()
	for _, f := range []Fault{DropConnection(), ServerError(503), {Status: 500}, Malformed()} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t)
			f.Commit = true
			srv.FailNext(1, f)
			resp, body, err := patch(SeedInviteID, `{"status":"rejected"}`).do(srv, rawClient(t, srv, false))
			if err == nil && !f.Truncate {
				assert.NotEqual(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			}
			inv, _ := srv.Invite(SeedInviteID)
			assert.Equal(t, cloudflare.InviteStatusRejected, inv.Status, "the change was made before the response was lost")
		})
	}
	t.Run("truncates the real response", func(t *testing.T) {
		t.Parallel()
		srv, _ := setup(t)
		srv.FailNext(1, Fault{Commit: true, Truncate: true})
		resp, body := patch(SeedAcceptedInviteID, `{"status":"rejected"}`).send(t, srv)
		assert.Equal(t, 400, resp.StatusCode, "the real status is kept")
		full := failure(0, info(1101, "Invitation has already been accepted")).body
		assert.Equal(t, string(full[:len(full)/2]), string(body))
	})
}

// TestAppliedThen: the request takes effect, then its response is lost
// (no status) or cut off (the real response's first half, its status kept).
func TestAppliedThen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    Fault
		wantBody bool // a response arrives, holding the first half of the real one
	}{
		{"dropped", AppliedThenDropped(), false},
		{"malformed", AppliedThenMalformed(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t)
			srv.FailNext(1, tt.fault, OnMethod("PATCH"))
			resp, body, err := patch(SeedInviteID, `{"status":"rejected"}`).do(srv, rawClient(t, srv, false))
			inv, _ := srv.Invite(SeedInviteID)
			assert.Equal(t, cloudflare.InviteStatusRejected, inv.Status, "applied")
			if !tt.wantBody {
				assert.Error(t, err, "no response")
				assert.Equal(t, []int{0}, statuses(srv.Requests()))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			full := success(toWire(inv), nil).body
			assert.Equal(t, string(full[:len(full)/2]), string(body))
		})
	}
	t.Run("through the SDK, an answer is reconciled", func(t *testing.T) {
		t.Parallel()
		srv, client := setup(t)
		srv.FailNext(1, AppliedThenDropped(), OnMethod("PATCH"))
		inv, err := client.User.Invites.Accept(ctx, SeedInviteID)
		require.NoError(t, err)
		assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
		stored, _ := srv.Invite(SeedInviteID)
		assert.Equal(t, cloudflare.InviteStatusAccepted, stored.Status)
		assert.Equal(t, 0, srv.Requests()[0].Status, "the first PATCH lost its response")
	})
}

// TestSlow checks a delay without measuring it: a client whose deadline
// is shorter gives up first, and the request has no effect.
func TestSlow(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	srv.FailNext(1, Slow(time.Hour))
	c := patch(SeedInviteID, `{"status":"accepted"}`)
	deadline, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(deadline, c.method, srv.URL+c.path, nil)
	require.NoError(t, err)
	req.Header = c.header
	_, err = rawClient(t, srv, false).Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Eventually(t, func() bool { return srv.PendingFaults() == 0 && len(srv.Requests()) == 1 }, 10*time.Second, time.Millisecond)
	inv, _ := srv.Invite(SeedInviteID)
	assert.Equal(t, cloudflare.InviteStatusPending, inv.Status)
}

func TestClientRetriesFaults(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	srv.FailNext(1, ServerError(503))
	srv.FailNext(1, RateLimited(0))
	inv, err := client.User.Invites.Get(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, SeedInviteID, inv.ID)
	assert.Equal(t, []int{503, 429, 200}, statuses(srv.Requests()))

	srv.FailNext(1, RateLimited(time.Hour))
	_, err = client.User.Invites.Get(ctx, SeedInviteID)
	assert.ErrorIs(t, err, cloudflare.ErrRateLimited, "a Retry-After past the SDK's limit is returned")
}

// TestRetryAfterCostsWholeSeconds shows, without measuring time, what a
// sub-second RateLimited costs: its Retry-After is a whole second, which
// the client would wait, so within a deadline of a second it gives up after
// the first request rather than wait past it. RateLimited(0) is retried.
func TestRetryAfterCostsWholeSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retryAfter, deadline time.Duration
		wantErr              error
		statuses             []int
	}{
		{time.Millisecond, time.Second, cloudflare.ErrRateLimited, []int{429}},
		{0, time.Minute, nil, []int{429, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.retryAfter.String(), func(t *testing.T) {
			t.Parallel()
			srv, client := setup(t)
			srv.FailNext(1, RateLimited(tt.retryAfter))
			within, cancel := context.WithTimeout(ctx, tt.deadline)
			defer cancel()
			_, err := client.User.Invites.Get(within, SeedInviteID)
			assert.ErrorIs(t, err, tt.wantErr) // for a nil wantErr: no error
			assert.Equal(t, tt.statuses, statuses(srv.Requests()))
		})
	}
}

func TestRequestsAreRecordedWithSecretsMasked(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	get("user/invites?per_page=5").send(t, srv)
	token := patch(SeedInviteID, `{"status":"accepted"}`)
	token.header = http.Header{"Authorization": {"Bearer " + DefaultToken}, "Content-Type": {"application/json"}}
	token.send(t, srv)

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "HTTP/1.1", reqs[0].Proto)
	assert.Equal(t, "/client/v4/user/invites", reqs[0].Path)
	assert.Equal(t, "5", reqs[0].Query.Get("per_page"))
	assert.Equal(t, []string{Masked}, reqs[0].Header["X-Auth-Key"])
	assert.Equal(t, []string{DefaultEmail}, reqs[0].Header["X-Auth-Email"])
	assert.Equal(t, []string{Masked}, reqs[1].Header["Authorization"])
	assert.JSONEq(t, `{"status":"accepted"}`, string(reqs[1].Body))
	assert.Equal(t, []int{200, 200}, statuses(reqs))
	dump := fmt.Sprintf("%v %+v %#v", reqs, reqs, reqs)
	assert.NotContains(t, dump, DefaultAPIKey)
	assert.NotContains(t, dump, DefaultToken)

	reqs[0].Header.Set("X-Auth-Key", "changed")
	reqs[0].Query.Set("per_page", "9")
	reqs[1].Body[0] = 'x'
	again := srv.Requests()
	assert.Equal(t, Masked, again[0].Header.Get("X-Auth-Key"), "the log is a copy")
	assert.Equal(t, "5", again[0].Query.Get("per_page"))
	assert.JSONEq(t, `{"status":"accepted"}`, string(again[1].Body))

	srv.ResetRequests()
	assert.Empty(t, srv.Requests())
}
