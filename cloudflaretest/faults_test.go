package cloudflaretest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func TestFailNextQueuesFaultsInOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(0, ServerError(500))
	f.srv.FailNext(-1, ServerError(500))
	assert.Zero(t, f.srv.PendingFaults(), "n <= 0 does nothing")

	f.srv.FailNext(2, ServerError(500))
	f.srv.FailNext(1, ServerError(503))
	assert.Equal(t, 3, f.srv.PendingFaults())
	var got []int
	for range 4 {
		status, _, _ := f.do(t, "GET", "user/invites", keyAuth(), "")
		got = append(got, status)
	}
	assert.Equal(t, []int{500, 500, 503, 200}, got)
	assert.Zero(t, f.srv.PendingFaults())
}

func TestFailNextCountsExactlyUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const faults, requests = 60, 100
	var wg sync.WaitGroup
	for range faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.srv.FailNext(1, ServerError(503))
		}()
	}
	wg.Wait()
	require.Equal(t, faults, f.srv.PendingFaults())

	statuses := make(chan int, requests)
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, _, err := f.send("GET", "user/invites", keyAuth(), "")
			assert.NoError(t, err)
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{503: faults, 200: requests - faults}, count)
}

func TestFailNextCopiesTheHeader(t *testing.T) {
	t.Parallel()
	f := setup(t)
	h := http.Header{"X-Test": {"before"}}
	f.srv.FailNext(1, Fault{Status: 500, Header: h})
	h.Set("X-Test", "after")
	_, got, _ := f.do(t, "GET", "user/invites", keyAuth(), "")
	assert.Equal(t, "before", got.Get("X-Test"))
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	t.Run("retried after Retry-After", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, RateLimited(0))
		invites, _, err := f.client.User.Invites.List(ctx, nil)
		require.NoError(t, err)
		assert.Len(t, invites, 4)
		assert.Len(t, f.srv.Requests(), 2)
	})
	t.Run("too long a wait is returned", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, RateLimited(2*time.Minute))
		_, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
		ae := apiError(t, err)
		assert.ErrorIs(t, err, cloudflare.ErrRateLimited)
		assert.Equal(t, 429, ae.StatusCode)
		assert.Equal(t, 2*time.Minute, ae.RetryAfter)
		assert.True(t, ae.HasCode(CodeRateLimited))
		assert.Equal(t, 1, ae.Attempts)
		inv, _ := f.srv.Invite(SeedInviteID)
		assert.Equal(t, StatusPending, inv.Status, "a rate-limited request has no effect")
	})
	t.Run("wire", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		for _, tt := range []struct {
			d    time.Duration
			want string
		}{{0, "0"}, {-time.Second, "0"}, {time.Millisecond, "1"}, {1500 * time.Millisecond, "2"}, {time.Minute, "60"}} {
			f.srv.FailNext(1, RateLimited(tt.d))
			status, h, body := f.do(t, "GET", "user/invites", keyAuth(), "")
			assertError(t, status, body, 429, CodeRateLimited)
			assert.Equal(t, tt.want, h.Get("Retry-After"), "RateLimited(%v)", tt.d)
		}
	})
}

func TestServerError(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.srv.FailNext(1, ServerError(status))
			_, err := f.client.User.Invites.Get(ctx, SeedInviteID, cloudflare.WithMaxRetries(0))
			ae := apiError(t, err)
			assert.Equal(t, status, ae.StatusCode)
			assert.True(t, ae.HasCode(CodeFault))
			assert.Equal(t, http.StatusText(status), ae.Errors[0].Message)

			f.srv.FailNext(1, ServerError(status))
			inv, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
			require.NoError(t, err, "retried")
			assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
			assert.Len(t, f.srv.Requests(), 3)
		})
	}
	assert.PanicsWithValue(t, "cloudflaretest: ServerError: status 404 is not a 5xx", func() { ServerError(404) })
	assert.Panics(t, func() { ServerError(600) })
}

