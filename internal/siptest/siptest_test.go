package siptest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// recorder is a testing.TB that records failures and cleanups instead of
// acting on them. Methods it does not override panic (nil embedded TB).
type recorder struct {
	testing.TB
	errors   []string
	fatal    bool
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
	r.fatal = true
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.golden")
	Golden(t, path, []byte("a\nb\n"), true)
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\nb\n" {
		t.Fatalf("update wrote %q, %v", b, err)
	}
	Golden(t, path, []byte("a\nb\n"), false)
	r := &recorder{}
	Golden(r, path, []byte("a\nc\n"), false)
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], `2 - "b"`) || !strings.Contains(r.errors[0], `2 + "c"`) {
		t.Errorf("mismatch report = %q", r.errors)
	}
	r = &recorder{}
	Golden(r, filepath.Join(t.TempDir(), "missing"), nil, false)
	if !r.fatal || !strings.Contains(r.errors[0], "-update") {
		t.Errorf("missing golden report = %q", r.errors)
	}
}

func TestCheckGoroutinesDetectsLeak(t *testing.T) {
	r := &recorder{}
	checkGoroutines(r, 100*time.Millisecond)
	stop := make(chan struct{})
	go func() { <-stop }()
	r.runCleanups()
	close(stop)
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "TestCheckGoroutinesDetectsLeak") {
		t.Errorf("leak report = %q", r.errors)
	}
	// A goroutine that ends within the grace period is not a leak.
	r = &recorder{}
	checkGoroutines(r, 2*time.Second)
	go func() { time.Sleep(50 * time.Millisecond) }()
	r.runCleanups()
	if len(r.errors) != 0 {
		t.Errorf("false leak report: %q", r.errors)
	}
}

func TestStartLab(t *testing.T) {
	CheckGoroutines(t)
	l := StartLab(t, lab.Options{Profile: lab.ProfileHardened})
	if len(l.Targets()) != 2 || len(l.Flags()) != 0 {
		t.Errorf("targets %v flags %v", l.Targets(), l.Flags())
	}
	r := &recorder{TB: t}
	// Start errors are fatal for the calling test.
	func() {
		defer func() { _ = recover() }()
		StartLab(r, lab.Options{Profile: "nonsense"})
	}()
	if !r.fatal {
		t.Error("bad options did not fail the test")
	}
}

func TestHostileServer(t *testing.T) {
	cases := []struct {
		mode  string
		check func(t *testing.T, got [][]byte)
	}{
		{HostileGarbage, func(t *testing.T, got [][]byte) {
			if len(got) != 1 {
				t.Fatalf("%d answers, want 1", len(got))
			}
			if m, err := sip.Parse(got[0]); err == nil && !m.IsRequest() && m.StatusCode != 0 {
				t.Errorf("garbage parsed as a response: %q", got[0])
			}
		}},
		{HostileHuge, func(t *testing.T, got [][]byte) {
			if len(got) != 1 || len(got[0]) < 60000 || !strings.HasPrefix(string(got[0]), "SIP/2.0 200 OK\r\n") || strings.Contains(string(got[0]), "\r\n\r\n") {
				t.Fatalf("huge answer: %d datagrams", len(got))
			}
			if _, err := sip.Parse(got[0]); err == nil {
				t.Error("endless headers parsed without error")
			}
		}},
		{HostileSilent, func(t *testing.T, got [][]byte) {
			if len(got) != 0 {
				t.Errorf("%d answers", len(got))
			}
		}},
		{HostileSlow, func(t *testing.T, got [][]byte) {
			if len(got) != 0 {
				t.Errorf("answered within the wait: %d", len(got))
			}
		}},
		{HostileFlood, func(t *testing.T, got [][]byte) {
			if len(got) < FloodCopies*9/10 || len(got) > FloodCopies {
				t.Errorf("%d answers, want %d", len(got), FloodCopies)
			}
			if m, err := sip.Parse(got[0]); err != nil || m.StatusCode != 200 || m.CallID() == "probe" {
				t.Errorf("flood answer %q: %v", got[0], err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			CheckGoroutines(t)
			addr := HostileServer(t, tc.mode)
			tg, err := target.Parse(addr)
			if err != nil || !strings.HasPrefix(addr, "udp://127.0.0.1:") {
				t.Fatalf("HostileServer returned %q (%v)", addr, err)
			}
			c, err := transport.Dial(t.Context(), tg, transport.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := sip.NewRequest("OPTIONS", "sip:"+tg.HostPort())
			req.Add("Via", "SIP/2.0/UDP "+c.LocalAddr()+";branch="+sip.NewBranch(nil))
			req.Add("From", "<sip:t@127.0.0.1>;tag=1")
			req.Add("To", "<sip:"+tg.HostPort()+">")
			req.Add("Call-ID", "probe")
			req.Add("CSeq", "1 OPTIONS")
			if err := c.Send(t.Context(), req.Bytes()); err != nil {
				t.Fatal(err)
			}
			var got [][]byte
			ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
			defer cancel()
			for {
				p, err := c.Recv(ctx)
				if err != nil {
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Logf("recv: %v", err)
					}
					break
				}
				got = append(got, p.Data)
			}
			tc.check(t, got)
		})
	}
}
