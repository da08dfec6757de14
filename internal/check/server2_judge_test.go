package check

import (
	"testing"

	"github.com/sipvet/sipvet/internal/enum"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
)

func resp(t *testing.T, s string) *sip.Message {
	t.Helper()
	m, err := sip.Parse([]byte(s))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

const s2Head = "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"

func TestJudgeNoIntegrity(t *testing.T) {
	cases := []struct {
		name, tr, msg string
		rang          bool
		want          finding.Verdict
	}{
		{"tls", "tls", "SIP/2.0 404 Not Found\r\n" + s2Head + "Content-Length: 0\r\n\r\n", false, finding.NotVulnerable},
		{"tls-silent", "tls", "", false, finding.Inconclusive},
		{"served", "udp", "SIP/2.0 200 OK\r\n" + s2Head + "Content-Length: 0\r\n\r\n", false, finding.Vulnerable},
		{"rang", "udp", "", true, finding.Vulnerable},
		{"challenge-auth", "udp", "SIP/2.0 401 Unauthorized\r\n" + s2Head + "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n", false, finding.Vulnerable},
		{"challenge-auth-int", "udp", "SIP/2.0 401 Unauthorized\r\n" + s2Head + "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth,auth-int\"\r\nContent-Length: 0\r\n\r\n", false, finding.Inconclusive},
		{"refused", "udp", "SIP/2.0 404 Not Found\r\n" + s2Head + "Content-Length: 0\r\n\r\n", false, finding.Inconclusive},
		{"silent", "udp", "", false, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m *sip.Message
			if c.msg != "" {
				m = resp(t, c.msg)
			}
			if got := judgeNoIntegrity(c.tr, m, c.rang); got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
		})
	}
}

func TestJudgeAuthInt(t *testing.T) {
	ok := resp(t, "SIP/2.0 200 OK\r\n"+s2Head+"Content-Length: 0\r\n\r\n")
	notFound := resp(t, "SIP/2.0 404 Not Found\r\n"+s2Head+"Content-Length: 0\r\n\r\n")
	badBody := resp(t, "SIP/2.0 400 Bad Request\r\n"+s2Head+"Content-Length: 0\r\n\r\n")
	again := resp(t, "SIP/2.0 407 Proxy Authentication Required\r\n"+s2Head+"Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"\r\nContent-Length: 0\r\n\r\n")
	cases := []struct {
		name                          string
		correct, tampered, downgraded *sip.Message
		want                          finding.Verdict
	}{
		{"enforced", ok, again, again, finding.NotVulnerable},
		{"enforced-404", notFound, again, again, finding.NotVulnerable},
		{"rewritten-refused-400", notFound, badBody, badBody, finding.NotVulnerable},
		{"body-unchecked", ok, ok, again, finding.Vulnerable},
		{"body-unchecked-same-404", notFound, notFound, again, finding.Vulnerable},
		{"auth-accepted-for-body", ok, again, ok, finding.Vulnerable},
		{"correct-refused", again, again, again, finding.Inconclusive},
		{"no-answer", nil, nil, nil, finding.Inconclusive},
		{"tampered-unanswered", ok, nil, again, finding.Inconclusive},
		{"downgrade-unanswered", ok, again, nil, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			offered := Inconclusive("offered")
			offered.Data = map[string]any{"auth_int": true}
			got := judgeAuthInt(offered, authIntProbe{Correct: c.correct, Tampered: c.tampered, Downgraded: c.downgraded})
			if got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
			if _, ok := got.Data["auth_int_verified"]; !ok {
				t.Errorf("no auth_int_verified in %v", got.Data)
			}
		})
	}
}

func TestJudgeUnexpectedBody(t *testing.T) {
	cases := []struct {
		name    string
		answers []bodyAnswer
		want    finding.Verdict
	}{
		{"accepted", []bodyAnswer{{Variant: "jpeg", Status: 200}, {Variant: "x", Status: 415}}, finding.Vulnerable},
		{"ringing", []bodyAnswer{{Variant: "jpeg", Status: 180}}, finding.Vulnerable},
		{"all-415", []bodyAnswer{{Variant: "jpeg", Status: 415}, {Variant: "mp", Status: 415}}, finding.NotVulnerable},
		{"challenged", []bodyAnswer{{Variant: "jpeg", Status: 401}, {Variant: "mp", Status: 401}}, finding.Inconclusive},
		{"silent", []bodyAnswer{{Variant: "jpeg"}}, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := judgeUnexpectedBody(c.answers); got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
		})
	}
}

func TestJudgeViaReflection(t *testing.T) {
	at := reflectionProbe{Name: "same address", SentBytes: 400, AtB: 3, AtBBytes: 1500}
	got := judgeViaReflection([]reflectionProbe{{Name: "other"}, at})
	if got.Verdict != finding.Vulnerable || got.Data["amplification"] != 3.75 {
		t.Errorf("reflected: %s %v", got.Verdict, got.Data["amplification"])
	}
	if got := judgeViaReflection([]reflectionProbe{{AtSource: 1}}); got.Verdict != finding.NotVulnerable {
		t.Errorf("to source: %s", got.Verdict)
	}
	if got := judgeViaReflection([]reflectionProbe{{}, {}}); got.Verdict != finding.Inconclusive {
		t.Errorf("silence: %s", got.Verdict)
	}
}

