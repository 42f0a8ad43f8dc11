package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// methodCase is one method of InviteService, called with fixed valid
// arguments, for the checks every method must pass.
type methodCase struct {
	name   string
	method string // HTTP method the call sends
	path   string // path the server sees
	query  string // query the call sends
	// call runs the method and reports whether it returned any result.
	call func(ctx context.Context, s *InviteService, opts ...RequestOption) (gotResult bool, err error)
}

// allQuery is the query of All's first request: none, as for List(ctx, nil).
const allQuery = ""

func inviteMethods() []methodCase {
	return []methodCase{
		{"Edit", http.MethodPatch, invitePath, "", func(ctx context.Context, s *InviteService, opts ...RequestOption) (bool, error) {
			inv, err := s.Edit(ctx, testInviteID, InviteEditParams{Status: InviteStatusAccepted}, opts...)
			return inv != nil, err
		}},
		{"Accept", http.MethodPatch, invitePath, "", func(ctx context.Context, s *InviteService, opts ...RequestOption) (bool, error) {
			inv, err := s.Accept(ctx, testInviteID, opts...)
			return inv != nil, err
		}},
		{"Reject", http.MethodPatch, invitePath, "", func(ctx context.Context, s *InviteService, opts ...RequestOption) (bool, error) {
			inv, err := s.Reject(ctx, testInviteID, opts...)
			return inv != nil, err
		}},
		{"Get", http.MethodGet, invitePath, "", func(ctx context.Context, s *InviteService, opts ...RequestOption) (bool, error) {
			inv, err := s.Get(ctx, testInviteID, opts...)
			return inv != nil, err
		}},
		{"List", http.MethodGet, invitesPath, "", func(ctx context.Context, s *InviteService, opts ...RequestOption) (bool, error) {
			invs, info, err := s.List(ctx, nil, opts...)
			return invs != nil || info != nil, err
		}},
		{"All", http.MethodGet, invitesPath, allQuery, func(ctx context.Context, s *InviteService, opts ...RequestOption) (bool, error) {
			var got []Invite
			for inv, err := range s.All(ctx, opts...) {
				if err != nil {
					return len(got) > 0, err
				}
				got = append(got, inv)
			}
			return len(got) > 0, nil
		}},
	}
}

func TestInviteService_Edit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		call       func(ctx context.Context, s *InviteService) (*Invite, error)
		wantBody   string
		wantStatus InviteStatus
	}{
		{
			name: "Edit accepted",
			call: func(ctx context.Context, s *InviteService) (*Invite, error) {
				return s.Edit(ctx, testInviteID, InviteEditParams{Status: InviteStatusAccepted})
			},
			wantBody:   `{"status":"accepted"}`,
			wantStatus: InviteStatusAccepted,
		},
		{
			name: "Edit rejected",
			call: func(ctx context.Context, s *InviteService) (*Invite, error) {
				return s.Edit(ctx, testInviteID, InviteEditParams{Status: InviteStatusRejected})
			},
			wantBody:   `{"status":"rejected"}`,
			wantStatus: InviteStatusRejected,
		},
		{
			name: "Accept",
			call: func(ctx context.Context, s *InviteService) (*Invite, error) {
				return s.Accept(ctx, testInviteID)
			},
			wantBody:   `{"status":"accepted"}`,
			wantStatus: InviteStatusAccepted,
		},
		{
			name: "Reject",
			call: func(ctx context.Context, s *InviteService) (*Invite, error) {
				return s.Reject(ctx, testInviteID)
			},
			wantBody:   `{"status":"rejected"}`,
			wantStatus: InviteStatusRejected,
		},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			want := referenceInvite()
			want.Status = tt.wantStatus
			body := inviteEnvelope(t, want)
			srv.mux.HandleFunc("PATCH /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, body)
			})

			inv, err := tt.call(context.Background(), client.User.Invites)

			require.NoError(t, err)
			require.NotNil(t, inv)
			assert.Equal(t, want, *inv)
			got := srv.only(t)
			assert.Equal(t, http.MethodPatch, got.Method)
			assert.Equal(t, invitePath, got.Path)
			assert.Empty(t, got.RawQuery)
			assertRequestHeaders(t, got, tt.wantBody)
		})
	}
}

func TestInviteService_Get(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fixture string
		want    func() Invite
	}{
		{"reference response", "invite-response.json", referenceInvite},
		{"invited_member_id null is empty", "core-invite-null-member.json", func() Invite {
			inv := referenceInvite()
			inv.InvitedMemberID = ""
			inv.Status = InviteStatusPending
			return inv
		}},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			body := fixture(t, tt.fixture)
			srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, body)
			})

			inv, err := client.User.Invites.Get(context.Background(), testInviteID)

			require.NoError(t, err)
			require.NotNil(t, inv)
			assert.Equal(t, tt.want(), *inv)
			got := srv.only(t)
			assert.Equal(t, http.MethodGet, got.Method)
			assert.Equal(t, invitePath, got.Path)
			assert.Empty(t, got.RawQuery)
			assertRequestHeaders(t, got, "")
		})
	}
}

