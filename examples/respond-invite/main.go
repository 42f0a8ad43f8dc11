// Command respond-invite accepts or rejects one Cloudflare invitation.
//
//	respond-invite -id 4f5f0c14a2a41d5063dd301b2f829f04 -status accepted
//
// Credentials come from the environment: CLOUDFLARE_API_TOKEN, or
// CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY; CLOUDFLARE_BASE_URL changes the
// API root. On success it prints the invitation as the API sent it (the
// "result" of the response body, read with cloudflare.WithResponseInto), so
// a null stays null and fields the SDK does not know are kept. Errors go to
// stderr. Exit status: 0 on success, 1 on an API or network error, 2 on bad
// usage or a validation error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, returning its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("respond-invite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "invitation ID (required)")
	status := fs.String("status", "", "answer: accepted or rejected (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: respond-invite -id ID -status accepted|rejected")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *id == "" || *status == "" {
		fs.Usage()
		return 2
	}
	client, err := cloudflare.NewClient(cloudflare.WithUserAgent("respond-invite"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var resp cloudflare.Response
	_, err = client.User.Invites.Edit(ctx, *id, cloudflare.InviteEditParams{Status: cloudflare.InviteStatus(*status)},
		cloudflare.WithResponseInto(&resp))
	if err != nil {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, cloudflare.ErrValidation) {
			return 2
		}
		return 1
	}
	var body struct{ Result json.RawMessage } // the invitation as the API sent it
	_ = json.Unmarshal(resp.Body, &body)
	var out bytes.Buffer
	_ = json.Indent(&out, body.Result, "", "  ")
	out.WriteByte('\n')
	if _, err := out.WriteTo(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
