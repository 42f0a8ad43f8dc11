package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// The tests set the environment run reads, so none runs in parallel.

const (
	pend, pend2 = cloudflaretest.SeedInviteID, cloudflaretest.SeedPendingInviteID
	acc, exp    = cloudflaretest.SeedAcceptedInviteID, cloudflaretest.SeedExpiredInviteID
	orgOfPend   = "5a7805061c76ada191ed06f989cc3dac" // the seed's organizations
	orgOfPend2  = "0c8e5f2a7b9d4c1e3f6a8b0d2e4c6a81"
)

// useAPI points run at an API root, with a token.
func useAPI(t *testing.T, baseURL string) {
	t.Setenv("CLOUDFLARE_BASE_URL", baseURL)
	t.Setenv("CLOUDFLARE_API_TOKEN", cloudflaretest.DefaultToken)
	t.Setenv("CLOUDFLARE_EMAIL", "")
	t.Setenv("CLOUDFLARE_API_KEY", "")
}

type outcome struct {
	code           int
	stdout, stderr string
}

func cfinvites(ctx context.Context, args ...string) outcome {
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return outcome{code, stdout.String(), stderr.String()}
}

// printed returns the IDs of the invitations in an output: JSON objects, or
// text lines whose first field is the ID.
func printed(t *testing.T, out string) []string {
	var ids []string
	var objs []struct{ ID string }
	switch {
	case strings.HasPrefix(out, "["):
		require.NoError(t, json.Unmarshal([]byte(out), &objs), out)
	case strings.HasPrefix(out, "{"):
		objs = append(objs, struct{ ID string }{})
		require.NoError(t, json.Unmarshal([]byte(out), &objs[0]), out)
	default:
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if fields := strings.Split(line, "\t"); line != "" {
				require.Len(t, fields, 5, line)
				ids = append(ids, fields[0])
			}
		}
	}
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	return ids
}

func TestCommands(t *testing.T) {
	tests := []struct {
		args    string
		code    int
		ids     []string // printed, in order
		stdout  string   // exact stdout, when ids says too little
		stderr  string   // in stderr; none when empty
		patched []string // invitations answered, in order
	}{
		{args: "list", ids: []string{pend, pend2, acc, exp}},
		{args: "list --json", ids: []string{pend, pend2, acc, exp}},
		{args: "--status pending list", ids: []string{pend, pend2}},
		{args: "list --status pending --org " + orgOfPend2 + " --json", ids: []string{pend2}},
		{args: "list --status accepted --status expired", ids: []string{acc, exp}},
		{args: "list --org " + orgOfPend2 + " --org " + orgOfPend, ids: []string{pend, pend2}},
		{args: "list --status rejected", stderr: "cfinvites: no invitations matched --status and --org\n"},
		{args: "list --json --org nope", stdout: "[]\n", stderr: "cfinvites: no invitations matched"},
		{args: "get " + pend2, ids: []string{pend2}},
		{args: "get --json " + pend2, ids: []string{pend2}},
		{args: "get nope", code: 1, stderr: "cfinvites: GET /client/v4/user/invites/nope: 404 Not Found"},
		{args: "accept " + pend + " " + pend, ids: []string{pend}, patched: []string{pend}},
		{args: "reject --json " + acc + " " + pend2, code: 1, ids: []string{pend2}, stderr: "400 Bad Request", patched: []string{acc, pend2}},
		{args: "accept --all-pending --org " + orgOfPend2, ids: []string{pend2}, patched: []string{pend2}},
		{args: "--json reject --all-pending", ids: []string{pend, pend2}, patched: []string{pend, pend2}},
		{args: "accept --all-pending --org nope", stderr: "cfinvites: no pending invitations matched\n"},
		{args: "accept --all-pending --org nope --json", stdout: "[]\n", stderr: "cfinvites: no pending invitations matched\n"},
		{args: "--help", stdout: usage},
		{args: "help", stdout: usage},
		{args: "", code: 2, stderr: "no command"},
		{args: "frob", code: 2, stderr: `unknown command "frob"`},
		{args: "get", code: 2, stderr: "get takes one invitation ID"},
		{args: "list " + pend, code: 2, stderr: "list takes no argument"},
		{args: "get " + pend + " --status pending", code: 2, stderr: "--status goes with list"},
		{args: "list --status bogus", code: 2, stderr: `--status "bogus"`},
		{args: "accept ../x", code: 2, stderr: `invalid invitation ID "../x"`},
		{args: "accept " + pend + " --all-pending", code: 2, stderr: "accept takes invitation IDs or --all-pending"},
		{args: "reject", code: 2, stderr: "reject takes invitation IDs or --all-pending"},
		{args: "--org x get " + pend, code: 2, stderr: "--org goes with list or --all-pending"},
		{args: "--all-pending list", code: 2, stderr: "--all-pending goes with accept or reject"},
		{args: "--timeout 0 list", code: 2, stderr: "--timeout must be positive"},
		{args: "--nope list", code: 2, stderr: "cfinvites: unknown flag --nope (see cfinvites --help)\n"},
		{args: "-nope list", code: 2, stderr: "cfinvites: unknown flag -nope (see cfinvites --help)\n"},
		{args: "list --orgs x", code: 2, stderr: "cfinvites: unknown flag --orgs (see cfinvites --help)\n"},
		{args: "--json --orgs=x list", code: 2, stderr: "cfinvites: unknown flag --orgs (see cfinvites --help)\n"},
		{args: "list --org -x --nope", code: 2, stderr: "cfinvites: unknown flag --nope (see cfinvites --help)\n"}, // -x is --org's value
		{args: "list --timeout x --nope", code: 2, stderr: `invalid value "x"`},                                    // not the flag after it
		{args: "list --org", code: 2, stderr: "-org"},
		{args: "-- get --json", code: 1, stderr: "GET /client/v4/user/invites/--json: 404"}, // "--" ends the flags
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			srv := cloudflaretest.NewServer()
			t.Cleanup(srv.Close)
			useAPI(t, srv.URL)
			r := cfinvites(context.Background(), strings.Fields(tt.args)...)
			assert.Equal(t, tt.code, r.code, r.stderr)
			if tt.stdout != "" || tt.ids == nil {
				assert.Equal(t, tt.stdout, r.stdout)
			} else {
				assert.Equal(t, tt.ids, printed(t, r.stdout))
			}
			if tt.stderr == "" {
				assert.Empty(t, r.stderr)
			} else {
				assert.Contains(t, r.stderr, tt.stderr)
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line")
				assert.True(t, strings.HasPrefix(r.stderr, "cfinvites: "), r.stderr)
			}
			assert.NotContains(t, r.stderr, "cloudflare: ", "one prefix")
			var patched []string
			for _, req := range srv.Requests() {
				if req.Method == http.MethodPatch {
					patched = append(patched, path.Base(req.Path))
				}
				if tt.code == 2 {
					t.Errorf("bad usage, yet sent %s %s", req.Method, req.Path)
				}
			}
			assert.Equal(t, tt.patched, patched)
		})
	}
}

