package cloudflaretest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func TestGetSendsTheReferenceShape(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	inv, err := client.User.Invites.Get(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, SeedInvites()[0], *inv, "the SDK reads back what the fake holds")

	_, body := get("user/invites/"+SeedPendingInviteID).send(t, srv)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(decode(t, body).Result, &raw))
	assert.Contains(t, raw, "invited_member_id")
	assert.Nil(t, raw["invited_member_id"], "an empty member ID is sent as null")
	assert.Equal(t, "2025-06-01T09:30:00Z", raw["invited_on"])
}

func TestList(t *testing.T) {
	t.Parallel()
	ids := func(t *testing.T, body []byte) []string {
		var got []struct{ ID string }
		require.NoError(t, json.Unmarshal(decode(t, body).Result, &got))
		out := []string{}
		for _, inv := range got {
			out = append(out, inv.ID)
		}
		return out
	}
	seed := []string{SeedInviteID, SeedPendingInviteID, SeedAcceptedInviteID, SeedExpiredInviteID}
	tests := []struct {
		name     string
		opts     []ServerOption
		query    string
		wantIDs  []string
		wantInfo map[string]int
	}{
		{"unpaged", nil, "", seed, map[string]int{"page": 1, "per_page": 4, "count": 4, "total_count": 4}},
		{"unpaged ignores the query", nil, "?page=2&per_page=1", seed, map[string]int{"page": 1, "per_page": 4, "count": 4, "total_count": 4}},
		{"empty", []ServerOption{WithoutSeed()}, "", []string{}, map[string]int{"page": 1, "per_page": 0, "count": 0, "total_count": 0}},
		{"first page", []ServerOption{WithPageSize(3)}, "", seed[:3], map[string]int{"page": 1, "per_page": 3, "count": 3, "total_count": 4}},
		{"last page", []ServerOption{WithPageSize(3)}, "?page=2", seed[3:], map[string]int{"page": 2, "per_page": 3, "count": 1, "total_count": 4}},
		{"past the end", []ServerOption{WithPageSize(3)}, "?page=9", []string{}, map[string]int{"page": 9, "per_page": 3, "count": 0, "total_count": 4}},
		{"per_page up to 50", []ServerOption{WithPageSize(1)}, "?per_page=50", seed, map[string]int{"page": 1, "per_page": 50, "count": 4, "total_count": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t, tt.opts...)
			resp, body := get("user/invites"+tt.query).send(t, srv)
			require.Equal(t, 200, resp.StatusCode, "body: %s", body)
			assert.Equal(t, tt.wantIDs, ids(t, body))
			assert.Equal(t, tt.wantInfo, decode(t, body).ResultInfo)
		})
	}
	t.Run("bad paging", func(t *testing.T) {
		t.Parallel()
		srv, _ := setup(t, WithPageSize(2))
		for _, q := range []string{"page=0", "page=x", "per_page=0", "per_page=51", "per_page=-1"} {
			resp, body := get("user/invites?"+q).send(t, srv)
			assertError(t, resp, body, 400, "1105")
		}
	})
	t.Run("all pages through the SDK", func(t *testing.T) {
		t.Parallel()
		_, client := setup(t, WithPageSize(1))
		var got []string
		for inv, err := range client.User.Invites.All(ctx) {
			require.NoError(t, err)
			got = append(got, inv.ID)
		}
		assert.Equal(t, seed, got)
	})
}

func TestEdit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		call        call
		status      int
		codes       string
		wantPointer bool
	}{
		{"accept", patch(SeedInviteID, `{"status":"accepted"}`), 200, "", false},
		{"reject, with other fields", patch(SeedInviteID, `{"status":"rejected","note":1}`), 200, "", false},
		{"not pending", patch(SeedAcceptedInviteID, `{"status":"rejected"}`), 400, "1101", false},
		{"expired", patch(SeedExpiredInviteID, `{"status":"accepted"}`), 400, "1102", false},
		{"unknown", patch("nope", `{"status":"accepted"}`), 404, "1100", false},
		{"no status", patch(SeedInviteID, `{}`), 400, "1103", true},
		{"pending asked", patch(SeedInviteID, `{"status":"pending"}`), 400, "1103", true},
		{"status not a string", patch(SeedInviteID, `{"status":1}`), 400, "1103", true},
		{"not an object", patch(SeedInviteID, `"accepted"`), 400, "9207", false},
		{"null", patch(SeedInviteID, `null`), 400, "9207", false},
		{"not JSON", patch(SeedInviteID, `{`), 400, "9207", false},
		{"no Content-Type", call{"PATCH", "user/invites/" + SeedInviteID, keyAuth(), `{"status":"accepted"}`}, 415, "1104", false},
		{"too large", patch(SeedInviteID, `{"status":"accepted","pad":"`+strings.Repeat("x", maxBodyBytes)+`"}`), 413, "1106", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t)
			resp, body := tt.call.send(t, srv)
			inv, _ := srv.Invite(SeedInviteID)
			if tt.status == 200 {
				require.Equal(t, 200, resp.StatusCode, "body: %s", body)
				assert.Contains(t, string(decode(t, body).Result), `"status":"`+string(inv.Status)+`"`)
				assert.NotEqual(t, cloudflare.InviteStatusPending, inv.Status)
				return
			}
			assertError(t, resp, body, tt.status, tt.codes)
			assert.Equal(t, cloudflare.InviteStatusPending, inv.Status, "a refused answer changes nothing")
			if tt.wantPointer {
				assert.Equal(t, map[string]string{"pointer": "/status"}, decode(t, body).Errors[0].Source)
			}
		})
	}
	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		_, client := setup(t)
		_, err := client.User.Invites.Reject(ctx, SeedInviteID)
		require.NoError(t, err)
		_, err = client.User.Invites.Accept(ctx, SeedInviteID)
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae)
		assert.True(t, ae.HasCode(1101))
	})
}

