package fuzz

import (
	"fmt"
	"strconv"
	"strings"
)

// KindResponse marks a "uac" case: a response template that the UAC
// campaign fills in from the device's request before sending it.
const KindResponse Kind = "response"

// Placeholders of a response template, filled in from the device's request
// (see FillResponse).
const (
	PlaceVia    = "{{via}}"     // every Via header line of the request
	PlaceFrom   = "{{from}}"    // the From value
	PlaceTo     = "{{to}}"      // the To value (without a tag the device set)
	PlaceCallID = "{{call-id}}" // the Call-ID value
	PlaceCSeq   = "{{cseq}}"    // the CSeq value
	PlaceLocal  = "{{local}}"   // sipvet's "ip:port"
	PlaceIP     = "{{ip}}"      // sipvet's IP address (SDP)
	PlaceNum    = "{{cseq-num}}"
)

// UACSourceName is the source of responses to a device's own requests. Its
// failures are reported under the check ipa12.stateful.
const UACSourceName = "uac"

// UACMethods lists the device requests a UAC campaign answers with
// malformed responses, in campaign order.
func UACMethods() []string { return []string{"REGISTER", "INVITE", "BYE"} }

// uresp is a response under construction.
type uresp struct {
	start   string
	headers []string
	body    string
	ctype   string
	cl      string // "" = computed
	clDelta int
}

func (r *uresp) set(name, value string) {
	for i, h := range r.headers {
		if strings.HasPrefix(strings.ToLower(h), strings.ToLower(name)+":") {
			r.headers[i] = name + ": " + value
			return
		}
	}
	r.headers = append(r.headers, name+": "+value)
}

func (r *uresp) del(name string) {
	out := r.headers[:0]
	for _, h := range r.headers {
		if !strings.HasPrefix(strings.ToLower(h), strings.ToLower(name)+":") {
			out = append(out, h)
		}
	}
	r.headers = out
}

func (r *uresp) render() []byte {
	var b strings.Builder
	b.WriteString(r.start + "\r\n")
	for _, h := range r.headers {
		b.WriteString(h + "\r\n")
	}
	if r.body != "" {
		ct := r.ctype
		if ct == "" {
			ct = "application/sdp"
		}
		b.WriteString("Content-Type: " + ct + "\r\n")
	}
	cl := r.cl
	if cl == "" {
		cl = strconv.Itoa(len(r.body) + r.clDelta)
	}
	b.WriteString("Content-Length: " + cl + "\r\n\r\n" + r.body)
	return []byte(b.String())
}

// answerSDP is a valid SDP answer from sipvet.
func answerSDP() string {
	return "v=0\r\no=sipvet 1 1 IN IP4 {{ip}}\r\ns=-\r\nc=IN IP4 {{ip}}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
}

// baseResponse returns a valid response template to method with status code.
func baseResponse(p Params, method string, code int, reason string) *uresp {
	r := &uresp{start: fmt.Sprintf("SIP/2.0 %d %s", code, reason)}
	r.headers = []string{PlaceVia, "From: " + PlaceFrom, fmt.Sprintf("To: %s;tag=u%x", PlaceTo, p.Seed&0xffffff),
		"Call-ID: " + PlaceCallID, "CSeq: " + PlaceCSeq, "Server: sipvet-fuzz"}
	switch {
	case method == "REGISTER" && code == 200:
		r.headers = append(r.headers, "Contact: <sip:dut@{{contact-hostport}}>;expires=600", "Expires: 600")
	case method == "INVITE" && code/100 == 2:
		r.headers = append(r.headers, "Contact: <sip:fuzz@"+PlaceLocal+">", "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS")
		r.body = answerSDP()
	}
	return r
}

// ValidResponse renders a valid response template (used for the requests
// a case does not target).
func ValidResponse(method string, code int, reason string) []byte {
	return baseResponse(Params{}, method, code, reason).render()
}

type uacAnomaly struct {
	name    string
	methods string // the methods it applies to, "" = all
	code    int
	reason  string
	edit    func(r *uresp)
}

func challenge(hdr, value string) func(r *uresp) {
	return func(r *uresp) { r.headers = append(r.headers, hdr+": "+value) }
}

func sdpBody(lines string) func(r *uresp) {
	return func(r *uresp) {
		r.body = "v=0\r\no=sipvet 1 2 IN IP4 {{ip}}\r\ns=-\r\nc=IN IP4 {{ip}}\r\nt=0 0\r\n" + lines
	}
}

