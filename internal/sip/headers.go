package sip

import (
	"iter"
	"strings"
)

// compactLong returns the long form of a lower-case single-letter compact
// header name (RFC 3261 §7.3.3 and the IANA "Header Fields" registry), or
// "" when the letter is not assigned.
func compactLong(c byte) string {
	switch c {
	case 'a':
		return "Accept-Contact"
	case 'b':
		return "Referred-By"
	case 'c':
		return "Content-Type"
	case 'd':
		return "Request-Disposition"
	case 'e':
		return "Content-Encoding"
	case 'f':
		return "From"
	case 'i':
		return "Call-ID"
	case 'j':
		return "Reject-Contact"
	case 'k':
		return "Supported"
	case 'l':
		return "Content-Length"
	case 'm':
		return "Contact"
	case 'n':
		return "Identity-Info"
	case 'o':
		return "Event"
	case 'r':
		return "Refer-To"
	case 's':
		return "Subject"
	case 't':
		return "To"
	case 'u':
		return "Allow-Events"
	case 'v':
		return "Via"
	case 'x':
		return "Session-Expires"
	case 'y':
		return "Identity"
	}
	return ""
}

// canonicalNames lists header names whose canonical spelling is not the
// simple "Title-Case" of the name.
func canonicalNames() map[string]string {
	return map[string]string{
		"call-id":             "Call-ID",
		"cseq":                "CSeq",
		"www-authenticate":    "WWW-Authenticate",
		"mime-version":        "MIME-Version",
		"rack":                "RAck",
		"rseq":                "RSeq",
		"sip-etag":            "SIP-ETag",
		"sip-if-match":        "SIP-If-Match",
		"identity-info":       "Identity-Info",
		"p-asserted-identity": "P-Asserted-Identity",
	}
}

// isListKey reports whether the header with lower-case long name key is
// a comma-separated list, so that several values may share one header
// line (RFC 3261 §7.3.1). Authentication headers are absent on purpose:
// their commas separate parameters, not values.
func isListKey(key string) bool {
	switch key {
	case "accept",
		"accept-contact",
		"accept-encoding",
		"accept-language",
		"alert-info",
		"allow",
		"allow-events",
		"call-info",
		"contact",
		"content-encoding",
		"content-language",
		"diversion",
		"error-info",
		"history-info",
		"in-reply-to",
		"p-asserted-identity",
		"p-associated-uri",
		"p-preferred-identity",
		"path",
		"proxy-require",
		"reason",
		"record-route",
		"reject-contact",
		"request-disposition",
		"require",
		"route",
		"security-client",
		"security-server",
		"security-verify",
		"service-route",
		"supported",
		"unsupported",
		"via",
		"warning":
		return true
	}
	return false
}

// headerKey returns the lower-case long form of a header name, used to
// compare names: compact forms equal their long forms and case is ignored
// (RFC 3261 §7.3.1, §7.3.3).
func headerKey(name string) string {
	if k, ok := knownKey(name); ok {
		return k
	}
	name = strings.TrimSpace(name)
	if len(name) == 1 {
		c := name[0] | 0x20
		if long := compactLong(c); long != "" {
			if k, ok := knownKey(long); ok {
				return k
			}
			return strings.ToLower(long)
		}
	}
	return strings.ToLower(name)
}

// knownKey returns the headerKey of a header name in its usual spelling
// without allocating: Get and GetAll compute a key for every lookup, and
// strings.ToLower copies any name with a capital letter.
func knownKey(name string) (string, bool) {
	switch name {
	case "Via":
		return "via", true
	case "From":
		return "from", true
	case "To":
		return "to", true
	case "Call-ID":
		return "call-id", true
	case "CSeq":
		return "cseq", true
	case "Contact":
		return "contact", true
	case "Content-Type":
		return "content-type", true
	case "Content-Length":
		return "content-length", true
	case "Max-Forwards":
		return "max-forwards", true
	case "User-Agent":
		return "user-agent", true
	case "Server":
		return "server", true
	case "Authorization":
		return "authorization", true
	case "Proxy-Authorization":
		return "proxy-authorization", true
	case "WWW-Authenticate":
		return "www-authenticate", true
	case "Proxy-Authenticate":
		return "proxy-authenticate", true
	case "Allow":
		return "allow", true
	case "Supported":
		return "supported", true
	case "Record-Route":
		return "record-route", true
	case "Route":
		return "route", true
	case "Expires":
		return "expires", true
	case "Require":
		return "require", true
	case "Event":
		return "event", true
	case "Refer-To":
		return "refer-to", true
	case "Referred-By":
		return "referred-by", true
	case "P-Asserted-Identity":
		return "p-asserted-identity", true
	case "Remote-Party-ID":
		return "remote-party-id", true
	case "Accept":
		return "accept", true
	case "Date":
		return "date", true
	case "Subject":
		return "subject", true
	case "Reason":
		return "reason", true
	case "RSeq":
		return "rseq", true
	case "RAck":
		return "rack", true
	case "Session-Expires":
		return "session-expires", true
	case "Min-SE":
		return "min-se", true
	case "Organization":
		return "organization", true
	case "Timestamp":
		return "timestamp", true
	case "Warning":
		return "warning", true
	case "Retry-After":
		return "retry-after", true
	case "Unsupported":
		return "unsupported", true
	case "Allow-Events":
		return "allow-events", true
	case "Subscription-State":
		return "subscription-state", true
	case "Privacy":
		return "privacy", true
	case "Path":
		return "path", true
	case "Service-Route":
		return "service-route", true
	case "Content-Disposition":
		return "content-disposition", true
	case "Content-Encoding":
		return "content-encoding", true
	case "Accept-Contact":
		return "accept-contact", true
	case "Reject-Contact":
		return "reject-contact", true
	case "Request-Disposition":
		return "request-disposition", true
	case "Identity-Info":
		return "identity-info", true
	case "Identity":
		return "identity", true
	case "Min-Expires":
		return "min-expires", true
	case "Proxy-Require":
		return "proxy-require", true
	case "Call-Id":
		return "call-id", true
	case "Cseq":
		return "cseq", true
	}
	return "", false
}

