package peers

// The clients compared, each used its own way, and what they share: the
// canned response, the in-memory transport and the loopback server.
//
//	sdk    this SDK: NewClient, then client.User.Invites.Edit
//	v0119  github.com/cloudflare/cloudflare-go v0.119.0: NewWithAPIToken,
//	       then api.Raw on the same path and body, the result decoded into a
//	       struct
//	v6     github.com/cloudflare/cloudflare-go/v6 v6.10.0: NewClient, then
//	       client.User.Invites.Edit
//	floor  plain net/http and encoding/json, with a 30 s context deadline
//	       around the call (the SDK's default per-attempt timeout)

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	cfv0 "github.com/cloudflare/cloudflare-go"
	cfv6 "github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/user"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

const (
	token    = "Nw4Rv3XkPq8sTjLm2ZaYcB6dFgHe0UiO9pWxQr1V" // 40 characters, like a real API token
	token2   = "Zb7Yc1XdWe3VfUg5ThSi9RjQk2PlOmNn4MoLpKq6"
	email    = "user@example.com"
	apiKey   = "144c9defac04969c7bfad8efaa8ea194"
	inviteID = "4f5f0c14a2a41d5063dd301b2f829f04"
	apiPath  = "/client/v4"                 // the API root's path, on every host
	memBase  = "https://api.cloudflare.com" // the host the in-memory transport pretends to be
)

// clients, in declaration order; bench/peers.sh rotates it every round.
var clients = []string{"sdk", "v0119", "v6", "floor"}

// editFunc is one Respond to Invitation call, accepting inviteID; it returns
// the status of the invitation the response carries.
type editFunc func(ctx context.Context) (string, error)

// creds are the credentials a client is built with: a token, or an email
// and key.
type creds struct{ token, email, key string }

var (
	tokenCreds = creds{token: token}
	keyCreds   = creds{email: email, key: apiKey}
)

// newEdit builds client name's Edit against the API root host+apiPath. hc nil
// means the client's own default transport setup.
func newEdit(name, host string, hc *http.Client, cr creds) (editFunc, error) {
	switch name {
	case "sdk":
		return sdkEdit(host, hc, cr)
	case "v0119":
		return v0119Edit(host, hc, cr)
	case "v6":
		return v6Edit(host, hc, cr), nil
	case "floor":
		return floorEdit(host, hc, cr), nil
	}
	return nil, fmt.Errorf("no client %q", name)
}

func sdkEdit(host string, hc *http.Client, cr creds) (editFunc, error) {
	opts := []cloudflare.Option{cloudflare.WithBaseURL(host + apiPath + "/")}
	if cr.token != "" {
		opts = append(opts, cloudflare.WithAPIToken(cr.token))
	} else {
		opts = append(opts, cloudflare.WithAPIEmail(cr.email), cloudflare.WithAPIKey(cr.key))
	}
	if hc != nil {
		opts = append(opts, cloudflare.WithHTTPClient(hc))
	}
	c, err := cloudflare.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	params := cloudflare.InviteEditParams{Status: cloudflare.InviteStatusAccepted}
	return func(ctx context.Context) (string, error) {
		inv, err := c.User.Invites.Edit(ctx, inviteID, params)
		if err != nil {
			return "", err
		}
		return string(inv.Status), nil
	}, nil
}

// v0119Options are the options every v0.119.0 client of the benchmarks gets.
// Its default rate limiter allows 4 requests a second (burst 1), so a
// benchmark would measure the limiter's sleep; a user who runs many calls
// (or budgets requests elsewhere, as with the SDK, which has no limiter
// unless given one) sets it off. rate.Inf makes Wait return at once; Wait
// is still called before every request.
func v0119Options(host string, hc *http.Client) []cfv0.Option {
	opts := []cfv0.Option{cfv0.BaseURL(host + apiPath), cfv0.UsingRateLimit(math.Inf(1))}
	if hc != nil {
		opts = append(opts, cfv0.HTTPClient(hc))
	}
	return opts
}

// inviteBody is the body of Respond to Invitation, given to v0.119.0's Raw,
// which marshals it, as the other clients marshal their params.
type inviteBody struct {
	Status string `json:"status"`
}