func TestBadGatewayHTML(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(1, BadGatewayHTML())
	_, _, err := f.client.User.Invites.List(ctx, nil, cloudflare.WithMaxRetries(0))
	ae := apiError(t, err)
	assert.Equal(t, 502, ae.StatusCode)
	assert.Empty(t, ae.Errors)
	assert.Contains(t, ae.Body, "502 Bad Gateway")
	assert.Contains(t, ae.Body, "cloudflare")
	assert.NotEmpty(t, ae.RayID)

	f.srv.FailNext(1, BadGatewayHTML())
	status, h, body := f.do(t, "GET", "user/invites", keyAuth(), "")
	assert.Equal(t, 502, status)
	assert.Equal(t, "text/html", h.Get("Content-Type"))
	assert.Equal(t, badGatewayPage, string(body))
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(1, Malformed())
	_, err := f.client.User.Invites.Get(ctx, SeedInviteID)
	var re *cloudflare.ResponseError
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, cloudflare.ErrUnexpectedResponse)
	assert.Equal(t, 200, re.StatusCode)
	assert.Len(t, f.srv.Requests(), 1, "a 200 is not retried")

	f.srv.FailNext(1, Malformed())
	status, h, body := f.do(t, "GET", "user/invites", keyAuth(), "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	full := referenceResponse()
	assert.Equal(t, string(full[:len(full)/2]), string(body))
	assert.Equal(t, strconv.Itoa(len(body)), h.Get("Content-Length"))
}

func TestTruncateCutsTheGivenBody(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(1, Fault{Truncate: true, Status: 503, Body: "0123456789"})
	status, _, body := f.do(t, "GET", "user/invites", keyAuth(), "")
	assert.Equal(t, 503, status)
	assert.Equal(t, "01234", string(body))
}

func TestSlow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const d = 30 * time.Millisecond
	f.srv.FailNext(1, Slow(d))
	start := time.Now()
	inv, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), d)
	assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)

	f.srv.FailNext(1, Slow(time.Hour))
	_, err = f.client.User.Invites.Reject(ctx, SeedPendingInviteID, cloudflare.WithTimeout(50*time.Millisecond), cloudflare.WithMaxRetries(0))
	var re *cloudflare.RequestError
	require.ErrorAs(t, err, &re)
	var timeout interface{ Timeout() bool }
	require.ErrorAs(t, err, &timeout)
	assert.True(t, timeout.Timeout())
	stored, _ := f.srv.Invite(SeedPendingInviteID)
	assert.Equal(t, StatusPending, stored.Status, "a request the client gave up on has no effect")
}

func TestDropConnection(t *testing.T) {
	t.Parallel()
	t.Run("PATCH, no retry", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, DropConnection())
		_, err := f.client.User.Invites.Accept(ctx, SeedInviteID, cloudflare.WithMaxRetries(0))
		var re *cloudflare.RequestError
		require.ErrorAs(t, err, &re)
		inv, _ := f.srv.Invite(SeedInviteID)
		assert.Equal(t, StatusPending, inv.Status)
	})
	t.Run("PATCH, retried", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, DropConnection())
		inv, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
		require.NoError(t, err)
		assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
		assert.Len(t, f.srv.Requests(), 2)
	})
	t.Run("GET on a new connection", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, DropConnection())
		_, err := f.client.User.Invites.Get(ctx, SeedInviteID, cloudflare.WithMaxRetries(0))
		var re *cloudflare.RequestError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 1, re.Attempts)
	})
	t.Run("GET on a reused connection is not replayed by net/http", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		_, err := f.client.User.Invites.Get(ctx, SeedInviteID)
		require.NoError(t, err)
		f.srv.FailNext(1, DropConnection())
		_, err = f.client.User.Invites.Get(ctx, SeedInviteID, cloudflare.WithMaxRetries(0))
		var re *cloudflare.RequestError
		require.ErrorAs(t, err, &re, "one drop reaches the SDK: Go's transport does not resend the GET")
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the response was cut after it started")
		assert.Equal(t, []int{200, 0}, statuses(f.srv.Requests()), "one fault, one request")

		f.srv.FailNext(1, DropConnection())
		got, err := f.client.User.Invites.Get(ctx, SeedInviteID)
		require.NoError(t, err, "the SDK retries the GET itself")
		assert.Equal(t, SeedInviteID, got.ID)
		assert.Equal(t, []int{200, 0, 0, 200}, statuses(f.srv.Requests()))
	})
}

// TestCommitLosesTheResponseOfARequestThatSucceeded drives the SDK's
// reconciliation: the first PATCH takes effect but its response is lost;
// the retry is refused as no longer pending; the SDK reads the invitation
// and reports success.
func TestCommitLosesTheResponseOfARequestThatSucceeded(t *testing.T) {
	t.Parallel()
	commit := func(f Fault) Fault {
		f.Commit = true
		return f
	}
	for name, fault := range map[string]Fault{
		"dropped":   commit(DropConnection()),
		"503":       commit(ServerError(503)),
		"500 after": commit(Fault{Status: 500}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.srv.FailNext(1, fault)
			inv, err := f.client.User.Invites.Reject(ctx, SeedInviteID)
			require.NoError(t, err)
			assert.Equal(t, cloudflare.InviteStatusRejected, inv.Status)
			var methods []string
			for _, r := range f.srv.Requests() {
				methods = append(methods, r.Method)
			}
			assert.Equal(t, []string{"PATCH", "PATCH", "GET"}, methods)
		})
	}
	t.Run("accept after a committed reject is still refused", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		_, err := f.client.User.Invites.Reject(ctx, SeedInviteID)
		require.NoError(t, err)
		f.srv.FailNext(1, commit(ServerError(503)))
		_, err = f.client.User.Invites.Accept(ctx, SeedInviteID)
		assert.True(t, apiError(t, err).HasCode(CodeInviteNotPending))
	})
}

