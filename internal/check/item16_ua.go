package check

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/pion/rtp"

	"github.com/sipvet/sipvet/internal/sip"
)

// uaLoopbackFor returns the loopback address to offer a target: 127.0.0.1
// for a remote target; for a target on loopback itself (where 127.0.0.1
// is normal) another loopback address that is neither sipvet's nor the
// target's, so that accepting it still means "media to a local service".
func uaLoopbackFor(env *Env) string {
	if a, err := netip.ParseAddr(env.Target.Host); err == nil && a.IsLoopback() {
		if a.Is6() {
			return "::1"
		}
		return "127.0.0.53"
	}
	return "127.0.0.1"
}

// uaBadAddrObs is what an ipa16 bad-address check saw.
type uaBadAddrObs struct {
	// What names the offered value ("c=127.0.0.53 m=40000").
	What string `json:"what"`
	// Status is the final status (0: no answer).
	Status int `json:"status"`
	// MediaThere counts RTP packets seen at the offered address (only when
	// sipvet could listen there).
	MediaThere int `json:"media_there"`
}

// uaBadOffer places a call whose offer or Contact carries a bad address and
// ends it at once.
func uaBadOffer(ctx context.Context, env *Env, spec uaOfferSpec, extra func(*sip.Message), what string, listen string) (Outcome, error) {
	var lm *uaEndpoint
	if listen != "" {
		if e, err := uaOpenEndpointAt(ctx, env, listen); err == nil {
			lm = e
			defer lm.close()
			spec.addr, spec.port = uaHost(lm.rtp.LocalAddr()), uaPort(lm.rtp.LocalAddr())
			what = fmt.Sprintf("c=%s m=audio %d", spec.addr, spec.port)
		}
	}
	s, err := uaStart(ctx, env, spec, extra, nil, nil)
	obs := uaBadAddrObs{What: what}
	if err != nil {
		return Inconclusive("the target did not answer the INVITE with %s", what), nil
	}
	defer s.close(ctx)
	if s.final != nil {
		obs.Status = s.final.StatusCode
	}
	if lm != nil && s.answered() {
		uaSleep(ctx, time.Second)
		obs.MediaThere = len(lm.rtpSince(time.Time{}))
	}
	cleanup := s.hangup(ctx)
	out := judgeBadAddress(obs)
	out.Data = map[string]any{"observed": obs, "final": uaStatus(s.final), "cleanup": cleanup}
	return out, nil
}

// uaRefusal reports whether a final status refuses the offered session
// itself (bad request, forbidden, unsupported media, not acceptable), as
// opposed to "no such user", "busy" or a server error.
func uaRefusal(code int) bool {
	switch code {
	case 400, 403, 415, 488, 606:
		return true
	}
	return false
}

// judgeBadAddress decides the ipa16 checks that offer a bad address.
func judgeBadAddress(o uaBadAddrObs) Outcome {
	switch {
	case o.Status >= 200 && o.Status < 300 && o.MediaThere > 0:
		return Vulnerable("the UA accepted an INVITE with %s (%d) and sent %d RTP packets there", o.What, o.Status, o.MediaThere)
	case o.Status >= 200 && o.Status < 300:
		return Vulnerable("the UA accepted an INVITE with %s (%d) instead of rejecting the address", o.What, o.Status)
	case o.Status == 401 || o.Status == 407:
		return Inconclusive("the target wants authentication for INVITE (%d), so the address was never judged", o.Status)
	case uaRefusal(o.Status):
		return Passed("the UA rejected an INVITE with %s (%d)", o.What, o.Status)
	case o.Status >= 300:
		return Inconclusive("the target answered an INVITE with %s with %d, which says nothing about the address", o.What, o.Status)
	}
	return Inconclusive("no usable final response to an INVITE with %s (%d)", o.What, o.Status)
}

func runSDPLoopback(ctx context.Context, env *Env) (Outcome, error) {
	lo := uaLoopbackFor(env)
	listen := ""
	if a, err := netip.ParseAddr(env.Target.Host); err == nil && a.IsLoopback() {
		listen = lo // the target is on this host: sipvet can see the media
	}
	return uaBadOffer(ctx, env, uaOfferSpec{addr: lo, port: 40000}, nil, "c="+lo+" m=audio 40000", listen)
}

