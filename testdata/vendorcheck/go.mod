module example.com/vendorcheck

go 1.24.0

require github.com/seed-b6b9b3cb/cloudflare-go v0.0.0

require (
	github.com/google/go-querystring v1.2.0 // indirect
	golang.org/x/time v0.12.0 // indirect
)

replace github.com/seed-b6b9b3cb/cloudflare-go => ../..
