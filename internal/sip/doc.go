// Package sip models SIP messages (RFC 3261) for a security scanner: it
// parses, inspects, builds and serialises requests and responses, and it
// performs no I/O (no net, os or clock access).
//
// # Design
//
// The package serves a tool that must record exactly what devices sent and
// must be able to send malformed messages on purpose. Three choices follow
// from that.
//
// Lenient parsing. Parse accepts everything RFC 3261 §7 and §25 allow, as
// exercised by the RFC 4475 torture tests: compact header names (§7.3.3),
// line folding (§7.3.1), any header order, repeated headers and
// comma-separated values, escaped URIs (§19.1.2), IPv6 references
// (RFC 5118), bodies framed by Content-Length (§18.3, §20.14), multipart
// bodies (RFC 5621), leading CRLFs (§7.5) and LF-only line ends. When input
// is malformed, Parse still returns every part it could read together with
// an error wrapping one or more sentinels (ErrStartLine, ErrHeader,
// ErrContentLength, ErrTruncated ...), so callers can both report the
// problem and look at the message. Semantic rules that a syntax check cannot
// see (mandatory headers, CSeq/method agreement, number ranges, unknown
// schemes and extensions; RFC 4475 §3.1.2 and §3.3) are checked separately
// by Validate.
//
// Raw-preserving model. Message keeps headers as an ordered slice of
// name/value pairs with names spelled as on the wire (compact forms and
// odd case included); accessors such as Get and GetAll compare names
// case-insensitively and treat compact forms as their long forms. URI keeps
// %-escapes as received, so String reproduces them. Message.Raw keeps the
// exact input bytes for evidence.
//
// Exact serialisation. Message.Bytes writes the start line, the headers and
// the body exactly as modelled, with no added or corrected Content-Length,
// Via or Max-Forwards. Builders (NewRequest, NewResponse, SetBody) set
// those fields explicitly; fuzzers can then change any byte, including
// header lines without a colon (a Header with an empty Name is emitted raw).
//
// # Limits
//
// Parsers never panic on hostile input and bound memory: ParseWith and
// ReadStreamMessage enforce Limits (message size, header count, line
// length), Content-Length values above 2**31-1 are rejected, and stream
// framing never returns more than Limits.MaxMessageSize bytes.
//
// # Randomness
//
// NewBranch, NewTag and NewCallID read from an io.Reader supplied by the
// caller (crypto/rand.Reader when nil), so tests can be reproducible.
package sip
