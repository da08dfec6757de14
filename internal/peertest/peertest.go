// Package peertest starts the real peers of SPEC §9 (kamailio, …) on
// loopback for integration tests, with configurations kept in testdata/.
// Only _test.go files import it. A peer that is not installed fails the test
// when the CI environment variable is set, and skips it otherwise.
package peertest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// Need returns the path of program, failing the test in CI and skipping it
// elsewhere when the program is not installed.
func Need(t testing.TB, program string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
		if _, err := os.Stat(filepath.Join(dir, program)); err == nil {
			return filepath.Join(dir, program)
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("peer %s is not installed (CI must install it: see .ci/run)", program)
	}
	t.Skipf("peer %s is not installed; install it to run this test (CI does)", program)
	return ""
}

// FreePort returns a port that was free on 127.0.0.1 for both UDP and TCP
// when it was picked.
func FreePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("pick a port: %v", err)
		}
		port := l.LocalAddr().(*net.UDPAddr).Port
		l.Close()
		tl, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		tl.Close()
		return port
	}
	t.Fatal("no free port found")
	return 0
}

// testdata returns the absolute path of a file in this package's testdata.
func testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", name)
}

// KamailioUser is an account of the authenticated kamailio variants.
type KamailioUser struct{ Name, Password string }

// KamailioUsers returns the accounts provisioned in the PERMISSIVE and
// STRICT variants (domain 127.0.0.1).
func KamailioUsers() []KamailioUser {
	return []KamailioUser{{"alice", "wonderland"}, {"bob", "builder"}, {"1000", "1234"}}
}

// Kamailio variants (the defines of testdata/kamailio.cfg). No define is
// the open variant: no authentication, default Server banner.
const (
	// KamailioPermissive requires digest authentication for REGISTER and
	// INVITE only, with weak nonce handling, and tells unknown users apart
	// (404 before any challenge).
	KamailioPermissive = "PERMISSIVE"
	// KamailioStrict challenges every method with one-time, bound nonces,
	// answers unknown users like known ones, blocks password guessing and
	// runs pike.
	KamailioStrict = "STRICT"
	// KamailioForceRport adds force_rport() to any variant: replies follow
	// the source port of the request, not its Via.
	KamailioForceRport = "FORCE_RPORT"
	// KamailioAuthInt makes the challenges of an authenticating variant
	// offer qop="auth-int" (the digest then covers the body) instead of
	// qop="auth".
	KamailioAuthInt = "AUTH_INT"
	// KamailioSlow runs one worker that spends 5 ms on every request (a
	// stand-in for a slow database); with KamailioStrict, pike limits each
	// source to 40 requests per 2 s, well below that capacity.
	KamailioSlow = "SLOW"
)

// Kamailio starts kamailio on a free 127.0.0.1 UDP+TCP port with
// testdata/kamailio.cfg and the given defines (KamailioPermissive or
// KamailioStrict; none for the open variant) and returns the port. It waits
// until kamailio answers and stops it on cleanup.
func Kamailio(t testing.TB, defines ...string) int {
	t.Helper()
	dir := t.TempDir()
	var args []string
	for _, d := range defines {
		args = append(args, d)
		if d == KamailioStrict || d == KamailioPermissive {
			db := filepath.Join(dir, "kamailio.db")
			s2SQLite(t, db, KamailioUsers())
			args = append(args, fmt.Sprintf(`DBURL="sqlite:///%s"`, db))
		}
	}
	return runKamailio(t, "kamailio", testdata("kamailio.cfg"), dir, args)
}

// runKamailio starts kamailio with the configuration file cfg and the
// defines (-A) on a free 127.0.0.1 UDP+TCP port, with its pid file and
// working directory in dir, waits until it answers OPTIONS and stops it on
// cleanup. It returns the port.
func runKamailio(t testing.TB, name, cfg, dir string, defines []string) int {
	t.Helper()
	bin := Need(t, "kamailio")
	port := FreePort(t)
	args := []string{"-f", cfg, "-DD", "-E", "-m", "64", "-M", "8",
		"-P", filepath.Join(dir, "kamailio.pid"), "-Y", dir, "-w", dir,
		"-l", fmt.Sprintf("udp:127.0.0.1:%d", port), "-l", fmt.Sprintf("tcp:127.0.0.1:%d", port)}
	for _, d := range defines {
		args = append(args, "-A", d)
	}
	logs, _ := StartProcess(t, name, exec.Command(bin, args...), 6000)
	if err := WaitSIP(context.Background(), port, 10*time.Second); err != nil {
		t.Fatalf("%s did not come up on port %d: %v\n%s", name, port, err, tail(logs.String(), 4000))
	}
	return port
}

// WaitSIP sends OPTIONS to udp 127.0.0.1:port until any SIP response comes
// back or the timeout passes (bounded: one probe each 200 ms).
func WaitSIP(ctx context.Context, port int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer c.Close()
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	local := c.LocalAddr().String()
	buf := make([]byte, 65535)
	for i := 0; ctx.Err() == nil; i++ {
		msg := fmt.Sprintf("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKwait%d;rport\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=w%d\r\nTo: <sip:127.0.0.1:%d>\r\nCall-ID: wait-%d@peertest\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", port, local, i, i, port, i)
		if _, err := c.WriteTo([]byte(msg), dst); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, _, err := c.ReadFrom(buf)
		if err == nil && bytes.HasPrefix(buf[:n], []byte("SIP/2.0 ")) {
			return nil
		}
	}
	return ctx.Err()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
