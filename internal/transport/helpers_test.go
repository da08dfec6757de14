package transport

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/target"
)

// testTLSConfig returns a server config with an in-process self-signed
// certificate for 127.0.0.1, ::1 and localhost.
func testTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sipvet test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// testCtx returns a context bounded well below the test timeout.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// listenT starts a listener closed at cleanup.
func listenT(t *testing.T, transport, addr string, opts Options) Listener {
	t.Helper()
	l, err := Listen(t.Context(), transport, addr, opts)
	if err != nil {
		t.Fatalf("Listen(%s, %s): %v", transport, addr, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// targetOf returns a Target for a listener address.
func targetOf(t *testing.T, transport, addr string) target.Target {
	t.Helper()
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return target.Target{Transport: transport, Host: ap.Addr().String(), Port: int(ap.Port()), Path: "/"}
}

// dialT dials a Conn closed at cleanup.
func dialT(t *testing.T, tg target.Target, opts Options) Conn {
	t.Helper()
	c, err := Dial(testCtx(t, 5*time.Second), tg, opts)
	if err != nil {
		t.Fatalf("Dial(%s): %v", tg, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// request renders a small SIP request.
func request(method, branch string, cseq int) string {
	return fmt.Sprintf("%s sip:bob@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=%s\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:alice@127.0.0.1>;tag=a1\r\n"+
		"To: <sip:bob@127.0.0.1>\r\n"+
		"Call-ID: %s@test\r\n"+
		"CSeq: %d %s\r\n"+
		"Content-Length: 0\r\n\r\n", method, branch, branch, cseq, method)
}

// response renders a response to a request made by request().
func response(code int, reason, method, branch string, cseq int) string {
	return fmt.Sprintf("SIP/2.0 %d %s\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=%s\r\n"+
		"From: <sip:alice@127.0.0.1>;tag=a1\r\n"+
		"To: <sip:bob@127.0.0.1>;tag=b2\r\n"+
		"Call-ID: %s@test\r\n"+
		"CSeq: %d %s\r\n"+
		"Content-Length: 0\r\n\r\n", code, reason, branch, branch, cseq, method)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\r\n")
	return s
}

// ipv6Loopback reports whether ::1 can be bound.
func ipv6Loopback(t *testing.T) bool {
	t.Helper()
	pc, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		return false
	}
	_ = pc.Close()
	return true
}