// sameHeader reports whether header name a denotes the header whose
// headerKey is key.
func sameHeader(a, key string) bool {
	if len(a) == len(key) && strings.EqualFold(a, key) {
		return true
	}
	// A name of more than one byte that starts and ends with a printable
	// ASCII byte is neither a compact form nor padded with space: the
	// usual case, decided without headerKey (Get and GetAll compare every
	// header line).
	if len(a) > 1 && notSpace(a[0]) && notSpace(a[len(a)-1]) {
		return false
	}
	return headerKey(a) == key
}

// notSpace reports whether byte c can neither be nor begin white space
// that strings.TrimSpace removes (ASCII space and controls, and the
// UTF-8 lead bytes of Unicode spaces are all outside '!'..'~').
func notSpace(c byte) bool { return c > ' ' && c < 0x7f }

// CanonicalHeaderName returns the long form of a header name in its usual
// spelling: compact forms are expanded ("v" → "Via"), known names get
// their registered case ("call-id" → "Call-ID") and other names are
// title-cased per hyphen-separated word ("x-foo" → "X-Foo").
func CanonicalHeaderName(name string) string {
	key := headerKey(name)
	if c, ok := canonicalNames()[key]; ok {
		return c
	}
	b := []byte(key)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

// HeaderKey returns the key by which Get, GetAll and the other lookups
// match header names: the long form in lower case, compact forms
// expanded ("v" → "via") and surrounding space removed. Usual spellings
// cost no allocation.
func HeaderKey(name string) string { return headerKey(name) }

// IsListHeader reports whether the named header field is a comma-separated
// list (Via, Contact, Route, Allow, Supported ...), so that GetAll splits
// its values. Compact forms are understood.
func IsListHeader(name string) bool {
	return isListKey(headerKey(name))
}

// CompactForm returns the single-letter compact form of a header name and
// true, or "" and false when the header has none.
func CompactForm(name string) (string, bool) {
	key := headerKey(name)
	for c := byte('a'); c <= 'z'; c++ {
		if long := compactLong(c); long != "" && strings.ToLower(long) == key {
			return string(c), true
		}
	}
	return "", false
}

// SplitList splits a header value at top-level commas, ignoring commas
// inside quoted strings (with backslash escapes) and inside <...>. Each
// element is trimmed; empty elements are dropped.
func SplitList(value string) []string {
	var out []string
	for v := range ListValues(value) {
		out = append(out, v)
	}
	return out
}

// ListValues yields the elements SplitList returns, without building a
// slice.
func ListValues(value string) iter.Seq[string] {
	return func(yield func(string) bool) {
		inQuote, inAngle, esc := false, false, false
		start := 0
		for i := 0; i < len(value); i++ {
			c := value[i]
			switch {
			case esc:
				esc = false
			case inQuote:
				if c == '\\' {
					esc = true
				} else if c == '"' {
					inQuote = false
				}
			case c == '"':
				inQuote = true
			case inAngle:
				if c == '>' {
					inAngle = false
				}
			case c == '<':
				inAngle = true
			case c == ',':
				if s := strings.TrimSpace(value[start:i]); s != "" && !yield(s) {
					return
				}
				start = i + 1
			}
		}
		if s := strings.TrimSpace(value[start:]); s != "" {
			yield(s)
		}
	}
}
