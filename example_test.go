package cloudflare_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// The examples run against the fake API of package cloudflaretest, so their
// output is checked by go test.

func ExampleNewClient() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()

	// With no credential option, NewClient reads CLOUDFLARE_API_TOKEN, or
	// CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY, from the environment.
	client, err := cloudflare.NewClient(
		cloudflare.WithAPIToken(cloudflaretest.DefaultToken),
		cloudflare.WithBaseURL(srv.URL), // default: https://api.cloudflare.com/client/v4/
		cloudflare.WithUserAgent("example/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	inv, err := client.User.Invites.Get(context.Background(), cloudflaretest.SeedInviteID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.OrganizationName, inv.Status, inv.Roles)

	// Credentials are never printed, whatever the verb.
	printed := fmt.Sprintf("%v %+v %#v %s %+v", client, client, client, client, *client)
	fmt.Println(strings.Contains(printed, cloudflaretest.DefaultToken))
	fmt.Println(strings.Replace(client.String(), srv.URL, "http://127.0.0.1:PORT/client/v4/", 1))
	// Output:
	// Cloudflare, Inc. pending [Account Administrator]
	// false
	// cloudflare.Client{BaseURL: http://127.0.0.1:PORT/client/v4/, Auth: api token}
}

func ExampleNewClient_missingCredentials() {
	_, err := cloudflare.NewClient(cloudflare.WithAPIEmail("user@example.com"))
	fmt.Println(err)
	fmt.Println(errors.Is(err, cloudflare.ErrValidation))
	// Output:
	// cloudflare: NewClient: invalid credentials: an API email was given without an API key (from options)
	// true
}

func ExampleInviteService_Edit() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	inv, err := client.User.Invites.Edit(ctx, cloudflaretest.SeedInviteID,
		cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.ID, inv.Status)

	// Answering twice is refused by the API, with a typed error. The
	// refusal is certain: the invitation was not changed by this call.
	_, err = client.User.Invites.Reject(ctx, cloudflaretest.SeedInviteID)
	var apiErr *cloudflare.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, errors.Is(err, cloudflare.ErrOutcomeUnknown))
	}

	// A bad argument is refused before anything is sent.
	_, err = client.User.Invites.Accept(ctx, "abc/../../tokens")
	fmt.Println(err)
	// Output:
	// 4f5f0c14a2a41d5063dd301b2f829f04 accepted
	// 400 false
	// cloudflare: PATCH /user/invites/{invite_id}: invalid invite_id: character 4 is not an ASCII letter, digit, '-' or '_'
}

func ExampleInviteService_List() {
	srv := cloudflaretest.NewServer(cloudflaretest.WithPageSize(20)) // a server that pages
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	invites, info, err := client.User.Invites.List(context.Background(), &cloudflare.InviteListParams{Page: 1, PerPage: 2})
	if err != nil {
		log.Fatal(err)
	}
	for _, inv := range invites {
		fmt.Println(inv.ID, inv.Status)
	}
	fmt.Printf("page %d of %d invitations, %d per page\n", info.Page, info.TotalCount, info.PerPage)
	// Output:
	// 4f5f0c14a2a41d5063dd301b2f829f04 pending
	// b3e1c7a29d5f4e80a6c2d9f1e4b7a035 pending
	// page 1 of 4 invitations, 2 per page
}

func ExampleInviteService_All() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	for inv, err := range client.User.Invites.All(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(inv.OrganizationName, inv.Status)
	}
	// Output:
	// Cloudflare, Inc. pending
	// Acme Corp pending
	// Globex Corporation accepted
	// Initech expired
}

func ExampleAPIError() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.User.Invites.Get(context.Background(), "00000000000000000000000000000000")
	fmt.Println(errors.Is(err, cloudflare.ErrNotFound))
	var apiErr *cloudflare.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.RayID != "")
	}
	// Output:
	// true
	// 404 true
}

// ErrAuthentication matches every response that refuses the credentials,
// whatever its status: a malformed token gets a 400 (code 6003, with 6111 in
// its error_chain), an unknown one a 403 (code 10000). ErrUnauthorized,
// which means HTTP 401, matches neither.
func ExampleErrAuthentication() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	for _, token := range []string{"too-short-for-a-token", "a-well-formed-token-the-server-does-not-know"} {
		client, err := cloudflare.NewClient(cloudflare.WithAPIToken(token), cloudflare.WithBaseURL(srv.URL))
		if err != nil {
			log.Fatal(err)
		}
		_, _, err = client.User.Invites.List(context.Background(), nil)
		var apiErr *cloudflare.APIError
		if errors.As(err, &apiErr) {
			fmt.Println(apiErr.StatusCode, errors.Is(err, cloudflare.ErrAuthentication), errors.Is(err, cloudflare.ErrUnauthorized))
		}
	}
	// Output:
	// 400 true false
	// 403 true false
}
