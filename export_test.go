package cloudflare

import (
	"crypto/tls"
	"crypto/x509"
)

// TrustForBenchmarks makes the transport that clients without an
// *http.Client share trust roots, so the benchmarks of package
// cloudflare_test can run the SDK with its defaults against a loopback TLS
// server. It offers HTTP/2 and HTTP/1.1, as net/http's own configuration of
// the transport does, and keeps the transport's TLS session cache. Not for
// use while requests are in flight.
func TrustForBenchmarks(roots *x509.CertPool) {
	t := sharedTransport()
	t.TLSClientConfig = &tls.Config{RootCAs: roots, NextProtos: []string{"h2", "http/1.1"}, ClientSessionCache: t.TLSClientConfig.ClientSessionCache}
}
