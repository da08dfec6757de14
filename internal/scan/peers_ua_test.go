package scan_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/peertest"
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
