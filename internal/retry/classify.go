package retry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
)

// Stage is how far an attempt got in the transport before it failed, as the
// pipeline traced it (net/http's httptrace GetConn and GotConn hooks).
type Stage int

const (
	// StageNone: the transport never asked for a connection. The error came
	// from code above it: a middleware, or a RoundTripper of the caller's
	// that returned without sending.
	StageNone Stage = iota
	// StageConnecting: a connection was asked for but never became ready:
	// the dial, the DNS lookup, a proxy or the TLS handshake failed or was
	// cut short. No byte of the request was written.
	StageConnecting
	// StageConnected: a connection was ready, so the request may have been
	// written, in part or in full.
	StageConnected
)

// Class says what a transport error means for the request.
type Class int

const (
	// Lost: the request may have reached the server and its response was
	// lost (a reset, an EOF, a timeout). The server may have acted.
	Lost Class = iota
	// NotSent: no byte of the request reached the server. Sending it again
	// is safe for every method.
	NotSent
	// Permanent: nothing was sent and sending again will not help (a
	// certificate that fails verification, a server that speaks plain HTTP
	// on an https URL, an error from the caller's own code).
	Permanent
)

// String names the class, for test failures and logs.
func (c Class) String() string {
	switch c {
	case Lost:
		return "lost"
	case NotSent:
		return "not sent"
	case Permanent:
		return "permanent"
	}
	return "class(?)"
}

// rule is one row of the classification table.
type rule struct {
	name   string
	stages []Stage // the stages the rule applies at; nil means any
	match  func(error) bool
	class  Class
}

// rules is the classification table, read top to bottom: the first rule
// that applies at the attempt's stage and matches the error decides. To
// teach the classifier a new failure (an HTTP/2 stream reset, a GOAWAY),
// add a row above the catch-all rows at the bottom.
var rules = []rule{
	{"certificate failed verification", nil, isCertificateError, Permanent},
	{"HTTP response to an HTTPS request", nil, isSchemeMismatch, Permanent},
	{"dial or DNS failure", nil, isDialError, NotSent},
	{"HTTP/2 stream refused (REFUSED_STREAM) or above a GOAWAY's last stream: never processed", nil, isHTTP2NotProcessed, NotSent},
	{"error from above the transport (middleware, the caller's RoundTripper)", []Stage{StageNone}, anyError, Permanent},
	{"connection never ready (dial, DNS, proxy, TLS handshake)", []Stage{StageConnecting}, anyError, NotSent},
	{"connection lost once ready", nil, anyError, Lost},
}

// Classify says what the transport error err, from an attempt that reached
// stage, means for the request. It is the table [rules], so each decision
// can be read, and tested, as one row.
func Classify(err error, stage Stage) Class {
	for _, r := range rules {
		if r.applies(stage) && r.match(err) {
			return r.class
		}
	}
	return Lost
}

func (r *rule) applies(stage Stage) bool {
	if r.stages == nil {
		return true
	}
	for _, s := range r.stages {
		if s == stage {
			return true
		}
	}
	return false
}

func anyError(error) bool { return true }

// isCertificateError reports a server certificate that failed verification:
// it will fail the same way on every attempt.
func isCertificateError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		roots    x509.SystemRootsError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &invalid) ||
		errors.As(err, &hostname) || errors.As(err, &roots)
}

// isSchemeMismatch reports a plain-HTTP server given an https URL.
func isSchemeMismatch(err error) bool { return errors.Is(err, http.ErrSchemeMismatch) }

// isDialError reports a connection that could not be made: no byte of the
// request reached the server.
func isDialError(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}
