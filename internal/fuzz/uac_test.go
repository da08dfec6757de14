package fuzz

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// fakeUAC is a tiny device under test: it registers to sipvet, calls it
// and hangs up when told (it is its own UACDriver), and answers OPTIONS.
// Planted bug: a WWW-Authenticate longer than 4,000 bytes makes it stop
// answering for Hang.
type fakeUAC struct {
	l         transport.Listener
	registrar string
	Hang      time.Duration

	mu        sync.Mutex
	n         int
	hungUntil time.Time
	call      *sip.Message // the INVITE of the established call
	toHdr     string
}

func startFakeUAC(t *testing.T, registrar string) *fakeUAC {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := transport.Listen(ctx, "udp", "127.0.0.1:0", transport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeUAC{l: l, registrar: registrar, Hang: 1500 * time.Millisecond}
	done := make(chan struct{})
	go func() { defer close(done); f.loop(ctx) }()
	t.Cleanup(func() { cancel(); l.Close(); <-done })
	return f
}

func (f *fakeUAC) hung() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Before(f.hungUntil)
}

func (f *fakeUAC) request(method, callID, to string, cseq int) []byte {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	var b strings.Builder
	ruri := "sip:" + f.registrar
	if method != "REGISTER" {
		ruri = "sip:fuzz@" + f.registrar
	}
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKfake%d\r\nMax-Forwards: 70\r\n", method, ruri, f.l.Addr(), n)
	fmt.Fprintf(&b, "From: <sip:dut@%s>;tag=fake%d\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:dut@%s>\r\nContent-Length: 0\r\n\r\n",
		f.registrar, cseq, to, callID, cseq, method, f.l.Addr())
	return []byte(b.String())
}

func (f *fakeUAC) send(ctx context.Context, b []byte) error {
	if f.hung() {
		return nil
	}
	return f.l.SendTo(ctx, b, f.registrar)
}

func (f *fakeUAC) Register(ctx context.Context) error {
	return f.send(ctx, f.request("REGISTER", fmt.Sprintf("reg%d@fake", time.Now().UnixNano()), "<sip:dut@"+f.registrar+">", 1))
}

func (f *fakeUAC) Dial(ctx context.Context, uri string) error {
	return f.send(ctx, f.request("INVITE", fmt.Sprintf("call%d@fake", time.Now().UnixNano()), "<"+uri+">", 1))
}

func (f *fakeUAC) Hangup(ctx context.Context) error {
	f.mu.Lock()
	c, to := f.call, f.toHdr
	f.call = nil
	f.mu.Unlock()
	if c == nil {
		return nil
	}
	return f.send(ctx, f.request("BYE", c.CallID(), to, 2))
}

func (f *fakeUAC) loop(ctx context.Context) {
	for {
		p, err := f.l.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		if f.hung() {
			continue
		}
		m, _ := sip.Parse(p.Data)
		if m == nil {
			continue
		}
		if m.IsRequest() {
			if m.Method == "ACK" {
				continue
			}
			res := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=fakeuas\r\nCall-ID: %s\r\nCSeq: %s\r\nServer: fake-uac\r\nContent-Length: 0\r\n\r\n",
				m.Get("Via"), m.Get("From"), m.Get("To"), m.CallID(), m.Get("CSeq"))
			_ = f.l.Reply(ctx, p, []byte(res))
			continue
		}
		if len(m.Get("WWW-Authenticate")) > 4000 {
			f.mu.Lock()
			f.hungUntil = time.Now().Add(f.Hang)
			f.mu.Unlock()
			continue
		}
		_, method, _ := m.CSeq()
		if method == "INVITE" && m.StatusCode >= 200 {
			ack := bytes.Replace(f.request("ACK", m.CallID(), m.Get("To"), 1), []byte("ACK sip:fuzz@"), []byte("ACK sip:fuzz@"), 1)
			_ = f.send(ctx, ack)
			if m.StatusCode < 300 {
				f.mu.Lock()
				f.call, f.toHdr = m, m.Get("To")
				f.mu.Unlock()
			}
		}
	}
}

// TestUACFake runs the UAC campaign against the fake device: it must find
// the planted hang, save a reproducer that replays, and minimize it to the
// single bad 401.
func TestUACFake(t *testing.T) {
	listen := fmt.Sprintf("127.0.0.1:%d", peertest.FreePort(t))
	dev := startFakeUAC(t, listen)
	go func() {
		for i := 0; i < 20; i++ { // the device registers at start (sipvet may not listen yet)
			time.Sleep(100 * time.Millisecond)
			_ = dev.Register(context.Background())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := t.TempDir()
	mc := MonitorConfig{ProbeTimeout: 300 * time.Millisecond, RecoverWait: 3 * time.Second, SlowMin: 300 * time.Millisecond}
	rep, err := RunUAC(ctx, UACConfig{Listen: "udp://" + listen, Driver: dev, Seed: 7, ProbeEvery: 10, Wait: 500 * time.Millisecond, Settle: 5 * time.Millisecond,
		OutDir: out, Monitor: mc})
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	t.Logf("sent %d of %d, %.0f cases/s, %d probes, baseline %v, failures %d", rep.Sent, rep.Total, rep.CasesPerSec, rep.Probes, rep.Baseline, len(rep.Failures))
	var hang *Failure
	for i, f := range rep.Failures {
		t.Logf("%s: %s after %s (%s) → %s", f.Class, f.Detail, f.Case.ID, f.Case.Group, f.Reproducer)
		if f.Class == ClassHang && hang == nil {
			hang = &rep.Failures[i]
		}
	}
	if hang == nil || hang.Reproducer == "" {
		t.Fatalf("the planted hang was not found with a reproducer: %+v", rep.Failures)
	}
	if rep.Sent < rep.Total/2 || len(rep.Timeline) == 0 {
		t.Errorf("sent %d of %d, timeline %d", rep.Sent, rep.Total, len(rep.Timeline))
	}
	for _, r := range rep.Results() {
		if r.Data["class"] != nil && r.Check != "ipa12.stateful" {
			t.Errorf("uac failure reported as %s, want ipa12.stateful", r.Check)
		}
	}
	rp, err := LoadReproducer(hang.Reproducer)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Mode != ModeUAC {
		t.Fatalf("reproducer mode %q", rp.Mode)
	}
	time.Sleep(dev.Hang)
	rc := ReplayConfig{Driver: dev, Monitor: mc, Wait: 500 * time.Millisecond, Settle: 20 * time.Millisecond}
	res, err := Replay(ctx, rp, rc)
	if err != nil || !res.Reproduced || res.Class != ClassHang {
		t.Fatalf("replay: %+v %v", res, err)
	}
	time.Sleep(dev.Hang)
	rc.MaxTrials = 40
	min, mres, err := Minimize(ctx, rp, rc)
	if err != nil {
		t.Fatalf("minimize: %v", err)
	}
	t.Logf("minimized %d → %d case(s), %d trials", mres.OriginalCases, mres.Cases, mres.Trials)
	if len(min.Cases) != 1 || !strings.Contains(min.Cases[0].Group, "www-authenticate") {
		t.Errorf("minimized to %d case(s): %+v", len(min.Cases), min.Cases)
	}
}
