package cloudflaretest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// referenceInvite is the API reference's example invitation as the SDK
// decodes it, but pending and expiring in 2099, as the seed has it.
func referenceInvite() cloudflare.Invite {
	return cloudflare.Invite{
		ID:                               "4f5f0c14a2a41d5063dd301b2f829f04",
		InvitedMemberID:                  "5a7805061c76ada191ed06f989cc3dac",
		OrganizationID:                   "5a7805061c76ada191ed06f989cc3dac",
		ExpiresOn:                        mustTime("2099-01-01T05:20:00Z"),
		InvitedOn:                        mustTime("2014-01-01T05:20:00Z"),
		InvitedBy:                        "user@example.com",
		InvitedMemberEmail:               "user@example.com",
		OrganizationIsEnforcingTwofactor: true,
		OrganizationName:                 "Cloudflare, Inc.",
		Roles:                            []string{"Account Administrator"},
		Status:                           cloudflare.InviteStatusPending,
	}
}

func TestGetReturnsTheReferenceInvite(t *testing.T) {
	t.Parallel()
	f := setup(t)
	inv, err := f.client.User.Invites.Get(ctx, SeedInviteID)
	require.NoError(t, err)
	assert.Equal(t, referenceInvite(), *inv)

	status, _, body := f.do(t, "GET", "user/invites/"+SeedInviteID, keyAuth(), "")
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"success":true,"errors":[],"messages":[],"result":{
		"invited_member_id": "5a7805061c76ada191ed06f989cc3dac",
		"organization_id": "5a7805061c76ada191ed06f989cc3dac",
		"id": "4f5f0c14a2a41d5063dd301b2f829f04",
		"expires_on": "2099-01-01T05:20:00Z",
		"invited_by": "user@example.com",
		"invited_member_email": "user@example.com",
		"invited_on": "2014-01-01T05:20:00Z",
		"organization_is_enforcing_twofactor": true,
		"organization_name": "Cloudflare, Inc.",
		"roles": ["Account Administrator"],
		"status": "pending"}}`, string(body))
}

func TestNullMemberID(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, _, body := f.do(t, "GET", "user/invites/"+SeedPendingInviteID, keyAuth(), "")
	assert.Contains(t, string(body), `"invited_member_id":null`)
	inv, err := f.client.User.Invites.Get(ctx, SeedPendingInviteID)
	require.NoError(t, err)
	assert.Empty(t, inv.InvitedMemberID)
	assert.Equal(t, "Acme Corp", inv.OrganizationName)
}

func TestListSeed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	invites, info, err := f.client.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, &cloudflare.ResultInfo{Page: 1, PerPage: 4, Count: 4, TotalCount: 4}, info, "one page holds them all")
	var got []string
	for _, inv := range invites {
		got = append(got, inv.ID+" "+string(inv.Status))
	}
	assert.Equal(t, []string{
		SeedInviteID + " pending",
		SeedPendingInviteID + " pending",
		SeedAcceptedInviteID + " accepted",
		SeedExpiredInviteID + " expired",
	}, got)
	assert.Equal(t, referenceInvite(), invites[0])
}

// TestListUnpaged: by default the fake serves the list as the API
// reference documents it, with no query parameters: everything at once,
// whatever the query says.
func TestListUnpaged(t *testing.T) {
	t.Parallel()
	f := setup(t, WithoutSeed())
	var ids []string
	for i := range 57 {
		ids = append(ids, f.srv.AddInvite(Invite{OrganizationName: fmt.Sprint("Org ", i)}).ID)
	}
	for _, params := range []*cloudflare.InviteListParams{nil, {PerPage: 3}, {Page: 2, PerPage: 3}, {Page: 9}} {
		t.Run(fmt.Sprintf("%+v", params), func(t *testing.T) {
			t.Parallel()
			invites, info, err := f.client.User.Invites.List(ctx, params)
			require.NoError(t, err)
			got := []string{}
			for _, inv := range invites {
				got = append(got, inv.ID)
			}
			assert.Equal(t, ids, got)
			assert.Equal(t, &cloudflare.ResultInfo{Page: 1, PerPage: 57, Count: 57, TotalCount: 57}, info)
		})
	}
	for _, q := range []string{"page=0", "per_page=51", "page=abc", "direction=desc"} {
		status, _, body := f.do(t, "GET", "user/invites?"+q, keyAuth(), "")
		assert.Equal(t, 200, status, "%s is ignored; body: %s", q, body)
	}
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	f := setup(t, WithoutSeed(), WithPageSize(20))
	var ids []string
	for i := range 7 {
		ids = append(ids, f.srv.AddInvite(Invite{OrganizationName: fmt.Sprint("Org ", i)}).ID)
	}
	tests := []struct {
		params     *cloudflare.InviteListParams
		from, to   int
		page, per  int
		totalCount int
	}{
		{nil, 0, 7, 1, 20, 7},
		{&cloudflare.InviteListParams{PerPage: 3}, 0, 3, 1, 3, 7},
		{&cloudflare.InviteListParams{Page: 2, PerPage: 3}, 3, 6, 2, 3, 7},
		{&cloudflare.InviteListParams{Page: 3, PerPage: 3}, 6, 7, 3, 3, 7},
		{&cloudflare.InviteListParams{Page: 4, PerPage: 3}, 7, 7, 4, 3, 7},
		{&cloudflare.InviteListParams{Page: 2}, 7, 7, 2, 20, 7},
		{&cloudflare.InviteListParams{PerPage: 50}, 0, 7, 1, 50, 7},
		{&cloudflare.InviteListParams{PerPage: 1, Page: 7}, 6, 7, 7, 1, 7},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.params), func(t *testing.T) {
			t.Parallel()
			invites, info, err := f.client.User.Invites.List(ctx, tt.params)
			require.NoError(t, err)
			got := []string{}
			for _, inv := range invites {
				got = append(got, inv.ID)
			}
			assert.Equal(t, ids[tt.from:tt.to], got)
			assert.Equal(t, &cloudflare.ResultInfo{Page: tt.page, PerPage: tt.per, Count: tt.to - tt.from, TotalCount: tt.totalCount}, info)
		})
	}
}

func TestListAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []ServerOption
		requests int
	}{
		{"unpaged: one response", nil, 1},
		{"paged: six pages of 20, the page size the fake reports", []ServerOption{WithPageSize(20)}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.opts...)
			for range 116 {
				f.srv.AddInvite(Invite{})
			}
			var got []string
			for inv, err := range f.client.User.Invites.All(ctx) {
				require.NoError(t, err)
				got = append(got, inv.ID)
			}
			var want []string
			for _, inv := range f.srv.Invites() {
				want = append(want, inv.ID)
			}
			assert.Len(t, got, 120)
			assert.Equal(t, want, got)
			reqs := f.srv.Requests()
			assert.Len(t, reqs, tt.requests)
			// All asks without a query first, then for the pages
			// result_info announces, with the per_page it reported.
			require.NotEmpty(t, reqs)
			assert.Empty(t, reqs[0].Query, "All's first request has no query")
			for i, r := range reqs[1:] {
				assert.Equal(t, strconv.Itoa(i+2), r.Query.Get("page"))
				assert.Equal(t, "20", r.Query.Get("per_page"))
			}
		})
	}
}

func TestWithPageSize(t *testing.T) {
	t.Parallel()
	f := setup(t, WithPageSize(3))
	invites, info, err := f.client.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, invites, 3)
	assert.Equal(t, &cloudflare.ResultInfo{Page: 1, PerPage: 3, Count: 3, TotalCount: 4}, info)
	_, info, err = f.client.User.Invites.List(ctx, &cloudflare.InviteListParams{Page: 2})
	require.NoError(t, err)
	assert.Equal(t, &cloudflare.ResultInfo{Page: 2, PerPage: 3, Count: 1, TotalCount: 4}, info)

	big := setup(t, WithPageSize(80))
	status, _, body := big.do(t, "GET", "user/invites?per_page=80", keyAuth(), "")
	assert.Equal(t, 200, status, "a page size over 50 raises the limit; body: %s", body)
	status, _, body = big.do(t, "GET", "user/invites?per_page=81", keyAuth(), "")
	assertError(t, status, body, 400, CodeInvalidPaging)
}

func TestListRefusesBadPaging(t *testing.T) {
	t.Parallel()
	f := setup(t, WithPageSize(20))
	for _, q := range []string{"page=0", "page=-1", "page=abc", "page=", "page=1.5", "per_page=0", "per_page=51", "per_page=x", "per_page=", "page=99999999999999999999"} {
		t.Run(q, func(t *testing.T) {
			t.Parallel()
			status, _, body := f.do(t, "GET", "user/invites?"+q, keyAuth(), "")
			env := assertError(t, status, body, 400, CodeInvalidPaging)
			param, _, _ := strings.Cut(q, "=")
			assert.Contains(t, env.Errors[0].Message, param)
		})
	}
	status, _, _ := f.do(t, "GET", "user/invites?page=1&per_page=50&direction=desc", keyAuth(), "")
	assert.Equal(t, 200, status, "unknown parameters are ignored")
}

func TestListEmpty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
		opts       []ServerOption
	}{
		{"unpaged", `{"page":1,"per_page":0,"count":0,"total_count":0}`, nil},
		{"paged", `{"page":1,"per_page":20,"count":0,"total_count":0}`, []ServerOption{WithPageSize(20)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, append(tt.opts, WithoutSeed())...)
			status, _, body := f.do(t, "GET", "user/invites", keyAuth(), "")
			require.Equal(t, 200, status)
			assert.JSONEq(t, `{"success":true,"errors":[],"messages":[],"result":[],"result_info":`+tt.want+`}`, string(body))
			invites, _, err := f.client.User.Invites.List(ctx, nil)
			require.NoError(t, err)
			assert.Empty(t, invites)
		})
	}
}

func TestEdit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		id         string
		status     cloudflare.InviteStatus
		httpStatus int
		code       int
		stored     cloudflare.InviteStatus // the status the fake holds afterwards
	}{
		{"accept pending", SeedInviteID, cloudflare.InviteStatusAccepted, 200, 0, StatusAccepted},
		{"reject pending", SeedPendingInviteID, cloudflare.InviteStatusRejected, 200, 0, StatusRejected},
		{"accept accepted", SeedAcceptedInviteID, cloudflare.InviteStatusAccepted, 400, CodeInviteNotPending, StatusAccepted},
		{"reject accepted", SeedAcceptedInviteID, cloudflare.InviteStatusRejected, 400, CodeInviteNotPending, StatusAccepted},
		{"accept expired", SeedExpiredInviteID, cloudflare.InviteStatusAccepted, 400, CodeInviteExpired, StatusExpired},
		{"reject expired", SeedExpiredInviteID, cloudflare.InviteStatusRejected, 400, CodeInviteExpired, StatusExpired},
		{"accept unknown", "0123456789abcdef0123456789abcdef", cloudflare.InviteStatusAccepted, 404, CodeInviteNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			inv, err := f.client.User.Invites.Edit(ctx, tt.id, cloudflare.InviteEditParams{Status: tt.status})
			if tt.code == 0 {
				require.NoError(t, err)
				assert.Equal(t, tt.id, inv.ID)
				assert.Equal(t, tt.status, inv.Status)
			} else {
				ae := apiError(t, err)
				assert.Equal(t, tt.httpStatus, ae.StatusCode)
				assert.True(t, ae.HasCode(tt.code), "codes: %v", ae.Errors)
				assert.Regexp(t, `^[0-9a-f]{16}-SJC$`, ae.RayID)
				assert.Equal(t, 1, ae.Attempts)
			}
			stored, ok := f.srv.Invite(tt.id)
			assert.Equal(t, tt.stored != "", ok)
			assert.Equal(t, tt.stored, stored.Status)
		})
	}
}

func TestEditTwiceIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.client.User.Invites.Reject(ctx, SeedInviteID)
	require.NoError(t, err)
	_, err = f.client.User.Invites.Accept(ctx, SeedInviteID)
	ae := apiError(t, err)
	assert.True(t, ae.HasCode(CodeInviteNotPending))
	assert.Contains(t, ae.Error(), "already been rejected")
	_, err = f.client.User.Invites.Get(ctx, "0123456789abcdef0123456789abcdef")
	assert.ErrorIs(t, err, cloudflare.ErrNotFound)
}

func TestInvitesExpireWithTheClock(t *testing.T) {
	t.Parallel()
	clock := newClock("2030-05-01T12:00:00Z")
	f := setup(t, WithoutSeed(), WithNow(clock.Now))
	inv := f.srv.AddInvite(Invite{})
	assert.Equal(t, mustTime("2030-05-01T12:00:00Z"), inv.InvitedOn)
	assert.Equal(t, mustTime("2030-05-08T12:00:00Z"), inv.ExpiresOn)

	clock.Set(mustTime("2030-05-08T11:59:59Z"))
	got, err := f.client.User.Invites.Get(ctx, inv.ID)
	require.NoError(t, err)
	assert.Equal(t, cloudflare.InviteStatusPending, got.Status, "a second before expiry")

	clock.Set(mustTime("2030-05-08T12:00:00Z"))
	stored, _ := f.srv.Invite(inv.ID)
	assert.Equal(t, StatusExpired, stored.Status, "at ExpiresOn the invitation is expired")
	_, err = f.client.User.Invites.Accept(ctx, inv.ID)
	assert.True(t, apiError(t, err).HasCode(CodeInviteExpired))

	clock.Set(mustTime("2030-05-01T12:00:00Z"))
	stored, _ = f.srv.Invite(inv.ID)
	assert.Equal(t, StatusExpired, stored.Status, "expiry is not undone by turning the clock back")

	// The seed's expired invitation is expired only by date.
	g := setup(t, WithNow(newClock("2019-12-31T00:00:00Z").Now))
	seed, _ := g.srv.Invite(SeedExpiredInviteID)
	assert.Equal(t, StatusPending, seed.Status)
}

func TestEditValidation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	jsonCT := func(ct string) http.Header {
		h := keyAuth()
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		return h
	}
	tests := []struct {
		name        string
		header      http.Header
		body        string
		status      int
		code        int
		wantPointer string
	}{
		{"no Content-Type", jsonCT(""), `{"status":"accepted"}`, 415, CodeUnsupportedMediaType, ""},
		{"form Content-Type", jsonCT("application/x-www-form-urlencoded"), `status=accepted`, 415, CodeUnsupportedMediaType, ""},
		{"text Content-Type", jsonCT("text/plain"), `{"status":"accepted"}`, 415, CodeUnsupportedMediaType, ""},
		{"bad Content-Type", jsonCT("application/"), `{"status":"accepted"}`, 415, CodeUnsupportedMediaType, ""},
		{"empty body", jsonCT("application/json"), ``, 400, CodeInvalidBody, ""},
		{"not JSON", jsonCT("application/json"), `status: accepted`, 400, CodeInvalidBody, ""},
		{"cut JSON", jsonCT("application/json"), `{"status":"acc`, 400, CodeInvalidBody, ""},
		{"array", jsonCT("application/json"), `["accepted"]`, 400, CodeInvalidBody, ""},
		{"null", jsonCT("application/json"), `null`, 400, CodeInvalidBody, ""},
		{"string", jsonCT("application/json"), `"accepted"`, 400, CodeInvalidBody, ""},
		{"trailing data", jsonCT("application/json"), `{"status":"accepted"} {}`, 400, CodeInvalidBody, ""},
		{"no status", jsonCT("application/json"), `{}`, 400, CodeInvalidStatus, "/status"},
		{"status misspelt", jsonCT("application/json"), `{"Statuss":"accepted"}`, 400, CodeInvalidStatus, "/status"},
		{"status pending", jsonCT("application/json"), `{"status":"pending"}`, 400, CodeInvalidStatus, "/status"},
		{"status expired", jsonCT("application/json"), `{"status":"expired"}`, 400, CodeInvalidStatus, "/status"},
		{"status upper case", jsonCT("application/json"), `{"status":"ACCEPTED"}`, 400, CodeInvalidStatus, "/status"},
		{"status a number", jsonCT("application/json"), `{"status":1}`, 400, CodeInvalidStatus, "/status"},
		{"status null", jsonCT("application/json"), `{"status":null}`, 400, CodeInvalidStatus, "/status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := f.do(t, "PATCH", "user/invites/"+SeedInviteID, tt.header, tt.body)
			env := assertError(t, status, body, tt.status, tt.code)
			assert.Equal(t, tt.wantPointer, env.Errors[0].Source["pointer"])
		})
	}
	t.Cleanup(func() {
		inv, _ := f.srv.Invite(SeedInviteID)
		assert.Equal(t, StatusPending, inv.Status, "no invalid request changed the invitation")
	})
}