func runSDPSelf(ctx context.Context, env *Env) (Outcome, error) {
	a, err := netip.ParseAddr(env.Target.Host)
	if err != nil {
		return NotApplicable("the target is a host name; sdp-self needs its IP address"), nil
	}
	what := fmt.Sprintf("c=%s m=audio %d (the target's own SIP port)", a, env.Target.Port)
	return uaBadOffer(ctx, env, uaOfferSpec{addr: a.String(), port: env.Target.Port, direction: "sendrecv"}, nil, what, "")
}

func runSDPBroadcast(ctx context.Context, env *Env) (Outcome, error) {
	// a=inactive: should the UA accept, it has no reason to send RTP to
	// the broadcast or multicast group while sipvet ends the call.
	var outs []Outcome
	for _, addr := range []string{"255.255.255.255", "224.0.0.1"} {
		o, err := uaBadOffer(ctx, env, uaOfferSpec{addr: addr, port: 40000, direction: "inactive"}, nil, "c="+addr+" m=audio 40000", "")
		if err != nil {
			return Outcome{}, err
		}
		if o.Verdict == "vulnerable" {
			return o, nil
		}
		outs = append(outs, o)
	}
	for _, o := range outs {
		if o.Verdict != "not-vulnerable" {
			return o, nil
		}
	}
	o := Passed("the UA rejected SDP offers with a broadcast (255.255.255.255) and a multicast (224.0.0.1) media address")
	o.Data = map[string]any{"broadcast": outs[0].Data, "multicast": outs[1].Data}
	return o, nil
}

func runSDPWellKnown(ctx context.Context, env *Env) (Outcome, error) {
	sig, err := uaDial(ctx, env, "")
	if err != nil {
		return Outcome{}, err
	}
	own := uaHost(sig.LocalAddr())
	sig.Close()
	// Port 19 (chargen) on sipvet's own address: a UA that accepts it
	// would send RTP to a well-known service port.
	return uaBadOffer(ctx, env, uaOfferSpec{addr: own, port: 19}, nil, "c="+own+" m=audio 19 (chargen)", "")
}

func runContactLoopback(ctx context.Context, env *Env) (Outcome, error) {
	lo := uaLoopbackFor(env)
	host := lo
	if netip.MustParseAddr(lo).Is6() {
		host = "[" + lo + "]"
	}
	contact := fmt.Sprintf("<sip:sipvet@%s:5060>", host)
	return uaBadOffer(ctx, env, uaOfferSpec{}, func(inv *sip.Message) { inv.Set("Contact", contact) }, "Contact: "+contact, "")
}

// uaAfterByeObs is what ipa16.media-after-bye and ipa16.rtp-without-session saw.
type uaAfterByeObs struct {
	Relay bool `json:"relay"`
	// Before counts the UA's RTP packets in the second before BYE; After
	// those arriving from 0.3 s to 2.3 s after the BYE was answered.
	Before int `json:"before"`
	After  int `json:"after"`
	// Probes counts RTP packets sipvet sent to the old media port after BYE
	// (rtp-without-session) and Back those that came back from it.
	Probes int `json:"probes,omitempty"`
	Back   int `json:"back,omitempty"`
	Bye    int `json:"bye"`
}

