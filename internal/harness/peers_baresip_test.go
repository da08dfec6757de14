package harness

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/peertest"
)

// runWithPeer starts the harness, then the peer (start), and returns the
// report. start runs once the harness listens.
func runWithPeer(t *testing.T, cfg Config, start func()) Report {
	t.Helper()
	ready := make(chan struct{})
	cfg.Ready = func() { close(ready) }
	type out struct {
		rep Report
		err error
	}
	done := make(chan out, 1)
	go func() {
		rep, err := Run(context.Background(), cfg)
		done <- out{rep, err}
	}()
	select {
	case <-ready:
		start()
	case o := <-done:
		t.Fatalf("harness ended before listening: %v", o.err)
	}
	o := <-done
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.rep
}

func assertVerdicts(t *testing.T, rep Report, want map[string]finding.Verdict) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if w, ok := want[r.Check]; ok {
			seen[r.Check] = true
			if r.Verdict != w {
				t.Errorf("%s: got %s (%s), want %s", r.Check, r.Verdict, r.Summary, w)
			}
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("%s: no result", id)
		}
	}
}

// TestBaresipDUT runs every harness check against Debian's baresip 1.0.0
// registered to the harness and driven over ctrl_tcp.
//
// What baresip shows: it ACKs a 200 OK from a foreign source (vulnerable),
// ignores a 200 with a wrong branch (not vulnerable), follows a 302 without
// asking (vulnerable), does not fall back to UDP after a TLS reset (not
// vulnerable), generates random identifiers (not vulnerable), rings for an
// INVITE from any source (vulnerable; 1.0.0 has no setting to restrict
// it), and accepts every invalid TLS certificate, with or without
// sip_cafile: libre 1.1.0 never verifies SIP/TLS server certificates
// (verification came with libre 2.0 / baresip's sip_verify_server). The
// opposite verdicts come from sipp and openssl s_client below and from
// the fake DUT in TestFakeDUT.
func TestBaresipDUT(t *testing.T) {
	peertest.Need(t, "baresip")
	for _, tc := range []struct {
		name   string
		cafile bool
	}{{"no-cafile", false}, {"with-cafile", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, udp := testConfig(t)
			cfg.StepTimeout = 15 * time.Second
			cfg.Window = 2 * time.Second
			cfg.Timers.Timeout = 4 * time.Second
			if tc.cafile {
				// Only ipa20 depends on sip_cafile; the rest runs once.
				cfg.Checks = []string{IDClientAcceptsBadCert}
			}
			opts := peertest.DUTBaresipOptions{Registrar: udp, Lifetime: 100 * time.Second}
			if tc.cafile {
				ca := filepath.Join(t.TempDir(), "ca.pem")
				if err := os.WriteFile(ca, cfg.CA.CertPEM(), 0o644); err != nil {
					t.Fatal(err)
				}
				opts.CAFile = ca
			}
			var dut *peertest.DUTBaresip
			drv := &lateDriver{ch: make(chan Driver, 1)}
			cfg.Driver = drv
			rep := runWithPeer(t, cfg, func() {
				dut = peertest.StartDUTBaresip(t, opts)
				drv.set(&BaresipCtrl{Addr: strings.TrimPrefix(dut.Control(), "baresip-ctrl://")})
			})
			want := map[string]finding.Verdict{IDClientAcceptsBadCert: finding.Vulnerable}
			if !tc.cafile {
				want[IDResponseForeignSource] = finding.Vulnerable
				want[IDResponseWrongBranch] = finding.NotVulnerable
				want[IDRedirectFollowed] = finding.Vulnerable
				want[IDTLSDowngrade] = finding.NotVulnerable
				want[IDClientIdentifiers] = finding.NotVulnerable
				want[IDForeignSourceInvite] = finding.Vulnerable
			}
			assertVerdicts(t, rep, want)
			if t.Failed() {
				t.Logf("prompts:\n%s", cfg.Prompts.(*syncBuffer).String())
			}
		})
	}
}

// lateDriver forwards to a driver set once the peer has started.
type lateDriver struct {
	ch chan Driver
	d  Driver
}

