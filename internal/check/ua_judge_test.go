package check

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
)

// uaCheckOutcome asserts the common shape of an outcome.
func uaCheckOutcome(t *testing.T, got Outcome, want finding.Verdict) {
	t.Helper()
	if got.Verdict != want {
		t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, want)
	}
	if got.Summary == "" {
		t.Error("empty summary")
	}
	if (got.Verdict == finding.Inconclusive || got.Verdict == finding.NotApplicable) && got.Reason == "" {
		t.Error("inconclusive/not-applicable without a reason")
	}
}

// The final responses below were saved from baresip 1.0.0 by the peer
// tests (go test ./internal/scan -run TestBaresipUA -args -ua.save=...):
// -1 is the RTP/AVP offer, -2 RTP/SAVP with a=crypto, -3 DTLS-SRTP.
func TestJudgePlainRTPOnly(t *testing.T) {
	cases := []struct {
		name string
		want finding.Verdict
	}{
		{"baresip-plain", finding.Vulnerable},
		{"baresip-sdes", finding.NotVulnerable},
		{"baresip-sdes-mand", finding.NotVulnerable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := func(n string) *sip.Message { return loadMsg(t, "item08/"+c.name+"-plain-rtp-only-"+n+".sip") }
			uaCheckOutcome(t, judgePlainRTPOnly(m("1"), m("2"), m("3")), c.want)
		})
	}
	t.Run("no-answer", func(t *testing.T) {
		uaCheckOutcome(t, judgePlainRTPOnly(nil, nil, nil), finding.Inconclusive)
	})
}

func TestJudgeSDES(t *testing.T) {
	cases := []struct {
		file string
		want finding.Verdict
	}{
		{"item21/baresip-plain-sdes-over-cleartext-1.sip", finding.NotVulnerable},
		{"item21/baresip-sdes-sdes-over-cleartext-1.sip", finding.Vulnerable},
		{"item21/baresip-sdes-mand-sdes-over-cleartext-1.sip", finding.Vulnerable},
		{"item01/kamailio-strict-401.sip", finding.Inconclusive},
		{"item01/unknown-404.sip", finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := judgeSDESCleartext(loadMsg(t, c.file), "udp")
			uaCheckOutcome(t, got, c.want)
			if c.want == finding.Vulnerable && len(got.Data["crypto"].([]string)) == 0 {
				t.Error("no crypto attribute in the data")
			}
		})
	}
}

func TestJudgeDTLSSRTP(t *testing.T) {
	for _, f := range []string{"item21/baresip-dtls-srtp-dtls-srtp-1.sip", "item21/baresip-plain-dtls-srtp-1.sip"} {
		t.Run(f, func(t *testing.T) {
			// Informational either way: never vulnerable.
			uaCheckOutcome(t, judgeDTLSSRTP(loadMsg(t, f)), finding.NotVulnerable)
		})
	}
}

func TestJudgeVBR(t *testing.T) {
	cases := []struct {
		file  string
		sizes int
		want  finding.Verdict
	}{
		{"item22/baresip-opus-vbr-vbr-under-srtp-1.sip", 7, finding.Vulnerable},
		{"item22/baresip-opus-cbr-vbr-under-srtp-1.sip", 1, finding.NotVulnerable},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			ans, err := uaParseSDP(loadMsg(t, c.file).Body)
			if err != nil {
				t.Fatal(err)
			}
			pt, name := ans.firstCodec()
			obs := uaVBRObs{Proto: ans.proto, Codec: name, Fmtp: ans.fmtp[pt], Sizes: c.sizes}
			uaCheckOutcome(t, judgeVBR(obs), c.want)
		})
	}
	uaCheckOutcome(t, judgeVBR(uaVBRObs{Proto: "RTP/SAVP", Codec: "pcmu", Sizes: 1}), finding.NotVulnerable)
	uaCheckOutcome(t, judgeVBR(uaVBRObs{Proto: "RTP/SAVP", Codec: "speex", Fmtp: "vbr=on"}), finding.Vulnerable)
}

