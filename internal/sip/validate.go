package sip

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Validate checks a parsed message against the semantic rules that Parse
// does not enforce, and returns every problem found (nil when none). Each
// error wraps a sentinel:
//
//   - ErrVersion: SIP-Version (start line or Via) other than SIP/2.0;
//   - ErrStartLine: status code outside 100-699;
//   - ErrMissingHeader: Via, From, To, Call-ID, CSeq (and Max-Forwards for
//     requests) absent (RFC 3261 §8.1.1), or a body without Content-Type
//     (§20.15);
//   - ErrDuplicate: a single-valued header repeated (RFC 4475 §3.3.8);
//   - ErrCSeq, ErrMismatch: CSeq unparsable, out of 32-bit range, or its
//     method differs from the request method (§8.1.1.5, §20.16);
//   - ErrContentLength: Content-Length repeated with different values, not
//     a number, or not equal to the body length;
//   - ErrURI: Request-URI unparsable (whitespace, "<...>"), carrying URI
//     headers (§19.1.1 table), or a REGISTER To that is not SIP/SIPS
//     (§10.2);
//   - ErrNameAddr: From, To, Contact, Route, Record-Route unparsable, or a
//     request From without tag (§8.1.1.3);
//   - ErrVia: Via unparsable, or a request Via without branch or whose
//     branch is only the magic cookie (§8.1.1.7; RFC 4475 §3.2.1);
//   - ErrValue: Max-Forwards, Expires, Min-Expires, Retry-After or a
//     Contact expires parameter not a number in range; Date not in
//     RFC 1123 GMT form (§20.17); a Warning not "3DIGIT agent text";
//     Call-ID with whitespace; a broadcast address in Via;
//   - ErrUnsupported: well formed, but a standard element would reject it
//     (see ErrUnsupported).
//
// Validate never panics and does not modify m.
func Validate(m *Message) []error {
	var v validator
	v.m = m
	if m.IsRequest() {
		v.request()
	} else {
		v.response()
	}
	v.common()
	return v.errs
}

type validator struct {
	m    *Message
	errs []error
}

func (v *validator) add(sentinel error, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("sip: "+format+": %w", append(args, sentinel)...))
}

func (v *validator) addErr(err error) { v.errs = append(v.errs, err) }

// wrap records err, which already wraps a sentinel, under a header name.
func (v *validator) wrap(name string, err error) {
	v.errs = append(v.errs, fmt.Errorf("sip: %s: %w", name, err))
}

func (v *validator) request() {
	m := v.m
	if !strings.EqualFold(m.Version, Version2) {
		v.add(ErrVersion, "request version %q", m.Version)
	}
	u, err := ParseURI(m.RequestURI)
	switch {
	case err != nil:
		v.add(ErrURI, "Request-URI %q unparsable", truncate(m.RequestURI, 64))
	case !u.IsSIP() && !strings.EqualFold(u.Scheme, "tel"):
		v.add(ErrUnsupported, "Request-URI scheme %q (416 Unsupported URI Scheme)", u.Scheme)
	case len(u.Headers) > 0:
		v.add(ErrURI, "Request-URI carries URI headers, forbidden by RFC 3261 §19.1.1")
	}
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq", "Max-Forwards"} {
		if !m.Has(h) {
			v.add(ErrMissingHeader, "request lacks %s", h)
		}
	}
	if m.Has("CSeq") {
		if _, method, err := m.CSeq(); err == nil && method != m.Method {
			v.add(ErrMismatch, "CSeq method %q differs from request method %q", method, m.Method)
		}
	}
	if m.Has("Max-Forwards") {
		mf := m.Get("Max-Forwards")
		n, err := strconv.ParseUint(mf, 10, 8)
		switch {
		case err != nil || !isDigits(mf):
			v.add(ErrValue, "Max-Forwards %q is not a number 0-255", truncate(mf, 32))
		case n == 0:
			v.add(ErrUnsupported, "Max-Forwards is 0 (a proxy answers 483 Too Many Hops)")
		}
	}
	if from, err := m.From(); err == nil && from.Tag() == "" {
		v.add(ErrNameAddr, "From has no tag (RFC 3261 §8.1.1.3)")
	}
	// Only the topmost Via was added by the sender; lower ones may come
	// from RFC 2543 elements.
	if via, err := m.TopVia(); err == nil {
		switch b := via.Branch(); b {
		case "":
			v.add(ErrVia, "top Via has no branch (RFC 3261 §8.1.1.7)")
		case BranchMagic:
			v.add(ErrVia, "top Via branch is only the magic cookie (RFC 4475 §3.2.1)")
		}
	}
	v.requireTags("Require")
	v.requireTags("Proxy-Require")
	if m.Method == "REGISTER" {
		if to, err := m.To(); err == nil && !to.URI.IsSIP() {
			v.add(ErrURI, "REGISTER To %q is not a SIP or SIPS URI (RFC 3261 §10.2)", to.URI.Scheme)
		}
	}
	if m.Method == "INVITE" {
		if len(m.Body) > 0 && m.Has("Content-Type") {
			mt, _ := ContentType(m.Get("Content-Type"))
			if mt != "application/sdp" && !strings.HasPrefix(mt, "multipart/") {
				v.add(ErrUnsupported, "INVITE body type %q (415 Unsupported Media Type)", mt)
			}
		}
		if accepts := m.GetAll("Accept"); m.Has("Accept") && !acceptsSDP(accepts) {
			v.add(ErrUnsupported, "Accept %q excludes application/sdp (406 Not Acceptable)", strings.Join(accepts, ", "))
		}
	}
	for _, name := range []string{"Authorization", "Proxy-Authorization"} {
		for _, a := range m.GetAll(name) {
			scheme, _, _ := strings.Cut(strings.TrimSpace(a), " ")
			if !strings.EqualFold(scheme, "Digest") && !strings.EqualFold(scheme, "Bearer") {
				v.add(ErrUnsupported, "%s scheme %q (401 with a new challenge)", name, truncate(scheme, 32))
			}
		}
	}
}

