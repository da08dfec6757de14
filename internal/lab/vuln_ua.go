package lab

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/rtcp"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// The flaws of the auto-answering UA and its media (items 01, 09, 10, 16,
// 21, 22), consulted from uas.go and media.go through the hooks below.

// uaMaxSDPLines bounds the lines parseUAOffer reads.
const uaMaxSDPLines = 200

// uaOffer is what the UA flaws read from an SDP offer beyond sdpOffer: the
// transport profile of the first audio stream, whether it offers SDES keys
// (RFC 4568) or a DTLS fingerprint (RFC 5763), and the Opus payload type.
type uaOffer struct {
	proto       string
	crypto      bool
	fingerprint bool
	// opusPT is the payload type mapped to opus, or -1.
	opusPT int
}

// secure reports an SRTP profile (RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP...).
func (o uaOffer) secure() bool { return strings.Contains(strings.ToUpper(o.proto), "SAVP") }

// parseUAOffer reads the first audio stream of an SDP body. It never panics
// and reads at most uaMaxSDPLines lines.
func parseUAOffer(body []byte) uaOffer {
	o := uaOffer{opusPT: -1}
	inAudio, seen := false, false
	for i, raw := range bytes.Split(body, []byte("\n")) {
		if i >= uaMaxSDPLines {
			break
		}
		line := strings.TrimRight(string(raw), "\r")
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		val := line[2:]
		switch line[0] {
		case 'm':
			f := strings.Fields(val)
			inAudio = !seen && len(f) >= 3 && f[0] == "audio"
			if inAudio {
				seen, o.proto = true, f[2]
			}
		case 'a':
			if !inAudio {
				continue
			}
			name, rest, _ := strings.Cut(val, ":")
			switch strings.ToLower(name) {
			case "crypto":
				o.crypto = true
			case "fingerprint":
				o.fingerprint = true
			case "rtpmap":
				f := strings.Fields(rest)
				if len(f) == 2 && strings.HasPrefix(strings.ToLower(f[1]), "opus/") {
					if n, err := strconv.Atoi(f[0]); err == nil && n >= 96 && n <= 127 && o.opusPT < 0 {
						o.opusPT = n
					}
				}
			}
		}
	}
	return o
}

// uaCallMedia is what the UA decided about a call's media: the profile and
// payload type it answers with.
type uaCallMedia struct {
	offer uaOffer
	// opus is true when the answer carries Opus (only under SRTP).
	opus bool
}

// uaCheckOffer applies the UA flaws to an INVITE whose offer takeOffer
// accepted: bad media or Contact addresses (16.bad-sdp-address), SDES over
// cleartext (21.sdes-cleartext) and Opus under SRTP (22.vbr). It returns an
// error response or nil, and may change c.pt. l.mu is held.
func (l *Lab) uaCheckOffer(in *inbound, c *call) *sip.Message {
	req := in.msg
	if !l.on(FlagBadSDPAddress) {
		if why := l.uaBadContact(in); why != "" {
			l.log.Info("lab: INVITE refused", "why", why, "src", in.pkt.Src)
			return sip.NewResponse(req, 403, "Forbidden ("+why+")")
		}
		if c.hasOffer && c.offer.addr.IsValid() {
			if why := l.uaBadMedia(in, c.offer.addr); why != "" {
				l.log.Info("lab: SDP offer refused", "why", why, "src", in.pkt.Src)
				return sip.NewResponse(req, 488, "Not Acceptable Here ("+why+")")
			}
		}
	}
	if !c.hasOffer {
		return nil
	}
	o := parseUAOffer(req.Body)
	c.ua = uaCallMedia{offer: o}
	if !o.secure() {
		return nil
	}
	cleartext := in.ln.Transport() != "tls" && in.ln.Transport() != "wss"
	switch {
	case o.fingerprint:
		// DTLS-SRTP keeps the keys out of the signalling: always fine.
	case o.crypto && (!cleartext || l.on(FlagSDESCleartext)):
		// SDES answered with a key, also in clear when the flag is on.
	default:
		return sip.NewResponse(req, 488, "Not Acceptable Here (SDES keys over cleartext signalling)")
	}
	if o.opusPT >= 0 {
		c.ua.opus, c.pt = true, uint8(o.opusPT)
	}
	return nil
}

