package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
)

// stallTime is how long the lab stops serving after an address loop
// (flag 16.address-loop), as a device stuck sending to itself would.
const stallTime = 3 * time.Second

// server2Hooks runs the flaws of items 06 and 16 before a request is
// dispatched. It returns true when the request was consumed. l.mu is held.
func (l *Lab) server2Hooks(ctx context.Context, in *inbound) bool {
	now := l.now()
	if now.Before(l.stallUntil) {
		return true // busy "looping": every request is lost
	}
	if l.on(FlagAddressLoop) && l.loopAddress(in) {
		l.stallUntil = now.Add(stallTime)
		l.log.Info("lab: request with a self/broadcast address: stalling", "src", in.pkt.Src, "for", stallTime)
		return true
	}
	if l.on(FlagRouteRelay) {
		if dst, ok := l.foreignRoute(in.msg); ok {
			l.relay(ctx, in, dst)
			return true
		}
	}
	return false
}

// loopAddress reports a top Via or Record-Route naming the lab itself, or
// a Via naming a broadcast address.
func (l *Lab) loopAddress(in *inbound) bool {
	if in.via.Host == "255.255.255.255" || strings.HasSuffix(in.via.Host, ".255") {
		return true
	}
	if l.ownAddr(in.via.SentBy()) && in.via.Branch() != "" && !strings.HasPrefix(in.via.Branch(), branchPrefix) {
		return true
	}
	for _, rr := range in.msg.GetAll("Record-Route") {
		for _, v := range sip.SplitList(rr) {
			if na, err := sip.ParseNameAddr(strings.TrimSpace(v)); err == nil && na.URI != nil && l.ownAddr(na.URI.HostPort()) {
				return true
			}
		}
	}
	return false
}

// foreignRoute returns the address of a top Route entry that is not the lab.
func (l *Lab) foreignRoute(req *sip.Message) (string, bool) {
	routes := req.GetAll("Route")
	if len(routes) == 0 {
		return "", false
	}
	first := sip.SplitList(routes[0])
	if len(first) == 0 {
		return "", false
	}
	na, err := sip.ParseNameAddr(strings.TrimSpace(first[0]))
	if err != nil || na.URI == nil || l.ownAddr(na.URI.HostPort()) {
		return "", false
	}
	a, err := netip.ParseAddr(strings.Trim(na.URI.Host, "[]"))
	if err != nil || !l.mayReach(a) {
		return "", false
	}
	port := na.URI.Port
	if port == 0 {
		port = target.DefaultPort("udp")
	}
	return net.JoinHostPort(a.Unmap().String(), strconv.Itoa(port)), true
}

// relay forwards a request to its foreign Route statelessly (flag
// 06.route-relay); responses come back through routeResponse.
func (l *Lab) relay(ctx context.Context, in *inbound, dst string) {
	out := l.listenerFor("udp")
	if out == nil {
		return
	}
	fwd := in.msg.Clone()
	mf := 70
	if n, err := strconv.Atoi(strings.TrimSpace(fwd.Get("Max-Forwards"))); err == nil {
		mf = n
	}
	if mf <= 0 {
		l.respond(ctx, in, sip.NewResponse(in.msg, 483, "Too Many Hops"))
		return
	}
	fwd.Set("Max-Forwards", strconv.Itoa(mf-1))
	stampVia(fwd, in.pkt.Src)
	sum := sha256.Sum256([]byte(in.via.Branch() + "|relay|" + in.pkt.Src))
	fwd.Prepend("Via", "SIP/2.0/UDP "+out.Addr()+";branch="+branchPrefix+hex.EncodeToString(sum[:10])+";rport")
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := out.SendTo(sctx, fwd.Bytes(), dst); err != nil {
		l.log.Debug("lab: relay along Route", "dst", dst, "err", err)
		return
	}
	l.log.Info("lab: relayed along a foreign Route", "method", in.msg.Method, "to", dst)
}

// referTrigger makes the lab call the Refer-To URI of an accepted
// out-of-dialog REFER (flag 07.refer-trigger). l.mu is held.
func (l *Lab) referTrigger(ctx context.Context, in *inbound) {
	if in.msg.Method != "REFER" || !l.on(FlagReferTrigger) {
		return
	}
	na, err := sip.ParseNameAddr(strings.TrimSpace(in.msg.Get("Refer-To")))
	if err != nil || na.URI == nil || !na.URI.IsSIP() {
		return
	}
	a, err := netip.ParseAddr(strings.Trim(na.URI.Host, "[]"))
	if err != nil || !l.mayReach(a) {
		return
	}
	port := na.URI.Port
	if port == 0 {
		port = target.DefaultPort("udp")
	}
	out := l.listenerFor("udp")
	if out == nil {
		return
	}
	uri := na.URI.String()
	inv := sip.NewRequest("INVITE", uri)
	inv.Add("Via", "SIP/2.0/UDP "+out.Addr()+";branch="+branchPrefix+"refer"+sip.NewTag(l.rand)+";rport")
	inv.Add("Max-Forwards", "70")
	inv.Add("From", "<sip:"+Product+"@"+out.Addr()+">;tag="+sip.NewTag(l.rand))
	inv.Add("To", "<"+uri+">")
	inv.Add("Call-ID", sip.NewCallID(l.rand, "lab"))
	inv.Add("CSeq", "1 INVITE")
	inv.Add("Contact", "<sip:"+Product+"@"+out.Addr()+">")
	inv.Add("Referred-By", in.msg.Get("From"))
	inv.Add("Content-Length", "0")
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := out.SendTo(sctx, inv.Bytes(), net.JoinHostPort(a.Unmap().String(), strconv.Itoa(port))); err != nil {
		l.log.Debug("lab: REFER-triggered INVITE", "err", err)
		return
	}
	l.log.Info("lab: REFER made the lab call", "uri", uri)
}