func TestJudgeBadAddress(t *testing.T) {
	for _, f := range []string{"sdp-loopback", "sdp-self", "sdp-broadcast-multicast", "sdp-wellknown-port", "contact-loopback"} {
		t.Run(f, func(t *testing.T) {
			m := loadMsg(t, "item16/baresip-plain-"+f+"-1.sip")
			uaCheckOutcome(t, judgeBadAddress(uaBadAddrObs{What: f, Status: m.StatusCode}), finding.Vulnerable)
		})
	}
	uaCheckOutcome(t, judgeBadAddress(uaBadAddrObs{What: "c=224.0.0.1", Status: 488}), finding.NotVulnerable)
	uaCheckOutcome(t, judgeBadAddress(uaBadAddrObs{What: "c=224.0.0.1", Status: 401}), finding.Inconclusive)
	uaCheckOutcome(t, judgeBadAddress(uaBadAddrObs{What: "c=224.0.0.1", Status: 404}), finding.Inconclusive)
	uaCheckOutcome(t, judgeBadAddress(uaBadAddrObs{What: "c=224.0.0.1"}), finding.Inconclusive)
}

// The media judges take observations; the values of the rows marked
// "baresip" are those the peer tests saw from baresip 1.0.0.
func TestJudgeDialogAndMedia(t *testing.T) {
	cases := []struct {
		name string
		got  Outcome
		want finding.Verdict
	}{
		{"bye baresip", judgeByeForeign(uaByeObs{ForeignStatus: 200, MediaBefore: 50}), finding.Vulnerable},
		{"bye refused", judgeByeForeign(uaByeObs{ForeignStatus: 403, MediaBefore: 50, MediaAfter: 50, LegitStatus: 200}), finding.NotVulnerable},
		{"bye ignored", judgeByeForeign(uaByeObs{MediaBefore: 50, MediaAfter: 50, LegitStatus: 200}), finding.NotVulnerable},
		{"bye nothing", judgeByeForeign(uaByeObs{}), finding.Inconclusive},
		{"cancel baresip answers at once", judgeCancelForeign(uaCancelObs{Rang: true, ForeignStatus: 200, Final: 200, RingMs: 30}), finding.NotApplicable},
		{"cancel race", judgeCancelForeign(uaCancelObs{Rang: true, ForeignStatus: 200, Final: 200, RingMs: 3000}), finding.Inconclusive},
		{"cancel refused, answered later", judgeCancelForeign(uaCancelObs{Rang: true, ForeignStatus: 481, Final: 200, RingMs: 3000}), finding.NotVulnerable},
		{"cancel accepted", judgeCancelForeign(uaCancelObs{Rang: true, ForeignStatus: 200, Final: 487}), finding.Vulnerable},
		{"cancel refused", judgeCancelForeign(uaCancelObs{Rang: true, ForeignStatus: 481, Final: 487, LegitCancel: true}), finding.NotVulnerable},
		{"cancel no ring", judgeCancelForeign(uaCancelObs{Final: 200}), finding.NotApplicable},
		{"reinvite baresip", judgeReinviteHijack(uaReinviteObs{Status: 200, RTPAtB: 100}), finding.Vulnerable},
		{"reinvite refused", judgeReinviteHijack(uaReinviteObs{Status: 403}), finding.NotVulnerable},
		{"prack baresip", judgePrackSpoof(uaPrackObs{}), finding.NotApplicable},
		{"prack accepted", judgePrackSpoof(uaPrackObs{Reliable: true, Status: 200}), finding.Vulnerable},
		{"prack refused", judgePrackSpoof(uaPrackObs{Reliable: true, Status: 481}), finding.NotVulnerable},
		{"inject baresip", judgeRTPInject(uaInjectObs{Injected: 50, FirstSeq: 20758, LastSeq: 20807, RRSeen: true, RRHighestSeq: 20807}), finding.Vulnerable},
		{"inject wrapped", judgeRTPInject(uaInjectObs{Injected: 50, FirstSeq: 65500, LastSeq: 13, RRSeen: true, RRHighestSeq: 1<<16 | 5}), finding.Vulnerable},
		{"inject ignored", judgeRTPInject(uaInjectObs{Injected: 50, FirstSeq: 2000, RRSeen: true, RRHighestSeq: 999}), finding.NotVulnerable},
		{"inject latched", judgeRTPInject(uaInjectObs{Injected: 50, RTPAtB: 20}), finding.Vulnerable},
		{"inject no rtcp", judgeRTPInject(uaInjectObs{Injected: 50}), finding.Inconclusive},
		{"bleed baresip", judgeRTPBleed(uaBleedObs{}), finding.NotApplicable},
		{"bleed relay leaks", judgeRTPBleed(uaBleedObs{Relay: true, SentByB: 35, RTPAtB: 40}), finding.Vulnerable},
		{"bleed relay strict", judgeRTPBleed(uaBleedObs{Relay: true, SentByB: 35}), finding.NotVulnerable},
		{"rtcp bye baresip", judgeRTCPBye(uaRTCPObs{MediaBefore: 50, MediaAfter: 51, Forged: 10}), finding.NotVulnerable},
		{"rtcp bye stops", judgeRTCPBye(uaRTCPObs{MediaBefore: 50, Forged: 10}), finding.Vulnerable},
		{"rtcp bye hangs up", judgeRTCPBye(uaRTCPObs{MediaBefore: 50, MediaAfter: 50, Forged: 10, SIP: []string{"BYE"}}), finding.Vulnerable},
		{"rr baresip", judgeRTCPRRLoss(uaRTCPObs{MediaBefore: 50, MediaAfter: 50, Forged: 10, PTBefore: []uint8{0}, PTAfter: []uint8{0}}), finding.NotVulnerable},
		{"rr codec change", judgeRTCPRRLoss(uaRTCPObs{MediaBefore: 50, MediaAfter: 50, Forged: 10, PTBefore: []uint8{0}, PTAfter: []uint8{8}}), finding.Vulnerable},
		{"rr reinvite", judgeRTCPRRLoss(uaRTCPObs{MediaBefore: 50, MediaAfter: 50, Forged: 10, SIP: []string{"INVITE"}}), finding.Vulnerable},
		{"after bye baresip", judgeMediaAfterBye(uaAfterByeObs{Before: 49, Bye: 200}), finding.NotVulnerable},
		{"after bye continues", judgeMediaAfterBye(uaAfterByeObs{Before: 49, After: 90, Bye: 200}), finding.Vulnerable},
		{"after bye no media", judgeMediaAfterBye(uaAfterByeObs{Bye: 200}), finding.Inconclusive},
		{"no session baresip", judgeRTPWithoutSession(uaAfterByeObs{Bye: 200}), finding.NotApplicable},
		{"no session relays", judgeRTPWithoutSession(uaAfterByeObs{Relay: true, Bye: 200, Probes: 40, Back: 12}), finding.Vulnerable},
		{"no session closed", judgeRTPWithoutSession(uaAfterByeObs{Relay: true, Bye: 200, Probes: 40}), finding.NotVulnerable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { uaCheckOutcome(t, c.got, c.want) })
	}
}

