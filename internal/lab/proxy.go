package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// branchPrefix marks the Via branches the lab's stateless proxy inserts.
const branchPrefix = sip.BranchMagic + "-sipvetlab-"

// forwardOr forwards a request to a registered contact, or answers it with
// code when its Request-URI user has no binding. l.mu is held.
func (l *Lab) forwardOr(ctx context.Context, in *inbound, code int, reason string) {
	if kind, bs := l.route(in.ruri); kind == routeBound {
		l.forward(ctx, in, bs)
		return
	}
	l.respond(ctx, in, sip.NewResponse(in.msg, code, reason))
}

// forward relays a request statelessly (RFC 3261 §16.11) to the newest
// binding: Request-URI rewritten to the contact, Max-Forwards decremented,
// the lab's Via on top with a branch derived from the incoming one (so a
// CANCEL or ACK gets the INVITE's branch). l.mu is held.
func (l *Lab) forward(ctx context.Context, in *inbound, bs []binding) {
	b := bs[len(bs)-1]
	tr := strings.ToLower(b.uri.Transport())
	if _, ok := b.uri.Param("transport"); !ok {
		tr = b.transport
	}
	out := l.listenerFor(tr)
	dst := contactAddr(b, tr)
	if ap, err := netip.ParseAddrPort(dst); err != nil || !l.mayReach(ap.Addr()) {
		dst = b.src
	}
	if out == nil || dst == "" {
		if in.msg.Method != "ACK" {
			l.respond(ctx, in, sip.NewResponse(in.msg, 503, "Contact Unreachable"))
		}
		return
	}
	fwd := in.msg.Clone()
	fwd.RequestURI = b.contact
	mf := 70
	if n, err := strconv.Atoi(strings.TrimSpace(fwd.Get("Max-Forwards"))); err == nil {
		mf = n
	}
	fwd.Set("Max-Forwards", strconv.Itoa(max(mf-1, 0)))
	stampVia(fwd, in.pkt.Src)
	sum := sha256.Sum256([]byte(in.via.Branch() + "|" + in.msg.CallID() + "|" + in.pkt.Src))
	branch := branchPrefix + hex.EncodeToString(sum[:10])
	fwd.Prepend("Via", "SIP/2.0/"+strings.ToUpper(out.Transport())+" "+out.Addr()+";branch="+branch+";rport")
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := out.SendTo(sctx, fwd.Bytes(), dst); err != nil {
		l.log.Debug("lab: forward", "dst", dst, "err", err)
		if in.msg.Method != "ACK" {
			l.respond(ctx, in, sip.NewResponse(in.msg, 503, "Contact Unreachable"))
		}
		return
	}
	l.log.Debug("lab: forwarded", "method", in.msg.Method, "to", dst)
}

// contactAddr is where a binding is reached: the contact's IP literal and
// port, else the source of its REGISTER.
func contactAddr(b binding, tr string) string {
	if a, err := netip.ParseAddr(strings.Trim(b.uri.Host, "[]")); err == nil {
		port := b.uri.Port
		if port == 0 {
			port = target.DefaultPort(tr)
		}
		return net.JoinHostPort(a.Unmap().String(), strconv.Itoa(port))
	}
	return b.src
}

// listenerFor returns the lab's listener for a transport, or nil.
func (l *Lab) listenerFor(tr string) transport.Listener {
	if tr == "" {
		tr = "udp"
	}
	for _, ln := range l.listeners {
		if ln.Transport() == tr {
			return ln
		}
	}
	return nil
}

// ownAddr reports whether hostport is one of the lab's listening addresses.
func (l *Lab) ownAddr(hostport string) bool {
	for _, ln := range l.listeners {
		if ln.Addr() == hostport {
			return true
		}
	}
	return false
}

// routeResponse relays a response to a forwarded request: it removes the
// lab's Via and sends the response to the next one (received/rport when
// present). Responses that did not pass through the lab are dropped.
// l.mu is held.
func (l *Lab) routeResponse(ctx context.Context, resp *sip.Message) {
	top, err := resp.TopVia()
	if err != nil || !strings.HasPrefix(top.Branch(), branchPrefix) || !l.ownAddr(top.SentBy()) {
		return
	}
	for i, h := range resp.Headers {
		if !isVia(h.Name) {
			continue
		}
		vias, err := sip.ParseVia(h.Value)
		if err != nil {
			return
		}
		if len(vias) <= 1 {
			resp.Headers = append(resp.Headers[:i:i], resp.Headers[i+1:]...)
		} else {
			parts := make([]string, 0, len(vias)-1)
			for _, v := range vias[1:] {
				parts = append(parts, v.String())
			}
			resp.Headers[i].Value = strings.Join(parts, ", ")
		}
		break
	}
	next, err := resp.TopVia()
	if err != nil {
		return
	}
	tr := strings.ToLower(next.Transport)
	out := l.listenerFor(tr)
	if out == nil {
		return
	}
	host := strings.Trim(next.Host, "[]")
	if r, ok := next.Param("received"); ok && r != "" {
		host = r
	}
	port := next.Port
	if r, ok := next.Param("rport"); ok {
		if n, err := strconv.Atoi(r); err == nil {
			port = n
		}
	}
	if port <= 0 || port > 65535 {
		port = target.DefaultPort(tr)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !l.mayReach(a) {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := out.SendTo(sctx, resp.Bytes(), net.JoinHostPort(a.Unmap().String(), strconv.Itoa(port))); err != nil {
		l.log.Debug("lab: relay response", "err", err)
	}
}
