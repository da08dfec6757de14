package fuzz

import (
	"bytes"
	"embed"

	"sort"
	"strconv"
	"strings"
)

// The RFC 4475 corpus, copied unchanged from internal/sip/testdata/torture
// (see corpus/PROVENANCE.md).
//
//go:embed corpus/torture/*.dat
var tortureFS embed.FS

// tortureMessage is one corpus message with its name.
type tortureMessage struct {
	name string
	data []byte
}

func tortureCorpus() []tortureMessage {
	entries, _ := tortureFS.ReadDir("corpus/torture")
	var out []tortureMessage
	for _, e := range entries {
		b, err := tortureFS.ReadFile("corpus/torture/" + e.Name())
		if err != nil {
			continue
		}
		out = append(out, tortureMessage{strings.TrimSuffix(e.Name(), ".dat"), b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// torture is the "torture" source: every RFC 4475 message and the RFC 5118
// IPv6 messages, retargeted.
type torture struct {
	p    Params
	msgs []tortureMessage
}

func newTorture(p Params) *torture {
	t := &torture{p: p, msgs: tortureCorpus()}
	for _, m := range rfc5118() {
		t.msgs = append(t.msgs, tortureMessage{m.name, []byte(fill(m.text, p, "t5118-"+m.name))})
	}
	return t
}

func (t *torture) Name() string { return "torture" }
func (t *torture) Len() int     { return len(t.msgs) }

func (t *torture) Case(n int) Case {
	m := t.msgs[n%len(t.msgs)]
	rfc := "rfc4475"
	data := m.data
	if strings.HasPrefix(m.name, "rfc5118-") {
		rfc = "rfc5118"
	} else {
		data = retarget(m.data, t.p)
	}
	return Case{Source: t.Name(), N: n, Group: "torture/" + rfc, Detail: m.name, Kind: KindSIP, Data: data, Dialog: -1}
}

// retarget points a request's Request-URI at the target: only the host
// (and port) of a sip/sips Request-URI change, so the oddities each torture
// message tests (escapes, parameters, whitespace, method, version) stay as
// they are. Responses and other schemes are returned unchanged.
func retarget(msg []byte, p Params) []byte {
	end := bytes.IndexAny(msg, "\r\n")
	if end < 0 || bytes.HasPrefix(msg, []byte("SIP/")) {
		return msg
	}
	line := string(msg[:end])
	s := strings.Index(line, " sip:")
	if s < 0 {
		s = strings.Index(line, " <sip:")
		if s < 0 {
			return msg
		}
		s++
	}
	s += len(" sip:")
	stop := len(line)
	if v := strings.LastIndex(line, " SIP/"); v > s {
		stop = v
	}
	uri := line[s:stop]
	hs := strings.LastIndex(uri, "@") + 1
	he := hs
	for he < len(uri) && !strings.ContainsRune(";>? ,", rune(uri[he])) {
		he++
	}
	if he == hs {
		return msg
	}
	out := line[:s] + uri[:hs] + p.hostPort() + uri[he:] + line[stop:]
	return append([]byte(out), msg[end:]...)
}

// fill substitutes the template fields of the hand-written messages.
func fill(text string, p Params, id string) string {
	body := ""
	if i := strings.Index(text, "\n\n"); i >= 0 {
		body = text[i+2:]
	}
	body = strings.ReplaceAll(body, "\n", "\r\n")
	r := strings.NewReplacer(
		"{hp}", p.hostPort(), "{host}", p.host(), "{local}", p.local(), "{lh}", p.localHost(),
		"{via}", p.via(), "{branch}", "z9hG4bK"+id, "{callid}", id+"@sipvet.fuzz", "{tag}", "f"+id,
		"{cl}", strconv.Itoa(len(body)), "{ip}", p.ipVer(), "{sdpaddr}", p.sdpAddr(),
	)
	out := r.Replace(text)
	return strings.ReplaceAll(out, "\n", "\r\n")
}

type namedText struct{ name, text string }

// rfc5118 returns IPv6 test messages written after the descriptions in
// RFC 5118 §4 (the RFC's own bytes are not copied). Where the IPv6 form of
// the Request-URI is what a message tests, it is kept and only To names the
// target.
func rfc5118() []namedText {
	const hdr = "Via: SIP/2.0/{via} {local};branch={branch};rport\nMax-Forwards: 70\nFrom: <sip:fuzz@{lh}>;tag={tag}\nCall-ID: {callid}\n"
	reg := func(ruri, contact string) string {
		return "REGISTER " + ruri + " SIP/2.0\n" + hdr + "To: <sip:fuzz@{hp}>\nCSeq: 1 REGISTER\nContact: " + contact + "\nExpires: 60\nContent-Length: 0\n\n"
	}
	inv := func(extraVia, sdp string) string {
		return "INVITE sip:fuzz@{hp} SIP/2.0\n" + extraVia + hdr + "To: <sip:fuzz@{hp}>\nCSeq: 1 INVITE\nContact: <sip:fuzz@{local}>\nContent-Type: application/sdp\nContent-Length: {cl}\n\n" + sdp
	}
	return []namedText{
		{"rfc5118-ipv6-good", reg("sip:[2001:db8::10]", "\"Caller\" <sip:caller@[2001:db8::1]>")},
		{"rfc5118-ipv6-bad", reg("sip:2001:db8::10", "\"Caller\" <sip:caller@2001:db8::1>")},
		{"rfc5118-port-ambiguous", reg("sip:[2001:db8::10:5070]", "\"Caller\" <sip:caller@[2001:db8::1]>")},
		{"rfc5118-port-unambiguous", reg("sip:[2001:db8::10]:5070", "\"Caller\" <sip:caller@[2001:db8::1]>")},
		{"rfc5118-via-received-brackets", "OPTIONS sip:fuzz@{hp} SIP/2.0\nVia: SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch={branch}x\n" + hdr + "To: <sip:fuzz@{hp}>\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"},
		{"rfc5118-via-received-nobrackets", "OPTIONS sip:fuzz@{hp} SIP/2.0\nVia: SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch={branch}x\n" + hdr + "To: <sip:fuzz@{hp}>\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"},
		{"rfc5118-sdp-ipv6-ipv4", inv("", "v=0\no=fuzz 1 1 IN IP6 2001:db8::20\ns=-\nc=IN IP6 2001:db8::20\nt=0 0\nm=audio 6000 RTP/AVP 0\nm=audio 6002 RTP/AVP 0\nc=IN IP4 192.0.2.2\n")},
		{"rfc5118-multiple-via-addresses", inv("Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKv6\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKv4\n", "v=0\no=fuzz 1 1 IN {ip} {sdpaddr}\ns=-\nc=IN {ip} {sdpaddr}\nt=0 0\nm=audio 6000 RTP/AVP 0\n")},
		{"rfc5118-sdp-multiple-addresses", inv("", "v=0\no=fuzz 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 6000 RTP/AVP 0\nc=IN IP6 2001:db8::1\nm=audio 6002 RTP/AVP 0\nc=IN IP4 192.0.2.1\n")},
		{"rfc5118-ipv4-mapped", "OPTIONS sip:fuzz@[::ffff:192.0.2.10] SIP/2.0\nVia: SIP/2.0/UDP [::ffff:192.0.2.128];branch={branch}m\n" + hdr + "To: <sip:fuzz@{hp}>\nCSeq: 1 OPTIONS\nContact: <sip:fuzz@[::ffff:192.0.2.128]>\nContent-Length: 0\n\n"},
		{"rfc5118-abnf-three-colons", "OPTIONS sip:fuzz@[2001:db8:::192.0.2.1] SIP/2.0\n" + hdr + "To: <sip:fuzz@{hp}>\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"},
		{"rfc5118-abnf-two-colons", "OPTIONS sip:fuzz@[2001:db8::192.0.2.1] SIP/2.0\n" + hdr + "To: <sip:fuzz@{hp}>\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"},
	}
}