func (v *validator) response() {
	m := v.m
	if !strings.EqualFold(m.Version, Version2) {
		v.add(ErrVersion, "response version %q", m.Version)
	}
	if m.StatusCode < 100 || m.StatusCode > 699 {
		v.add(ErrStartLine, "status code %d outside 100-699", m.StatusCode)
	}
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if !m.Has(h) {
			v.add(ErrMissingHeader, "response lacks %s", h)
		}
	}
}

// singleHeaders are header fields whose grammar allows one value.
func singleHeaders() []string {
	return []string{"From", "To", "Call-ID", "CSeq", "Max-Forwards",
		"Content-Type", "Expires", "Min-Expires", "Date", "Retry-After",
		"Timestamp", "Subject", "Organization", "Reply-To", "MIME-Version",
		"Priority", "Server", "User-Agent", "RSeq", "RAck", "Event",
		"Session-Expires", "Min-SE", "Refer-To", "Referred-By"}
}

func (v *validator) common() {
	m := v.m
	for _, h := range singleHeaders() {
		if n := m.Count(h); n > 1 {
			v.add(ErrDuplicate, "%s appears %d times", h, n)
		}
	}
	if m.Has("CSeq") {
		if _, _, err := m.CSeq(); err != nil {
			v.addErr(err)
		}
	}
	if cid := m.Get("Call-ID"); m.Has("Call-ID") && (cid == "" || strings.ContainsAny(cid, " \t")) {
		v.add(ErrValue, "Call-ID %q is empty or has whitespace", truncate(cid, 64))
	}
	// Content-Length against the body.
	cl, err := contentLength(m)
	switch {
	case err != nil:
		v.addErr(err)
	case cl >= 0 && cl != len(m.Body):
		v.add(ErrContentLength, "Content-Length %d but body has %d bytes", cl, len(m.Body))
	}
	if len(m.Body) > 0 && !m.Has("Content-Type") {
		v.add(ErrMissingHeader, "body of %d bytes without Content-Type (RFC 3261 §20.15)", len(m.Body))
	}
	// Addresses.
	for _, name := range []string{"From", "To"} {
		if m.Has(name) {
			if _, err := ParseNameAddr(m.Get(name)); err != nil {
				v.wrap(name, err)
			}
		}
	}
	for _, c := range m.GetAll("Contact") {
		if c == "*" {
			continue
		}
		na, err := ParseNameAddr(c)
		if err != nil {
			v.wrap("Contact", err)
			continue
		}
		if e, ok := na.Param("expires"); ok {
			v.uint32Value("Contact expires", e)
		}
	}
	for _, name := range []string{"Route", "Record-Route"} {
		for _, r := range m.GetAll(name) {
			na, err := ParseNameAddr(r)
			if err != nil {
				v.wrap(name, err)
			} else if !strings.HasPrefix(strings.TrimSpace(r), "<") && na.DisplayName == "" {
				v.add(ErrNameAddr, "%s %q is not a name-addr in <...>", name, truncate(r, 64))
			}
		}
	}
	for i, val := range m.GetAll("Via") {
		vias, err := ParseVia(val)
		if err != nil {
			v.addErr(err)
			continue
		}
		for _, via := range vias {
			if !strings.EqualFold(via.Protocol, Version2) {
				v.add(ErrVersion, "Via #%d protocol %q", i+1, via.Protocol)
			}
			if via.Host == "255.255.255.255" {
				v.add(ErrValue, "Via #%d sent-by is the broadcast address", i+1)
			}
			if r, ok := via.Param("received"); ok && r == "255.255.255.255" {
				v.add(ErrValue, "Via #%d received is the broadcast address", i+1)
			}
		}
	}
	for _, name := range []string{"Expires", "Min-Expires"} {
		if m.Has(name) {
			v.uint32Value(name, m.Get(name))
		}
	}
	if m.Has("Retry-After") {
		ra := strings.TrimSpace(m.Get("Retry-After"))
		if i := strings.IndexAny(ra, " \t(;"); i >= 0 {
			ra = ra[:i]
		}
		v.uint32Value("Retry-After", ra)
	}
	if m.Has("Date") {
		d := m.Get("Date")
		if _, err := time.Parse(time.RFC1123, d); err != nil || !strings.HasSuffix(d, " GMT") {
			v.add(ErrValue, "Date %q is not an RFC 1123 date in GMT (RFC 3261 §20.17)", truncate(d, 64))
		}
	}
	for _, w := range m.GetAll("Warning") {
		if !validWarning(w) {
			v.add(ErrValue, "Warning %q is not 3DIGIT agent \"text\" (RFC 3261 §20.43)", truncate(w, 64))
		}
	}
}

