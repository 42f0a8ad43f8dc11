package cloudflaretest

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authenticate checks a request's credentials and returns the error response
// the real API gives when they are missing, malformed or wrong, or nil.
//
// X-Auth-Email and X-Auth-Key are checked when either is present; otherwise
// the Authorization header is. Formats are checked before values, as the
// real API does: a malformed header is 400 with [CodeInvalidHeaders] and the
// precise cause in its error_chain, a well-formed but unknown credential is
// 403.
func (s *Server) authenticate(h http.Header) *response {
	_, hasEmail := h["X-Auth-Email"]
	_, hasKey := h["X-Auth-Key"]
	switch {
	case hasEmail || hasKey:
		return s.checkKey(h.Get("X-Auth-Email"), h.Get("X-Auth-Key"))
	case h.Get("Authorization") != "":
		return s.checkToken(h.Get("Authorization"))
	}
	resp := failure(http.StatusBadRequest, info(CodeMissingCredentials, "Missing X-Auth-Key, X-Auth-Email or Authorization headers"))
	return &resp
}

// checkKey checks an email and Global API key. A header that is missing
// while its partner is present counts as malformed.
func (s *Server) checkKey(email, key string) *response {
	var chain []wireInfo
	if !wellFormedEmail(email) {
		chain = append(chain, info(CodeInvalidEmailHeader, "Invalid format for X-Auth-Email header"))
	}
	if !wellFormedKey(key) {
		chain = append(chain, info(CodeInvalidKeyHeader, "Invalid format for X-Auth-Key header"))
	}
	if chain != nil {
		return invalidHeaders(chain)
	}
	if s.cfg.key == "" || !equal(email, s.cfg.email) || !equal(key, s.cfg.key) {
		resp := failure(http.StatusForbidden, info(CodeUnknownKey, "Unknown X-Auth-Key or X-Auth-Email"))
		return &resp
	}
	return nil
}

// checkToken checks an Authorization header, which must be "Bearer <token>".
func (s *Server) checkToken(authz string) *response {
	scheme, token, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !wellFormedToken(token) {
		return invalidHeaders([]wireInfo{info(CodeInvalidAuthorizationHeader, "Invalid format for Authorization header")})
	}
	if s.cfg.token == "" || !equal(token, s.cfg.token) {
		resp := failure(http.StatusForbidden, info(CodeAuthentication, "Authentication error"))
		return &resp
	}
	return nil
}

func invalidHeaders(chain []wireInfo) *response {
	e := info(CodeInvalidHeaders, "Invalid request headers")
	e.ErrorChain = chain
	resp := failure(http.StatusBadRequest, e)
	return &resp
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// wellFormedEmail reports whether v looks like an email address: at most 254
// bytes, one '@' with something on both sides, no space or control byte.
func wellFormedEmail(v string) bool {
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(v) > 254 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return false
		}
	}
	return true
}

// wellFormedKey reports whether v looks like a Global API key: 32 to 64
// hexadecimal digits (real keys have 37; the API reference's example, 32).
func wellFormedKey(v string) bool {
	if len(v) < 32 || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F') {
			return false
		}
	}
	return true
}

// wellFormedToken reports whether v looks like an API token: 32 to 256
// characters of the token68 alphabet (real tokens have 40).
func wellFormedToken(v string) bool {
	if len(v) < 32 || len(v) > 256 {
		return false
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-._~+/=", b) >= 0) {
			return false
		}
	}
	return true
}
