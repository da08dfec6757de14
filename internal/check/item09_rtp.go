package check

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/sipvet/sipvet/internal/sip"
)

// uaInjectObs is what ipa09.rtp-inject saw.
type uaInjectObs struct {
	// Injected counts RTP packets sent from B with sipvet's SSRC, starting
	// at sequence number FirstSeq.
	Injected int    `json:"injected"`
	FirstSeq uint16 `json:"first_seq"`
	LastSeq  uint16 `json:"last_seq"`
	// RRSeen is true when the UA sent a receiver report about sipvet's SSRC
	// after the injection; RRHighestSeq is its extended highest sequence
	// number (low 16 bits compared).
	RRSeen       bool   `json:"rr_seen"`
	RRHighestSeq uint32 `json:"rr_highest_seq"`
	// RTPAtB counts the UA's RTP packets that arrived at B (latching).
	RTPAtB int `json:"rtp_at_b"`
}

func runRTPInject(ctx context.Context, env *Env) (Outcome, error) {
	s, o, err := uaEstablish(ctx, env)
	if s == nil {
		return *o0(o), err
	}
	defer s.close(ctx)
	dst, rtcpDst, err := s.mediaDst(ctx)
	if err != nil {
		return Inconclusive("%v", err), nil
	}
	bm, err := uaOpenEndpointAt(ctx, env, env.SourceB)
	if err != nil {
		return Outcome{Data: map[string]any{"cleanup": s.hangup(ctx)}}, err
	}
	defer bm.close()
	uaSleep(ctx, 1500*time.Millisecond)
	seq, ts := s.stopRTP()
	pt, _ := s.answer.firstCodec()
	obs := uaInjectObs{FirstSeq: seq + 1000}
	t0 := env.Now()
	payload := make([]byte, uaFrameSamples)
	obs.Injected = uaSendRTP(ctx, bm.rtp, dst, rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: obs.FirstSeq, Timestamp: ts + 1000*uaFrameSamples, SSRC: s.ssrc}, payload, 50, uaFrameEvery)
	obs.LastSeq = obs.FirstSeq + uint16(obs.Injected) - 1
	// Receiver reports come every few seconds (RFC 3550 §6.2): wait for
	// one. sipvet, a sender, also sends its sender report from A once a
	// second, which UAs that report only in answer to RTCP need.
	for i := 0; i < 40 && ctx.Err() == nil; i++ {
		if i%5 == 0 && s.media.rtcp != nil {
			_ = uaSendRTCP(ctx, s.media.rtcp, rtcpDst, &rtcp.SenderReport{SSRC: s.ssrc, NTPTime: uint64(env.Now().Unix()+2208988800) << 32, RTPTime: ts})
		}
		if rr, ok := uaReportAbout(append(s.media.rtcpSince(t0), bm.rtcpSince(t0)...), s.ssrc); ok {
			obs.RRSeen, obs.RRHighestSeq = true, rr.LastSequenceNumber
			if uaSeqCovers(obs.RRHighestSeq, obs.FirstSeq) {
				break
			}
		}
		uaSleep(ctx, 200*time.Millisecond)
	}
	obs.RTPAtB = len(bm.rtpSince(t0))
	cleanup := s.hangup(ctx)
	out := judgeRTPInject(obs)
	out.Data = map[string]any{"observed": obs, "media_b": bm.rtp.LocalAddr(), "cleanup": cleanup}
	return out, nil
}

// uaReportAbout returns the latest reception report block about ssrc.
func uaReportAbout(pkts []uaRTCPSeen, ssrc uint32) (rtcp.ReceptionReport, bool) {
	var (
		out rtcp.ReceptionReport
		ok  bool
	)
	for _, p := range pkts {
		for _, pk := range uaFlatten(p.pkts) {
			var reps []rtcp.ReceptionReport
			switch v := pk.(type) {
			case *rtcp.ReceiverReport:
				reps = v.Reports
			case *rtcp.SenderReport:
				reps = v.Reports
			}
			for _, r := range reps {
				if r.SSRC == ssrc {
					out, ok = r, true
				}
			}
		}
	}
	return out, ok
}