func TestEditAcceptsJSONWithParameters(t *testing.T) {
	t.Parallel()
	f := setup(t)
	h := keyAuth()
	h.Set("Content-Type", "application/json; charset=utf-8")
	status, _, body := f.do(t, "PATCH", "user/invites/"+SeedInviteID, h, `{"status":"rejected","comment":"ignored"}`)
	require.Equal(t, 200, status, "body: %s", body)
	assert.Contains(t, string(body), `"status":"rejected"`)
}

func TestAddInviteDefaults(t *testing.T) {
	t.Parallel()
	clock := newClock("2031-02-03T04:05:06Z")
	f := setup(t, WithoutSeed(), WithNow(func() time.Time { return clock.Now().Add(789 * time.Millisecond) }), WithCredentials("me@example.org", DefaultAPIKey))
	inv := f.srv.AddInvite(Invite{})
	assert.Regexp(t, `^[0-9a-f]{32}$`, inv.ID)
	assert.Regexp(t, `^[0-9a-f]{32}$`, inv.OrganizationID)
	assert.NotEqual(t, inv.ID, inv.OrganizationID)
	assert.Empty(t, inv.InvitedMemberID)
	assert.Equal(t, mustTime("2031-02-03T04:05:06Z"), inv.InvitedOn, "to the second")
	assert.Equal(t, mustTime("2031-02-10T04:05:06Z"), inv.ExpiresOn)
	assert.Equal(t, "owner@example.com", inv.InvitedBy)
	assert.Equal(t, "me@example.org", inv.InvitedMemberEmail)
	assert.Equal(t, "Example Organization", inv.OrganizationName)
	assert.Equal(t, []string{"Administrator"}, inv.Roles)
	assert.Equal(t, StatusPending, inv.Status)

	stored, ok := f.srv.Invite(inv.ID)
	require.True(t, ok)
	assert.Equal(t, inv, stored)
	got, err := f.client.User.Invites.Get(ctx, inv.ID)
	require.NoError(t, err)
	assert.Equal(t, inv.InvitedOn, got.InvitedOn)

	other := f.srv.AddInvite(Invite{})
	assert.NotEqual(t, inv.ID, other.ID)

	tokenOnly := setup(t, WithCredentials("", ""))
	assert.Equal(t, DefaultEmail, tokenOnly.srv.AddInvite(Invite{}).InvitedMemberEmail, "with no email configured")
}