// uaBadContact reports a loopback Contact host that is not the request's
// source address ("" when the Contact is acceptable).
func (l *Lab) uaBadContact(in *inbound) string {
	na, err := sip.ParseNameAddr(in.msg.Get("Contact"))
	if err != nil || na.URI == nil {
		return ""
	}
	a, err := netip.ParseAddr(strings.Trim(na.URI.Host, "[]"))
	if err != nil || !a.IsLoopback() {
		return ""
	}
	if src, err := netip.ParseAddrPort(in.pkt.Src); err == nil && src.Addr().Unmap() == a.Unmap() {
		return ""
	}
	return "loopback Contact " + a.String()
}

// uaBadMedia reports why a media destination is unacceptable: multicast,
// broadcast or unspecified, a well-known port, the lab's own SIP port, or
// loopback other than the request's source address.
func (l *Lab) uaBadMedia(in *inbound, ap netip.AddrPort) string {
	a := ap.Addr().Unmap()
	switch {
	case a.IsMulticast():
		return "multicast media address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast media address"
	case a.IsUnspecified() || ap.Port() == 9:
		// c=0.0.0.0 (hold, RFC 3264 §8.4) and port 9 (the placeholder of
		// ICE, RFC 8839 §4.2.1) are legitimate.
		return ""
	case ap.Port() < 1024:
		return "well-known media port " + strconv.Itoa(int(ap.Port()))
	}
	for _, ln := range l.listeners {
		la, err := netip.ParseAddrPort(ln.Addr())
		if err == nil && la.Port() == ap.Port() && (la.Addr().Unmap() == a || la.Addr().IsUnspecified()) {
			return "media pointed at the lab's own SIP port"
		}
	}
	if a.IsLoopback() {
		if src, err := netip.ParseAddrPort(in.pkt.Src); err != nil || src.Addr().Unmap() != a {
			return "loopback media address " + a.String()
		}
	}
	return ""
}

