package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// --json prints the invitations exactly as the API sent them: the SDK's
// Invite cannot say whether invited_member_id was null or "", nor keep a
// field it does not know. So a middleware keeps the body of every 2xx
// response of a call (the ones the SDK decoded), and the command prints
// their "result" after checking that it holds the invitations the SDK
// returned.

// maxRaw bounds a kept body; the SDK refuses larger success bodies anyway.
const maxRaw = 1 << 20

type rawKey struct{}

// rawBodies collects the 2xx bodies of one call.
type rawBodies struct {
	mu     sync.Mutex
	bodies [][]byte
}

// withRaw returns a context whose requests keep their 2xx bodies in the
// returned rawBodies, under --json; without it, ctx and nil: no body is
// kept, as none is printed.
func (c *command) withRaw(ctx context.Context) (context.Context, *rawBodies) {
	if !c.opts.json {
		return ctx, nil
	}
	r := &rawBodies{}
	return context.WithValue(ctx, rawKey{}, r), r
}

// keepRaw is the middleware that keeps the bodies.
func keepRaw(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		r, _ := req.Context().Value(rawKey{}).(*rawBodies)
		if err != nil || r == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
			return resp, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxRaw+1))
		if err != nil {
			_ = resp.Body.Close()
			return nil, err
		}
		if len(body) <= maxRaw {
			r.mu.Lock()
			r.bodies = append(r.bodies, body)
			r.mu.Unlock()
		}
		resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(body), resp.Body), Closer: resp.Body}
		return resp, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

type readCloser struct {
	io.Reader
	io.Closer
}

var errRawMismatch = errors.New("the API's response kept for --json does not match the decoded one")

// single returns the "result" object of the last body, which must be the
// invitation with the given ID.
func (r *rawBodies) single(id string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bodies) == 0 {
		return nil, errRawMismatch
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(r.bodies[len(r.bodies)-1], &env); err != nil {
		return nil, fmt.Errorf("%w: %v", errRawMismatch, err)
	}
	if err := sameIDs([]json.RawMessage{env.Result}, []string{id}); err != nil {
		return nil, err
	}
	return env.Result, nil
}

// list returns the invitations of every body's "result" array, which must
// be the given ones, in order.
func (r *rawBodies) list(invites []cloudflare.Invite) ([][]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var items []json.RawMessage
	for _, b := range r.bodies {
		var env struct {
			Result []json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, fmt.Errorf("%w: %v", errRawMismatch, err)
		}
		items = append(items, env.Result...)
	}
	ids := make([]string, len(invites))
	for i, inv := range invites {
		ids[i] = inv.ID
	}
	if err := sameIDs(items, ids); err != nil {
		return nil, err
	}
	out := make([][]byte, len(items))
	for i, item := range items {
		out[i] = item
	}
	return out, nil
}

// sameIDs checks that the raw invitations have the given IDs.
func sameIDs(items []json.RawMessage, ids []string) error {
	if len(items) != len(ids) {
		return fmt.Errorf("%w: %d invitations, decoded %d", errRawMismatch, len(items), len(ids))
	}
	for i, item := range items {
		var inv struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(item, &inv); err != nil || inv.ID != ids[i] {
			return fmt.Errorf("%w: invitation %d", errRawMismatch, i)
		}
	}
	return nil
}

// jsonArray joins JSON values into an array; none is [].
func jsonArray(items [][]byte) []byte {
	return append(append([]byte{'['}, bytes.Join(items, []byte{','})...), ']')
}

// indent indents a JSON value by two spaces and ends it with a newline;
// the values themselves are kept as they are.
func indent(v []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Indent(&b, v, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
