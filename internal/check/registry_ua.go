package check

import (
	"context"
	"fmt"
	"github.com/sipvet/sipvet/internal/finding"
)

// uaChecks are the scan checks that call a user agent and attack the call
// and its media (items 01, 08, 09, 10, 16, 21, 22), in item order.
func uaChecks() []Check {
	return []Check{
		uaCheck{uaInfo("ipa01.bye-foreign-source", 1, "BYE from a foreign source ends the call", "第三者アドレスからの BYE で通話が切断される"), runByeForeign},
		uaCheck{uaInfo("ipa01.cancel-foreign-source", 1, "CANCEL from a foreign source cancels the call", "第三者アドレスからの CANCEL で発信が取り消される"), runCancelForeign},
		uaCheck{uaInfo("ipa01.reinvite-hijack", 1, "re-INVITE from a foreign source moves the media", "第三者アドレスからの re-INVITE でメディアが奪われる"), runReinviteHijack},
		uaCheck{uaInfo("ipa01.prack-spoof", 1, "PRACK from a foreign source accepted (100rel)", "第三者アドレスからの PRACK の受理 (100rel)"), runPrackSpoof},
		uaCheck{uaInfo("ipa08.plain-rtp-only", 8, "Only unencrypted RTP supported", "暗号化されていない RTP のみ対応"), runPlainRTPOnly},
		uaCheck{uaInfo("ipa09.rtp-inject", 9, "RTP injected from a foreign source accepted", "第三者アドレスから注入した RTP の受理"), runRTPInject},
		uaCheck{uaInfo("ipa09.rtp-bleed", 9, "Media relay leaks call media to a foreign source (RTP bleed)", "メディアリレーが第三者へ通話音声を転送 (RTP bleed)"), runRTPBleed},
		uaCheck{uaInfo("ipa10.rtcp-bye-spoof", 10, "Forged RTCP BYE from a foreign source honoured", "第三者アドレスからの偽造 RTCP BYE の受理"), runRTCPByeSpoof},
		uaCheck{uaInfo("ipa10.rtcp-rr-loss", 10, "Forged RTCP loss reports change the call", "偽造 RTCP 受信レポート (高損失) で通話が変化"), runRTCPRRLoss},
		uaCheck{uaInfo("ipa16.sdp-loopback", 16, "SDP with a loopback media address accepted", "ループバックアドレスを含む SDP の受理"), runSDPLoopback},
		uaCheck{uaInfo("ipa16.sdp-self", 16, "SDP pointing media at the target's own SIP port accepted", "宛先自身の SIP ポートを指す SDP の受理"), runSDPSelf},
		uaCheck{uaInfo("ipa16.sdp-broadcast-multicast", 16, "SDP with a broadcast or multicast media address accepted", "ブロードキャスト/マルチキャストアドレスを含む SDP の受理"), runSDPBroadcast},
		uaCheck{uaInfo("ipa16.sdp-wellknown-port", 16, "SDP with a well-known media port accepted", "ウェルノウンポートを指す SDP の受理"), runSDPWellKnown},
		uaCheck{uaInfo("ipa16.contact-loopback", 16, "INVITE with a loopback Contact accepted", "ループバックアドレスの Contact を持つ INVITE の受理"), runContactLoopback},
		uaCheck{uaInfo("ipa16.media-after-bye", 16, "Media continues after BYE", "BYE 後もメディアが継続"), runMediaAfterBye},
		uaCheck{uaInfo("ipa16.rtp-without-session", 16, "Media relay forwards RTP without a session", "セッションのないポートでメディアリレーが RTP を転送"), runRTPWithoutSession},
		uaCheck{uaInfo("ipa21.sdes-over-cleartext", 21, "SDES SRTP key answered over cleartext signalling", "平文シグナリング上で SDES の SRTP 鍵を応答"), runSDESCleartext},
		uaCheck{uaDTLSInfo(), runDTLSSRTP},
		uaCheck{uaInfo("ipa22.vbr-under-srtp", 22, "Variable-bitrate codec negotiated under SRTP", "SRTP 上で可変ビットレートのコーデックを使用"), runVBRUnderSRTP},
	}
}

// uaCheck is a UA check: its Info and its probe.
type uaCheck struct {
	info Info
	run  func(context.Context, *Env) (Outcome, error)
}

func (c uaCheck) Info() Info { return c.info }

func (c uaCheck) Run(ctx context.Context, env *Env) (Outcome, error) {
	out, err := c.run(ctx, env)
	if err != nil {
		return out, fmt.Errorf("%s: %w", c.info.ID, err)
	}
	return out, nil
}

func uaInfo(id string, item int, en, ja string) Info {
	return Info{ID: id, Item: item, TitleEN: en, TitleJA: ja, Modes: []Mode{ModeScan}, Roles: []Role{RoleUA}}
}

func uaDTLSInfo() Info {
	i := uaInfo("ipa21.dtls-srtp", 21, "DTLS-SRTP support (informational)", "DTLS-SRTP 対応状況 (情報)")
	i.Severity = finding.Info
	return i
}
