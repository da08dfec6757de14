package harness

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// freePort returns a port free on 127.0.0.1 for UDP and TCP when picked.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free port")
	return 0
}

// syncBuffer is a goroutine-safe prompt sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig is a fast harness configuration on free loopback ports.
func testConfig(t *testing.T) (Config, string) {
	t.Helper()
	udp, tlsPort := freePort(t), freePort(t)
	ca, err := NewCA(nil, time.Now(), "test CA")
	if err != nil {
		t.Fatal(err)
	}
	tm := transport.DefaultTimers()
	tm.T1 = 50 * time.Millisecond
	tm.Timeout = 2 * time.Second
	cfg := Config{
		Listen: []target.Target{
			{Transport: "udp", Host: "127.0.0.1", Port: udp},
			{Transport: "tls", Host: "127.0.0.1", Port: tlsPort},
		},
		Timeout: 90 * time.Second, StepTimeout: 3 * time.Second, Window: 600 * time.Millisecond,
		Timers: tm, CA: ca, Prompts: &syncBuffer{},
	}
	return cfg, fmt.Sprintf("127.0.0.1:%d", udp)
}

func verdicts(rep Report) map[string]finding.Verdict {
	out := map[string]finding.Verdict{}
	for _, r := range rep.Results {
		out[r.Check] = r.Verdict
	}
	return out
}

// TestFakeDUT runs every harness check against a pure-Go DUT with all
// flaws on, then with all flaws off: each verdict must flip.
func TestFakeDUT(t *testing.T) {
	siptest.CheckGoroutines(t)
	all := dutFlaws{true, true, true, true, true, true, true}
	none := dutFlaws{}
	for _, tc := range []struct {
		name  string
		flaws dutFlaws
		want  finding.Verdict
	}{
		{"flawed", all, finding.Vulnerable},
		{"secure", none, finding.NotVulnerable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, udp := testConfig(t)
			dut := newFakeDUT(t, tc.flaws, udp, cfg.CA)
			cfg.Driver = dut
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := verdicts(rep)
			for _, ci := range Checks() {
				if got[ci.ID] != tc.want {
					for _, r := range rep.Results {
						if r.Check == ci.ID {
							t.Errorf("%s: got %s (%s), want %s", ci.ID, r.Verdict, r.Summary, tc.want)
						}
					}
				}
			}
			if rep.DUT != "udp://"+dut.local() {
				t.Errorf("DUT = %q, want udp://%s", rep.DUT, dut.local())
			}
			if t.Failed() {
				t.Logf("prompts:\n%s", cfg.Prompts.(*syncBuffer).String())
			}
		})
	}
}

// TestNoDUT: nothing registers; the run ends within its step timeouts with
// inconclusive results, and manual prompts tell the user what to do.
func TestNoDUT(t *testing.T) {
	cfg, _ := testConfig(t)
	cfg.StepTimeout = 300 * time.Millisecond
	cfg.Checks = []string{IDForeignSourceInvite, IDClientAcceptsBadCert}
	start := time.Now()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("run took %s", d)
	}
	for _, r := range rep.Results {
		if r.Verdict != finding.Inconclusive {
			t.Errorf("%s: %s, want inconclusive", r.Check, r.Verdict)
		}
	}
	out := cfg.Prompts.(*syncBuffer).String()
	for _, want := range []string{"ON THE DEVICE: configure the device", "did not register", "ON THE DEVICE: make the device connect over TLS"} {
		if !bytes.Contains([]byte(out), []byte(want)) {
			t.Errorf("prompts lack %q:\n%s", want, out)
		}
	}
	if rep.DUT != "dut:unregistered" {
		t.Errorf("DUT = %q", rep.DUT)
	}
}

// TestTimeoutEndsRun: the overall timeout ends a run whose DUT never acts.
func TestTimeoutEndsRun(t *testing.T) {
	siptest.CheckGoroutines(t)
	cfg, _ := testConfig(t)
	cfg.Timeout = 500 * time.Millisecond
	cfg.StepTimeout = 10 * time.Second
	start := time.Now()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %s despite a 500ms timeout", d)
	}
	if len(rep.Results) != len(Checks()) {
		t.Errorf("%d results, want %d", len(rep.Results), len(Checks()))
	}
}
