package check

import (
	"context"
	"strings"

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
