package cloudflaretest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// memberships is a route of a user's: DELETE memberships/{id}, over a set
// of IDs, counting the requests it served.
type memberships struct {
	mu     sync.Mutex
	ids    map[string]bool
	served int
	bodies []string
}

func newMemberships(ids ...string) *memberships {
	m := &memberships{ids: map[string]bool{}}
	for _, id := range ids {
		m.ids[id] = true
	}
	return m
}

func (m *memberships) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.served++
	body, _ := io.ReadAll(r.Body)
	m.bodies = append(m.bodies, string(body))
	id := r.PathValue("id")
	if !m.ids[id] {
		WriteError(w, http.StatusNotFound, 1003, "membership not found")
		return
	}
	delete(m.ids, id)
	_ = WriteResult(w, map[string]string{"id": id})
}

// state returns how many requests the route served and how many IDs are left.
func (m *memberships) state() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.served, len(m.ids)
}

func deleteCall(path string) call { return call{"DELETE", path, keyAuth(), `{"why":"test"}`} }

func TestHandlePatterns(t *testing.T) {
	t.Parallel()
	for _, pattern := range []string{
		"DELETE /client/v4/memberships/{id}",
		"DELETE memberships/{id}",
		"DELETE \t memberships/{id}",
		"memberships/{id}", // any method
	} {
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t)
			m := newMemberships("abc")
			srv.Handle(pattern, m)
			resp, body := deleteCall("memberships/abc").send(t, srv)
			assert.Equal(t, 200, resp.StatusCode, "body: %s", body)
			assert.JSONEq(t, `{"success":true,"errors":[],"messages":[],"result":{"id":"abc"}}`, string(body))
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Regexp(t, `^[0-9a-f]{16}-[A-Z]{3}$`, resp.Header.Get("Cf-Ray"))
			assert.Equal(t, []string{`{"why":"test"}`}, m.bodies, "the handler reads the body as sent")
			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "/client/v4/memberships/abc", reqs[0].Path)
			assert.Equal(t, 200, reqs[0].Status)
		})
	}
}

// TestHandleChecks: a request to a route of the user's is checked as one
// to the fake's own, before the handler runs.
func TestHandleChecks(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	m := newMemberships("abc")
	srv.Handle("DELETE memberships/{id}", m)
	srv.Handle("DELETE user/invites/{id}", m)
	noAuth := deleteCall("memberships/abc")
	noAuth.header = nil
	tests := []struct {
		name   string
		call   call
		status int
		codes  string
		allow  string
	}{
		{"no credentials", noAuth, 400, "9106", ""},
		{"unknown key", call{"DELETE", "memberships/abc", http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {strings.Repeat("0", 37)}}, ""}, 403, "9103", ""},
		{"body too large", call{"DELETE", "memberships/abc", keyAuth(), strings.Repeat(" ", maxBodyBytes+1)}, 413, "1106", ""},
		{"another method", get("memberships/abc"), 405, "7001", "DELETE"},
		{"another path", deleteCall("memberships"), 400, "7000", ""},
		{"no prefix", deleteCall("/memberships/abc"), 400, "7000", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.call.send(t, srv)
			assertError(t, resp, body, tt.status, tt.codes)
			assert.Equal(t, tt.allow, resp.Header.Get("Allow"))
		})
	}
	served, left := m.state()
	assert.Zero(t, served, "the handler never ran")
	assert.Equal(t, 1, left)

	resp, body := get("user/invites/"+SeedInviteID).send(t, srv)
	assert.Equal(t, 200, resp.StatusCode, "the fake still serves its own methods on a path a route shares: %s", body)
	resp, body = deleteCall("user/invites/"+SeedInviteID).send(t, srv)
	assertError(t, resp, body, 404, "1003") // the route's own answer
}

func TestHandleTakesPrecedence(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	srv.Handle("GET user/invites", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = WriteResult(w, []any{})
	}))
	invites, _, err := client.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, invites)
}

