package cloudflare_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of the invitation methods. The core tables run on both wires of
// the fake: plain HTTP/1.1 and TLS with HTTP/2.

// invWire is one way of reaching the fake.
type invWire struct {
	name  string
	start func(...cloudflaretest.ServerOption) *cloudflaretest.Server
	proto string
}

var invWires = []invWire{
	{"http1", cloudflaretest.NewServer, "HTTP/1.1"},
	{"h2", cloudflaretest.NewTLSServer, "HTTP/2.0"},
}

// invOnWires runs f as a parallel subtest on each wire.
func invOnWires(t *testing.T, f func(t *testing.T, w invWire)) {
	for _, w := range invWires {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			f(t, w)
		})
	}
}

// invFake starts a fake on w and returns it with a client wired to it.
func invFake(t *testing.T, w invWire, opts ...cloudflare.Option) (*cloudflaretest.Server, *cloudflare.Client) {
	t.Helper()
	srv := w.start()
	t.Cleanup(srv.Close)
	c, err := srv.Client(append([]cloudflare.Option{cloudflare.WithRetryBackoff(time.Millisecond, time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	return srv, c
}

// invMethods lists the requests the fake received, as "METHOD path".
func invMethods(srv *cloudflaretest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

const invPath = "/client/v4/user/invites/"

// invAnswer is Edit, Accept or Reject.
type invAnswer struct {
	name   string
	status cloudflare.InviteStatus
	call   func(ctx context.Context, c *cloudflare.Client, id string) (*cloudflare.Invite, error)
}

var invAnswers = []invAnswer{
	{"Edit accepted", cloudflare.InviteStatusAccepted, func(ctx context.Context, c *cloudflare.Client, id string) (*cloudflare.Invite, error) {
		return c.User.Invites.Edit(ctx, id, cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted})
	}},
	{"Edit rejected", cloudflare.InviteStatusRejected, func(ctx context.Context, c *cloudflare.Client, id string) (*cloudflare.Invite, error) {
		return c.User.Invites.Edit(ctx, id, cloudflare.InviteEditParams{Status: cloudflare.InviteStatusRejected})
	}},
	{"Accept", cloudflare.InviteStatusAccepted, func(ctx context.Context, c *cloudflare.Client, id string) (*cloudflare.Invite, error) {
		return c.User.Invites.Accept(ctx, id)
	}},
	{"Reject", cloudflare.InviteStatusRejected, func(ctx context.Context, c *cloudflare.Client, id string) (*cloudflare.Invite, error) {
		return c.User.Invites.Reject(ctx, id)
	}},
}

func TestInvites_AnswerSucceeds(t *testing.T) {
	t.Parallel()
	invOnWires(t, func(t *testing.T, w invWire) {
		for _, a := range invAnswers {
			t.Run(a.name, func(t *testing.T) {
				t.Parallel()
				srv, c := invFake(t, w)
				inv, err := a.call(context.Background(), c, cloudflaretest.SeedInviteID)
				require.NoError(t, err)
				assert.Equal(t, cloudflaretest.SeedInviteID, inv.ID)
				assert.Equal(t, a.status, inv.Status, "the returned invitation")
				assert.Equal(t, "Cloudflare, Inc.", inv.OrganizationName)
				stored, ok := srv.Invite(cloudflaretest.SeedInviteID)
				require.True(t, ok)
				assert.Equal(t, a.status, stored.Status, "the server's invitation")

				reqs := srv.Requests()
				require.Len(t, reqs, 1)
				want, err := json.Marshal(cloudflare.InviteEditParams{Status: a.status})
				require.NoError(t, err)
				assert.Equal(t, `{"status":"`+string(a.status)+`"}`, string(reqs[0].Body))
				assert.Equal(t, string(want), string(reqs[0].Body), "the body is the marshalled params")
				assert.Equal(t, http.MethodPatch, reqs[0].Method)
				assert.Equal(t, invPath+cloudflaretest.SeedInviteID, reqs[0].Path)
				assert.Empty(t, reqs[0].Query)
				assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
				assert.Equal(t, w.proto, reqs[0].Proto)
			})
		}
	})
}

func TestInvites_InvalidArgumentsSendNothing(t *testing.T) {
	t.Parallel()
	srv, c := invFake(t, invWires[0])
	ctx := context.Background()
	badIDs := []string{"", strings.Repeat("a", 33), "abc!", "../x", "a/b", "%2e", "..", "a b", "é", "a?b", "a#b"}
	for _, id := range badIDs {
		calls := map[string]func() error{
			"Edit": func() error {
				_, err := c.User.Invites.Edit(ctx, id, cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted})
				return err
			},
			"Accept": func() error { _, err := c.User.Invites.Accept(ctx, id); return err },
			"Reject": func() error { _, err := c.User.Invites.Reject(ctx, id); return err },
			"Get":    func() error { _, err := c.User.Invites.Get(ctx, id); return err },
		}
		for name, call := range calls {
			err := call()
			var ve *cloudflare.ValidationError
			if assert.ErrorAs(t, err, &ve, "%s(%q)", name, id) {
				assert.Equal(t, "invite_id", ve.Field)
				assert.ErrorIs(t, err, cloudflare.ErrValidation)
				if len(id) > 2 {
					assert.NotContains(t, err.Error(), id, "the error never repeats the value")
				}
			}
		}
	}
	for _, st := range []cloudflare.InviteStatus{"", cloudflare.InviteStatusPending, cloudflare.InviteStatusExpired, "ACCEPTED", "accepted "} {
		_, err := c.User.Invites.Edit(ctx, cloudflaretest.SeedInviteID, cloudflare.InviteEditParams{Status: st})
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, "status %q", st) {
			assert.Equal(t, "status", ve.Field)
		}
	}
	_, _, err := c.User.Invites.List(ctx, &cloudflare.InviteListParams{Page: -1})
	assert.ErrorIs(t, err, cloudflare.ErrValidation)
	_, _, err = c.User.Invites.List(ctx, &cloudflare.InviteListParams{PerPage: -5})
	assert.ErrorIs(t, err, cloudflare.ErrValidation)
	assert.Empty(t, srv.Requests(), "nothing is sent for an invalid argument")
	// A valid ID of 32 characters is sent.
	_, err = c.User.Invites.Get(ctx, strings.Repeat("a", 32))
	assert.ErrorIs(t, err, cloudflare.ErrNotFound)
	assert.Len(t, srv.Requests(), 1)
}

func TestInvites_APIErrors(t *testing.T) {
	t.Parallel()
	unknown := "0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func(c *cloudflare.Client) error
		status int
		code   int
		notFnd bool
	}{
		{"Edit unknown", func(c *cloudflare.Client) error {
			_, err := c.User.Invites.Edit(ctx, unknown, cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted})
			return err
		}, 404, 1100, true},
		{"Get unknown", func(c *cloudflare.Client) error { _, err := c.User.Invites.Get(ctx, unknown); return err }, 404, 1100, true},
		{"Accept accepted", func(c *cloudflare.Client) error {
			_, err := c.User.Invites.Accept(ctx, cloudflaretest.SeedAcceptedInviteID)
			return err
		}, 400, 1101, false},
		{"Reject accepted", func(c *cloudflare.Client) error {
			_, err := c.User.Invites.Reject(ctx, cloudflaretest.SeedAcceptedInviteID)
			return err
		}, 400, 1101, false},
		{"Accept expired", func(c *cloudflare.Client) error {
			_, err := c.User.Invites.Accept(ctx, cloudflaretest.SeedExpiredInviteID)
			return err
		}, 400, 1102, false},
	}
	invOnWires(t, func(t *testing.T, w invWire) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				srv, c := invFake(t, w)
				err := tt.call(c)
				var ae *cloudflare.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.status, ae.StatusCode)
				assert.True(t, ae.HasCode(tt.code), "code %d in %v", tt.code, ae.Errors)
				assert.Equal(t, tt.notFnd, errors.Is(err, cloudflare.ErrNotFound))
				assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
				assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: "), err.Error())
				assert.Len(t, srv.Requests(), 1, "a 4xx is neither retried nor reconciled: %v", invMethods(srv))
			})
		}
	})
}