func TestUARelay(t *testing.T) {
	cases := []struct {
		ans     uaMediaInfo
		contact string
		want    bool
	}{
		{uaMediaInfo{origin: "127.0.0.1", conn: "127.0.0.1"}, "127.0.0.1", false},
		{uaMediaInfo{origin: "192.0.2.10", conn: "192.0.2.99"}, "192.0.2.10", true},
		{uaMediaInfo{origin: "192.0.2.10", conn: "192.0.2.10"}, "198.51.100.1", true},
		{uaMediaInfo{origin: "host.example", conn: "192.0.2.10"}, "", false},
	}
	for _, c := range cases {
		if got, _ := uaRelay(c.ans, c.contact); got != c.want {
			t.Errorf("uaRelay(%+v, %q) = %v, want %v", c.ans, c.contact, got, c.want)
		}
	}
}

func TestUAOfferRoundTrip(t *testing.T) {
	b := uaBuildOffer(uaOfferSpec{addr: "127.0.0.1", port: 40000, rtcpPort: 40001, proto: uaProtoSAVP,
		codecs: uaOpusFirst(), cryptoKey: make([]byte, 30), direction: "inactive", sessionID: 7})
	mi, err := uaParseSDP(b)
	if err != nil {
		t.Fatalf("parse own offer: %v\n%s", err, b)
	}
	if mi.conn != "127.0.0.1" || mi.port != 40000 || mi.rtcpPort != 40001 || mi.proto != uaProtoSAVP ||
		len(mi.crypto) != 1 || mi.direction != "inactive" || mi.rtpmap[96] != "opus" {
		t.Errorf("round trip lost fields: %+v\n%s", mi, b)
	}
	if pt, name := mi.firstCodec(); pt != 96 || name != "opus" {
		t.Errorf("firstCodec = %d %s", pt, name)
	}
}