// TestHandleFaults: queued faults apply to a route of the user's as to the
// fake's own, and a Commit fault runs the handler first.
func TestHandleFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      Fault
		targets    []Target
		wantServed int  // requests the handler served
		wantStatus int  // as recorded; 0: no response
		wantCut    bool // the body is the first half of the route's response
	}{
		{"untargeted, instead of the route", DropConnection(), nil, 0, 0, false},
		{"by path, instead of the route", ServerError(503), []Target{OnPath("memberships/abc")}, 0, 503, false},
		{"applied, then dropped", AppliedThenDropped(), []Target{OnMethod("DELETE")}, 1, 0, false},
		{"applied, then cut off", AppliedThenMalformed(), nil, 1, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t)
			m := newMemberships("abc")
			srv.Handle("DELETE memberships/{id}", m)
			srv.FailNext(1, tt.fault, tt.targets...)
			resp, body, err := deleteCall("memberships/abc").do(srv, rawClient(t, srv, false))
			if tt.wantStatus == 0 {
				assert.Error(t, err)
			} else if assert.NoError(t, err) {
				assert.Equal(t, tt.wantStatus, resp.StatusCode)
			}
			if full := success(map[string]string{"id": "abc"}, nil).body; tt.wantCut {
				assert.Equal(t, string(full[:len(full)/2]), string(body))
			}
			served, left := m.state()
			assert.Equal(t, tt.wantServed, served)
			assert.Equal(t, 1-tt.wantServed, left, "what the route applied stays applied")
			assert.Equal(t, []int{tt.wantStatus}, statuses(srv.Requests()))
			assert.Zero(t, srv.PendingFaults(), "the fault was spent on the route")
		})
	}
}

func TestHandleThroughDo(t *testing.T) {
	t.Parallel()
	srv, client := setup(t)
	m := newMemberships("abc", "def")
	srv.Handle("DELETE memberships/{id}", m)
	var result struct{ ID string }
	require.NoError(t, client.Do(ctx, http.MethodDelete, "memberships/abc", nil, &result))
	assert.Equal(t, "abc", result.ID)

	err := client.Do(ctx, http.MethodDelete, "memberships/nope", nil, nil)
	assert.ErrorIs(t, err, cloudflare.ErrNotFound, "the route's 404")
	err = client.Do(ctx, http.MethodDelete, "membership/def", nil, nil)
	assert.NotErrorIs(t, err, cloudflare.ErrNotFound, "a mistyped path is no route, not a missing object")

	srv.FailNext(1, AppliedThenDropped(), OnMethod("DELETE"))
	err = client.Do(ctx, http.MethodDelete, "memberships/def", nil, nil)
	assert.ErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
	_, left := m.state()
	assert.Zero(t, left, "the membership was deleted all the same")
}

func TestHandlePanics(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	srv.Handle("GET memberships", http.NotFoundHandler())
	tests := []struct {
		name, pattern string
		handler       http.Handler
		want          string
	}{
		{"nil handler", "GET memberships/{id}", nil, "cloudflaretest: Handle: GET memberships/{id}: a nil handler, or a path not under /client/v4/"},
		{"outside the API", "GET /other", http.NotFoundHandler(), "cloudflaretest: Handle: GET /other: a nil handler, or a path not under /client/v4/"},
		{"conflict", "GET /client/v4/memberships", http.NotFoundHandler(), ""},
		{"invalid", "GET memberships/{", http.NotFoundHandler(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want != "" {
				assert.PanicsWithValue(t, tt.want, func() { srv.Handle(tt.pattern, tt.handler) })
				return
			}
			assert.Panics(t, func() { srv.Handle(tt.pattern, tt.handler) }, "as ServeMux.Handle panics")
		})
	}
}

func TestWriteResultAndError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		write  func(w http.ResponseWriter) error
		status int
		body   string
	}{
		{"result", func(w http.ResponseWriter) error { return WriteResult(w, map[string]int{"n": 1}) }, 200,
			`{"success":true,"errors":[],"messages":[],"result":{"n":1}}`},
		{"null result", func(w http.ResponseWriter) error { return WriteResult(w, nil) }, 200,
			`{"success":true,"errors":[],"messages":[],"result":null}`},
		{"error", func(w http.ResponseWriter) error { WriteError(w, 409, 1004, "already a member"); return nil }, 409,
			`{"success":false,"errors":[{"code":1004,"message":"already a member"}],"messages":[],"result":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			require.NoError(t, tt.write(rec))
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.JSONEq(t, tt.body, rec.Body.String())
		})
	}
	t.Run("a result JSON cannot hold", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		assert.Error(t, WriteResult(rec, make(chan int)))
		assert.Equal(t, 500, rec.Code)
		assert.Equal(t, "1107", codes(t, rec.Body.Bytes()))
	})
}
