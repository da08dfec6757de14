package harness

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/sip"
)

// dutFlaws switches the fake DUT's client-side flaws.
type dutFlaws struct {
	acceptForeign200  bool // ipa02.response-foreign-source
	acceptWrongBranch bool // ipa02.response-wrong-branch
	followRedirect    bool // ipa02.redirect-followed
	fallbackClear     bool // ipa05.tls-downgrade
	counterIDs        bool // ipa13.client-identifiers
	answerForeign     bool // ipa15.foreign-source-invite
	skipVerify        bool // ipa20.client-accepts-bad-cert
}

// fakeDUT is a small SIP UA on 127.0.0.1 (UDP, and TLS for outgoing
// requests) whose flaws the test switches; it is also the harness Driver.
type fakeDUT struct {
	t       *testing.T
	flaws   dutFlaws
	pc      net.PacketConn
	harness string // udp host:port of the harness
	ca      *x509.CertPool

	mu      sync.Mutex
	n       int
	invites map[string]*sip.Message // by Call-ID: the last INVITE sent
	branch  map[string]string       // Call-ID → branch of the last INVITE
}

func newFakeDUT(t *testing.T, flaws dutFlaws, harnessUDP string, ca *CA) *fakeDUT {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	d := &fakeDUT{t: t, flaws: flaws, pc: pc, harness: harnessUDP, ca: pool,
		invites: map[string]*sip.Message{}, branch: map[string]string{}}
	done := make(chan struct{})
	go func() { defer close(done); d.readLoop() }()
	t.Cleanup(func() { pc.Close(); <-done })
	return d
}

func (d *fakeDUT) Name() string    { return "fake DUT" }
func (d *fakeDUT) Automated() bool { return true }

func (d *fakeDUT) Do(ctx context.Context, a Action) error {
	switch a.Kind {
	case ActRegister:
		d.sendRegister("")
	case ActDial:
		go d.dial(a.URI)
	}
	return nil
}