func TestInviteService_List(t *testing.T) {
	t.Parallel()
	second := referenceInvite()
	second.ID = "0123456789abcdef0123456789abcdef"
	second.Status = InviteStatusPending
	info := &ResultInfo{Page: 2, PerPage: 20, Count: 2, TotalCount: 22}
	tests := []struct {
		name      string
		params    *InviteListParams
		response  map[string]any
		wantQuery string
		want      []Invite
		wantInfo  *ResultInfo
	}{
		{
			name:      "nil params send no query",
			params:    nil,
			response:  map[string]any{"result": []Invite{referenceInvite(), second}, "result_info": info},
			wantQuery: "",
			want:      []Invite{referenceInvite(), second},
			wantInfo:  info,
		},
		{
			name:      "zero params send no query",
			params:    &InviteListParams{},
			response:  map[string]any{"result": []Invite{referenceInvite(), second}, "result_info": info},
			wantQuery: "",
			want:      []Invite{referenceInvite(), second},
			wantInfo:  info,
		},
		{
			name:      "page only",
			params:    &InviteListParams{Page: 2},
			response:  map[string]any{"result": []Invite{referenceInvite(), second}, "result_info": info},
			wantQuery: "page=2",
			want:      []Invite{referenceInvite(), second},
			wantInfo:  info,
		},
		{
			name:      "per_page only",
			params:    &InviteListParams{PerPage: 20},
			response:  map[string]any{"result": []Invite{referenceInvite(), second}, "result_info": info},
			wantQuery: "per_page=20",
			want:      []Invite{referenceInvite(), second},
			wantInfo:  info,
		},
		{
			name:      "page and per_page",
			params:    &InviteListParams{Page: 2, PerPage: 20},
			response:  map[string]any{"result": []Invite{referenceInvite(), second}, "result_info": info},
			wantQuery: "page=2&per_page=20",
			want:      []Invite{referenceInvite(), second},
			wantInfo:  info,
		},
		{
			name:      "no result_info counts the page",
			params:    nil,
			response:  map[string]any{"result": []Invite{referenceInvite(), second}},
			wantQuery: "",
			want:      []Invite{referenceInvite(), second},
			wantInfo:  &ResultInfo{Count: 2},
		},
		{
			name:      "empty page",
			params:    &InviteListParams{Page: 3},
			response:  map[string]any{"result": []Invite{}, "result_info": &ResultInfo{Page: 3, PerPage: 20, TotalCount: 22}},
			wantQuery: "page=3",
			want:      []Invite{},
			wantInfo:  &ResultInfo{Page: 3, PerPage: 20, TotalCount: 22},
		},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			body := successJSON(t, tt.response)
			srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, body)
			})

			invites, gotInfo, err := client.User.Invites.List(context.Background(), tt.params)

			require.NoError(t, err)
			assert.Equal(t, tt.want, invites)
			assert.Equal(t, tt.wantInfo, gotInfo)
			got := srv.only(t)
			assert.Equal(t, http.MethodGet, got.Method)
			assert.Equal(t, invitesPath, got.Path)
			assert.Equal(t, tt.wantQuery, got.RawQuery)
			assertRequestHeaders(t, got, "")
		})
	}
}

// listPage is one page a test server hands out to All.
type listPage struct {
	n          int         // invitations on the page
	info       *ResultInfo // nil: the response has no result_info
	totalPages int         // when not 0, result_info also has total_pages
}

// pagedInvites returns the invitations of pages, in order, with IDs that
// name their page, and the response for each page.
func pagedInvites(t *testing.T, pages []listPage) ([]Invite, [][]byte) {
	t.Helper()
	var all []Invite
	bodies := make([][]byte, len(pages))
	for p, pg := range pages {
		invites := make([]Invite, 0, pg.n)
		for i := range pg.n {
			inv := referenceInvite()
			inv.ID = "page" + strconv.Itoa(p+1) + "-invite" + strconv.Itoa(i+1)
			invites = append(invites, inv)
		}
		all = append(all, invites...)
		fields := map[string]any{"result": invites}
		if pg.info != nil {
			fields["result_info"] = resultInfoJSON(pg.info, pg.totalPages)
		}
		bodies[p] = successJSON(t, fields)
	}
	return all, bodies
}

// resultInfoJSON is info as a result_info object, with total_pages when
// totalPages is not 0.
func resultInfoJSON(info *ResultInfo, totalPages int) map[string]any {
	m := map[string]any{"page": info.Page, "per_page": info.PerPage, "count": info.Count, "total_count": info.TotalCount}
	if totalPages != 0 {
		m["total_pages"] = totalPages
	}
	return m
}

// requestedPage is the page a list request asks for: 1 without a page
// parameter, as the API responds to a request without a query.
func requestedPage(r *http.Request) int {
	q := r.URL.Query().Get("page")
	if q == "" {
		return 1
	}
	p, err := strconv.Atoi(q)
	if err != nil {
		return 0
	}
	return p
}

// servePages serves GET /user/invites with bodies[page-1], and an empty
// page beyond the last.
func servePages(t *testing.T, srv *testServer, bodies [][]byte) {
	empty := successJSON(t, map[string]any{"result": []Invite{}})
	srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
		p := requestedPage(r)
		if p < 1 || p > len(bodies) {
			reply(w, http.StatusOK, empty)
			return
		}
		reply(w, http.StatusOK, bodies[p-1])
	})
}

// collectAll runs All to its end and returns what it yielded; an error
// must come last and once.
func collectAll(t *testing.T, c *Client) ([]Invite, []error) {
	t.Helper()
	var invites []Invite
	var errs []error
	for inv, err := range c.User.Invites.All(context.Background()) {
		if err != nil {
			assert.Zero(t, inv, "an error comes with a zero invitation")
			errs = append(errs, err)
			continue
		}
		assert.Empty(t, errs, "an invitation came after the error")
		invites = append(invites, inv)
	}
	return invites, errs
}

// queries returns the query string of each request srv saw.
func queries(srv *testServer) []string {
	var q []string
	for _, r := range srv.requests() {
		q = append(q, r.RawQuery)
	}
	return q
}

