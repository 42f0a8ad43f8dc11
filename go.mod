module github.com/seed-b6b9b3cb/cloudflare-go

go 1.23.0

require (
	github.com/google/go-querystring v1.2.0
	golang.org/x/time v0.12.0
)