// TestInvites_EditReconciles: Edit retries an answer whose outcome was lost,
// and when the retry is refused as already answered, reads the invitation.
func TestInvites_EditReconciles(t *testing.T) {
	t.Parallel()
	patch := cloudflaretest.OnMethod("PATCH")
	get := cloudflaretest.OnMethod("GET")
	committed := func(f cloudflaretest.Fault) cloudflaretest.Fault { f.Commit = true; return f }
	noResult := cloudflaretest.Fault{Status: 200, Body: `{"success":true,"errors":[],"messages":[]}`}
	page524 := cloudflaretest.Fault{Status: 524, Body: "<html><title>api.cloudflare.com | 524: A timeout occurred</title></html>",
		Header: http.Header{"Content-Type": {"text/html"}}}
	accepted, rejected, pending := cloudflare.InviteStatusAccepted, cloudflare.InviteStatusRejected, cloudflare.InviteStatusPending
	pp, ppg, ppp := []string{"PATCH", "PATCH", "GET"}, []string{"PATCH", "PATCH", "PATCH", "GET"}, []string{"PATCH", "PATCH", "PATCH"}
	tests := []struct {
		name    string
		id      string
		status  cloudflare.InviteStatus
		faults  func(srv *cloudflaretest.Server)
		methods []string // the requests' methods
		ok      bool     // success with the invitation
		unknown bool     // the error matches ErrOutcomeUnknown
		final   cloudflare.InviteStatus
		resp    int // the status WithResponseInto holds
	}{
		{"dropped after commit", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(cloudflaretest.DropConnection()), patch)
		}, pp, true, false, accepted, 200},
		{"502 after commit", cloudflaretest.SeedInviteID, rejected, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(cloudflaretest.ServerError(502)), patch)
		}, pp, true, false, rejected, 200},
		{"cut-off 200 after commit", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(cloudflaretest.Malformed()), patch)
		}, pp, true, false, accepted, 200},
		{"200 without result after commit", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(noResult), patch)
		}, pp, true, false, accepted, 200},
		{"524 page after commit", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(page524), patch)
		}, pp, true, false, accepted, 200},
		{"503 then answered already with the same status", cloudflaretest.SeedAcceptedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, cloudflaretest.ServerError(503), patch)
		}, pp, true, false, accepted, 200},
		{"the invitation holds another status", cloudflaretest.SeedAcceptedInviteID, rejected, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, cloudflaretest.ServerError(502), patch)
		}, pp, false, false, accepted, 400},
		{"retries run out, still pending", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(3, cloudflaretest.ServerError(502), patch)
		}, ppg, false, true, pending, 502},
		{"every answer lost, the first applied", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(cloudflaretest.DropConnection()), patch)
			srv.FailNext(2, cloudflaretest.DropConnection(), patch)
		}, ppg, true, false, accepted, 200},
		{"a retry answered 404 is read", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(cloudflaretest.ServerError(502)), patch)
			srv.FailNext(1, cloudflaretest.Fault{Status: 404}, patch)
		}, pp, true, false, accepted, 200},
		{"every answer lost, the invitation holds another answer", cloudflaretest.SeedAcceptedInviteID, rejected, func(srv *cloudflaretest.Server) {
			srv.FailNext(3, cloudflaretest.DropConnection(), patch)
		}, ppg, false, false, accepted, 0},
		{"retries run out, the invitation expired", cloudflaretest.SeedExpiredInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(3, cloudflaretest.ServerError(503), patch)
		}, ppg, false, false, cloudflare.InviteStatusExpired, 503},
		{"the reconciling read fails", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(1, committed(cloudflaretest.ServerError(502)), patch)
			srv.FailNext(3, cloudflaretest.ServerError(500), get)
		}, []string{"PATCH", "PATCH", "GET", "GET", "GET"}, false, true, accepted, 400},
		{"rate limited is no unknown outcome", cloudflaretest.SeedInviteID, accepted, func(srv *cloudflaretest.Server) {
			srv.FailNext(3, cloudflaretest.RateLimited(0), patch)
		}, ppp, false, false, pending, 429},
	}
	invOnWires(t, func(t *testing.T, w invWire) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				srv, c := invFake(t, w)
				tt.faults(srv)
				var resp cloudflare.Response
				inv, err := c.User.Invites.Edit(context.Background(), tt.id, cloudflare.InviteEditParams{Status: tt.status}, cloudflare.WithResponseInto(&resp))
				var methods []string
				for _, r := range srv.Requests() {
					methods = append(methods, r.Method)
					assert.Equal(t, invPath+tt.id, r.Path)
					assert.Equal(t, w.proto, r.Proto)
				}
				assert.Equal(t, tt.methods, methods)
				if tt.ok {
					require.NoError(t, err)
					assert.Equal(t, tt.id, inv.ID)
					assert.Equal(t, tt.status, inv.Status)
				} else {
					require.Error(t, err)
					assert.Nil(t, inv)
					assert.Equal(t, tt.unknown, errors.Is(err, cloudflare.ErrOutcomeUnknown), "ErrOutcomeUnknown: %v", err)
					var ae *cloudflare.APIError
					assert.ErrorAs(t, err, &ae, "a plain failure is an APIError")
					if !tt.unknown && tt.final != tt.status && tt.final != pending && ae.StatusCode/100 != 4 {
						assert.Contains(t, err.Error(), "shows it "+string(tt.final))
					}
				}
				// Response holds the read's response when it settles the
				// call, and else Edit's own last one.
				assert.Equal(t, tt.resp, resp.StatusCode)
				stored, _ := srv.Invite(tt.id)
				assert.Equal(t, tt.final, stored.Status)
				assert.Zero(t, srv.PendingFaults())
			})
		}
	})
}

