package fuzz

import (
	"fmt"
	"strings"
)

// Dialog describes how the runner opens the dialog of a block of stateful
// or media cases.
type Dialog struct {
	// Invite is the INVITE that opens it.
	Invite []byte
	// CallID and FromTag identify it; the To tag comes from the target.
	CallID, FromTag string
}

// DialogFor returns the dialog of block b of the named source: the same
// Params and block give the same INVITE.
func DialogFor(p Params, source string, b int) Dialog {
	id := fmt.Sprintf("%s%x.%d", source[:1], p.Seed, b)
	d := Dialog{CallID: id + "@sipvet.fuzz", FromTag: "d" + id}
	sdp := offerSDP(p, 49170)
	var s strings.Builder
	fmt.Fprintf(&s, "INVITE %s SIP/2.0\r\n", p.ruri(p.user()))
	fmt.Fprintf(&s, "Via: SIP/2.0/%s %s;branch=z9hG4bKdlg%s;rport\r\n", p.via(), p.local(), id)
	s.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&s, "From: <sip:sipvet@%s>;tag=%s\r\n", p.localHost(), d.FromTag)
	fmt.Fprintf(&s, "To: <sip:%s@%s>\r\n", p.user(), p.hostPort())
	fmt.Fprintf(&s, "Call-ID: %s\r\nCSeq: 1 INVITE\r\n", d.CallID)
	fmt.Fprintf(&s, "Contact: <sip:sipvet@%s>\r\nSupported: 100rel\r\nAllow: INVITE, ACK, CANCEL, BYE, PRACK, UPDATE, INFO\r\n", p.local())
	fmt.Fprintf(&s, "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", len(sdp), sdp)
	d.Invite = []byte(s.String())
	return d
}

func offerSDP(p Params, port int) string {
	return fmt.Sprintf("v=0\r\no=sipvet 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n",
		p.ipVer(), p.sdpAddr(), p.ipVer(), p.sdpAddr(), port)
}

// inDialog builds an in-dialog request of block b; edit may change the
// fields before rendering.
type dialogReq struct {
	method, ruri, toTag, fromTag, callID, cseq, maxFwd, ctype string
	body                                                      string
	extra                                                     []string
	clDelta                                                   int
	noCallID                                                  bool
}

func newDialogReq(p Params, d Dialog, method string, cseq int, branch string) *dialogReq {
	r := &dialogReq{method: method, ruri: p.ruri(p.user()), toTag: PlaceToTag, fromTag: d.FromTag, callID: d.CallID,
		cseq: fmt.Sprintf("%d %s", cseq, method), maxFwd: "70"}
	if method == "ACK" || method == "CANCEL" {
		r.cseq = "1 " + method
	}
	r.extra = append(r.extra, "Via: SIP/2.0/"+p.via()+" "+p.local()+";branch=z9hG4bK"+branch+";rport")
	return r
}

func (r *dialogReq) render(p Params) []byte {
	var s strings.Builder
	fmt.Fprintf(&s, "%s %s SIP/2.0\r\n", r.method, r.ruri)
	for _, e := range r.extra {
		s.WriteString(e + "\r\n")
	}
	fmt.Fprintf(&s, "Max-Forwards: %s\r\n", r.maxFwd)
	fmt.Fprintf(&s, "From: <sip:sipvet@%s>;tag=%s\r\n", p.localHost(), r.fromTag)
	to := fmt.Sprintf("To: <sip:%s@%s>", p.user(), p.hostPort())
	if r.toTag != "" {
		to += ";tag=" + r.toTag
	}
	s.WriteString(to + "\r\n")
	if !r.noCallID {
		fmt.Fprintf(&s, "Call-ID: %s\r\n", r.callID)
	}
	fmt.Fprintf(&s, "CSeq: %s\r\n", r.cseq)
	fmt.Fprintf(&s, "Contact: <sip:sipvet@%s>\r\n", p.local())
	if r.body != "" {
		ct := r.ctype
		if ct == "" {
			ct = "application/sdp"
		}
		fmt.Fprintf(&s, "Content-Type: %s\r\n", ct)
	}
	fmt.Fprintf(&s, "Content-Length: %d\r\n\r\n%s", len(r.body)+r.clDelta, r.body)
	return []byte(s.String())
}

