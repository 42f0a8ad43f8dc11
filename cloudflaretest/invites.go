package cloudflaretest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// IDs of the seed invitations, which a new Server holds unless
// [WithoutSeed] or [WithSeed] is given. [SeedInvites] returns them in full.
const (
	// SeedInviteID is the invitation of the API reference's example
	// (organization "Cloudflare, Inc.", role "Account Administrator"), but
	// pending, and expiring on 2099-01-01 instead of on the day it was sent,
	// so it can be answered.
	SeedInviteID = "4f5f0c14a2a41d5063dd301b2f829f04"
	// SeedPendingInviteID is a second pending invitation, to "Acme Corp",
	// whose invited_member_id is null.
	SeedPendingInviteID = "b3e1c7a29d5f4e80a6c2d9f1e4b7a035"
	// SeedAcceptedInviteID is an invitation already accepted, to "Globex
	// Corporation"; answering it gets 400 with code 1101 (the
	// fake's own status and code: Cloudflare documents none).
	SeedAcceptedInviteID = "d7a4f0b2c6e94a1f8b3d5e7c9a0f2b46"
	// SeedExpiredInviteID is an invitation to "Initech" that was never
	// answered and expired on 2020-01-08: it reads as expired, and answering
	// it gets 400 with code 1102 (the fake's own status and code:
	// Cloudflare documents none).
	SeedExpiredInviteID = "e2c9b5a1f7d34b6e9c0a8f1d3b5e7c92"
)

// SeedInvites returns a fresh copy of the invitations a new Server holds,
// in the order it lists them. Their InvitedMemberEmail is [DefaultEmail].
func SeedInvites() []cloudflare.Invite {
	day := func(s string) time.Time {
		t, _ := time.Parse(time.RFC3339, s)
		return t
	}
	pending, accepted := cloudflare.InviteStatusPending, cloudflare.InviteStatusAccepted
	return []cloudflare.Invite{
		{ID: SeedInviteID, InvitedMemberID: "5a7805061c76ada191ed06f989cc3dac", OrganizationID: "5a7805061c76ada191ed06f989cc3dac",
			InvitedOn: day("2014-01-01T05:20:00Z"), ExpiresOn: day("2099-01-01T05:20:00Z"), InvitedBy: "user@example.com",
			InvitedMemberEmail: DefaultEmail, OrganizationIsEnforcingTwofactor: true, OrganizationName: "Cloudflare, Inc.",
			Roles: []string{"Account Administrator"}, Status: pending},
		{ID: SeedPendingInviteID, OrganizationID: "0c8e5f2a7b9d4c1e3f6a8b0d2e4c6a81",
			InvitedOn: day("2025-06-01T09:30:00Z"), ExpiresOn: day("2099-06-08T09:30:00Z"), InvitedBy: "admin@acme.example.com",
			InvitedMemberEmail: DefaultEmail, OrganizationName: "Acme Corp",
			Roles: []string{"Administrator Read Only", "Billing"}, Status: pending},
		{ID: SeedAcceptedInviteID, InvitedMemberID: "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e", OrganizationID: "3e5a7c9b1d2f4a6c8e0b2d4f6a8c1e3b",
			InvitedOn: day("2024-03-10T12:00:00Z"), ExpiresOn: day("2024-03-17T12:00:00Z"), InvitedBy: "it@globex.example.com",
			InvitedMemberEmail: DefaultEmail, OrganizationIsEnforcingTwofactor: true, OrganizationName: "Globex Corporation",
			Roles: []string{"Administrator"}, Status: accepted},
		{ID: SeedExpiredInviteID, InvitedMemberID: "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e", OrganizationID: "9b1d3f5a7c2e4b6d8f0a1c3e5b7d9f2a",
			InvitedOn: day("2020-01-01T08:00:00Z"), ExpiresOn: day("2020-01-08T08:00:00Z"), InvitedBy: "bill.lumbergh@initech.example.com",
			InvitedMemberEmail: DefaultEmail, OrganizationName: "Initech",
			Roles: []string{"DNS"}, Status: pending},
	}
}

