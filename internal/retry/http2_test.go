package retry

import (
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// xnetStreamError is shaped like golang.org/x/net/http2.StreamError, with
// an As method like net/http's bundled copy of it, for codes net/http never
// lets through to a caller in a test (it sends a refused stream again
// itself, up to 7 times over a minute). retry_test.go reads the code of
// real resets through the same As.
type xnetStreamError struct {
	StreamID uint32
	Code     uint32
	Cause    error
}

func (e xnetStreamError) Error() string {
	return fmt.Sprintf("stream error: stream ID %d; code %d", e.StreamID, e.Code)
}

func (e xnetStreamError) As(target any) bool {
	t, ok := target.(*http2StreamError)
	if ok {
		*t = http2StreamError(e)
	}
	return ok
}

// TestHTTP2Rows: what proves an HTTP/2 stream was never processed, and
// what does not.
func TestHTTP2Rows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want Class
	}{
		{"REFUSED_STREAM", &url.Error{Op: "Patch", Err: xnetStreamError{StreamID: 3, Code: http2RefusedStream}}, NotSent},
		{"graceful GOAWAY, stream above the last", &url.Error{Op: "Patch", Err: errors.New(http2GoAwayGraceful)}, NotSent},
		{"GOAWAY with a code, first stream", &url.Error{Op: "Patch", Err: errors.New(http2GoAwayWithCodePfx + "ENHANCE_YOUR_CALM")}, NotSent},
		{"PROTOCOL_ERROR", &url.Error{Op: "Patch", Err: xnetStreamError{StreamID: 3, Code: 0x1}}, Lost},
		{"INTERNAL_ERROR", &url.Error{Op: "Patch", Err: xnetStreamError{StreamID: 3, Code: 0x2}}, Lost},
		{"connection closed after a GOAWAY that covered the stream",
			&url.Error{Op: "Patch", Err: errors.New(`http2: server sent GOAWAY and closed the connection; LastStreamID=5, ErrCode=NO_ERROR, debug=""`)}, Lost},
	} {
		assert.Equal(t, tc.want, Classify(tc.err, StageConnected), tc.name)
	}
}
