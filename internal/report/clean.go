package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// clean is cleanN without the count of dropped bytes; a truncated value
// ends in "…".
func clean(s string, limit int) string {
	out, dropped := cleanN(s, limit)
	if dropped > 0 {
		out += "…"
	}
	return out
}

// cleanN makes hostile text safe to display in every format: invalid UTF-8
// bytes and control characters other than tab and newline become \xNN, CRLF
// becomes LF and a lone CR becomes \r, and characters that reorder or hide
// text (bidirectional overrides, zero-width and line separators) become
// \u{XXXX}. It stops after limit input bytes and returns how many bytes it
// dropped. Markup is not escaped here: html/template, encoding/xml and the
// Markdown helpers do that.
func cleanN(s string, limit int) (string, int) {
	dropped := 0
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		dropped = len(s) - cut
		s = s[:cut]
	}
	if isPlain(s) {
		return s, dropped
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF: keep only the LF.
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u{%04X}`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String(), dropped
}

// isPlain reports whether s needs no rewriting by cleanN.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
			return isPlainSlow(s)
		}
	}
	return true
}

func isPlainSlow(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || hidden(r) {
			return false
		}
	}
	return true
}

// hidden reports whether r is a C1 control, a format character that can
// reorder or hide text, or a noncharacter that XML does not allow.
func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f,
		r >= 0x200b && r <= 0x200f,
		r >= 0x2028 && r <= 0x202e,
		r >= 0x2060 && r <= 0x2069,
		r == 0xfeff, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// startLine returns the first line of a message (a SIP start line), cut to
// maxStartLine runes.
func startLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > maxStartLine {
		r := []rune(line)
		line = string(r[:maxStartLine-1]) + "…"
	}
	if line == "" {
		return "(empty)"
	}
	return line
}
