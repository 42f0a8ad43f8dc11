package cloudflare_test

// A chaos run: concurrent Get, Edit and List calls against the fake while
// random faults hit whichever request comes next. Only invariants are
// asserted, never how many calls succeed. CLOUDFLARE_CHAOS_CALLS sets the
// number of calls (default 200; a long run is 10000).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

func chaosFaults() []cloudflaretest.Fault {
	committed := func(f cloudflaretest.Fault) cloudflaretest.Fault { f.Commit = true; return f }
	return []cloudflaretest.Fault{
		cloudflaretest.ServerError(http.StatusInternalServerError), cloudflaretest.ServerError(http.StatusServiceUnavailable),
		committed(cloudflaretest.ServerError(http.StatusBadGateway)), cloudflaretest.DropConnection(),
		committed(cloudflaretest.DropConnection()), cloudflaretest.Malformed(), committed(cloudflaretest.Malformed()),
		cloudflaretest.RateLimited(0), cloudflaretest.BadGatewayHTML(), cloudflaretest.Slow(2 * time.Millisecond),
	}
}

type chaosResult struct {
	op     string // "edit", "get" or "list"
	id     string
	status cloudflare.InviteStatus // asked, for an edit
	err    error
}

func TestChaos(t *testing.T) {
	t.Parallel()
	calls := 200
	if v := os.Getenv("CLOUDFLARE_CHAOS_CALLS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "CLOUDFLARE_CHAOS_CALLS")
		calls = n
	}
	// A pending invitation for about every four calls, so that many
	// answers are the first and succeed, and some meet an earlier one.
	var ids []string
	seed := cloudflaretest.SeedInvites()
	for i := 0; i < max(8, calls/4); i++ {
		ids = append(ids, fmt.Sprintf("%032x", i+1))
		seed = append(seed, cloudflare.Invite{ID: ids[i], OrganizationID: "org" + strconv.Itoa(i%3), Status: cloudflare.InviteStatusPending})
	}
	ids = append(ids, cloudflaretest.SeedExpiredInviteID, "0000000000000000000000000000dead")
	srv := cloudflaretest.NewServer(cloudflaretest.WithSeed(seed...))
	t.Cleanup(srv.Close)
	client, err := srv.Client(cloudflare.WithTimeout(5 * time.Second))
	require.NoError(t, err)
	faults := chaosFaults()

	results := make([]chaosResult, calls)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(calls, 200); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rng := rand.New(rand.NewPCG(uint64(i), 0x5eed))
				if rng.IntN(4) == 0 {
					srv.FailNext(1, faults[rng.IntN(len(faults))])
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				r := chaosResult{id: ids[rng.IntN(len(ids))]}
				switch k := rng.IntN(10); {
				case k < 4:
					r.op, r.status = "edit", []cloudflare.InviteStatus{cloudflare.InviteStatusAccepted, cloudflare.InviteStatusRejected}[k%2]
					var inv *cloudflare.Invite
					if inv, r.err = client.User.Invites.Edit(ctx, r.id, cloudflare.InviteEditParams{Status: r.status}); r.err == nil && inv.Status != r.status {
						r.err = fmt.Errorf("edit returned status %q, asked %q", inv.Status, r.status)
					}
				case k < 8:
					r.op = "get"
					var inv *cloudflare.Invite
					if inv, r.err = client.User.Invites.Get(ctx, r.id); r.err == nil && inv.ID != r.id {
						r.err = fmt.Errorf("get returned invite %q", inv.ID)
					}
				default:
					r.op = "list"
					_, _, r.err = client.User.Invites.List(ctx, nil)
				}
				cancel()
				results[i] = r
			}
		}()
	}
	for i := 0; i < calls; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	outcomes := map[string]int{}
	for _, r := range results {
		k := r.op + " ok"
		if r.err != nil {
			k = r.op + " " + fmt.Sprintf("%T", r.err)
			if errors.Is(r.err, cloudflare.ErrOutcomeUnknown) {
				k += " unknown"
			}
		}
		outcomes[k]++
	}
	t.Log("outcomes:", outcomes)
	for i, r := range results {
		name := fmt.Sprintf("call %d: %s %s", i, r.op, r.id)
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
}
