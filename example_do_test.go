package cloudflare_test

// Examples for wrapper authors: endpoints this SDK does not cover, reached
// with Client.Do and tested against routes added to the fake with
// cloudflaretest's Server.Handle.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// A DELETE answered 204 No Content, and a HEAD: a 2xx with an empty body is
// a success that leaves the result as it was.
func ExampleClient_Do_noContent() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	srv.Handle("DELETE memberships/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Handle("HEAD zones/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Etag", `"v7"`)
	}))
	client := exampleClient(srv)
	ctx := context.Background()

	err := client.Do(ctx, http.MethodDelete, "memberships/4536bcfad5faccb111b47003c79917fa", nil, nil)
	fmt.Println("delete:", err)
	var resp cloudflare.Response
	err = client.Do(ctx, http.MethodHead, "zones/023e105f4ecef8ad9ca31a8372d0c353", nil, nil, cloudflare.WithResponseInto(&resp))
	fmt.Println("head:", err, resp.StatusCode, resp.Header.Get("Etag"))
	// Output:
	// delete: <nil>
	// head: <nil> 200 "v7"
}

// A Workers KV value written as raw bytes (application/octet-stream) and
// read back raw: an io.Writer result receives a 2xx body as sent, without
// the envelope.
func ExampleClient_Do_rawBody() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	kv := map[string][]byte{}
	const values = "accounts/{account}/storage/kv/namespaces/{ns}/values/{key}"
	srv.Handle("PUT "+values, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		kv[r.PathValue("key")] = b
		mu.Unlock()
		fmt.Println("stored as", r.Header.Get("Content-Type"))
		_ = cloudflaretest.WriteResult(w, nil)
	}))
	srv.Handle("GET "+values, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(kv[r.PathValue("key")])
	}))
	client := exampleClient(srv)
	ctx := context.Background()
	path := "accounts/acc1/storage/kv/namespaces/ns1/values/greeting"

	if err := client.Do(ctx, http.MethodPut, path, strings.NewReader("hello, world"), nil); err != nil {
		log.Fatal(err)
	}
	var value bytes.Buffer
	if err := client.Do(ctx, http.MethodGet, path, nil, &value); err != nil {
		log.Fatal(err)
	}
	fmt.Println(value.String())
	// Output:
	// stored as application/octet-stream
	// hello, world
}

// A multipart upload built with mime/multipart: the body is a reader, and
// WithContentType gives its boundary.
func ExampleWithContentType() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	srv.Handle("PUT accounts/{account}/workers/scripts/{name}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			cloudflaretest.WriteError(w, http.StatusBadRequest, 10021, err.Error())
			return
		}
		f, _, _ := r.FormFile("worker.js")
		script, _ := io.ReadAll(f)
		fmt.Printf("metadata %s, script %q\n", r.FormValue("metadata"), script)
		_ = cloudflaretest.WriteResult(w, map[string]string{"id": r.PathValue("name")})
	}))
	client := exampleClient(srv)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("metadata", `{"main_module":"worker.js"}`)
	part, _ := mw.CreateFormFile("worker.js", "worker.js")
	_, _ = io.WriteString(part, "export default {}")
	_ = mw.Close()

	var script struct {
		ID string `json:"id"`
	}
	err := client.Do(context.Background(), http.MethodPut, "accounts/acc1/workers/scripts/hello", &body, &script,
		cloudflare.WithContentType(mw.FormDataContentType()))
	fmt.Println(script.ID, err)
	// Output:
	// metadata {"main_module":"worker.js"}, script "export default {}"
	// hello <nil>
}

// A POST that is safe to repeat (the server deduplicates it by a key the
// caller chose) survives a lost outcome when marked WithIdempotent; without
// the mark, the same loss is an unknown outcome.
func ExampleWithIdempotent() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	tokens := map[string]bool{}
	srv.Handle("POST user/tokens", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens[r.Header.Get("Idempotency-Key")] = true
		mu.Unlock()
		_ = cloudflaretest.WriteResult(w, map[string]string{"id": "tok1"})
	}))
	client := exampleClient(srv)
	ctx := context.Background()
	body := map[string]string{"name": "ci"}

	srv.FailNext(1, cloudflaretest.AppliedThenDropped()) // applied, then the connection dropped
	err := client.Do(ctx, http.MethodPost, "user/tokens", body, nil, cloudflare.WithHeader("Idempotency-Key", "k1"))
	fmt.Println("unmarked:", errors.Is(err, cloudflare.ErrOutcomeUnknown))

	srv.FailNext(1, cloudflaretest.AppliedThenDropped())
	err = client.Do(ctx, http.MethodPost, "user/tokens", body, nil, cloudflare.WithHeader("Idempotency-Key", "k2"), cloudflare.WithIdempotent())
	fmt.Println("marked:", err)
	fmt.Println("tokens:", len(tokens))
	// Output:
	// unmarked: true
	// marked: <nil>
	// tokens: 2
}

// Paging through a list endpoint with result_info.total_pages.
func ExampleResultInfo() {
	srv := cloudflaretest.NewServer()
	defer srv.Close()
	srv.Handle("GET zones", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		fmt.Fprintf(w, `{"success":true,"errors":[],"messages":[],"result":[{"name":"zone%s.example"}],`+
			`"result_info":{"page":%s,"per_page":1,"count":1,"total_count":3,"total_pages":3}}`, page, page)
	}))
	client := exampleClient(srv)

	for page := 1; ; page++ {
		var zones []struct {
			Name string `json:"name"`
		}
		var resp cloudflare.Response
		err := client.Do(context.Background(), http.MethodGet, fmt.Sprintf("zones?page=%d&per_page=1", page), nil, &zones,
			cloudflare.WithResponseInto(&resp))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(zones[0].Name)
		if page >= resp.ResultInfo.TotalPages {
			break
		}
	}
	// Output:
	// zone1.example
	// zone2.example
	// zone3.example
}