func TestInviteService_All_Paging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		pages       []listPage
		wantCount   int      // invitations yielded
		wantQueries []string // one per request
	}{
		{
			name:        "one request when the first page holds everything",
			pages:       []listPage{{3, &ResultInfo{Page: 1, PerPage: 50, Count: 3, TotalCount: 3}, 0}},
			wantCount:   3,
			wantQueries: []string{""},
		},
		{
			name: "follows total_count with the per_page the server reported",
			pages: []listPage{
				{2, &ResultInfo{Page: 1, PerPage: 2, Count: 2, TotalCount: 5}, 0},
				{2, &ResultInfo{Page: 2, PerPage: 2, Count: 2, TotalCount: 5}, 0},
				{1, &ResultInfo{Page: 3, PerPage: 2, Count: 1, TotalCount: 5}, 0},
			},
			wantCount:   5,
			wantQueries: []string{"", "page=2&per_page=2", "page=3&per_page=2"},
		},
		{
			name: "stops at total_count even after a full page",
			pages: []listPage{
				{2, &ResultInfo{Page: 1, PerPage: 2, Count: 2, TotalCount: 4}, 0},
				{2, &ResultInfo{Page: 2, PerPage: 2, Count: 2, TotalCount: 4}, 0},
				{2, &ResultInfo{Page: 3, PerPage: 2, Count: 2, TotalCount: 4}, 0}, // must not be fetched
			},
			wantCount:   4,
			wantQueries: []string{"", "page=2&per_page=2"},
		},
		{
			name: "follows total_pages without total_count",
			pages: []listPage{
				{2, &ResultInfo{Page: 1, PerPage: 2, Count: 2}, 3},
				{2, &ResultInfo{Page: 2, PerPage: 2, Count: 2}, 3},
				{1, &ResultInfo{Page: 3, PerPage: 2, Count: 1}, 3},
				{2, &ResultInfo{Page: 4, PerPage: 2, Count: 2}, 3}, // must not be fetched
			},
			wantCount:   5,
			wantQueries: []string{"", "page=2&per_page=2", "page=3&per_page=2"},
		},
		{
			name: "no per_page reported: the next page only",
			pages: []listPage{
				{2, &ResultInfo{Page: 1, TotalCount: 3}, 0},
				{1, &ResultInfo{Page: 2, TotalCount: 3}, 0},
			},
			wantCount:   3,
			wantQueries: []string{"", "page=2"},
		},
		{
			name: "result_info without totals: one request",
			pages: []listPage{
				{2, &ResultInfo{Page: 1, PerPage: 2, Count: 2}, 0},
				{2, &ResultInfo{Page: 2, PerPage: 2, Count: 2}, 0}, // must not be fetched
			},
			wantCount:   2,
			wantQueries: []string{""},
		},
		{
			name:        "no result_info: one request, however many invitations",
			pages:       []listPage{{120, nil, 0}, {3, nil, 0}},
			wantCount:   120,
			wantQueries: []string{""},
		},
		{
			name: "an empty page ends it, even when total_count says more",
			pages: []listPage{
				{2, &ResultInfo{Page: 1, PerPage: 2, Count: 2, TotalCount: 10}, 0},
				{0, &ResultInfo{Page: 2, PerPage: 2, TotalCount: 10}, 0},
				{2, &ResultInfo{Page: 3, PerPage: 2, Count: 2, TotalCount: 10}, 0}, // must not be fetched
			},
			wantCount:   2,
			wantQueries: []string{"", "page=2&per_page=2"},
		},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			all, bodies := pagedInvites(t, tt.pages)
			servePages(t, srv, bodies)

			got, errs := collectAll(t, client)

			assert.Empty(t, errs)
			assert.Equal(t, all[:tt.wantCount], got)
			assert.Equal(t, tt.wantQueries, queries(srv))
			for _, r := range srv.requests() {
				assert.Equal(t, http.MethodGet, r.Method)
				assert.Equal(t, invitesPath, r.Path)
			}
		})
	}
}

func TestInviteService_All_StopsAtMaxListPages(t *testing.T) {
	t.Parallel()
	client, srv := setup(t)
	// A lying server: every page it is asked for is full and new, and
	// total_count always says more.
	srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
		page := requestedPage(r)
		inv := referenceInvite()
		inv.ID = fmt.Sprintf("%032d", page)
		reply(w, http.StatusOK, successJSON(t, map[string]any{
			"result":      []Invite{inv},
			"result_info": ResultInfo{Page: page, PerPage: 1, Count: 1, TotalCount: 1 << 30},
		}))
	})

	invites, errs := collectAll(t, client)

	assert.Len(t, invites, MaxListPages)
	assert.EqualValues(t, int64(MaxListPages), srv.count())
	require.Len(t, errs, 1)
	var re *ResponseError
	require.ErrorAs(t, errs[0], &re)
	assert.ErrorIs(t, errs[0], ErrUnexpectedResponse)
	assert.Contains(t, re.Reason, strconv.Itoa(MaxListPages)+" pages")
	assertErrorNames(t, errs[0], http.MethodGet, invitesPath)
}

// A server that ignores paging but says more exist is caught on the page
// that repeats, and no invitation is yielded twice.
func TestInviteService_All_ServerRepeatsItsPages(t *testing.T) {
	t.Parallel()
	page := func(ids ...string) []Invite {
		var invites []Invite
		for _, id := range ids {
			inv := referenceInvite()
			inv.ID = id
			invites = append(invites, inv)
		}
		return invites
	}
	tests := []struct {
		name       string
		pages      [][]Invite // by page asked for; the last repeats for any later page
		pageNumber func(asked int) int
		wantIDs    []string
		wantReason string
		wantReqs   int
	}{
		{
			name:       "returns page 1 for every page",
			pages:      [][]Invite{page("a", "b")},
			pageNumber: func(int) int { return 1 },
			wantIDs:    []string{"a", "b"}, wantReason: "asked for page 2, got page 1", wantReqs: 2,
		},
		{
			name:       "echoes the page number but repeats the invitations",
			pages:      [][]Invite{page("a", "b")},
			pageNumber: func(asked int) int { return asked },
			wantIDs:    []string{"a", "b"}, wantReason: "page 2 brings back an invitation yielded on an earlier page (item 1)", wantReqs: 2,
		},
		{
			name:       "no page number, repeats the invitations",
			pages:      [][]Invite{page("a", "b")},
			pageNumber: func(int) int { return 0 },
			wantIDs:    []string{"a", "b"}, wantReason: "page 2 brings back an invitation yielded on an earlier page (item 1)", wantReqs: 2,
		},
		{
			name:       "page 3 brings back one invitation of page 1",
			pages:      [][]Invite{page("a", "b"), page("c", "d"), page("e", "b"), page("f", "g")},
			pageNumber: func(asked int) int { return asked },
			wantIDs:    []string{"a", "b", "c", "d"}, wantReason: "page 3 brings back an invitation yielded on an earlier page (item 2)", wantReqs: 3,
		},
		{
			name:       "a repeated ID that holds the key is not quoted",
			pages:      [][]Invite{page(testAPIKey, "b")},
			pageNumber: func(asked int) int { return asked },
			wantIDs:    []string{testAPIKey, "b"}, wantReason: "page 2 brings back an invitation yielded on an earlier page (item 1)", wantReqs: 2,
		},
		{
			name:       "page 4 repeats page 2",
			pages:      [][]Invite{page("a", "b"), page("c", "d"), page("e", "f"), page("c", "d")},
			pageNumber: func(asked int) int { return asked },
			wantIDs:    []string{"a", "b", "c", "d", "e", "f"}, wantReason: "page 4 brings back an invitation yielded on an earlier page (item 1)", wantReqs: 4,
		},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
				asked := requestedPage(r)
				invites := tt.pages[min(asked, len(tt.pages))-1]
				reply(w, http.StatusOK, successJSON(t, map[string]any{
					"result":      invites,
					"result_info": ResultInfo{Page: tt.pageNumber(asked), PerPage: 2, Count: len(invites), TotalCount: 100},
				}))
			})

			invites, errs := collectAll(t, client)

			var ids []string
			for _, inv := range invites {
				ids = append(ids, inv.ID)
			}
			assert.Equal(t, tt.wantIDs, ids, "each invitation once")
			require.Len(t, errs, 1)
			var re *ResponseError
			require.ErrorAs(t, errs[0], &re)
			assert.Contains(t, re.Reason, tt.wantReason)
			assertNoSecrets(t, errs[0], testAPIKey)
			assert.Equal(t, tt.wantReqs, srv.count())
			assertErrorNames(t, errs[0], http.MethodGet, invitesPath)
		})
	}
}

