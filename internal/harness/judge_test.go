package harness

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
)

func TestJudgeCerts(t *testing.T) {
	all := func(o certOutcome, valid certOutcome) map[CertKind]certOutcome {
		m := map[CertKind]certOutcome{CertValid: valid}
		for _, k := range BadCertKinds() {
			m[k] = o
		}
		return m
	}
	oneBad := all(certRejected, certAccepted)
	oneBad[CertExpired] = certAccepted
	missing := all(certRejected, certAccepted)
	missing[CertWrongName] = certNoAttempt
	for _, tc := range []struct {
		name string
		got  map[CertKind]certOutcome
		want finding.Verdict
		text string
	}{
		{"all accepted", all(certAccepted, certAccepted), finding.Vulnerable, "self-signed, wrong-name, expired, untrusted-ca"},
		{"expired only", oneBad, finding.Vulnerable, "expired"},
		{"all refused", all(certRejected, certAccepted), finding.NotVulnerable, "accepted the valid one"},
		{"refuses even valid", all(certRejected, certRejected), finding.Inconclusive, "install the harness CA"},
		{"no attempt", missing, finding.Inconclusive, "wrong-name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := judgeCerts(tc.got)
			if o.verdict != tc.want || !strings.Contains(o.summary, tc.text) {
				t.Errorf("got %s %q, want %s containing %q", o.verdict, o.summary, tc.want, tc.text)
			}
		})
	}
}

func TestJudgeForeignInvite(t *testing.T) {
	for _, tc := range []struct {
		codes []int
		want  finding.Verdict
	}{
		{[]int{100, 180}, finding.Vulnerable},
		{[]int{100, 180, 200}, finding.Vulnerable},
		{[]int{200}, finding.Vulnerable},
		{[]int{183}, finding.Vulnerable},
		{[]int{100, 403}, finding.NotVulnerable},
		{[]int{100}, finding.NotVulnerable},
		{nil, finding.NotVulnerable},
	} {
		t.Run(fmt.Sprint(tc.codes), func(t *testing.T) {
			if o := judgeForeignInvite(tc.codes); o.verdict != tc.want {
				t.Errorf("got %s (%s), want %s", o.verdict, o.summary, tc.want)
			}
		})
	}
}

func TestJudgeSimple(t *testing.T) {
	in := inbound{msg: &sip.Message{Method: "INVITE"}, via: "udp"}
	for _, tc := range []struct {
		name string
		o    outcome
		want finding.Verdict
	}{
		{"foreign acked", judgeResponse(modeForeign, true), finding.Vulnerable},
		{"foreign ignored", judgeResponse(modeForeign, false), finding.NotVulnerable},
		{"branch acked", judgeResponse(modeBranch, true), finding.Vulnerable},
		{"branch ignored", judgeResponse(modeBranch, false), finding.NotVulnerable},
		{"redirect followed", judgeRedirect(true), finding.Vulnerable},
		{"redirect stopped", judgeRedirect(false), finding.NotVulnerable},
		{"downgrade", judgeDowngrade(true, &in), finding.Vulnerable},
		{"no downgrade", judgeDowngrade(false, nil), finding.NotVulnerable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.verdict != tc.want || tc.o.summary == "" {
				t.Errorf("got %s %q, want %s", tc.o.verdict, tc.o.summary, tc.want)
			}
		})
	}
}

// msg builds a request from the DUT for the collector tests.
func msg(method, callID, fromTag, toTag, branch string, cseq int, auth string) *sip.Message {
	m := sip.NewRequest(method, "sip:2013@127.0.0.1")
	m.Add("Via", "SIP/2.0/UDP 127.0.0.1:5070;branch="+branch)
	m.Add("From", "<sip:dut@127.0.0.1>;tag="+fromTag)
	to := "<sip:2013@127.0.0.1>"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	m.Add("To", to)
	m.Add("Call-ID", callID)
	m.Add("CSeq", fmt.Sprintf("%d %s", cseq, method))
	if auth != "" {
		m.Add("Proxy-Authorization", auth)
	}
	return m
}

