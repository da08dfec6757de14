package transport

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// fakeUAS serves l: for every received message it calls answer with the
// 1-based copy number of that request; answer returns the responses to send.
// It records every message and its arrival time.
type fakeUAS struct {
	got   chan Packet
	times chan time.Time
}

func runUAS(t *testing.T, l Listener, answer func(n int, p Packet) []string) *fakeUAS {
	t.Helper()
	u := &fakeUAS{got: make(chan Packet, 64), times: make(chan time.Time, 64)}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		n := 0
		for {
			p, err := l.Recv(ctx)
			if err != nil {
				return
			}
			u.times <- time.Now()
			u.got <- p
			if strings.HasPrefix(string(p.Data), "ACK ") {
				continue
			}
			n++
			for _, r := range answer(n, p) {
				_ = l.Reply(ctx, p, []byte(r))
			}
		}
	}()
	return u
}

// drain returns what the fake UAS received so far.
func (u *fakeUAS) drain() ([]Packet, []time.Time) {
	var ps []Packet
	var ts []time.Time
	for {
		select {
		case p := <-u.got:
			ps = append(ps, p)
			ts = append(ts, <-u.times)
		default:
			return ps, ts
		}
	}
}

func TestTransactRetransmission(t *testing.T) {
	const T1, T2 = 20 * time.Millisecond, 40 * time.Millisecond
	cases := []struct {
		name     string
		method   string
		answerOn int
		code     int
		// wantGaps are the expected intervals between copies.
		wantGaps []time.Duration
		wantACK  bool
	}{
		{"invite-timer-A", "INVITE", 3, 486, []time.Duration{T1, 2 * T1}, true},
		{"invite-2xx-no-ack", "INVITE", 2, 200, []time.Duration{T1}, false},
		{"non-invite-timer-E", "OPTIONS", 4, 200, []time.Duration{T1, T2, T2}, false},
		{"non-invite-first", "REGISTER", 1, 401, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := listenT(t, "udp", "127.0.0.1:0", Options{})
			branch := "z9hG4bK-" + tc.name
			u := runUAS(t, l, func(n int, p Packet) []string {
				if n != tc.answerOn {
					return nil
				}
				return []string{response(tc.code, "X", tc.method, branch, 1)}
			})
			c := dialT(t, targetOf(t, "udp", l.Addr()), Options{})
			res, err := Transact(testCtx(t, 10*time.Second), c, []byte(request(tc.method, branch, 1)), Timers{T1: T1, T2: T2})
			if err != nil {
				t.Fatal(err)
			}
			if res.Final == nil || res.Final.StatusCode != tc.code {
				t.Fatalf("Final = %+v", res.Final)
			}
			if res.Retransmissions != tc.answerOn-1 {
				t.Errorf("Retransmissions = %d, want %d", res.Retransmissions, tc.answerOn-1)
			}
			if len(res.Responses) != 1 || string(res.FinalPacket.Data) != string(res.Responses[0].Data) {
				t.Errorf("Responses = %d", len(res.Responses))
			}
			time.Sleep(5 * T1) // let an ACK, or a stray retransmission, arrive
			ps, ts := u.drain()
			copies := tc.answerOn
			if tc.wantACK {
				copies++
			}
			if len(ps) != copies {
				t.Fatalf("UAS got %d messages, want %d", len(ps), copies)
			}
			for i, want := range tc.wantGaps {
				gap := ts[i+1].Sub(ts[i])
				if gap < want-5*time.Millisecond || gap > want+60*time.Millisecond {
					t.Errorf("gap %d = %v, want about %v", i, gap, want)
				}
			}
			if tc.wantACK {
				checkACK(t, ps[len(ps)-1].Data, branch)
			}
		})
	}
}

