package fuzz

import (
	"strconv"
	"strings"
)

// fieldKind tells which anomaly classes apply to a template field.
type fieldKind int

const (
	kindText fieldKind = iota
	kindNum
	kindURI
)

// part is a literal or a named field of a template line.
type part struct {
	lit   string
	field string
	def   string
	kind  fieldKind
}

func lit(s string) part                           { return part{lit: s} }
func fld(name, def string, kind fieldKind) part   { return part{field: name, def: def, kind: kind} }
func line(parts ...part) []part                   { return parts }
func txt(name, def string) part                   { return fld(name, def, kindText) }
func num(name, def string) part                   { return fld(name, def, kindNum) }
func uri(name, def string) part                   { return fld(name, def, kindURI) }
func hdrLine(name string, parts ...part) []part   { return append([]part{lit(name + ": ")}, parts...) }
func sdpLine(prefix string, parts ...part) []part { return append([]part{lit(prefix)}, parts...) }

// inviteTemplate is the valid INVITE with SDP that the protos, mutation and
// application sources start from. Defaults may hold {placeholders} that
// expand() fills; "content-length" is computed unless overridden.
func inviteTemplate() (head, body [][]part) {
	head = [][]part{
		line(txt("method", "INVITE"), lit(" "), txt("ruri.scheme", "sip"), lit(":"), uri("ruri.user", "{user}"), lit("@"), uri("ruri.host", "{host}"), lit(":"), num("ruri.port", "{port}"), lit(";"), uri("ruri.param", "user=phone"), lit(" "), txt("version", "SIP/2.0")),
		hdrLine("Via", txt("via.proto", "SIP/2.0/{via}"), lit(" "), uri("via.host", "{lh}"), lit(":"), num("via.port", "{lport}"), lit(";branch="), txt("via.branch", "z9hG4bK{id}"), lit(";"), txt("via.rport", "rport")),
		hdrLine("Max-Forwards", num("max-forwards", "70")),
		hdrLine("From", lit("\""), txt("from.display", "sipvet"), lit("\" <sip:"), uri("from.user", "sipvet"), lit("@"), uri("from.host", "{lh}"), lit(">;tag="), txt("from.tag", "{id}")),
		hdrLine("To", lit("<sip:"), uri("to.user", "{user}"), lit("@"), uri("to.host", "{hp}"), lit(">")),
		hdrLine("Call-ID", txt("call-id", "{id}@sipvet.fuzz")),
		hdrLine("CSeq", num("cseq.num", "1"), lit(" "), txt("cseq.method", "INVITE")),
		hdrLine("Contact", lit("<sip:"), uri("contact.user", "sipvet"), lit("@"), uri("contact.host", "{lh}"), lit(":"), num("contact.port", "{lport}"), lit(";transport="), txt("contact.transport", "{vialow}"), lit(">")),
		hdrLine("Expires", num("expires", "120")),
		hdrLine("User-Agent", txt("user-agent", "sipvet-fuzz")),
		hdrLine("Content-Type", txt("content-type.type", "application"), lit("/"), txt("content-type.subtype", "sdp")),
		hdrLine("Content-Length", num("content-length", "{cl}")),
	}
	body = [][]part{
		sdpLine("v=", num("sdp.v", "0")),
		sdpLine("o=", txt("sdp.o.user", "sipvet"), lit(" "), num("sdp.o.sess-id", "1"), lit(" "), num("sdp.o.version", "1"), lit(" IN "), txt("sdp.o.addrtype", "{ip}"), lit(" "), txt("sdp.o.addr", "{sdpaddr}")),
		sdpLine("s=", txt("sdp.s", "-")),
		sdpLine("c=", txt("sdp.c.nettype", "IN"), lit(" "), txt("sdp.c.addrtype", "{ip}"), lit(" "), txt("sdp.c.addr", "{sdpaddr}")),
		sdpLine("t=", num("sdp.t.start", "0"), lit(" "), num("sdp.t.stop", "0")),
		sdpLine("m=", txt("sdp.m.media", "audio"), lit(" "), num("sdp.m.port", "49170"), lit(" "), txt("sdp.m.proto", "RTP/AVP"), lit(" "), num("sdp.m.fmt", "0"), lit(" 8 101")),
		sdpLine("a=rtpmap:", num("sdp.a.rtpmap.pt", "0"), lit(" "), txt("sdp.a.rtpmap.codec", "PCMU"), lit("/"), num("sdp.a.rtpmap.rate", "8000")),
		sdpLine("a=rtpmap:101 telephone-event/8000"),
		sdpLine("a=fmtp:101 ", txt("sdp.a.fmtp", "0-15")),
		sdpLine("a=", txt("sdp.a.direction", "sendrecv")),
	}
	return head, body
}

