package cloudflare_test

// Tests of the issue "Do keeps its whole contract": empty successes, the
// kinds of result and body Do takes, WithIdempotent, result_info, and the
// guarantees of the pipeline (redaction, redirects, bounded reads) on the
// paths streamed bodies and io.Writer results take.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
)

// TestDoEmptySuccesses: a 2xx without a body is a success that leaves the
// result as it was, and WithResponseInto still gets its status and headers.
func TestDoEmptySuccesses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method string
		code         int
		length       string // the Content-Length header sent, or "" for none
	}{
		{"HEAD with Content-Length", http.MethodHead, 200, "42"},
		// The Content-Length of a HEAD is the GET's body's, which a HEAD
		// never carries: over the read bound, it is still no error.
		{"HEAD with a Content-Length over 1 MiB", http.MethodHead, 200, strconv.Itoa(3 << 20)},
		{"DELETE 204", http.MethodDelete, 204, ""},
		{"PUT 200 Content-Length 0", http.MethodPut, 200, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Test", "t")
				w.Header().Set("CF-Ray", "ray-empty")
				if tt.length != "" {
					w.Header().Set("Content-Length", tt.length)
				}
				w.WriteHeader(tt.code)
			})
			c := newClient(t, srv)
			var body any
			if tt.method == http.MethodPut {
				body = []byte(`{"a":1}`)
			}

			out := outRecord{ID: "old", N: 5}
			var resp cloudflare.Response
			err := c.Do(context.Background(), tt.method, "things/1", body, &out, cloudflare.WithResponseInto(&resp))
			require.NoError(t, err)
			assert.Equal(t, outRecord{ID: "old", N: 5}, out, "a pre-filled result is left as it was")
			assert.Equal(t, tt.code, resp.StatusCode)
			assert.Equal(t, "t", resp.Header.Get("X-Test"))
			assert.Equal(t, "ray-empty", resp.RayID)
			assert.Empty(t, resp.Body)

			w := bytes.NewBufferString("keep")
			require.NoError(t, c.Do(context.Background(), tt.method, "things/1", body, w))
			assert.Equal(t, "keep", w.String(), "nothing was written to an io.Writer result")
			assert.Equal(t, 2, srv.count(), "not retried")
		})
	}
}

// TestDoResultMustBePointerOrWriter: any other result is refused before
// anything is sent.
func TestDoResultMustBePointerOrWriter(t *testing.T) {
	t.Parallel()
	srv := newServer(t, status(200, success(`{"id":"x"}`)))
	c := newClient(t, srv)
	for name, result := range map[string]any{
		"struct value":  outRecord{},
		"map value":     map[string]any{},
		"slice value":   []outRecord{},
		"string value":  "s",
		"typed nil *T":  (*outRecord)(nil),
		"typed nil map": (*map[string]any)(nil),
		"nil writer":    (*bytes.Buffer)(nil),
	} {
		err := c.Do(context.Background(), http.MethodGet, "things/1", nil, result)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Equal(t, "result", ve.Field, name)
			assert.Equal(t, "GET /things/1", ve.Op, name)
		}
	}
	// A nil pointer as a body is refused too, readers and others alike.
	for name, body := range map[string]any{
		"nil *bytes.Buffer": (*bytes.Buffer)(nil), "nil *strings.Reader": (*strings.Reader)(nil),
		"nil *os.File": (*os.File)(nil), "nil *struct": (*outRecord)(nil),
	} {
		err := c.Do(context.Background(), http.MethodPut, "things/1", body, nil)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Equal(t, "body", ve.Field, name)
		}
	}
	assert.Zero(t, srv.count(), "nothing was sent")
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "things/1", nil, nil), "a nil result is fine")
	assert.Equal(t, 1, srv.count())
}

