// Command floor answers one invitation with plain net/http and
// encoding/json: the hand-written baseline for bench/footprint/sdk.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

type invite struct {
	ID                               string    `json:"id"`
	InvitedMemberID                  string    `json:"invited_member_id"`
	OrganizationID                   string    `json:"organization_id"`
	ExpiresOn                        time.Time `json:"expires_on"`
	InvitedOn                        time.Time `json:"invited_on"`
	InvitedBy                        string    `json:"invited_by"`
	InvitedMemberEmail               string    `json:"invited_member_email"`
	OrganizationIsEnforcingTwofactor bool      `json:"organization_is_enforcing_twofactor"`
	OrganizationName                 string    `json:"organization_name"`
	Roles                            []string  `json:"roles"`
	Status                           string    `json:"status"`
}

type envelope struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result *invite `json:"result"`
}

func accept(ctx context.Context, id string) (*invite, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch,
		"https://api.cloudflare.com/client/v4/user/invites/"+id, bytes.NewReader([]byte(`{"status":"accepted"}`)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("CLOUDFLARE_API_TOKEN"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return nil, err
	}
	if !env.Success || env.Result == nil {
		return nil, errors.New("call failed")
	}
	return env.Result, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor INVITE_ID")
		os.Exit(2)
	}
	inv, err := accept(context.Background(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(inv.ID, inv.Status)
}