func TestCommitWithTruncateAndDelay(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(1, Fault{Commit: true, Truncate: true})
	status, _, body := f.do(t, "PATCH", "user/invites/"+SeedInviteID, jsonKeyAuth(), `{"status":"accepted"}`)
	assert.Equal(t, 200, status)
	inv, _ := f.srv.Invite(SeedInviteID)
	assert.Equal(t, StatusAccepted, inv.Status)
	full := success(toWire(inv), nil).body
	assert.Equal(t, string(full[:len(full)/2]), string(body), "the real response is cut")

	f.srv.FailNext(1, Fault{Commit: true, Truncate: true})
	status, _, body = f.do(t, "PATCH", "user/invites/"+SeedInviteID, jsonKeyAuth(), `{"status":"accepted"}`)
	assert.Equal(t, 400, status, "the real response's status is kept")
	assert.NotEmpty(t, body)

	commitSlow := Slow(time.Hour)
	commitSlow.Commit = true
	f.srv.FailNext(1, commitSlow)
	_, err := f.client.User.Invites.Accept(ctx, SeedPendingInviteID, cloudflare.WithTimeout(50*time.Millisecond), cloudflare.WithMaxRetries(0))
	var re *cloudflare.RequestError
	require.ErrorAs(t, err, &re)
	inv, _ = f.srv.Invite(SeedPendingInviteID)
	assert.Equal(t, StatusAccepted, inv.Status, "the change was made before the response was held back")

	slow := Slow(10 * time.Millisecond)
	slow.Commit = true
	f.srv.FailNext(1, slow)
	got, err := f.client.User.Invites.Get(ctx, SeedAcceptedInviteID)
	require.NoError(t, err)
	assert.Equal(t, SeedAcceptedInviteID, got.ID)
}

func TestRedirect(t *testing.T) {
	t.Parallel()
	t.Run("same origin is followed", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, Redirect(f.srv.URL+"user/invites?page=1", 0))
		invites, _, err := f.client.User.Invites.List(ctx, nil)
		require.NoError(t, err)
		assert.Len(t, invites, 4)
		reqs := f.srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "1", reqs[1].Query.Get("page"))
	})
	t.Run("PATCH with 307 keeps method and body", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, Redirect(f.srv.URL+"user/invites/"+SeedInviteID, http.StatusTemporaryRedirect))
		inv, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
		require.NoError(t, err)
		assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
	})
	t.Run("other origin is refused", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		other := setup(t)
		f.srv.FailNext(1, Redirect(other.srv.URL+"user/invites", http.StatusMovedPermanently))
		_, _, err := f.client.User.Invites.List(ctx, nil)
		var re *cloudflare.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, http.StatusMovedPermanently, re.StatusCode)
		assert.Contains(t, re.Location, other.srv.URL[:len(other.srv.URL)-len(apiPrefix)])
		assert.Empty(t, other.srv.Requests(), "credentials never reach another origin")
	})
	t.Run("method change is refused", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, Redirect(f.srv.URL+"user/invites/"+SeedInviteID, http.StatusFound))
		_, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
		var re *cloudflare.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Len(t, f.srv.Requests(), 1)
	})
	t.Run("wire", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.srv.FailNext(1, Redirect("https://example.com/elsewhere", 0))
		f.raw.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		status, h, body := f.do(t, "GET", "user/invites", keyAuth(), "")
		assert.Equal(t, http.StatusTemporaryRedirect, status)
		assert.Equal(t, "https://example.com/elsewhere", h.Get("Location"))
		assert.Empty(t, body)
	})
	assert.PanicsWithValue(t, "cloudflaretest: Redirect: status 200 is not a 3xx", func() { Redirect("http://x/", 200) })
	assert.Panics(t, func() { Redirect("", 302) })
}