// uint32Value flags a delta-seconds style value that is not 1*DIGIT or
// does not fit in 32 bits.
func (v *validator) uint32Value(name, val string) {
	if !isDigits(val) {
		v.add(ErrValue, "%s %q is not a decimal number", name, truncate(val, 32))
		return
	}
	if _, err := strconv.ParseUint(val, 10, 32); err != nil {
		v.add(ErrValue, "%s %q exceeds 32 bits", name, truncate(val, 32))
	}
}

func (v *validator) requireTags(name string) {
	var unknown []string
	for _, tag := range v.m.GetAll(name) {
		if !knownOptionTag(tag) {
			unknown = append(unknown, tag)
		}
	}
	if len(unknown) > 0 {
		v.add(ErrUnsupported, "%s lists unknown option tags %s (420 Bad Extension)", name, strings.Join(unknown, ", "))
	}
}

// knownOptionTag reports whether tag is registered in the IANA "Option
// Tags" registry of SIP parameters.
func knownOptionTag(tag string) bool {
	switch strings.ToLower(tag) {
	case "100rel", "199", "answermode", "early-session", "eventlist",
		"explicitsub", "from-change", "geolocation-http",
		"geolocation-sip", "gin", "gruu", "histinfo", "ice", "join",
		"multiple-refer", "norefersub", "nosub", "outbound", "path",
		"policy", "precondition", "pref", "privacy", "record-aware",
		"recipient-list-invite", "recipient-list-message",
		"recipient-list-subscribe", "replaces", "resource-priority",
		"sdp-anat", "sec-agree", "siprec", "tdialog", "timer", "trickle-ice",
		"uui", "sip-ice", "sipforward", "norefer":
		return true
	}
	return false
}

func acceptsSDP(accepts []string) bool {
	for _, a := range accepts {
		mt, _ := ContentType(a)
		if mt == "application/sdp" || mt == "application/*" || mt == "*/*" {
			return true
		}
	}
	return false
}

// validWarning checks warning-value = warn-code SP warn-agent SP
// warn-text (RFC 3261 §20.43).
func validWarning(w string) bool {
	code, rest, ok := strings.Cut(w, " ")
	if !ok || len(code) != 3 || !isDigits(code) {
		return false
	}
	agent, text, ok := strings.Cut(rest, " ")
	return ok && agent != "" && len(text) >= 2 && text[0] == '"' && text[len(text)-1] == '"'
}
