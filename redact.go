// This file holds the credential redactor: it finds a secret, whole or in
// runs of 8 characters, in any letter case and under layers of escapes, in
// text a server may have echoed it into. seal.go applies it at the one
// boundary.

package cloudflare

import (
	"slices"
	"strings"
	"sync"
)

// redactedMark replaces every recognised form of the secret.
const redactedMark = "[redacted]"

// minFragment is the length of the shortest run of the secret's characters
// that is redacted on its own, so that a secret cut short (by the server, or
// by a size cap) or split in two is still removed. A secret shorter than
// this is only redacted whole.
const minFragment = 8

// maxDecodeLevels is how many layers of escaping the redactor undoes: a
// token JSON-escaped in a body and then quoted by a Go error (a time.Parse
// error quoting "expires_on") is two layers.
const maxDecodeLevels = 3

// redactor finds the secret in text from a server. It is only reached
// through the closure newRedactor returns, so no fmt verb or reflection
// dumper can print the secret it holds.
type redactor struct {
	k     int                 // length of the runs matched: min(minFragment, len(secret))
	grams map[string]struct{} // every run of k bytes of the secret, lower-cased
	first [256]bool           // bytes (lower-cased) that start a run
}

// newRedactor returns a function that replaces, in a text a server may have
// echoed the secret into, every run of at least minFragment characters of
// the secret (all of it, if shorter) by "[redacted]". Letter case is
// ignored, and the run is also found under up to three layers of the
// escapes a server, a proxy or an error message would put on it:
// percent-encoding (%2F or %2f), JSON and JavaScript escapes (\u002f, \/,
// \", \\, \x2f), Go quoting (\", \\) and HTML character references (&#47;,
// &#x2F;, &amp;, &lt;, &gt;, &quot;, &apos;). Where an escaped run is found,
// its escaped text is what is replaced.
//
// The redactor is built on first use, not by NewClient: most clients never
// redact anything, and building it (a set of every run of the secret)
// would be most of the cost of NewClient.
func newRedactor(secret string) func(string) string {
	if secret == "" {
		return func(s string) string { return s }
	}
	return (&lazyRedactor{secret: secret}).redact
}

// lazyRedactor builds the redactor of a secret on its first use. It is only
// reached through the method value newRedactor returns.
type lazyRedactor struct {
	secret string
	once   sync.Once
	r      *redactor
}

func (l *lazyRedactor) redact(s string) string {
	l.once.Do(func() {
		r := &redactor{k: min(minFragment, len(l.secret)), grams: make(map[string]struct{})}
		low := strings.ToLower(l.secret)
		for i := 0; i+r.k <= len(low); i++ {
			r.grams[low[i:i+r.k]] = struct{}{}
			r.first[low[i]] = true
		}
		l.r = r
	})
	return l.r.redact(s)
}

// span is a range [start, end) of the original text.
type span struct{ start, end int }

