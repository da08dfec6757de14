package lab_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/sip"
)

func TestForwardToBinding(t *testing.T) {
	for _, uaTransport := range []string{"udp", "tcp"} {
		t.Run("ua over "+uaTransport, func(t *testing.T) {
			l, _ := startLab(t, lab.Options{})
			var udpT, uaT string
			for _, s := range l.Targets() {
				if strings.HasPrefix(s, "udp") {
					udpT = s
				}
				if strings.HasPrefix(s, uaTransport) {
					uaT = s
				}
			}
			ua := dial(t, uaT, "")
			wantStatus(t, ua.do(ua.request("REGISTER", ua.labURI(""), "alice", ua.labURI("alice"))), 200)

			caller := dial(t, udpT, "")
			inv := caller.request("INVITE", caller.labURI("alice"), "bob", caller.labURI("alice"))
			if err := caller.conn.Send(t.Context(), inv.Bytes()); err != nil {
				t.Fatal(err)
			}
			got, ok := ua.recv(2 * time.Second)
			if !ok {
				t.Fatal("the INVITE was not forwarded to the binding")
			}
			if got.Method != "INVITE" || got.RequestURI != "sip:alice@"+ua.conn.LocalAddr() {
				t.Fatalf("forwarded request:\n%s", got)
			}
			if got.Get("Max-Forwards") != "69" {
				t.Errorf("Max-Forwards = %q", got.Get("Max-Forwards"))
			}
			vias := got.GetAll("Via")
			if len(vias) != 2 || !strings.Contains(vias[0], "branch=z9hG4bK-sipvetlab-") || !strings.Contains(vias[1], "received=127.0.0.1") {
				t.Errorf("Via = %q", vias)
			}
			// The UA answers; the 200 travels back through the lab.
			resp := sip.NewResponse(got, 200, "OK")
			resp.Set("To", resp.Get("To")+";tag=ua")
			if err := ua.conn.Send(t.Context(), resp.Bytes()); err != nil {
				t.Fatal(err)
			}
			back, ok := caller.recv(2 * time.Second)
			for ok && back.StatusCode < 200 {
				back, ok = caller.recv(2 * time.Second)
			}
			if !ok {
				t.Fatal("the 200 did not come back to the caller")
			}
			if back.StatusCode != 200 || len(back.GetAll("Via")) != 1 || back.CallID() != inv.CallID() {
				t.Errorf("relayed response:\n%s", back)
			}
			// A CANCEL gets the same lab branch as the INVITE (RFC 3261 §16.11).
			cancel := inv.Clone()
			cancel.Method = "CANCEL"
			cancel.Set("CSeq", strings.Replace(inv.Get("CSeq"), "INVITE", "CANCEL", 1))
			if err := caller.conn.Send(t.Context(), cancel.Bytes()); err != nil {
				t.Fatal(err)
			}
			fc, ok := ua.recv(2 * time.Second)
			for ok && fc.Method != "CANCEL" {
				fc, ok = ua.recv(2 * time.Second)
			}
			if !ok || fc.Get("Via") != got.Get("Via") {
				t.Errorf("forwarded CANCEL Via %q, want %q", fc.Get("Via"), got.Get("Via"))
			}
		})
	}
}

func TestOffHostDestinationsRefused(t *testing.T) {
	// A lab on loopback must not send to the addresses hostile messages name.
	_, tgt := startLab(t, lab.Options{})
	c := dial(t, tgt, "")
	req := c.request("OPTIONS", c.labURI(""), "alice", c.labURI(""))
	req.Set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch="+sip.NewBranch(nil))
	if err := c.conn.Send(t.Context(), req.Bytes()); err != nil {
		t.Fatal(err)
	}
	// 06.via-reflection is on, but 192.0.2.1 is off the machine: the
	// response goes to the source instead.
	if _, ok := c.recv(2 * time.Second); !ok {
		t.Fatal("no response at the source")
	}
}
