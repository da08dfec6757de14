package report

import (
	"time"

	"github.com/sipvet/sipvet/internal/finding"
)

// Targets of the sample run.
const (
	tUDP = "udp://127.0.0.1:15060"
	tTLS = "tls://[::1]:15061"
	tWS  = "ws://127.0.0.2:8080/sip"
)

// hostileName is a display name a hostile target (or fuzzer) may send.
const hostileName = `<script>alert(1)</script>`

func sampleTime() time.Time {
	return time.Date(2025, 3, 14, 9, 26, 53, 0, time.FixedZone("JST", 9*60*60))
}

func ptr[T any](v T) *T { return &v }

func sip(lines ...string) string {
	s := ""
	for _, l := range lines {
		s += l + "\r\n"
	}
	return s + "\r\n"
}

// sampleRun builds a run with several targets, every verdict, SIP evidence
// with hostile content and data with credentials.
func sampleRun() *finding.Run {
	t0 := sampleTime()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ev := func(ms int, dir, src, dst, data string) finding.Evidence {
		return finding.Evidence{Time: at(ms), Dir: dir, Transport: "udp", Src: src, Dst: dst, Data: data}
	}
	const me, ua, meB = "127.0.0.1:40000", "127.0.0.1:15060", "127.0.0.2:40001"
	register := sip(
		"REGISTER sip:127.0.0.1:15060 SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1;rport",
		"From: <sip:alice@127.0.0.1>;tag=a1",
		"To: <sip:alice@127.0.0.1>",
		"Call-ID: reg-1@127.0.0.1",
		"CSeq: 1 REGISTER",
		"Contact: <sip:alice@127.0.0.1:40000>",
		"Expires: 60",
		"Content-Length: 0")
	ok := sip(
		"SIP/2.0 200 OK",
		"Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1;rport=40000",
		"From: <sip:alice@127.0.0.1>;tag=a1",
		"To: <sip:alice@127.0.0.1>;tag=srv",
		"Call-ID: reg-1@127.0.0.1",
		"CSeq: 1 REGISTER",
		"Content-Length: 0")
	hostileInvite := sip(
		"INVITE sip:100@127.0.0.1:15060 SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-fz-7",
		`From: "`+hostileName+`" <sip:x@127.0.0.1>;tag=fz`,
		"To: <sip:100@127.0.0.1>",
		"Call-ID: fuzz-7@127.0.0.1",
		"CSeq: 1 INVITE",
		"User-Agent: ```</pre><img src=x onerror=alert(2)> \x00\x01\xff\xfe",
		"Subject: \u202eevil\u202c",
		"Content-Length: 0")
	first := func(ms int) *time.Time { return ptr(at(ms)) }
	return &finding.Run{
		Schema:   finding.Schema,
		Tool:     finding.Tool{Name: "sipvet", Version: "0.1.0-test"},
		Mode:     "scan",
		Started:  t0,
		Finished: at(42_500),
		Targets:  []string{tUDP, tTLS, tWS},
		Lang:     "en",
		Results: []finding.Result{
			{
				Item: 1, Check: "ipa01.register-noauth", Target: tUDP,
				Verdict: finding.Vulnerable, Severity: finding.High,
				Summary: "The registrar accepted a REGISTER for alice without any credentials (200 OK).",
				CVSS2:   &finding.CVSS{Vector: "AV:N/AC:L/Au:N/C:N/I:P/A:N", Score: 5.0, Published: ptr(4.3)},
				CVSS3:   &finding.CVSS{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", Score: 7.5},
				Evidence: []finding.Evidence{
					ev(0, finding.DirSent, me, ua, register),
					ev(12, finding.DirRecv, ua, me, ok),
				},
				Started: first(0), Finished: first(15),
			},
			{
				Item: 1, Check: "ipa01.bye-source-b", Target: tUDP,
				Verdict: finding.NotVulnerable, Severity: finding.Info,
				Summary: "BYE from source B was rejected with 481.",
			},
			{
				Item: 3, Check: "ipa03.online-guess", Target: tUDP,
				Verdict: finding.Vulnerable, Severity: finding.Critical,
				Summary: "Online guessing found the password of 1 account in 14 attempts.",
				CVSS3:   &finding.CVSS{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", Score: 9.1},
				Data: map[string]any{
					"credentials": []any{map[string]any{"user": "alice", "realm": "lab", "password": finding.Mask("wonderland")}},
					"attempts":    14,
					"dtmf":        "4711",
				},
				Evidence: []finding.Evidence{
					ev(100, finding.DirSent, me, ua, register),
					ev(108, finding.DirRecv, ua, me, sip("SIP/2.0 401 Unauthorized",
						`WWW-Authenticate: Digest realm="lab", nonce="n1", algorithm=MD5, qop="auth"`,
						"Content-Length: 0")),
				},
			},
			{
				Item: 6, Check: "ipa06.flood", Target: tUDP,
				Verdict: finding.Skipped, Severity: finding.Info,
				Reason: "disruptive: needs --allow dos",
			},
			{
				Item: 7, Check: "ipa07.options-allow", Target: tUDP,
				Verdict: finding.NotVulnerable, Severity: finding.Info,
				Summary: "Extension methods require authentication.",
			},
			{
				Item: 7, Check: "ipa07.refer-unauth", Target: tUDP,
				Verdict: finding.Vulnerable, Severity: finding.Low,
				Summary: "An unauthenticated REFER was accepted (202 Accepted).",
				Evidence: []finding.Evidence{
					ev(200, finding.DirSent, meB, ua, sip("REFER sip:100@127.0.0.1:15060 SIP/2.0", "Refer-To: <sip:900@127.0.0.2:40001>", "Content-Length: 0")),
					ev(205, finding.DirRecv, ua, meB, sip("SIP/2.0 202 Accepted", "Content-Length: 0")),
					ev(260, finding.DirRecv, ua, meB, sip("INVITE sip:900@127.0.0.2:40001 SIP/2.0", "Content-Length: 0")),
				},
			},
			{
				Item: 7, Check: "ipa07.options-allow", Target: tTLS,
				Verdict: finding.Inconclusive, Severity: finding.Medium,
				Summary: "No answer to OPTIONS.",
				Reason:  "the target did not answer within 2s (3 attempts)",
				Evidence: []finding.Evidence{
					{Time: at(300), Dir: finding.DirSent, Transport: "tls", Src: "[::1]:40010", Dst: "[::1]:15061",
						Data: sip("OPTIONS sip:[::1]:15061 SIP/2.0", "Content-Length: 0"), Note: "attempt 1"},
				},
			},
			{
				Item: 12, Check: "ipa12.fuzz", Target: tUDP,
				Verdict: finding.Vulnerable, Severity: finding.Medium,
				Summary: `The target stopped answering after case 7 (display name ` + hostileName + `).`,
				Data:    map[string]any{"reproducer": "fuzz/ipa12/case-0007.sip", "cases": 7},
				Evidence: []finding.Evidence{
					ev(400, finding.DirSent, me, ua, hostileInvite),
					{Time: at(2400), Dir: finding.DirSent, Transport: "udp", Src: me, Dst: ua,
						Data: sip("OPTIONS sip:127.0.0.1:15060 SIP/2.0", "Content-Length: 0"), Note: "liveness probe: no answer"},
					ev(2500, finding.DirSent, me, me, "loopback self-test"),
				},
			},
			{
				Item: 13, Check: "ipa13.callid-entropy", Target: tUDP,
				Verdict: finding.NotVulnerable, Severity: finding.Info,
				Summary: "Call-IDs look random.",
				Data:    map[string]any{"entropy_bits": 121.5},
			},
			{
				Item: 14, Check: "ipa14.nc-replay", Target: tUDP,
				Verdict: finding.Vulnerable, Severity: finding.High,
				Summary: "A replayed Authorization (same nonce, nc and cnonce) was accepted.",
				CVSS2:   &finding.CVSS{Vector: "AV:N/AC:H/Au:N/C:P/I:P/A:P", Score: 5.1, Published: ptr(5.1)},
				Evidence: []finding.Evidence{
					ev(600, finding.DirSent, me, ua, register),
					ev(610, finding.DirRecv, ua, me, ok),
				},
			},
			{
				Item: 14, Check: "ipa14.md5-only", Target: tUDP,
				Verdict: finding.Vulnerable, Severity: finding.Info,
				Summary: "The server offers only MD5 digests.",
			},
			{
				Item: 18, Check: "ipa18.http-admin", Target: tTLS,
				Verdict: finding.NotApplicable, Severity: finding.Info,
				Reason: "no HTTP service on the target host",
			},
			{
				Item: 21, Check: "ipa21.sdes-cleartext", Target: tWS,
				Verdict: finding.Vulnerable, Severity: finding.Medium,
				Summary: "The target answered with its SDES key over cleartext SIP.",
				Data:    map[string]any{"srtp_key": "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoc2VuZA=="},
			},
		},
	}
}

// sampleBaseline is an earlier run of the same targets.
func sampleBaseline() *finding.Run {
	t0 := sampleTime().Add(-7 * 24 * time.Hour)
	return &finding.Run{
		Schema:   finding.Schema,
		Tool:     finding.Tool{Name: "sipvet", Version: "0.0.9"},
		Mode:     "scan",
		Started:  t0,
		Finished: t0.Add(40 * time.Second),
		Targets:  []string{tUDP, tTLS, tWS},
		Results: []finding.Result{
			{Item: 1, Check: "ipa01.register-noauth", Target: tUDP, Verdict: finding.Vulnerable, Severity: finding.High},
			{Item: 1, Check: "ipa01.bye-source-b", Target: tUDP, Verdict: finding.Vulnerable, Severity: finding.High},
			{Item: 14, Check: "ipa14.nc-replay", Target: tUDP, Verdict: finding.NotVulnerable, Severity: finding.Info},
			{Item: 20, Check: "ipa20.tls-versions", Target: tTLS, Verdict: finding.Vulnerable, Severity: finding.Medium},
			{Item: 7, Check: "ipa07.options-allow", Target: tTLS, Verdict: finding.Inconclusive, Severity: finding.Medium},
		},
	}
}

// sampleOptions are the options of the golden reports.
func sampleOptions(lang string) Options {
	return Options{
		Lang:     lang,
		Baseline: sampleBaseline(),
		Now:      func() time.Time { return time.Date(2025, 3, 15, 8, 0, 0, 0, time.UTC) },
	}
}