// total_count decides over a per_page that does not match the page.
func TestInviteService_All_TotalCountDecides(t *testing.T) {
	t.Parallel()
	client, srv := setup(t)
	srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
		page := requestedPage(r)
		inv := referenceInvite()
		inv.ID = fmt.Sprintf("%032d", page)
		reply(w, http.StatusOK, successJSON(t, map[string]any{
			"result":      []Invite{inv},
			"result_info": ResultInfo{Page: page, PerPage: 50, Count: 1, TotalCount: 3},
		}))
	})
	var ids []string
	for inv, err := range client.User.Invites.All(context.Background()) {
		require.NoError(t, err)
		ids = append(ids, inv.ID)
	}
	assert.Equal(t, []string{fmt.Sprintf("%032d", 1), fmt.Sprintf("%032d", 2), fmt.Sprintf("%032d", 3)}, ids)
	assert.Equal(t, []string{"", "page=2&per_page=50", "page=3&per_page=50"}, queries(srv))
}

func TestInviteService_All_StopsWhenTheLoopBreaks(t *testing.T) {
	t.Parallel()
	pages := []listPage{
		{2, &ResultInfo{Page: 1, PerPage: 2, Count: 2, TotalCount: 6}, 0},
		{2, &ResultInfo{Page: 2, PerPage: 2, Count: 2, TotalCount: 6}, 0},
		{2, &ResultInfo{Page: 3, PerPage: 2, Count: 2, TotalCount: 6}, 0},
	}
	tests := []struct {
		breakAfter int
		wantPages  int64
	}{
		{breakAfter: 1, wantPages: 1},
		{breakAfter: 2, wantPages: 1},
		{breakAfter: 3, wantPages: 2},
		{breakAfter: 6, wantPages: 3},
	}
	for _, tt := range tests {
		onWires(t, "after "+strconv.Itoa(tt.breakAfter), func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			all, bodies := pagedInvites(t, pages)
			servePages(t, srv, bodies)

			var got []Invite
			for inv, err := range client.User.Invites.All(context.Background()) {
				require.NoError(t, err)
				got = append(got, inv)
				if len(got) == tt.breakAfter {
					break
				}
			}

			assert.Equal(t, all[:tt.breakAfter], got)
			assert.EqualValues(t, tt.wantPages, srv.count())
		})
	}
}

func TestInviteService_All_YieldsAnErrorOnce(t *testing.T) {
	t.Parallel()
	client, srv := setup(t)
	first := successJSON(t, map[string]any{
		"result":      []Invite{referenceInvite(), referenceInvite()},
		"result_info": ResultInfo{Page: 1, PerPage: 2, Count: 2, TotalCount: 4},
	})
	failure := fixture(t, "core-forbidden.json")
	srv.mux.HandleFunc("GET /user/invites", func(w http.ResponseWriter, r *http.Request) {
		if requestedPage(r) == 1 {
			reply(w, http.StatusOK, first)
			return
		}
		reply(w, http.StatusForbidden, failure)
	})

	var invites int
	var errs []error
	// The loop never breaks: the iterator alone must end after the error.
	for inv, err := range client.User.Invites.All(context.Background()) {
		if err != nil {
			assert.Zero(t, inv, "an error comes with a zero invitation")
			errs = append(errs, err)
			continue
		}
		assert.Empty(t, errs, "an invitation came after the error")
		invites++
	}

	assert.Equal(t, 2, invites)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrForbidden)
	assert.EqualValues(t, 2, srv.count())
}

// errorCase is an API error response and what the client must make of it.
type errorCase struct {
	name       string
	status     int
	fixture    string
	retryAfter string
	sentinel   error // the status sentinel it must match, or nil
	codes      []int // Cloudflare codes HasCode must find
	wantErrors []ResponseInfo
	wantMsgs   []ResponseInfo
}

func apiErrorCases() []errorCase {
	return []errorCase{
		{
			name: "404 not found", status: http.StatusNotFound, fixture: "core-not-found.json",
			sentinel: ErrNotFound, codes: []int{7003},
			wantErrors: []ResponseInfo{{
				Code:             7003,
				Message:          "Could not route to /user/invites/4f5f0c14a2a41d5063dd301b2f829f04, perhaps your object identifier is invalid?",
				DocumentationURL: "https://developers.cloudflare.com/api/",
				Source:           ErrorSource{Pointer: "/invite_id"},
			}},
			wantMsgs: []ResponseInfo{{
				Code:             10001,
				Message:          "See the API reference for identifiers.",
				DocumentationURL: "https://developers.cloudflare.com/fundamentals/api/",
				Source:           ErrorSource{Pointer: "/"},
			}},
		},
		{
			name: "401 unauthorized", status: http.StatusUnauthorized, fixture: "core-unauthorized.json",
			sentinel: ErrUnauthorized, codes: []int{10000},
			wantErrors: []ResponseInfo{{Code: 10000, Message: "Authentication error"}},
			wantMsgs:   []ResponseInfo{},
		},
		{
			name: "403 forbidden", status: http.StatusForbidden, fixture: "core-forbidden.json",
			sentinel: ErrForbidden, codes: []int{9103},
			wantErrors: []ResponseInfo{{Code: 9103, Message: "Unknown X-Auth-Key or X-Auth-Email"}},
			wantMsgs:   []ResponseInfo{},
		},
		{
			name: "429 rate limited", status: http.StatusTooManyRequests, fixture: "core-rate-limited.json",
			retryAfter: "120", sentinel: ErrRateLimited, codes: []int{971},
			wantErrors: []ResponseInfo{{Code: 971, Message: "Please wait and consider throttling your request speed"}},
			wantMsgs:   []ResponseInfo{},
		},
		{
			name: "400 with error_chain", status: http.StatusBadRequest, fixture: "core-error-chain.json",
			codes: []int{6003, 6103},
			wantErrors: []ResponseInfo{{
				Code: 6003, Message: "Invalid request headers",
				ErrorChain: []ResponseInfo{{Code: 6103, Message: "Invalid format for X-Auth-Key header"}},
			}},
			wantMsgs: []ResponseInfo{},
		},
	}
}

