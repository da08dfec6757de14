package peertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// KamailioTLSOptions configures the kamailio TLS peer.
type KamailioTLSOptions struct {
	// CertFile and KeyFile are the server certificate and key (PEM).
	CertFile, KeyFile string
	// Method is the tls module's method ("TLSv1", "TLSv1.2+", …).
	Method string
	// Ciphers is the OpenSSL cipher list ("" = the module default).
	Ciphers string
	// CAFile, when set, makes kamailio request (and require) a client
	// certificate signed by it.
	CAFile string
}

// KamailioTLS starts kamailio with testdata/kamailio-tls.cfg serving SIP over
// UDP and TLS on one free loopback port and returns the port.
func KamailioTLS(t testing.TB, o KamailioTLSOptions) int {
	t.Helper()
	bin := Need(t, "kamailio")
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("kamailio tls module missing (install kamailio-tls-modules): %v", err)
		}
		t.Skipf("kamailio tls module missing (install kamailio-tls-modules): %v", err)
	}
	dir := t.TempDir()
	port := FreePort(t)
	cfg := fmt.Sprintf("[server:default]\nmethod = %s\nverify_certificate = %s\nrequire_certificate = %s\nprivate_key = %s\ncertificate = %s\n",
		o.Method, yesNo(o.CAFile != ""), yesNo(o.CAFile != ""), o.KeyFile, o.CertFile)
	if o.Ciphers != "" {
		cfg += "cipher_list = " + o.Ciphers + "\n"
	}
	if o.CAFile != "" {
		cfg += "ca_list = " + o.CAFile + "\n"
	}
	cfg += "\n[client:default]\nverify_certificate = no\nrequire_certificate = no\n"
	tlsCfg := filepath.Join(dir, "tls.cfg")
	if err := os.WriteFile(tlsCfg, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-f", testdata("kamailio-tls.cfg"), "-DD", "-E", "-m", "64", "-M", "8",
		"-P", filepath.Join(dir, "kamailio.pid"), "-Y", dir, "-w", dir,
		"-A", fmt.Sprintf(`TLSCFG="%s"`, tlsCfg),
		"-l", fmt.Sprintf("udp:127.0.0.1:%d", port), "-l", fmt.Sprintf("tls:127.0.0.1:%d", port)}
	logs := daemon(t, "kamailio (tls)", bin, args, dir, func(string) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		return WaitSIP(ctx, port, 300*time.Millisecond) == nil
	})
	_ = logs
	return port
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