// An answer that could not have reached the server has no unknown outcome.
func TestInvites_EditUnreachableIsNoUnknownOutcome(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c, err := cloudflare.NewClient(cloudflare.WithBaseURL("http://"+addr+"/client/v4/"), cloudflare.WithAPIToken("tok_SECRET_0123456789abcdef"),
		cloudflare.WithRetryBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = c.User.Invites.Accept(context.Background(), cloudflaretest.SeedInviteID)
	require.Error(t, err)
	assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "after 3 attempts", "a refused connection is retried")
	var ae *cloudflare.APIError
	assert.False(t, errors.As(err, &ae))
}

func TestInvites_GetListAllOnTheFake(t *testing.T) {
	t.Parallel()
	invOnWires(t, func(t *testing.T, w invWire) {
		srv, c := invFake(t, w)
		ctx := context.Background()
		inv, err := c.User.Invites.Get(ctx, cloudflaretest.SeedPendingInviteID)
		require.NoError(t, err)
		want, _ := srv.Invite(cloudflaretest.SeedPendingInviteID)
		assert.Equal(t, want.ID, inv.ID)
		assert.Equal(t, want.OrganizationName, inv.OrganizationName)
		assert.Equal(t, want.Roles, inv.Roles)
		assert.True(t, want.ExpiresOn.Equal(inv.ExpiresOn))
		assert.Empty(t, inv.InvitedMemberID)

		list, info, err := c.User.Invites.List(ctx, nil)
		require.NoError(t, err)
		var ids, all []string
		for _, inv := range list {
			ids = append(ids, inv.ID)
		}
		assert.Equal(t, []string{cloudflaretest.SeedInviteID, cloudflaretest.SeedPendingInviteID, cloudflaretest.SeedAcceptedInviteID, cloudflaretest.SeedExpiredInviteID}, ids)
		assert.Equal(t, 4, info.TotalCount)

		for inv, err := range c.User.Invites.All(ctx) {
			require.NoError(t, err)
			all = append(all, inv.ID)
		}
		assert.Equal(t, ids, all)
		reqs := srv.Requests()
		require.Len(t, reqs, 3, "a server that does not page costs All one request")
		for _, r := range reqs {
			assert.Equal(t, w.proto, r.Proto)
			assert.Equal(t, http.MethodGet, r.Method)
		}
		assert.Equal(t, invPath+cloudflaretest.SeedPendingInviteID, reqs[0].Path)
		assert.Equal(t, "/client/v4/user/invites", reqs[1].Path)
		assert.Empty(t, reqs[1].Query)
		assert.Empty(t, reqs[2].Query)
	})
}