func TestInviteService_APIErrors(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrRateLimited}
	for _, m := range inviteMethods() {
		for _, ec := range apiErrorCases() {
			onWires(t, m.name+"/"+ec.name, func(t *testing.T, w wire) {
				client, srv := w.setup(t)
				body := fixture(t, ec.fixture)
				srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
					if ec.retryAfter != "" {
						w.Header().Set("Retry-After", ec.retryAfter)
					}
					reply(w, ec.status, body)
				})

				gotResult, err := m.call(context.Background(), client.User.Invites, WithMaxRetries(0))

				assert.False(t, gotResult, "a result came with the error")
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, ec.status, ae.StatusCode)
				assert.Equal(t, m.method, ae.Method)
				assert.Equal(t, m.path, ae.Path)
				assert.Equal(t, testRayID, ae.RayID)
				assert.Equal(t, ec.wantErrors, ae.Errors)
				assert.Equal(t, ec.wantMsgs, ae.Messages)
				assert.Empty(t, ae.Body, "Body is only for responses that are not the envelope")
				assert.Equal(t, 1, ae.Attempts)
				if ec.retryAfter != "" {
					assert.Equal(t, 120*time.Second, ae.RetryAfter)
				}
				for _, code := range ec.codes {
					assert.True(t, ae.HasCode(code), "HasCode(%d)", code)
				}
				assert.False(t, ae.HasCode(1), "HasCode of a code not sent")
				for _, s := range sentinels {
					assert.Equal(t, s == ec.sentinel, errors.Is(err, s), "errors.Is(err, %v)", s)
				}
				assert.NotErrorIs(t, err, ErrValidation)
				assert.NotErrorIs(t, err, ErrUnexpectedResponse)
				assertErrorNames(t, err, m.method, m.path)
				assert.Contains(t, err.Error(), strconv.Itoa(ec.wantErrors[0].Code)+" "+ec.wantErrors[0].Message)
				assert.Contains(t, err.Error(), testRayID)
				got := srv.only(t)
				assert.Equal(t, m.query, got.RawQuery)
			})
		}
	}
}

// badInviteIDs are invite IDs the client must refuse before any I/O.
var badInviteIDs = []struct{ name, id string }{
	{"empty", ""},
	{"33 characters", strings.Repeat("a", 33)},
	{"path traversal", "abc/../../tokens"},
	{"space", "a b"},
	{"non-ASCII", "é"},
	{"percent-encoded dot", "%2e"},
	{"newline", "abc\ndef"},
	{"query", "abc?page=2"},
	{"fragment", "abc#x"},
	{"dot segment", ".."},
}

// badArgCase is a call with a bad argument and the field the error must name.
type badArgCase struct {
	name   string
	op     string
	field  string
	secret string // a part of the argument that must not appear in the error
	call   func(ctx context.Context, s *InviteService) (bool, error)
}

func badArgumentCases() []badArgCase {
	var cases []badArgCase
	idMethods := []struct {
		name string
		op   string
		call func(ctx context.Context, s *InviteService, id string) (*Invite, error)
	}{
		{"Edit", opEdit, func(ctx context.Context, s *InviteService, id string) (*Invite, error) {
			return s.Edit(ctx, id, InviteEditParams{Status: InviteStatusAccepted})
		}},
		{"Accept", opEdit, func(ctx context.Context, s *InviteService, id string) (*Invite, error) { return s.Accept(ctx, id) }},
		{"Reject", opEdit, func(ctx context.Context, s *InviteService, id string) (*Invite, error) { return s.Reject(ctx, id) }},
		{"Get", opGet, func(ctx context.Context, s *InviteService, id string) (*Invite, error) { return s.Get(ctx, id) }},
	}
	for _, m := range idMethods {
		for _, bad := range badInviteIDs {
			cases = append(cases, badArgCase{
				name: m.name + "/invite_id " + bad.name, op: m.op, field: "invite_id", secret: bad.id,
				call: func(ctx context.Context, s *InviteService) (bool, error) {
					inv, err := m.call(ctx, s, bad.id)
					return inv != nil, err
				},
			})
		}
	}
	for _, status := range []InviteStatus{"bogus", "", InviteStatusPending, InviteStatusExpired, "Accepted", "accepted "} {
		cases = append(cases, badArgCase{
			name: "Edit/status " + strconv.Quote(string(status)), op: opEdit, field: "status",
			call: func(ctx context.Context, s *InviteService) (bool, error) {
				inv, err := s.Edit(ctx, testInviteID, InviteEditParams{Status: status})
				return inv != nil, err
			},
		})
	}
	for _, params := range []InviteListParams{{Page: -1}, {PerPage: -1}, {Page: -2, PerPage: -50}} {
		cases = append(cases, badArgCase{
			name: "List/" + strconv.Itoa(params.Page) + "," + strconv.Itoa(params.PerPage), op: opList, field: "params",
			call: func(ctx context.Context, s *InviteService) (bool, error) {
				invs, info, err := s.List(ctx, &params)
				return invs != nil || info != nil, err
			},
		})
	}
	return cases
}

func TestInviteService_BadArguments(t *testing.T) {
	t.Parallel()
	for _, tt := range badArgumentCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t)

			gotResult, err := tt.call(context.Background(), client.User.Invites)

			assert.False(t, gotResult)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Equal(t, tt.op, ve.Op)
			assert.Equal(t, tt.field, ve.Field)
			assert.NotEmpty(t, ve.Reason)
			assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: "+tt.op+": invalid "+tt.field+": "), "error %q", err)
			if len(tt.secret) > 2 {
				assert.NotContains(t, err.Error(), tt.secret, "the error repeats the rejected value")
			}
			assert.Zero(t, srv.count(), "a request was sent")
		})
	}
}

