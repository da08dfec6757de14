package capture

import (
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
)

// TestRealAttackCaptures reads captures made by scripts/gen-attack-captures.sh
// with real software, for the vulnerable side that honest calls between two
// baresips cannot show:
//   - attacks.pcapng: sipvet's ipa09.rtp-inject and ipa10.rtcp-bye-spoof run
//     against an auto-answering baresip (source B is 127.0.0.2);
//   - sipp-calls.pcapng: sipp's built-in UAC placing 25 calls (counter
//     Call-IDs, branches and tags);
//   - frag6.pcapng: sipp over IPv6 with INVITEs the Linux kernel split into
//     fragments (loopback MTU 1280 in a network namespace), the second one
//     carrying carol's digest credentials (password kumquat42);
//   - failover.pcapng: kamailio relaying a call to its next hop over TLS,
//     failing the handshake (untrusted certificate) and sending the call
//     again over UDP to the same host.
func TestRealAttackCaptures(t *testing.T) {
	want := func(t *testing.T, rep *Report, w map[string]finding.Verdict) {
		t.Helper()
		v := verdicts(rep)
		for id, verdict := range w {
			if v[id].Verdict != verdict {
				t.Errorf("%s: %s (%s), want %s", id, v[id].Verdict, v[id].Summary, verdict)
			}
		}
	}

	t.Run("attacks", func(t *testing.T) {
		rep, _, _ := realCapture(t, "attacks.pcapng")
		want(t, rep, map[string]finding.Verdict{
			CheckInjection: finding.Vulnerable, CheckRTCPSpoof: finding.Vulnerable,
			CheckAudio: finding.Vulnerable, CheckDigest: finding.NotVulnerable, CheckSDES: finding.NotVulnerable,
		})
		injectedFromB := false
		for _, in := range rep.Injections {
			for _, s := range in.Sources {
				injectedFromB = injectedFromB || strings.HasPrefix(s, "127.0.0.2:")
			}
		}
		if !injectedFromB {
			t.Errorf("no injection trace names source B: %+v", rep.Injections)
		}
		if len(rep.RTCPSpoofs) == 0 || rep.RTCPSpoofs[0].Kind != "BYE" || !strings.HasPrefix(rep.RTCPSpoofs[0].From, "127.0.0.2:") {
			t.Errorf("RTCP spoof traces %+v, want a BYE from 127.0.0.2", rep.RTCPSpoofs)
		}
	})

	t.Run("sipp-calls", func(t *testing.T) {
		rep, _, _ := realCapture(t, "sipp-calls.pcapng")
		want(t, rep, map[string]finding.Verdict{CheckIdentifiers: finding.Vulnerable, CheckDigest: finding.NotVulnerable})
		calls := 0
		for _, a := range rep.Agents {
			calls = max(calls, len(a.CallIDs))
		}
		if calls != 25 {
			t.Errorf("%d Call-IDs for the busiest agent, want sipp's 25 calls", calls)
		}
	})

	t.Run("failover", func(t *testing.T) {
		rep, _, _ := realCapture(t, "failover.pcapng")
		want(t, rep, map[string]finding.Verdict{CheckFallback: finding.Vulnerable, CheckDigest: finding.NotVulnerable})
		if len(rep.Fallbacks) != 1 || rep.Fallbacks[0].Client != "127.0.0.1" || rep.Fallbacks[0].TLSAt.IsZero() ||
			!strings.HasPrefix(rep.Fallbacks[0].Request, "INVITE ") {
			t.Errorf("fallbacks %+v, want kamailio's INVITE in cleartext after its TLS attempt", rep.Fallbacks)
		}
	})

	t.Run("frag6", func(t *testing.T) {
		rep, _, st := realCapture(t, "frag6.pcapng")
		if st.Fragments < 4 || st.Reassembled < 2 {
			t.Errorf("fragments %d, reassembled %d: want both INVITEs rebuilt from kernel fragments", st.Fragments, st.Reassembled)
		}
		want(t, rep, map[string]finding.Verdict{CheckDigest: finding.Vulnerable, CheckHarvest: finding.Vulnerable})
		if len(rep.Digests) != 1 {
			t.Fatalf("%d digests, want carol's", len(rep.Digests))
		}
		d := rep.Digests[0]
		if !strings.HasPrefix(d.Client, "[::1]:") || d.Request.Method != "INVITE" {
			t.Errorf("digest from %s for %s, want an INVITE over IPv6", d.Client, d.Request.Method)
		}
		if ok, err := digest.Verify(&d.Credentials, d.Request, "kumquat42"); err != nil || !ok {
			t.Errorf("carol's digest from the reassembled INVITE does not verify: %v", err)
		}
	})
}