func TestAddInviteKeepsGivenFields(t *testing.T) {
	t.Parallel()
	f := setup(t, WithoutSeed())
	paris := time.FixedZone("CET", 3600)
	in := Invite{
		ID:                               "custom_id-1",
		InvitedMemberID:                  "m1",
		OrganizationID:                   "o1",
		ExpiresOn:                        time.Date(2099, 1, 2, 3, 4, 5, 0, paris),
		InvitedOn:                        time.Date(2099, 1, 1, 3, 4, 5, 0, paris),
		InvitedBy:                        "boss@example.net",
		InvitedMemberEmail:               "someone@example.net",
		OrganizationIsEnforcingTwofactor: true,
		OrganizationName:                 strings.Repeat("é", 100),
		Roles:                            []string{},
		Status:                           StatusRejected,
	}
	got := f.srv.AddInvite(in)
	want := in
	want.ExpiresOn, want.InvitedOn = in.ExpiresOn.UTC(), in.InvitedOn.UTC()
	assert.Equal(t, want, got)
	_, _, body := f.do(t, "GET", "user/invites/custom_id-1", keyAuth(), "")
	assert.Contains(t, string(body), `"roles":[]`)
	assert.Contains(t, string(body), `"expires_on":"2099-01-02T02:04:05Z"`)
}

