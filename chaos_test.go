package cloudflare_test

// A chaos run: concurrent Get, Edit and List calls against the fake while
// random faults hit whichever request comes next. Only invariants are
// asserted, never how many calls succeed. CLOUDFLARE_CHAOS_CALLS sets the
// number of calls (default 200; a long run is 10000), CLOUDFLARE_CHAOS_SEED
// the seed (default 0x5eed).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

func chaosFaults() []cloudflaretest.Fault {
	committed := func(f cloudflaretest.Fault) cloudflaretest.Fault { f.Commit = true; return f }
	noResult := cloudflaretest.Fault{Status: http.StatusOK, Body: `{"success":true,"errors":[],"messages":[]}`}
	page := func(code int, title string) cloudflaretest.Fault {
		return cloudflaretest.Fault{Status: code, Header: http.Header{"Content-Type": {"text/html"}},
			Body: "<html><title>api.cloudflare.com | " + strconv.Itoa(code) + ": " + title + "</title></html>"}
	}
	return []cloudflaretest.Fault{
		cloudflaretest.ServerError(http.StatusInternalServerError), cloudflaretest.ServerError(http.StatusServiceUnavailable),
		committed(cloudflaretest.ServerError(http.StatusBadGateway)), cloudflaretest.DropConnection(),
		committed(cloudflaretest.DropConnection()), cloudflaretest.Malformed(), committed(cloudflaretest.Malformed()),
		committed(noResult), page(522, "Connection timed out"), committed(page(524, "A timeout occurred")),
		page(521, "Web server is down"), cloudflaretest.RateLimited(0), cloudflaretest.BadGatewayHTML(),
		cloudflaretest.Slow(2 * time.Millisecond),
	}
}

type chaosResult struct {
	op      string // "edit", "get" or "list"
	id      string
	status  cloudflare.InviteStatus // asked, for an edit
	err     error
	applied bool // one of the call's PATCH requests changed the invitation
}

// chaosSeed is the seed of a chaos run: CLOUDFLARE_CHAOS_SEED, else a fixed
// one, so that every run draws the same calls and faults.
func chaosSeed(t *testing.T) uint64 {
	seed := uint64(0x5eed)
	if v := os.Getenv("CLOUDFLARE_CHAOS_SEED"); v != "" {
		var err error
		seed, err = strconv.ParseUint(v, 0, 64)
		require.NoError(t, err, "CLOUDFLARE_CHAOS_SEED")
	}
	return seed
}