// TestDoWriterResult: an io.Writer result gets a 2xx body as sent, of any
// size; an error response is an APIError and leaves the writer untouched.
func TestDoWriterResult(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("0123456789abcdef"), (3<<20)/16) // 3 MiB
	tests := []struct {
		name    string
		h       http.HandlerFunc
		want    []byte
		chunked bool
	}{
		{"an envelope, as sent", status(200, success(`{"id":"x"}`)), []byte(success(`{"id":"x"}`)), false},
		{"a CSV body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/csv")
			_, _ = io.WriteString(w, "a,b\n1,2\n")
		}, []byte("a,b\n1,2\n"), false},
		{"3 MiB with Content-Length", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = w.Write(big)
		}, big, false},
		{"3 MiB chunked", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			http.NewResponseController(w).Flush()
			_, _ = w.Write(big)
		}, big, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.h)
			var buf bytes.Buffer
			require.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodGet, "export", nil, &buf))
			assert.Equal(t, len(tt.want), buf.Len())
			assert.True(t, bytes.Equal(tt.want, buf.Bytes()), "the body as sent")
			assert.Equal(t, 1, srv.count())
		})
	}

	t.Run("error response", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, status(404, failure(1003, "no such export")))
		buf := bytes.NewBufferString("keep")
		err := newClient(t, srv).Do(context.Background(), http.MethodGet, "export", nil, buf)
		var ae *cloudflare.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 404, ae.StatusCode)
		assert.Equal(t, []cloudflare.ResponseInfo{{Code: 1003, Message: "no such export"}}, ae.Errors)
		assert.ErrorIs(t, err, cloudflare.ErrNotFound)
		assert.Equal(t, "keep", buf.String(), "the writer is untouched")
	})
}

// doPlainReader is a reader that is nothing else: no Seeker, no Len.
type doPlainReader struct{ r io.Reader }

func (p *doPlainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// TestDoReaderBodies: an io.Reader body is sent as it is, as
// application/octet-stream or the type WithContentType gives.
func TestDoReaderBodies(t *testing.T) {
	t.Parallel()
	const content = "line one\nline two\x00\xff\n"
	readers := []struct {
		name string
		new  func() io.Reader
	}{
		{"strings.Reader", func() io.Reader { return strings.NewReader(content) }},
		{"bytes.Reader", func() io.Reader { return bytes.NewReader([]byte(content)) }},
		{"bytes.Buffer", func() io.Reader { return bytes.NewBufferString(content) }},
		{"io.MultiReader", func() io.Reader {
			return io.MultiReader(strings.NewReader(content[:5]), strings.NewReader(content[5:]))
		}},
		{"plain reader", func() io.Reader { return &doPlainReader{strings.NewReader(content)} }},
	}
	for _, rd := range readers {
		for _, ctype := range []string{"", "text/plain"} {
			t.Run(rd.name+" "+ctype, func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, nil)
				body := rd.new()
				var opts []cloudflare.Option
				want := "application/octet-stream"
				if ctype != "" {
					opts, want = append(opts, cloudflare.WithContentType(ctype)), ctype
				}
				require.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodPost, "upload", body, nil, opts...))
				reqs := srv.requests()
				require.Len(t, reqs, 1)
				assert.Equal(t, content, string(reqs[0].Body))
				assert.Equal(t, []string{want}, reqs[0].Header.Values("Content-Type"))
				if b, ok := body.(*bytes.Buffer); ok {
					assert.Equal(t, len(content), b.Len(), "a bytes.Buffer is not consumed")
					assert.Equal(t, content, b.String())
				}
			})
		}
	}
}

// TestDoSeekerResentWhole: a body that can be sought back is sent whole
// again on a retry, from where it stood when given.
func TestDoSeekerResentWhole(t *testing.T) {
	t.Parallel()
	const content = "0123456789abcdefghij"
	partly := strings.NewReader(content)
	_, err := partly.Read(make([]byte, 5))
	require.NoError(t, err)
	tests := []struct {
		name string
		body io.Reader
		want string
	}{
		{"strings.Reader", strings.NewReader(content), content},
		{"bytes.Reader", bytes.NewReader([]byte(content)), content},
		{"bytes.Buffer", bytes.NewBufferString(content), content},
		{"strings.Reader partly read", partly, content[5:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := sequence(status(503, failure(1000, "busy")), status(200, success("null")))
			srv := newServer(t, h)
			require.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodPut, "upload", tt.body, nil))
			reqs := srv.requests()
			require.Len(t, reqs, 2)
			for _, r := range reqs {
				assert.Equal(t, tt.want, string(r.Body))
			}
		})
	}
}

