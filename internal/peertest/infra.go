package peertest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Peers of the infrastructure checks (items 17–20): gdbserver, snmpd,
// tftpd-hpa, nginx, openssl s_server, inetutils telnetd, kamailio with TLS.

// daemon starts bin with args in dir in its own process group, stops it on
// cleanup and returns its output. ready polls until the daemon is usable
// (bounded by 10 s).
func daemon(t testing.TB, name, bin string, args []string, dir string, ready func(logs string) bool) *ProcLogs {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	return daemonCmd(t, name, cmd, ready)
}

// daemonCmd is daemon for a prepared command.
func daemonCmd(t testing.TB, name string, cmd *exec.Cmd, ready func(logs string) bool) *ProcLogs {
	t.Helper()
	logs, exited := StartProcess(t, name, cmd, 3000)
	deadline := time.Now().Add(10 * time.Second)
	for !ready(logs.String()) {
		select {
		case <-exited:
			t.Fatalf("%s exited at start:\n%s", name, tail(logs.String(), 3000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not come up:\n%s", name, tail(logs.String(), 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return logs
}

// tcpReady reports whether 127.0.0.1:port accepts TCP connections.
func tcpReady(port int) func(string) bool {
	return func(string) bool {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
}

// udpBound reports whether something is bound to UDP 127.0.0.1:port
// (binding it ourselves fails).
func udpBound(port int) func(string) bool {
	return func(string) bool {
		pc, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return true
		}
		pc.Close()
		return false
	}
}

// GDBServer starts `gdbserver --multi` on a free loopback port and returns
// the port.
func GDBServer(t testing.TB) int {
	t.Helper()
	bin := Need(t, "gdbserver")
	port := FreePort(t)
	// gdbserver exits when a client resets the connection: wait for its
	// log line instead of probing the port.
	daemon(t, "gdbserver", bin, []string{"--multi", fmt.Sprintf("127.0.0.1:%d", port)}, t.TempDir(), func(logs string) bool {
		return strings.Contains(logs, "Listening on port")
	})
	return port
}

// SNMPD starts snmpd on a free loopback UDP port with a read-only
// community (and a read-write one when rw is not empty) and returns the
// port.
func SNMPD(t testing.TB, community, rw string) int {
	t.Helper()
	bin := Need(t, "snmpd")
	dir := t.TempDir()
	port := FreePort(t)
	// sysLocation stays unset in the file: a value set there is read-only.
	conf := fmt.Sprintf("rocommunity %s 127.0.0.1\nsysContact nobody@example.invalid\nsysDescr sipvet-test-agent (net-snmp)\n", community)
	if rw != "" {
		conf += fmt.Sprintf("rwcommunity %s 127.0.0.1\n", rw)
	}
	cfg := filepath.Join(dir, "snmpd.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-f", "-LO6", "-C", "-c", cfg, "-p", filepath.Join(dir, "snmpd.pid"),
		"-M", "/nonexistent", "-I", "-smux,mteTrigger,mteTriggerConf", fmt.Sprintf("udp:127.0.0.1:%d", port)}
	env := []string{"MIBS=", "SNMPCONFPATH=" + dir, "SNMP_PERSISTENT_DIR=" + dir}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	// Ready when the log says so (an SNMP probe would need a community).
	daemonCmd(t, "snmpd", cmd, func(logs string) bool {
		return strings.Contains(logs, "NET-SNMP version")
	})
	return port
}

// TFTPD starts tftpd-hpa on a free loopback UDP port serving files (name →
// content, world-readable) and returns the port.
func TFTPD(t testing.TB, files map[string]string) int {
	t.Helper()
	bin := Need(t, "in.tftpd")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := FreePort(t)
	daemon(t, "in.tftpd", bin, []string{"-L", "-v", "-s", root, "-a", fmt.Sprintf("127.0.0.1:%d", port)}, dir, udpBound(port))
	return port
}

// NginxOptions configures the nginx peer.
type NginxOptions struct {
	// User and Password enable auth_basic with that account ("" = no auth).
	User, Password string
	// TLS serves HTTPS with a generated certificate.
	TLS bool
}

// Nginx starts nginx on a free loopback port with its own configuration,
// pid file and temp paths and returns the port.
func Nginx(t testing.TB, o NginxOptions) int {
	t.Helper()
	bin := Need(t, "nginx")
	dir := t.TempDir()
	port := FreePort(t)
	var auth, listen string
	if o.User != "" {
		if err := os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(o.User+":{PLAIN}"+o.Password+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth_basic \"VoIP phone admin\";\n      auth_basic_user_file %s/htpasswd;", dir)
	}
	listen = fmt.Sprintf("listen 127.0.0.1:%d;", port)
	if o.TLS {
		cert, key := WriteCert(t, dir, CertOptions{})
		listen = fmt.Sprintf("listen 127.0.0.1:%d ssl;\n    ssl_certificate %s;\n    ssl_certificate_key %s;", port, cert, key)
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    %[2]s
    root %[1]s/www;
    location / {
      %[3]s
      index index.html;
    }
  }
}
`, dir, listen, auth)
	if err := os.Mkdir(filepath.Join(dir, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("<html><title>Phone admin</title><body>SIP account settings</body></html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	cfg := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	daemon(t, "nginx", bin, []string{"-c", cfg, "-p", dir, "-e", filepath.Join(dir, "error.log")}, dir, tcpReady(port))
	return port
}

// CertOptions describes a generated test certificate.
type CertOptions struct {
	// Bits is the RSA key size (default 2048).
	Bits int
	// NotBefore and NotAfter default to now−1h and now+24h.
	NotBefore, NotAfter time.Time
	// IPs and DNSNames are the subject alternative names (default 127.0.0.1).
	IPs      []net.IP
	DNSNames []string
	// CA signs the certificate (nil: self-signed).
	CA *CA
	// SHA1 signs with SHA-1 instead of SHA-256.
	SHA1 bool
}

// CA is a test certificate authority.
type CA struct {
	Cert    *x509.Certificate
	Key     *rsa.PrivateKey
	CertPEM []byte
}

// NewCA generates a test CA.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sipvet test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &CA{Cert: c, Key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// WriteCert generates a key and certificate per o and writes them as PEM
// files into dir; it returns their paths.
func WriteCert(t testing.TB, dir string, o CertOptions) (certFile, keyFile string) {
	t.Helper()
	bits := o.Bits
	if bits == 0 {
		bits = 2048
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatalf("generate %d-bit key: %v", bits, err)
	}
	nb, na := o.NotBefore, o.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = time.Now().Add(24 * time.Hour)
	}
	ips := o.IPs
	if ips == nil && o.DNSNames == nil {
		ips = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "sipvet test server"},
		NotBefore: nb, NotAfter: na, IPAddresses: ips, DNSNames: o.DNSNames,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if o.SHA1 {
		tmpl.SignatureAlgorithm = x509.SHA1WithRSA
	}
	parent, signer := tmpl, key
	if o.CA != nil {
		parent, signer = o.CA.Cert, o.CA.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	certFile = filepath.Join(dir, fmt.Sprintf("cert-%d.pem", tmpl.SerialNumber))
	keyFile = filepath.Join(dir, fmt.Sprintf("key-%d.pem", tmpl.SerialNumber))
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	kb := x509.MarshalPKCS1PrivateKey(key)
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// OpenSSLServer starts `openssl s_server` on a free loopback port with the
// certificate and extra arguments (e.g. "-tls1", "-cipher",
// "DES-CBC3-SHA:@SECLEVEL=0") and returns the port.
func OpenSSLServer(t testing.TB, certFile, keyFile string, extra ...string) int {
	t.Helper()
	bin := Need(t, "openssl")
	port := FreePort(t)
	args := append([]string{"s_server", "-accept", fmt.Sprintf("127.0.0.1:%d", port), "-cert", certFile, "-key", keyFile, "-quiet", "-naccept", "1000"}, extra...)
	daemon(t, "openssl s_server", bin, args, t.TempDir(), tcpReady(port))
	return port
}

// Telnetd serves inetutils telnetd on a free loopback port: a small
// listener in the test (standing in for inetd) hands each accepted
// connection to a new `telnetd` process as its standard input and output.
// The login program is /bin/false, so nobody can log in.
func Telnetd(t testing.TB) int {
	t.Helper()
	bin := Need(t, "telnetd")
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var procs []*exec.Cmd
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f, err := c.(*net.TCPConn).File()
			c.Close()
			if err != nil {
				continue
			}
			cmd := exec.Command(bin, "-E", "/bin/false", "-h")
			cmd.Stdin, cmd.Stdout = f, f
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				f.Close()
				continue
			}
			f.Close()
			mu.Lock()
			procs = append(procs, cmd)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); _ = cmd.Wait() }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, p := range procs {
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().(*net.TCPAddr).Port
}

// TCPService starts a loopback TCP service that writes banner to every
// client and closes; it returns the port (a "wrong service" for checks).
func TCPService(t testing.TB, banner string) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Write([]byte(banner))
			buf := make([]byte, 1024)
			_, _ = c.Read(buf)
			c.Close()
		}
	}()
	t.Cleanup(func() { cancel(); l.Close(); <-done })
	return l.Addr().(*net.TCPAddr).Port
}
