package cloudflaretest

// This file holds what the fake writes: the Cloudflare envelope and the
// invitation as the API sends them, with structs of the fake's own rather
// than the SDK's types, so that a mistake shared by the SDK's decoding and
// the fake's encoding cannot hide. Field order follows the API reference.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// wireEnvelope is the Cloudflare envelope every response is wrapped in.
type wireEnvelope struct {
	Errors     []wireInfo      `json:"errors"`
	Messages   []wireInfo      `json:"messages"`
	Success    bool            `json:"success"`
	Result     any             `json:"result"`
	ResultInfo *wireResultInfo `json:"result_info,omitempty"`
}

// wireInfo is one item of "errors".
type wireInfo struct {
	Code       int               `json:"code"`
	Message    string            `json:"message"`
	Source     map[string]string `json:"source,omitempty"` // {"pointer": …}
	ErrorChain []wireInfo        `json:"error_chain,omitempty"`
}

// wireResultInfo is the paging information of a list response.
type wireResultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
}

// wireInvite is an invitation as the API sends it; invited_member_id may
// be null, as the schema allows.
type wireInvite struct {
	InvitedMemberID                  *string  `json:"invited_member_id"`
	OrganizationID                   string   `json:"organization_id"`
	ID                               string   `json:"id"`
	ExpiresOn                        string   `json:"expires_on"`
	InvitedBy                        string   `json:"invited_by"`
	InvitedMemberEmail               string   `json:"invited_member_email"`
	InvitedOn                        string   `json:"invited_on"`
	OrganizationIsEnforcingTwofactor bool     `json:"organization_is_enforcing_twofactor"`
	OrganizationName                 string   `json:"organization_name"`
	Roles                            []string `json:"roles"`
	Status                           string   `json:"status"`
}

// toWire converts a stored invite to its wire form: an empty InvitedMemberID
// is sent as null, times as RFC 3339 in UTC.
func toWire(inv cloudflare.Invite) *wireInvite {
	w := &wireInvite{
		OrganizationID:                   inv.OrganizationID,
		ID:                               inv.ID,
		ExpiresOn:                        inv.ExpiresOn.UTC().Format(time.RFC3339),
		InvitedBy:                        inv.InvitedBy,
		InvitedMemberEmail:               inv.InvitedMemberEmail,
		InvitedOn:                        inv.InvitedOn.UTC().Format(time.RFC3339),
		OrganizationIsEnforcingTwofactor: inv.OrganizationIsEnforcingTwofactor,
		OrganizationName:                 inv.OrganizationName,
		Roles:                            append([]string{}, inv.Roles...),
		Status:                           string(inv.Status),
	}
	if inv.InvitedMemberID != "" {
		w.InvitedMemberID = &inv.InvitedMemberID
	}
	return w
}

// response is what the fake sends, before it is written: handlers build
// one, and faults may replace or cut it.
type response struct {
	status int
	header http.Header
	body   []byte
}

func info(code int, message string) wireInfo { return wireInfo{Code: code, Message: message} }

// success returns a 200 response with result (and result_info for a list).
func success(result any, ri *wireResultInfo) response {
	return response{status: http.StatusOK, body: encode(wireEnvelope{
		Errors: []wireInfo{}, Messages: []wireInfo{}, Success: true, Result: result, ResultInfo: ri,
	})}
}

// failure returns an error response: "success": false, "result": null,
// "messages": [].
func failure(status int, errs ...wireInfo) response {
	return response{status: status, body: encode(wireEnvelope{Errors: errs, Messages: []wireInfo{}})}
}

// encode marshals an envelope, which holds only the fake's own wire types
// and so cannot fail.
func encode(v wireEnvelope) []byte {
	b, _ := json.Marshal(v)
	return b
}

// send writes a response with the headers every response carries:
// Content-Type (application/json unless set, when there is a body), CF-Ray
// (16 hex digits and a data-centre code, unless set) and Content-Length,
// and records its status in rec (nil for a request not recorded).
func (s *Server) send(w http.ResponseWriter, rec *Request, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = append([]string(nil), v...)
	}
	if len(resp.body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if h.Get("Cf-Ray") == "" {
		h.Set("Cf-Ray", fmt.Sprintf("%016x-SJC", rand.Uint64()))
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	if rec != nil {
		s.mu.Lock()
		rec.Status = resp.status
		s.mu.Unlock()
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
