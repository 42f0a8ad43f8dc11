package peers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"testing"
)

// recorder answers like memTransport and keeps the requests it answers,
// with their bodies.
type recorder struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs, r.bodies = append(r.reqs, req), append(r.bodies, body)
	r.mu.Unlock()
	return memTransport{}.RoundTrip(req)
}

// compared are the headers every client must send alike; the others
// (User-Agent, Accept, v6's X-Stainless-*) are logged.
var compared = []string{"Authorization", "X-Auth-Email", "X-Auth-Key", "Content-Type"}

// The comparison is fair: over the in-memory transport, with a token and
// with an email and key, every client sends one request, and all send the
// same method, URL, JSON body, credential headers and Content-Type.
func TestRequestsAreEquivalent(t *testing.T) {
	for _, cr := range []struct {
		name string
		creds
	}{{"token", tokenCreds}, {"email+key", keyCreds}} {
		t.Run(cr.name, func(t *testing.T) {
			type sent struct {
				method, url string
				body        any
				header      http.Header
			}
			var want *sent
			for _, name := range clients {
				rec := &recorder{}
				edit, err := newEdit(name, memBase, &http.Client{Transport: rec}, cr.creds)
				if err != nil {
					t.Fatal(err)
				}
				status, err := edit(context.Background())
				if err != nil || status != "accepted" {
					t.Fatalf("%s: %q, %v", name, status, err)
				}
				if len(rec.reqs) != 1 {
					t.Fatalf("%s sent %d requests, want 1", name, len(rec.reqs))
				}
				req := rec.reqs[0]
				got := &sent{method: req.Method, url: req.URL.String(), header: http.Header{}}
				if err := json.Unmarshal(rec.bodies[0], &got.body); err != nil {
					t.Fatalf("%s sent a body that is not JSON: %q: %v", name, rec.bodies[0], err)
				}
				for _, h := range compared {
					if v := req.Header.Values(h); v != nil {
						got.header[h] = v
					}
				}
				var others []string
				for h, v := range req.Header {
					if !contains(compared, h) {
						others = append(others, h+": "+v[0])
					}
				}
				sort.Strings(others)
				t.Logf("%s: %s %s %s; also %q", name, req.Method, req.URL, rec.bodies[0], others)
				if want == nil {
					want = got
					if got.method != http.MethodPatch || got.url != memBase+apiPath+"/user/invites/"+inviteID {
						t.Fatalf("%s sends %s %s", name, got.method, got.url)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s sends %+v\n%s sends %+v", name, *got, clients[0], *want)
				}
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