// chaosServer serves the fake through a handler that tells which call's
// PATCH changed an invitation: PATCHes are served one at a time, and the
// invitation's status compared before and after.
func chaosServer(t *testing.T, srv *cloudflaretest.Server, applied []atomic.Bool) *httptest.Server {
	var patches sync.Mutex
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch {
			h.ServeHTTP(w, r)
			return
		}
		patches.Lock()
		defer patches.Unlock()
		id := path.Base(r.URL.Path)
		before, _ := srv.Invite(id)
		h.ServeHTTP(w, r)
		after, _ := srv.Invite(id)
		if i, err := strconv.Atoi(r.Header.Get("X-Chaos-Call")); err == nil && before.Status != after.Status {
			applied[i].Store(true)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

func TestChaos(t *testing.T) {
	t.Parallel()
	calls := 200
	if v := os.Getenv("CLOUDFLARE_CHAOS_CALLS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "CLOUDFLARE_CHAOS_CALLS")
		calls = n
	}
	seed := chaosSeed(t)
	t.Logf("seed %#x (CLOUDFLARE_CHAOS_SEED)", seed)
	// A pending invitation for about every four calls, so that many
	// answers are the first and succeed, and some meet an earlier one.
	var ids []string
	invites := cloudflaretest.SeedInvites()
	for i := 0; i < max(8, calls/4); i++ {
		ids = append(ids, fmt.Sprintf("%032x", i+1))
		invites = append(invites, cloudflare.Invite{ID: ids[i], OrganizationID: "org" + strconv.Itoa(i%3), Status: cloudflare.InviteStatusPending})
	}
	ids = append(ids, cloudflaretest.SeedExpiredInviteID, "0000000000000000000000000000dead")
	srv := cloudflaretest.NewServer(cloudflaretest.WithSeed(invites...))
	t.Cleanup(srv.Close)
	applied := make([]atomic.Bool, calls)
	ts := chaosServer(t, srv, applied)
	client, err := cloudflare.NewClient(cloudflare.WithBaseURL(ts.URL+"/client/v4/"),
		cloudflare.WithAPIEmail(cloudflaretest.DefaultEmail), cloudflare.WithAPIKey(cloudflaretest.DefaultAPIKey),
		cloudflare.WithRetryBackoff(time.Millisecond, 16*time.Millisecond), cloudflare.WithTimeout(5*time.Second))
	require.NoError(t, err)
	results := chaosRun(srv, client, ids, seed, calls)
	for i := range results {
		results[i].applied = applied[i].Load()
	}
	chaosCheck(t, srv, results)
}

// chaosRun makes the calls from 200 goroutines. Call i draws its operation,
// invitation and fault from the seed and i alone; its fault is aimed at its
// own first request (by the X-Chaos-Call header), so every run hits the
// same calls with the same faults.
func chaosRun(srv *cloudflaretest.Server, client *cloudflare.Client, ids []string, seed uint64, calls int) []chaosResult {
	faults := chaosFaults()
	results := make([]chaosResult, calls)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(calls, 200); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rng := rand.New(rand.NewPCG(seed, uint64(i)))
				tag := strconv.Itoa(i)
				if rng.IntN(2) == 0 {
					srv.FailNext(1, faults[rng.IntN(len(faults))], func(r cloudflaretest.Request) bool { return r.Header.Get("X-Chaos-Call") == tag })
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				results[i] = chaosCall(ctx, client, rng, ids, cloudflare.WithHeader("X-Chaos-Call", tag))
				cancel()
			}
		}()
	}
	for i := 0; i < calls; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

func chaosCall(ctx context.Context, client *cloudflare.Client, rng *rand.Rand, ids []string, tag cloudflare.Option) chaosResult {
	r := chaosResult{id: ids[rng.IntN(len(ids))]}
	switch k := rng.IntN(10); {
	case k < 4:
		r.op, r.status = "edit", []cloudflare.InviteStatus{cloudflare.InviteStatusAccepted, cloudflare.InviteStatusRejected}[k%2]
		var inv *cloudflare.Invite
		if inv, r.err = client.User.Invites.Edit(ctx, r.id, cloudflare.InviteEditParams{Status: r.status}, tag); r.err == nil && inv.Status != r.status {
			r.err = fmt.Errorf("edit returned status %q, asked %q", inv.Status, r.status)
		}
	case k < 8:
		r.op = "get"
		var inv *cloudflare.Invite
		if inv, r.err = client.User.Invites.Get(ctx, r.id, tag); r.err == nil && inv.ID != r.id {
			r.err = fmt.Errorf("get returned invite %q", inv.ID)
		}
	default:
		r.op = "list"
		_, _, r.err = client.User.Invites.List(ctx, nil, tag)
	}
	return r
}

// chaosCheck asserts the invariants, in both directions: a success left the
// state it asked for, and a write the fake applied never ended as a plain
// failure; no read has an unknown outcome; every error is typed and free of
// the secret.
func chaosCheck(t *testing.T, srv *cloudflaretest.Server, results []chaosResult) {
	outcomes := map[string]int{}
	for i, r := range results {
		k := r.op + " ok"
		if r.err != nil {
			k = r.op + " " + fmt.Sprintf("%T", r.err)
			if errors.Is(r.err, cloudflare.ErrOutcomeUnknown) {
				k += " unknown"
			}
		}
		if r.applied {
			k += " (applied)"
		}
		outcomes[k]++
		name := fmt.Sprintf("call %d: %s %s", i, r.op, r.id)
		if r.applied {
			assert.True(t, r.err == nil || errors.Is(r.err, cloudflare.ErrOutcomeUnknown), "%s: applied, yet a plain failure: %v", name, r.err)
		}
		if r.err == nil {
			if r.op == "edit" {
				inv, _ := srv.Invite(r.id)
				assert.Equal(t, r.status, inv.Status, name+": succeeded but the invitation has another status")
			}
			continue
		}
		var ae *cloudflare.APIError
		var ve *cloudflare.ValidationError
		typed := errors.As(r.err, &ae) || errors.As(r.err, &ve) ||
			errors.Unwrap(r.err) != nil && strings.HasPrefix(r.err.Error(), "cloudflare: ")
		assert.True(t, typed, "%s: untyped error %T: %v", name, r.err, r.err)
		if errors.Is(r.err, cloudflare.ErrOutcomeUnknown) {
			assert.Equal(t, "edit", r.op, name+": outcome unknown on a read")
		}
		for _, text := range []string{r.err.Error(), fmt.Sprintf("%+v", r.err)} {
			assertNoSecret(t, text, cloudflaretest.DefaultAPIKey)
		}
	}
	t.Log("outcomes:", outcomes)
	assert.Zero(t, srv.PendingFaults(), "every fault met its call")
}