func TestCollector(t *testing.T) {
	c := newCollector()
	// One call: INVITE, its retransmission, ACK of the 407, the
	// authenticated retry, a redirect retry with the same Call-ID and tag.
	c.add(msg("INVITE", "c1", "t1", "", "z9hG4bKa", 1, ""))
	c.add(msg("INVITE", "c1", "t1", "", "z9hG4bKa", 1, ""))
	c.add(msg("ACK", "c1", "t1", "x", "z9hG4bKa", 1, ""))
	c.add(msg("INVITE", "c1", "t1", "", "z9hG4bKb", 2, `Digest username="u", realm="r", nonce="n", uri="sip:x", response="0123", cnonce="cn1", nc=00000001, qop=auth`))
	c.add(msg("INVITE", "c1", "t1", "", "z9hG4bKc", 3, ""))
	// A second call that repeats the first call's identifiers.
	c.add(msg("INVITE", "c1", "t1", "", "z9hG4bKd", 1, ""))
	// Registrations: a refresh reuses the Call-ID (here with a new From
	// tag) and is not new.
	c.add(msg("REGISTER", "r1", "rt1", "", "z9hG4bKe", 1, ""))
	c.add(msg("REGISTER", "r1", "rt2", "", "z9hG4bKf", 2, ""))
	vals, cseqs := c.snapshot()
	want := map[string][]string{
		kindCallID: {"c1", "c1", "r1"},
		kindBranch: {"z9hG4bKa", "z9hG4bKb", "z9hG4bKc", "z9hG4bKd", "z9hG4bKe", "z9hG4bKf"},
		kindCNonce: {"cn1"},
	}
	for k, w := range want {
		if strings.Join(vals[k], ",") != strings.Join(w, ",") {
			t.Errorf("%s = %v, want %v", k, vals[k], w)
		}
	}
	if len(cseqs) != 3 {
		t.Errorf("cseq starts %v", cseqs)
	}
}

func TestJudgeIdentifiers(t *testing.T) {
	counter := map[string][]string{}
	random := map[string][]string{}
	for i := 0; i < identSamples; i++ {
		counter[kindCallID] = append(counter[kindCallID], fmt.Sprintf("%d@10.0.0.1", 1000+i))
		counter[kindTag] = append(counter[kindTag], fmt.Sprintf("%d", 5000+i))
		counter[kindBranch] = append(counter[kindBranch], fmt.Sprintf("z9hG4bK%d", 9000+i))
		// deterministic pseudo-random values (a 64-bit LCG)
		x := uint64(i)*6364136223846793005 + 1442695040888963407
		y := x*6364136223846793005 + 1442695040888963407
		z := y*6364136223846793005 + 1442695040888963407
		random[kindCallID] = append(random[kindCallID], fmt.Sprintf("%016x", x^(x>>29)))
		random[kindTag] = append(random[kindTag], fmt.Sprintf("%016x", y^(y>>31)))
		random[kindBranch] = append(random[kindBranch], fmt.Sprintf("z9hG4bK%016x", z^(z>>27)))
	}
	few := map[string][]string{kindCallID: {"a", "b"}}
	for _, tc := range []struct {
		name string
		vals map[string][]string
		want finding.Verdict
	}{
		{"counter", counter, finding.Vulnerable},
		{"random", random, finding.NotVulnerable},
		{"few", few, finding.Inconclusive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := judgeIdentifiers(tc.vals, []uint32{1, 1})
			if o.verdict != tc.want {
				t.Errorf("got %s (%s), want %s", o.verdict, o.summary, tc.want)
			}
			if o.data["identifiers"] == nil || o.data["cseq_starts"] == nil {
				t.Errorf("data lacks identifiers or cseq_starts: %v", o.data)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		err  bool
	}{
		{nil, strings.Join(ids(), ","), false},
		{[]string{"ipa02"}, "ipa02.response-foreign-source,ipa02.response-wrong-branch,ipa02.redirect-followed", false},
		{[]string{"20", "ipa15.*"}, "ipa15.foreign-source-invite,ipa20.client-accepts-bad-cert", false},
		{[]string{"ipa14"}, "", true},
	} {
		got, err := Select(tc.in)
		if (err != nil) != tc.err || strings.Join(got, ",") != tc.want {
			t.Errorf("Select(%v) = %v, %v; want %s (err %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseDriver(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		err      bool
	}{
		{"", "manual", false},
		{"baresip-ctrl://127.0.0.1:4444", "baresip ctrl_tcp 127.0.0.1:4444", false},
		{"baresip-cons://127.0.0.1:5555", "baresip cons 127.0.0.1:5555", false},
		{"baresip-ctrl://nohost", "", true},
		{"ssh://x:1", "", true},
		{"garbage", "", true},
	} {
		d, err := ParseDriver(tc.in)
		if (err != nil) != tc.err || (err == nil && d.Name() != tc.name) {
			t.Errorf("ParseDriver(%q) = %v, %v", tc.in, d, err)
		}
	}
}

func TestCertificates(t *testing.T) {
	ca, err := NewCA(nil, fixedNow(), "test CA")
	if err != nil {
		t.Fatal(err)
	}
	certs, err := Certificates(ca, nil, fixedNow(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 5 {
		t.Fatalf("%d certificates", len(certs))
	}
	key, _ := ca.KeyPEM()
	back, err := LoadCA(ca.CertPEM(), key)
	if err != nil || !back.Cert.Equal(ca.Cert) {
		t.Fatalf("LoadCA round trip: %v", err)
	}
}

func fixedNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
