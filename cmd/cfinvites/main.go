// Command cfinvites lists, reads and answers your Cloudflare invitations,
// for scripts and people.
//
// Install it from a clone of the repository (until the module is published):
//
//	go install ./cmd/...
//
// which puts it in $(go env GOBIN), or in $(go env GOPATH)/bin when GOBIN is
// unset.
//
// Usage:
//
//	cfinvites [flags] list [--status STATUS]... [--org ORG_ID]...
//	cfinvites [flags] get ID
//	cfinvites [flags] accept ID...     cfinvites [flags] accept --all-pending [--org ORG_ID]...
//	cfinvites [flags] reject ID...     cfinvites [flags] reject --all-pending [--org ORG_ID]...
//
// Flags may come before or after the command; "--" ends them.
//
//	--json            print the invitation objects as the API sent them (a
//	                  null stays null, fields unknown to the SDK are kept): an
//	                  array for list, accept and reject ([] for none), an
//	                  object for get
//	--status STATUS   with list: only invitations with this status (pending,
//	                  accepted, rejected or expired); repeatable
//	--org ORG_ID      with list or --all-pending: only invitations to this
//	                  organization; repeatable
//	--all-pending     with accept or reject: answer every pending invitation
//	--timeout D       bound on the whole command, retries included (default 5m)
//	-h, --help        print this help
//
// Filters combine: list shows an invitation when its status is one of the
// --status values and its organization one of the --org values (a filter not
// given lets every value through).
//
// Credentials and the API root come from the environment, as package
// cloudflare reads them: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with
// CLOUDFLARE_API_KEY, and CLOUDFLARE_BASE_URL (default
// https://api.cloudflare.com/client/v4/).
//
// Without --json, each invitation is one line of tab-separated fields: ID,
// status, organization ID, organization name, roles (comma-separated).
// Errors and notes go to stderr, one line each, starting with "cfinvites:".
// When list shows nothing, a note on stderr says so, stdout stays empty ([]
// with --json) and the exit status is 0. When accept or reject --all-pending
// finds no pending invitation to answer, it prints "cfinvites: no pending
// invitations matched" on stderr, sends no answer, leaves stdout empty ([]
// with --json) and exits with status 0.
//
// Exit status:
//
//	0    everything was done, or nothing matched
//	1    an API or network error; with several IDs, any of them failed (the
//	     others are still answered, and printed)
//	2    bad usage, an invalid ID or status, or no usable credentials;
//	     nothing was sent
//	130  stopped by SIGINT (Ctrl-C), 143 by SIGTERM: nothing more is sent,
//	     and what was done is printed
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// usage is the --help text; the package documentation says the same.
const usage = `cfinvites: list, read and answer your Cloudflare invitations.

Usage:
  cfinvites [flags] list [--status STATUS]... [--org ORG_ID]...
  cfinvites [flags] get ID
  cfinvites [flags] accept ID...     cfinvites [flags] accept --all-pending [--org ORG_ID]...
  cfinvites [flags] reject ID...     cfinvites [flags] reject --all-pending [--org ORG_ID]...

Flags may come before or after the command; "--" ends them.
  --json            print the invitation objects as the API sent them (a
                    null stays null, fields unknown to the SDK are kept): an
                    array for list, accept and reject ([] for none), an
                    object for get
  --status STATUS   with list: only invitations with this status (pending,
                    accepted, rejected or expired); repeatable
  --org ORG_ID      with list or --all-pending: only invitations to this
                    organization; repeatable
  --all-pending     with accept or reject: answer every pending invitation
  --timeout D       bound on the whole command, retries included (default 5m)
  -h, --help        print this help

Filters combine: list shows an invitation when its status is one of the
--status values and its organization one of the --org values (a filter not
given lets every value through).

Credentials and the API root come from the environment:
CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY, and
CLOUDFLARE_BASE_URL (default https://api.cloudflare.com/client/v4/).

Without --json, each invitation is one line of tab-separated fields: ID,
status, organization ID, organization name, roles (comma-separated).
Errors and notes go to stderr, one line each, starting with "cfinvites:".
When list shows nothing, a note on stderr says so, stdout stays empty ([]
with --json) and the exit status is 0. When accept or reject --all-pending
finds no pending invitation to answer, it prints "cfinvites: no pending
invitations matched" on stderr, sends no answer, leaves stdout empty ([]
with --json) and exits with status 0.

Exit status:
  0    everything was done, or nothing matched
  1    an API or network error; with several IDs, any of them failed (the
       others are still answered, and printed)
  2    bad usage, an invalid ID or status, or no usable credentials;
       nothing was sent
  130  stopped by SIGINT (Ctrl-C), 143 by SIGTERM: nothing more is sent,
       and what was done is printed
`

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Stop(sigs) // a second signal ends the process at once
		cancel(stopped{s.(syscall.Signal)})
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// stopped is the cause of a context cancelled by a signal.
type stopped struct{ sig syscall.Signal }

