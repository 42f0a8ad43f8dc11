// This file holds the invitations endpoints under /user/invites: the Invite
// type, InviteService and its methods.

package cloudflare

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// query encodes p as List and All send it, "?" included: its url tags,
// fields left at zero omitted. query.Values fails only on a non-struct.
func (p *InviteListParams) query() string {
	v, _ := query.Values(p)
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// InviteService answers, reads and lists the user's invitations. Reach it as
// client.User.Invites.
type InviteService service

const (
	opEdit = "PATCH /user/invites/{invite_id}"
	opGet  = "GET /user/invites/{invite_id}"
	opList = "GET /user/invites"
)

// Edit responds to an invitation: it sets its status to accepted or
// rejected, and returns the invitation as the server then has it.
//
// Answering twice with the same status has the effect of answering once, so
// Edit sends its PATCH as [WithIdempotent]: an attempt whose outcome was
// lost (the connection broke after the request was written, the attempt
// timed out, the answer was an unusable 2xx, or the server replied 500, 502,
// 503, 504, 520, 522 or 524) is retried. When the call still ends without a
// confirmed result (a retry refused because the invitation was already
// answered, or every retry lost), Edit reads the invitation: if its status
// is the one asked for, it returns it without error ([WithResponseInto] then
// holds the read's response); if it is another status but pending (another
// answer, or expired), this answer was not recorded and the error is a plain
// [*APIError]: the server's refusal when there was one, else one with the
// read's status and Ray ID. When it is still pending, or the read fails, the
// error matches [ErrOutcomeUnknown]: the answer may yet be recorded.
//
// API reference: https://developers.cloudflare.com/api/resources/user/subresources/invites/methods/edit/
//
//	PATCH /user/invites/{invite_id}
func (s *InviteService) Edit(ctx context.Context, inviteID string, params InviteEditParams, opts ...Option) (*Invite, error) {
	if err := validateInviteID(opEdit, inviteID); err != nil {
		return nil, err
	}
	if params.Status != InviteStatusAccepted && params.Status != InviteStatusRejected {
		return nil, &ValidationError{Op: opEdit, Field: "status", Reason: `must be "accepted" or "rejected"`}
	}
	k, err := s.client.newCall(opEdit, http.MethodPatch, "user/invites/"+inviteID, params, opts)
	if err != nil {
		return nil, err
	}
	k.s.idempotent = true // as WithIdempotent sets it
	inv, err := s.invite(ctx, k)
	if !errors.Is(err, ErrOutcomeUnknown) {
		return inv, err
	}
	return s.reconcile(ctx, inviteID, params.Status, k, err, opts)
}

// reconcile settles an answer whose outcome is unknown by reading the
// invitation: the status asked for is a success; pending, or a failed read,
// leaves it unknown; another status (another answer, or expired) means this
// answer was not recorded.
func (s *InviteService) reconcile(ctx context.Context, inviteID string, status InviteStatus, k *call, err error, opts []Option) (*Invite, error) {
	var r Response
	got, gerr := s.Get(ctx, inviteID, append(readOptions(opts), WithResponseInto(&r))...)
	var ae *APIError
	switch {
	case gerr != nil || got.Status == InviteStatusPending:
		return nil, err // still unknown: the answer may yet be recorded
	case got.Status == status:
		for _, into := range k.s.into {
			*into = r // the success is the read's
		}
		return got, nil
	case errors.As(err, &ae) && ae.StatusCode/100 == 4:
		return nil, ae // the server's refusal
	}
	return nil, &APIError{Method: k.method, Path: k.path, StatusCode: r.StatusCode, RayID: r.RayID,
		reason: "not recorded: a read of the invitation (this status, this ray) shows it " + clip(string(got.Status), 64)}
}

// readOptions returns opts without the options of a single call
// (WithResponseInto, WithIdempotent), for the reconciling read of Edit,
// which fills the caller's Response only when it settles the call.
func readOptions(opts []Option) []Option {
	return slices.DeleteFunc(slices.Clone(opts), func(o Option) bool { return o.callOnly })
}

// invite sends a call whose result is one invitation. The schema does not
// require "result", but Edit and Get return it, so a success without one is
// an error here.
func (s *InviteService) invite(ctx context.Context, k *call) (*Invite, error) {
	var inv *Invite
	k.need = true
	if err := s.client.send(ctx, k, &inv); err != nil {
		return nil, err
	}
	return inv, nil
}

// Accept accepts an invitation; it is Edit with [InviteStatusAccepted].
//
//	PATCH /user/invites/{invite_id}
func (s *InviteService) Accept(ctx context.Context, inviteID string, opts ...Option) (*Invite, error) {
	return s.Edit(ctx, inviteID, InviteEditParams{Status: InviteStatusAccepted}, opts...)
}

// Reject rejects an invitation; it is Edit with [InviteStatusRejected].
//
//	PATCH /user/invites/{invite_id}
func (s *InviteService) Reject(ctx context.Context, inviteID string, opts ...Option) (*Invite, error) {
	return s.Edit(ctx, inviteID, InviteEditParams{Status: InviteStatusRejected}, opts...)
}

// Get returns the details of an invitation.
//
// API reference: https://developers.cloudflare.com/api/resources/user/subresources/invites/methods/get/
//
//	GET /user/invites/{invite_id}
func (s *InviteService) Get(ctx context.Context, inviteID string, opts ...Option) (*Invite, error) {
	if err := validateInviteID(opGet, inviteID); err != nil {
		return nil, err
	}
	k, err := s.client.newCall(opGet, http.MethodGet, "user/invites/"+inviteID, nil, opts)
	if err != nil {
		return nil, err
	}
	return s.invite(ctx, k)
}

// List returns the user's invitations as one response holds them, with its
// paging information. With nil params it sends no query string, as the API
// reference documents none; [InviteListParams] asks a server that pages for
// one page. A "result" of null, or none, is an empty list. Without
// result_info in the response, the returned info only counts the
// invitations.
//
// API reference: https://developers.cloudflare.com/api/resources/user/subresources/invites/methods/list/
//
//	GET /user/invites
func (s *InviteService) List(ctx context.Context, params *InviteListParams, opts ...Option) ([]Invite, *ResultInfo, error) {
	var q string
	if params != nil {
		if params.Page < 0 || params.PerPage < 0 {
			return nil, nil, &ValidationError{Op: opList, Field: "params", Reason: "Page and PerPage must not be negative"}
		}
		q = params.query()
	}
	return s.list(ctx, q, opts)
}

// list sends one list request with the query q, and returns its invitations
// and result_info (counting the invitations when absent).
func (s *InviteService) list(ctx context.Context, q string, opts []Option) ([]Invite, *ResultInfo, error) {
	k, err := s.client.newCall(opList, http.MethodGet, "user/invites"+q, nil, opts)
	if err != nil {
		return nil, nil, err
	}
	var info *ResultInfo
	k.info = &info
	var invites []Invite
	if err := s.client.send(ctx, k, &invites); err != nil {
		return nil, nil, err
	}
	if invites == nil {
		invites = []Invite{} // a null or absent result is an empty list
	}
	if info == nil {
		info = &ResultInfo{Count: len(invites)}
	}
	return invites, info, nil
}

// maxListPages bounds how many pages [InviteService.All] fetches, so a
// server whose paging never ends cannot keep it looping.
const maxListPages = 1000

// All returns an iterator over all the user's invitations. It sends the
// request of [InviteService.List] with nil params, and asks for further pages
// (page=2, 3, …, with the per_page the server reported) only while the
// response's result_info says more exist: total_pages above the page, or
// total_count above the invitations seen. A server that does not page costs
// one request. An empty page ends the iteration.
//
// An error ends the iteration after being yielded once. All stops with an
// [*APIError] when a later page is not the page asked for, when it brings
// back an invitation ID already yielded, or after 1000 pages, rather than
// yield an invitation twice or loop without end.
func (s *InviteService) All(ctx context.Context, opts ...Option) iter.Seq2[Invite, error] {
	return func(yield func(Invite, error) bool) {
		yielded := map[string]bool{}
		q, seen := "", 0
		for page := 1; ; page++ {
			invites, info, err := s.list(ctx, q, opts)
			if err == nil && page > 1 {
				err = s.checkPage(page, info.Page, invites, yielded)
			}
			if err != nil {
				yield(Invite{}, err)
				return
			}
			for _, inv := range invites {
				if !yield(inv, nil) {
					return
				}
				if inv.ID != "" {
					yielded[inv.ID] = true
				}
			}
			seen += len(invites)
			if len(invites) == 0 || info.TotalPages <= page && info.TotalCount <= seen {
				return
			}
			q = (&InviteListParams{Page: page + 1, PerPage: max(info.PerPage, 0)}).query()
		}
	}
}

// checkPage returns the error that stops All at a page that is not the one
// asked for, repeats an invitation, or is one too many.
func (s *InviteService) checkPage(page, got int, invites []Invite, yielded map[string]bool) error {
	reason := ""
	switch {
	case page > maxListPages:
		reason = "more than " + strconv.Itoa(maxListPages) + " pages of invitations; stopped"
	case got != 0 && got != page:
		reason = "asked for page " + strconv.Itoa(page) + ", got page " + strconv.Itoa(got) + "; stopped"
	case slices.ContainsFunc(invites, func(inv Invite) bool { return yielded[inv.ID] }):
		reason = "page " + strconv.Itoa(page) + " brings back an invitation yielded on an earlier page; stopped"
	default:
		return nil
	}
	return &APIError{Method: http.MethodGet, Path: s.client.base.EscapedPath() + "user/invites", StatusCode: http.StatusOK, reason: reason}
}

// validateInviteID checks an invite ID before any I/O: 1 to 32 ASCII
// letters, digits, '-' or '_'. It names the first bad character's position,
// never the value.
func validateInviteID(op, id string) error {
	if id == "" || len(id) > 32 {
		return &ValidationError{Op: op, Field: "invite_id", Reason: "must be 1 to 32 characters long"}
	}
	ok := func(b rune) bool {
		return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_'
	}
	if i := strings.IndexFunc(id, func(b rune) bool { return !ok(b) }); i >= 0 {
		return &ValidationError{Op: op, Field: "invite_id", Reason: "character " + strconv.Itoa(i+1) + " is not an ASCII letter, digit, '-' or '_'"}
	}
	return nil
}
