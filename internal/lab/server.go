package lab

import (
	"bytes"
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// Product and Version make up the vulnerable Server banner.
const (
	Product = "sipvet-lab"
	Version = "1.0.3"
)

// sendTimeout bounds every send of the lab.
const sendTimeout = time.Second

// inbound is one received request with what answering it needs.
type inbound struct {
	ln    transport.Listener
	pkt   transport.Packet
	msg   *sip.Message
	via   sip.Via
	ruri  *sip.URI
	toTag string // the lab's To tag for this transaction, made on demand
}

// txKey identifies the server transaction of a request.
func (in *inbound) txKey() string {
	return in.via.Branch() + "|" + in.msg.Method + "|" + in.pkt.Src + "|" + in.pkt.Transport
}

// banner is the Server header value.
func (l *Lab) banner() string {
	if l.on(FlagVersionBanner) {
		return Product + "/" + Version + " (Linux)"
	}
	return Product
}

// allow is the Allow header value.
func (l *Lab) allow() string {
	if l.on(FlagMethods) {
		return "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, INFO, UPDATE, SUBSCRIBE, NOTIFY, REFER, MESSAGE, PUBLISH"
	}
	return "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE, REFER, MESSAGE"
}

// supported lists the option tags the lab accepts in Require.
func supported() []string { return []string{"replaces", "timer", "path", "100rel"} }

// handlePacket processes one received message. It never panics: a panic
// while handling hostile input is logged and the packet dropped.
func (l *Lab) handlePacket(ctx context.Context, ln transport.Listener, p transport.Packet) {
	defer func() {
		if r := recover(); r != nil {
			l.log.Error("lab: panic while handling a packet; dropped", "src", p.Src, "panic", r)
		}
	}()
	if len(bytes.TrimSpace(p.Data)) == 0 {
		return // keep-alive (RFC 5626 §3.5.1)
	}
	msg, err := sip.Parse(p.Data)
	if msg == nil {
		return
	}
	if !msg.IsRequest() {
		if err == nil {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.routeResponse(ctx, msg)
		}
		return
	}
	via, verr := msg.TopVia()
	if verr != nil {
		l.log.Debug("lab: request without a usable Via dropped", "src", p.Src, "err", verr)
		return
	}
	in := &inbound{ln: ln, pkt: p, msg: msg, via: via}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		if msg.Method != "ACK" {
			l.respondTo(ctx, in, sip.NewResponse(msg, 400, "Bad Request"), true)
		}
		return
	}
	l.handleRequest(ctx, in)
}

// handleRequest validates and dispatches a request. l.mu is held.
func (l *Lab) handleRequest(ctx context.Context, in *inbound) {
	req := in.msg
	if e := l.txs.get(in.txKey(), l.now()); e != nil && req.Method != "ACK" {
		l.send(ctx, in, e.resp, false)
		return
	}
	if resp := l.validate(in); resp != nil {
		if req.Method != "ACK" {
			l.respond(ctx, in, resp)
		}
		return
	}
	if l.server2Hooks(ctx, in) {
		return
	}
	toTag := ""
	if to, err := req.To(); err == nil {
		toTag = to.Tag()
	}
	switch req.Method {
	case "REGISTER":
		l.respond(ctx, in, l.register(in))
	case "ACK":
		l.ack(ctx, in, toTag)
	case "CANCEL":
		l.cancelInvite(ctx, in)
	case "OPTIONS", "INVITE", "BYE", "PRACK", "INFO", "UPDATE", "NOTIFY", "PUBLISH", "SUBSCRIBE", "REFER", "MESSAGE":
		if toTag != "" {
			l.inDialog(ctx, in, toTag)
			return
		}
		switch req.Method {
		case "OPTIONS":
			l.options(ctx, in)
		case "INVITE":
			l.invite(ctx, in)
		case "BYE", "PRACK":
			l.forwardOr(ctx, in, 481, "Call/Transaction Does Not Exist")
		default:
			l.extension(ctx, in)
		}
	default:
		resp := sip.NewResponse(req, 501, "Not Implemented")
		resp.Set("Allow", l.allow())
		l.respond(ctx, in, resp)
	}
}

