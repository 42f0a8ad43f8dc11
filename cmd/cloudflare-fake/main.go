// Command cloudflare-fake runs the fake Cloudflare user-invitations API of
// package cloudflaretest as a server, for testing shell scripts and programs
// in any language that call the API.
//
// Install it from a clone of the repository (until the module is published):
//
//	go install ./cmd/...
//
// which puts it in $(go env GOBIN), or in $(go env GOPATH)/bin when GOBIN is
// unset.
//
// Start it in the background and take its settings:
//
//	eval "$(cloudflare-fake &)"
//	cfinvites list
//	curl -X POST "${CLOUDFLARE_BASE_URL%/client/v4/}/__fake/reset"   # back to the start state
//	kill "$CLOUDFLARE_FAKE_PID"
//
// Usage:
//
//	cloudflare-fake [flags]
//
//	--addr HOST:PORT   address to listen on (default 127.0.0.1:0: loopback, a
//	                   free port)
//	--tls              serve HTTPS (HTTP/2 and HTTP/1.1) with a new
//	                   self-signed certificate for 127.0.0.1, ::1, localhost
//	                   and the --addr IP
//	--cert-out FILE    with --tls: write the certificate (PEM) to FILE, for
//	                   clients to trust (curl --cacert FILE; Go on Linux:
//	                   SSL_CERT_FILE=FILE; Python requests:
//	                   REQUESTS_CA_BUNDLE=FILE; Node: NODE_EXTRA_CA_CERTS=FILE)
//	--seed FILE        start with the invitations of FILE, a JSON array of
//	                   invitation objects as the API sends them (cfinvites
//	                   list --json writes one; fields left out get defaults,
//	                   status pending), instead of the default seed
//	--page-size N      page the list, N (at least 1) per page, honouring page
//	                   and per_page; by default the whole list comes in one
//	                   response, as the API reference documents it
//	--email E          email accepted as X-Auth-Email with --api-key
//	                   (default user@example.com)
//	--api-key K        Global API key accepted as X-Auth-Key, 32 to 64 hex
//	                   digits (default fa4ec1a5d3b9e07c2f86d01b5a9e3c7d24b1f);
//	                   --email '' --api-key '' turn key authentication off
//	--token T          API token accepted as "Authorization: Bearer T", 32 to
//	                   256 characters of A-Z a-z 0-9 -._~+/= (default
//	                   fake-cloudflare-api-token-0123456789abcd); '' turns
//	                   token authentication off
//	-h, --help         print this help
//
// On start it prints shell lines on stdout, then closes stdout (so that a
// command substitution of a background run returns):
//
//	export CLOUDFLARE_BASE_URL=http://127.0.0.1:41234/client/v4/
//	export CLOUDFLARE_API_TOKEN=fake-cloudflare-api-token-0123456789abcd
//	# The fake also accepts this email and key (the SDK refuses a key beside a token; --token '' exports them):
//	# export CLOUDFLARE_EMAIL=user@example.com
//	# export CLOUDFLARE_API_KEY=fa4ec1a5d3b9e07c2f86d01b5a9e3c7d24b1f
//	export CLOUDFLARE_FAKE_PID=12345
//
// With token authentication off, the email and key are exported instead.
// POST /__fake/reset on its address (from loopback) puts the fake back in
// its start state: the seed invitations, no recorded request, no queued
// fault. It serves until SIGINT or SIGTERM and then exits 0; exit status 1:
// it could not start; 2: bad usage. The fake's behaviour, and which of its
// error codes are its own rather than the API's, are described in package
// cloudflaretest.
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

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