// redact returns s with every recognised form of the secret replaced.
func (r *redactor) redact(s string) string {
	if len(s) < r.k {
		return s
	}
	var hits []span
	text, spans := s, []span(nil) // spans == nil: text is s itself
	for level := 0; ; level++ {
		hits = r.find(text, spans, hits)
		if level == maxDecodeLevels {
			break
		}
		var changed bool
		if text, spans, changed = unescapeOnce(text, spans); !changed {
			break
		}
	}
	if len(hits) == 0 {
		return s
	}
	slices.SortFunc(hits, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(len(s))
	done := 0
	for i := 0; i < len(hits); {
		start, end := hits[i].start, hits[i].end
		for i++; i < len(hits) && hits[i].start <= end; i++ {
			end = max(end, hits[i].end)
		}
		b.WriteString(s[done:start])
		b.WriteString(redactedMark)
		done = end
	}
	b.WriteString(s[done:])
	return b.String()
}

// find appends to hits the original range of every run of k bytes of text
// that is a run of the secret. spans maps text's bytes to the original, or
// is nil when text is the original.
func (r *redactor) find(text string, spans []span, hits []span) []span {
	var w [minFragment]byte
	for i := 0; i+r.k <= len(text); i++ {
		if !r.first[lower(text[i])] {
			continue
		}
		for j := 0; j < r.k; j++ {
			w[j] = lower(text[i+j])
		}
		if _, ok := r.grams[string(w[:r.k])]; !ok {
			continue
		}
		hit := span{i, i + r.k}
		if spans != nil {
			hit = span{spans[i].start, spans[i+r.k-1].end}
		}
		if n := len(hits); n > 0 && hits[n-1].end >= hit.start && hits[n-1].start <= hit.start {
			hits[n-1].end = max(hits[n-1].end, hit.end)
			continue
		}
		hits = append(hits, hit)
	}
	return hits
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// unescapeOnce undoes one layer of escapes in text, keeping for each byte
// of the result the range of the original it came from. It reports false,
// and allocates nothing, when text holds no escape.
func unescapeOnce(text string, spans []span) (string, []span, bool) {
	if !strings.ContainsAny(text, `%\&`) {
		return text, spans, false
	}
	out := make([]byte, 0, len(text))
	outSpans := make([]span, 0, len(text))
	orig := func(i int) span {
		if spans == nil {
			return span{i, i + 1}
		}
		return spans[i]
	}
	changed := false
	for i := 0; i < len(text); {
		b, n := unescapeAt(text, i)
		if n == 0 {
			out = append(out, text[i])
			outSpans = append(outSpans, orig(i))
			i++
			continue
		}
		changed = true
		out = append(out, b)
		outSpans = append(outSpans, span{orig(i).start, orig(i + n - 1).end})
		i += n
	}
	return string(out), outSpans, changed
}

// unescapeAt decodes the escape of an ASCII byte that starts at text[i], if
// any, returning the byte and the length of the escape (0 if none).
func unescapeAt(text string, i int) (byte, int) {
	rest := text[i:]
	switch {
	case len(rest) >= 3 && rest[0] == '%':
		if v, ok := hexValue(rest[1:3]); ok {
			return byte(v), 3
		}
	case len(rest) >= 2 && rest[0] == '\\':
		switch rest[1] {
		case '"', '\\', '/', '\'':
			return rest[1], 2
		case 'u':
			if len(rest) >= 6 {
				if v, ok := hexValue(rest[2:6]); ok && v < 0x80 {
					return byte(v), 6
				}
			}
		case 'x':
			if len(rest) >= 4 {
				if v, ok := hexValue(rest[2:4]); ok && v < 0x80 {
					return byte(v), 4
				}
			}
		}
	case len(rest) >= 4 && rest[0] == '&':
		return unescapeHTML(rest)
	}
	return 0, 0
}

// unescapeHTML decodes an HTML character reference of an ASCII byte at the
// start of s.
func unescapeHTML(s string) (byte, int) {
	end := strings.IndexByte(s[:min(len(s), 10)], ';')
	if end < 0 {
		return 0, 0
	}
	ref := s[1:end]
	if len(ref) > 1 && ref[0] == '#' {
		v, ok := 0, false
		if ref[1] == 'x' || ref[1] == 'X' {
			v, ok = hexValue(ref[2:])
		} else {
			v, ok = decValue(ref[1:])
		}
		if ok && v < 0x80 {
			return byte(v), end + 1
		}
		return 0, 0
	}
	for _, e := range [...]struct {
		name string
		b    byte
	}{{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}} {
		if strings.EqualFold(ref, e.name) {
			return e.b, end + 1
		}
	}
	return 0, 0
}

func hexValue(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := lower(s[i])
		switch {
		case '0' <= c && c <= '9':
			v = v*16 + int(c-'0')
		case 'a' <= c && c <= 'f':
			v = v*16 + int(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

func decValue(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}