func TestInvitesExpireWithTheClock(t *testing.T) {
	t.Parallel()
	now := mustTime("2030-01-01T00:00:00Z")
	srv, client := setup(t, WithoutSeed(), WithNow(func() time.Time { return now }))
	inv := srv.AddInvite(cloudflare.Invite{})
	assert.Equal(t, now, inv.InvitedOn, "the clock is the default InvitedOn")
	assert.Equal(t, mustTime("2030-01-08T00:00:00Z"), inv.ExpiresOn, "a week later")

	srv.SetNow(mustTime("2030-01-07T23:59:59Z"))
	got, _ := srv.Invite(inv.ID)
	assert.Equal(t, cloudflare.InviteStatusPending, got.Status)

	srv.SetNow(inv.ExpiresOn)
	got, _ = srv.Invite(inv.ID)
	assert.Equal(t, cloudflare.InviteStatusExpired, got.Status)
	listed, err := client.User.Invites.Get(ctx, inv.ID)
	require.NoError(t, err)
	assert.Equal(t, cloudflare.InviteStatusExpired, listed.Status)
	_, err = client.User.Invites.Accept(ctx, inv.ID)
	var ae *cloudflare.APIError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(1102))
}

func TestAddInvite(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, WithoutSeed(), WithCredentials("me@example.org", strings.Repeat("a", 32)))
	filled := srv.AddInvite(cloudflare.Invite{})
	assert.Regexp(t, `^[0-9a-f]{32}$`, filled.ID)
	assert.Regexp(t, `^[0-9a-f]{32}$`, filled.OrganizationID)
	assert.Empty(t, filled.InvitedMemberID)
	assert.Equal(t, "owner@example.com", filled.InvitedBy)
	assert.Equal(t, "me@example.org", filled.InvitedMemberEmail, "the fake's email")
	assert.Equal(t, "Example Organization", filled.OrganizationName)
	assert.Equal(t, []string{"Administrator"}, filled.Roles)
	assert.Equal(t, cloudflare.InviteStatusPending, filled.Status)

	given := cloudflare.Invite{ID: "my-id_1", Roles: []string{}, Status: cloudflare.InviteStatusRejected,
		InvitedOn: mustTime("2030-01-01T01:02:03.999+02:00")}
	kept := srv.AddInvite(given)
	assert.Equal(t, "my-id_1", kept.ID)
	assert.Equal(t, []string{}, kept.Roles, "an empty, non-nil slice is kept")
	assert.Equal(t, cloudflare.InviteStatusRejected, kept.Status)
	assert.Equal(t, mustTime("2029-12-31T23:02:03Z"), kept.InvitedOn, "UTC, to the second")
	assert.Equal(t, "UTC", kept.InvitedOn.Location().String())

	srv.AddInvite(cloudflare.Invite{ID: filled.ID, OrganizationName: "Replaced"})
	all := srv.Invites()
	require.Len(t, all, 2)
	assert.Equal(t, "Replaced", all[0].OrganizationName, "replaced in place")

	kept.Roles = append(kept.Roles, "changed")
	again, _ := srv.Invite("my-id_1")
	assert.Empty(t, again.Roles, "the state is copied")

	for _, bad := range []cloudflare.Invite{
		{ID: "a.b"}, {ID: strings.Repeat("a", 33)}, {Status: "cancelled"},
		{InvitedBy: strings.Repeat("x", 91)}, {Roles: []string{strings.Repeat("r", 121)}},
	} {
		assert.Panics(t, func() { srv.AddInvite(bad) }, "%+v", bad)
	}
	assert.Len(t, srv.Invites(), 2, "a refused invite is not stored")
}

func TestRemoveInvite(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	assert.True(t, srv.RemoveInvite(SeedPendingInviteID))
	assert.False(t, srv.RemoveInvite(SeedPendingInviteID), "already gone")
	_, err := client.User.Invites.Accept(ctx, SeedPendingInviteID)
	assert.ErrorIs(t, err, cloudflare.ErrNotFound)
	var ids []string
	for _, inv := range srv.Invites() {
		ids = append(ids, inv.ID)
	}
	assert.Equal(t, []string{SeedInviteID, SeedAcceptedInviteID, SeedExpiredInviteID}, ids, "the order of the others is kept")
}
