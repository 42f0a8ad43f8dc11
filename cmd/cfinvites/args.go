package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

const usage = `cfinvites: list, read and answer your Cloudflare invitations.

Usage:
  cfinvites [flags] list
  cfinvites [flags] get ID
  cfinvites [flags] accept ID...      cfinvites [flags] accept --all-pending [--org ORG_ID]...
  cfinvites [flags] reject ID...      cfinvites [flags] reject --all-pending [--org ORG_ID]...

Flags may come before or after the command; "--" ends them.
  --json          print the API's invitation objects as JSON: an array for
                  list, accept and reject ([] for none), an object for get
  --dry-run       print the requests that would be sent, and send nothing;
                  needs no credentials (JSON with --json)
  --all-pending   with accept or reject: answer every pending invitation
  --org ORG_ID    with --all-pending: only invitations to this organization;
                  repeat it for several
  --base-url URL  API root (default: $CLOUDFLARE_BASE_URL, else
                  https://api.cloudflare.com/client/v4/)
  --timeout D     bound on the whole command, retries included (default 5m)
  -h, --help      print this help

Credentials come from the environment: CLOUDFLARE_API_TOKEN, or
CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY.

Without --json, each invitation is one line of tab-separated fields: ID,
status, organization ID, organization name, roles (comma-separated).
Errors go to stderr, one line each, starting with "cfinvites:".

Exit status:
  0    everything was done
  1    an API or network error; with several IDs, any of them failed (each
       outcome is printed)
  2    bad usage, or an argument the API would refuse; nothing was sent
  130  stopped by SIGINT (Ctrl-C); 143 stopped by SIGTERM. What was done
       is printed, and nothing more is sent.
`

// errHelp asks for the usage on stdout.
var errHelp = errors.New("help")

// options is a parsed command line.
type options struct {
	command    string   // list, get, accept or reject
	ids        []string // invite IDs, without repeats
	json       bool
	dryRun     bool
	allPending bool
	orgs       []string
	baseURL    string
	timeout    time.Duration
}

// parseArgs parses the command line: flags anywhere, before or after the
// command and its arguments, until "--".
func parseArgs(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("cfinvites", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(&o.json, "json", false, "")
	fs.BoolVar(&o.dryRun, "dry-run", false, "")
	fs.BoolVar(&o.allPending, "all-pending", false, "")
	fs.Func("org", "", func(v string) error {
		if v == "" || utf8.RuneCountInString(v) > 32 || strings.ContainsAny(v, " \t\r\n") {
			return errors.New("an organization ID is 1 to 32 characters, without spaces")
		}
		o.orgs = append(o.orgs, v)
		return nil
	})
	fs.StringVar(&o.baseURL, "base-url", "", "")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "")
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, errHelp
	}
	if err != nil {
		return nil, err
	}
	if len(positional) == 0 {
		return nil, errors.New("no command: give list, get, accept or reject")
	}
	if positional[0] == "help" {
		return nil, errHelp
	}
	o.command, o.ids = positional[0], dedupe(positional[1:])
	return o, o.check()
}

// parseInterspersed parses flags wherever they are among the arguments and
// returns the others in order. Everything after "--" is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// check refuses combinations that make no sense.
func (o *options) check() error {
	switch {
	case o.timeout <= 0:
		return errors.New("--timeout must be positive")
	case o.command != "list" && o.command != "get" && o.command != "accept" && o.command != "reject":
		return fmt.Errorf("unknown command %q: give list, get, accept or reject", o.command)
	case o.allPending && o.command != "accept" && o.command != "reject":
		return fmt.Errorf("--all-pending goes with accept or reject, not %s", o.command)
	case len(o.orgs) > 0 && !o.allPending:
		return errors.New("--org goes with --all-pending")
	case o.command == "list" && len(o.ids) > 0:
		return errors.New("list takes no argument")
	case o.command == "get" && len(o.ids) != 1:
		return errors.New("get takes one invitation ID")
	case o.allPending && len(o.ids) > 0:
		return fmt.Errorf("%s takes invitation IDs or --all-pending, not both", o.command)
	case (o.command == "accept" || o.command == "reject") && !o.allPending && len(o.ids) == 0:
		return fmt.Errorf("%s needs invitation IDs, or --all-pending", o.command)
	}
	return nil
}

// dedupe returns ids without repeats, in their first order: an invitation
// is answered once.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