func TestCustomFaults(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		name   string
		fault  Fault
		status int
		check  func(t *testing.T, h http.Header, body []byte)
	}{
		{"status only", Fault{Status: http.StatusTeapot}, 418, func(t *testing.T, _ http.Header, body []byte) {
			env := assertError(t, 418, body, 418, CodeFault)
			assert.Equal(t, "I'm a teapot", env.Errors[0].Message)
		}},
		{"unknown status", Fault{Status: 599}, 599, func(t *testing.T, _ http.Header, body []byte) {
			assert.Equal(t, "HTTP 599", decodeEnvelope(t, body).Errors[0].Message)
		}},
		{"body only", Fault{Body: `{"success":true}`}, 200, func(t *testing.T, h http.Header, body []byte) {
			assert.Equal(t, `{"success":true}`, string(body))
			assert.Equal(t, "application/json", h.Get("Content-Type"))
		}},
		{"status below 400 without body", Fault{Status: 204}, 204, func(t *testing.T, _ http.Header, body []byte) {
			assert.Empty(t, body)
		}},
		{"headers override", Fault{Status: 500, Body: "oops", Header: http.Header{"Content-Type": {"text/plain"}, "Cf-Ray": {"0000000000000000-LHR"}}}, 500, func(t *testing.T, h http.Header, body []byte) {
			assert.Equal(t, "text/plain", h.Get("Content-Type"))
			assert.Equal(t, "0000000000000000-LHR", h.Get("Cf-Ray"))
			assert.Equal(t, "oops", string(body))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: faults are taken in order by the next request.
			f.srv.FailNext(1, tt.fault)
			status, h, body := f.do(t, "GET", "user/invites", keyAuth(), "")
			assert.Equal(t, tt.status, status)
			tt.check(t, h, body)
		})
	}

	// success:false on a 200 is an error for the SDK.
	f.srv.FailNext(1, Fault{Body: string(errorBody(info(CodeInviteNotFound, "gone")))})
	_, err := f.client.User.Invites.Get(ctx, SeedInviteID)
	ae := apiError(t, err)
	assert.Equal(t, 200, ae.StatusCode)
	assert.True(t, ae.HasCode(CodeInviteNotFound))
	assert.False(t, errors.Is(err, cloudflare.ErrNotFound), "ErrNotFound goes by HTTP status")
}

