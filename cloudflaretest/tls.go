package cloudflaretest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// This file is the fake's TLS side: a certificate of its own, a listener
// that does the TLS handshake itself, and a connection that can change the
// error code of the HTTP/2 stream resets the server writes.
//
// net/http gives a handler no way to reset its stream with a chosen code: a
// handler that panics with http.ErrAbortHandler resets it with
// INTERNAL_ERROR, always. So the fake terminates TLS itself and hands the
// decrypted connection to an http.Server that speaks HTTP/1.1 and HTTP/2
// with prior knowledge (http.Protocols' UnencryptedHTTP2); the connection
// sees every frame the server writes and rewrites the code of a reset a
// fault asked for. The client sees an ordinary TLS server that negotiates
// "h2" or "http/1.1" with ALPN.

// newCertificate makes a self-signed ECDSA certificate for 127.0.0.1, ::1,
// localhost and ip (the listener's, when it is another specified one),
// valid from an hour ago for a year.
func newCertificate(ip net.IP) (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"cloudflaretest fake API"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           certIPs(ip),
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}

// certIPs returns the IP addresses a certificate names: the loopback ones,
// and ip when it is another specified one.
func certIPs(ip net.IP) []net.IP {
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if ip != nil && !ip.IsUnspecified() && !ip.Equal(ips[0]) && !ip.Equal(ips[1]) {
		ips = append(ips, ip)
	}
	return ips
}

// tlsListener accepts TCP connections and wraps each in a TLS server
// connection; the handshake runs on the connection's first read, in the
// server's goroutine for it.
type tlsListener struct {
	net.Listener
	config *tls.Config
}

func (l tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &serverConn{Conn: tls.Server(c, l.config)}, nil
}

// serverConn is one connection of a TLS server, decrypted. It deliberately
// hides the *tls.Conn (it has no ConnectionState method), so http.Server
// treats it as a plain connection and serves HTTP/2 on it when the client
// starts with the HTTP/2 preface, as a client that negotiated "h2" does.
type serverConn struct {
	net.Conn // a *tls.Conn

	mu     sync.Mutex
	h2     int8     // 0 unknown, 1 HTTP/2, -1 HTTP/1.1
	resets []uint32 // codes for the next RST_STREAM frames written
	frame  frameWalker
}

// connKey is the request context key of the request's *serverConn.
type connKey struct{}

// connContext puts the connection in the context of its requests.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*serverConn); ok {
		return context.WithValue(ctx, connKey{}, sc)
	}
	return ctx
}

// connOf returns the TLS connection a request came on, or nil.
func connOf(r *http.Request) *serverConn {
	sc, _ := r.Context().Value(connKey{}).(*serverConn)
	return sc
}

// isHTTP2 reports whether the client negotiated HTTP/2.
func (c *serverConn) isHTTP2() bool {
	if c.h2 == 0 {
		c.h2 = -1
		if tc, ok := c.Conn.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol == "h2" {
			c.h2 = 1
		}
	}
	return c.h2 == 1
}

// resetNext makes the next RST_STREAM frame the server writes on this
// connection carry code instead of the INTERNAL_ERROR a handler's panic
// gives it.
func (c *serverConn) resetNext(code uint32) {
	c.mu.Lock()
	c.resets = append(c.resets, code)
	c.mu.Unlock()
}

// Write follows the HTTP/2 frames the server writes, and rewrites the code
// of a reset a fault asked for.
func (c *serverConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.isHTTP2() {
		p = c.frame.walk(p, &c.resets)
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// HTTP/2 frame types and error codes (RFC 9113, sections 6 and 7).
const (
	frameHeaderLen = 9
	frameRSTStream = 0x3
)

// frameWalker follows frame boundaries across writes.
type frameWalker struct {
	header [frameHeaderLen]byte
	nhdr   int  // bytes of the current frame header seen
	left   int  // bytes of the current frame's payload not yet seen
	at     int  // bytes of the payload seen
	code   bool // the current frame is a reset whose code is rewritten
	with   [4]byte
}

// walk returns p, or a copy of it with the codes of reset frames replaced
// by the next codes of *resets, which it consumes.
func (w *frameWalker) walk(p []byte, resets *[]uint32) []byte {
	copied := false
	for i := 0; i < len(p); {
		if w.nhdr < frameHeaderLen {
			n := copy(w.header[w.nhdr:], p[i:])
			w.nhdr += n
			i += n
			if w.nhdr < frameHeaderLen {
				break
			}
			w.left = int(w.header[0])<<16 | int(w.header[1])<<8 | int(w.header[2])
			w.at = 0
			w.code = w.header[3] == frameRSTStream && w.left == 4 && len(*resets) > 0
			if w.code {
				code := (*resets)[0]
				*resets = (*resets)[1:]
				w.with = [4]byte{byte(code >> 24), byte(code >> 16), byte(code >> 8), byte(code)}
			}
		}
		n := min(w.left, len(p)-i)
		if w.code && n > 0 {
			if !copied {
				p = append([]byte(nil), p...)
				copied = true
			}
			copy(p[i:i+n], w.with[w.at:w.at+n])
		}
		w.at += n
		w.left -= n
		i += n
		if w.left == 0 {
			w.nhdr = 0
		}
	}
	return p
}