func TestParseMediaRelay(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"192.0.2.5:30000-40000", "192.0.2.5:30000-40000", true},
		{"127.0.0.1:5000", "127.0.0.1:5000-5000", true},
		{"[::1]:30000-30010", "[::1]:30000-30010", true},
		{"10.0.0.1", "10.0.0.1:1-65535", true},
		{"1.2.3:5-4", "", false},
		{"host.example:1-2", "", false},
		{"10.0.0.1:9-3", "", false},
		{"10.0.0.1:0-70000", "", false},
		{"[::1:1-2", "", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			r, err := ParseMediaRelay(c.in)
			if c.ok != (err == nil) || (c.ok && r.String() != c.want) {
				t.Fatalf("ParseMediaRelay(%q) = %q, %v", c.in, r, err)
			}
			if !c.ok && !errors.Is(err, ErrMediaRelay) {
				t.Errorf("error %v does not wrap ErrMediaRelay", err)
			}
		})
	}
	r, _ := ParseMediaRelay("127.0.0.1:30000-30010")
	for ap, want := range map[string]bool{"127.0.0.1:30000": true, "127.0.0.1:30010": true, "127.0.0.1:30011": false, "127.0.0.2:30000": false} {
		if got := r.Contains(netip.MustParseAddrPort(ap)); got != want {
			t.Errorf("Contains(%s) = %v", ap, got)
		}
	}
}

func TestJudgeAnsweredAtA(t *testing.T) {
	o := judgePrackSpoof(uaPrackObs{Reliable: true, Status: 200, AnsweredAtA: true})
	if o.Verdict != finding.Vulnerable || !strings.Contains(o.Summary, "rather than to B") {
		t.Errorf("prack: %+v", o)
	}
	o = judgeByeForeign(uaByeObs{ForeignStatus: 200, AnsweredAtA: true})
	if o.Verdict != finding.Vulnerable || !strings.Contains(o.Summary, "rather than to B") {
		t.Errorf("bye: %+v", o)
	}
	o = judgeMediaAfterBye(uaAfterByeObs{Relay: true, Bye: 200, Before: 50, After: 40})
	if o.Verdict != finding.Vulnerable || !strings.Contains(o.Summary, "relay") {
		t.Errorf("after bye: %+v", o)
	}
}

func TestUATheirSSRC(t *testing.T) {
	seen := func(ssrcs ...uint32) []uaRTPSeen {
		var out []uaRTPSeen
		for _, s := range ssrcs {
			out = append(out, uaRTPSeen{ssrc: s})
		}
		return out
	}
	cases := []struct {
		name string
		pkts []uaRTPSeen
		want uint32
		ok   bool
	}{
		{"only theirs", seen(7, 7, 7), 7, true},
		{"echo last", seen(7, 1, 7, 1), 7, true},
		{"mostly echo", seen(1, 1, 1, 9, 1), 9, true},
		{"most frequent", seen(5, 9, 9, 1), 9, true},
		{"only echo", seen(1, 1), 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, ok := uaTheirSSRC(c.pkts, 1); got != c.want || ok != c.ok {
				t.Errorf("got %d %v, want %d %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestUARouteSet(t *testing.T) {
	m, err := sip.Parse([]byte("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n" +
		"Record-Route: <sip:p3;lr>, <sip:p2;lr>\r\nRecord-Route: <sip:p1;lr>\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:b@c>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(uaRouteSet(m), " ")
	if want := "<sip:p1;lr> <sip:p2;lr> <sip:p3;lr>"; got != want {
		t.Errorf("route set %q, want %q", got, want)
	}
	m.Del("Record-Route")
	if r := uaRouteSet(m); len(r) != 0 {
		t.Errorf("route set without Record-Route: %q", r)
	}
}
