package cloudflaretest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// The statuses an invitation can have: the SDK's constants under shorter
// names, for tests that use this package.
const (
	// StatusPending is an invitation not answered yet.
	StatusPending = cloudflare.InviteStatusPending
	// StatusAccepted is an invitation the user accepted.
	StatusAccepted = cloudflare.InviteStatusAccepted
	// StatusRejected is an invitation the user rejected.
	StatusRejected = cloudflare.InviteStatusRejected
	// StatusExpired is an invitation not answered before its ExpiresOn.
	StatusExpired = cloudflare.InviteStatusExpired
)

// Invite is an invitation as the fake stores it. It mirrors the schema's
// invite, with the fake's own field types. It encodes to and decodes from
// JSON as the API sends an invitation (see [Invite.MarshalJSON]), so a file
// of invitations saved from the API can seed the fake.
type Invite struct {
	// ID is the invite identifier tag: 1 to 32 ASCII letters, digits, '-'
	// or '_'. AddInvite fills in 32 random hexadecimal digits when empty.
	ID string
	// InvitedMemberID is the ID of the user to add (at most 32 characters);
	// empty is sent as null, which the schema allows.
	InvitedMemberID string
	// OrganizationID is the ID of the organization (at most 32 characters).
	// AddInvite fills in 32 random hexadecimal digits when empty.
	OrganizationID string
	// ExpiresOn is when the invitation stops being pending. AddInvite fills
	// in InvitedOn plus [DefaultInviteLifetime] when zero.
	ExpiresOn time.Time
	// InvitedOn is when the invitation was sent. AddInvite fills in the
	// server's clock when zero.
	InvitedOn time.Time
	// InvitedBy is the email address of the inviting user (at most 90
	// characters). AddInvite fills in "owner@example.com" when empty.
	InvitedBy string
	// InvitedMemberEmail is the email address of the invited user (at most
	// 90 characters). AddInvite fills in the fake's email when empty.
	InvitedMemberEmail string
	// OrganizationIsEnforcingTwofactor reports whether the organization
	// requires two-factor authentication.
	OrganizationIsEnforcingTwofactor bool
	// OrganizationName is the organization's name (at most 100 characters).
	// AddInvite fills in "Example Organization" when empty.
	OrganizationName string
	// Roles are the names of the membership's roles (each at most 120
	// characters). AddInvite fills in ["Administrator"] when nil; an empty,
	// non-nil slice is kept and sent as [].
	Roles []string
	// Status is one of [StatusPending], [StatusAccepted], [StatusRejected]
	// and [StatusExpired]. AddInvite fills in StatusPending when empty.
	Status cloudflare.InviteStatus
}

// DefaultInviteLifetime is how long after InvitedOn an invitation added
// without an ExpiresOn stays pending.
const DefaultInviteLifetime = 7 * 24 * time.Hour

// IDs of the seed invitations, which a new Server holds unless
// [WithoutSeed] is given. [SeedInvites] returns them in full.
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
	// Corporation"; answering it gets 400 with [CodeInviteNotPending] (the
	// fake's own status and code: Cloudflare documents none).
	SeedAcceptedInviteID = "d7a4f0b2c6e94a1f8b3d5e7c9a0f2b46"
	// SeedExpiredInviteID is an invitation to "Initech" that was never
	// answered and expired on 2020-01-08: it reads as expired, and answering
	// it gets 400 with [CodeInviteExpired] (the fake's own status and code:
	// Cloudflare documents none).
	SeedExpiredInviteID = "e2c9b5a1f7d34b6e9c0a8f1d3b5e7c92"
)

// SeedInvites returns a fresh copy of the invitations a new Server holds,
// in the order it lists them. Their InvitedMemberEmail is [DefaultEmail].
func SeedInvites() []Invite {
	day := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []Invite{{
		ID:                               SeedInviteID,
		InvitedMemberID:                  "5a7805061c76ada191ed06f989cc3dac",
		OrganizationID:                   "5a7805061c76ada191ed06f989cc3dac",
		ExpiresOn:                        day("2099-01-01T05:20:00Z"),
		InvitedOn:                        day("2014-01-01T05:20:00Z"),
		InvitedBy:                        "user@example.com",
		InvitedMemberEmail:               DefaultEmail,
		OrganizationIsEnforcingTwofactor: true,
		OrganizationName:                 "Cloudflare, Inc.",
		Roles:                            []string{"Account Administrator"},
		Status:                           StatusPending,
	}, {
		ID:                 SeedPendingInviteID,
		OrganizationID:     "0c8e5f2a7b9d4c1e3f6a8b0d2e4c6a81",
		ExpiresOn:          day("2099-06-08T09:30:00Z"),
		InvitedOn:          day("2025-06-01T09:30:00Z"),
		InvitedBy:          "admin@acme.example.com",
		InvitedMemberEmail: DefaultEmail,
		OrganizationName:   "Acme Corp",
		Roles:              []string{"Administrator Read Only", "Billing"},
		Status:             StatusPending,
	}, {
		ID:                               SeedAcceptedInviteID,
		InvitedMemberID:                  "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e",
		OrganizationID:                   "3e5a7c9b1d2f4a6c8e0b2d4f6a8c1e3b",
		ExpiresOn:                        day("2024-03-17T12:00:00Z"),
		InvitedOn:                        day("2024-03-10T12:00:00Z"),
		InvitedBy:                        "it@globex.example.com",
		InvitedMemberEmail:               DefaultEmail,
		OrganizationIsEnforcingTwofactor: true,
		OrganizationName:                 "Globex Corporation",
		Roles:                            []string{"Administrator"},
		Status:                           StatusAccepted,
	}, {
		ID:                 SeedExpiredInviteID,
		InvitedMemberID:    "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e",
		OrganizationID:     "9b1d3f5a7c2e4b6d8f0a1c3e5b7d9f2a",
		ExpiresOn:          day("2020-01-08T08:00:00Z"),
		InvitedOn:          day("2020-01-01T08:00:00Z"),
		InvitedBy:          "bill.lumbergh@initech.example.com",
		InvitedMemberEmail: DefaultEmail,
		OrganizationName:   "Initech",
		Roles:              []string{"DNS"},
		Status:             StatusPending,
	}}
}

