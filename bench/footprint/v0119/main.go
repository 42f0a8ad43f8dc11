// Command v0119 answers one invitation through cloudflare-go v0.119.0: Raw
// on the path with the body, the result decoded into a struct. With
// bench/footprint/floor it measures that client's footprint (see
// bench/footprint.sh).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	cloudflare "github.com/cloudflare/cloudflare-go"
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

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: v0119 INVITE_ID")
		os.Exit(2)
	}
	api, err := cloudflare.NewWithAPIToken(os.Getenv("CLOUDFLARE_API_TOKEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r, err := api.Raw(context.Background(), http.MethodPatch, "/user/invites/"+os.Args[1], map[string]string{"status": "accepted"}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var inv invite
	if err := json.Unmarshal(r.Result, &inv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(inv.ID, inv.Status)
}
