module github.com/seed-b6b9b3cb/cloudflare-go/bench

go 1.24.0

require github.com/seed-b6b9b3cb/cloudflare-go v0.0.0

require github.com/google/go-querystring v1.2.0 // indirect

replace github.com/seed-b6b9b3cb/cloudflare-go => ../