func TestTargetedFaults(t *testing.T) {
	t.Parallel()
	bodyHas := func(s string) Target {
		return func(req Request) bool { return strings.Contains(string(req.Body), s) }
	}
	tests := []struct {
		name    string
		targets []Target
		hit     []string // requests, as "METHOD path", that the fault responds to
	}{
		{"untargeted: the next request", nil, []string{"GET user/invites"}},
		{"by method", []Target{OnMethod("patch")}, []string{"PATCH user/invites/" + SeedPendingInviteID}},
		{"by path", []Target{OnPath("user/invites/" + SeedAcceptedInviteID)}, []string{"GET user/invites/" + SeedAcceptedInviteID}},
		{"by absolute path", []Target{OnPath("/client/v4/user/invites")}, []string{"GET user/invites"}},
		{"by invite ID", []Target{OnInvite(SeedPendingInviteID)}, []string{"GET user/invites/" + SeedPendingInviteID}},
		{"method and invite", []Target{OnMethod("PATCH"), OnInvite(SeedInviteID)}, []string{"PATCH user/invites/" + SeedInviteID}},
		{"predicate on the body", []Target{bodyHas("rejected")}, []string{"PATCH user/invites/" + SeedInviteID}},
		{"nothing matches", []Target{OnMethod("DELETE")}, nil},
	}
	requests := []struct{ method, path, body string }{
		{"GET", "user/invites", ""},
		{"GET", "user/invites/" + SeedPendingInviteID, ""},
		{"GET", "user/invites/" + SeedAcceptedInviteID, ""},
		{"PATCH", "user/invites/" + SeedPendingInviteID, `{"status":"accepted"}`},
		{"PATCH", "user/invites/" + SeedInviteID, `{"status":"rejected"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.srv.FailNext(1, Fault{Status: http.StatusTeapot}, tt.targets...)
			var hit []string
			for _, r := range requests {
				status, _, _ := f.do(t, r.method, r.path, jsonKeyAuth(), r.body)
				if status == http.StatusTeapot {
					hit = append(hit, r.method+" "+r.path)
				}
			}
			assert.Equal(t, tt.hit, hit)
			assert.Equal(t, 1-len(tt.hit), f.srv.PendingFaults())
		})
	}
	f := setup(t)
	assert.PanicsWithValue(t, "cloudflaretest: FailNext: nil Target", func() { f.srv.FailNext(1, Fault{}, nil) })
}

// TestTargetedFaultsSkipOtherRequests: a request takes the first fault
// it matches, in the order given; faults it does not match stay queued.
func TestTargetedFaultsSkipOtherRequests(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.FailNext(1, ServerError(503), OnMethod("PATCH"))
	f.srv.FailNext(1, ServerError(500))
	f.srv.FailNext(1, ServerError(502), OnMethod("PATCH"))
	var got []int
	for _, method := range []string{"GET", "GET", "PATCH", "PATCH", "PATCH"} {
		path, body := "user/invites", ""
		if method == "PATCH" {
			path, body = "user/invites/"+SeedInviteID, `{"status":"accepted"}`
		}
		status, _, _ := f.do(t, method, path, jsonKeyAuth(), body)
		got = append(got, status)
	}
	assert.Equal(t, []int{500, 200, 503, 502, 200}, got)
}

// TestTargetedFaultsUnderConcurrency: faults meant for PATCH requests are
// never used by GETs running at the same time, and each responds to
// exactly one PATCH.
func TestTargetedFaultsUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := setup(t, WithoutSeed())
	const n = 10 // the most retries a call may have
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.srv.AddInvite(Invite{}).ID
	}
	f.srv.FailNext(n, ServerError(503), OnMethod("PATCH"))
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			// The faults are shared by every PATCH: one Accept may meet
			// several, so each has retries enough to outlast them all.
			_, err := f.client.User.Invites.Accept(ctx, id, cloudflare.WithMaxRetries(n))
			assert.NoError(t, err)
		}()
		go func() {
			defer wg.Done()
			_, err := f.client.User.Invites.Get(ctx, id, cloudflare.WithMaxRetries(0))
			assert.NoError(t, err, "a GET never meets a PATCH's fault")
		}()
	}
	wg.Wait()
	assert.Zero(t, f.srv.PendingFaults())
	count := map[string]int{}
	for _, r := range f.srv.Requests() {
		count[r.Method+" "+strconv.Itoa(r.Status)]++
	}
	assert.Equal(t, map[string]int{"GET 200": n, "PATCH 503": n, "PATCH 200": n}, count)
}

// TestTargetedFaultSparesTheReconcilingRead: a fault for the PATCH is not
// taken by the GET with which Edit checks an uncertain response.
func TestTargetedFaultSparesTheReconcilingRead(t *testing.T) {
	t.Parallel()
	f := setup(t)
	committed := ServerError(503)
	committed.Commit = true
	f.srv.FailNext(1, committed, OnMethod("PATCH"))
	f.srv.FailNext(5, ServerError(500), OnMethod("PATCH"), OnInvite(SeedPendingInviteID))
	inv, err := f.client.User.Invites.Accept(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, cloudflare.InviteStatusAccepted, inv.Status)
	var got []string
	for _, r := range f.srv.Requests() {
		got = append(got, r.Method+" "+strconv.Itoa(r.Status))
	}
	assert.Equal(t, []string{"PATCH 503", "PATCH 400", "GET 200"}, got)
	assert.Equal(t, 5, f.srv.PendingFaults(), "the fault for another invitation is untouched")
}

// TestClientRetriesInMilliseconds: Server.Client's backoff is fast by
// default and can be overridden. The waits are read from the SDK's log, not
// from a clock, so a busy machine cannot make the test fail.
func TestClientRetriesInMilliseconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []cloudflare.Option
		min, max time.Duration
	}{
		// Two retries: the first waits [min, 1.5·min), the second [2·min, 3·min).
		{"default", nil, FastRetryBackoffMin, FastRetryBackoffMax},
		{"overridden", []cloudflare.Option{cloudflare.WithRetryBackoff(100*time.Millisecond, time.Second)}, 100 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			var log bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			client := f.newClient(t, append(tt.opts, cloudflare.WithLogger(logger))...)
			f.srv.FailNext(2, ServerError(503))
			_, err := client.User.Invites.Get(ctx, SeedInviteID)
			require.NoError(t, err)
			var waits []time.Duration
			for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
				var rec struct{ Attempt, Wait int64 }
				require.NoError(t, json.Unmarshal([]byte(line), &rec))
				if rec.Attempt > 1 { // a retry, and the wait before it
					waits = append(waits, time.Duration(rec.Wait))
				}
			}
			require.Len(t, waits, 2, "log: %s", log.String())
			for _, w := range waits {
				assert.GreaterOrEqual(t, w, tt.min)
				assert.LessOrEqual(t, w, tt.max)
			}
		})
	}
}
