// Command cfinvites lists, reads and answers your Cloudflare invitations,
// for scripts and people.
//
//	go install github.com/seed-b6b9b3cb/cloudflare-go/cmd/cfinvites@latest
//
//	cfinvites list
//	cfinvites get ID
//	cfinvites accept ID...
//	cfinvites reject ID...
//	cfinvites accept --all-pending [--org ORG_ID]...
//
// Flags may come before or after the command. Credentials and the API root
// come from the environment, as package cloudflare reads them:
// CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY, and
// CLOUDFLARE_BASE_URL. With --json, the output is exactly the API's
// invitation objects. Errors go to stderr, one line each, starting with
// "cfinvites:". Exit status: 0 when everything was done; 1 after an API or
// network error (with several IDs: when any failed, each outcome being
// printed); 2 for bad usage or an argument the API would refuse; 130 on
// SIGINT and 143 on SIGTERM, which both stop cleanly: nothing more is
// sent, and what was done is printed. Run cfinvites --help for the rest.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signalContext()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// stopped is the cause of a context cancelled by a signal: the command
// stops cleanly and exits with code.
type stopped struct {
	signal string
	code   int
}

func (s stopped) Error() string { return "stopped by " + s.signal }

// signalContext returns a context cancelled, with a [stopped] cause, by the
// first SIGINT or SIGTERM. After that first signal the default handling is
// back, so a second one ends the process at once.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	intCtx, stopInt := signal.NotifyContext(context.Background(), os.Interrupt)
	termCtx, stopTerm := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-intCtx.Done():
			cancel(stopped{signal: "SIGINT", code: 130})
		case <-termCtx.Done():
			cancel(stopped{signal: "SIGTERM", code: 143})
		case <-done:
		}
		stopInt()
		stopTerm()
	}()
	return ctx, func() {
		close(done)
		cancel(nil)
	}
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // an API or network error
	exitUsage = 2 // bad usage, or an argument the API would refuse
)

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &command{stdout: stdout, stderr: stderr}
	code := c.run(ctx, args)
	var s stopped
	if errors.As(context.Cause(ctx), &s) {
		c.errorf("%s", s)
		return s.code
	}
	return code
}

func (c *command) run(ctx context.Context, args []string) int {
	opts, err := parseArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}
	if err != nil {
		c.errorf("%v (see cfinvites --help)", err)
		return exitUsage
	}
	c.opts = opts
	plan, err := c.plan()
	if err != nil {
		c.errorf("%v", err)
		return exitUsage
	}
	if opts.dryRun {
		return c.printPlan(plan)
	}
	client, err := c.newClient()
	if err != nil {
		c.errorf("%v", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	switch opts.command {
	case "list":
		return c.list(ctx, client)
	case "get":
		return c.get(ctx, client, opts.ids[0])
	}
	return c.answer(ctx, client)
}
