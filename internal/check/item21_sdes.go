package check

import (
	"context"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

func runSDESCleartext(ctx context.Context, env *Env) (Outcome, error) {
	if env.Target.Secure() {
		return NotApplicable("signalling to this target is TLS-protected (%s); SDES keys are not in clear on the wire", env.Target.Transport), nil
	}
	final, _, cleanup, err := uaOffer(ctx, env, uaOfferSpec{proto: uaProtoSAVP, cryptoKey: uaRandKey(env.Rand, 30)}, nil)
	if err != nil {
		return Outcome{}, err
	}
	out := judgeSDESCleartext(final, env.Target.Transport)
	if out.Data == nil {
		out.Data = map[string]any{}
	}
	if keys, ok := out.Data["crypto"].([]string); ok {
		for i := range keys {
			keys[i] = uaMaskCrypto(env, keys[i])
		}
	}
	out.Data["final"] = uaStatus(final)
	out.Data["cleanup"] = cleanup
	return out, nil
}

// uaMaskCrypto masks the inline key of an a=crypto value.
func uaMaskCrypto(env *Env, v string) string {
	i := strings.Index(v, "inline:")
	if i < 0 {
		return v
	}
	key := v[i+len("inline:"):]
	rest := ""
	if j := strings.IndexAny(key, "|; "); j >= 0 {
		key, rest = key[:j], key[j:]
	}
	return v[:i] + "inline:" + env.Mask(key) + rest
}

// judgeSDESCleartext decides ipa21.sdes-over-cleartext from the final
// response to an RTP/SAVP offer with a=crypto sent over transport.
func judgeSDESCleartext(final *sip.Message, transport string) Outcome {
	if final == nil {
		return Inconclusive("the target did not answer an SDES-SRTP offer")
	}
	ans, ok := uaAccepted(final)
	switch {
	case final.StatusCode == 401 || final.StatusCode == 407:
		return Inconclusive("the target wants authentication for INVITE (%d)", final.StatusCode)
	case ok && len(ans.crypto) > 0:
		o := Vulnerable("the UA answered an SDES-SRTP offer over cleartext %s with its own SRTP key in a=crypto (%d): anyone on the path can decrypt the call's media", strings.ToUpper(transport), final.StatusCode)
		o.Data = map[string]any{"crypto": append([]string{}, ans.crypto...)}
		return o
	case ok:
		return Passed("the UA accepted the offer (%d) but answered %s without a=crypto", final.StatusCode, ans.proto)
	case uaRefusal(final.StatusCode):
		return Passed("the UA refused an SDES-SRTP offer over cleartext %s (%d)", strings.ToUpper(transport), final.StatusCode)
	}
	return Inconclusive("unexpected answer %d to an SDES-SRTP offer", final.StatusCode)
}

func runDTLSSRTP(ctx context.Context, env *Env) (Outcome, error) {
	final, _, cleanup, err := uaOffer(ctx, env, uaOfferSpec{proto: uaProtoDTLS, fingerprint: uaFakeFingerprint(env.Rand)}, nil)
	if err != nil {
		return Outcome{}, err
	}
	out := judgeDTLSSRTP(final)
	out.Data = map[string]any{"final": uaStatus(final), "cleanup": cleanup}
	return out, nil
}

// judgeDTLSSRTP reports (informational) whether the UA negotiates
// DTLS-SRTP, which keeps SRTP keys out of the signalling.
func judgeDTLSSRTP(final *sip.Message) Outcome {
	if final == nil {
		return Inconclusive("the target did not answer a DTLS-SRTP offer")
	}
	ans, ok := uaAccepted(final)
	switch {
	case final.StatusCode == 401 || final.StatusCode == 407:
		return Inconclusive("the target wants authentication for INVITE (%d)", final.StatusCode)
	case ok && ans.fpr != "" && strings.Contains(ans.proto, "TLS"):
		return Passed("the UA accepts DTLS-SRTP (%s, a=fingerprint %s): SRTP keys stay out of the signalling", ans.proto, strings.Fields(ans.fpr)[0])
	case ok:
		return Passed("informational: the UA answered a DTLS-SRTP offer with %s and no fingerprint: it does not use DTLS-SRTP", ans.proto)
	}
	if !uaRefusal(final.StatusCode) {
		return Inconclusive("the target answered a DTLS-SRTP offer with %d, which says nothing about DTLS-SRTP", final.StatusCode)
	}
	return Passed("informational: the UA does not accept DTLS-SRTP (%d); its SRTP keys, if any, travel in SDES a=crypto", final.StatusCode)
}

// uaVBRObs is what ipa22.vbr-under-srtp saw.
type uaVBRObs struct {
	// Proto and Codec are the negotiated profile and first codec; Fmtp its
	// format parameters.
	Proto string `json:"proto"`
	Codec string `json:"codec"`
	Fmtp  string `json:"fmtp,omitempty"`
	// Sizes counts the distinct RTP packet sizes seen from the UA.
	Sizes   int `json:"sizes"`
	Packets int `json:"packets"`
}

func runVBRUnderSRTP(ctx context.Context, env *Env) (Outcome, error) {
	specs := []uaOfferSpec{
		{proto: uaProtoSAVP, cryptoKey: uaRandKey(env.Rand, 30), codecs: uaOpusFirst()},
		{proto: uaProtoDTLS, fingerprint: uaFakeFingerprint(env.Rand), codecs: uaOpusFirst()},
	}
	var tried []string
	for _, spec := range specs {
		s, err := uaStart(ctx, env, spec, nil, nil, nil)
		if err != nil {
			tried = append(tried, spec.proto+": "+err.Error())
			continue
		}
		if !s.answered() || !s.answer.secure() {
			tried = append(tried, spec.proto+": "+uaStatus(s.final))
			_ = s.hangup(ctx)
			s.close(ctx)
			continue
		}
		var obs uaVBRObs
		obs.Proto = s.answer.proto
		pt, name := s.answer.firstCodec()
		obs.Codec, obs.Fmtp = name, s.answer.fmtp[pt]
		if s.media != nil {
			_ = s.startRTP(ctx)
			uaSleep(ctx, 2*time.Second)
			pkts := s.media.rtpSince(time.Time{})
			sizes := map[int]bool{}
			for _, p := range pkts {
				if p.pt == pt {
					sizes[p.size] = true
				}
			}
			obs.Sizes, obs.Packets = len(sizes), len(pkts)
		}
		cleanup := s.hangup(ctx)
		s.close(ctx)
		out := judgeVBR(obs)
		out.Data = map[string]any{"observed": obs, "cleanup": cleanup}
		return out, nil
	}
	return NotApplicable("no SRTP call could be negotiated (%s); VBR leakage concerns encrypted media (plain RTP is ipa08)", strings.Join(tried, "; ")), nil
}

// judgeVBR decides ipa22.vbr-under-srtp from the negotiated codec and the
// packet sizes seen.
func judgeVBR(o uaVBRObs) Outcome {
	switch o.Codec {
	case "opus":
		if v, ok := uaFmtpParam(o.Fmtp, "cbr"); ok && v == "1" {
			return Passed("Opus under %s with cbr=1: constant bitrate, packet sizes carry no speech information", o.Proto)
		}
		return Vulnerable("Opus negotiated under %s without cbr=1 (fmtp %q): variable bitrate; %d distinct SRTP packet sizes seen, which leak what is said", o.Proto, o.Fmtp, o.Sizes)
	case "speex":
		if v, ok := uaFmtpParam(o.Fmtp, "vbr"); ok && (v == "on" || v == "vad") {
			return Vulnerable("Speex with vbr=%s negotiated under %s: variable bitrate leaks speech content", v, o.Proto)
		}
	case "":
		return Inconclusive("the SRTP answer names no codec")
	}
	if o.Sizes > 3 {
		return Vulnerable("%s under %s, but the UA's SRTP packets have %d different sizes: variable bitrate", o.Codec, o.Proto, o.Sizes)
	}
	return Passed("%s under %s: a constant-bitrate codec", o.Codec, o.Proto)
}