// AddInvite stores inv and returns it as stored, with defaults for its
// empty fields: 32 random hexadecimal digits for ID and OrganizationID, the
// fake's clock for InvitedOn, a week after InvitedOn for ExpiresOn,
// "owner@example.com" for InvitedBy, the fake's email for
// InvitedMemberEmail, "Example Organization" for OrganizationName,
// ["Administrator"] for nil Roles (an empty, non-nil slice is kept and sent
// as []) and pending for Status. An empty InvitedMemberID is sent as null.
// Times are kept in UTC to the second, as the API sends them. An invite with
// the ID of a stored one replaces it in place.
//
// AddInvite panics if inv breaks the schema (a field over its maximum
// length, an unknown status) or has an ID the fake could not route to (1 to
// 32 ASCII letters, digits, '-' or '_'): the real API never sends such an
// invitation.
func (s *Server) AddInvite(inv cloudflare.Invite) cloudflare.Invite {
	s.mu.Lock()
	defer s.mu.Unlock()
	orDefault := func(p *string, def string) {
		if *p == "" {
			*p = def
		}
	}
	for inv.ID == "" {
		if id := randomHex(); s.invites[id] == nil {
			inv.ID = id
		}
	}
	orDefault(&inv.OrganizationID, randomHex())
	orDefault(&inv.InvitedBy, "owner@example.com")
	orDefault(&inv.InvitedMemberEmail, cmp.Or(s.cfg.email, DefaultEmail))
	orDefault(&inv.OrganizationName, "Example Organization")
	if inv.InvitedOn.IsZero() {
		inv.InvitedOn = s.now()
	}
	inv.InvitedOn = inv.InvitedOn.UTC().Truncate(time.Second)
	if inv.ExpiresOn.IsZero() {
		inv.ExpiresOn = inv.InvitedOn.Add(7 * 24 * time.Hour)
	}
	inv.ExpiresOn = inv.ExpiresOn.UTC().Truncate(time.Second)
	if inv.Roles == nil {
		inv.Roles = []string{"Administrator"}
	}
	inv.Status = cmp.Or(inv.Status, cloudflare.InviteStatusPending)
	if reason := checkInvite(inv, false); reason != "" {
		panic("cloudflaretest: AddInvite: " + reason)
	}
	if _, ok := s.invites[inv.ID]; !ok {
		s.order = append(s.order, inv.ID)
	}
	stored := copyInvite(inv)
	s.invites[inv.ID] = &stored
	return copyInvite(inv)
}

// randomHex returns 32 random lowercase hexadecimal digits.
func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// checkInvite returns how inv breaks the schema, or "". With partial, an
// empty ID or Status passes, as AddInvite fills them in.
func checkInvite(inv cloudflare.Invite, partial bool) string {
	type limit struct {
		field, value string
		max          int
	}
	limits := []limit{{"InvitedMemberID", inv.InvitedMemberID, 32}, {"OrganizationID", inv.OrganizationID, 32},
		{"InvitedBy", inv.InvitedBy, 90}, {"InvitedMemberEmail", inv.InvitedMemberEmail, 90}, {"OrganizationName", inv.OrganizationName, 100}}
	for _, r := range inv.Roles {
		limits = append(limits, limit{"Roles", r, 120})
	}
	for _, l := range limits {
		if n := utf8.RuneCountInString(l.value); n > l.max {
			return fmt.Sprintf("%s is %d characters long; the schema allows at most %d", l.field, n, l.max)
		}
	}
	known := []cloudflare.InviteStatus{cloudflare.InviteStatusPending, cloudflare.InviteStatusAccepted,
		cloudflare.InviteStatusRejected, cloudflare.InviteStatusExpired}
	switch {
	case !validID(inv.ID) && !(partial && inv.ID == ""):
		return "ID must be 1 to 32 ASCII letters, digits, '-' or '_'"
	case !slices.Contains(known, inv.Status) && !(partial && inv.Status == ""):
		return fmt.Sprintf("unknown Status %q", inv.Status)
	}
	return ""
}

func copyInvite(inv cloudflare.Invite) cloudflare.Invite {
	inv.Roles = slices.Clone(inv.Roles)
	return inv
}

// Invite returns the invitation with the given ID as the API would show it
// now (a pending invitation past its ExpiresOn is expired), and whether the
// fake holds it.
func (s *Server) Invite(id string) (cloudflare.Invite, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invites[id]
	if !ok {
		return cloudflare.Invite{}, false
	}
	s.expire(inv)
	return copyInvite(*inv), true
}

// Invites returns every invitation the fake holds, in the order the API
// lists them, as the API would show them now.
func (s *Server) Invites() []cloudflare.Invite {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]cloudflare.Invite, 0, len(s.order))
	for _, id := range s.order {
		inv := s.invites[id]
		s.expire(inv)
		out = append(out, copyInvite(*inv))
	}
	return out
}

// RemoveInvite deletes the invitation with the given ID and reports
// whether the fake held it. The fake then responds to requests for it as
// for any ID it never held: 404 with code 1100, the fake's own
// choice (the API reference does not say what the API responds for an
// invitation the organization withdrew).
func (s *Server) RemoveInvite(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.invites[id]; !ok {
		return false
	}
	delete(s.invites, id)
	s.order = slices.DeleteFunc(s.order, func(o string) bool { return o == id })
	return true
}

// expire marks a pending invitation whose ExpiresOn has passed as expired.
// It is called with s.mu held.
func (s *Server) expire(inv *cloudflare.Invite) {
	if inv.Status == cloudflare.InviteStatusPending && !s.now().Before(inv.ExpiresOn) {
		inv.Status = cloudflare.InviteStatusExpired
	}
}