func TestInviteService_BadRequestOptions(t *testing.T) {
	t.Parallel()
	options := []struct {
		name  string
		opt   RequestOption
		field string
	}{
		{"nil", nil, "RequestOption"},
		{"WithTimeout(0)", WithTimeout(0), "WithTimeout"},
		{"WithMaxRetries(-1)", WithMaxRetries(-1), "WithMaxRetries"},
		{"WithHeader(Authorization)", WithHeader("Authorization", "Bearer other"), "WithHeader"},
	}
	for _, m := range inviteMethods() {
		for _, o := range options {
			t.Run(m.name+"/"+o.name, func(t *testing.T) {
				t.Parallel()
				client, srv := setup(t)

				gotResult, err := m.call(context.Background(), client.User.Invites, o.opt)

				assert.False(t, gotResult)
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.ErrorIs(t, err, ErrValidation)
				assert.Equal(t, o.field, ve.Field)
				// The path in Op is relative to the base URL.
				assert.Equal(t, m.method+" "+strings.TrimPrefix(m.path, apiPrefix), ve.Op)
				assert.True(t, strings.HasPrefix(err.Error(), "cloudflare: "+ve.Op+": "), "error %q", err)
				assert.Zero(t, srv.count(), "a request was sent")
			})
		}
	}
}

func TestInviteService_TransportFailure(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			client, err := NewClient(WithBaseURL(closedServerURL(t)), WithAPIToken(testAPIToken),
				WithRetryBackoff(time.Millisecond, time.Millisecond))
			require.NoError(t, err)

			gotResult, err := m.call(context.Background(), client.User.Invites)

			assert.False(t, gotResult)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			var opErr *net.OpError
			require.ErrorAs(t, err, &opErr, "the cause is kept")
			assert.Equal(t, "dial", opErr.Op)
			assert.Equal(t, m.method, re.Method)
			assert.Equal(t, m.path, re.Path)
			assert.Equal(t, 1+DefaultMaxRetries, re.Attempts, "a refused connection is retried")
			assertErrorNames(t, err, m.method, m.path)
			assert.NotContains(t, err.Error(), testAPIToken)
			assert.NotErrorIs(t, err, ErrUnexpectedResponse)
		})
	}
}

func TestInviteService_ContextFailure(t *testing.T) {
	t.Parallel()
	for _, m := range inviteMethods() {
		onWires(t, m.name+"/canceled", func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()

			gotResult, err := m.call(ctx, client.User.Invites)

			assert.False(t, gotResult)
			assert.ErrorIs(t, err, context.Canceled)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 1, re.Attempts, "a canceled call is not retried")
			assertErrorNames(t, err, m.method, m.path)
			assert.Zero(t, srv.count(), "a request was sent with a canceled context")
		})
		onWires(t, m.name+"/deadline", func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()

			start := time.Now()
			gotResult, err := m.call(ctx, client.User.Invites)

			assert.Less(t, time.Since(start), 5*time.Second)
			assert.False(t, gotResult)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 1, re.Attempts, "a call past its deadline is not retried")
			assertErrorNames(t, err, m.method, m.path)
			// On a loaded machine the deadline may pass before the request
			// reaches the server; it must never be sent twice.
			assert.LessOrEqual(t, srv.count(), 1)
		})
	}
}

// TestInviteService_Edit_ReconcilesAnUncertainResponse covers the documented
// recovery of Edit: an attempt whose outcome is unknown (here a 502) is
// retried; when the retry is refused because the invitation was already
// answered, Edit reads it and succeeds if the status is the one asked for.
func TestInviteService_Edit_ReconcilesAnUncertainResponse(t *testing.T) {
	t.Parallel()
	conflict := `{"success":false,"errors":[{"code":1001,"message":"invitation is no longer pending"}],"messages":[],"result":null}`
	tests := []struct {
		name       string
		first      int          // status of the first PATCH
		retry      int          // status of the retried PATCH
		readStatus InviteStatus // status the GET finds
		wantErr    int          // status of the error returned, or 0
		wantReqs   []string
	}{
		{
			name: "already accepted", first: http.StatusBadGateway, retry: http.StatusConflict, readStatus: InviteStatusAccepted,
			wantReqs: []string{"PATCH", "PATCH", "GET"},
		},
		{
			name: "answered otherwise", first: http.StatusBadGateway, retry: http.StatusConflict, readStatus: InviteStatusRejected,
			wantErr: http.StatusConflict, wantReqs: []string{"PATCH", "PATCH", "GET"},
		},
		{
			name: "a certain refusal is not reconciled", first: http.StatusConflict, wantErr: http.StatusConflict,
			wantReqs: []string{"PATCH"},
		},
		{
			name: "a 404 on the retry is not reconciled", first: http.StatusServiceUnavailable, retry: http.StatusNotFound,
			wantErr: http.StatusNotFound, wantReqs: []string{"PATCH", "PATCH"},
		},
		{
			name: "a 403 on the retry is not reconciled", first: http.StatusInternalServerError, retry: http.StatusForbidden,
			wantErr: http.StatusForbidden, wantReqs: []string{"PATCH", "PATCH"},
		},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			client, srv := w.setup(t)
			read := referenceInvite()
			read.Status = tt.readStatus
			readBody := inviteEnvelope(t, read)
			var patches atomic.Int32
			srv.mux.HandleFunc("PATCH /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				if patches.Add(1) == 1 {
					replyString(w, tt.first, conflict)
					return
				}
				replyString(w, tt.retry, conflict)
			})
			srv.mux.HandleFunc("GET /user/invites/{id}", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, readBody)
			})

			inv, err := client.User.Invites.Accept(context.Background(), testInviteID)

			var methods []string
			for _, r := range srv.requests() {
				methods = append(methods, r.Method)
				assert.Equal(t, invitePath, r.Path)
			}
			assert.Equal(t, tt.wantReqs, methods)
			if tt.wantErr != 0 {
				assert.Nil(t, inv)
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.wantErr, ae.StatusCode)
				assert.True(t, ae.HasCode(1001))
				return
			}
			require.NoError(t, err)
			require.NotNil(t, inv)
			assert.Equal(t, read, *inv)
		})
	}
}

