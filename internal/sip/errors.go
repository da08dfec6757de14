package sip

import "errors"

// Sentinel errors. Every error returned by this package wraps at least one
// of them, so callers can branch with errors.Is.
var (
	// ErrEmpty reports input that holds no message at all (only
	// whitespace or CRLF keep-alives).
	ErrEmpty = errors.New("sip: empty message")
	// ErrStartLine reports a malformed Request-Line or Status-Line
	// (RFC 3261 §7.1, §7.2): wrong number of fields, extra whitespace,
	// non-numeric or out-of-range status code, missing version.
	ErrStartLine = errors.New("sip: malformed start line")
	// ErrVersion reports a SIP-Version other than SIP/2.0 or one that is
	// not of the form "SIP/" 1*DIGIT "." 1*DIGIT (RFC 3261 §7.1).
	ErrVersion = errors.New("sip: unsupported or malformed SIP version")
	// ErrHeader reports a malformed header line: no colon, an empty or
	// non-token name, or a continuation line with nothing to continue
	// (RFC 3261 §7.3).
	ErrHeader = errors.New("sip: malformed header")
	// ErrContentLength reports a Content-Length that is not a number, is
	// repeated with different values, or disagrees with the body.
	ErrContentLength = errors.New("sip: bad Content-Length")
	// ErrTooLarge reports input that exceeds a Limits bound.
	ErrTooLarge = errors.New("sip: message exceeds limit")
	// ErrTruncated reports input that ends before the message does: no
	// blank line after the headers, or fewer body bytes than
	// Content-Length announces.
	ErrTruncated = errors.New("sip: message truncated")
	// ErrURI reports a malformed URI (RFC 3261 §19.1, §25.1).
	ErrURI = errors.New("sip: malformed URI")
	// ErrNameAddr reports a malformed name-addr or addr-spec (From, To,
	// Contact, Route ...; RFC 3261 §20.10, §25.1).
	ErrNameAddr = errors.New("sip: malformed name-addr")
	// ErrVia reports a malformed Via header value (RFC 3261 §20.42).
	ErrVia = errors.New("sip: malformed Via")
	// ErrCSeq reports a malformed CSeq value: not "number method", or a
	// number that does not fit in 32 bits (RFC 3261 §8.1.1.5, §20.16).
	ErrCSeq = errors.New("sip: malformed CSeq")
	// ErrMissingHeader reports that a header field mandatory for the
	// message kind is absent (RFC 3261 §8.1.1).
	ErrMissingHeader = errors.New("sip: missing mandatory header")
	// ErrMismatch reports values that must agree but do not, such as the
	// CSeq method and the request method (RFC 3261 §8.1.1.5).
	ErrMismatch = errors.New("sip: inconsistent header values")
	// ErrValue reports a header value that violates its grammar or range
	// (Max-Forwards, Expires, Date, Content-Type, display names ...).
	ErrValue = errors.New("sip: invalid header value")
	// ErrDuplicate reports a header field that may appear only once but
	// is repeated (RFC 3261 §7.3.1; RFC 4475 §3.3.8).
	ErrDuplicate = errors.New("sip: single-valued header repeated")
	// ErrUnsupported reports a message that is well formed but that a
	// standard element would refuse or handle specially (RFC 4475 §3.3):
	// an unknown Request-URI scheme (416), unknown required extensions
	// (420), an unknown session body type (415), an Accept that excludes
	// every answer format (406), an unknown authorization scheme (401) or
	// Max-Forwards 0 (483 at a proxy). Validate reports these so that a
	// scanner can tell whether a device handled them.
	ErrUnsupported = errors.New("sip: valid syntax but needs rejection or special handling")
	// ErrMultipart reports a malformed multipart body (RFC 2046 §5.1).
	ErrMultipart = errors.New("sip: malformed multipart body")
)

// Complete reports whether a message that Parse returned together with err
// has a whole start line and header block, so that it can be acted on as a
// request or response. The parser is lenient: a message with a bad
// Content-Length or an odd header value is still complete; garbage, an empty
// datagram, or headers that never end (a hostile peer's endless response)
// are not.
func Complete(err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrContentLength):
		return true
	case errors.Is(err, ErrEmpty), errors.Is(err, ErrStartLine), errors.Is(err, ErrVersion),
		errors.Is(err, ErrTooLarge), errors.Is(err, ErrTruncated):
		return false
	}
	return true
}

// ParseComplete parses data and returns the message only when it is
// Complete; otherwise nil. Code that reacts to what a peer sent uses it, so
// that a truncated or endless message is never taken for an answer.
func ParseComplete(data []byte) *Message {
	m, err := Parse(data)
	if m == nil || !Complete(err) {
		return nil
	}
	return m
}