// AddInvite stores inv, with defaults filled in for its empty fields (see
// [Invite]), and returns it as stored. Times are kept in UTC to the second,
// as the API sends them. An invite with the ID of a stored one replaces it
// in place.
//
// AddInvite panics if inv breaks the schema (a field over its maximum
// length, an unknown status) or has an ID the fake could not route to: the
// real API never sends such an invitation.
func (s *Server) AddInvite(inv Invite) Invite {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv = s.withDefaults(inv)
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

// withDefaults fills in the empty fields of inv. It is called with s.mu held.
func (s *Server) withDefaults(inv Invite) Invite {
	if inv.ID == "" {
		inv.ID = s.newID()
	}
	if inv.OrganizationID == "" {
		inv.OrganizationID = randomHex()
	}
	if inv.InvitedOn.IsZero() {
		inv.InvitedOn = s.now()
	}
	inv.InvitedOn = inv.InvitedOn.UTC().Truncate(time.Second)
	if inv.ExpiresOn.IsZero() {
		inv.ExpiresOn = inv.InvitedOn.Add(DefaultInviteLifetime)
	}
	inv.ExpiresOn = inv.ExpiresOn.UTC().Truncate(time.Second)
	if inv.InvitedBy == "" {
		inv.InvitedBy = "owner@example.com"
	}
	if inv.InvitedMemberEmail == "" {
		inv.InvitedMemberEmail = s.cfg.email
		if inv.InvitedMemberEmail == "" {
			inv.InvitedMemberEmail = DefaultEmail
		}
	}
	if inv.OrganizationName == "" {
		inv.OrganizationName = "Example Organization"
	}
	if inv.Roles == nil {
		inv.Roles = []string{"Administrator"}
	}
	if inv.Status == "" {
		inv.Status = StatusPending
	}
	return inv
}

// newID returns a random ID no stored invite has.
func (s *Server) newID() string {
	for {
		id := randomHex()
		if _, taken := s.invites[id]; !taken {
			return id
		}
	}
}

// randomHex returns 32 random lowercase hexadecimal digits.
func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// checkInvite returns how inv breaks the schema, or "". With partial, an
// empty ID or Status passes, as AddInvite fills them in.
func checkInvite(inv Invite, partial bool) string {
	limits := []struct {
		field, value string
		max          int
	}{
		{"InvitedMemberID", inv.InvitedMemberID, 32},
		{"OrganizationID", inv.OrganizationID, 32},
		{"InvitedBy", inv.InvitedBy, 90},
		{"InvitedMemberEmail", inv.InvitedMemberEmail, 90},
		{"OrganizationName", inv.OrganizationName, 100},
	}
	for _, r := range inv.Roles {
		limits = append(limits, struct {
			field, value string
			max          int
		}{"Roles", r, 120})
	}
	for _, l := range limits {
		if n := utf8.RuneCountInString(l.value); n > l.max {
			return fmt.Sprintf("%s is %d characters long; the schema allows at most %d", l.field, n, l.max)
		}
	}
	switch {
	case !validID(inv.ID) && !(partial && inv.ID == ""):
		return "ID must be 1 to 32 ASCII letters, digits, '-' or '_'"
	case !knownStatus(inv.Status) && !(partial && inv.Status == ""):
		return fmt.Sprintf("unknown Status %q", inv.Status)
	}
	return ""
}

func knownStatus(s cloudflare.InviteStatus) bool {
	switch s {
	case StatusPending, StatusAccepted, StatusRejected, StatusExpired:
		return true
	}
	return false
}

func copyInvite(inv Invite) Invite {
	if inv.Roles != nil {
		inv.Roles = append([]string{}, inv.Roles...)
	}
	return inv
}

// Invite returns the invitation with the given ID as the API would show it
// now (a pending invitation past its ExpiresOn is expired), and whether the
// fake holds it.
func (s *Server) Invite(id string) (Invite, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invites[id]
	if !ok {
		return Invite{}, false
	}
	s.expire(inv)
	return copyInvite(*inv), true
}

// Invites returns every invitation the fake holds, in the order the API
// lists them, as the API would show them now.
func (s *Server) Invites() []Invite {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Invite, 0, len(s.order))
	for _, id := range s.order {
		inv := s.invites[id]
		s.expire(inv)
		out = append(out, copyInvite(*inv))
	}
	return out
}

