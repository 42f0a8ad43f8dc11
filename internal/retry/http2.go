package retry

import (
	"errors"
	"strings"
)

// This file teaches the classifier HTTP/2's own failures. net/http's HTTP/2
// types are not exported, so they are recognised as net/http lets a caller
// recognise them: a stream error through its As method, the GOAWAY errors
// by their text.
//
// What they mean for the request (RFC 9113):
//
//   - RST_STREAM with REFUSED_STREAM: the server did no processing of the
//     request (section 8.7). Not sent.
//   - A GOAWAY whose last stream ID is below the request's stream: the
//     server never processed that stream (section 6.8). net/http aborts
//     such a stream with the errors below. Not sent.
//   - Any other reset (INTERNAL_ERROR, CANCEL, ...) or a connection closed
//     after a GOAWAY that covered the stream: the request was sent and may
//     have been processed. Lost, as any connection lost after sending.
//
// net/http itself sends a refused or GOAWAY'd request again when it can
// rewind the body (it can the SDK's), at once and then after 1 s, 2 s, ...;
// these reach the pipeline only when its own tries are used up.

// http2StreamError has the fields of net/http's HTTP/2 stream error (the
// same as golang.org/x/net/http2.StreamError). net/http's type has an As
// method that fills any struct of this shape.
type http2StreamError struct {
	StreamID uint32
	Code     uint32
	Cause    error
}

func (e http2StreamError) Error() string { return "http2 stream error" }

// http2RefusedStream is the REFUSED_STREAM error code (RFC 9113, section 7).
const http2RefusedStream = 0x7

// isRefusedStream reports a stream the server reset with REFUSED_STREAM.
func isRefusedStream(err error) bool {
	var se http2StreamError
	return errors.As(err, &se) && se.Code == http2RefusedStream
}

// The texts of net/http's errors for a stream above the last stream ID of a
// GOAWAY: after a graceful GOAWAY (NO_ERROR), and, for the first stream of
// a connection, after a GOAWAY with an error code.
const (
	http2GoAwayGraceful    = "http2: Transport received Server's graceful shutdown GOAWAY"
	http2GoAwayWithCodePfx = "http2: Transport received GOAWAY from server ErrCode:"
)

// isGoAwayUnprocessed reports a request aborted because a GOAWAY said the
// server would not process its stream.
func isGoAwayUnprocessed(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if msg == http2GoAwayGraceful || strings.HasPrefix(msg, http2GoAwayWithCodePfx) {
			return true
		}
	}
	return false
}

// isHTTP2NotProcessed reports an HTTP/2 failure that proves the server did
// not process the request: a row of the classification table (classify.go).
func isHTTP2NotProcessed(err error) bool {
	return isRefusedStream(err) || isGoAwayUnprocessed(err)
}