func TestAddInviteReplacesInPlace(t *testing.T) {
	t.Parallel()
	f := setup(t)
	inv, _ := f.srv.Invite(SeedPendingInviteID)
	inv.Status = StatusAccepted
	f.srv.AddInvite(inv)
	all := f.srv.Invites()
	require.Len(t, all, 4)
	assert.Equal(t, SeedPendingInviteID, all[1].ID)
	assert.Equal(t, StatusAccepted, all[1].Status)
}

func TestAddInvitePanicsOnWhatTheAPINeverSends(t *testing.T) {
	t.Parallel()
	f := setup(t, WithoutSeed())
	tests := []struct {
		name string
		inv  Invite
		want string
	}{
		{"long ID", Invite{ID: strings.Repeat("a", 33)}, "ID must be"},
		{"ID with a slash", Invite{ID: "a/b"}, "ID must be"},
		{"long member ID", Invite{InvitedMemberID: strings.Repeat("m", 33)}, "InvitedMemberID is 33 characters"},
		{"long organization ID", Invite{OrganizationID: strings.Repeat("o", 33)}, "OrganizationID"},
		{"long inviter", Invite{InvitedBy: strings.Repeat("b", 91)}, "InvitedBy"},
		{"long email", Invite{InvitedMemberEmail: strings.Repeat("e", 91)}, "InvitedMemberEmail"},
		{"long organization name", Invite{OrganizationName: strings.Repeat("n", 101)}, "OrganizationName"},
		{"long role", Invite{Roles: []string{"ok", strings.Repeat("r", 121)}}, "Roles"},
		{"unknown status", Invite{Status: "cancelled"}, `unknown Status "cancelled"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var msg string
			func() {
				defer func() { msg = fmt.Sprint(recover()) }()
				f.srv.AddInvite(tt.inv)
			}()
			assert.Contains(t, msg, "cloudflaretest: AddInvite: ")
			assert.Contains(t, msg, tt.want)
		})
	}
	t.Cleanup(func() { assert.Empty(t, f.srv.Invites(), "nothing invalid was stored") })
}

func TestStateIsCopied(t *testing.T) {
	t.Parallel()
	f := setup(t)
	roles := []string{"A"}
	inv := f.srv.AddInvite(Invite{Roles: roles})
	roles[0] = "changed by caller"
	inv.Roles[0] = "changed in result"
	got, _ := f.srv.Invite(inv.ID)
	got.Roles[0] = "changed in Invite"
	all := f.srv.Invites()
	all[len(all)-1].Roles[0] = "changed in Invites"
	final, _ := f.srv.Invite(inv.ID)
	assert.Equal(t, []string{"A"}, final.Roles)

	seeds := SeedInvites()
	seeds[0].Roles[0] = "changed"
	assert.Equal(t, []string{"Account Administrator"}, SeedInvites()[0].Roles)
	_, ok := f.srv.Invite("nope")
	assert.False(t, ok)
}

func TestInviteJSONIsTheAPIs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, id := range []string{SeedInviteID, SeedPendingInviteID} {
		_, _, body := f.do(t, "GET", "user/invites/"+id, keyAuth(), "")
		var env struct{ Result json.RawMessage }
		require.NoError(t, json.Unmarshal(body, &env))
		inv, _ := f.srv.Invite(id)
		got, err := json.Marshal(inv)
		require.NoError(t, err)
		assert.JSONEq(t, string(env.Result), string(got), "MarshalJSON writes what the API sends")

		var back Invite
		require.NoError(t, json.Unmarshal(env.Result, &back))
		assert.Equal(t, inv, back, "and UnmarshalJSON reads it back")
	}
}

func TestInviteUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var partial Invite
	require.NoError(t, json.Unmarshal([]byte(`{"id":"abc","organization_id":"org-1","invited_member_id":null,"roles":[]}`), &partial))
	assert.Equal(t, Invite{ID: "abc", OrganizationID: "org-1", Roles: []string{}}, partial, "fields left out stay empty for AddInvite to fill in")

	tests := []struct{ name, json, want string }{
		{"null", `null`, "not null"},
		{"unknown field", `{"organisation_name":"x"}`, `unknown field "organisation_name"`},
		{"bad time", `{"expires_on":"2030-01-01"}`, `expires_on "2030-01-01" is not an RFC 3339 time`},
		{"bad status", `{"status":"cancelled"}`, `unknown Status "cancelled"`},
		{"bad id", `{"id":"a/b"}`, "ID must be"},
		{"wrong type", `{"roles":"Administrator"}`, "cannot unmarshal"},
		{"too long", `{"organization_id":"` + strings.Repeat("0", 33) + `"}`, "OrganizationID is 33 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var inv Invite
			err := json.Unmarshal([]byte(tt.json), &inv)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	var list []Invite
	err := json.Unmarshal([]byte(`[{"id":"a"},null]`), &list)
	assert.ErrorContains(t, err, "not null", "a null in a list is refused too")
}