func (l *lateDriver) set(d Driver) { l.ch <- d }

func (l *lateDriver) get(ctx context.Context) Driver {
	if l.d != nil {
		return l.d
	}
	select {
	case l.d = <-l.ch:
	case <-ctx.Done():
		return Manual{}
	}
	return l.d
}

func (l *lateDriver) Name() string    { return "automated peer" }
func (l *lateDriver) Automated() bool { return true }
func (l *lateDriver) Do(ctx context.Context, a Action) error {
	return l.get(ctx).Do(ctx, a)
}

// opensslDUT is a TLS client that verifies like a careful device: openssl
// s_client with the harness CA and -verify_return_error sends one INVITE
// per dial; without -verify_return_error it continues on any certificate.
type opensslDUT struct {
	bin, caFile string
	verify      bool
}

func (o *opensslDUT) Name() string    { return "openssl s_client" }
func (o *opensslDUT) Automated() bool { return true }
func (o *opensslDUT) Do(ctx context.Context, a Action) error {
	if a.Kind != ActDial {
		return nil
	}
	hostport := strings.TrimSuffix(strings.SplitN(a.URI, "@", 2)[1], ";transport=tls")
	args := []string{"s_client", "-connect", hostport, "-CAfile", o.caFile, "-verify_ip", "127.0.0.1", "-quiet", "-no_ign_eof"}
	if o.verify {
		args = append(args, "-verify_return_error")
	}
	inv := "INVITE " + a.URI + " SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKossl" + a.Number + "\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:openssl@127.0.0.1>;tag=o" + a.Number + "\r\nTo: <" + a.URI + ">\r\n" +
		"Call-ID: openssl-" + a.Number + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cmd := exec.CommandContext(cctx, o.bin, args...)
		cmd.Stdin = strings.NewReader(inv)
		_ = cmd.Run()
	}()
	return nil
}

// TestOpenSSLClientCerts shows ipa20 both ways with a real TLS stack:
// OpenSSL verifying (not vulnerable) and not verifying (vulnerable).
// baresip 1.0.0 cannot show the secure side (see TestBaresipDUT).
func TestOpenSSLClientCerts(t *testing.T) {
	bin := peertest.Need(t, "openssl")
	for _, tc := range []struct {
		verify bool
		want   finding.Verdict
	}{{true, finding.NotVulnerable}, {false, finding.Vulnerable}} {
		t.Run(map[bool]string{true: "verify", false: "no-verify"}[tc.verify], func(t *testing.T) {
			cfg, _ := testConfig(t)
			cfg.Checks = []string{IDClientAcceptsBadCert}
			ca := filepath.Join(t.TempDir(), "ca.pem")
			if err := os.WriteFile(ca, cfg.CA.CertPEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg.Driver = &opensslDUT{bin: bin, caFile: ca, verify: tc.verify}
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			assertVerdicts(t, rep, map[string]finding.Verdict{IDClientAcceptsBadCert: tc.want})
			if tc.verify {
				if got := rep.Results[0].Data["certificates"].(map[string]any)["valid"]; got != "accepted" {
					t.Errorf("valid control certificate: %v, want accepted", got)
				}
			}
		})
	}
}

// TestBaresipCons drives baresip through its cons module (UDP text
// commands) instead of ctrl_tcp.
func TestBaresipCons(t *testing.T) {
	peertest.Need(t, "baresip")
	cfg, udp := testConfig(t)
	cfg.StepTimeout = 15 * time.Second
	cfg.Window = 2 * time.Second
	cfg.Checks = []string{IDRedirectFollowed}
	drv := &lateDriver{ch: make(chan Driver, 1)}
	cfg.Driver = drv
	rep := runWithPeer(t, cfg, func() {
		dut := peertest.StartDUTBaresip(t, peertest.DUTBaresipOptions{Registrar: udp, Lifetime: 60 * time.Second})
		d, err := ParseDriver(dut.ConsControl())
		if err != nil {
			t.Error(err)
		}
		drv.set(d)
	})
	assertVerdicts(t, rep, map[string]finding.Verdict{IDRedirectFollowed: finding.Vulnerable})
}