func TestJudgeRouteRelayAndRefer(t *testing.T) {
	ok := resp(t, "SIP/2.0 404 Not Found\r\n"+s2Head+"Content-Length: 0\r\n\r\n")
	inv := resp(t, "INVITE sip:sipvet-refer@127.0.0.2:4000 SIP/2.0\r\n"+s2Head+"Content-Length: 0\r\n\r\n")
	acc := resp(t, "SIP/2.0 202 Accepted\r\n"+s2Head+"Content-Length: 0\r\n\r\n")
	for _, c := range []struct {
		name string
		got  Outcome
		want finding.Verdict
	}{
		{"relayed", judgeRouteRelay(true, ok), finding.Vulnerable},
		{"not-relayed", judgeRouteRelay(false, ok), finding.NotVulnerable},
		{"relay-silent", judgeRouteRelay(false, nil), finding.Inconclusive},
		{"refer-called", judgeReferTrigger(acc, inv), finding.Vulnerable},
		{"refer-accepted-no-call", judgeReferTrigger(acc, nil), finding.NotVulnerable},
		{"refer-not-routed", judgeReferTrigger(ok, nil), finding.Inconclusive},
		{"refer-refused", judgeReferTrigger(resp(t, "SIP/2.0 403 Forbidden\r\n"+s2Head+"Content-Length: 0\r\n\r\n"), nil), finding.NotVulnerable},
		{"refer-silent", judgeReferTrigger(nil, nil), finding.Inconclusive},
	} {
		if c.got.Verdict != c.want {
			t.Errorf("%s: verdict %s (%s), want %s", c.name, c.got.Verdict, c.got.Summary, c.want)
		}
	}
}

func TestJudgeMethods(t *testing.T) {
	cases := []struct {
		name    string
		answers []methodAnswer
		want    finding.Verdict
	}{
		{"open", []methodAnswer{{Method: "MESSAGE", Status: 200}, {Method: "INFO", Status: 405}}, finding.Vulnerable},
		{"closed", []methodAnswer{{Method: "MESSAGE", Status: 401}, {Method: "INFO", Status: 405}, {Method: "REFER"}}, finding.NotVulnerable},
		{"silent", []methodAnswer{{Method: "MESSAGE"}}, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := judgeMethods(c.answers); got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
		})
	}
}

func TestJudgeFlood(t *testing.T) {
	base := []float64{0.3, 0.2, 0.3}
	cases := []struct {
		name string
		st   floodStats
		want finding.Verdict
	}{
		{"fine", floodStats{Sent: 100, BaselineMS: base, DuringMS: []float64{0.4, 0.5}}, finding.NotVulnerable},
		{"lost", floodStats{Sent: 100, BaselineMS: base, DuringMS: []float64{-1, -1, 0.4}, ProbeTimeouts: 2}, finding.Vulnerable},
		{"slow", floodStats{Sent: 100, BaselineMS: base, DuringMS: []float64{450, 500}}, finding.Vulnerable},
		{"no-probe", floodStats{Sent: 100, BaselineMS: base}, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := judgeFlood(c.st); got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
		})
	}
}

func TestJudgeAddressLoop(t *testing.T) {
	ok := resp(t, "SIP/2.0 200 OK\r\n"+s2Head+"Content-Length: 0\r\n\r\n")
	cases := []struct {
		name  string
		final *sip.Message
		l     s2Liveness
		want  finding.Verdict
	}{
		{"down", nil, s2Liveness{BeforeMS: 0.2, AfterMS: []float64{-1, -1, -1}, Failed: 3}, finding.Vulnerable},
		{"hiccup", nil, s2Liveness{BeforeMS: 0.2, AfterMS: []float64{-1, 0.3, 0.3}, Failed: 1}, finding.Vulnerable},
		{"slow", ok, s2Liveness{BeforeMS: 1, AfterMS: []float64{300, 1, 1}}, finding.Vulnerable},
		{"answered", ok, s2Liveness{BeforeMS: 0.2, AfterMS: []float64{0.3, 0.3, 0.2}}, finding.NotVulnerable},
		{"no-answer-alive", nil, s2Liveness{BeforeMS: 0.2, AfterMS: []float64{0.3}}, finding.NotVulnerable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := judgeAddressLoop("x", c.final, c.l); got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
		})
	}
}

func TestJudgeEnumAndDiscovery(t *testing.T) {
	hit := &enum.Result{Method: "REGISTER", Found: []enum.Hit{{ID: "1000", Diff: "status 401 instead of 404"}}}
	none := &enum.Result{Method: "OPTIONS"}
	if got := judgeEnum([]*enum.Result{hit, none}, nil, 10); got.Verdict != finding.Vulnerable || len(got.Data["found"].([]string)) != 1 {
		t.Errorf("hit: %s %v", got.Verdict, got.Data["found"])
	}
	if got := judgeEnum([]*enum.Result{none}, []string{"REGISTER"}, 10); got.Verdict != finding.NotVulnerable {
		t.Errorf("uniform: %s", got.Verdict)
	}
	if got := judgeEnum(nil, []string{"REGISTER", "OPTIONS"}, 10); got.Verdict != finding.Inconclusive {
		t.Errorf("silent: %s", got.Verdict)
	}
	s := &Sweep{Scope: "127.0.0.0/29 ports 5060 udp", Endpoints: 8, Services: []Service{{Target: "udp://127.0.0.3:5060", Product: "Kamailio", Version: "5.6.3"}}}
	if got := judgeDiscovery(s, "", 1); got.Verdict != finding.Vulnerable {
		t.Errorf("versioned: %s", got.Verdict)
	}
	s.Services[0].Version = ""
	if got := judgeDiscovery(s, "", 1); got.Verdict != finding.NotVulnerable {
		t.Errorf("no version: %s", got.Verdict)
	}
	if got := judgeDiscovery(&Sweep{Scope: "127.0.0.1 ports 5060 udp", Endpoints: 1}, "udp://127.0.0.1:5060", 0); got.Verdict != finding.Inconclusive {
		t.Errorf("target silent: %s", got.Verdict)
	}
}
