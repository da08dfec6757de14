package sip

import (
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
)

// TestOracleSipgo parses messages with this package and with
// github.com/emiago/sipgo/sip and compares the fields that transaction
// matching depends on: method or status, Call-ID, CSeq and the top Via
// branch (a differential test; sipgo is used in tests only).
func TestOracleSipgo(t *testing.T) {
	inputs := map[string][]byte{}
	for name, data := range readTorture(t, "valid") {
		inputs["torture/"+name] = data
	}
	own := map[string]string{
		"register": "REGISTER sip:example.com SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport\r\n" +
			"Max-Forwards: 70\r\nTo: <sip:alice@example.com>\r\n" +
			"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n" +
			"Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 314159 REGISTER\r\n" +
			"Contact: <sip:alice@192.0.2.1:5060>;expires=3600\r\nContent-Length: 0\r\n\r\n",
		"401": "SIP/2.0 401 Unauthorized\r\n" +
			"Via: SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKnashds7;received=2001:db8::9\r\n" +
			"From: <sip:bob@example.org>;tag=a6c85cf\r\nTo: <sip:bob@example.org>;tag=1410948204\r\n" +
			"Call-ID: 1j9FpLxk3uxtm8tn@[2001:db8::1]\r\nCSeq: 2 REGISTER\r\n" +
			"WWW-Authenticate: Digest realm=\"example.org\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=\"auth\", algorithm=MD5\r\n" +
			"Content-Length: 0\r\n\r\n",
		"compact": "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n" +
			"v: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKhjhs8ass877\r\n" +
			"Max-Forwards: 70\r\nt: <sip:carol@chicago.example.com>\r\n" +
			"f: Alice <sip:alice@example.com>;tag=1928301774\r\n" +
			"i: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\nl: 0\r\n\r\n",
		"lf-only": "BYE sip:bob@192.0.2.4 SIP/2.0\n" +
			"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnashds10\nMax-Forwards: 70\n" +
			"From: <sip:alice@example.com>;tag=8321234356\nTo: <sip:bob@example.com>;tag=9fxced76sl\n" +
			"Call-ID: 3848276298220188511@atlanta.example.com\nCSeq: 1 BYE\nContent-Length: 0\n\n",
	}
	for name, s := range own {
		inputs["own/"+name] = []byte(s)
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			o, err := sipgo.ParseMessage(data)
			if err != nil {
				t.Skipf("sipgo cannot parse this message (%v); nothing to compare", err)
			}
			switch om := o.(type) {
			case *sipgo.Request:
				// sipgo upper-cases methods; RFC 3261 §7.1 says they
				// are case-sensitive, so this package keeps them.
				if !m.IsRequest() || !strings.EqualFold(m.Method, string(om.Method)) {
					t.Errorf("method %q, sipgo %q", m.Method, om.Method)
				}
			case *sipgo.Response:
				if m.IsRequest() || m.StatusCode != om.StatusCode {
					t.Errorf("status %d, sipgo %d", m.StatusCode, om.StatusCode)
				}
			}
			if cid := o.CallID(); cid == nil || m.CallID() != cid.Value() {
				t.Errorf("Call-ID %q, sipgo %v", m.CallID(), cid)
			}
			n, method, err := m.CSeq()
			if cs := o.CSeq(); cs == nil || err != nil || n != cs.SeqNo || method != string(cs.MethodName) {
				t.Errorf("CSeq %d %q (%v), sipgo %v", n, method, err, cs)
			}
			via, err := m.TopVia()
			ov := o.Via()
			if err != nil || ov == nil {
				t.Fatalf("top Via: %v, sipgo %v", err, ov)
			}
			ob, _ := ov.Params.Get("branch")
			if via.Branch() != ob {
				t.Errorf("branch %q, sipgo %q", via.Branch(), ob)
			}
			if !strings.EqualFold(via.Transport, ov.Transport) || strings.Trim(via.Host, "[]") != strings.Trim(ov.Host, "[]") {
				t.Errorf("Via %s/%s, sipgo %s/%s", via.Transport, via.Host, ov.Transport, ov.Host)
			}
		})
	}
}