// TestDoNonSeekableSentOnce: a body that cannot be sought back is not sent
// twice: the failure that would have been retried is returned.
func TestDoNonSeekableSentOnce(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]io.Reader{
		"io.MultiReader": io.MultiReader(strings.NewReader("part one, "), strings.NewReader("part two")),
		"plain reader":   &doPlainReader{strings.NewReader("part one, part two")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _ := sequence(status(503, failure(1000, "busy")), status(200, success("null")))
			srv := newServer(t, h)
			err := newClient(t, srv).Do(context.Background(), http.MethodPut, "upload", body, nil)
			var ae *cloudflare.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 503, ae.StatusCode)
			reqs := srv.requests()
			require.Len(t, reqs, 1, "not retried")
			assert.Equal(t, "part one, part two", string(reqs[0].Body))
		})
	}
}

// TestDoMultipartUpload: a multipart form arrives whole, readable with
// ParseMultipartForm.
func TestDoMultipartUpload(t *testing.T) {
	t.Parallel()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	require.NoError(t, mw.WriteField("metadata", `{"main_module":"worker.js"}`))
	fw, err := mw.CreateFormFile("file", "worker.js")
	require.NoError(t, err)
	const script = "export default { fetch() { return new Response('hi') } }\n"
	_, err = io.WriteString(fw, script)
	require.NoError(t, err)
	require.NoError(t, mw.Close())

	type got struct {
		err            error
		metadata, name string
		file           []byte
	}
	var mu sync.Mutex
	var gots []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var g got
		if g.err = r.ParseMultipartForm(1 << 20); g.err == nil {
			g.metadata = r.FormValue("metadata")
			var f multipart.File
			var fh *multipart.FileHeader
			if f, fh, g.err = r.FormFile("file"); g.err == nil {
				g.name = fh.Filename
				g.file, g.err = io.ReadAll(f)
				_ = f.Close()
			}
		}
		mu.Lock()
		gots = append(gots, g)
		mu.Unlock()
		reply(w, 200, success(`{"id":"script"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL+"/client/v4/"), cloudflare.WithAPIToken(testToken))
	require.NoError(t, err)

	var out struct {
		ID string `json:"id"`
	}
	err = c.Do(context.Background(), http.MethodPut, "accounts/a/workers/scripts/s", &form, &out, cloudflare.WithContentType(mw.FormDataContentType()))
	require.NoError(t, err)
	assert.Equal(t, "script", out.ID)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, gots, 1)
	require.NoError(t, gots[0].err)
	assert.Equal(t, `{"main_module":"worker.js"}`, gots[0].metadata)
	assert.Equal(t, "worker.js", gots[0].name)
	assert.Equal(t, script, string(gots[0].file))
}

// TestDoContentTypeValidation: a Content-Type without a body, or through
// WithHeader, is refused before anything is sent.
func TestDoContentTypeValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	c := newClient(t, srv)
	tests := []struct {
		name  string
		body  any
		opt   cloudflare.Option
		field string
	}{
		{"WithContentType without a body", nil, cloudflare.WithContentType("text/plain"), "WithContentType"},
		{"WithContentType empty", strings.NewReader("x"), cloudflare.WithContentType(""), "WithContentType"},
		{"WithHeader Content-Type", strings.NewReader("x"), cloudflare.WithHeader("Content-Type", "text/plain"), "WithHeader"},
		{"WithHeader content-type", []byte("{}"), cloudflare.WithHeader("content-type", "application/json"), "WithHeader"},
	}
	for _, tt := range tests {
		err := c.Do(context.Background(), http.MethodPost, "upload", tt.body, nil, tt.opt)
		var ve *cloudflare.ValidationError
		if assert.ErrorAs(t, err, &ve, tt.name) {
			assert.Equal(t, tt.field, ve.Field, tt.name)
			assert.Equal(t, "POST /upload", ve.Op, tt.name)
		}
	}
	_, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL), cloudflare.WithAPIToken(testToken), cloudflare.WithHeader("Content-Type", "text/plain"))
	assert.ErrorIs(t, err, cloudflare.ErrValidation)
	assert.Zero(t, srv.count())
}

// TestDoIdempotentOption: WithIdempotent lets a POST or PATCH whose
// outcome was lost be sent again; it is per call only.
func TestDoIdempotentOption(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodPost, http.MethodPatch} {
		for _, marked := range []bool{true, false} {
			t.Run(method+" "+strconv.FormatBool(marked), func(t *testing.T) {
				t.Parallel()
				h, _ := sequence(drop, status(200, success(`{"id":"made"}`)))
				srv := newServer(t, h)
				var opts []cloudflare.Option
				if marked {
					opts = append(opts, cloudflare.WithIdempotent())
				}
				var out outRecord
				err := newClient(t, srv).Do(context.Background(), method, "things", []byte(`{"name":"n"}`), &out, opts...)
				if marked {
					require.NoError(t, err)
					assert.Equal(t, "made", out.ID)
					assert.Equal(t, 2, srv.count())
					return
				}
				assert.ErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
				assert.Zero(t, out)
				assert.Equal(t, 1, srv.count())
			})
		}
	}

	srv := newServer(t, nil)
	_, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL), cloudflare.WithAPIToken(testToken), cloudflare.WithIdempotent())
	var ve *cloudflare.ValidationError
	if assert.ErrorAs(t, err, &ve) {
		assert.Equal(t, "NewClient", ve.Op)
		assert.Equal(t, "WithIdempotent", ve.Field)
	}
	_, err = newClient(t, srv).With(cloudflare.WithIdempotent())
	if assert.ErrorAs(t, err, &ve) {
		assert.Equal(t, "WithIdempotent", ve.Field)
	}
	assert.Zero(t, srv.count())
}

// TestDoResultInfoTotalPages: result_info.total_pages reaches the Response.
func TestDoResultInfoTotalPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t, status(200, `{"success":true,"errors":[],"messages":[],"result":[{"id":"m1"}],`+
		`"result_info":{"page":2,"per_page":10,"count":10,"total_count":35,"total_pages":4}}`))
	var resp cloudflare.Response
	var out []outRecord
	require.NoError(t, newClient(t, srv).Do(context.Background(), http.MethodGet, "memberships?page=2", nil, &out, cloudflare.WithResponseInto(&resp)))
	require.NotNil(t, resp.ResultInfo)
	assert.Equal(t, 4, resp.ResultInfo.TotalPages)
	assert.Equal(t, cloudflare.ResultInfo{Page: 2, PerPage: 10, Count: 10, TotalCount: 35, TotalPages: 4}, *resp.ResultInfo)
	assert.Equal(t, []outRecord{{ID: "m1"}}, out)
}

// TestDoRedactsEchoedToken: a token the server echoes in an error's body, a
// header or an envelope message is "[redacted]" in the error and in the
// Response, with a streamed body and an io.Writer result too.
func TestDoRedactsEchoedToken(t *testing.T) {
	t.Parallel()
	echo := func(asJSON bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			w.Header().Set("X-Echo", "token "+tok)
			w.Header().Set("CF-Ray", tok+"-SJC")
			if !asJSON {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(400)
				_, _ = io.WriteString(w, "bad credential: "+tok)
				return
			}
			m, _ := doJSONString("bad token " + tok)
			reply(w, 400, `{"success":false,"errors":[{"code":1000,"message":`+m+`}],"messages":[{"code":1,"message":`+m+`}],"result":null}`)
		}
	}
	for _, tt := range []struct {
		name   string
		asJSON bool
	}{{"envelope", true}, {"plain body", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, echo(tt.asJSON))
			var resp cloudflare.Response
			w := bytes.NewBufferString("keep")
			err := newClient(t, srv).Do(context.Background(), http.MethodPut, "upload", strings.NewReader("data"), w, cloudflare.WithResponseInto(&resp))
			var ae *cloudflare.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 400, ae.StatusCode)
			require.Equal(t, 1, srv.count(), "the token was sent and echoed")
			assert.Equal(t, "Bearer "+testToken, srv.requests()[0].Header.Get("Authorization"))

			assert.Contains(t, err.Error(), "[redacted]")
			assertNoSecret(t, err.Error(), testToken)
			assertNoSecret(t, fmt.Sprintf("%+v", ae), testToken)
			assertNoSecret(t, fmt.Sprintf("%+v %s", resp, resp.Body), testToken)
			assert.Equal(t, "token [redacted]", resp.Header.Get("X-Echo"))
			assert.Equal(t, "[redacted]-SJC", resp.RayID)
			assert.Equal(t, "[redacted]-SJC", ae.RayID)
			if tt.asJSON {
				assert.Equal(t, "bad token [redacted]", ae.Errors[0].Message)
				require.Len(t, resp.Messages, 1)
				assert.Equal(t, "bad token [redacted]", resp.Messages[0].Message)
			} else {
				assert.Equal(t, "bad credential: [redacted]", ae.Body)
				assert.Equal(t, "bad credential: [redacted]", string(resp.Body))
			}
			assert.Equal(t, "keep", w.String())
		})
	}
}

// doJSONString returns s as a JSON string, HTML-escaped as encoding/json
// writes it.
func doJSONString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// TestDoCrossOriginRedirectNotFollowed: a redirect to another origin is
// returned, not followed, whatever the body and result, and the other
// origin receives nothing.
func TestDoCrossOriginRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method string
		code   int
		body   func() any
		result func() any
	}{
		{http.MethodGet, 302, func() any { return nil }, func() any { return &bytes.Buffer{} }},
		{http.MethodGet, 301, func() any { return nil }, func() any { return &outRecord{} }},
		{http.MethodPut, 307, func() any { return strings.NewReader("data") }, func() any { return &bytes.Buffer{} }},
		{http.MethodPost, 308, func() any { return bytes.NewReader([]byte("data")) }, func() any { return nil }},
		{http.MethodPost, 307, func() any { return io.MultiReader(strings.NewReader("data")) }, func() any { return &bytes.Buffer{} }},
		{http.MethodDelete, 308, func() any { return nil }, func() any { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+strconv.Itoa(tt.code), func(t *testing.T) {
			t.Parallel()
			other := newServer(t, nil)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/client/v4/moved", tt.code)
			})
			result := tt.result()
			err := newClient(t, srv).Do(context.Background(), tt.method, "things/1", tt.body(), result)
			var ae *cloudflare.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.code, ae.StatusCode)
			assert.Contains(t, err.Error(), "not followed")
			assert.NotErrorIs(t, err, cloudflare.ErrOutcomeUnknown)
			assert.Equal(t, 1, srv.count())
			assert.Zero(t, other.count(), "the other origin got a request")
			for _, r := range other.requests() {
				assert.Empty(t, r.Header.Get("Authorization"))
			}
			if b, ok := result.(*bytes.Buffer); ok {
				assert.Zero(t, b.Len(), "the redirect's body is not the result")
			}
		})
	}
}

// TestDoErrorBodyBounded: an error response of 3 MiB with an io.Writer
// result is read within the bound, and its excerpt is short.
func TestDoErrorBodyBounded(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("error text ", (3<<20)/11)
	for _, announced := range []bool{true, false} {
		t.Run("Content-Length "+strconv.FormatBool(announced), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				if announced {
					w.Header().Set("Content-Length", strconv.Itoa(len(big)))
				}
				w.WriteHeader(400)
				http.NewResponseController(w).Flush()
				_, _ = io.WriteString(w, big)
			})
			w := bytes.NewBufferString("keep")
			var resp cloudflare.Response
			err := newClient(t, srv).Do(context.Background(), http.MethodPost, "upload", strings.NewReader("data"), w,
				cloudflare.WithResponseInto(&resp), cloudflare.WithTimeout(time.Minute))
			var ae *cloudflare.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 400, ae.StatusCode)
			assert.Contains(t, err.Error(), "body larger than 1 MiB")
			assert.LessOrEqual(t, len(ae.Body), 256+len("…"))
			assert.Less(t, len(err.Error()), 2048)
			assert.LessOrEqual(t, len(resp.Body), 1<<20)
			assert.Equal(t, 400, resp.StatusCode)
			assert.Equal(t, "keep", w.String(), "the writer is untouched")
			assert.Equal(t, 1, srv.count())
		})
	}
}
