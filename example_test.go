package cloudflare_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/google/go-querystring/query"
	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// The examples run against the fake API of package cloudflaretest, so they
// need no account and no network.

// The shape users first meet: a client, and an answer to an invitation.
func ExampleNewClient() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	client, err := cloudflare.NewClient(
		cloudflare.WithBaseURL(srv.URL), // leave out to reach api.cloudflare.com
		cloudflare.WithAPIEmail(cloudflaretest.DefaultEmail),
		cloudflare.WithAPIKey(cloudflaretest.DefaultAPIKey),
	)
	if err != nil {
		log.Fatal(err)
	}
	inv, err := client.User.Invites.Edit(ctx, cloudflaretest.SeedInviteID, cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.OrganizationName, inv.Status)
	// Output: Cloudflare, Inc. accepted
}

// exampleClient returns a client of the fake, as ExampleNewClient makes one.
func exampleClient(srv *cloudflaretest.Server) *cloudflare.Client {
	client, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL),
		cloudflare.WithAPIEmail(cloudflaretest.DefaultEmail), cloudflare.WithAPIKey(cloudflaretest.DefaultAPIKey))
	if err != nil {
		log.Fatal(err)
	}
	return client
}

func ExampleInviteService_Accept() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client := exampleClient(srv)

	inv, err := client.User.Invites.Accept(context.Background(), cloudflaretest.SeedPendingInviteID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.OrganizationName, inv.Status, inv.Roles)
	// Output: Acme Corp accepted [Administrator Read Only Billing]
}

func ExampleInviteService_Get() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client := exampleClient(srv)

	inv, err := client.User.Invites.Get(context.Background(), cloudflaretest.SeedInviteID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.OrganizationName, "invites", inv.InvitedMemberEmail)
	fmt.Println("status:", inv.Status, "expires:", inv.ExpiresOn.Format("2006-01-02"))
	// Output:
	// Cloudflare, Inc. invites user@example.com
	// status: pending expires: 2099-01-01
}

func ExampleInviteService_List() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client := exampleClient(srv)

	invites, info, err := client.User.Invites.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(invites), "of", info.TotalCount)
	for _, inv := range invites {
		fmt.Println(inv.OrganizationName, inv.Status)
	}
	// Output:
	// 4 of 4
	// Cloudflare, Inc. pending
	// Acme Corp pending
	// Globex Corporation accepted
	// Initech expired
}

// All iterates over every invitation, asking for more pages only when the
// server says there are more.
func ExampleInviteService_All() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client := exampleClient(srv)
	ctx := context.Background()

	for inv, err := range client.User.Invites.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		if inv.Status != cloudflare.InviteStatusPending {
			continue
		}
		rejected, err := client.User.Invites.Reject(ctx, inv.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rejected.OrganizationName, rejected.Status)
	}
	// Output:
	// Cloudflare, Inc. rejected
	// Acme Corp rejected
}

// Errors are matched with errors.Is and errors.As.
func ExampleAPIError() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client := exampleClient(srv)
	ctx := context.Background()

	_, err := client.User.Invites.Accept(ctx, cloudflaretest.SeedAcceptedInviteID)
	var apiErr *cloudflare.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("status", apiErr.StatusCode, "already answered:", apiErr.HasCode(1101))
	}

	_, err = client.User.Invites.Get(ctx, "00000000000000000000000000000000")
	fmt.Println("not found:", errors.Is(err, cloudflare.ErrNotFound))

	_, err = client.User.Invites.Get(ctx, "../../accounts")
	fmt.Println("invalid:", errors.Is(err, cloudflare.ErrValidation), "-", err)

	// The server fails after the answer was sent, and the call may not retry:
	// whether the answer was recorded is unknown until the invitation is read.
	srv.FailNext(1, cloudflaretest.ServerError(503), cloudflaretest.OnMethod("PATCH"))
	_, err = client.User.Invites.Accept(ctx, cloudflaretest.SeedInviteID, cloudflare.WithMaxRetries(0))
	fmt.Println("outcome unknown:", errors.Is(err, cloudflare.ErrOutcomeUnknown))
	// Output:
	// status 400 already answered: true
	// not found: true
	// invalid: true - cloudflare: GET /user/invites/{invite_id}: invalid invite_id: character 1 is not an ASCII letter, digit, '-' or '_'
	// outcome unknown: true
}

// Membership is an account membership, as GET /memberships returns it.
type Membership struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Account struct {
		Name string `json:"name"`
	} `json:"account"`
}

// MembershipListParams are the query parameters of GET /memberships.
type MembershipListParams struct {
	Status string `url:"status,omitempty"`
	Page   int    `url:"page,omitempty"`
}

// ListMemberships calls an endpoint the SDK has no method for, through the
// client's pipeline: credentials, retries, errors and redaction included.
func ListMemberships(ctx context.Context, c *cloudflare.Client, params MembershipListParams) ([]Membership, error) {
	v, err := query.Values(params)
	if err != nil {
		return nil, err
	}
	path := "memberships"
	if q := v.Encode(); q != "" {
		path += "?" + q
	}
	var out []Membership
	if err := c.Do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Client.Do reaches any endpoint of the API; wrap it in a typed function.
func ExampleClient_Do() {
	// A stand-in for the API's /memberships.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"success":true,"errors":[],"messages":[],"result":[`+
			`{"id":"4536bcfad5faccb111b47003c79917fa","status":"pending","account":{"name":"Demo Account"}}]}`)
	}))
	defer srv.Close()
	client, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL+"/client/v4/"), cloudflare.WithAPIToken("tok_SECRET_0123456789abcdef"))
	if err != nil {
		log.Fatal(err)
	}

	memberships, err := ListMemberships(context.Background(), client, MembershipListParams{Status: "pending"})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range memberships {
		fmt.Println(m.Account.Name, m.Status)
	}
	// Output:
	// GET /client/v4/memberships?status=pending
	// Demo Account pending
}

// WithResponseInto reports what the server sent, such as the Ray ID to give
// Cloudflare support.
func ExampleWithResponseInto() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client := exampleClient(srv)

	var resp cloudflare.Response
	inv, err := client.User.Invites.Accept(context.Background(), cloudflaretest.SeedInviteID, cloudflare.WithResponseInto(&resp))
	if err != nil {
		log.Fatal(err)
	}
	// In a program: log.Printf("accepted %s (ray %s)", inv.ID, resp.RayID)
	fmt.Println(inv.Status, resp.StatusCode, "ray ID sent:", resp.RayID != "" && resp.RayID == resp.Header.Get("Cf-Ray"))
	// Output: accepted 200 ray ID sent: true
}
