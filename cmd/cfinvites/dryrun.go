package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"strings"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// The plan of a command is the requests it would send, worked out by the
// SDK itself with a client whose middleware records each request and sends
// nothing. Making it checks every argument as the SDK does, so a bad ID is
// refused before anything is sent; with --dry-run it is printed instead of
// being carried out.

// plannedRequest is one request of the plan.
type plannedRequest struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Body   json.RawMessage `json:"body,omitempty"`
	// ForEach says the request is made once per invitation so selected.
	ForEach *selection `json:"for_each,omitempty"`
}

// selection is the invitations --all-pending answers.
type selection struct {
	Status          cloudflare.InviteStatus `json:"status"`
	OrganizationIDs []string                `json:"organization_ids,omitempty"`
}

// errNotSent stops a planned request.
var errNotSent = errors.New("dry run: not sent")

// planToken stands for the credentials a plan does not need.
const planToken = "cfinvites-dry-run-no-credentials-needed"

// plan returns the requests the command would send.
func (c *command) plan() ([]plannedRequest, error) {
	var reqs []plannedRequest
	record := func(http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			p := plannedRequest{Method: req.Method, URL: req.URL.String()}
			if req.Body != nil {
				body, err := io.ReadAll(req.Body)
				_ = req.Body.Close()
				if err != nil {
					return nil, err
				}
				p.Body = body
			}
			reqs = append(reqs, p)
			return nil, errNotSent
		})
	}
	planner, err := cloudflare.NewClient(cloudflare.WithAPIToken(planToken), cloudflare.WithBaseURL(c.baseURL()),
		cloudflare.WithMaxRetries(0), cloudflare.WithMiddleware(record))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	check := func(what string, err error) error {
		if errors.Is(err, errNotSent) {
			return nil
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	invites := planner.User.Invites
	switch {
	case c.opts.command == "list" || c.opts.allPending:
		if err := check("list", firstError(invites.All(ctx))); err != nil {
			return nil, err
		}
	case c.opts.command == "get":
		_, err := invites.Get(ctx, c.opts.ids[0])
		if err := check(fmt.Sprintf("invitation ID %q", c.opts.ids[0]), err); err != nil {
			return nil, err
		}
	}
	if c.opts.command == "list" || c.opts.command == "get" {
		return reqs, nil
	}
	status := cloudflare.InviteStatusAccepted
	if c.opts.command == "reject" {
		status = cloudflare.InviteStatusRejected
	}
	if c.opts.allPending {
		body, _ := json.Marshal(cloudflare.InviteEditParams{Status: status})
		return append(reqs, plannedRequest{
			Method:  http.MethodPatch,
			URL:     planner.BaseURL() + "user/invites/{invite_id}",
			Body:    body,
			ForEach: &selection{Status: cloudflare.InviteStatusPending, OrganizationIDs: c.opts.orgs},
		}), nil
	}
	for _, id := range c.opts.ids {
		_, err := invites.Edit(ctx, id, cloudflare.InviteEditParams{Status: status})
		if err := check(fmt.Sprintf("invitation ID %q", id), err); err != nil {
			return nil, err
		}
	}
	return reqs, nil
}

// firstError returns the error of the first item of seq.
func firstError(seq iter.Seq2[cloudflare.Invite, error]) error {
	var first error
	seq(func(_ cloudflare.Invite, err error) bool {
		first = err
		return false
	})
	return first
}

// baseURL is the API root the command uses: --base-url, else the
// environment's, else the SDK's default.
func (c *command) baseURL() string {
	if c.opts.baseURL != "" {
		return c.opts.baseURL
	}
	if u := os.Getenv(cloudflare.EnvBaseURL); u != "" {
		return u
	}
	return cloudflare.DefaultBaseURL
}

// printPlan prints the plan of --dry-run: a line per request, or with
// --json an array of objects with method, url, body (when there is one)
// and for_each (for --all-pending).
func (c *command) printPlan(reqs []plannedRequest) int {
	if c.opts.json {
		out, err := json.Marshal(reqs)
		if err != nil {
			c.errorf("%v", err)
			return exitError
		}
		return c.writeJSON(out)
	}
	for _, r := range reqs {
		line := r.Method + " " + r.URL
		if r.Body != nil {
			line += " " + string(r.Body)
		}
		if r.ForEach != nil {
			line += " for each pending invitation"
			switch orgs := r.ForEach.OrganizationIDs; len(orgs) {
			case 0:
			case 1:
				line += " of organization " + orgs[0]
			default:
				line += " of organizations " + strings.Join(orgs, ", ")
			}
		}
		if _, err := fmt.Fprintln(c.stdout, line); err != nil {
			return c.writeFailed(err)
		}
	}
	return exitOK
}
