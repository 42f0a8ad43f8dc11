// This file holds the invitations endpoints under /user/invites: the Invite
// type, InviteService and its methods.

package cloudflare

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strconv"
	"time"

	"github.com/google/go-querystring/query"
)

// InviteStatus is the status of an invitation.
type InviteStatus string

// The statuses an invitation can have. Only [InviteStatusAccepted] and
// [InviteStatusRejected] can be sent, with [InviteService.Edit].
const (
	InviteStatusPending  InviteStatus = "pending"
	InviteStatusAccepted InviteStatus = "accepted"
	InviteStatusRejected InviteStatus = "rejected"
	InviteStatusExpired  InviteStatus = "expired"
)

// Invite is an invitation for the user to join an organization (account),
// as the API returns it.
type Invite struct {
	// ID is the invite identifier tag (at most 32 characters).
	ID string `json:"id"`
	// InvitedMemberID is the ID of the user to add to the organization; ""
	// when the API sends null.
	InvitedMemberID string `json:"invited_member_id"`
	// OrganizationID is the ID of the organization the user will be added to.
	OrganizationID string `json:"organization_id"`
	// ExpiresOn is when the invite is no longer active.
	ExpiresOn time.Time `json:"expires_on"`
	// InvitedOn is when the invite was sent.
	InvitedOn time.Time `json:"invited_on"`
	// InvitedBy is the email address of the user who created the invite.
	InvitedBy string `json:"invited_by"`
	// InvitedMemberEmail is the email address of the user to add.
	InvitedMemberEmail string `json:"invited_member_email"`
	// OrganizationIsEnforcingTwofactor reports whether the organization
	// requires two-factor authentication of its members.
	OrganizationIsEnforcingTwofactor bool `json:"organization_is_enforcing_twofactor"`
	// OrganizationName is the organization's name.
	OrganizationName string `json:"organization_name"`
	// Roles are the names of the roles the membership will have.
	Roles []string `json:"roles"`
	// Status is the invitation's current status.
	Status InviteStatus `json:"status"`
}

// lacks says what makes an invitation unusable as a result, or "": a body
// such as {"success":true,"result":{}}, or a list holding {}, must not pass
// for a response.
func (inv *Invite) lacks() string {
	if inv.ID == "" {
		return `an invitation without an "id"`
	}
	return ""
}

// InviteEditParams is the body of an answer to an invitation.
type InviteEditParams struct {
	// Status is the answer: [InviteStatusAccepted] or [InviteStatusRejected].
	Status InviteStatus `json:"status"`
}

// InviteListParams asks a server that pages for one page of
// [InviteService.List]. The API reference lists no query parameters for
// GET /user/invites, and the API returns all invitations at once; these
// are for servers that do page. Zero fields are left out, and a nil
// *InviteListParams sends no query at all.
type InviteListParams struct {
	// Page is the page number, starting at 1.
	Page int `url:"page,omitempty"`
	// PerPage is the number of invitations per page.
	PerPage int `url:"per_page,omitempty"`
}

// rawQuery encodes p as List and All send it: its url tags, fields left at
// zero omitted. query.Values fails only for a value that is not a struct.
func (p *InviteListParams) rawQuery() string {
	v, _ := query.Values(p)
	return v.Encode()
}

// InviteService answers, reads and lists the user's invitations. Reach it as
// client.User.Invites.
type InviteService service

// The request bodies of Edit are fixed, so they are built once.
var (
	bodyAccepted = newStaticBody(`{"status":"accepted"}`)
	bodyRejected = newStaticBody(`{"status":"rejected"}`)
)

const (
	opEdit = "PATCH /user/invites/{invite_id}"
	opGet  = "GET /user/invites/{invite_id}"
	opList = "GET /user/invites"
)

