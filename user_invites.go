// This file holds the invitations endpoints under /user/invites: the Invite
// type, InviteService and its methods.

package cloudflare

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
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

// resultProblem rejects an invitation without an ID as a result: a body
// such as {"success":true,"result":{}} must not pass for a response.
func (inv *Invite) resultProblem() string {
	if inv.ID == "" {
		return `body's "result" is an invitation without an "id"`
	}
	return ""
}

// InviteEditParams is the body of a response to an invitation.
type InviteEditParams struct {
	// Status is the response: [InviteStatusAccepted] or [InviteStatusRejected].
	Status InviteStatus `json:"status"`
}

// InviteListParams selects one page of [InviteService.List]. Zero fields are
// left out, so the server's defaults apply.
type InviteListParams struct {
	// Page is the page number, starting at 1.
	Page int `url:"page,omitempty"`
	// PerPage is the number of invitations per page.
	PerPage int `url:"per_page,omitempty"`
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
// was written, the attempt timed out, or the server replied 5xx), Edit
// retries it, as answering twice with the same status has the effect of
// answering once. When such a retry is refused because the invitation was
// already answered, Edit reads the invitation and returns it without error
// if its status is the one asked for. When the call ends otherwise without
// a confirmed result, its error matches [ErrOutcomeUnknown]: read the
// invitation to learn whether the answer was recorded.
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
	if err := s.client.newCall(&k, http.MethodPatch, "user/invites/"+url.PathEscape(inviteID), "", body, opts); err != nil {
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
	if err := s.client.newCall(&k, http.MethodGet, "user/invites/"+url.PathEscape(inviteID), "", nil, opts); err != nil {
		return nil, err
	}
	var env envelope[Invite]
	if err := s.client.do(ctx, &k, &env); err != nil {
		return nil, err
	}
	return env.Result, nil
}

// List returns one page of the user's invitations and the paging
// information. A nil params asks for the server's default page.
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
		v, err := query.Values(params)
		if err != nil {
			return nil, nil, &ValidationError{Op: opList, Field: "params", Reason: err.Error()}
		}
		rawQuery = v.Encode()
	}
	var k call
	if err := s.client.newCall(&k, http.MethodGet, "user/invites", rawQuery, nil, opts); err != nil {
		return nil, nil, err
	}
	var env envelope[[]Invite]
	if err := s.client.do(ctx, &k, &env); err != nil {
		return nil, nil, err
	}
	info := env.ResultInfo
	if info == nil {
		info = &ResultInfo{Count: len(*env.Result)}
	}
	return *env.Result, info, nil
}

// MaxListPages bounds how many pages [InviteService.All] fetches, so a
// server whose paging never ends cannot keep it looping.
const MaxListPages = 1000

// allPerPage is the page size All asks for.
const allPerPage = 50

// All returns an iterator over all the user's invitations, fetching page
// after page as the loop needs them. It stops after the last page: when the
// invitations seen reach result_info.total_count, or, without a total, when
// a page comes back shorter than its per_page; an empty page always ends
// it. An error ends the iteration after being yielded once. A server that
// does not page (it returns another page than the one asked for, or the
// same invitations again) or that still has more after [MaxListPages]
// pages gets a [*ResponseError] rather than an endless loop.
func (s *InviteService) All(ctx context.Context, opts ...RequestOption) iter.Seq2[Invite, error] {
	return func(yield func(Invite, error) bool) {
		seen, firstID := 0, ""
		stop := func(reason string) {
			// Through the redaction boundary: a reason may quote the server.
			yield(Invite{}, s.client.sealError(&ResponseError{Method: http.MethodGet, Path: s.client.baseURL.EscapedPath() + "user/invites", StatusCode: http.StatusOK, Reason: reason}))
		}
		for page := 1; ; page++ {
			if page > MaxListPages {
				stop("more than " + strconv.Itoa(MaxListPages) + " pages of invitations; stopped")
				return
			}
			invites, info, err := s.List(ctx, &InviteListParams{Page: page, PerPage: allPerPage}, opts...)
			if err != nil {
				yield(Invite{}, err)
				return
			}
			if len(invites) == 0 {
				return
			}
			if info.Page != 0 && info.Page != page || page > 1 && invites[0].ID == firstID {
				stop("asked for page " + strconv.Itoa(page) + ", got page " + strconv.Itoa(info.Page) + " or a page already seen: the server does not page; stopped")
				return
			}
			firstID = invites[0].ID
			for _, inv := range invites {
				if !yield(inv, nil) {
					return
				}
			}
			seen += len(invites)
			if info.TotalCount > 0 {
				if seen >= info.TotalCount {
					return
				}
				continue
			}
			perPage := allPerPage
			if info.PerPage > 0 {
				perPage = info.PerPage
			}
			if len(invites) < perPage {
				return
			}
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