// reply routes a request (to a route added with Handle first), authenticates
// it, runs its operation and returns the response to send. Routing comes
// first: a bad route or identifier is reported without looking at
// credentials.
func (s *Server) reply(in *incoming) response {
	if in.tooLarge {
		return failure(http.StatusRequestEntityTooLarge, info(1106, "Request body is larger than 65536 bytes"))
	}
	h, _ := s.routes.Handler(in.r)
	_, user := h.(userRoute)
	id, fail := "", response{}
	if !user {
		id, fail = s.route(in.r)
	}
	if fail.status == 0 {
		fail = s.authenticate(in.r.Header)
	}
	if fail.status != 0 {
		return fail
	}
	switch {
	case user:
		return s.serveRoute(in)
	case id == "":
		return s.list(in.r.URL.Query())
	case in.r.Method == http.MethodPatch:
		return s.edit(id, in)
	}
	if inv, ok := s.Invite(id); ok {
		return success(toWire(inv), nil)
	}
	return notFound()
}

// route matches the path and method of one of the fake's own routes, and
// returns the invite ID of the path ("" for the list), or an error response:
//
//	GET   /client/v4/user/invites
//	GET   /client/v4/user/invites/{invite_id}
//	PATCH /client/v4/user/invites/{invite_id}
func (s *Server) route(r *http.Request) (string, response) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), apiPrefix)
	segs := strings.Split(rest, "/")
	if !ok || len(segs) < 2 || len(segs) > 3 || segs[0] != "user" || segs[1] != "invites" || len(segs) == 3 && segs[2] == "" {
		return "", s.noRoute(r)
	}
	allow := http.MethodGet
	if len(segs) == 3 {
		allow += ", " + http.MethodPatch
	}
	if r.Method != http.MethodGet && (len(segs) == 2 || r.Method != http.MethodPatch) {
		return "", methodNotAllowed(r.Method, allow)
	}
	if len(segs) == 2 {
		return "", response{}
	}
	id, err := url.PathUnescape(segs[2])
	if err != nil || !validID(id) {
		return "", failure(http.StatusBadRequest, info(7003,
			"Could not route to /user/invites/"+segs[2]+", perhaps your object identifier is invalid?"))
	}
	return id, response{}
}

func methodNotAllowed(method, allow string) response {
	resp := failure(http.StatusMethodNotAllowed, info(7001, "Method "+method+" not available for that URI."))
	resp.header = http.Header{"Allow": {allow}}
	return resp
}

// validID reports whether id can name an invitation: 1 to 32 ASCII letters,
// digits, '-' or '_' (the schema's maxLength is 32).
func validID(id string) bool {
	return id != "" && len(id) <= 32 && strings.Trim(id, alphanumeric+"-_") == ""
}

// list serves GET /user/invites: every invitation in one response, or one
// page of them with WithPageSize.
func (s *Server) list(q url.Values) response {
	all := []*wireInvite{} // never null, even when empty
	for _, inv := range s.Invites() {
		all = append(all, toWire(inv))
	}
	if !s.cfg.paged {
		return success(all, &wireResultInfo{Page: 1, PerPage: len(all), Count: len(all), TotalCount: len(all)})
	}
	most := max(50, s.cfg.pageSize)
	page, ok1 := pagingParam(q, "page", 1, 1<<30)
	perPage, ok2 := pagingParam(q, "per_page", s.cfg.pageSize, most)
	if !ok1 || !ok2 {
		return failure(http.StatusBadRequest, info(1105, "Invalid paging: page must be a whole number of at least 1, per_page one from 1 to "+strconv.Itoa(most)))
	}
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	return success(all[start:end], &wireResultInfo{Page: page, PerPage: perPage, Count: end - start, TotalCount: len(all)})
}

// pagingParam reads a whole-number query parameter from 1 to hi, or def
// when it is absent.
func pagingParam(q url.Values, name string, def, hi int) (int, bool) {
	if _, present := q[name]; !present {
		return def, true
	}
	n, err := strconv.Atoi(q.Get(name))
	return n, err == nil && n >= 1 && n <= hi
}

func notFound() response {
	return failure(http.StatusNotFound, info(1100, "Invitation not found"))
}

// edit serves PATCH /user/invites/{invite_id}: it checks the Content-Type
// and body, then moves a pending, unexpired invitation to the status asked
// for.
func (s *Server) edit(id string, in *incoming) response {
	if mt, _, err := mime.ParseMediaType(in.r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return failure(http.StatusUnsupportedMediaType, info(1104, "Content-Type must be application/json"))
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(in.body, &body); err != nil || body == nil {
		return failure(http.StatusBadRequest, info(9207, "Request body is invalid."))
	}
	var status cloudflare.InviteStatus
	if err := json.Unmarshal(body["status"], &status); err != nil ||
		(status != cloudflare.InviteStatusAccepted && status != cloudflare.InviteStatusRejected) {
		e := info(1103, `status is required, and must be "accepted" or "rejected"`)
		e.Source = map[string]string{"pointer": "/status"}
		return failure(http.StatusBadRequest, e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invites[id]
	if !ok {
		return notFound()
	}
	s.expire(inv)
	switch inv.Status {
	case cloudflare.InviteStatusPending:
		inv.Status = status
		return success(toWire(*inv), nil)
	case cloudflare.InviteStatusExpired:
		return failure(http.StatusBadRequest, info(1102, "Invitation has expired"))
	}
	return failure(http.StatusBadRequest, info(1101, "Invitation has already been "+string(inv.Status)))
}