// validate checks the mandatory headers (RFC 3261 §8.1.1, §8.2.2) and
// returns an error response, or nil.
func (l *Lab) validate(in *inbound) *sip.Message {
	req := in.msg
	if _, err := req.From(); err != nil {
		return sip.NewResponse(req, 400, "Bad From")
	}
	if _, err := req.To(); err != nil {
		return sip.NewResponse(req, 400, "Bad To")
	}
	if req.CallID() == "" {
		return sip.NewResponse(req, 400, "Missing Call-ID")
	}
	if _, m, err := req.CSeq(); err != nil || m != req.Method {
		return sip.NewResponse(req, 400, "Bad CSeq")
	}
	u, err := sip.ParseURI(req.RequestURI)
	if err != nil {
		return sip.NewResponse(req, 400, "Bad Request-URI")
	}
	if s := strings.ToLower(u.Scheme); s != "sip" && s != "sips" && s != "tel" {
		return sip.NewResponse(req, 416, "Unsupported URI Scheme")
	}
	in.ruri = u
	if v := strings.TrimSpace(req.Get("Max-Forwards")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return sip.NewResponse(req, 400, "Bad Max-Forwards")
		}
		if n == 0 && req.Method != "OPTIONS" {
			return sip.NewResponse(req, 483, "Too Many Hops")
		}
	}
	if req.Method != "ACK" && req.Method != "CANCEL" {
		var bad []string
		for _, v := range req.GetAll("Require") {
			for _, tag := range sip.SplitList(v) {
				tag = strings.ToLower(strings.TrimSpace(tag))
				if tag != "" && !slices.Contains(supported(), tag) {
					bad = append(bad, tag)
				}
			}
		}
		if len(bad) > 0 {
			resp := sip.NewResponse(req, 420, "Bad Extension")
			resp.Set("Unsupported", strings.Join(bad, ", "))
			return resp
		}
	}
	return nil
}

// options answers OPTIONS for the lab and its users, and forwards it to
// registered contacts.
func (l *Lab) options(ctx context.Context, in *inbound) {
	kind, bs := l.route(in.ruri)
	switch kind {
	case routeBound:
		l.forward(ctx, in, bs)
		return
	case routeUnknown:
		if l.on(FlagUserEnum) {
			l.respond(ctx, in, sip.NewResponse(in.msg, 404, "Not Found"))
			return
		}
	}
	resp := sip.NewResponse(in.msg, 200, "OK")
	resp.Set("Allow", l.allow())
	resp.Set("Supported", strings.Join(supported(), ", "))
	resp.Set("Accept", "application/sdp")
	resp.Set("Accept-Encoding", "identity")
	resp.Set("Accept-Language", "en")
	l.respond(ctx, in, resp)
}

// extension serves out-of-dialog INFO, UPDATE, NOTIFY, PUBLISH, SUBSCRIBE,
// REFER and MESSAGE.
func (l *Lab) extension(ctx context.Context, in *inbound) {
	req := in.msg
	challengeable := req.Method == "SUBSCRIBE" || req.Method == "REFER" || req.Method == "MESSAGE"
	if !challengeable && !l.on(FlagMethods) {
		resp := sip.NewResponse(req, 405, "Method Not Allowed")
		resp.Set("Allow", l.allow())
		l.respond(ctx, in, resp)
		return
	}
	open := l.on(FlagMethods) || (challengeable && l.on(FlagUnchallengedMethods))
	if !open || hasCredentials(req) {
		if d := l.authenticate(in); d.deny != nil {
			l.respond(ctx, in, d.deny)
			return
		}
	}
	kind, bs := l.route(in.ruri)
	switch kind {
	case routeBound:
		l.forward(ctx, in, bs)
		return
	case routeUnknown:
		l.respond(ctx, in, sip.NewResponse(req, 404, "Not Found"))
		return
	case routeOffline:
		l.respond(ctx, in, sip.NewResponse(req, 480, "Temporarily Unavailable"))
		return
	}
	l.respond(ctx, in, l.accept(in))
	l.referTrigger(ctx, in)
}

// accept is the 2xx the lab's UA gives an extension request.
func (l *Lab) accept(in *inbound) *sip.Message {
	req := in.msg
	switch req.Method {
	case "REFER":
		return sip.NewResponse(req, 202, "Accepted")
	case "SUBSCRIBE":
		resp := sip.NewResponse(req, 200, "OK")
		exp := 3600
		if n, err := strconv.Atoi(strings.TrimSpace(req.Get("Expires"))); err == nil && n >= 0 {
			exp = min(n, 3600)
		}
		resp.Set("Expires", strconv.Itoa(exp))
		resp.Set("Contact", "<"+l.selfURI(in, "echo")+">")
		return resp
	case "PUBLISH":
		resp := sip.NewResponse(req, 200, "OK")
		resp.Set("SIP-ETag", sip.NewTag(l.rand))
		resp.Set("Expires", "3600")
		return resp
	}
	return sip.NewResponse(req, 200, "OK")
}

// routeKind is where a Request-URI leads.
type routeKind int

const (
	routeLab routeKind = iota
	routeRing
	routeBound
	routeOffline
	routeOutside
	routeUnknown
)