// TestInviteService_MethodsAreCovered fails when InviteService gains a
// method that inviteMethods, and so the shared checks above, do not cover.
func TestInviteService_MethodsAreCovered(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, m := range inviteMethods() {
		covered[m.name] = true
	}
	typ := reflect.TypeOf(&InviteService{})
	require.Positive(t, typ.NumMethod())
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		assert.True(t, covered[name], "InviteService.%s is not in inviteMethods", name)
	}
}

// TestInvite_DecodesReferenceExample decodes the example response of the API
// reference page (testdata/invite-response.json, verbatim) field for field.
func TestInvite_DecodesReferenceExample(t *testing.T) {
	t.Parallel()
	var env envelope[Invite]
	require.NoError(t, json.Unmarshal(fixture(t, "invite-response.json"), &env))

	assert.Equal(t, presence{set: true, value: true}, env.Success)
	wantInfo := []ResponseInfo{{Code: 1000, Message: "message", DocumentationURL: "documentation_url", Source: ErrorSource{Pointer: "pointer"}}}
	assert.Equal(t, wantInfo, env.Errors)
	assert.Equal(t, wantInfo, env.Messages)
	require.NotNil(t, env.Result)
	inv := *env.Result
	at := time.Date(2014, time.January, 1, 5, 20, 0, 0, time.UTC)
	assert.Equal(t, "4f5f0c14a2a41d5063dd301b2f829f04", inv.ID)
	assert.Equal(t, "5a7805061c76ada191ed06f989cc3dac", inv.InvitedMemberID)
	assert.Equal(t, "5a7805061c76ada191ed06f989cc3dac", inv.OrganizationID)
	assert.True(t, inv.ExpiresOn.Equal(at), "expires_on %v", inv.ExpiresOn)
	assert.True(t, inv.InvitedOn.Equal(at), "invited_on %v", inv.InvitedOn)
	assert.Equal(t, "user@example.com", inv.InvitedBy)
	assert.Equal(t, "user@example.com", inv.InvitedMemberEmail)
	assert.True(t, inv.OrganizationIsEnforcingTwofactor)
	assert.Equal(t, "Cloudflare, Inc.", inv.OrganizationName)
	assert.Equal(t, []string{"Account Administrator"}, inv.Roles)
	assert.Equal(t, InviteStatusAccepted, inv.Status)
	assert.Equal(t, referenceInvite(), inv)

	// Every field was set by the example, so none of the checks above
	// passed on a zero value, and a field added to Invite but missing from
	// the example fails here.
	v := reflect.ValueOf(inv)
	for i := range v.NumField() {
		assert.False(t, v.Field(i).IsZero(), "Invite.%s was not decoded", v.Type().Field(i).Name)
	}
}

// inviteStore is a one-invite fake: PATCH answers a pending invite
// and refuses an answered one with 400; faults[i] disturbs the i-th PATCH.
type inviteStore struct {
	mu        sync.Mutex
	status    InviteStatus
	patches   int
	faults    []string
	getStatus int // when not 0, GET responds with this status
}

// newStoreClient serves a pending invitation from an inviteStore with the
// faults and getStatus given, on the wire, and returns a token client of it.
func newStoreClient(t *testing.T, w wire, faults []string, getStatus int) (*Client, *testServer) {
	t.Helper()
	fake := &inviteStore{status: InviteStatusPending, faults: faults, getStatus: getStatus}
	srv := w.server(t, fake.handle)
	return newTestClient(t, srv, WithAPIToken(testAPIToken)), srv
}

const notPendingCode = 1001 // this fake's choice: the API's code is undocumented

func (f *inviteStore) handle(w http.ResponseWriter, r *http.Request, req recordedRequest) {
	f.mu.Lock()
	if r.Method == http.MethodGet {
		status, getStatus := f.status, f.getStatus
		f.mu.Unlock()
		if getStatus != 0 {
			writeStatus(w, getStatus)
			return
		}
		replyString(w, 200, inviteBody(testInviteID, status))
		return
	}
	fault := ""
	if f.patches < len(f.faults) {
		fault = f.faults[f.patches]
	}
	f.patches++
	var asked InviteEditParams
	_ = json.Unmarshal([]byte(req.Body), &asked)
	other := strings.HasSuffix(fault, "-other") // someone else answered the other way
	fault = strings.TrimSuffix(fault, "-other")
	switch fault {
	case "400", "403", "404", "429":
		f.mu.Unlock()
		code, _ := strconv.Atoi(fault)
		writeStatus(w, code)
		return
	}
	applied := f.status == InviteStatusPending
	if applied {
		f.status = asked.Status
		if other {
			f.status = map[InviteStatus]InviteStatus{InviteStatusAccepted: InviteStatusRejected, InviteStatusRejected: InviteStatusAccepted}[asked.Status]
		}
	}
	status := f.status
	f.mu.Unlock()
	switch fault {
	case "drop":
		dropConn(w)
	case "503", "500", "502":
		code, _ := strconv.Atoi(fault)
		writeStatus(w, code)
	case "slow":
		blockUntilGone(r)
	default:
		if !applied {
			replyString(w, 400, errorBody(notPendingCode, "Invite is not pending"))
			return
		}
		replyString(w, 200, inviteBody(testInviteID, status))
	}
}

func TestInviteService_Edit_ReconcilesAfterAnUncertainAttempt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  string
		status InviteStatus
		opts   []RequestOption
	}{
		{"connection dropped after accept", "drop", InviteStatusAccepted, nil},
		{"connection dropped after reject", "drop", InviteStatusRejected, nil},
		{"503 after accept", "503", InviteStatusAccepted, nil},
		{"500 after reject", "500", InviteStatusRejected, nil},
		{"502 html after accept", "502", InviteStatusAccepted, nil},
		{"attempt timeout after accept", "slow", InviteStatusAccepted, []RequestOption{WithTimeout(200 * time.Millisecond)}},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			fake := &inviteStore{status: InviteStatusPending, faults: []string{tt.fault}}
			srv := w.server(t, fake.handle)
			c := newTestClient(t, srv, WithAPIToken(testAPIToken))
			inv, err := c.User.Invites.Edit(context.Background(), testInviteID, InviteEditParams{Status: tt.status}, tt.opts...)
			require.NoError(t, err)
			require.NotNil(t, inv)
			assert.Equal(t, tt.status, inv.Status)
			assert.Equal(t, testInviteID, inv.ID)
			assert.Equal(t, []string{"PATCH", "PATCH", "GET"}, srv.methods())
			reqs := srv.requests()
			want := `{"status":"` + string(tt.status) + `"}`
			assert.Equal(t, want, reqs[0].Body)
			assert.Equal(t, want, reqs[1].Body, "the retry sends the same body")
			assert.Equal(t, "/client/v4/user/invites/"+testInviteID, reqs[2].Path)
		})
	}
}