const usage = `cloudflare-fake: serve the fake Cloudflare user-invitations API.

Usage: cloudflare-fake [flags]

  --addr HOST:PORT   address to listen on (default 127.0.0.1:0: loopback, a
                     free port)
  --tls              serve HTTPS (HTTP/2 and HTTP/1.1) with a new
                     self-signed certificate for 127.0.0.1, ::1, localhost
                     and the --addr IP
  --cert-out FILE    with --tls: write the certificate (PEM) to FILE, for
                     clients to trust (curl --cacert FILE; Go on Linux:
                     SSL_CERT_FILE=FILE; Python requests:
                     REQUESTS_CA_BUNDLE=FILE; Node: NODE_EXTRA_CA_CERTS=FILE)
  --seed FILE        start with the invitations of FILE, a JSON array of
                     invitation objects as the API sends them (cfinvites
                     list --json writes one; fields left out get defaults,
                     status pending), instead of the default seed
  --page-size N      page the list, N (at least 1) per page, honouring page
                     and per_page; by default the whole list comes in one
                     response, as the API reference documents it
  --email E          email accepted as X-Auth-Email with --api-key
                     (default user@example.com)
  --api-key K        Global API key accepted as X-Auth-Key, 32 to 64 hex
                     digits (default fa4ec1a5d3b9e07c2f86d01b5a9e3c7d24b1f);
                     --email '' --api-key '' turn key authentication off
  --token T          API token accepted as "Authorization: Bearer T", 32 to
                     256 characters of A-Z a-z 0-9 -._~+/= (default
                     fake-cloudflare-api-token-0123456789abcd); '' turns
                     token authentication off
  -h, --help         print this help

On start it prints export lines for CLOUDFLARE_BASE_URL, the credentials
(the token, or without one the email and key; the others as comments) and
CLOUDFLARE_FAKE_PID on stdout, then closes stdout. POST /__fake/reset on
its address (from loopback) puts the fake back in its start state: the
seed invitations, no recorded request, no queued fault. It serves until
SIGINT or SIGTERM and exits 0. Exit status 1: it could not start; 2: bad
usage.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	addr, certOut, seed, email, key, token string
	tls                                    bool
	pageSize                               int
}

// run is the whole command; it returns the exit status. It closes stdout
// once the export lines are written, when stdout can be closed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "cloudflare-fake: "+format+"\n", a...)
		return code
	}
	cfg, err := parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		return fail(2, "%v (see cloudflare-fake --help)", err)
	}
	opts := []cloudflaretest.ServerOption{cloudflaretest.WithCredentials(cfg.email, cfg.key), cloudflaretest.WithToken(cfg.token)}
	if cfg.seed != "" {
		var invites []cloudflare.Invite
		data, err := os.ReadFile(cfg.seed)
		if err == nil {
			err = json.Unmarshal(data, &invites)
		}
		if err != nil {
			return fail(2, "--seed: %v", err)
		}
		opts = append(opts, cloudflaretest.WithSeed(invites...))
	}
	if cfg.pageSize != 0 {
		opts = append(opts, cloudflaretest.WithPageSize(cfg.pageSize))
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fail(1, "%v", err)
	}
	srv, err := start(cfg.tls, append(opts, cloudflaretest.WithListener(ln)))
	if err != nil {
		_ = ln.Close()
		return fail(2, "%v", err)
	}
	defer srv.Close()
	if cfg.certOut != "" {
		data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(cfg.certOut, data, 0o644); err != nil {
			return fail(1, "--cert-out: %v", err)
		}
	}
	if _, err := io.WriteString(stdout, exports(srv.URL, cfg)); err != nil {
		return fail(1, "writing the settings: %v", err)
	}
	if c, ok := stdout.(io.Closer); ok {
		_ = c.Close()
	}
	<-ctx.Done()
	return 0
}

// parse reads the command line; its error matches flag.ErrHelp for --help.
func parse(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("cloudflare-fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "")
	fs.BoolVar(&cfg.tls, "tls", false, "")
	fs.StringVar(&cfg.certOut, "cert-out", "", "")
	fs.StringVar(&cfg.seed, "seed", "", "")
	fs.IntVar(&cfg.pageSize, "page-size", 0, "")
	fs.StringVar(&cfg.email, "email", cloudflaretest.DefaultEmail, "")
	fs.StringVar(&cfg.key, "api-key", cloudflaretest.DefaultAPIKey, "")
	fs.StringVar(&cfg.token, "token", cloudflaretest.DefaultToken, "")
	err := fs.Parse(args)
	switch {
	case err == nil && fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case err == nil && cfg.certOut != "" && !cfg.tls:
		err = errors.New("--cert-out goes with --tls")
	case err == nil && (cfg.email == "") != (cfg.key == ""):
		err = errors.New("--email and --api-key go together: give both, or '' to both to turn key authentication off")
	case err == nil && cfg.token == "" && cfg.key == "":
		err = errors.New("no credentials: give --token, or --email and --api-key, or leave them out for the defaults")
	}
	return cfg, err
}

// start starts the fake, turning the panic of an invalid option (a malformed
// credential, a seed invitation that breaks the schema) into an error.
func start(useTLS bool, opts []cloudflaretest.ServerOption) (srv *cloudflaretest.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	if useTLS {
		return cloudflaretest.NewTLSServer(opts...), nil
	}
	return cloudflaretest.NewServer(opts...), nil
}

// exports returns the shell lines that hand the fake's settings to a
// script: the base URL, the token (or, without one, the email and key; with
// one, they are comments, as a key beside a token is refused by the SDK),
// and the process ID.
func exports(baseURL string, cfg *config) string {
	var b strings.Builder
	line := func(prefix, name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%sexport %s=%s\n", prefix, name, shellQuote(value))
		}
	}
	line("", "CLOUDFLARE_BASE_URL", baseURL)
	line("", "CLOUDFLARE_API_TOKEN", cfg.token)
	prefix := ""
	if cfg.token != "" && cfg.key != "" {
		b.WriteString("# The fake also accepts this email and key (the SDK refuses a key beside a token; --token '' exports them):\n")
		prefix = "# "
	}
	line(prefix, "CLOUDFLARE_EMAIL", cfg.email)
	line(prefix, "CLOUDFLARE_API_KEY", cfg.key)
	line("", "CLOUDFLARE_FAKE_PID", strconv.Itoa(os.Getpid()))
	return b.String()
}

// shellQuote returns v as one shell word: as it is when it needs no quoting,
// else in single quotes.
func shellQuote(v string) string {
	if strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_") == "" {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