// uacAnomalies are the malformed or unusual responses, each for some of
// REGISTER, INVITE and BYE.
func uacAnomalies() []uacAnomaly {
	long := func(n int) string { return strings.Repeat("A", n) }
	var out []uacAnomaly
	add := func(name, methods string, code int, reason string, edit func(r *uresp)) {
		out = append(out, uacAnomaly{name, methods, code, reason, edit})
	}
	nop := func(*uresp) {}
	// baseline and status line
	add("valid", "", 200, "OK", nop)
	add("status-0", "", 0, "Zero", nop)
	add("status-99", "", 99, "Low", nop)
	add("status-700", "", 700, "High", nop)
	add("status-999", "", 999, "Max", nop)
	add("status-2147483648", "", 200, "OK", func(r *uresp) { r.start = "SIP/2.0 2147483648 OK" })
	add("status-negative", "", 200, "OK", func(r *uresp) { r.start = "SIP/2.0 -200 OK" })
	add("status-no-reason", "", 200, "OK", func(r *uresp) { r.start = "SIP/2.0 200" })
	add("reason-overflow", "", 200, "OK", func(r *uresp) { r.start = "SIP/2.0 200 " + long(8192) })
	add("reason-format-string", "", 486, "%s%s%s%n%n%n", nop)
	add("reason-nul-ansi", "", 200, "OK\x00\x1b[2J\x1b]0;pwn\x07", nop)
	add("version-3", "", 200, "OK", func(r *uresp) { r.start = "SIP/3.0 200 OK" })
	add("version-overflow", "", 200, "OK", func(r *uresp) { r.start = "SIP/" + long(4096) + " 200 OK" })
	// transaction matching headers
	add("no-via", "", 200, "OK", func(r *uresp) { r.del(PlaceVia) })
	add("no-cseq", "", 200, "OK", func(r *uresp) { r.del("CSeq") })
	add("no-call-id", "", 200, "OK", func(r *uresp) { r.del("Call-ID") })
	add("no-from", "", 200, "OK", func(r *uresp) { r.del("From") })
	add("no-to", "", 200, "OK", func(r *uresp) { r.del("To") })
	add("cseq-method-mismatch", "", 200, "OK", func(r *uresp) { r.set("CSeq", PlaceNum+" OPTIONS") })
	add("cseq-negative", "", 200, "OK", func(r *uresp) { r.set("CSeq", "-1 "+"{{method}}") })
	add("cseq-huge", "", 200, "OK", func(r *uresp) { r.set("CSeq", "99999999999999999999 {{method}}") })
	add("cseq-no-method", "", 200, "OK", func(r *uresp) { r.set("CSeq", PlaceNum) })
	add("to-tag-overflow", "", 200, "OK", func(r *uresp) { r.set("To", PlaceTo+";tag="+long(8192)) })
	add("to-tag-empty", "", 200, "OK", func(r *uresp) { r.set("To", PlaceTo+";tag=") })
	add("to-two-tags", "", 200, "OK", func(r *uresp) { r.set("To", PlaceTo+";tag=a;tag=b") })
	add("to-no-tag", "", 200, "OK", func(r *uresp) { r.set("To", PlaceTo) })
	add("call-id-overflow", "", 200, "OK", func(r *uresp) { r.set("Call-ID", PlaceCallID+long(8192)) })
	add("via-extra-100", "", 200, "OK", func(r *uresp) {
		r.headers = append([]string{strings.Repeat("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx\r\n", 99) + PlaceVia}, r.headers[1:]...)
	})
	// sizes and framing
	add("content-length-large", "", 200, "OK", func(r *uresp) { r.body = "x"; r.ctype = "text/plain"; r.clDelta = 1000 })
	add("content-length-negative", "", 200, "OK", func(r *uresp) { r.cl = "-1" })
	add("content-length-huge", "", 200, "OK", func(r *uresp) { r.cl = "4294967296" })
	add("header-1000", "", 200, "OK", func(r *uresp) {
		for i := 0; i < 1000; i++ {
			r.headers = append(r.headers, fmt.Sprintf("X-Fuzz-%d: %d", i, i))
		}
	})
	add("header-value-60000", "", 200, "OK", func(r *uresp) { r.headers = append(r.headers, "X-Fuzz: "+long(60000)) })
	add("header-folded", "", 200, "OK", func(r *uresp) { r.headers = append(r.headers, "Subject: a\r\n b\r\n\tc") })
	add("header-no-colon", "", 200, "OK", func(r *uresp) { r.headers = append(r.headers, "Garbage line without colon") })
	add("header-nul", "", 200, "OK", func(r *uresp) { r.headers = append(r.headers, "X-Fuzz: a\x00b") })
	add("body-non-utf8", "", 200, "OK", func(r *uresp) { r.body = "\xff\xfe\xc0\x80\x1b[31m"; r.ctype = "text/plain" })
	add("content-type-overflow", "", 200, "OK", func(r *uresp) { r.body = "x"; r.ctype = "application/" + long(4096) })
	add("retry-after-negative", "", 503, "Service Unavailable", challenge("Retry-After", "-1"))
	add("retry-after-huge", "", 503, "Service Unavailable", challenge("Retry-After", "4294967296 (x);duration=-1"))
	add("warning-overflow", "", 488, "Not Acceptable Here", challenge("Warning", "399 "+long(4096)+" \"%s%n\""))
	add("redirect-contact-garbage", "", 302, "Moved", challenge("Contact", "<sip:@:99999;;;>, <%00>, *"))
	add("redirect-contact-100", "", 302, "Moved", challenge("Contact", strings.TrimSuffix(strings.Repeat("<sip:x@192.0.2.1>,", 100), ",")))
	add("redirect-to-self", "", 302, "Moved", challenge("Contact", "<sip:fuzz@"+PlaceLocal+">"))
	// digest challenges (RFC 2617/7616/8760 parameters)
	for _, ch := range []struct{ name, value string }{
		{"valid", `Digest realm="sipvet", nonce="abc", algorithm=MD5, qop="auth"`},
		{"no-realm", `Digest nonce="abc"`},
		{"no-nonce", `Digest realm="sipvet"`},
		{"nonce-overflow", `Digest realm="sipvet", nonce="` + long(8192) + `"`},
		{"realm-overflow", `Digest realm="` + long(8192) + `", nonce="abc"`},
		{"opaque-overflow", `Digest realm="sipvet", nonce="abc", opaque="` + long(8192) + `"`},
		{"algorithm-unknown", `Digest realm="sipvet", nonce="abc", algorithm=ROT13`},
		{"algorithm-sha512", `Digest realm="sipvet", nonce="abc", algorithm=SHA-512-256, qop="auth"`},
		{"qop-garbage", `Digest realm="sipvet", nonce="abc", qop="auth-int,,garbage,"`},
		{"qop-unquoted-empty", `Digest realm="sipvet", nonce="abc", qop=`},
		{"unterminated-quote", `Digest realm="sipvet, nonce="abc`},
		{"escaped-quote-end", `Digest realm="\", nonce="\`},
		{"stale-garbage", `Digest realm="sipvet", nonce="abc", stale=maybe`},
		{"params-no-values", `Digest realm, nonce, qop, algorithm`},
		{"commas-only", `Digest ,,,,,,,,`},
		{"scheme-only", `Digest`},
		{"scheme-basic", `Basic realm="sipvet"`},
		{"scheme-empty", ``},
		{"format-string", `Digest realm="%s%s%n%n", nonce="%x%x%x"`},
		{"nul-in-nonce", "Digest realm=\"sipvet\", nonce=\"a\x00b\""},
		{"param-1000", `Digest realm="sipvet", nonce="abc"` + strings.Repeat(", x=y", 1000)},
	} {
		ch := ch
		add("www-authenticate-"+ch.name, "REGISTER", 401, "Unauthorized", challenge("WWW-Authenticate", ch.value))
		add("proxy-authenticate-"+ch.name, "INVITE BYE", 407, "Proxy Authentication Required", challenge("Proxy-Authenticate", ch.value))
	}
	add("www-authenticate-50", "REGISTER", 401, "Unauthorized", func(r *uresp) {
		for i := 0; i < 50; i++ {
			r.headers = append(r.headers, fmt.Sprintf(`WWW-Authenticate: Digest realm="r%d", nonce="n%d"`, i, i))
		}
	})
	add("401-on-invite", "INVITE", 401, "Unauthorized", challenge("WWW-Authenticate", `Digest realm="sipvet", nonce="`+long(2048)+`", qop="auth,auth-int"`))
	// registration answers
	add("expires-negative", "REGISTER", 200, "OK", func(r *uresp) {
		r.set("Contact", "<sip:dut@{{contact-hostport}}>;expires=-1")
		r.set("Expires", "-1")
	})
	add("expires-huge", "REGISTER", 200, "OK", func(r *uresp) {
		r.set("Contact", "<sip:dut@{{contact-hostport}}>;expires=4294967296")
		r.set("Expires", "99999999999999999999")
	})
	add("expires-zero", "REGISTER", 200, "OK", func(r *uresp) {
		r.set("Contact", "<sip:dut@{{contact-hostport}}>;expires=0")
		r.set("Expires", "0")
	})
	add("expires-garbage", "REGISTER", 200, "OK", func(r *uresp) {
		r.set("Contact", "<sip:dut@{{contact-hostport}}>;expires=abc")
		r.set("Expires", "abc")
	})
	add("contact-missing", "REGISTER", 200, "OK", func(r *uresp) { r.del("Contact") })
	add("contact-star", "REGISTER", 200, "OK", func(r *uresp) { r.set("Contact", "*") })
	add("contact-100", "REGISTER", 200, "OK", func(r *uresp) {
		r.set("Contact", strings.TrimSuffix(strings.Repeat("<sip:other@192.0.2.1>;expires=60,", 100), ","))
	})
	add("contact-overflow", "REGISTER", 200, "OK", func(r *uresp) { r.set("Contact", "<sip:"+long(8192)+"@{{contact-hostport}}>") })
	add("service-route-garbage", "REGISTER", 200, "OK", challenge("Service-Route", "<sip:%00@:0;lr>, <"+long(4096)+">, <sip:x;lr"))
	add("path-overflow", "REGISTER", 200, "OK", challenge("Path", strings.TrimSuffix(strings.Repeat("<sip:p@192.0.2.1;lr>,", 500), ",")))
	add("min-expires-huge", "REGISTER", 423, "Interval Too Brief", challenge("Min-Expires", "4294967296"))
	add("min-expires-negative", "REGISTER", 423, "Interval Too Brief", challenge("Min-Expires", "-1"))
	add("min-expires-missing", "REGISTER", 423, "Interval Too Brief", nop)
	// call setup answers
	add("180-body-garbage", "INVITE", 180, "Ringing", func(r *uresp) { r.body = "\x00\xff" + long(1000); r.ctype = "application/sdp" })
	add("180-100rel-no-rseq", "INVITE", 180, "Ringing", challenge("Require", "100rel"))
	add("180-rseq-huge", "INVITE", 180, "Ringing", func(r *uresp) { r.headers = append(r.headers, "Require: 100rel", "RSeq: 4294967296") })
	add("180-rseq-negative", "INVITE", 180, "Ringing", func(r *uresp) { r.headers = append(r.headers, "Require: 100rel", "RSeq: -1") })
	add("180-require-unknown", "INVITE", 180, "Ringing", challenge("Require", long(2048)))
	add("183-sdp-port-70000", "INVITE", 183, "Session Progress", sdpBody("m=audio 70000 RTP/AVP 0\r\n"))
	add("183-sdp-no-media", "INVITE", 183, "Session Progress", sdpBody(""))
	add("183-sdp-500-m-lines", "INVITE", 183, "Session Progress", sdpBody(strings.Repeat("m=audio 40000 RTP/AVP 0\r\n", 500)))
	add("183-sdp-garbage", "INVITE", 183, "Session Progress", func(r *uresp) { r.body = "v=9\r\n" + strings.Repeat("%n=\x00\r\n", 200) })
	add("180-to-tag-change", "INVITE", 180, "Ringing", func(r *uresp) { r.set("To", PlaceTo+";tag=other-"+long(100)) })
	add("200-no-sdp", "INVITE", 200, "OK", func(r *uresp) { r.body = "" })
	add("200-sdp-port-70000", "INVITE", 200, "OK", sdpBody("m=audio 70000 RTP/AVP 0\r\n"))
	add("200-sdp-port-0", "INVITE", 200, "OK", sdpBody("m=audio 0 RTP/AVP 0\r\n"))
	add("200-sdp-no-c", "INVITE", 200, "OK", func(r *uresp) {
		r.body = "v=0\r\no=sipvet 1 2 IN IP4 {{ip}}\r\ns=-\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
	})
	add("200-sdp-bad-address", "INVITE", 200, "OK", func(r *uresp) {
		r.body = "v=0\r\no=sipvet 1 2 IN IP4 999.1.1.1\r\ns=-\r\nc=IN IP4 999.1.1.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
	})
	add("200-sdp-ipv6-garbage", "INVITE", 200, "OK", func(r *uresp) {
		r.body = "v=0\r\no=sipvet 1 2 IN IP6 :::::\r\ns=-\r\nc=IN IP6 [::1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
	})
	add("200-sdp-pt-300", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/AVP 300\r\na=rtpmap:300 PCMU/8000\r\n"))
	add("200-sdp-no-common-codec", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/AVP 96\r\na=rtpmap:96 nonexistent/0\r\n"))
	add("200-sdp-rtpmap-overflow", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 "+long(4096)+"/8000/255\r\n"))
	add("200-sdp-fmtp-overflow", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 "+strings.Repeat("0-15,", 2000)+"\r\n"))
	add("200-sdp-1000-attributes", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/AVP 0\r\n"+strings.Repeat("a=x-fuzz:1\r\n", 1000)))
	add("200-sdp-crypto-garbage", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%%%%%%|2^999|1:999\r\n"))
	add("200-sdp-rtcp-port-70000", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/AVP 0\r\na=rtcp:70000 IN IP4 999.0.0.1\r\n"))
	add("200-sdp-ptime-zero", "INVITE", 200, "OK", sdpBody("m=audio 40000 RTP/AVP 0\r\na=ptime:0\r\na=maxptime:-1\r\n"))
	add("200-sdp-truncated", "INVITE", 200, "OK", func(r *uresp) { r.body = "v=0\r\no=" })
	add("200-contact-missing", "INVITE", 200, "OK", func(r *uresp) { r.del("Contact") })
	add("200-contact-garbage", "INVITE", 200, "OK", func(r *uresp) { r.set("Contact", "<sip:@:99999;;;transport=%00>") })
	add("200-contact-overflow", "INVITE", 200, "OK", func(r *uresp) { r.set("Contact", "<sip:"+long(8192)+"@"+PlaceLocal+">") })
	add("200-contact-star", "INVITE", 200, "OK", func(r *uresp) { r.set("Contact", "*") })
	add("200-contact-unterminated", "INVITE", 200, "OK", func(r *uresp) { r.set("Contact", "<sip:fuzz@"+PlaceLocal) })
	add("200-record-route-100", "INVITE", 200, "OK", challenge("Record-Route", strings.TrimSuffix(strings.Repeat("<sip:rr@"+PlaceLocal+";lr>,", 100), ",")))
	add("200-record-route-garbage", "INVITE", 200, "OK", challenge("Record-Route", "<sip:%00@:0;lr>, <>, <sip:;lr"))
	add("200-record-route-overflow", "INVITE", 200, "OK", challenge("Record-Route", "<sip:"+long(8192)+"@"+PlaceLocal+";lr>"))
	add("200-record-route-no-lr", "INVITE", 200, "OK", challenge("Record-Route", "<sip:192.0.2.1:5060>"))
	add("200-session-expires-garbage", "INVITE", 200, "OK", func(r *uresp) {
		r.headers = append(r.headers, "Require: timer", "Session-Expires: 0;refresher=uas", "Min-SE: -1")
	})
	add("200-require-unknown", "INVITE", 200, "OK", challenge("Require", "x-"+long(1024)))
	add("200-multipart-garbage", "INVITE", 200, "OK", func(r *uresp) {
		r.ctype = "multipart/mixed;boundary=" + long(1024)
		r.body = "--" + long(1024) + "\r\n\r\n--"
	})
	return out
}

func (a uacAnomaly) applies(method string) bool {
	if a.methods == "" {
		return true
	}
	return strings.Contains(" "+a.methods+" ", " "+method+" ")
}

// uacSource is the "uac" source: malformed responses to the REGISTER,
// INVITE and BYE a device under test sends.
type uacSource struct {
	p     Params
	cases []struct {
		method string
		an     uacAnomaly
	}
}

func newUACSource(p Params, methods []string) *uacSource {
	s := &uacSource{p: p}
	for _, m := range UACMethods() {
		if len(methods) > 0 && !contains(methods, m) {
			continue
		}
		for _, a := range uacAnomalies() {
			if a.applies(m) {
				s.cases = append(s.cases, struct {
					method string
					an     uacAnomaly
				}{m, a})
			}
		}
	}
	return s
}

func (s *uacSource) Name() string { return UACSourceName }
func (s *uacSource) Len() int     { return len(s.cases) }

// Case returns response case n; Data is the template, Answers the method.
func (s *uacSource) Case(n int) Case {
	n %= len(s.cases)
	c := s.cases[n]
	r := baseResponse(s.p, c.method, c.an.code, c.an.reason)
	c.an.edit(r)
	return Case{Source: s.Name(), N: n, Group: "uac/" + c.method + "/" + c.an.name, Detail: c.an.name, Kind: KindResponse,
		Data: r.render(), Dialog: -1, Answers: c.method}
}