func (s stopped) Error() string {
	if s.sig == syscall.SIGINT {
		return "stopped by SIGINT"
	}
	return "stopped by SIGTERM"
}

// cli is one run of cfinvites: its parsed command line and its output.
type cli struct {
	stdout, stderr   io.Writer
	werr             error // the first error writing stdout
	cmd              string
	ids              []string
	json, allPending bool
	statuses, orgs   []string
	timeout          time.Duration
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	code := c.run(ctx, args)
	if c.werr != nil {
		c.errorf("writing the output: %v", c.werr)
		code = max(code, 1)
	}
	if s, ok := context.Cause(ctx).(stopped); ok {
		c.errorf("%v", s)
		return 128 + int(s.sig)
	}
	return code
}

// errorf prints one line on stderr, starting with "cfinvites: ", which
// replaces the "cloudflare: " an error of the SDK starts with.
func (c *cli) errorf(format string, args ...any) {
	msg := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(fmt.Sprintf(format, args...))
	fmt.Fprintln(c.stderr, "cfinvites: "+strings.TrimPrefix(msg, "cloudflare: "))
}

var (
	validID  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`) // as the SDK checks an invite ID
	statuses = []string{"pending", "accepted", "rejected", "expired"}
)

// parse reads the command line: flags anywhere, before or after the command
// and its arguments, until "--".
func (c *cli) parse(args []string) error {
	fs := flag.NewFlagSet("cfinvites", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&c.json, "json", false, "")
	fs.BoolVar(&c.allPending, "all-pending", false, "")
	fs.Func("status", "", func(v string) error { c.statuses = append(c.statuses, v); return nil })
	fs.Func("org", "", func(v string) error { c.orgs = append(c.orgs, v); return nil })
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if f := unknownFlag(fs, args); f != "" {
				return fmt.Errorf("unknown flag %s", f)
			}
			return err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); len(rest) == 0 || n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) == 0 {
		return errors.New("no command: give list, get, accept or reject")
	}
	c.cmd = pos[0]
	for _, id := range pos[1:] {
		if !slices.Contains(c.ids, id) { // an invitation is answered once
			c.ids = append(c.ids, id)
		}
	}
	answer := c.cmd == "accept" || c.cmd == "reject"
	switch {
	case c.cmd == "help":
		return flag.ErrHelp
	case c.cmd != "list" && c.cmd != "get" && !answer:
		return fmt.Errorf("unknown command %q: give list, get, accept or reject", c.cmd)
	case c.timeout <= 0:
		return errors.New("--timeout must be positive")
	case c.allPending && !answer:
		return errors.New("--all-pending goes with accept or reject")
	case len(c.statuses) > 0 && c.cmd != "list":
		return errors.New("--status goes with list")
	case len(c.orgs) > 0 && c.cmd != "list" && !c.allPending:
		return errors.New("--org goes with list or --all-pending")
	case c.cmd == "list" && len(c.ids) > 0:
		return errors.New("list takes no argument")
	case c.cmd == "get" && len(c.ids) != 1:
		return errors.New("get takes one invitation ID")
	case answer && c.allPending == (len(c.ids) > 0):
		return fmt.Errorf("%s takes invitation IDs or --all-pending", c.cmd)
	}
	for _, s := range c.statuses {
		if !slices.Contains(statuses, s) {
			return fmt.Errorf("--status %q: give pending, accepted, rejected or expired", s)
		}
	}
	for _, id := range c.ids {
		if !validID.MatchString(id) {
			return fmt.Errorf("invalid invitation ID %q: 1 to 32 ASCII letters, digits, '-' or '_'", id)
		}
	}
	return nil
}

// unknownFlag returns the flag fs does not define that made fs.Parse(args)
// fail, as it was typed ("--orgs" where the flag package says "-orgs"), or
// "" when the failure was another. It reads the arguments fs.Parse took as
// fs.Parse does: a flag that takes a value is followed by it unless written
// as -f=v.
func unknownFlag(fs *flag.FlagSet, args []string) string {
	taken := args[:len(args)-len(fs.Args())]
	for i := 0; i < len(taken); i++ {
		typed, _, hasValue := strings.Cut(taken[i], "=")
		name := strings.TrimPrefix(strings.TrimPrefix(typed, "-"), "-")
		f := fs.Lookup(name)
		if f == nil {
			if name == "h" || name == "help" {
				return ""
			}
			return typed
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // the flag's value
		}
	}
	return ""
}