// Edit responds to an invitation: it sets its status to accepted or
// rejected, and returns the invitation as the server then has it.
//
// If an attempt's outcome was lost (the connection broke after the request
// was written, the attempt timed out, or the server replied 500, 502, 503
// or 504), Edit retries it, as answering twice with the same status has the
// effect of answering once. When such a retry is refused because the
// invitation was already answered, Edit reads the invitation and returns it
// without error if its status is the one asked for. When the call ends
// otherwise without a confirmed result, its error matches
// [ErrOutcomeUnknown]: read the invitation to learn whether the answer was
// recorded.
//
// API reference: https://developers.cloudflare.com/api/resources/user/subresources/invites/methods/edit/
//
//	PATCH /user/invites/{invite_id}
func (s *InviteService) Edit(ctx context.Context, inviteID string, params InviteEditParams, opts ...RequestOption) (*Invite, error) {
	if err := validateInviteID(opEdit, inviteID); err != nil {
		return nil, err
	}
	var body *staticBody
	switch params.Status {
	case InviteStatusAccepted:
		body = bodyAccepted
	case InviteStatusRejected:
		body = bodyRejected
	default:
		return nil, &ValidationError{Op: opEdit, Field: "status", Reason: `must be "accepted" or "rejected"`}
	}
	var k call
	if err := s.client.newCall(&k, http.MethodPatch, "user/invites/", inviteID, "", body, opts); err != nil {
		return nil, err
	}
	var env envelope[Invite]
	if err := s.client.do(ctx, &k, &env); err != nil {
		if !k.uncertain {
			return nil, err
		}
		if alreadyAnswered(err) {
			inv, gerr := s.Get(ctx, inviteID, opts...)
			if gerr == nil && inv.Status == params.Status {
				return inv, nil
			}
			if gerr == nil {
				// The read settles it: the invitation holds another
				// status, which no attempt of this call asked for.
				return nil, err
			}
		}
		return nil, &outcomeUnknownError{err}
	}
	return env.Result, nil
}

// alreadyAnswered reports whether err is the kind of refusal a retried
// request gets when the first attempt went through: a 4xx that is not about
// authentication, existence or rate.
func alreadyAnswered(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode < 400 || ae.StatusCode >= 500 {
		return false
	}
	switch ae.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
		return false
	}
	return true
}

// Accept accepts an invitation; it is Edit with [InviteStatusAccepted].
//
//	PATCH /user/invites/{invite_id}
func (s *InviteService) Accept(ctx context.Context, inviteID string, opts ...RequestOption) (*Invite, error) {
	return s.Edit(ctx, inviteID, InviteEditParams{Status: InviteStatusAccepted}, opts...)
}

// Reject rejects an invitation; it is Edit with [InviteStatusRejected].
//
//	PATCH /user/invites/{invite_id}
func (s *InviteService) Reject(ctx context.Context, inviteID string, opts ...RequestOption) (*Invite, error) {
	return s.Edit(ctx, inviteID, InviteEditParams{Status: InviteStatusRejected}, opts...)
}

// Get returns the details of an invitation.
//
// API reference: https://developers.cloudflare.com/api/resources/user/subresources/invites/methods/get/
//
//	GET /user/invites/{invite_id}
func (s *InviteService) Get(ctx context.Context, inviteID string, opts ...RequestOption) (*Invite, error) {
	if err := validateInviteID(opGet, inviteID); err != nil {
		return nil, err
	}
	var k call
	if err := s.client.newCall(&k, http.MethodGet, "user/invites/", inviteID, "", nil, opts); err != nil {
		return nil, err
	}
	var env envelope[Invite]
	if err := s.client.do(ctx, &k, &env); err != nil {
		return nil, err
	}
	return env.Result, nil
}

// List returns the user's invitations as one response holds them, with its
// paging information. With nil params it sends no query string, as the API
// reference documents none, and returns every invitation of the response;
// [InviteListParams] asks a server that pages for one page. A "result" of
// null is an empty list. A response whose result is absent, or holds an
// invitation without an ID, fails with a [*ResponseError], as for Get.
// Without result_info in the response, the returned info only counts the
// invitations.
//
// API reference: https://developers.cloudflare.com/api/resources/user/subresources/invites/methods/list/
//
//	GET /user/invites
func (s *InviteService) List(ctx context.Context, params *InviteListParams, opts ...RequestOption) ([]Invite, *ResultInfo, error) {
	var rawQuery string
	if params != nil {
		if params.Page < 0 || params.PerPage < 0 {
			return nil, nil, &ValidationError{Op: opList, Field: "params", Reason: "Page and PerPage must not be negative"}
		}
		rawQuery = params.rawQuery()
	}
	invites, info, err := s.list(ctx, rawQuery, opts)
	if err != nil {
		return nil, nil, err
	}
	return invites, &info.ResultInfo, nil
}