// statefulMethods are the in-dialog methods, in the order sent per block
// (BYE last so the dialog lives through the block).
func statefulMethods() []string {
	return []string{"INFO", "UPDATE", "PRACK", "INVITE", "ACK", "CANCEL", "BYE"}
}

// statefulAnomaly changes an in-dialog request.
type statefulAnomaly struct {
	name string
	edit func(p Params, r *dialogReq)
}

func statefulAnomalies() []statefulAnomaly {
	sdp := func(p Params, r *dialogReq, body string) {
		if r.method == "INVITE" || r.method == "UPDATE" || r.method == "ACK" || r.method == "PRACK" {
			r.body = body
		}
	}
	return []statefulAnomaly{
		{"valid", func(p Params, r *dialogReq) {}},
		{"cseq-zero", func(p Params, r *dialogReq) { r.cseq = "0 " + r.method }},
		{"cseq-max", func(p Params, r *dialogReq) { r.cseq = "4294967295 " + r.method }},
		{"cseq-overflow", func(p Params, r *dialogReq) { r.cseq = "4294967296 " + r.method }},
		{"cseq-negative", func(p Params, r *dialogReq) { r.cseq = "-1 " + r.method }},
		{"cseq-method-mismatch", func(p Params, r *dialogReq) { r.cseq = "2 REGISTER" }},
		{"wrong-to-tag", func(p Params, r *dialogReq) { r.toTag = "sipvet-wrong" }},
		{"no-to-tag", func(p Params, r *dialogReq) { r.toTag = "" }},
		{"to-tag-overflow", func(p Params, r *dialogReq) { r.toTag = PlaceToTag + strings.Repeat("A", 4096) }},
		{"wrong-from-tag", func(p Params, r *dialogReq) { r.fromTag = "sipvet-wrong" }},
		{"no-call-id", func(p Params, r *dialogReq) { r.noCallID = true }},
		{"max-forwards-zero", func(p Params, r *dialogReq) { r.maxFwd = "0" }},
		{"rack-malformed", func(p Params, r *dialogReq) { r.extra = append(r.extra, "RAck: x -1 ???", "RSeq: 4294967296") }},
		{"rack-huge", func(p Params, r *dialogReq) { r.extra = append(r.extra, "RAck: 4294967295 4294967295 INVITE") }},
		{"body-garbage", func(p Params, r *dialogReq) { r.body = "v=0\r\n\x00\xff" + strings.Repeat("%n", 32) + "\r\n" }},
		{"content-length-large", func(p Params, r *dialogReq) { r.body = "v=0\r\n"; r.clDelta = 1000 }},
		{"dtmf-overflow", func(p Params, r *dialogReq) {
			r.ctype = "application/dtmf-relay"
			r.body = "Signal=" + strings.Repeat("9", 4096) + "\r\nDuration=-1\r\n"
		}},
		{"sdp-hold-zero", func(p Params, r *dialogReq) {
			sdp(p, r, "v=0\r\no=sipvet 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\na=sendonly\r\n")
		}},
		{"sdp-bad-port", func(p Params, r *dialogReq) {
			sdp(p, r, "v=0\r\no=sipvet 1 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n")
		}},
		{"session-refresh-huge", func(p Params, r *dialogReq) {
			r.extra = append(r.extra, "Session-Expires: 4294967296;refresher=uac", "Min-SE: -1")
		}},
	}
}

// stateful is the "stateful" source: for each anomaly a dialog is opened
// and every in-dialog method is sent with that anomaly.
type stateful struct{ p Params }

func newStateful(p Params) *stateful { return &stateful{p: p} }

func (s *stateful) Name() string { return "stateful" }
func (s *stateful) Len() int     { return len(statefulAnomalies()) * len(statefulMethods()) }

func (s *stateful) Case(n int) Case {
	ms := statefulMethods()
	n %= s.Len()
	block := n / len(ms)
	an := statefulAnomalies()[block]
	method := ms[n%len(ms)]
	d := DialogFor(s.p, s.Name(), block)
	r := newDialogReq(s.p, d, method, 2+n%len(ms), fmt.Sprintf("s%x.%d", s.p.Seed, n))
	an.edit(s.p, r)
	return Case{Source: s.Name(), N: n, Group: "stateful/" + method + "/" + an.name, Detail: an.name, Kind: KindSIP, Data: r.render(s.p), Dialog: block}
}
