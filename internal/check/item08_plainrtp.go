package check

import (
	"context"
	"errors"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// uaOffer places one call with spec and returns its final response and
// the parsed answer, ending the call at once. A timeout gives a nil
// response.
func uaOffer(ctx context.Context, env *Env, spec uaOfferSpec, extra func(*sip.Message)) (*sip.Message, uaMediaInfo, string, error) {
	s, err := uaStart(ctx, env, spec, extra, nil, nil)
	if err != nil {
		if errors.Is(err, transport.ErrTimeout) {
			return nil, uaMediaInfo{}, "", nil
		}
		return nil, uaMediaInfo{}, "", err
	}
	defer s.close(ctx)
	final, ans := s.final, s.answer
	cleanup := s.hangup(ctx)
	return final, ans, cleanup, nil
}

func runPlainRTPOnly(ctx context.Context, env *Env) (Outcome, error) {
	avp, _, c1, err := uaOffer(ctx, env, uaOfferSpec{proto: uaProtoAVP}, nil)
	if err != nil {
		return Outcome{}, err
	}
	savp, _, c2, err := uaOffer(ctx, env, uaOfferSpec{proto: uaProtoSAVP, cryptoKey: uaRandKey(env.Rand, 30)}, nil)
	if err != nil {
		return Outcome{}, err
	}
	dtls, _, c3, err := uaOffer(ctx, env, uaOfferSpec{proto: uaProtoDTLS, fingerprint: uaFakeFingerprint(env.Rand)}, nil)
	if err != nil {
		return Outcome{}, err
	}
	out := judgePlainRTPOnly(avp, savp, dtls)
	out.Data = map[string]any{"rtp_avp": uaStatus(avp), "rtp_savp_sdes": uaStatus(savp), "dtls_srtp": uaStatus(dtls),
		"cleanup": []string{c1, c2, c3}}
	return out, nil
}

// uaAccepted returns the answer of a 2xx with SDP, or false.
func uaAccepted(m *sip.Message) (uaMediaInfo, bool) {
	if m == nil || m.StatusCode < 200 || m.StatusCode >= 300 {
		return uaMediaInfo{}, false
	}
	mi, err := uaParseSDP(m.Body)
	if err != nil {
		return mi, false
	}
	return mi, mi.port > 0
}

// judgePlainRTPOnly decides ipa08.plain-rtp-only from the final responses
// to a plain RTP/AVP offer, an SDES RTP/SAVP offer and a DTLS-SRTP offer.
func judgePlainRTPOnly(avp, savp, dtls *sip.Message) Outcome {
	avpAns, avpOK := uaAccepted(avp)
	savpAns, savpOK := uaAccepted(savp)
	dtlsAns, dtlsOK := uaAccepted(dtls)
	srtp := (savpOK && savpAns.secure()) || (dtlsOK && dtlsAns.secure())
	switch {
	case avp == nil:
		return Inconclusive("the target did not answer a plain RTP/AVP offer")
	case !avpOK && uaRefusal(avp.StatusCode) && srtp:
		return Passed("the UA refused plain RTP (%d) and accepted SRTP: media is always encrypted", avp.StatusCode)
	case !avpOK && uaRefusal(avp.StatusCode):
		return Passed("the UA refused a plain RTP/AVP offer (%d)", avp.StatusCode)
	case !avpOK:
		return Inconclusive("the UA did not accept a plain call (%s); cannot tell what media it supports", uaStatus(avp))
	case avpAns.secure():
		return Passed("the UA answered a plain RTP/AVP offer with %s", avpAns.proto)
	case srtp:
		return Passed("the UA supports SRTP (SDES: %s, DTLS-SRTP: %s) but still accepts plain RTP/AVP when the caller offers only that", uaStatus(savp), uaStatus(dtls))
	}
	return Vulnerable("the UA accepted plain RTP/AVP (%d) and no form of SRTP (SDES: %s, DTLS-SRTP: %s): its calls can be listened to on the path", avp.StatusCode, uaStatus(savp), uaStatus(dtls))
}