func TestInviteService_Edit_ReconcileRefusesAMismatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		faults      []string
		getStatus   int
		wantMethods []string
		wantStatus  int
		wantAttempt int
	}{
		{"status differs after drop", []string{"drop-other"}, 0, []string{"PATCH", "PATCH", "GET"}, 400, 2},
		{"status differs after 503", []string{"503-other"}, 0, []string{"PATCH", "PATCH", "GET"}, 400, 2},
		{"status differs after timeout", []string{"slow-other"}, 0, []string{"PATCH", "PATCH", "GET"}, 400, 2},
		{"plain 400 first: no read", []string{"400"}, 0, []string{"PATCH"}, 400, 1},
		{"plain 404 first: no read", []string{"404"}, 0, []string{"PATCH"}, 404, 1},
		{"uncertain then 404: no read", []string{"drop", "404"}, 0, []string{"PATCH", "PATCH"}, 404, 2},
		{"uncertain then 403: no read", []string{"503", "403"}, 0, []string{"PATCH", "PATCH"}, 403, 2},
		{"read fails: original error", []string{"drop"}, 500, []string{"PATCH", "PATCH", "GET", "GET", "GET"}, 400, 2},
		{"read 404: original error", []string{"drop"}, 404, []string{"PATCH", "PATCH", "GET"}, 400, 2},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			fake := &inviteStore{status: InviteStatusPending, faults: tt.faults, getStatus: tt.getStatus}
			srv := w.server(t, fake.handle)
			c := newTestClient(t, srv, WithAPIToken(testAPIToken))
			inv, err := c.User.Invites.Accept(context.Background(), testInviteID, WithTimeout(200*time.Millisecond))
			assert.Nil(t, inv)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.wantStatus, ae.StatusCode)
			assert.Equal(t, http.MethodPatch, ae.Method, "the PATCH's error, not the read's")
			assert.Equal(t, tt.wantAttempt, ae.Attempts)
			assert.Equal(t, tt.wantMethods, srv.methods())
		})
	}
}

// TestInviteService_Edit_OutcomeUnknown: after an attempt whose outcome was
// lost, a call that ends without a confirmed result says so, whatever ended
// it; a call whose attempts could not have acted never does.
func TestInviteService_Edit_OutcomeUnknown(t *testing.T) {
	t.Parallel()
	background := func(*testing.T) context.Context { return context.Background() }
	withTimeout := func(d time.Duration) func(*testing.T) context.Context {
		return func(t *testing.T) context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			t.Cleanup(cancel)
			return ctx
		}
	}
	cancelAfter := func(d time.Duration) func(*testing.T) context.Context {
		return func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			stop := time.AfterFunc(d, cancel)
			t.Cleanup(func() { stop.Stop(); cancel() })
			return ctx
		}
	}
	cancelled := func(*testing.T) context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	longWait := WithRetryBackoff(10*time.Second, 10*time.Second)
	tests := []struct {
		name        string
		faults      []string
		getStatus   int
		ctx         func(*testing.T) context.Context
		opts        []RequestOption
		wantUnknown bool
		wantErr     error // matched with errors.Is, besides ErrOutcomeUnknown
		wantStatus  int   // of the *APIError the error wraps, or 0 for a *RequestError
	}{
		{"503 until the retries run out", []string{"503", "503", "503"}, 0, background, nil, true, nil, 503},
		{"connection lost, then the reconciling read fails", []string{"drop"}, 500, background, nil, true, nil, 400},
		{"connection lost, then a 403", []string{"drop", "403"}, 0, background, nil, true, ErrForbidden, 403},
		{"the caller's deadline while the PATCH is in flight", []string{"slow"}, 0, withTimeout(150 * time.Millisecond), nil, true, context.DeadlineExceeded, 0},
		{"cancelled during the wait after a 502", []string{"502"}, 0, cancelAfter(300 * time.Millisecond), []RequestOption{longWait}, true, context.Canceled, 0},
		{"a wait that would outlast the deadline after a 500", []string{"500"}, 0, withTimeout(2 * time.Second), []RequestOption{longWait}, true, nil, 500},
		{"429, then refused: the server never acted on the first", []string{"429", "400"}, 0, background, nil, false, nil, 400},
		{"refused at once", []string{"400"}, 0, background, nil, false, nil, 400},
		{"connection lost, and the read shows another answer", []string{"drop-other"}, 0, background, nil, false, nil, 400},
		{"the caller's context ended before anything was sent", nil, 0, cancelled, nil, false, context.Canceled, 0},
	}
	for _, tt := range tests {
		onWires(t, tt.name, func(t *testing.T, w wire) {
			c, _ := newStoreClient(t, w, tt.faults, tt.getStatus)

			inv, err := c.User.Invites.Accept(tt.ctx(t), testInviteID, tt.opts...)

			assert.Nil(t, inv)
			require.Error(t, err)
			assert.Equal(t, tt.wantUnknown, errors.Is(err, ErrOutcomeUnknown), "outcome unknown: %v", err)
			assert.Equal(t, tt.wantUnknown, strings.Contains(err.Error(), "outcome unknown"), err.Error())
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			if tt.wantStatus != 0 {
				var ae *APIError
				require.ErrorAs(t, err, &ae, "the concrete error is still reachable")
				assert.Equal(t, tt.wantStatus, ae.StatusCode)
				assert.Equal(t, http.MethodPatch, ae.Method)
				return
			}
			var re *RequestError
			require.ErrorAs(t, err, &re, "the concrete error is still reachable")
		})
	}
}
