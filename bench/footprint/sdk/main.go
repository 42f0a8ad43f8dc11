// Command sdk answers one invitation through the SDK. With
// bench/footprint/floor it measures the SDK's footprint: binary size and
// cold build time (see bench/footprint.sh).
package main

import (
	"context"
	"fmt"
	"os"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sdk INVITE_ID")
		os.Exit(2)
	}
	client, err := cloudflare.NewClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	inv, err := client.User.Invites.Accept(context.Background(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(inv.ID, inv.Status)
}