func uaFlatten(pkts []rtcp.Packet) []rtcp.Packet {
	var out []rtcp.Packet
	for _, p := range pkts {
		if c, ok := p.(*rtcp.CompoundPacket); ok {
			out = append(out, []rtcp.Packet(*c)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

// uaSeqCovers reports whether an extended highest sequence number has
// reached seq (16-bit serial arithmetic, RFC 1982).
func uaSeqCovers(highest uint32, seq uint16) bool {
	d := uint16(highest) - seq
	return d < 0x8000
}

// judgeRTPInject decides ipa09.rtp-inject.
func judgeRTPInject(o uaInjectObs) Outcome {
	switch {
	case o.Injected == 0:
		return Inconclusive("no RTP could be sent from source B")
	case o.RTPAtB > 0:
		return Vulnerable("the UA latched onto RTP injected from source B and sent the call's media there (%d packets)", o.RTPAtB)
	case o.RRSeen && uaSeqCovers(o.RRHighestSeq, o.FirstSeq):
		return Vulnerable("the UA played RTP injected from source B: its receiver report shows sequence %d, inside the injected range %d–%d", uint16(o.RRHighestSeq), o.FirstSeq, o.LastSeq)
	case o.RRSeen:
		return Passed("the UA ignored RTP injected from source B: its receiver report stays at sequence %d, below the injected %d", uint16(o.RRHighestSeq), o.FirstSeq)
	}
	return Inconclusive("the UA sent no RTCP receiver report about sipvet's stream and did not send media to B, so acceptance of the injected RTP cannot be seen")
}

// uaRelay tells whether the SDP answer puts the media on a relay: the c=
// address differs from the answerer's o= address or from the address of
// its Contact.
func uaRelay(ans uaMediaInfo, contactHost string) (bool, string) {
	c, err := netip.ParseAddr(ans.conn)
	if err != nil {
		return false, ""
	}
	for _, other := range []string{ans.origin, contactHost} {
		if a, err := netip.ParseAddr(other); err == nil && a.Unmap() != c.Unmap() {
			return true, fmt.Sprintf("the SDP answer anchors media at %s, not at the answerer's own address %s", c, a)
		}
	}
	return false, ""
}

// uaRelayOf tells whether the call's media goes through a relay: the
// answer's media address is on the relay the user named (--media-relay),
// or uaRelay's heuristics say so.
func (s *uaSession) uaRelayOf() (bool, string) {
	if ap := s.answer.addrPort(); ap.IsValid() && s.env.MediaRelay.Contains(ap) {
		return true, fmt.Sprintf("the SDP answer puts media at %s, on the media relay %s", ap, s.env.MediaRelay)
	}
	return uaRelay(s.answer, s.contactHost())
}

// contactHost returns the host of the 2xx Contact ("" when unknown).
func (s *uaSession) contactHost() string {
	u, err := sip.ParseURI(s.remote)
	if err != nil {
		return ""
	}
	return strings.Trim(u.Host, "[]")
}

// uaBleedObs is what ipa09.rtp-bleed saw.
type uaBleedObs struct {
	Relay   bool   `json:"relay"`
	Why     string `json:"why,omitempty"`
	SentByB int    `json:"sent_by_b"`
	RTPAtB  int    `json:"rtp_at_b"`
}

func runRTPBleed(ctx context.Context, env *Env) (Outcome, error) {
	s, err := uaStart(ctx, env, uaOfferSpec{}, nil, nil, nil)
	if err != nil {
		return Outcome{}, err
	}
	defer s.close(ctx)
	if !s.answered() {
		return Inconclusive("the target did not accept the call (%s)", uaStatus(s.final)), nil
	}
	var obs uaBleedObs
	obs.Relay, obs.Why = s.uaRelayOf()
	if !obs.Relay {
		cleanup := s.hangup(ctx)
		out := judgeRTPBleed(obs)
		out.Data = map[string]any{"observed": obs, "media": s.answer.conn, "cleanup": cleanup}
		return out, nil
	}
	dst, _, err := s.mediaDst(ctx)
	if err != nil {
		cleanup := s.hangup(ctx)
		o := Inconclusive("%v", err)
		o.Data = map[string]any{"cleanup": cleanup}
		return o, nil
	}
	bm, err := uaOpenEndpointAt(ctx, env, env.SourceB)
	if err != nil {
		return Outcome{Data: map[string]any{"cleanup": s.hangup(ctx)}}, err
	}
	defer bm.close()
	t0 := env.Now()
	// B speaks first, as an attacker probing relay ports does, then the
	// legitimate caller starts its stream.
	pt, _ := s.answer.firstCodec()
	obs.SentByB = uaSendRTP(ctx, bm.rtp, dst, rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: 1, SSRC: uaRand32(env)}, make([]byte, uaFrameSamples), 10, 20*time.Millisecond)
	if err := s.startRTP(ctx); err == nil {
		obs.SentByB += uaSendRTP(ctx, bm.rtp, dst, rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: 100, SSRC: uaRand32(env)}, make([]byte, uaFrameSamples), 25, uaFrameEvery)
	}
	uaSleep(ctx, time.Second)
	obs.RTPAtB = len(bm.rtpSince(t0))
	cleanup := s.hangup(ctx)
	out := judgeRTPBleed(obs)
	out.Data = map[string]any{"observed": obs, "relay": dst.String(), "media_b": bm.rtp.LocalAddr(), "cleanup": cleanup}
	return out, nil
}

// judgeRTPBleed decides ipa09.rtp-bleed.
func judgeRTPBleed(o uaBleedObs) Outcome {
	switch {
	case !o.Relay:
		return NotApplicable("no media relay in the path: the SDP answer's c= address is the answerer's own, so there is no relay port to probe (RTP bleed concerns relays; a UA that latches is ipa09.rtp-inject; name a relay with --media-relay)")
	case o.SentByB == 0:
		return Inconclusive("no RTP could be sent from source B to the relay")
	case o.RTPAtB > 0:
		return Vulnerable("the media relay sent call media to source B (%d RTP packets) after B sent %d packets to the call's relay port: RTP bleed", o.RTPAtB, o.SentByB)
	}
	return Passed("the media relay sent nothing to source B after B sent %d RTP packets to the call's relay port", o.SentByB)
}