// uaAnswerSDP turns the plain answer buildSDP wrote into the answer for
// the offered profile: RTP/SAVP with an a=crypto key of the lab's own,
// UDP/TLS/RTP/SAVP with a fingerprint, and Opus with or without cbr=1.
func (l *Lab) uaAnswerSDP(c *call, answer []byte) []byte {
	o := c.ua.offer
	if !o.secure() {
		return answer
	}
	var extra []string
	if c.ua.opus {
		fmtp := "useinbandfec=1"
		if !l.on(FlagVBR) {
			fmtp = "useinbandfec=1; cbr=1"
		}
		extra = append(extra, fmt.Sprintf("a=rtpmap:%d opus/48000/2", c.pt), fmt.Sprintf("a=fmtp:%d %s", c.pt, fmtp))
	}
	if o.fingerprint {
		fp := make([]string, 32)
		for i := range fp {
			fp[i] = fmt.Sprintf("%02X", byte(l.rand32()))
		}
		extra = append(extra, "a=fingerprint:sha-256 "+strings.Join(fp, ":"), "a=setup:active")
	} else {
		key := make([]byte, 32)
		for i := 0; i < len(key); i += 4 {
			v := l.rand32()
			key[i], key[i+1], key[i+2], key[i+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		}
		extra = append(extra, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+base64.StdEncoding.EncodeToString(key[:30]))
	}
	s := strings.Replace(string(answer), " RTP/AVP ", " "+o.proto+" ", 1)
	return []byte(s + strings.Join(extra, "\r\n") + "\r\n")
}

// uaForeign reports an in-dialog request or CANCEL that must be refused
// because it does not come from the address the call's INVITE came from
// (flag 01.dialog-foreign-source off).
func (l *Lab) uaForeign(in *inbound, c *call) bool {
	if l.on(FlagDialogForeignSource) {
		return false
	}
	return in.pkt.Src != c.in.pkt.Src || in.pkt.Transport != c.in.pkt.Transport
}

// uaRinging returns the 180 of an INVITE: reliable (RFC 3262: Require
// 100rel, RSeq) when the caller supports 100rel.
func (l *Lab) uaRinging(in *inbound) *sip.Message {
	resp := sip.NewResponse(in.msg, 180, "Ringing")
	tags := strings.ToLower(strings.Join(append(in.msg.GetAll("Supported"), in.msg.GetAll("Require")...), ","))
	for _, t := range sip.SplitList(tags) {
		if strings.TrimSpace(t) == "100rel" {
			resp.Set("Require", "100rel")
			resp.Set("RSeq", "1")
			resp.Set("Contact", "<"+l.selfURI(in, in.ruri.UnescapedUser())+">")
			break
		}
	}
	return resp
}

// uaMediaOpts are the media flaws a call's media session applies.
type uaMediaOpts struct {
	// strict drops RTP and RTCP that do not come from the negotiated
	// address (09.rtp-latch off); latch moves the media to the source of
	// any RTP packet (09.rtp-latch on).
	strict, latch bool
	// rtcpBye stops the media on any RTCP BYE (10.rtcp-bye).
	rtcpBye bool
	// rtcpLoss stops the media on a receiver report of heavy loss of the
	// UA's stream (10.rtcp-loss).
	rtcpLoss bool
}

// uaMediaOptions returns the media flaws of the lab.
func (l *Lab) uaMediaOptions() uaMediaOpts {
	latch := l.on(FlagRTPLatch)
	return uaMediaOpts{strict: !latch, latch: latch, rtcpBye: l.on(FlagRTCPBye), rtcpLoss: l.on(FlagRTCPLoss)}
}

// uaAdmit applies the media flaws to one received datagram: it returns
// false when the packet must be ignored (foreign source in strict mode, or
// media stopped by an RTCP BYE) and latches or stops the media.
func (m *media) uaAdmit(p transport.Packet) bool {
	src, err := netip.ParseAddrPort(p.Src)
	if err != nil {
		return false
	}
	isRTCP := len(p.Data) > 1 && p.Data[1] >= 200 && p.Data[1] <= 204
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.uaStopped {
		return false
	}
	opts := m.cfg.ua
	if opts.strict && m.remote.IsValid() && !uaSameEndpoint(src, m.remote) {
		return false
	}
	if opts.latch && !isRTCP && m.remote.IsValid() && src != m.remote {
		m.cfg.log.Info("lab: media latched to a new source", "from", m.remote, "to", src)
		m.remote = src
	}
	if (opts.rtcpBye || opts.rtcpLoss) && isRTCP {
		if pkts, err := rtcp.Unmarshal(p.Data); err == nil {
			for _, pk := range flattenRTCP(pkts) {
				if _, ok := pk.(*rtcp.Goodbye); ok && opts.rtcpBye {
					m.cfg.log.Info("lab: RTCP BYE stops the media", "src", src)
					m.uaStopped = true
					return false
				}
				if rr, ok := pk.(*rtcp.ReceiverReport); ok && opts.rtcpLoss && m.heavyLoss(rr.Reports) {
					m.cfg.log.Info("lab: reported loss stops the media", "src", src)
					m.uaStopped = true
					return false
				}
			}
		}
	}
	return true
}

// heavyLoss reports whether a report block says half or more of the UA's
// own stream was lost (fraction lost is in 1/256, RFC 3550 §6.4.1).
func (m *media) heavyLoss(reports []rtcp.ReceptionReport) bool {
	for _, r := range reports {
		if r.SSRC == m.cfg.ssrc && r.FractionLost >= 128 {
			return true
		}
	}
	return false
}

// uaSameEndpoint reports whether src is the negotiated media address: the
// same IP, and the RTP port or the port above it (RTCP, RFC 3550 §11).
func uaSameEndpoint(src, remote netip.AddrPort) bool {
	return src.Addr().Unmap() == remote.Addr().Unmap() && (src.Port() == remote.Port() || src.Port() == remote.Port()+1)
}

// uaMuted reports whether an RTCP BYE stopped the media. m.mu is held.
func (m *media) uaMuted() bool { return m.uaStopped }

// uaTrace logs a refused in-dialog request.
func (l *Lab) uaTrace(in *inbound, c *call) {
	l.log.Info("lab: dialog request from a foreign source refused", "method", in.msg.Method, "src", in.pkt.Src, "dialog_src", c.in.pkt.Src)
}
