package lab

import (
	"context"
	"encoding/binary"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// maxCalls bounds concurrent calls (each holds two UDP sockets and three
// goroutines).
const maxCalls = 32

// callState is where a call of the auto-answering UA stands.
type callState int

const (
	callRinging callState = iota
	callAnswered
)

// call is one dialog of the auto-answering UA.
type call struct {
	key      string
	in       *inbound // the initial INVITE
	user     string   // Request-URI user answered as
	state    callState
	offer    sdpOffer
	hasOffer bool
	pt       uint8
	media    *media
	answer   []byte
	stopRing context.CancelFunc
	ua       uaCallMedia // vuln_ua.go
}

// end stops the call's timers and media; it is safe to call more than once.
func (c *call) end() {
	if c.stopRing != nil {
		c.stopRing()
	}
	if c.media != nil {
		c.media.stop()
	}
}

// done reports whether the call's media has ended (BYE, timeout or close).
func (c *call) done() bool {
	if c.media == nil {
		return false
	}
	select {
	case <-c.media.done:
		return true
	default:
		return false
	}
}

func callKey(callID, remoteTag, localTag string) string {
	return callID + "\x00" + remoteTag + "\x00" + localTag
}

// pruneCalls forgets calls whose media has ended. l.mu is held.
func (l *Lab) pruneCalls() {
	for k, c := range l.calls {
		if c.done() {
			delete(l.calls, k)
		}
	}
}

// invite handles an out-of-dialog INVITE. l.mu is held.
func (l *Lab) invite(ctx context.Context, in *inbound) {
	req := in.msg
	if !l.on(FlagUnchallengedMethods) || hasCredentials(req) {
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
	case routeOffline:
		l.respond(ctx, in, sip.NewResponse(req, 480, "Temporarily Unavailable"))
		return
	case routeUnknown:
		l.respond(ctx, in, sip.NewResponse(req, 404, "Not Found"))
		return
	}
	c := &call{in: in, user: in.ruri.UnescapedUser()}
	if c.user == "" {
		c.user = "echo"
	}
	if resp := l.takeOffer(in, c); resp != nil {
		l.respond(ctx, in, resp)
		return
	}
	if resp := l.uaCheckOffer(in, c); resp != nil {
		l.respond(ctx, in, resp)
		return
	}
	l.pruneCalls()
	if len(l.calls) >= maxCalls {
		resp := sip.NewResponse(req, 503, "Too Many Calls")
		resp.Set("Retry-After", "30")
		l.respond(ctx, in, resp)
		return
	}
	l.respond(ctx, in, sip.NewResponse(req, 100, "Trying"))
	l.respond(ctx, in, l.uaRinging(in))
	from, _ := req.From()
	c.key = callKey(req.CallID(), from.Tag(), in.toTag)
	l.calls[c.key] = c
	if kind != routeRing {
		l.answer(ctx, c)
		return
	}
	rctx, cancel := context.WithCancel(ctx)
	c.stopRing = cancel
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTimer(l.ringTime)
		defer t.Stop()
		select {
		case <-rctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.calls[c.key] == c && c.state == callRinging && rctx.Err() == nil {
			l.answer(ctx, c)
		}
	}()
}

// takeOffer checks the INVITE body (flag 04.unexpected-body) and reads the
// SDP offer. It returns an error response, or nil.
func (l *Lab) takeOffer(in *inbound, c *call) *sip.Message {
	req := in.msg
	c.pt = ptPCMU
	if len(req.Body) == 0 {
		return nil
	}
	ct, _ := sip.ContentType(req.Get("Content-Type"))
	disp := strings.ToLower(strings.TrimSpace(strings.SplitN(req.Get("Content-Disposition"), ";", 2)[0]))
	enc := strings.ToLower(strings.TrimSpace(req.Get("Content-Encoding")))
	if ct != "application/sdp" || (disp != "" && disp != "session") || (enc != "" && enc != "identity") {
		if l.on(FlagUnexpectedBody) {
			l.log.Info("lab: unexpected INVITE body accepted", "content-type", ct, "disposition", disp, "src", in.pkt.Src)
			return nil // rendered, ignored, and answered with an offer of our own
		}
		resp := sip.NewResponse(req, 415, "Unsupported Media Type")
		resp.Set("Accept", "application/sdp")
		resp.Set("Accept-Encoding", "identity")
		return resp
	}
	o, err := parseSDP(req.Body)
	if err != nil {
		return sip.NewResponse(req, 488, "Not Acceptable Here")
	}
	pt, err := o.choosePT()
	if err != nil {
		return sip.NewResponse(req, 488, "Not Acceptable Here")
	}
	c.offer, c.hasOffer, c.pt = o, true, pt
	return nil
}

// answer starts the call's media and sends the 200 with the SDP. l.mu is
// held.
func (l *Lab) answer(ctx context.Context, c *call) {
	in := c.in
	ip := localIP(in)
	cfg := mediaConfig{
		ip: ip, remote: c.offer.addr, pt: c.pt, ssrc: l.rand32(), seq: uint16(l.rand32()), ts: l.rand32(),
		maxDuration: l.maxCall, now: l.now, log: l.log, mayReach: l.mayReach, ua: l.uaMediaOptions(),
	}
	m, err := startMedia(ctx, &l.wg, cfg)
	if err != nil {
		l.log.Warn("lab: start media", "err", err)
		delete(l.calls, c.key)
		l.respond(ctx, in, sip.NewResponse(in.msg, 500, "Media Unavailable"))
		return
	}
	c.media, c.state = m, callAnswered
	p := sdpParams{ip: ip, port: m.rtpPort(), rtcpPort: m.rtcpPort(), dtmf: 101, sessionID: uint64(l.rand32()), user: Product}
	if c.hasOffer {
		p.pts, p.dtmf = []int{int(c.pt)}, c.offer.dtmf
	} else {
		p.pts = []int{ptPCMU, ptPCMA}
	}
	c.answer = l.uaAnswerSDP(c, buildSDP(p))
	resp := sip.NewResponse(in.msg, 200, "OK")
	resp.Set("Contact", "<"+l.selfURI(in, c.user)+">")
	resp.Set("Allow", l.allow())
	resp.SetBody("application/sdp", c.answer)
	l.respond(ctx, in, resp)
	l.log.Info("lab: call answered", "user", c.user, "rtp", m.rtpL.Addr(), "remote", c.offer.addr)
}

// localIP is the address media binds to: the one the request arrived on,
// or loopback when that is unspecified.
func localIP(in *inbound) string {
	for _, s := range []string{in.pkt.Dst, in.ln.Addr()} {
		if a, err := netip.ParseAddr(hostOf(s)); err == nil && !a.IsUnspecified() {
			return a.Unmap().String()
		}
	}
	return "127.0.0.1"
}

func (l *Lab) rand32() uint32 {
	var b [4]byte
	if _, err := io.ReadFull(l.rand, b[:]); err != nil {
		return 0x5197e7
	}
	return binary.BigEndian.Uint32(b[:])
}

// findCall returns the call a dialog request belongs to.
func (l *Lab) findCall(req *sip.Message, toTag string) *call {
	from, err := req.From()
	if err != nil {
		return nil
	}
	return l.calls[callKey(req.CallID(), from.Tag(), toTag)]
}

// ack takes an SDP answer from the ACK of a call without an offer, and
// forwards ACKs for registered contacts. l.mu is held.
func (l *Lab) ack(ctx context.Context, in *inbound, toTag string) {
	if toTag != "" {
		if c := l.findCall(in.msg, toTag); c != nil {
			if !c.hasOffer && len(in.msg.Body) > 0 && c.media != nil {
				if o, err := parseSDP(in.msg.Body); err == nil && o.addr.IsValid() {
					c.media.setRemote(o.addr)
				}
			}
			return
		}
	}
	if kind, bs := l.route(in.ruri); kind == routeBound {
		l.forward(ctx, in, bs)
	}
}

// cancelInvite answers CANCEL for a ringing call: 200 to the CANCEL, 487
// to the INVITE (RFC 3261 §9.2). l.mu is held.
func (l *Lab) cancelInvite(ctx context.Context, in *inbound) {
	for k, c := range l.calls {
		if c.state == callRinging && c.in.msg.CallID() == in.msg.CallID() && c.in.via.Branch() == in.via.Branch() && !l.uaForeign(in, c) {
			l.respond(ctx, in, sip.NewResponse(in.msg, 200, "OK"))
			l.respond(ctx, c.in, sip.NewResponse(c.in.msg, 487, "Request Terminated"))
			c.end()
			delete(l.calls, k)
			return
		}
	}
	l.forwardOr(ctx, in, 481, "Call/Transaction Does Not Exist")
}

// inDialog handles requests with a To tag. l.mu is held.
func (l *Lab) inDialog(ctx context.Context, in *inbound, toTag string) {
	req := in.msg
	c := l.findCall(req, toTag)
	if c == nil || c.done() {
		l.forwardOr(ctx, in, 481, "Call/Transaction Does Not Exist")
		return
	}
	if l.uaForeign(in, c) {
		l.uaTrace(in, c)
		l.respond(ctx, in, sip.NewResponse(req, 403, "Forbidden"))
		return
	}
	switch req.Method {
	case "BYE":
		l.respond(ctx, in, sip.NewResponse(req, 200, "OK"))
		c.end()
		delete(l.calls, c.key)
		l.log.Info("lab: call ended by BYE", "user", c.user, "src", in.pkt.Src)
	case "INVITE":
		if len(req.Body) > 0 && c.media != nil {
			if o, err := parseSDP(req.Body); err == nil && o.addr.IsValid() {
				c.media.setRemote(o.addr)
			}
		}
		resp := sip.NewResponse(req, 200, "OK")
		resp.Set("Contact", "<"+l.selfURI(in, c.user)+">")
		if c.answer != nil {
			resp.SetBody("application/sdp", c.answer)
		}
		l.respond(ctx, in, resp)
	case "REFER":
		l.respond(ctx, in, sip.NewResponse(req, 202, "Accepted"))
	default:
		l.respond(ctx, in, sip.NewResponse(req, 200, "OK"))
	}
}