// msgBuilder renders a template with per-field overrides and line edits.
type msgBuilder struct {
	p  Params
	id string
	// override maps a field name to its value.
	override map[string]string
	// insert maps a field name to text inserted in the middle of its default.
	insert map[string]string
	// headOps and bodyOps edit whole lines by index.
	headOps map[int]lineOp
	bodyOps map[int]lineOp
	// clDelta is added to the computed Content-Length.
	clDelta int
	rep     *strings.Replacer
}

// lineOp is a header-level anomaly.
type lineOp struct {
	kind  string // missing, dup, empty, folded, nocolon, leading-space, lower
	count int
}

func (b *msgBuilder) expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	if b.rep == nil {
		b.rep = b.replacer()
	}
	return b.rep.Replace(s)
}

func (b *msgBuilder) replacer() *strings.Replacer {
	vt := b.p.via()
	host := b.p.host()
	if b.p.Target.Host == "" {
		host = "127.0.0.1"
	}
	port := strconv.Itoa(b.p.Target.Port)
	if b.p.Target.Port == 0 {
		port = "5060"
	}
	lport := "5060"
	if i := strings.LastIndex(b.p.local(), ":"); i > 0 {
		lport = b.p.local()[i+1:]
	}
	r := strings.NewReplacer("{user}", b.p.user(), "{host}", host, "{port}", port, "{hp}", host+":"+port,
		"{lh}", b.p.localHost(), "{lport}", lport, "{via}", vt, "{vialow}", strings.ToLower(vt), "{id}", b.id,
		"{ip}", b.p.ipVer(), "{sdpaddr}", b.p.sdpAddr())
	return r
}

func (b *msgBuilder) renderLine(l []part) string {
	var sb strings.Builder
	for _, pt := range l {
		if pt.field == "" {
			sb.WriteString(pt.lit)
			continue
		}
		v := b.expand(pt.def)
		if o, ok := b.override[pt.field]; ok {
			v = o
		} else if ins, ok := b.insert[pt.field]; ok {
			v = v[:len(v)/2] + ins + v[len(v)/2:]
		}
		sb.WriteString(v)
	}
	return sb.String()
}

func applyOp(out []string, text string, op lineOp, ok bool) []string {
	if !ok {
		return append(out, text)
	}
	name, value, _ := strings.Cut(text, ": ")
	switch op.kind {
	case "missing":
		return out
	case "dup":
		for i := 0; i < op.count; i++ {
			out = append(out, text)
		}
		return out
	case "empty":
		return append(out, name+":")
	case "folded":
		h := len(value) / 2
		return append(out, name+": "+value[:h]+"\r\n "+value[h:])
	case "nocolon":
		return append(out, name+" "+value)
	case "leading-space":
		return append(out, " "+text)
	case "lower":
		return append(out, strings.ToLower(name)+": "+value)
	case "space-before-colon":
		return append(out, name+" : "+value)
	}
	return append(out, text)
}

// build renders the message.
func (b *msgBuilder) build() []byte {
	head, body := inviteTemplate()
	var bl []string
	for i, l := range body {
		op, ok := b.bodyOps[i]
		bl = applyOp(bl, b.renderLine(l), op, ok)
	}
	bodyText := strings.Join(bl, "\r\n") + "\r\n"
	cl := strconv.Itoa(len(bodyText) + b.clDelta)
	var hl []string
	for i, l := range head {
		op, ok := b.headOps[i]
		s := strings.ReplaceAll(b.renderLine(l), "{cl}", cl)
		hl = applyOp(hl, s, op, ok)
	}
	return []byte(strings.Join(hl, "\r\n") + "\r\n\r\n" + bodyText)
}

// fieldNames lists the template's fields in order with their kinds.
func fieldNames() ([]string, []fieldKind) {
	head, body := inviteTemplate()
	var names []string
	var kinds []fieldKind
	for _, l := range append(head, body...) {
		for _, pt := range l {
			if pt.field != "" {
				names = append(names, pt.field)
				kinds = append(kinds, pt.kind)
			}
		}
	}
	return names, kinds
}

// headerNames lists the template's header names by line index (0 = start line).
func headerNames() []string {
	head, _ := inviteTemplate()
	out := make([]string, len(head))
	for i, l := range head {
		if i > 0 {
			out[i] = strings.TrimSuffix(l[0].lit, ": ")
		}
	}
	return out
}
