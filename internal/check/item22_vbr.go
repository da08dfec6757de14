package check

import (
	"context"
	"strings"
	"time"
)

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
	refused := 0
	for _, spec := range specs {
		s, err := uaStart(ctx, env, spec, nil, nil, nil)
		if err != nil {
			tried = append(tried, spec.proto+": "+err.Error())
			continue
		}
		if (s.final != nil && s.final.StatusCode >= 300) || (s.answered() && !s.answer.secure()) {
			refused++ // a definite answer: this offer is not taken
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
	if refused < len(specs) {
		// A silent or failing target says nothing about its SRTP support.
		return Inconclusive("no SRTP offer got an answer (%s)", strings.Join(tried, "; ")), nil
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