func v0119Edit(host string, hc *http.Client, cr creds) (editFunc, error) {
	var api *cfv0.API
	var err error
	if cr.token != "" {
		api, err = cfv0.NewWithAPIToken(cr.token, v0119Options(host, hc)...)
	} else {
		api, err = cfv0.New(cr.key, cr.email, v0119Options(host, hc)...)
	}
	if err != nil {
		return nil, err
	}
	body := inviteBody{Status: "accepted"}
	return func(ctx context.Context) (string, error) {
		r, err := api.Raw(ctx, http.MethodPatch, "/user/invites/"+inviteID, body, nil)
		if err != nil {
			return "", err
		}
		if !r.Success {
			return "", errors.New("v0.119.0: success is false")
		}
		var inv floorInvite
		if err := json.Unmarshal(r.Result, &inv); err != nil {
			return "", err
		}
		return inv.Status, nil
	}, nil
}

func v6Options(host string, hc *http.Client, cr creds) []option.RequestOption {
	var opts []option.RequestOption
	if cr.token != "" {
		opts = append(opts, option.WithAPIToken(cr.token))
	} else {
		opts = append(opts, option.WithAPIEmail(cr.email), option.WithAPIKey(cr.key))
	}
	if host != "" {
		opts = append(opts, option.WithBaseURL(host+apiPath+"/"))
	}
	if hc != nil {
		opts = append(opts, option.WithHTTPClient(hc))
	}
	return opts
}

func v6Edit(host string, hc *http.Client, cr creds) editFunc {
	c := cfv6.NewClient(v6Options(host, hc, cr)...)
	params := user.InviteEditParams{Status: cfv6.F(user.InviteEditParamsStatusAccepted)}
	return func(ctx context.Context) (string, error) {
		inv, err := c.User.Invites.Edit(ctx, inviteID, params)
		if err != nil {
			return "", err
		}
		return string(inv.Status), nil
	}
}

// floorInvite and floorEnvelope are what a careful hand-written call
// decodes (the shapes of ../../benchmark_test.go).
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

var floorUserAgent = "cloudflare-go-invites/" + cloudflare.Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"

// floorTransport is the floor's default setup: http.DefaultTransport's
// settings with as many idle connections per host as the SDK's shared
// transport keeps (128), as a careful user with concurrent callers sets it;
// http.DefaultTransport keeps 2.
var floorTransport = sync.OnceValue(func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	return t
})

// floorClient is what the floor builds once per credential: the
// *http.Client, the API root and the credential headers' values.
type floorClient struct {
	hc         *http.Client
	root       string
	auth       string // Authorization, or ""
	email, key string
}

func newFloorClient(host string, hc *http.Client, cr creds) *floorClient {
	if hc == nil {
		hc = &http.Client{Transport: floorTransport()}
	}
	f := &floorClient{hc: hc, root: host + apiPath + "/", email: cr.email, key: cr.key}
	if cr.token != "" {
		f.auth = "Bearer " + cr.token
	}
	return f
}

// floorEdit is Respond to Invitation written by hand: the params marshalled,
// the headers the SDK sends, the body read whole and decoded with one
// json.Unmarshal, a 30 s deadline around the call.
func floorEdit(host string, hc *http.Client, cr creds) editFunc {
	f := newFloorClient(host, hc, cr)
	return func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		body, err := json.Marshal(inviteBody{Status: "accepted"})
		if err != nil {
			return "", err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, f.root+"user/invites/"+inviteID, bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		if f.auth != "" {
			req.Header.Set("Authorization", f.auth)
		} else {
			req.Header.Set("X-Auth-Email", f.email)
			req.Header.Set("X-Auth-Key", f.key)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", floorUserAgent)
		resp, err := f.hc.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("floor: HTTP %d", resp.StatusCode)
		}
		var env floorEnvelope
		if err := json.Unmarshal(data, &env); err != nil {
			return "", err
		}
		if !env.Success || env.Result == nil {
			return "", errors.New("floor: call failed")
		}
		return env.Result.Status, nil
	}
}

// response is the API reference's example response to Respond to
// Invitation, the same bytes for every client.
var response = sync.OnceValue(func() []byte {
	b, err := os.ReadFile("../../testdata/invite-response.json")
	if err != nil {
		panic(err)
	}
	return b
})

// memTransport answers every request in memory with the canned response,
// with no sockets.
type memTransport struct{}

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body := response()
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/2.0", ProtoMajor: 2,
		Header:        http.Header{"Content-Type": {"application/json"}, "Cf-Ray": {"8c0ffee0ba5eba11-SJC"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// handler answers like memTransport, over a socket.
func handler(count func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count()
		_, _ = io.Copy(io.Discard, r.Body)
		body := response()
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Cf-Ray"] = []string{"8c0ffee0ba5eba11-SJC"}
		h["Content-Length"] = []string{fmt.Sprint(len(body))}
		_, _ = w.Write(body)
	})
}
