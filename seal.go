// This file holds the redaction boundary: seal, through which every
// attempt's result passes before anything reads it, so that text from the
// server or a proxy (the CF-Ray header, body excerpts, the envelope's
// messages, the Location of a redirect, Content-Type, and the text of
// decoding and transport errors that quote them) reaches an error, a field
// of an error or a log record only with the credential redacted. The
// redactor itself is in redact.go.

package cloudflare

import (
	"net"
	"reflect"
)

// seal is the redaction boundary. Every attempt's result passes through it
// before anything reads it: the Ray ID the log records (redacted when logged
// is true, cleared otherwise, as nothing else reads it; a client that never
// logs nor fails then never builds its redactor), and the error, with every
// field that can hold text from the server or a proxy redacted. An error
// that is not one of this package's (or that such an error wraps, such as
// a decoding or transport error quoting the body or a header) is replaced,
// when anything in it mentions the secret, by one whose text is redacted;
// see redactError.
func (k *call) seal(res *attemptResult, logged bool) {
	redact := k.cred.redact
	if logged {
		res.rayID = redact(res.rayID)
	} else {
		res.rayID = ""
	}
	if res.err != nil {
		res.err = sealError(res.err, redact)
	}
}

// sealError is seal for an error a method builds itself from what the
// server sent, outside an attempt (All's stop): it redacts the credential
// the client sends now, and the token a source gave before it.
func (c *Client) sealError(err error) error { return sealError(err, c.auth.redact) }

// redact replaces the client's credential in s: the fixed one, or the last
// token the source gave (and the one before it).
func (c *credentials) redact(s string) string {
	if c.static != nil {
		return c.static.redact(s)
	}
	if last := c.last.Load(); last != nil {
		return last.redact(s)
	}
	return s
}

// sealError redacts the fields of an error built from a response, in place.
func sealError(err error, redact func(string) string) error {
	switch e := err.(type) {
	case *APIError:
		e.RayID = redact(e.RayID)
		e.Body = excerpt(redact(e.Body))
		sealInfos(e.Errors, redact)
		sealInfos(e.Messages, redact)
		return e
	case *ResponseError:
		e.RayID, e.Location, e.Reason = redact(e.RayID), redact(e.Location), redact(e.Reason)
		e.Err = redactError(e.Err, redact)
		return e
	case *RequestError:
		e.Err = redactError(e.Err, redact)
		return e
	}
	return redactError(err, redact)
}

// sealInfos redacts the text of the envelope's messages, error_chain included.
func sealInfos(infos []ResponseInfo, redact func(string) string) {
	for i := range infos {
		infos[i].Message = redact(infos[i].Message)
		infos[i].DocumentationURL = redact(infos[i].DocumentationURL)
		infos[i].Source.Pointer = redact(infos[i].Source.Pointer)
		sealInfos(infos[i].ErrorChain, redact)
	}
}

// redactError returns err itself when neither its text nor anything it
// holds (its fields, and the errors it wraps, seen by reflection) mentions
// the secret. Otherwise it returns a *redactedError with err's text
// redacted, which wraps the redacted forms of the errors err wraps: links of
// the chain that mention nothing are kept as they are, so errors.Is and
// errors.As still find, say, context.DeadlineExceeded or a *net.OpError,
// while a link that holds the secret (a *time.ParseError quoting the body)
// is never reachable.
func redactError(err error, redact func(string) string) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); redact(msg) == msg && !mentions(reflect.ValueOf(err), redact, 0, new(int)) {
		return err
	}
	e := &redactedError{msg: redact(err.Error())}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if inner := redactError(u.Unwrap(), redact); inner != nil {
			e.errs = []error{inner}
		}
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			if inner = redactError(inner, redact); inner != nil {
				e.errs = append(e.errs, inner)
			}
		}
		return &redactedErrors{*e}
	}
	return e
}

// connType is net.Conn, which mentions does not walk into.
var connType = reflect.TypeFor[net.Conn]()

// mentions reports whether any text reachable from v mentions the secret.
// It gives up, reporting true, on a value too deep or too large to walk,
// and on a network connection (such as the one a *tls.RecordHeaderError
// holds): its buffers may hold what the server sent, and another goroutine
// may still be using it.
func mentions(v reflect.Value, redact func(string) string, depth int, visited *int) bool {
	*visited++
	if depth > 32 || *visited > 10000 {
		return true
	}
	if v.Kind() == reflect.Pointer && v.Type().Implements(connType) {
		return true
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		return redact(s) != s
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			return redact(string(b)) != string(b)
		}
		for i := 0; i < v.Len(); i++ {
			if mentions(v.Index(i), redact, depth+1, visited) {
				return true
			}
		}
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && mentions(v.Elem(), redact, depth+1, visited)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if mentions(v.Field(i), redact, depth+1, visited) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if mentions(it.Key(), redact, depth+1, visited) || mentions(it.Value(), redact, depth+1, visited) {
				return true
			}
		}
	}
	return false
}

// redactedError stands for an error whose text mentioned the credential: it
// has that text redacted, and wraps the redacted forms of what the original
// wrapped.
type redactedError struct {
	msg  string
	errs []error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap returns the redacted form of the error the original wrapped.
func (e *redactedError) Unwrap() error {
	if len(e.errs) == 0 {
		return nil
	}
	return e.errs[0]
}

// redactedErrors is a redactedError of an error that wrapped several.
type redactedErrors struct{ redactedError }

// Unwrap returns the redacted forms of the errors the original wrapped.
func (e *redactedErrors) Unwrap() []error { return e.errs }