// list sends one list request with the query given and returns its
// invitations and result_info (counting the invitations when absent).
func (s *InviteService) list(ctx context.Context, rawQuery string, opts []RequestOption) ([]Invite, *resultInfo, error) {
	var k call
	if err := s.client.newCall(&k, http.MethodGet, "user/invites", "", rawQuery, nil, opts); err != nil {
		return nil, nil, err
	}
	var env listEnvelope[Invite]
	env.init()
	if err := s.client.do(ctx, &k, &env); err != nil {
		return nil, nil, err
	}
	invites := env.list()
	info := env.ResultInfo
	if info == nil {
		info = &resultInfo{ResultInfo: ResultInfo{Count: len(invites)}}
	}
	return invites, info, nil
}

// MaxListPages bounds how many pages [InviteService.All] fetches, so a
// server whose paging never ends cannot keep it looping.
const MaxListPages = 1000

// All returns an iterator over all the user's invitations. It sends one
// request with no query string, as [InviteService.List] with nil params
// does, and asks for further pages (page=2, 3, …, with the per_page the
// server reported, if any) only while the response's result_info says more
// exist: total_pages above the page, or total_count above the invitations
// seen. A server that ignores paging, and so sends no such result_info,
// gets one request, and All never fails because of it. An empty page ends
// the iteration.
//
// An error ends the iteration after being yielded once. All stops with a
// [*ResponseError] when a later page is not the page asked for, when it
// brings back an invitation ID already yielded (a server that repeats its
// pages), or after [MaxListPages] pages, rather than yield an invitation
// twice or loop without end.
func (s *InviteService) All(ctx context.Context, opts ...RequestOption) iter.Seq2[Invite, error] {
	return func(yield func(Invite, error) bool) {
		var yielded map[string]struct{} // IDs of earlier pages, once a second page is asked for
		seen := 0
		stop := func(reason string) {
			// Through the redaction boundary: a reason may quote the server.
			yield(Invite{}, s.client.sealError(&ResponseError{Method: http.MethodGet, Path: s.client.baseURL.EscapedPath() + "user/invites", StatusCode: http.StatusOK, Reason: reason}))
		}
		var rawQuery string
		for page := 1; ; page++ {
			if page > MaxListPages {
				stop("more than " + strconv.Itoa(MaxListPages) + " pages of invitations; stopped")
				return
			}
			invites, info, err := s.list(ctx, rawQuery, opts)
			if err != nil {
				yield(Invite{}, err)
				return
			}
			if page > 1 {
				if info.Page != 0 && info.Page != page {
					stop("asked for page " + strconv.Itoa(page) + ", got page " + strconv.Itoa(info.Page) + "; stopped")
					return
				}
				for i := range invites {
					if _, dup := yielded[invites[i].ID]; dup {
						// The ID is the server's text: the reason names
						// its place, not its value.
						stop("page " + strconv.Itoa(page) + " brings back an invitation yielded on an earlier page (item " + strconv.Itoa(i+1) + "): the server repeats its pages; stopped")
						return
					}
				}
			}
			for _, inv := range invites {
				if !yield(inv, nil) {
					return
				}
			}
			seen += len(invites)
			more := info.TotalPages > page || info.TotalCount > seen
			if len(invites) == 0 || !more {
				return
			}
			if yielded == nil {
				yielded = make(map[string]struct{}, max(0, min(info.TotalCount, 1024)))
			}
			for i := range invites {
				yielded[invites[i].ID] = struct{}{}
			}
			next := InviteListParams{Page: page + 1, PerPage: max(info.PerPage, 0)}
			rawQuery = next.rawQuery()
		}
	}
}

// validateInviteID checks an invite ID before any I/O: 1 to 32 ASCII
// letters, digits, '-' or '_'. It names the first bad character's position,
// never the value.
func validateInviteID(op, id string) error {
	if id == "" {
		return &ValidationError{Op: op, Field: "invite_id", Reason: "empty"}
	}
	if len(id) > 32 {
		return &ValidationError{Op: op, Field: "invite_id", Reason: "longer than 32 characters"}
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return &ValidationError{Op: op, Field: "invite_id", Reason: "character " + strconv.Itoa(i+1) + " is not an ASCII letter, digit, '-' or '_'"}
		}
	}
	return nil
}
