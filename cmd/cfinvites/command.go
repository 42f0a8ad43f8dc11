package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// command is one run of cfinvites.
type command struct {
	opts           *options
	stdout, stderr io.Writer
}

// errorf prints one line on stderr, starting with "cfinvites: ".
func (c *command) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)
	fmt.Fprintln(c.stderr, "cfinvites: "+msg)
}

// newClient returns a client with the environment's credentials, which
// keeps the raw responses under --json.
func (c *command) newClient() (*cloudflare.Client, error) {
	opts := []cloudflare.Option{cloudflare.WithUserAgent("cfinvites")}
	if c.opts.json {
		opts = append(opts, cloudflare.WithMiddleware(keepRaw))
	}
	if c.opts.baseURL != "" {
		opts = append(opts, cloudflare.WithBaseURL(c.opts.baseURL))
	}
	return cloudflare.NewClient(opts...)
}

// callFailed reports the error of a call and returns exitError. An error
// that only says the command was stopped says so, and for an answer to an
// invitation that it may have been made.
func (c *command) callFailed(ctx context.Context, what string, err error) int {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		maybe := ""
		if strings.HasPrefix(what, "accept ") || strings.HasPrefix(what, "reject ") {
			maybe = "; it may have taken effect"
		}
		c.errorf("%s: %s before the response came%s", what, stopReason(ctx), maybe)
		return exitError
	}
	c.errorf("%v", err)
	return exitError
}

// stopReason says why ctx ended: a signal, or --timeout.
func stopReason(ctx context.Context) string {
	var s stopped
	if errors.As(context.Cause(ctx), &s) {
		return "stopped by " + s.signal
	}
	return "timed out (--timeout)"
}

func (c *command) list(ctx context.Context, client *cloudflare.Client) int {
	ctx, raw := c.withRaw(ctx)
	var invites []cloudflare.Invite
	for inv, err := range client.User.Invites.All(ctx) {
		if err != nil {
			return c.callFailed(ctx, "list", err)
		}
		invites = append(invites, inv)
	}
	return c.print(invites, raw.list)
}

func (c *command) get(ctx context.Context, client *cloudflare.Client, id string) int {
	ctx, raw := c.withRaw(ctx)
	inv, err := client.User.Invites.Get(ctx, id)
	if err != nil {
		return c.callFailed(ctx, "get "+id, err)
	}
	if !c.opts.json {
		return c.print([]cloudflare.Invite{*inv}, nil)
	}
	obj, err := raw.single(inv.ID)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	return c.writeJSON(obj)
}

// answer accepts or rejects the invitations of the command line, or every
// pending one with --all-pending, one after the other. Each success is
// printed (at once, or in the JSON array at the end), each failure is a
// line on stderr; after a signal or the timeout nothing more is sent.
func (c *command) answer(ctx context.Context, client *cloudflare.Client) int {
	status := cloudflare.InviteStatusAccepted
	if c.opts.command == "reject" {
		status = cloudflare.InviteStatusRejected
	}
	ids := c.opts.ids
	if c.opts.allPending {
		var code int
		if ids, code = c.pending(ctx, client); code != exitOK {
			return code
		}
	}
	code := exitOK
	raws := [][]byte{}
	for i, id := range ids {
		if ctx.Err() != nil {
			for _, rest := range ids[i:] {
				c.errorf("%s %s: not sent: %s", c.opts.command, rest, stopReason(ctx))
			}
			code = exitError
			break
		}
		callCtx, raw := c.withRaw(ctx)
		inv, err := client.User.Invites.Edit(callCtx, id, cloudflare.InviteEditParams{Status: status})
		if err != nil {
			code = c.callFailed(ctx, c.opts.command+" "+id, err)
			continue
		}
		if !c.opts.json {
			c.print([]cloudflare.Invite{*inv}, nil)
			continue
		}
		obj, err := raw.single(inv.ID)
		if err != nil {
			c.errorf("%v", err)
			code = exitError
			continue
		}
		raws = append(raws, obj)
	}
	if c.opts.json {
		if printed := c.writeJSON(jsonArray(raws)); printed != exitOK {
			return printed
		}
	}
	return code
}

// pending returns the IDs of the pending invitations, of the --org
// organizations when some are given.
func (c *command) pending(ctx context.Context, client *cloudflare.Client) ([]string, int) {
	orgs := make(map[string]bool, len(c.opts.orgs))
	for _, o := range c.opts.orgs {
		orgs[o] = true
	}
	var ids []string
	for inv, err := range client.User.Invites.All(ctx) {
		if err != nil {
			return nil, c.callFailed(ctx, "list", err)
		}
		if inv.Status == cloudflare.InviteStatusPending && (len(orgs) == 0 || orgs[inv.OrganizationID]) {
			ids = append(ids, inv.ID)
		}
	}
	return ids, exitOK
}

// print writes invitations: as text lines, or with --json as the API's
// objects, which rawList returns.
func (c *command) print(invites []cloudflare.Invite, rawList func([]cloudflare.Invite) ([][]byte, error)) int {
	if c.opts.json {
		raws, err := rawList(invites)
		if err != nil {
			c.errorf("%v", err)
			return exitError
		}
		return c.writeJSON(jsonArray(raws))
	}
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for _, inv := range invites {
		_, err := fmt.Fprintf(c.stdout, "%s\t%s\t%s\t%s\t%s\n", inv.ID, inv.Status, inv.OrganizationID,
			clean.Replace(inv.OrganizationName), clean.Replace(strings.Join(inv.Roles, ",")))
		if err != nil {
			return c.writeFailed(err)
		}
	}
	return exitOK
}

// writeJSON writes a JSON value, indented, and a newline.
func (c *command) writeJSON(v []byte) int {
	out, err := indent(v)
	if err == nil {
		_, err = c.stdout.Write(out)
	}
	if err != nil {
		return c.writeFailed(err)
	}
	return exitOK
}

func (c *command) writeFailed(err error) int {
	c.errorf("writing the output: %v", err)
	return exitError
}
