// Command invites lists, reads and answers Cloudflare invitations, for
// scripts.
//
//	invites [flags] list
//	invites [flags] get ID
//	invites [flags] accept ID
//	invites [flags] reject ID
//
// Credentials come from the environment: CLOUDFLARE_API_TOKEN, or
// CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY. Output goes to stdout (one line
// per invitation, or JSON with -json), errors to stderr. Exit status: 0 on
// success, 1 on an API or network error, 2 on bad usage or a validation
// error. With -dry-run the request is printed, credentials masked, and not
// sent.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: invites [flags] list | get ID | accept ID | reject ID

flags:
`

// errDryRun stops a request in -dry-run mode after it was printed.
var errDryRun = errors.New("dry run: request not sent")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("invites", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	baseURL := fs.String("base-url", "", "API root (default: $CLOUDFLARE_BASE_URL or "+cloudflare.DefaultBaseURL+")")
	dryRun := fs.Bool("dry-run", false, "print the request, credentials masked, and send nothing")
	timeout := fs.Duration("timeout", time.Minute, "bound on the whole command, retries included")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cmd, id, ok := parseCommand(fs.Args())
	if !ok {
		fs.Usage()
		return 2
	}

	opts := []cloudflare.Option{cloudflare.WithUserAgent("invites-cli")}
	if *baseURL != "" {
		opts = append(opts, cloudflare.WithBaseURL(*baseURL))
	}
	if *dryRun {
		opts = append(opts, cloudflare.WithMaxRetries(0), cloudflare.WithMiddleware(printRequest(stdout)))
	}
	client, err := cloudflare.NewClient(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "invites:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	var out any
	switch cmd {
	case "list":
		var all []cloudflare.Invite
		for inv, ierr := range client.User.Invites.All(ctx) {
			if ierr != nil {
				err = ierr
				break
			}
			all = append(all, inv)
		}
		out = all
	case "get":
		out, err = client.User.Invites.Get(ctx, id)
	case "accept":
		out, err = client.User.Invites.Accept(ctx, id)
	case "reject":
		out, err = client.User.Invites.Reject(ctx, id)
	}
	switch {
	case errors.Is(err, errDryRun):
		return 0
	case errors.Is(err, cloudflare.ErrValidation):
		fmt.Fprintln(stderr, "invites:", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "invites:", err)
		return 1
	}
	if err := printResult(stdout, out, *asJSON); err != nil {
		fmt.Fprintln(stderr, "invites:", err)
		return 1
	}
	return 0
}

// parseCommand checks the positional arguments.
func parseCommand(args []string) (cmd, id string, ok bool) {
	switch {
	case len(args) == 1 && args[0] == "list":
		return "list", "", true
	case len(args) == 2 && (args[0] == "get" || args[0] == "accept" || args[0] == "reject"):
		return args[0], args[1], true
	}
	return "", "", false
}

func printResult(w io.Writer, v any, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	var invites []cloudflare.Invite
	switch v := v.(type) {
	case []cloudflare.Invite:
		invites = v
	case *cloudflare.Invite:
		invites = []cloudflare.Invite{*v}
	}
	for _, inv := range invites {
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", inv.ID, inv.Status, inv.OrganizationName, strings.Join(inv.Roles, ",")); err != nil {
			return err
		}
	}
	return nil
}

// secretHeaders are masked when a request is printed.
var secretHeaders = map[string]bool{"Authorization": true, "X-Auth-Key": true}

// printRequest is a middleware that prints each request, secrets masked,
// and stops it before it is sent.
func printRequest(w io.Writer) func(http.RoundTripper) http.RoundTripper {
	return func(http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			fmt.Fprintf(w, "%s %s\n", req.Method, req.URL)
			keys := make([]string, 0, len(req.Header))
			for k := range req.Header {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				for _, v := range req.Header[k] {
					if secretHeaders[k] {
						v = "[masked]"
					}
					fmt.Fprintf(w, "%s: %s\n", k, v)
				}
			}
			if req.Body != nil {
				body, err := io.ReadAll(io.LimitReader(req.Body, 1<<16))
				_ = req.Body.Close()
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(w, "\n%s\n", body)
			}
			return nil, errDryRun
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