// uaAfterBye runs a call, ends it with BYE from A and watches the media.
// With probe set it then sends RTP to the call's old media port from A
// and B.
func uaAfterBye(ctx context.Context, env *Env, probe bool) (uaAfterByeObs, map[string]any, *Outcome, error) {
	var obs uaAfterByeObs
	s, o, err := uaEstablish(ctx, env)
	if s == nil {
		return obs, nil, o0(o), err
	}
	defer s.close(ctx)
	obs.Relay, _ = s.uaRelayOf()
	dst, _, err := s.mediaDst(ctx)
	if err != nil {
		o := Inconclusive("%v", err)
		return obs, map[string]any{"cleanup": s.hangup(ctx)}, &o, nil
	}
	if probe && !obs.Relay {
		return obs, map[string]any{"cleanup": s.hangup(ctx)}, nil, nil
	}
	uaSleep(ctx, 1500*time.Millisecond)
	obs.Before = len(s.media.rtpSince(env.Now().Add(-time.Second)))
	cleanup := s.hangup(ctx)
	fmt.Sscanf(cleanupStatus(cleanup), "%d", &obs.Bye)
	tBye := env.Now()
	data := map[string]any{"cleanup": cleanup}
	if probe {
		bm, err := uaOpenEndpointAt(ctx, env, env.SourceB)
		if err != nil {
			return obs, data, nil, err
		}
		defer bm.close()
		uaSleep(ctx, 500*time.Millisecond)
		t1 := env.Now()
		pt, _ := s.answer.firstCodec()
		h := rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: 7, SSRC: uaRand32(env)}
		obs.Probes = uaSendRTP(ctx, s.media.rtp, dst, h, make([]byte, uaFrameSamples), 20, uaFrameEvery)
		h.SSRC = uaRand32(env)
		obs.Probes += uaSendRTP(ctx, bm.rtp, dst, h, make([]byte, uaFrameSamples), 20, uaFrameEvery)
		uaSleep(ctx, time.Second)
		obs.Back = len(s.media.rtpSince(t1)) + len(bm.rtpSince(t1))
		data["relay"] = dst.String()
		return obs, data, nil, nil
	}
	uaSleep(ctx, 2300*time.Millisecond)
	for _, p := range s.media.rtpSince(tBye.Add(300 * time.Millisecond)) {
		if p.at.Before(tBye.Add(2300 * time.Millisecond)) {
			obs.After++
		}
	}
	return obs, data, nil, nil
}

// cleanupStatus extracts the status number from hangup's text.
func cleanupStatus(s string) string {
	for i := 0; i+3 <= len(s); i++ {
		if s[i] >= '1' && s[i] <= '6' && s[i+1] >= '0' && s[i+1] <= '9' && s[i+2] >= '0' && s[i+2] <= '9' && (i == 0 || s[i-1] == ' ') {
			return s[i : i+3]
		}
	}
	return "0"
}

func runMediaAfterBye(ctx context.Context, env *Env) (Outcome, error) {
	obs, data, early, err := uaAfterBye(ctx, env, false)
	if early != nil || err != nil {
		if early != nil && data != nil {
			early.Data = data
		}
		return *o0(early), err
	}
	out := judgeMediaAfterBye(obs)
	data["observed"] = obs
	out.Data = data
	return out, nil
}

// judgeMediaAfterBye decides ipa16.media-after-bye.
func judgeMediaAfterBye(o uaAfterByeObs) Outcome {
	switch {
	case o.Bye < 200 || o.Bye >= 300:
		return Inconclusive("the UA did not confirm the BYE with a 2xx (%d)", o.Bye)
	case o.Before == 0:
		return Inconclusive("the UA sent no RTP during the call, so media after BYE cannot be judged")
	case o.After > 3 && o.Relay:
		return Vulnerable("the media relay kept forwarding media after the call ended: %d RTP packets arrived from it between 0.3 s and 2.3 s after the BYE was confirmed", o.After)
	case o.After > 3:
		return Vulnerable("media kept flowing after the call ended: %d RTP packets arrived between 0.3 s and 2.3 s after the BYE was confirmed", o.After)
	}
	return Passed("media stopped with the BYE (%d RTP packets/s before, %d after 0.3 s)", o.Before, o.After)
}

func runRTPWithoutSession(ctx context.Context, env *Env) (Outcome, error) {
	obs, data, early, err := uaAfterBye(ctx, env, true)
	if early != nil || err != nil {
		if early != nil && data != nil {
			early.Data = data
		}
		return *o0(early), err
	}
	out := judgeRTPWithoutSession(obs)
	data["observed"] = obs
	out.Data = data
	return out, nil
}

// judgeRTPWithoutSession decides ipa16.rtp-without-session.
func judgeRTPWithoutSession(o uaAfterByeObs) Outcome {
	switch {
	case !o.Relay:
		return NotApplicable("no media relay in the path: the SDP answer's c= address is the answerer's own (name a relay with --media-relay)")
	case o.Bye < 200 || o.Bye >= 300:
		return Inconclusive("the call did not end with a 2xx to BYE (%d)", o.Bye)
	case o.Probes == 0:
		return Inconclusive("no RTP could be sent to the relay after the call")
	case o.Back > 0:
		return Vulnerable("the media relay still relayed RTP on the call's port after the session ended: %d packets came back for %d sent", o.Back, o.Probes)
	}
	return Passed("the media relay relayed nothing on the call's port after the session ended (%d RTP packets sent from A and B)", o.Probes)
}