func checkACK(t *testing.T, data []byte, branch string) {
	t.Helper()
	ack, err := sip.Parse(data)
	if err != nil {
		t.Fatalf("ACK does not parse: %v\n%s", err, data)
	}
	via, _ := ack.TopVia()
	num, method, _ := ack.CSeq()
	checks := []struct{ name, got, want string }{
		{"method", ack.Method, "ACK"},
		{"Request-URI", ack.RequestURI, "sip:bob@127.0.0.1"},
		{"branch", via.Branch(), branch},
		{"CSeq method", method, "ACK"},
		{"To", ack.Get("To"), "<sip:bob@127.0.0.1>;tag=b2"},
		{"From", ack.Get("From"), "<sip:alice@127.0.0.1>;tag=a1"},
		{"Call-ID", ack.Get("Call-ID"), branch + "@test"},
		{"Max-Forwards", ack.Get("Max-Forwards"), "70"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("ACK %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if num != 1 {
		t.Errorf("ACK CSeq number = %d", num)
	}
}

func TestTransactProvisional(t *testing.T) {
	const T1 = 20 * time.Millisecond
	t.Run("invite-stops-timer-A", func(t *testing.T) {
		l := listenT(t, "udp", "127.0.0.1:0", Options{})
		branch := "z9hG4bK-prov"
		final := make(chan struct{})
		u := runUAS(t, l, func(n int, p Packet) []string {
			if n == 1 {
				time.AfterFunc(10*T1, func() {
					_ = l.Reply(t.Context(), p, []byte(response(603, "Decline", "INVITE", branch, 1)))
					close(final)
				})
				return []string{response(180, "Ringing", "INVITE", branch, 1)}
			}
			return nil
		})
		c := dialT(t, targetOf(t, "udp", l.Addr()), Options{})
		res, err := Transact(testCtx(t, 10*time.Second), c, []byte(request("INVITE", branch, 1)), Timers{T1: T1})
		if err != nil {
			t.Fatal(err)
		}
		<-final
		if res.Retransmissions != 0 || len(res.Responses) != 2 || res.Final.StatusCode != 603 {
			t.Fatalf("Retransmissions=%d Responses=%d Final=%d", res.Retransmissions, len(res.Responses), res.Final.StatusCode)
		}
		time.Sleep(3 * T1)
		ps, _ := u.drain()
		if len(ps) != 2 || !strings.HasPrefix(string(ps[1].Data), "ACK ") {
			t.Fatalf("UAS got %d messages (want INVITE, ACK)", len(ps))
		}
	})
	t.Run("non-invite-timeout-keeps-provisionals", func(t *testing.T) {
		l := listenT(t, "udp", "127.0.0.1:0", Options{})
		branch := "z9hG4bK-tmo"
		u := runUAS(t, l, func(n int, p Packet) []string {
			if n == 1 {
				return []string{response(100, "Trying", "OPTIONS", branch, 1)}
			}
			return nil
		})
		c := dialT(t, targetOf(t, "udp", l.Addr()), Options{})
		start := time.Now()
		res, err := Transact(testCtx(t, 10*time.Second), c, []byte(request("OPTIONS", branch, 1)),
			Timers{T1: T1, T2: 60 * time.Millisecond, Timeout: 300 * time.Millisecond})
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d < 290*time.Millisecond || d > 2*time.Second {
			t.Errorf("timed out after %v, want about 300ms", d)
		}
		if len(res.Responses) != 1 || res.Final != nil {
			t.Errorf("Responses=%d Final=%v", len(res.Responses), res.Final)
		}
		// Sends at 0, then Timer E: 20ms, then T2 (Proceeding): 80, 140, 200, 260.
		_, ts := u.drain()
		if len(ts) < 4 || len(ts) > 6 {
			t.Fatalf("UAS got %d copies, want 5 or so", len(ts))
		}
		for i := 2; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < 55*time.Millisecond {
				t.Errorf("gap %d = %v, want T2 (60ms) after a provisional", i, gap)
			}
		}
	})
}

func TestTransactMatching(t *testing.T) {
	l := listenT(t, "udp", "127.0.0.1:0", Options{})
	branch := "z9hG4bK-m"
	runUAS(t, l, func(n int, p Packet) []string {
		return []string{
			response(200, "OK", "OPTIONS", "z9hG4bK-other", 1), // other branch
			response(200, "OK", "INVITE", branch, 1),           // other method
			"garbage\r\n\r\n",
			request("OPTIONS", "z9hG4bK-req", 1), // a request
			response(200, "OK", "OPTIONS", branch, 1),
		}
	})
	log := NewEvidenceLog()
	c := dialT(t, targetOf(t, "udp", l.Addr()), Options{Observers: []Observer{log.Observe}})
	res, err := Transact(testCtx(t, 5*time.Second), c, []byte(request("OPTIONS", branch, 1)), Timers{T1: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Responses) != 1 {
		t.Fatalf("matched %d responses, want 1", len(res.Responses))
	}
	if v, _ := res.Final.TopVia(); v.Branch() != branch {
		t.Errorf("final branch %q", v.Branch())
	}
	if n := log.Len(); n != 6 {
		t.Errorf("observer saw %d messages, want 6 (1 sent, 5 received)", n)
	}
}

func TestTransactReliable(t *testing.T) {
	for _, tr := range []string{"tcp", "ws"} {
		t.Run(tr, func(t *testing.T) {
			l := listenT(t, tr, "127.0.0.1:0", Options{})
			u := runUAS(t, l, func(int, Packet) []string { return nil })
			c := dialT(t, targetOf(t, tr, l.Addr()), Options{})
			res, err := Transact(testCtx(t, 5*time.Second), c, []byte(request("INVITE", "z9hG4bK-tcp", 1)),
				Timers{T1: 10 * time.Millisecond, Timeout: 200 * time.Millisecond})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v", err)
			}
			ps, _ := u.drain()
			if len(ps) != 1 || res.Retransmissions != 0 {
				t.Fatalf("UAS got %d copies, Retransmissions=%d; want 1 and 0", len(ps), res.Retransmissions)
			}
		})
	}
}

func TestTransactErrors(t *testing.T) {
	l := listenT(t, "udp", "127.0.0.1:0", Options{})
	c := dialT(t, targetOf(t, "udp", l.Addr()), Options{})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := Transact(ctx, c, []byte(request("OPTIONS", "z9hG4bK-c", 1)), Timers{T1: 20 * time.Millisecond})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want Canceled", err)
		}
	})
	bad := []struct{ name, req string }{
		{"empty", ""},
		{"response", response(200, "OK", "OPTIONS", "z9hG4bK-r", 1)},
		{"no-via", strings.Replace(request("OPTIONS", "b", 1), "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=b\r\n", "", 1)},
		{"no-cseq", strings.Replace(request("OPTIONS", "b", 1), "CSeq: 1 OPTIONS\r\n", "", 1)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Transact(t.Context(), c, []byte(tc.req), Timers{}); !errors.Is(err, ErrBadRequest) {
				t.Fatalf("err = %v, want ErrBadRequest", err)
			}
		})
	}
}

func TestDefaultTimers(t *testing.T) {
	d := DefaultTimers()
	if d.T1 != 500*time.Millisecond || d.T2 != 4*time.Second || d.T4 != 5*time.Second {
		t.Fatalf("DefaultTimers = %+v", d)
	}
	if w := (Timers{T1: time.Second}).withDefaults(); w.Timeout != 64*time.Second {
		t.Errorf("Timeout default = %v, want 64*T1", w.Timeout)
	}
}
