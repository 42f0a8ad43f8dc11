// Command vendorcheck stands for an SDK wrapper that vendors this module.
// CI vendors it (go mod vendor) and checks which modules come along; see
// .ci/vendorcheck.
package main

import (
	"context"
	"fmt"
	"os"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func main() {
	client, err := cloudflare.NewClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for inv, err := range client.User.Invites.All(context.Background()) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(inv.ID, inv.OrganizationName, inv.Status)
	}
}