// RemoveInvite deletes the invitation with the given ID and reports
// whether the fake held it. The fake then responds to requests for it as
// for any ID it never held: 404 with [CodeInviteNotFound], the fake's own
// choice (the API reference does not say what the API responds for an
// invitation the organization withdrew).
func (s *Server) RemoveInvite(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.invites[id]; !ok {
		return false
	}
	delete(s.invites, id)
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i:i], s.order[i+1:]...)
			break
		}
	}
	return true
}

// expire marks a pending invitation whose ExpiresOn has passed as expired.
// It is called with s.mu held.
func (s *Server) expire(inv *Invite) {
	if inv.Status == StatusPending && !s.now().Before(inv.ExpiresOn) {
		inv.Status = StatusExpired
	}
}

// maxPerPage is the largest per_page a paging fake accepts, unless its
// page size is larger (see WithPageSize).
const maxPerPage = 50

// list serves GET /user/invites: every invitation in one response, or one
// page of them with WithPageSize.
func (s *Server) list(q url.Values) response {
	all := s.Invites()
	if s.cfg.pageSize == 0 {
		return success(wireInvites(all), &wireResultInfo{Page: 1, PerPage: len(all), Count: len(all), TotalCount: len(all)})
	}
	page, ok := pagingParam(q, "page", 1, 1, 1<<30)
	if !ok {
		return failure(http.StatusBadRequest, info(CodeInvalidPaging, "Invalid page: must be a whole number of at least 1"))
	}
	most := max(maxPerPage, s.cfg.pageSize)
	perPage, ok := pagingParam(q, "per_page", s.cfg.pageSize, 1, most)
	if !ok {
		return failure(http.StatusBadRequest, info(CodeInvalidPaging, "Invalid per_page: must be a whole number from 1 to "+strconv.Itoa(most)))
	}
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	return success(wireInvites(all[start:end]), &wireResultInfo{Page: page, PerPage: perPage, Count: end - start, TotalCount: len(all)})
}

func wireInvites(invites []Invite) []*wireInvite {
	out := make([]*wireInvite, 0, len(invites))
	for _, inv := range invites {
		out = append(out, toWire(inv))
	}
	return out
}

// pagingParam reads a whole-number query parameter in [lo, hi], or def when
// it is absent.
func pagingParam(q url.Values, name string, def, lo, hi int) (int, bool) {
	if _, present := q[name]; !present {
		return def, true
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// get serves GET /user/invites/{invite_id}.
func (s *Server) get(id string) response {
	inv, ok := s.Invite(id)
	if !ok {
		return notFound()
	}
	return success(toWire(inv), nil)
}

func notFound() response {
	return failure(http.StatusNotFound, info(CodeInviteNotFound, "Invitation not found"))
}

// edit serves PATCH /user/invites/{invite_id}: it checks the body, then
// moves a pending, unexpired invitation to the status asked for.
func (s *Server) edit(id string, in *incoming) response {
	status, fail := parseEdit(in)
	if fail != nil {
		return *fail
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invites[id]
	if !ok {
		return notFound()
	}
	s.expire(inv)
	switch inv.Status {
	case StatusPending:
	case StatusExpired:
		return failure(http.StatusBadRequest, info(CodeInviteExpired, "Invitation has expired"))
	default:
		return failure(http.StatusBadRequest, info(CodeInviteNotPending, "Invitation has already been "+string(inv.Status)))
	}
	inv.Status = status
	return success(toWire(*inv), nil)
}

// parseEdit checks the Content-Type and body of a PATCH and returns the
// status asked for.
func parseEdit(in *incoming) (cloudflare.InviteStatus, *response) {
	mt, _, err := mime.ParseMediaType(in.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		resp := failure(http.StatusUnsupportedMediaType, info(CodeUnsupportedMediaType, "Content-Type must be application/json"))
		return "", &resp
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(in.body, &body); err != nil || body == nil {
		resp := failure(http.StatusBadRequest, info(CodeInvalidBody, "Request body is invalid."))
		return "", &resp
	}
	raw, ok := body["status"]
	if !ok {
		resp := failure(http.StatusBadRequest, info(CodeInvalidStatus, "status is required").atPointer("/status"))
		return "", &resp
	}
	var status cloudflare.InviteStatus
	if err := json.Unmarshal(raw, &status); err != nil || (status != StatusAccepted && status != StatusRejected) {
		resp := failure(http.StatusBadRequest, info(CodeInvalidStatus, `status must be "accepted" or "rejected"`).atPointer("/status"))
		return "", &resp
	}
	return status, nil
}