// invScripted starts an httptest server that answers the n-th request
// (from 0) with respond, and returns a client for it and a function that
// lists the request URIs it received.
func invScripted(t *testing.T, respond func(n int, r *http.Request) (int, string)) (*cloudflare.Client, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var uris []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(uris)
		uris = append(uris, r.Method+" "+r.RequestURI)
		mu.Unlock()
		status, body := respond(n, r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL+"/client/v4/"), cloudflare.WithAPIToken("tok_SECRET_0123456789abcdef"),
		cloudflare.WithRetryBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), uris...)
	}
}

// invFixed answers every request with one status and body.
func invFixed(status int, body string) func(int, *http.Request) (int, string) {
	return func(int, *http.Request) (int, string) { return status, body }
}

func TestInvites_SingleResultBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		ok         bool
		check      func(t *testing.T, inv *cloudflare.Invite)
	}{
		{"no result", `{"success":true,"errors":[],"messages":[]}`, false, nil},
		{"null result", `{"success":true,"errors":[],"messages":[],"result":null}`, false, nil},
		{"only what the schema requires", `{"success":true,"errors":[],"messages":[],"result":{"invited_member_id":null,"organization_id":"org1"}}`, true,
			func(t *testing.T, inv *cloudflare.Invite) {
				assert.Equal(t, cloudflare.Invite{OrganizationID: "org1"}, *inv)
			}},
		{"unknown fields", `{"success":true,"result":{"id":"x1","organization_id":"o","invited_member_id":"m","new_field":[1]}}`, true,
			func(t *testing.T, inv *cloudflare.Invite) {
				assert.Equal(t, cloudflare.Invite{ID: "x1", OrganizationID: "o", InvitedMemberID: "m"}, *inv)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, uris := invScripted(t, invFixed(200, tt.body))
			ctx := context.Background()
			for _, name := range []string{"Get", "Accept"} {
				call := map[string]func() (*cloudflare.Invite, error){
					"Get":    func() (*cloudflare.Invite, error) { return c.User.Invites.Get(ctx, "abc") },
					"Accept": func() (*cloudflare.Invite, error) { return c.User.Invites.Accept(ctx, "abc") },
				}[name]
				inv, err := call()
				if tt.ok {
					require.NoError(t, err, name)
					tt.check(t, inv)
					continue
				}
				var ae *cloudflare.APIError
				require.ErrorAs(t, err, &ae, name)
				assert.Nil(t, inv)
				assert.Equal(t, 200, ae.StatusCode)
				assert.Contains(t, err.Error(), `the body has no "result", which this method returns`)
				// The answer was lost: Get retries it, and the PATCH, which may
				// have been applied, is retried too, then read.
				assert.Equal(t, name == "Accept", errors.Is(err, cloudflare.ErrOutcomeUnknown), name)
			}
			want := []string{"GET", "GET", "GET", "PATCH", "PATCH", "PATCH", "GET", "GET", "GET"}
			if tt.ok {
				want = []string{"GET", "PATCH"}
			}
			assert.Equal(t, want, methodsOf(uris()))
		})
	}
}