// id returns an identifier: a counter for the flawed DUT, else random.
func (d *fakeDUT) id(prefix string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n++
	if d.flaws.counterIDs {
		return fmt.Sprintf("%s%d", prefix, 1000+d.n)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (d *fakeDUT) local() string { return d.pc.LocalAddr().String() }

func (d *fakeDUT) send(m *sip.Message, dst string) {
	a, err := net.ResolveUDPAddr("udp", dst)
	if err != nil {
		return
	}
	_, _ = d.pc.WriteTo(m.Bytes(), a)
}

const regCallID = "reg-fixed-call-id"

func (d *fakeDUT) sendRegister(auth string) {
	m := sip.NewRequest("REGISTER", "sip:"+d.harness)
	m.Add("Via", "SIP/2.0/UDP "+d.local()+";branch="+d.id(sip.BranchMagic)+";rport")
	m.Add("Max-Forwards", "70")
	m.Add("From", "<sip:dut@"+d.harness+">;tag="+d.id(""))
	m.Add("To", "<sip:dut@"+d.harness+">")
	m.Add("Call-ID", regCallID)
	cseq := "1 REGISTER"
	if auth != "" {
		cseq = "2 REGISTER"
		m.Add("Authorization", auth)
	}
	m.Add("CSeq", cseq)
	m.Add("Contact", "<sip:dut@"+d.local()+">")
	m.Add("Expires", "600")
	m.Add("Content-Length", "0")
	d.send(m, d.harness)
}

func (d *fakeDUT) invite(ruri, transport, callID, fromTag string, cseq int, auth string) *sip.Message {
	m := sip.NewRequest("INVITE", ruri)
	branch := d.id(sip.BranchMagic)
	m.Add("Via", "SIP/2.0/"+transport+" "+d.local()+";branch="+branch+";rport")
	m.Add("Max-Forwards", "70")
	m.Add("From", "<sip:dut@"+d.harness+">;tag="+fromTag)
	m.Add("To", "<"+ruri+">")
	m.Add("Call-ID", callID)
	m.Add("CSeq", fmt.Sprintf("%d INVITE", cseq))
	m.Add("Contact", "<sip:dut@"+d.local()+">")
	if auth != "" {
		m.Add("Proxy-Authorization", auth)
	}
	m.SetBody("application/sdp", []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"))
	d.mu.Lock()
	d.invites[callID] = m
	d.branch[callID] = branch
	d.mu.Unlock()
	return m
}

func (d *fakeDUT) dial(uri string) {
	u, err := sip.ParseURI(uri)
	if err != nil {
		return
	}
	callID := d.id("call-")
	tag := d.id("")
	if u.Transport() == "tls" {
		d.dialTLS(u, callID, tag)
		return
	}
	d.send(d.invite(uri, "UDP", callID, tag, 1, ""), d.harness)
}

func (d *fakeDUT) dialTLS(u *sip.URI, callID, tag string) {
	cfg := &tls.Config{RootCAs: d.ca, ServerName: "127.0.0.1", InsecureSkipVerify: d.flaws.skipVerify} //nolint:gosec // the flaw under test
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", u.HostPort(), cfg)
	if err != nil {
		return // certificate refused (or connection reset before the handshake)
	}
	defer c.Close()
	inv := d.invite(u.String(), "TLS", callID, tag, 1, "")
	if _, err := c.Write(inv.Bytes()); err != nil {
		d.fallback(u, callID, tag)
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	r := bufio.NewReader(c)
	for {
		data, err := sip.ReadStreamMessage(r, sip.Limits{})
		if err != nil {
			if !strings.Contains(err.Error(), "timeout") {
				d.fallback(u, callID, tag)
			}
			return
		}
		m, err := sip.Parse(data)
		if err == nil && m.StatusCode >= 200 {
			return
		}
	}
}

func (d *fakeDUT) fallback(u *sip.URI, callID, tag string) {
	if !d.flaws.fallbackClear {
		return
	}
	ruri := "sip:" + u.User + "@" + d.harness
	d.send(d.invite(ruri, "UDP", callID, tag, 2, ""), d.harness)
}

func (d *fakeDUT) readLoop() {
	buf := make([]byte, 65535)
	for {
		n, from, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		m, err := sip.Parse(buf[:n])
		if err != nil {
			continue
		}
		if m.IsRequest() {
			d.onRequest(m, from.String())
		} else {
			d.onResponse(m, from.String())
		}
	}
}

func (d *fakeDUT) onRequest(m *sip.Message, from string) {
	reply := func(code int) {
		r := sip.NewResponse(m, code, "")
		if code > 100 {
			r.Set("To", m.Get("To")+";tag=dut"+d.id(""))
		}
		d.send(r, from)
	}
	switch m.Method {
	case "INVITE":
		if d.flaws.answerForeign || from == d.harness {
			reply(180)
			return
		}
		reply(403)
	case "ACK":
	default:
		reply(200)
	}
}

func (d *fakeDUT) onResponse(m *sip.Message, from string) {
	_, method, _ := m.CSeq()
	if method == "REGISTER" {
		if m.StatusCode == 401 {
			ch, err := digest.ParseChallenge(m.Get("WWW-Authenticate"))
			if err != nil {
				return
			}
			cr, err := digest.Answer(ch, "dut", "pw", digest.Request{Method: "REGISTER", URI: "sip:" + d.harness}, d.id(""), 1)
			if err == nil {
				d.sendRegister(cr.String())
			}
		}
		return
	}
	if method != "INVITE" || m.StatusCode < 200 {
		return
	}
	d.mu.Lock()
	inv := d.invites[m.CallID()]
	branch := d.branch[m.CallID()]
	d.mu.Unlock()
	if inv == nil {
		return
	}
	via, _ := m.TopVia()
	if m.StatusCode < 300 {
		if from != d.harness && !d.flaws.acceptForeign200 {
			return
		}
		if via.Branch() != branch && !d.flaws.acceptWrongBranch {
			return
		}
		ack := sip.NewRequest("ACK", inv.RequestURI)
		ack.Add("Via", "SIP/2.0/UDP "+d.local()+";branch="+d.id(sip.BranchMagic)+";rport")
		ack.Add("Max-Forwards", "70")
		ack.Add("From", inv.Get("From"))
		ack.Add("To", m.Get("To"))
		ack.Add("Call-ID", m.CallID())
		n, _, _ := inv.CSeq()
		ack.Add("CSeq", fmt.Sprintf("%d ACK", n))
		ack.Add("Content-Length", "0")
		d.send(ack, d.harness)
		return
	}
	if via.Branch() != branch {
		return
	}
	if ack, err := ackFor(inv, m); err == nil {
		d.send(ack, d.harness)
	}
	from0, _ := inv.From()
	n, _, _ := inv.CSeq()
	switch m.StatusCode {
	case 302:
		if d.flaws.followRedirect {
			if na, err := sip.ParseNameAddr(m.Get("Contact")); err == nil {
				d.send(d.invite(na.URI.String(), "UDP", m.CallID(), from0.Tag(), int(n)+1, ""), d.harness)
			}
		}
	case 407:
		ch, err := digest.ParseChallenge(m.Get("Proxy-Authenticate"))
		if err != nil {
			return
		}
		cr, err := digest.Answer(ch, "dut", "pw", digest.Request{Method: "INVITE", URI: inv.RequestURI}, d.id(""), 1)
		if err == nil {
			d.send(d.invite(inv.RequestURI, "UDP", m.CallID(), from0.Tag(), int(n)+1, cr.String()), d.harness)
		}
	}
}

// ackFor builds the ACK of a non-2xx final response.
func ackFor(inv, resp *sip.Message) (*sip.Message, error) {
	ack := sip.NewRequest("ACK", inv.RequestURI)
	ack.Add("Via", inv.Get("Via"))
	ack.Add("Max-Forwards", "70")
	ack.Add("From", inv.Get("From"))
	ack.Add("To", resp.Get("To"))
	ack.Add("Call-ID", inv.CallID())
	n, _, err := inv.CSeq()
	ack.Add("CSeq", fmt.Sprintf("%d ACK", n))
	ack.Add("Content-Length", "0")
	return ack, err
}
