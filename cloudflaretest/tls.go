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
	return newServerConn(tls.Server(c, l.config)), nil
}

// serverConn is one connection of a TLS server, decrypted. It deliberately
// hides the *tls.Conn (it has no ConnectionState method), so http.Server
// treats it as a plain connection and serves HTTP/2 on it when the client
// starts with the HTTP/2 preface, as a client that negotiated "h2" does.
//
// A fault resets its stream by registering a code and panicking; net/http
// then writes RST_STREAM with INTERNAL_ERROR for that stream, and Write
// gives it the registered code. A handler cannot learn its stream's ID, so
// resets are taken one at a time per connection: the next handler waits
// until the reset before it has been written (so that, say, a refusal
// meant for one stream never lands on a stream another fault has already
// applied), and only a frame with INTERNAL_ERROR, the code of a panic, is
// rewritten.
type serverConn struct {
	net.Conn // a *tls.Conn

	turn   chan struct{} // holds a token while a reset is pending
	closed chan struct{} // closed by Close
	once   sync.Once

	mu      sync.Mutex
	h2      int8   // 0 unknown, 1 HTTP/2, -1 HTTP/1.1
	pending uint32 // the code of the reset being made, or 0
	frame   frameWalker
}

func newServerConn(c net.Conn) *serverConn {
	return &serverConn{Conn: c, turn: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Close closes the connection and ends any wait for a reset's turn.
func (c *serverConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
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

// resetTurnWait bounds the wait for a reset's turn, in case the reset
// before it is never written (its stream was closed by the client first).
const resetTurnWait = 2 * time.Second

// resetStream resets the stream of the handler that calls it with code: it
// waits for its turn on the connection, registers the code, and panics. It
// does not return.
func (c *serverConn) resetStream(ctx context.Context, code uint32) {
	t := time.NewTimer(resetTurnWait)
	defer t.Stop()
	select {
	case c.turn <- struct{}{}:
	case <-t.C:
		// The reset before never reached the wire: take over its turn.
		c.mu.Lock()
		c.pending = 0
		c.mu.Unlock()
	case <-ctx.Done():
		panic(http.ErrAbortHandler)
	case <-c.closed:
		panic(http.ErrAbortHandler)
	}
	c.mu.Lock()
	c.pending = code
	c.mu.Unlock()
	panic(http.ErrAbortHandler)
}

// Write follows the HTTP/2 frames the server writes, and gives a reset a
// fault asked for its code.
func (c *serverConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	out := p
	if c.isHTTP2() {
		var done bool
		out, done = c.frame.walk(p, c.pending)
		if done {
			c.pending = 0
			select {
			case <-c.turn:
			default:
			}
		}
	}
	c.mu.Unlock()
	if len(out) > 0 {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// HTTP/2 frame types and error codes (RFC 9113, sections 6 and 7).
const (
	frameHeaderLen    = 9
	frameRSTStream    = 0x3
	codeInternalError = 0x2
)

// frameWalker follows frame boundaries across writes. A RST_STREAM frame
// is held back until its code has been seen whole, so it can be rewritten.
type frameWalker struct {
	header [frameHeaderLen]byte
	nhdr   int    // bytes of the current frame header seen
	left   int    // bytes of the current frame's payload not yet passed
	held   []byte // the start of a RST_STREAM frame, not yet written
}

// walk returns the bytes to write for p, and whether it gave the pending
// code (if not 0) to a RST_STREAM frame with INTERNAL_ERROR.
func (w *frameWalker) walk(p []byte, pending uint32) ([]byte, bool) {
	if len(w.held) > 0 {
		p = append(w.held, p...)
		w.held = nil
	}
	copied := false
	done := false
	for i := 0; i < len(p); {
		if w.left > 0 {
			n := min(w.left, len(p)-i)
			w.left -= n
			i += n
			continue
		}
		start := i
		n := copy(w.header[w.nhdr:], p[i:])
		w.nhdr += n
		i += n
		if w.nhdr < frameHeaderLen {
			break
		}
		w.nhdr = 0
		length := int(w.header[0])<<16 | int(w.header[1])<<8 | int(w.header[2])
		if w.header[3] != frameRSTStream || length != 4 {
			w.left = length
			continue
		}
		// A RST_STREAM frame. Its code is rewritten in place when it is
		// in this write; otherwise the frame is held back until it is, if
		// it began in this write (a header split over two writes was
		// passed already, and so is its code: a rare loss).
		if len(p)-i < 4 {
			if i-start == frameHeaderLen {
				w.held = append([]byte(nil), p[start:]...)
				return p[:start], done
			}
			w.left = 4
			continue
		}
		code := uint32(p[i])<<24 | uint32(p[i+1])<<16 | uint32(p[i+2])<<8 | uint32(p[i+3])
		if pending != 0 && !done && code == codeInternalError {
			if !copied {
				p = append([]byte(nil), p...)
				copied = true
			}
			p[i], p[i+1], p[i+2], p[i+3] = byte(pending>>24), byte(pending>>16), byte(pending>>8), byte(pending)
			done = true
		}
		i += 4
	}
	return p, done
}
