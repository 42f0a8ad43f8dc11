// Command quickstart shows the SDK's whole flow: find your pending
// invitations and answer them.
//
//	go run ./examples/quickstart
//
// With no Cloudflare credentials in the environment it starts the embedded
// fake API (package cloudflaretest) on loopback, lists the pending
// invitations, accepts one, rejects another, and shows the typed error the
// fake gives for answering the same invitation twice (its status and code
// are the fake's own: Cloudflare documents none). No network and no account
// are needed.
//
// With credentials set (CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with
// CLOUDFLARE_API_KEY) it talks to the real API and only lists your pending
// invitations. It answers one only when told to by -accept ID or -reject ID;
// without credentials those are refused (exit status 2), since the demo
// runs on the fake. For scripts, use cmd/cfinvites.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	accept := fs.String("accept", "", "with real credentials: accept the invitation with this ID")
	reject := fs.String("reject", "", "with real credentials: reject the invitation with this ID")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || (*accept != "" && *reject != "") {
		fmt.Fprintln(stderr, "usage: quickstart [-accept ID | -reject ID]")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	fail := func(err error) int {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, cloudflare.ErrValidation) {
			return 2
		}
		return 1
	}

	// An email alone is not a credential; NewClient says what is missing
	// when a key comes without its email.
	if os.Getenv("CLOUDFLARE_API_TOKEN") == "" && os.Getenv("CLOUDFLARE_API_KEY") == "" {
		if *accept != "" || *reject != "" {
			fmt.Fprintln(stderr, "quickstart: -accept and -reject answer a real invitation and need credentials "+
				"(CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY); without them the demo runs on the embedded fake API")
			return 2
		}
		if err := demo(ctx, stdout); err != nil {
			return fail(err)
		}
		return 0
	}
	client, err := cloudflare.NewClient(cloudflare.WithUserAgent("quickstart"))
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "Using the Cloudflare API at %s with credentials from the environment.\n\n",
		cmp.Or(os.Getenv("CLOUDFLARE_BASE_URL"), cloudflare.DefaultBaseURL))
	if _, err := listPending(ctx, client, stdout); err != nil {
		return fail(err)
	}
	var inv *cloudflare.Invite
	switch {
	case *accept != "":
		inv, err = client.User.Invites.Accept(ctx, *accept)
	case *reject != "":
		inv, err = client.User.Invites.Reject(ctx, *reject)
	default:
		fmt.Fprintln(stdout, "\nNothing answered: pass -accept ID or -reject ID to answer an invitation.")
		return 0
	}
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "\nInvitation %s to %q is now %s.\n", inv.ID, inv.OrganizationName, inv.Status)
	return 0
}

// demo runs the whole flow against the embedded fake API.
func demo(ctx context.Context, stdout io.Writer) error {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	client, err := srv.Client(cloudflare.WithUserAgent("quickstart"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "No Cloudflare credentials in the environment: using the embedded fake API at %s\n", srv.URL)
	fmt.Fprint(stdout, "(set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY, to talk to the real API instead)\n\n")
	pending, err := listPending(ctx, client, stdout)
	if err != nil {
		return err
	}
	if len(pending) < 2 {
		return errors.New("the fake should hold at least two pending invitations")
	}

	first, second := pending[0], pending[1]
	fmt.Fprintf(stdout, "\nAccepting %s (%s)...\n", first.ID, first.OrganizationName)
	inv, err := client.User.Invites.Accept(ctx, first.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  now %s: you join %s as %s\n", inv.Status, inv.OrganizationName, strings.Join(inv.Roles, ", "))
	fmt.Fprintf(stdout, "Rejecting %s (%s)...\n", second.ID, second.OrganizationName)
	if inv, err = client.User.Invites.Reject(ctx, second.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  now %s\n", inv.Status)

	fmt.Fprintf(stdout, "\nAccepting %s a second time gives a typed error:\n", first.ID)
	_, err = client.User.Invites.Accept(ctx, first.ID)
	var apiErr *cloudflare.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("expected an *APIError, got %v", err)
	}
	fmt.Fprintf(stdout, "  err.Error():      %v\n", err)
	fmt.Fprintf(stdout, "  errors.As → *cloudflare.APIError: status %d, ray %s\n", apiErr.StatusCode, apiErr.RayID)
	for _, e := range apiErr.Errors {
		fmt.Fprintf(stdout, "  the server says:  %s\n", e)
	}
	// Cloudflare documents no error code for an invitation that is no longer
	// pending, so a program branches on the status or reads the invitation
	// again; it does not match the code this server happened to send.
	fmt.Fprintln(stdout, "  (that status and code are the fake's own: Cloudflare documents none for this)")
	fmt.Fprintln(stdout, "  a 4xx: the request was refused; Get shows the invitation as it now is")
	fmt.Fprintln(stdout, "\nAfter answering:")
	_, err = listPending(ctx, client, stdout)
	return err
}

// listPending walks every page of the user's invitations and prints and
// returns the pending ones.
func listPending(ctx context.Context, client *cloudflare.Client, w io.Writer) ([]cloudflare.Invite, error) {
	var pending []cloudflare.Invite
	for inv, err := range client.User.Invites.All(ctx) {
		if err != nil {
			return nil, err
		}
		if inv.Status == cloudflare.InviteStatusPending {
			pending = append(pending, inv)
		}
	}
	fmt.Fprintf(w, "Pending invitations: %d\n", len(pending))
	for _, inv := range pending {
		fmt.Fprintf(w, "  %s  %-20q roles: %s; invited by %s; expires %s\n",
			inv.ID, inv.OrganizationName, strings.Join(inv.Roles, ", "), inv.InvitedBy, inv.ExpiresOn.Format(time.DateOnly))
	}
	return pending, nil
}
