// Command cloudflare-fake runs the fake Cloudflare user-invitations API of
// package cloudflaretest as a server, for testing shell scripts and
// programs in any language that call the API.
//
//	go install github.com/seed-b6b9b3cb/cloudflare-go/cmd/cloudflare-fake@latest
//
//	eval "$(cloudflare-fake &)"   # start it in the background and take its settings
//	cfinvites list
//	kill "$CLOUDFLARE_FAKE_PID"
//
// On start it prints shell lines on stdout, then closes stdout (so that a
// command substitution of a background run returns):
//
//	export CLOUDFLARE_BASE_URL=http://127.0.0.1:41234/client/v4/
//	export CLOUDFLARE_API_TOKEN=...
//	export CLOUDFLARE_FAKE_PID=12345
//
// with the fake's email and Global API key as commented-out export lines:
// the SDK, Terraform and others refuse a key beside a token, so only one
// kind is exported (--auth token, the default, or --auth key; --auth both
// exports all four variables, for clients that send whatever they have).
// It serves until SIGINT or SIGTERM and then exits 0. Run it with --help
// for its flags. The fake's behaviour, and which of its error codes are
// its own rather than the API's, are described in package cloudflaretest.
package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `cloudflare-fake: serve the fake Cloudflare user-invitations API.

Usage: cloudflare-fake [flags]

  --addr HOST:PORT   address to listen on (default 127.0.0.1:0: loopback, a free port)
  --tls              serve HTTPS, HTTP/2 and HTTP/1.1, with a new self-signed
                     certificate for 127.0.0.1, ::1, localhost and the --addr IP
  --cert-out FILE    with --tls: write the certificate (PEM) to FILE, for
                     clients to trust (Go on Linux: SSL_CERT_FILE=FILE; curl
                     --cacert FILE; Python requests: REQUESTS_CA_BUNDLE=FILE;
                     Node: NODE_EXTRA_CA_CERTS=FILE)
  --seed FILE.json   start with these invitations: a JSON array of
                     invitations as the API sends them (fields left out get
                     defaults; cfinvites list --json writes such a file)
                     instead of the default seed
  --page-size N      page the list, N (at least 1) per page, honouring page
                     and per_page; by default the whole list comes in one
                     response, as the API reference documents it
  --auth KIND        credentials to export: token (default), key (email and
                     Global API key) or both
  -h, --help         print this help

On start it prints export lines for CLOUDFLARE_BASE_URL, the credentials
and CLOUDFLARE_FAKE_PID on stdout, then closes stdout; it serves until
SIGINT or SIGTERM and exits 0. Exit status 1: it could not start; 2: bad
usage.
`

// config is the parsed command line.
type config struct {
	addr, certOut, seed, auth string
	tls                       bool
	pageSize                  int
}

func parseArgs(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("cloudflare-fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "")
	fs.BoolVar(&c.tls, "tls", false, "")
	fs.StringVar(&c.certOut, "cert-out", "", "")
	fs.StringVar(&c.seed, "seed", "", "")
	fs.IntVar(&c.pageSize, "page-size", 0, "")
	fs.StringVar(&c.auth, "auth", "token", "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	pageSizeSet := false
	fs.Visit(func(f *flag.Flag) { pageSizeSet = pageSizeSet || f.Name == "page-size" })
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case pageSizeSet && c.pageSize < 1:
		return nil, errors.New("--page-size must be at least 1")
	case c.certOut != "" && !c.tls:
		return nil, errors.New("--cert-out goes with --tls")
	case c.auth != "token" && c.auth != "key" && c.auth != "both":
		return nil, fmt.Errorf("--auth %q: give token, key or both", c.auth)
	}
	return c, nil
}

// run is the whole command; it returns the exit status. It closes stdout
// once the export lines are written, when stdout can be closed.
func run(ctx context.Context, args []string, stdout io.Writer, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "cloudflare-fake: "+format+"\n", a...)
		return code
	}
	cfg, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		return fail(2, "%v (see cloudflare-fake --help)", err)
	}
	opts := []cloudflaretest.ServerOption{}
	if cfg.seed != "" {
		invites, err := readSeed(cfg.seed)
		if err != nil {
			return fail(2, "--seed %s: %v", cfg.seed, err)
		}
		opts = append(opts, cloudflaretest.WithSeed(invites...))
	}
	if cfg.pageSize > 0 {
		opts = append(opts, cloudflaretest.WithPageSize(cfg.pageSize))
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fail(1, "%v", err)
	}
	opts = append(opts, cloudflaretest.WithListener(ln))
	var srv *cloudflaretest.Server
	if cfg.tls {
		srv = cloudflaretest.NewTLSServer(opts...)
	} else {
		srv = cloudflaretest.NewServer(opts...)
		if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
			fail(0, "warning: plain HTTP on a non-loopback address; clients of the SDK refuse it without WithInsecureHTTP: use --tls")
		}
	}
	defer srv.Close()
	if cfg.certOut != "" {
		data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(cfg.certOut, data, 0o644); err != nil {
			return fail(1, "--cert-out: %v", err)
		}
	}
	if _, err := io.WriteString(stdout, exports(srv.URL, cfg.auth)); err != nil {
		return fail(1, "writing the settings: %v", err)
	}
	if c, ok := stdout.(io.Closer); ok {
		_ = c.Close()
	}
	<-ctx.Done()
	return 0
}

// readSeed reads a JSON array of invitations as the API sends them.
func readSeed(path string) ([]cloudflaretest.Invite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var invites []cloudflaretest.Invite
	if err := json.Unmarshal(data, &invites); err != nil {
		return nil, err
	}
	if invites == nil {
		return nil, errors.New("not a JSON array of invitations")
	}
	seen := make(map[string]int, len(invites))
	for i, inv := range invites {
		if j, dup := seen[inv.ID]; dup && inv.ID != "" {
			return nil, fmt.Errorf("invitations %d and %d have the same id %q", j, i, inv.ID)
		}
		seen[inv.ID] = i
	}
	return invites, nil
}

// exports returns the shell lines that hand the fake's settings to a
// script: the base URL, the credentials of kind auth (the others as
// comments), and the process ID.
func exports(baseURL, auth string) string {
	token := []string{"CLOUDFLARE_API_TOKEN", cloudflaretest.DefaultToken}
	email := []string{"CLOUDFLARE_EMAIL", cloudflaretest.DefaultEmail}
	key := []string{"CLOUDFLARE_API_KEY", cloudflaretest.DefaultAPIKey}
	var b strings.Builder
	line := func(prefix string, kv []string) {
		b.WriteString(prefix + "export " + kv[0] + "=" + shellQuote(kv[1]) + "\n")
	}
	line("", []string{"CLOUDFLARE_BASE_URL", baseURL})
	switch auth {
	case "both":
		line("", email)
		line("", key)
		line("", token)
	case "key":
		line("", email)
		line("", key)
		b.WriteString("# The fake also accepts this token (--auth token exports it instead; a key beside a token is refused):\n")
		line("# ", token)
	default:
		line("", token)
		b.WriteString("# The fake also accepts this email and key (--auth key exports them instead; a key beside a token is refused):\n")
		line("# ", email)
		line("# ", key)
	}
	line("", []string{"CLOUDFLARE_FAKE_PID", strconv.Itoa(os.Getpid())})
	return b.String()
}

// shellQuote returns v as one shell word: as it is when it holds only
// characters that need no quoting, else in single quotes.
func shellQuote(v string) string {
	safe := v != ""
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r)) {
			safe = false
			break
		}
	}
	if safe {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
