package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func (c *cli) run(ctx context.Context, args []string) int {
	err := c.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.printf("%s", usage)
		return 0
	}
	if err != nil {
		c.errorf("%v (see cfinvites --help)", err)
		return 2
	}
	if os.Getenv("CLOUDFLARE_API_TOKEN")+os.Getenv("CLOUDFLARE_EMAIL")+os.Getenv("CLOUDFLARE_API_KEY") == "" {
		c.errorf("no credentials: set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY (see cfinvites --help)")
		return 2
	}
	client, err := cloudflare.NewClient(cloudflare.WithUserAgent("cfinvites"))
	if err != nil {
		c.errorf("%v", err)
		return 2
	}
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errors.New("--timeout reached"))
	defer cancel()
	switch c.cmd {
	case "list":
		return c.list(ctx, client)
	case "get":
		var resp cloudflare.Response
		inv, err := client.User.Invites.Get(ctx, c.ids[0], cloudflare.WithResponseInto(&resp))
		if err != nil {
			return c.failed(err)
		}
		if c.json {
			return c.printJSON(result(resp.Body))
		}
		c.printInvite(inv)
		return 0
	}
	return c.answer(ctx, client)
}

// failed reports the error of a call and returns the exit status.
func (c *cli) failed(err error) int {
	c.errorf("%v", err)
	if errors.Is(err, cloudflare.ErrValidation) {
		return 2
	}
	return 1
}

func (c *cli) list(ctx context.Context, client *cloudflare.Client) int {
	invites, raws, err := c.all(ctx, client, func(inv cloudflare.Invite) bool {
		return match(c.statuses, string(inv.Status)) && match(c.orgs, inv.OrganizationID)
	})
	if err != nil {
		return c.failed(err)
	}
	switch {
	case len(invites) == 0 && len(c.statuses)+len(c.orgs) > 0:
		c.errorf("no invitations matched --status and --org")
	case len(invites) == 0:
		c.errorf("no invitations")
	}
	if c.json {
		return c.printJSON(raws)
	}
	for i := range invites {
		c.printInvite(&invites[i])
	}
	return 0
}

// match reports whether a filter lets v through: it is empty or holds v.
func match(filter []string, v string) bool {
	return len(filter) == 0 || slices.Contains(filter, v)
}

// all returns the invitations keep accepts, from every page of the list,
// each with its object as the API sent it. WithResponseInto holds the body
// of the page being iterated, which has as many objects in "result" as All
// yields from it, in the same order.
func (c *cli) all(ctx context.Context, client *cloudflare.Client, keep func(cloudflare.Invite) bool) ([]cloudflare.Invite, []json.RawMessage, error) {
	var resp cloudflare.Response
	var invites []cloudflare.Invite
	var raws, page []json.RawMessage
	i := 0
	for inv, err := range client.User.Invites.All(ctx, cloudflare.WithResponseInto(&resp)) {
		if err != nil {
			return nil, nil, err
		}
		if i == len(page) { // the first invitation of a page
			if page, i = nil, 0; json.Unmarshal(result(resp.Body), &page) != nil || len(page) == 0 {
				return nil, nil, errors.New(`a list response has no "result" array`)
			}
		}
		if keep(inv) {
			invites, raws = append(invites, inv), append(raws, page[i])
		}
		i++
	}
	return invites, raws, nil
}

// answer accepts or rejects the invitations of the command line, or every
// pending one with --all-pending, one after the other. Each success is
// printed (at once, or in the JSON array at the end), each failure is a line
// on stderr; once ctx ends (a signal, --timeout) nothing more is sent.
func (c *cli) answer(ctx context.Context, client *cloudflare.Client) int {
	ids := c.ids
	if c.allPending {
		pending, _, err := c.all(ctx, client, func(inv cloudflare.Invite) bool {
			return inv.Status == cloudflare.InviteStatusPending && match(c.orgs, inv.OrganizationID)
		})
		if err != nil {
			return c.failed(err)
		}
		if len(pending) == 0 {
			c.errorf("no pending invitations matched")
		}
		for _, inv := range pending {
			ids = append(ids, inv.ID)
		}
	}
	status := cloudflare.InviteStatus(c.cmd + "ed") // accepted, rejected
	code, raws := 0, []json.RawMessage{}
	for i, id := range ids {
		if ctx.Err() != nil {
			c.errorf("%s %s: not sent: %v", c.cmd, strings.Join(ids[i:], " "), context.Cause(ctx))
			code = 1
			break
		}
		var resp cloudflare.Response
		inv, err := client.User.Invites.Edit(ctx, id, cloudflare.InviteEditParams{Status: status}, cloudflare.WithResponseInto(&resp))
		if err != nil {
			code = max(code, c.failed(err))
			continue
		}
		if raws = append(raws, result(resp.Body)); !c.json {
			c.printInvite(inv)
		}
	}
	if c.json {
		c.printJSON(raws)
	}
	return code
}

// result returns the "result" of a response body, as sent.
func result(body []byte) json.RawMessage {
	var env struct{ Result json.RawMessage }
	_ = json.Unmarshal(body, &env)
	return env.Result
}

// printf writes to stdout, keeping the first error for run to report.
func (c *cli) printf(format string, args ...any) {
	if _, err := fmt.Fprintf(c.stdout, format, args...); err != nil && c.werr == nil {
		c.werr = err
	}
}

// printInvite writes an invitation as one line of tab-separated fields.
func (c *cli) printInvite(inv *cloudflare.Invite) {
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	c.printf("%s\t%s\t%s\t%s\t%s\n", inv.ID, inv.Status, inv.OrganizationID,
		clean.Replace(inv.OrganizationName), clean.Replace(strings.Join(inv.Roles, ",")))
}

// printJSON writes v as indented JSON; json.RawMessage values keep their
// fields, order and nulls, and "<", ">" and "&" are not escaped.
func (c *cli) printJSON(v any) int {
	if raws, ok := v.([]json.RawMessage); ok && raws == nil {
		v = []json.RawMessage{}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		c.errorf("%v", err)
		return 1
	}
	c.printf("%s", b.String())
	return 0
}