// inviteJSON is an invitation as a server might send it: a null, a field
// the SDK does not know, characters encoding/json would escape.
func inviteJSON(id, status string) string {
	return fmt.Sprintf(`{"id":%q,"invited_member_id":null,"organization_id":"org","organization_name":"A <&> B",`+
		`"status":%q,"x_new":{"k":[1,null]},"roles":[]}`, id, status)
}

// With --json the objects are printed as the server sent them, from every
// page of the list.
func TestJSONIsWhatTheServerSent(t *testing.T) {
	pages := [][]string{{inviteJSON("a", "pending"), inviteJSON("b", "accepted")}, {inviteJSON("c", "pending")}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/client/v4/user/invites":
			page := 1
			if r.URL.Query().Get("page") == "2" {
				page = 2
			}
			fmt.Fprintf(w, `{"success":true,"errors":[],"messages":[],"result":[%s],"result_info":{"page":%d,"per_page":2,"count":%d,"total_count":3}}`,
				strings.Join(pages[page-1], ","), page, len(pages[page-1]))
		case r.Method == http.MethodPatch:
			fmt.Fprintf(w, `{"success":true,"errors":[],"messages":[],"result":%s}`, inviteJSON(path.Base(r.URL.Path), "accepted"))
		default:
			fmt.Fprintf(w, `{"success":true,"errors":[],"messages":[],"result":%s}`, inviteJSON(path.Base(r.URL.Path), "pending"))
		}
	}))
	t.Cleanup(srv.Close)
	useAPI(t, srv.URL+"/client/v4/")
	all := append(pages[0], pages[1]...)
	for _, tt := range []struct{ args, want string }{
		{"list --json", "[" + strings.Join(all, ",") + "]"},
		{"list --json --status pending", "[" + all[0] + "," + all[2] + "]"},
		{"get --json a", inviteJSON("a", "pending")},
		{"accept --json a", "[" + inviteJSON("a", "accepted") + "]"},
		{"accept --all-pending --json", "[" + inviteJSON("a", "accepted") + "," + inviteJSON("c", "accepted") + "]"},
	} {
		r := cfinvites(context.Background(), strings.Fields(tt.args)...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.JSONEq(t, tt.want, r.stdout, tt.args)
		assert.Contains(t, r.stdout, `"invited_member_id": null`, tt.args)
		assert.Contains(t, r.stdout, `"A <&> B"`, tt.args)
	}
}

// A signal stops the command cleanly: nothing more is sent, and the exit
// status says which signal it was.
func TestStoppedBySignal(t *testing.T) {
	for sig, code := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		srv := cloudflaretest.NewServer()
		t.Cleanup(srv.Close)
		useAPI(t, srv.URL)
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(stopped{sig})
		r := cfinvites(ctx, "accept", pend, pend2)
		assert.Equal(t, code, r.code, r.stderr)
		assert.Equal(t, "cfinvites: accept "+pend+" "+pend2+": not sent: "+stopped{sig}.Error()+"\ncfinvites: "+stopped{sig}.Error()+"\n", r.stderr)
		assert.Empty(t, srv.Requests())
	}
}

// Without usable credentials nothing is sent, and the one line on stderr
// says what to set.
func TestNoCredentials(t *testing.T) {
	for _, tt := range []struct {
		name, email, key, stderr string
	}{
		{name: "none", stderr: "cfinvites: no credentials: set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY (see cfinvites --help)\n"},
		{name: "email alone", email: "user@example.com", stderr: "cfinvites: NewClient: invalid credentials: an API email was given without an API key (from the environment)\n"},
		{name: "key alone", key: cloudflaretest.DefaultAPIKey, stderr: "cfinvites: NewClient: invalid credentials: an API key was given without an API email (from the environment)\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := cloudflaretest.NewServer()
			t.Cleanup(srv.Close)
			useAPI(t, srv.URL)
			t.Setenv("CLOUDFLARE_API_TOKEN", "")
			t.Setenv("CLOUDFLARE_EMAIL", tt.email)
			t.Setenv("CLOUDFLARE_API_KEY", tt.key)
			r := cfinvites(context.Background(), "list")
			assert.Equal(t, 2, r.code)
			assert.Equal(t, tt.stderr, r.stderr)
			assert.NotContains(t, r.stderr, cloudflaretest.DefaultAPIKey)
			assert.Empty(t, r.stdout)
			assert.Empty(t, srv.Requests())
		})
	}
}
