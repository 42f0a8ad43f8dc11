package main

import (
	"context"
	"testing"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// A wrapper tests itself against the fake: vendoring must bring it along
// with nothing more than the SDK's own dependencies.
func TestAgainstTheFake(t *testing.T) {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := client.User.Invites.Get(context.Background(), cloudflaretest.SeedInviteID)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Status != cloudflare.InviteStatusPending {
		t.Fatalf("status %q", inv.Status)
	}
}
