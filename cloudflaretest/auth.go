package cloudflaretest

import (
	"net/http"
	"strings"
)

// authenticate checks a request's credentials and returns the error response
// the real API gives when they are missing, malformed or wrong, or a
// response with status 0.
//
// X-Auth-Email and X-Auth-Key are checked when either is present; otherwise
// the Authorization header is. Formats are checked before values, as the
// real API does: a malformed header is 400 with code 6003 and the precise
// cause in its error_chain, a well-formed but unknown credential is 403.
func (s *Server) authenticate(h http.Header) response {
	_, hasEmail := h["X-Auth-Email"]
	_, hasKey := h["X-Auth-Key"]
	switch email, key, authz := h.Get("X-Auth-Email"), h.Get("X-Auth-Key"), h.Get("Authorization"); {
	case hasEmail || hasKey:
		var chain []wireInfo
		if !wellFormedEmail(email) {
			chain = append(chain, info(6102, "Invalid format for X-Auth-Email header"))
		}
		if !wellFormedKey(key) {
			chain = append(chain, info(6103, "Invalid format for X-Auth-Key header"))
		}
		if chain != nil {
			return invalidHeaders(chain...)
		}
		if s.cfg.key != "" && email == s.cfg.email && key == s.cfg.key {
			return response{}
		}
		return failure(http.StatusForbidden, info(9103, "Unknown X-Auth-Key or X-Auth-Email"))
	case authz != "":
		scheme, token, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || !wellFormedToken(token) {
			return invalidHeaders(info(6111, "Invalid format for Authorization header"))
		}
		if s.cfg.token != "" && token == s.cfg.token {
			return response{}
		}
		return failure(http.StatusForbidden, info(10000, "Authentication error"))
	default:
		return failure(http.StatusBadRequest, info(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers"))
	}
}

func invalidHeaders(chain ...wireInfo) response {
	e := info(6003, "Invalid request headers")
	e.ErrorChain = chain
	return failure(http.StatusBadRequest, e)
}

// wellFormedEmail reports whether v looks like an email address: at most 254
// bytes, one '@' with something on both sides, no space or control byte.
func wellFormedEmail(v string) bool {
	local, domain, ok := strings.Cut(v, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") && len(v) <= 254 &&
		!strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r >= 0x7f })
}

// wellFormedKey reports whether v looks like a Global API key: 32 to 64
// hexadecimal digits (real keys have 37; the API reference's example, 32).
func wellFormedKey(v string) bool {
	return len(v) >= 32 && len(v) <= 64 && strings.Trim(v, "0123456789abcdefABCDEF") == ""
}

// wellFormedToken reports whether v looks like an API token: 32 to 256
// characters of the token68 alphabet (real tokens have 40).
func wellFormedToken(v string) bool {
	return len(v) >= 32 && len(v) <= 256 && strings.Trim(v, alphanumeric+"-._~+/=") == ""
}

// alphanumeric holds the ASCII letters and digits, for strings.Trim: a
// string made only of a set's characters trims to "".
const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
