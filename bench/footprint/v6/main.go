// Command v6 answers one invitation through cloudflare-go v6.10.0:
// client.User.Invites.Edit. With bench/footprint/floor it measures that
// client's footprint (see bench/footprint.sh).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/user"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: v6 INVITE_ID")
		os.Exit(2)
	}
	client := cloudflare.NewClient() // credentials from the environment
	inv, err := client.User.Invites.Edit(context.Background(), os.Args[1],
		user.InviteEditParams{Status: cloudflare.F(user.InviteEditParamsStatusAccepted)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(inv.ID, inv.Status)
}
