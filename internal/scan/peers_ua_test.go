package scan_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

var uaSave = flag.String("ua.save", "", "save the final INVITE responses of the UA checks under ../check/testdata/itemNN/ with this name prefix")

// uaSaveFinals writes each final response to an INVITE found in the
// evidence of r (judge test material for package check).
func uaSaveFinals(t *testing.T, r finding.Result) {
	t.Helper()
	n := 0
	for _, ev := range r.Evidence {
		if ev.Dir != "recv" || !strings.HasPrefix(ev.Data, "SIP/2.0 ") || strings.HasPrefix(ev.Data, "SIP/2.0 1") || !strings.Contains(ev.Data, " INVITE\r\n") {
			continue
		}
		n++
		dir := filepath.Join("..", "check", "testdata", fmt.Sprintf("item%02d", r.Item))
		_ = os.MkdirAll(dir, 0o755)
		name := fmt.Sprintf("%s-%s-%d.sip", *uaSave, strings.SplitN(r.Check, ".", 2)[1], n)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(ev.Data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// uaWant runs the UA checks ids against a target and compares verdicts.
func uaWant(t *testing.T, tg string, want map[string]finding.Verdict) {
	t.Helper()
	var ids []string
	for id := range want {
		ids = append(ids, id)
	}
	got := runChecks(t, tg, ids, "", "")
	for id, w := range want {
		r, ok := got[id]
		if !ok {
			t.Errorf("%s %s: no result", tg, id)
			continue
		}
		t.Logf("%s %s: %s — %s", tg, id, r.Verdict, r.Summary)
		if *uaSave != "" {
			uaSaveFinals(t, r)
		}
		if r.Verdict != w {
			t.Errorf("%s %s: verdict %s (%s), want %s", tg, id, r.Verdict, r.Summary, w)
		}
	}
}

// TestBaresipUAPlain runs the UA checks against baresip with plain RTP.
func TestBaresipUAPlain(t *testing.T) {
	p := peertest.BaresipUA(t, peertest.UAConfig{})
	tg := fmt.Sprintf("sip:ua@127.0.0.1:%d", p.Port)
	uaWant(t, tg, map[string]finding.Verdict{
		"ipa01.bye-foreign-source":      finding.Vulnerable,
		"ipa01.reinvite-hijack":         finding.Vulnerable,
		"ipa01.cancel-foreign-source":   finding.NotApplicable, // auto-answers right after 180: nothing to CANCEL
		"ipa01.prack-spoof":             finding.NotApplicable,
		"ipa08.plain-rtp-only":          finding.Vulnerable,
		"ipa09.rtp-inject":              finding.Vulnerable,
		"ipa09.rtp-bleed":               finding.NotApplicable,
		"ipa10.rtcp-bye-spoof":          finding.NotVulnerable,
		"ipa10.rtcp-rr-loss":            finding.NotVulnerable,
		"ipa16.sdp-loopback":            finding.Vulnerable,
		"ipa16.sdp-self":                finding.Vulnerable,
		"ipa16.sdp-broadcast-multicast": finding.Vulnerable,
		"ipa16.sdp-wellknown-port":      finding.Vulnerable,
		"ipa16.contact-loopback":        finding.Vulnerable,
		"ipa16.media-after-bye":         finding.NotVulnerable,
		"ipa16.rtp-without-session":     finding.NotApplicable,
		"ipa21.sdes-over-cleartext":     finding.NotVulnerable,
		"ipa21.dtls-srtp":               finding.NotVulnerable,
		"ipa22.vbr-under-srtp":          finding.NotApplicable,
	})
}

// TestBaresipUASRTP flips the media settings of baresip: SDES offered over
// cleartext UDP (ipa21 vulnerable, ipa08 passes), Opus VBR vs CBR under SRTP
// (ipa22), DTLS-SRTP (ipa21.dtls-srtp informational).
func TestBaresipUASRTP(t *testing.T) {
	cases := []struct {
		name string
		cfg  peertest.UAConfig
		want map[string]finding.Verdict
	}{
		{"sdes", peertest.UAConfig{MediaEnc: "srtp"}, map[string]finding.Verdict{
			"ipa08.plain-rtp-only":      finding.NotVulnerable, // SRTP optional: SAVP accepted
			"ipa21.sdes-over-cleartext": finding.Vulnerable,
		}},
		{"sdes-mand", peertest.UAConfig{MediaEnc: "srtp-mand"}, map[string]finding.Verdict{
			"ipa08.plain-rtp-only":      finding.NotVulnerable, // plain RTP refused (488)
			"ipa21.sdes-over-cleartext": finding.Vulnerable,
		}},
		// Opus configurations answer Opus offers only (the sine source runs
		// at 48 kHz), so they run ipa22 alone.
		{"opus-vbr", peertest.UAConfig{MediaEnc: "srtp", Opus: true}, map[string]finding.Verdict{
			"ipa22.vbr-under-srtp": finding.Vulnerable, // baresip default: cbr=0
		}},
		{"opus-cbr", peertest.UAConfig{MediaEnc: "srtp", Opus: true, OpusCBR: true}, map[string]finding.Verdict{
			"ipa22.vbr-under-srtp": finding.NotVulnerable, // opus_cbr yes → cbr=1
		}},
		{"dtls-srtp", peertest.UAConfig{MediaEnc: "dtls_srtp"}, map[string]finding.Verdict{
			"ipa21.dtls-srtp": finding.NotVulnerable,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := peertest.BaresipUA(t, c.cfg)
			if *uaSave != "" {
				*uaSave = "baresip-" + c.name
			}
			uaWant(t, fmt.Sprintf("sip:ua@127.0.0.1:%d", p.Port), c.want)
		})
	}
}

// uaRun runs UA checks against tg with an optional test account and media
// relay, with short SIP timers and a budget for slow UA checks.
func uaRun(t *testing.T, tg string, ids []string, user, pass string, relay string) map[string]finding.Result {
	t.Helper()
	tt, err := target.Parse(tg)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := check.Select(check.All(), ids)
	if err != nil {
		t.Fatal(err)
	}
	cfg := scan.Config{Targets: []target.Target{tt}, Checks: checks, Rate: 200, User: user, Password: pass}
	cfg.Timers = transport.DefaultTimers()
	cfg.Timers.T1, cfg.Timers.Timeout = 100*time.Millisecond, 3*time.Second
	if relay != "" {
		if cfg.MediaRelay, err = check.ParseMediaRelay(relay); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	rs, err := scan.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	out := map[string]finding.Result{}
	for _, r := range rs {
		out[r.Check] = r
	}
	return out
}

// uaExpect compares verdicts and logs every summary.
func uaExpect(t *testing.T, got map[string]finding.Result, want map[string]finding.Verdict) {
	t.Helper()
	for id, w := range want {
		r, ok := got[id]
		if !ok {
			t.Errorf("%s: no result", id)
			continue
		}
		t.Logf("%s: %s — %s", id, r.Verdict, r.Summary)
		if r.Verdict != w {
			t.Errorf("%s: verdict %s (%s), want %s", id, r.Verdict, r.Summary, w)
		}
	}
}

func uaIDs(want map[string]finding.Verdict) []string {
	var ids []string
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// TestRtpengineRelay calls a UA whose media goes through a real rtpengine
// (userspace, driven over its ng protocol by peertest.RelayUA) and names the
// relay with --media-relay. The relay checks flip with rtpengine's
// settings: immediate endpoint learning lets source B, which speaks first,
// take the caller's media (RTP bleed); learning off plus the "strict source"
// flag does not; --delete-delay (default 30 s) keeps a deleted call relaying
// the far end's media after BYE, --delete-delay=0 does not.
func TestRtpengineRelay(t *testing.T) {
	ids := []string{"ipa09.rtp-bleed", "ipa16.media-after-bye", "ipa16.rtp-without-session"}
	cases := []struct {
		name  string
		cfg   peertest.RtpengineConfig
		flags []string
		want  map[string]finding.Verdict
	}{
		{"learning", peertest.RtpengineConfig{Learning: "immediate", DeleteDelay: -1}, nil, map[string]finding.Verdict{
			"ipa09.rtp-bleed":           finding.Vulnerable,
			"ipa16.media-after-bye":     finding.Vulnerable,
			"ipa16.rtp-without-session": finding.Vulnerable,
		}},
		{"learning-nodelay", peertest.RtpengineConfig{Learning: "immediate", DeleteDelay: 0}, nil, map[string]finding.Verdict{
			"ipa09.rtp-bleed":           finding.Vulnerable,
			"ipa16.media-after-bye":     finding.NotVulnerable,
			"ipa16.rtp-without-session": finding.NotVulnerable,
		}},
		{"strict", peertest.RtpengineConfig{Learning: "off", DeleteDelay: 0}, []string{"strict source"}, map[string]finding.Verdict{
			"ipa09.rtp-bleed":           finding.NotVulnerable,
			"ipa16.media-after-bye":     finding.NotVulnerable,
			"ipa16.rtp-without-session": finding.NotVulnerable,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rp := peertest.Rtpengine(t, c.cfg)
			port := peertest.RelayUA(t, rp, peertest.RelayUAConfig{Flags: c.flags})
			tg := fmt.Sprintf("sip:ua@127.0.0.1:%d", port)
			got := uaRun(t, tg, ids, "", "", rp.MediaRelay())
			uaExpect(t, got, c.want)
			// Without --media-relay sipvet cannot tell rtpengine's answer
			// from the UA's own media address (same host, o= kept).
			if c.name == "strict" {
				uaExpect(t, uaRun(t, tg, []string{"ipa09.rtp-bleed"}, "", "", ""), map[string]finding.Verdict{"ipa09.rtp-bleed": finding.NotApplicable})
			}
		})
	}
}

// TestLabUA runs the UA checks against sipvet's own lab in both profiles
// with the lab's test account (the hardened lab challenges INVITE): the
// hardened lab is never vulnerable, the vulnerable one shows each UA flaw.
// CANCEL is judged on the "ring" user, which rings for 8 s.
func TestLabUA(t *testing.T) {
	ids := map[string][2]finding.Verdict{ // vulnerable lab, hardened lab
		"ipa01.bye-foreign-source":      {finding.Vulnerable, finding.NotVulnerable},
		"ipa01.cancel-foreign-source":   {finding.Vulnerable, finding.NotVulnerable},
		"ipa01.reinvite-hijack":         {finding.Vulnerable, finding.NotVulnerable},
		"ipa01.prack-spoof":             {finding.Vulnerable, finding.NotVulnerable},
		"ipa08.plain-rtp-only":          {finding.NotVulnerable, finding.NotVulnerable}, // the lab speaks SRTP (SDES or DTLS) in both profiles
		"ipa09.rtp-inject":              {finding.Vulnerable, finding.NotVulnerable},
		"ipa10.rtcp-bye-spoof":          {finding.Vulnerable, finding.NotVulnerable},
		"ipa10.rtcp-rr-loss":            {finding.Vulnerable, finding.NotVulnerable},
		"ipa16.sdp-loopback":            {finding.Vulnerable, finding.NotVulnerable},
		"ipa16.sdp-self":                {finding.Vulnerable, finding.NotVulnerable},
		"ipa16.sdp-broadcast-multicast": {finding.Vulnerable, finding.NotVulnerable},
		"ipa16.sdp-wellknown-port":      {finding.Vulnerable, finding.NotVulnerable},
		"ipa16.contact-loopback":        {finding.Vulnerable, finding.NotVulnerable},
		"ipa16.media-after-bye":         {finding.NotVulnerable, finding.NotVulnerable},
		"ipa21.sdes-over-cleartext":     {finding.Vulnerable, finding.NotVulnerable},
		"ipa21.dtls-srtp":               {finding.NotVulnerable, finding.NotVulnerable},
		"ipa22.vbr-under-srtp":          {finding.Vulnerable, finding.NotVulnerable},
	}
	for i, profile := range []string{lab.ProfileVulnerable, lab.ProfileHardened} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			l := siptest.StartLab(t, lab.Options{Profile: profile, RingTime: 8 * time.Second})
			want := map[string]finding.Verdict{}
			for id, v := range ids {
				if id != "ipa01.cancel-foreign-source" {
					want[id] = v[i]
				}
			}
			tg := l.Targets()[0]
			uaExpect(t, uaRun(t, tg, uaIDs(want), "alice", "wonderland", ""), want)
			// CANCEL needs a call that rings: the lab's "ring" user.
			ring := strings.Replace(tg, "udp://", "sip:ring@", 1)
			id := "ipa01.cancel-foreign-source"
			uaExpect(t, uaRun(t, ring, []string{id}, "alice", "wonderland", ""), map[string]finding.Verdict{id: ids[id][i]})
		})
	}
}

// TestSippUAS covers what baresip cannot show, with sipp UAS scenarios:
// reliable provisionals (100rel) and a UAS that rings. sipp matches
// requests to calls by Call-ID and has no access to their source address,
// so it obeys PRACK, CANCEL and BYE from any source, and sends its answers
// to the call's first peer (sipvet's address A), not to B: the checks look
// for those answers at A too. The not-vulnerable direction cannot be
// expressed in a sipp scenario; TestSBCSipp shows it with the same
// scenarios behind a hardened SBC, TestLabUA with the hardened lab.
func TestSippUAS(t *testing.T) {
	t.Run("100rel", func(t *testing.T) {
		port := peertest.SippUAS(t, "uas_100rel.xml")
		want := map[string]finding.Verdict{"ipa01.prack-spoof": finding.Vulnerable}
		uaExpect(t, uaRun(t, fmt.Sprintf("sip:uas@127.0.0.1:%d", port), uaIDs(want), "", "", ""), want)
	})
	t.Run("ring", func(t *testing.T) {
		port := peertest.SippUAS(t, "uas_ring.xml")
		want := map[string]finding.Verdict{
			"ipa01.cancel-foreign-source": finding.Vulnerable,
			"ipa01.bye-foreign-source":    finding.Vulnerable,
		}
		uaExpect(t, uaRun(t, fmt.Sprintf("sip:uas@127.0.0.1:%d", port), uaIDs(want), "", "", ""), want)
	})
}

// TestSBCBaresip runs the UA checks against a deployment: baresip behind a
// kamailio session border controller that anchors media in a real
// rtpengine (testdata/kamailio-sbc.cfg). The naive SBC relays whatever
// comes, so the verdicts are those of bare baresip. The hardened SBC shows
// the not-vulnerable side that baresip 1.0.0 alone cannot (it has no
// setting for any of these): it refuses in-dialog requests from an address
// that is neither the caller nor the UA (BYE and re-INVITE from source B:
// 403), INVITEs whose Contact or SDP address is not their source address
// (loopback, broadcast, multicast: 403/488) or whose media port is below
// 1024 or its own SIP port (488), and rtpengine (endpoint learning off,
// strict source) drops the RTP that source B injects, so baresip's receiver
// reports never reach the injected sequence numbers.
func TestSBCBaresip(t *testing.T) {
	ids := []string{"ipa01.bye-foreign-source", "ipa01.reinvite-hijack", "ipa09.rtp-inject",
		"ipa16.sdp-loopback", "ipa16.sdp-self", "ipa16.sdp-broadcast-multicast", "ipa16.sdp-wellknown-port", "ipa16.contact-loopback"}
	for _, hardened := range []bool{false, true} {
		name, want := "naive", finding.Vulnerable
		if hardened {
			name, want = "hardened", finding.NotVulnerable
		}
		t.Run(name, func(t *testing.T) {
			rc := peertest.RtpengineConfig{DeleteDelay: 0}
			if hardened {
				// Trust the SDP addresses, not the first packets: with
				// learning on, a source that speaks during the learning
				// window is learnt before strict source applies.
				rc.Learning = "off"
			}
			rp := peertest.Rtpengine(t, rc)
			ua := peertest.BaresipUA(t, peertest.UAConfig{Lifetime: 150 * time.Second})
			port := peertest.KamailioSBC(t, rp, ua.Port, hardened)
			tg := fmt.Sprintf("sip:ua@127.0.0.1:%d", port)
			wants := map[string]finding.Verdict{}
			for _, id := range ids {
				wants[id] = want
			}
			uaExpect(t, uaRun(t, tg, ids, "", "", ""), wants)
		})
	}
}

// TestLinphoneUA runs the UA checks against a second, unrelated UA stack:
// linphonec 5.1 (belle-sip, mediastreamer2/oRTP). Like baresip it trusts
// in-dialog requests and RTP from any source and accepts bad media and
// Contact addresses; it answers SDES offers with its key over cleartext and
// sends Opus VBR under SRTP. Neither it nor baresip reacts to forged RTCP
// (asserted here and in TestBaresipUAPlain; baresip 1.0.0 has no handler
// for RTCP BYE and only stores the loss of receiver reports). By hand, with
// the forging loop of ipa10.rtcp-rr-loss stretched to 100 reports of 98 %
// loss over 10 s, linphone still sent 50 packets/s at a 20 ms ptime (its
// basic rate control does not act on a G.711 stream). So the vulnerable
// side of ipa10.rtcp-bye-spoof and ipa10.rtcp-rr-loss has no real peer here
// (the lab shows rtcp-bye-spoof).
func TestLinphoneUA(t *testing.T) {
	p := peertest.LinphoneUA(t)
	tg := fmt.Sprintf("sip:ua@127.0.0.1:%d", p.Port)
	uaWant(t, tg, map[string]finding.Verdict{
		"ipa01.bye-foreign-source":      finding.Vulnerable,
		"ipa01.reinvite-hijack":         finding.Vulnerable,
		"ipa08.plain-rtp-only":          finding.NotVulnerable, // SDES and DTLS-SRTP supported
		"ipa09.rtp-inject":              finding.Vulnerable,
		"ipa10.rtcp-bye-spoof":          finding.NotVulnerable,
		"ipa10.rtcp-rr-loss":            finding.NotVulnerable,
		"ipa16.sdp-loopback":            finding.Vulnerable,
		"ipa16.sdp-self":                finding.Vulnerable,
		"ipa16.sdp-broadcast-multicast": finding.Vulnerable,
		"ipa16.sdp-wellknown-port":      finding.Vulnerable,
		"ipa16.contact-loopback":        finding.Vulnerable,
		"ipa16.media-after-bye":         finding.NotVulnerable,
		"ipa21.sdes-over-cleartext":     finding.Vulnerable,
		"ipa21.dtls-srtp":               finding.NotVulnerable,
		"ipa22.vbr-under-srtp":          finding.Vulnerable,
	})
}

// TestSBCSipp puts the sipp UAS scenarios of TestSippUAS behind the same
// SBC: the naive one relays PRACK and CANCEL from source B to sipp, which
// obeys them (vulnerable, as when called directly); the hardened one
// refuses them with 403 because they do not come from the caller's
// address, so sipp's early dialog survives B's PRACK and its call keeps
// ringing after B's CANCEL until sipvet's own CANCEL (not vulnerable).
func TestSBCSipp(t *testing.T) {
	for _, hardened := range []bool{false, true} {
		name, want := "naive", finding.Vulnerable
		if hardened {
			name, want = "hardened", finding.NotVulnerable
		}
		for scenario, id := range map[string]string{"uas_100rel.xml": "ipa01.prack-spoof", "uas_ring.xml": "ipa01.cancel-foreign-source"} {
			t.Run(name+"/"+id, func(t *testing.T) {
				rp := peertest.Rtpengine(t, peertest.RtpengineConfig{DeleteDelay: 0})
				port := peertest.KamailioSBC(t, rp, peertest.SippUAS(t, scenario), hardened)
				tg := fmt.Sprintf("sip:uas@127.0.0.1:%d", port)
				uaExpect(t, uaRun(t, tg, []string{id}, "", "", ""), map[string]finding.Verdict{id: want})
			})
		}
	}
}