func TestInvites_List(t *testing.T) {
	t.Parallel()
	one := `{"id":"i1","organization_id":"o","invited_member_id":null}`
	info := `"result_info":{"page":2,"per_page":5,"count":1,"total_count":6}`
	tests := []struct {
		name     string
		params   *cloudflare.InviteListParams
		body     string
		uri      string
		ids      []string
		wantInfo cloudflare.ResultInfo
	}{
		{"nil params", nil, `{"success":true,"result":[` + one + `]}`, "/client/v4/user/invites", []string{"i1"}, cloudflare.ResultInfo{Count: 1}},
		{"zero params", &cloudflare.InviteListParams{}, `{"success":true,"result":[]}`, "/client/v4/user/invites", []string{}, cloudflare.ResultInfo{}},
		{"page and per_page", &cloudflare.InviteListParams{Page: 2, PerPage: 5}, `{"success":true,"result":[` + one + `],` + info + `}`,
			"/client/v4/user/invites?page=2&per_page=5", []string{"i1"}, cloudflare.ResultInfo{Page: 2, PerPage: 5, Count: 1, TotalCount: 6}},
		{"page only", &cloudflare.InviteListParams{Page: 3}, `{"success":true,"result":null}`, "/client/v4/user/invites?page=3", []string{}, cloudflare.ResultInfo{}},
		{"null result", nil, `{"success":true,"result":null}`, "/client/v4/user/invites", []string{}, cloudflare.ResultInfo{}},
		{"absent result", nil, `{"success":true,"errors":[],"messages":[]}`, "/client/v4/user/invites", []string{}, cloudflare.ResultInfo{}},
		{"no result_info counts", nil, `{"success":true,"result":[` + one + `,` + one + `]}`, "/client/v4/user/invites", []string{"i1", "i1"}, cloudflare.ResultInfo{Count: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, uris := invScripted(t, invFixed(200, tt.body))
			list, info, err := c.User.Invites.List(context.Background(), tt.params)
			require.NoError(t, err)
			require.NotNil(t, list, "an empty list is not nil")
			ids := []string{}
			for _, inv := range list {
				ids = append(ids, inv.ID)
			}
			assert.Equal(t, tt.ids, ids)
			require.NotNil(t, info)
			assert.Equal(t, tt.wantInfo, *info)
			assert.Equal(t, []string{"GET " + tt.uri}, uris())
		})
	}
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		c, _ := invScripted(t, invFixed(403, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"result":null}`))
		list, info, err := c.User.Invites.List(context.Background(), nil)
		assert.ErrorIs(t, err, cloudflare.ErrAuthentication)
		assert.Nil(t, list)
		assert.Nil(t, info)
	})
}

// invPage is a list response of the given IDs and result_info.
func invPage(info string, ids ...string) string {
	var items []string
	for _, id := range ids {
		items = append(items, `{"id":"`+id+`","organization_id":"o","invited_member_id":null}`)
	}
	body := `{"success":true,"errors":[],"messages":[],"result":[` + strings.Join(items, ",") + `]`
	if info != "" {
		body += `,"result_info":` + info
	}
	return body + "}"
}

func TestInvites_All(t *testing.T) {
	t.Parallel()
	const base = "GET /client/v4/user/invites"
	byPage := func(pages ...string) func(int, *http.Request) (int, string) {
		return func(n int, r *http.Request) (int, string) {
			if n >= len(pages) {
				return 500, `{"success":false,"errors":[{"code":1,"message":"too many requests"}]}`
			}
			status := 200
			if strings.HasPrefix(pages[n], "!") {
				status = 400
			}
			return status, strings.TrimPrefix(pages[n], "!")
		}
	}
	tests := []struct {
		name    string
		respond func(int, *http.Request) (int, string)
		stopAt  int // break after this many invitations; 0: never
		ids     []string
		errs    int
		errText string
		uris    []string
	}{
		{"a server that does not page", byPage(invPage("", "a", "b", "c")), 0, []string{"a", "b", "c"}, 0, "", []string{base}},
		{"one complete page", byPage(invPage(`{"page":1,"per_page":20,"count":2,"total_count":2}`, "a", "b")), 0, []string{"a", "b"}, 0, "", []string{base}},
		{"the first response's page is not checked (none was asked for)", byPage(invPage(`{"page":7,"per_page":20,"count":1,"total_count":1}`, "a")), 0,
			[]string{"a"}, 0, "", []string{base}},
		{"total_pages", byPage(
			invPage(`{"page":1,"per_page":2,"count":2,"total_pages":3}`, "a", "b"),
			invPage(`{"page":2,"per_page":2,"count":2,"total_pages":3}`, "c", "d"),
			invPage(`{"page":3,"per_page":2,"count":1,"total_pages":3}`, "e")), 0,
			[]string{"a", "b", "c", "d", "e"}, 0, "", []string{base, base + "?page=2&per_page=2", base + "?page=3&per_page=2"}},
		{"total_count", byPage(
			invPage(`{"page":1,"per_page":2,"count":2,"total_count":3}`, "a", "b"),
			invPage(`{"page":2,"per_page":2,"count":1,"total_count":3}`, "c")), 0,
			[]string{"a", "b", "c"}, 0, "", []string{base, base + "?page=2&per_page=2"}},
		{"no per_page reported", byPage(
			invPage(`{"page":1,"count":1,"total_count":2}`, "a"),
			invPage(`{"page":2,"count":1,"total_count":2}`, "b")), 0,
			[]string{"a", "b"}, 0, "", []string{base, base + "?page=2"}},
		{"a page repeats an ID", byPage(
			invPage(`{"page":1,"per_page":2,"total_count":4}`, "a", "b"),
			invPage(`{"page":2,"per_page":2,"total_count":4}`, "c", "a")), 0,
			[]string{"a", "b"}, 1, "page 2 brings back an invitation yielded on an earlier page", []string{base, base + "?page=2&per_page=2"}},
		{"the wrong page", byPage(
			invPage(`{"page":1,"per_page":2,"total_count":4}`, "a", "b"),
			invPage(`{"page":1,"per_page":2,"total_count":4}`, "c", "d")), 0,
			[]string{"a", "b"}, 1, "asked for page 2, got page 1", []string{base, base + "?page=2&per_page=2"}},
		{"an error is yielded once", byPage(
			invPage(`{"page":1,"per_page":1,"total_pages":3}`, "a"),
			`!{"success":false,"errors":[{"code":1001,"message":"bad page"}]}`), 0,
			[]string{"a"}, 1, "1001 bad page", []string{base, base + "?page=2&per_page=1"}},
		{"an error on the first page", byPage(`!{"success":false,"errors":[{"code":1001,"message":"nope"}]}`), 0,
			nil, 1, "1001 nope", []string{base}},
		{"early break", byPage(invPage(`{"page":1,"per_page":2,"total_pages":3}`, "a", "b")), 1, []string{"a"}, 0, "", []string{base}},
		{"an empty page ends", byPage(
			invPage(`{"page":1,"per_page":2,"total_pages":5}`, "a", "b"),
			invPage(`{"page":2,"per_page":2,"total_pages":5}`)), 0,
			[]string{"a", "b"}, 0, "", []string{base, base + "?page=2&per_page=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, uris := invScripted(t, tt.respond)
			var ids []string
			errs := 0
			// The loop goes on after an error: the iterator must end by itself.
			for inv, err := range c.User.Invites.All(context.Background()) {
				if err != nil {
					errs++
					var ae *cloudflare.APIError
					assert.ErrorAs(t, err, &ae)
					assert.Contains(t, err.Error(), tt.errText)
					if errs > 3 {
						break // an iterator that does not end after an error
					}
					continue
				}
				ids = append(ids, inv.ID)
				if len(ids) == tt.stopAt {
					break
				}
			}
			assert.Equal(t, tt.ids, ids)
			assert.Equal(t, tt.errs, errs, "errors yielded")
			assert.Equal(t, tt.uris, uris())
		})
	}
}

// All stops after 1000 pages of a server whose paging never ends.
func TestInvites_AllStopsAtAThousandPages(t *testing.T) {
	t.Parallel()
	c, uris := invScripted(t, func(n int, _ *http.Request) (int, string) {
		return 200, invPage(fmt.Sprintf(`{"page":%d,"per_page":1,"total_pages":1000000}`, n+1), fmt.Sprintf("id%d", n))
	})
	n, errs := 0, 0
	for _, err := range c.User.Invites.All(context.Background()) {
		if err != nil {
			errs++
			assert.Contains(t, err.Error(), "more than 1000 pages")
			continue
		}
		n++
	}
	assert.Equal(t, 1, errs)
	assert.Equal(t, 1000, n)
	assert.Len(t, uris(), 1001)
}

// methodsOf returns the methods of "METHOD /uri" lines.
func methodsOf(lines []string) []string {
	var out []string
	for _, l := range lines {
		m, _, _ := strings.Cut(l, " ")
		out = append(out, m)
	}
	return out
}

// An invite ID's characters at the edges of the ranges it takes are sent;
// those just outside each range are refused.
func TestInviteIDCharacterEdges(t *testing.T) {
	t.Parallel()
	c, uris := invScripted(t, invFixed(200, `{"success":true,"result":{"id":"x"}}`))
	_, err := c.User.Invites.Get(context.Background(), "azAZ09-_")
	require.NoError(t, err)
	assert.Equal(t, []string{"GET /client/v4/user/invites/azAZ09-_"}, uris())
	for _, r := range "`{@[/:" {
		_, err := c.User.Invites.Get(context.Background(), "ab"+string(r)+"c")
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, "%q", r) {
			assert.Contains(t, ve.Reason, "character 3 ")
		}
	}
	assert.Len(t, uris(), 1, "nothing more was sent")
}
