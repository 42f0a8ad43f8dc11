package cloudflaretest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// The fake writes its JSON with these structs of its own, never with the
// SDK's types, so that a mistake shared by the SDK's decoding and the fake's
// encoding cannot hide. Field order follows the API reference's example.

// wireEnvelope is the Cloudflare envelope every response is wrapped in.
type wireEnvelope struct {
	Errors     []wireInfo      `json:"errors"`
	Messages   []wireInfo      `json:"messages"`
	Success    bool            `json:"success"`
	Result     any             `json:"result"`
	ResultInfo *wireResultInfo `json:"result_info,omitempty"`
}

// wireInfo is one item of "errors" or "messages".
type wireInfo struct {
	Code       int         `json:"code"`
	Message    string      `json:"message"`
	Source     *wireSource `json:"source,omitempty"`
	ErrorChain []wireInfo  `json:"error_chain,omitempty"`
}

// wireSource points into the request body.
type wireSource struct {
	Pointer string `json:"pointer"`
}

// wireResultInfo is the paging information of a list response.
type wireResultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
}

// wireInvite is an invitation as the API sends it.
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
func toWire(inv Invite) *wireInvite {
	w := &wireInvite{
		OrganizationID:                   inv.OrganizationID,
		ID:                               inv.ID,
		ExpiresOn:                        formatTime(inv.ExpiresOn),
		InvitedBy:                        inv.InvitedBy,
		InvitedMemberEmail:               inv.InvitedMemberEmail,
		InvitedOn:                        formatTime(inv.InvitedOn),
		OrganizationIsEnforcingTwofactor: inv.OrganizationIsEnforcingTwofactor,
		OrganizationName:                 inv.OrganizationName,
		Roles:                            append([]string{}, inv.Roles...),
		Status:                           string(inv.Status),
	}
	if inv.InvitedMemberID != "" {
		id := inv.InvitedMemberID
		w.InvitedMemberID = &id
	}
	return w
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// MarshalJSON encodes inv as the API sends an invitation: snake_case
// fields, an empty InvitedMemberID as null, times in RFC 3339 in UTC.
func (inv Invite) MarshalJSON() ([]byte, error) {
	return json.Marshal(toWire(inv))
}

// UnmarshalJSON decodes an invitation as the API sends it (see
// [Invite.MarshalJSON]). Fields may be left out: [Server.AddInvite] fills
// them in. It fails on a field the schema does not have, a time that is not
// RFC 3339, an unknown status, and anything else AddInvite would refuse.
func (inv *Invite) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return errors.New("cloudflaretest: an invitation is a JSON object, not null")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var w wireInvite
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("cloudflaretest: decoding an invitation: %w", err)
	}
	out := Invite{
		ID:                               w.ID,
		OrganizationID:                   w.OrganizationID,
		InvitedBy:                        w.InvitedBy,
		InvitedMemberEmail:               w.InvitedMemberEmail,
		OrganizationIsEnforcingTwofactor: w.OrganizationIsEnforcingTwofactor,
		OrganizationName:                 w.OrganizationName,
		Roles:                            w.Roles,
		Status:                           cloudflare.InviteStatus(w.Status),
	}
	if w.InvitedMemberID != nil {
		out.InvitedMemberID = *w.InvitedMemberID
	}
	for _, t := range []struct {
		name, value string
		to          *time.Time
	}{{"expires_on", w.ExpiresOn, &out.ExpiresOn}, {"invited_on", w.InvitedOn, &out.InvitedOn}} {
		if t.value == "" {
			continue
		}
		parsed, err := time.Parse(time.RFC3339, t.value)
		if err != nil {
			return fmt.Errorf("cloudflaretest: decoding an invitation: %s %q is not an RFC 3339 time", t.name, t.value)
		}
		*t.to = parsed
	}
	if reason := checkInvite(out, true); reason != "" {
		return errors.New("cloudflaretest: decoding an invitation: " + reason)
	}
	*inv = out
	return nil
}

// response is what the fake sends, before it is written: handlers build
// one, and faults may replace or cut it.
type response struct {
	status int
	header http.Header
	body   []byte
}

// info builds one item of "errors".
func info(code int, message string) wireInfo { return wireInfo{Code: code, Message: message} }

// atPointer returns i with source.pointer set.
func (i wireInfo) atPointer(p string) wireInfo {
	i.Source = &wireSource{Pointer: p}
	return i
}

// success returns a 200 response with result (and result_info for a list).
func success(result any, ri *wireResultInfo) response {
	return response{status: http.StatusOK, body: encode(wireEnvelope{
		Errors: []wireInfo{}, Messages: []wireInfo{}, Success: true, Result: result, ResultInfo: ri,
	})}
}

// failure returns an error response: "success": false, "result": null,
// "messages": [].
func failure(status int, errs ...wireInfo) response {
	return response{status: status, body: errorBody(errs...)}
}

func errorBody(errs ...wireInfo) []byte {
	return encode(wireEnvelope{Errors: errs, Messages: []wireInfo{}, Success: false})
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cloudflaretest: encoding a response: %v", err))
	}
	return b
}

// newRayID returns a CF-Ray value shaped like Cloudflare's: 16 hex digits
// and a data-centre code.
func newRayID() string { return fmt.Sprintf("%016x-SJC", rand.Uint64()) }

// send writes a response with the headers every response carries:
// Content-Type (application/json unless set, when there is a body), CF-Ray
// (unless set) and Content-Length. It reports the exchange to the test
// observer, if any.
func (s *Server) send(w http.ResponseWriter, in *incoming, resp response, f *Fault) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = append([]string(nil), v...)
	}
	if len(resp.body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if h.Get("Cf-Ray") == "" {
		h.Set("Cf-Ray", newRayID())
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	if s.cfg.observe != nil {
		s.cfg.observe(exchange{method: in.r.Method, path: in.r.URL.Path, status: resp.status, header: h.Clone(), body: resp.body, fault: f})
	}
	s.recordStatus(in.rec, resp.status)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// exchange is one response as the fake sent it, for the package's own tests.
type exchange struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	fault        *Fault // nil for a normal response
}