// route classifies a Request-URI by its user part.
func (l *Lab) route(u *sip.URI) (routeKind, []binding) {
	user := u.UnescapedUser()
	switch user {
	case "", "echo":
		return routeLab, nil
	case "ring":
		return routeRing, nil
	}
	if bs := l.bindings.lookup(user, l.now()); len(bs) > 0 {
		return routeBound, bs
	}
	if _, ok := l.users[user]; ok {
		return routeOffline, nil
	}
	if isOutsideNumber(user) {
		return routeOutside, nil
	}
	return routeUnknown, nil
}

// isOutsideNumber reports a telephone number of 5 to 20 digits, optionally
// with a leading "+": a destination a PBX would route to the PSTN.
func isOutsideNumber(user string) bool {
	user = strings.TrimPrefix(user, "+")
	if len(user) < 5 || len(user) > 20 {
		return false
	}
	for i := 0; i < len(user); i++ {
		if user[i] < '0' || user[i] > '9' {
			return false
		}
	}
	return true
}

// selfURI is a SIP URI of the lab on the listener a request arrived on.
func (l *Lab) selfURI(in *inbound, user string) string {
	s := "sip:"
	if user != "" {
		s += user + "@"
	}
	s += in.ln.Addr()
	if t := in.ln.Transport(); t != "udp" {
		s += ";transport=" + t
	}
	return s
}

// respond completes a response to in (Server header, To tag, Via received
// and rport), remembers it for retransmissions and sends it.
func (l *Lab) respond(ctx context.Context, in *inbound, resp *sip.Message) {
	l.respondTo(ctx, in, resp, false)
}

func (l *Lab) respondTo(ctx context.Context, in *inbound, resp *sip.Message, toSource bool) {
	if resp.StatusCode > 100 {
		if to := resp.Get("To"); to != "" {
			if na, err := sip.ParseNameAddr(to); err == nil && na.Tag() == "" {
				if in.toTag == "" {
					in.toTag = l.newToTag()
				}
				resp.Set("To", to+";tag="+in.toTag)
			}
		}
	}
	resp.Set("Server", l.banner())
	stampVia(resp, in.pkt.Src)
	data := resp.Bytes()
	if in.msg.Method != "ACK" && !toSource {
		l.txs.put(in.txKey(), data, l.now())
	}
	l.send(ctx, in, data, toSource)
}

// send delivers a response: on streams over the connection it came on; on
// UDP to the packet source, or (flag 06.via-reflection, no rport) to the
// Via sent-by address.
func (l *Lab) send(ctx context.Context, in *inbound, data []byte, toSource bool) {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	dst := ""
	if !toSource {
		dst = l.responseDst(in)
	}
	var err error
	if dst == "" {
		err = in.ln.Reply(ctx, in.pkt, data)
	} else {
		err = in.ln.SendTo(ctx, data, dst)
	}
	if err != nil {
		l.log.Debug("lab: send response", "dst", dst, "src", in.pkt.Src, "err", err)
	}
}

// responseDst returns the reflected destination, or "" for the source.
func (l *Lab) responseDst(in *inbound) string {
	if in.ln.Transport() != "udp" || !l.on(FlagViaReflection) {
		return ""
	}
	if _, ok := in.via.Param("rport"); ok {
		return ""
	}
	a, err := netip.ParseAddr(strings.Trim(in.via.Host, "[]"))
	if err != nil || !l.mayReach(a) {
		return ""
	}
	port := in.via.Port
	if port <= 0 || port > 65535 {
		port = 5060
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port)).String()
}

// stampVia adds received (when the sent-by host differs from the source)
// and fills an empty rport (RFC 3581 §4) in the top Via of m.
func stampVia(m *sip.Message, src string) {
	ap, err := netip.ParseAddrPort(src)
	if err != nil {
		return
	}
	for i, h := range m.Headers {
		if !isVia(h.Name) {
			continue
		}
		vias, err := sip.ParseVia(h.Value)
		if err != nil || len(vias) == 0 {
			return
		}
		v := &vias[0]
		ip := ap.Addr().Unmap().String()
		rport, hasRport := v.Param("rport")
		if strings.Trim(v.Host, "[]") != ip || hasRport {
			setParam(&v.Params, "received", ip)
		}
		if hasRport && rport == "" {
			setParam(&v.Params, "rport", strconv.Itoa(int(ap.Port())))
		}
		parts := make([]string, len(vias))
		for j, v := range vias {
			parts[j] = v.String()
		}
		m.Headers[i].Value = strings.Join(parts, ", ")
		return
	}
}

func isVia(name string) bool {
	n := strings.TrimSpace(name)
	return strings.EqualFold(n, "via") || n == "v" || n == "V"
}

func setParam(ps *[]sip.Param, name, value string) {
	for i := range *ps {
		if strings.EqualFold((*ps)[i].Name, name) {
			(*ps)[i].Value, (*ps)[i].HasValue = value, true
			return
		}
	}
	*ps = append(*ps, sip.Param{Name: name, Value: value, HasValue: true})
}
