package cloudflare_test

// Benchmarks of the SDK against a floor: the same call written by hand with
// plain net/http and encoding/json. Both run over one in-memory
// http.RoundTripper, so only client-side work is measured, and in one
// process, so a benchstat comparison of their medians is fair:
//
//	go test -run '^$' -bench 'Edit|NewClient' -count 6 -benchmem .

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

const (
	benchEmail    = "user@example.com"
	benchKey      = "144c9defac04969c7bfad8efaa8ea194"
	benchInviteID = "4f5f0c14a2a41d5063dd301b2f829f04"
	benchBaseURL  = "https://api.cloudflare.com/client/v4/"
)

// benchTransport answers every request in memory with the API reference's
// example response, with no sockets.
type benchTransport struct{ body []byte }

func (t *benchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/2.0", ProtoMajor: 2,
		Header:        http.Header{"Content-Type": {"application/json"}, "Cf-Ray": {"8c0ffee0ba5eba11-SJC"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       req,
	}, nil
}

func benchFixture(b *testing.B) *benchTransport {
	b.Helper()
	body, err := os.ReadFile("testdata/invite-response.json")
	if err != nil {
		b.Fatal(err)
	}
	return &benchTransport{body: body}
}

// floorInvite and floorEnvelope are what a careful hand-written call decodes.
type floorInvite struct {
	ID                               string    `json:"id"`
	InvitedMemberID                  string    `json:"invited_member_id"`
	OrganizationID                   string    `json:"organization_id"`
	ExpiresOn                        time.Time `json:"expires_on"`
	InvitedOn                        time.Time `json:"invited_on"`
	InvitedBy                        string    `json:"invited_by"`
	InvitedMemberEmail               string    `json:"invited_member_email"`
	OrganizationIsEnforcingTwofactor bool      `json:"organization_is_enforcing_twofactor"`
	OrganizationName                 string    `json:"organization_name"`
	Roles                            []string  `json:"roles"`
	Status                           string    `json:"status"`
}

type floorMessage struct {
	Code             int    `json:"code"`
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Source           struct {
		Pointer string `json:"pointer"`
	} `json:"source"`
}

type floorEnvelope struct {
	Success  bool           `json:"success"`
	Errors   []floorMessage `json:"errors"`
	Messages []floorMessage `json:"messages"`
	Result   *floorInvite   `json:"result"`
}

// The floor is the call a careful user writes by hand with plain net/http
// and encoding/json: the params marshalled, the headers the SDK sends, the
// body read whole and decoded with one json.Unmarshal into the typed
// envelope, and the same per-call deadline as the SDK's default timeout.
var floorUserAgent = "cloudflare-go-invites/" + cloudflare.Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"

// floorEdit is Respond to Invitation written by hand.
func floorEdit(ctx context.Context, hc *http.Client, id string) (*floorInvite, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	body, err := json.Marshal(struct {
		Status string `json:"status"`
	}{"accepted"})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, benchBaseURL+"user/invites/"+id, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-Email", benchEmail)
	req.Header.Set("X-Auth-Key", benchKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", floorUserAgent)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env floorEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, err
	}
	if !env.Success || env.Result == nil {
		return nil, errors.New("floor: call failed")
	}
	return env.Result, nil
}

// BenchmarkEdit compares Respond to Invitation through the SDK with the
// floor, over the in-memory transport.
func BenchmarkEdit(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=floor", func(b *testing.B) {
		hc := &http.Client{Transport: benchFixture(b)}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			inv, err := floorEdit(ctx, hc, benchInviteID)
			if err != nil || inv.Status != "accepted" {
				b.Fatal(inv, err)
			}
		}
	})
	b.Run("impl=sdk", func(b *testing.B) {
		c, err := cloudflare.NewClient(cloudflare.WithAPIEmail(benchEmail), cloudflare.WithAPIKey(benchKey),
			cloudflare.WithBaseURL(benchBaseURL), cloudflare.WithHTTPClient(&http.Client{Transport: benchFixture(b)}))
		if err != nil {
			b.Fatal(err)
		}
		params := cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			inv, err := c.User.Invites.Edit(ctx, benchInviteID, params)
			if err != nil || inv.Status != cloudflare.InviteStatusAccepted {
				b.Fatal(inv, err)
			}
		}
	})
}

// BenchmarkNewClient measures a client with the default settings and
// explicit credentials: the cost of a client per tenant or per request.
func BenchmarkNewClient(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c, err := cloudflare.NewClient(cloudflare.WithAPIEmail(benchEmail), cloudflare.WithAPIKey(benchKey))
		if err != nil || c == nil {
			b.Fatal(err)
		}
	}
}

// benchRecorder records the requests it answers.
type benchRecorder struct {
	benchTransport
	reqs []*http.Request
	body [][]byte
}

func (t *benchRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	t.reqs, t.body = append(t.reqs, req), append(t.body, b)
	return t.benchTransport.RoundTrip(req)
}

// The floor is a fair comparison: it sends what the SDK sends.
func TestBenchmarkFloorSendsWhatTheSDKSends(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/invite-response.json")
	if err != nil {
		t.Fatal(err)
	}
	rt := &benchRecorder{benchTransport: benchTransport{body: body}}
	c, err := cloudflare.NewClient(cloudflare.WithAPIEmail(benchEmail), cloudflare.WithAPIKey(benchKey),
		cloudflare.WithBaseURL(benchBaseURL), cloudflare.WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.User.Invites.Accept(context.Background(), benchInviteID); err != nil {
		t.Fatal(err)
	}
	if _, err := floorEdit(context.Background(), &http.Client{Transport: rt}, benchInviteID); err != nil {
		t.Fatal(err)
	}
	sdk, floor := rt.reqs[0], rt.reqs[1]
	if sdk.Method != floor.Method || sdk.URL.String() != floor.URL.String() || !bytes.Equal(rt.body[0], rt.body[1]) {
		t.Errorf("SDK sends %s %s %s, the floor %s %s %s", sdk.Method, sdk.URL, rt.body[0], floor.Method, floor.URL, rt.body[1])
	}
	assert.Equal(t, floor.Header, sdk.Header, "the SDK and the floor send the same headers")
}
