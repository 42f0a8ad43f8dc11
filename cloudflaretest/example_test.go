package cloudflaretest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sync"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// acceptAll is the code under test: it accepts every pending invitation.
func acceptAll(ctx context.Context, client *cloudflare.Client) (int, error) {
	n := 0
	for inv, err := range client.User.Invites.All(ctx) {
		if err != nil {
			return n, err
		}
		if inv.Status != cloudflare.InviteStatusPending {
			continue
		}
		if _, err := client.User.Invites.Accept(ctx, inv.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// A test starts the fake, hands the code under test a client wired to it,
// and checks the fake's state afterwards.
func ExampleNewServer() {
	srv := cloudflaretest.NewServer()
	defer srv.Close() // in a test: t.Cleanup(srv.Close)

	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	n, err := acceptAll(context.Background(), client)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accepted:", n)

	inv, _ := srv.Invite(cloudflaretest.SeedInviteID)
	fmt.Println(inv.OrganizationName, inv.Status)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Header.Get("X-Auth-Key"))
	}
	// Output:
	// accepted: 2
	// Cloudflare, Inc. accepted
	// GET /client/v4/user/invites [masked]
	// PATCH /client/v4/user/invites/4f5f0c14a2a41d5063dd301b2f829f04 [masked]
	// PATCH /client/v4/user/invites/b3e1c7a29d5f4e80a6c2d9f1e4b7a035 [masked]
}

// FailNext makes the next requests fail; here the client retries a 503
// and then succeeds, and an answer that is no longer possible comes back
// as a typed error with the fake's code.
func ExampleServer_FailNext() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	srv.FailNext(1, cloudflaretest.ServerError(503))
	inv, err := client.User.Invites.Reject(ctx, cloudflaretest.SeedPendingInviteID)
	fmt.Println(inv.Status, err, len(srv.Requests()))

	_, err = client.User.Invites.Accept(ctx, cloudflaretest.SeedExpiredInviteID)
	var apiErr *cloudflare.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.HasCode(1102)) // the fake's code for an expired invitation
	}
	// Output:
	// rejected <nil> 2
	// 400 true
}

// AddInvite sets up the state a test needs.
func ExampleServer_AddInvite() {
	srv := cloudflaretest.NewServer(cloudflaretest.WithoutSeed())
	defer srv.Close()
	inv := srv.AddInvite(cloudflare.Invite{OrganizationName: "Example Co", Roles: []string{"DNS"}})

	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	got, err := client.User.Invites.Get(context.Background(), inv.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.OrganizationName, got.Roles, got.Status)
	// Output:
	// Example Co [DNS] pending
}

// The server applies an answer and the connection drops before the client
// hears back: the case a write most needs tested. The SDK retries the
// PATCH, learns the invitation is already answered, and reads it back.
func ExampleAppliedThenDropped() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	// Aimed at one PATCH: whatever the client sends next is served normally.
	srv.FailNext(1, cloudflaretest.AppliedThenDropped(), cloudflaretest.OnMethod("PATCH"))
	inv, err := client.User.Invites.Accept(context.Background(), cloudflaretest.SeedInviteID)
	fmt.Println(inv.Status, err)

	stored, _ := srv.Invite(cloudflaretest.SeedInviteID) // what the server holds
	fmt.Println("stored:", stored.Status)
	// Output:
	// accepted <nil>
	// stored: accepted
}

// The server applies an answer and its response is cut off. Even with no
// retry, Edit settles its unknown outcome by reading the invitation; a call
// through Client.Do, which cannot, fails with an error matching
// cloudflare.ErrOutcomeUnknown, and a test of code that handles it checks
// the server's state, not only the error.
func ExampleAppliedThenMalformed() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	srv.FailNext(1, cloudflaretest.AppliedThenMalformed(), cloudflaretest.OnMethod("PATCH"))
	inv, err := client.User.Invites.Reject(context.Background(), cloudflaretest.SeedPendingInviteID, cloudflare.WithMaxRetries(0))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("returned:", inv.Status)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Status)
	}
	// Output:
	// returned: rejected
	// PATCH 200
	// GET 200
}

// RateLimited(0) sends "Retry-After: 0", which the client retries at once;
// any positive duration is rounded up to whole seconds, which the client
// waits.
func ExampleRateLimited() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	srv.FailNext(1, cloudflaretest.RateLimited(0))
	inv, err := client.User.Invites.Get(context.Background(), cloudflaretest.SeedInviteID)
	fmt.Println(inv.OrganizationName, err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Status)
	}
	fmt.Println(cloudflaretest.RateLimited(time.Millisecond).Header.Get("Retry-After"), "second to wait")
	// Output:
	// Cloudflare, Inc. <nil>
	// 429
	// 200
	// 1 second to wait
}

// A wrapper of the SDK adds DELETE /memberships/{id} through Client.Do, and
// tests it against a route of its own on the fake: the route gets the
// fake's credential check, faults, request log and CF-Ray. Here the server
// deletes the membership and the connection drops before the answer.
func ExampleServer_Handle() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	memberships := map[string]bool{"4536bcfad5faccb111b47003c79917fa": true}
	srv.Handle("DELETE memberships/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		id := r.PathValue("id")
		if !memberships[id] {
			cloudflaretest.WriteError(w, http.StatusNotFound, 1003, "Membership not found") // this route's own code
			return
		}
		delete(memberships, id)
		_ = cloudflaretest.WriteResult(w, map[string]string{"id": id})
	}))
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	srv.FailNext(1, cloudflaretest.AppliedThenDropped(), cloudflaretest.OnMethod("DELETE"))
	err = client.Do(context.Background(), http.MethodDelete, "memberships/4536bcfad5faccb111b47003c79917fa", nil, nil)
	fmt.Println("outcome unknown:", errors.Is(err, cloudflare.ErrOutcomeUnknown))

	mu.Lock()
	fmt.Println("memberships left:", len(memberships)) // what the route applied
	mu.Unlock()
	first := srv.Requests()[0]
	fmt.Println(first.Method, first.Path, first.Status) // status 0: no response was sent
	// Output:
	// outcome unknown: true
	// memberships left: 0
	// DELETE /client/v4/memberships/4536bcfad5faccb111b47003c79917fa 0
}
