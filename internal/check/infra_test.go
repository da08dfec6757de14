package check

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

func TestParseGDBReply(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"qSupported", "+$PacketSize=47ff;QStartNoAckMode+#" + sum("PacketSize=47ff;QStartNoAckMode+"), "PacketSize=47ff;QStartNoAckMode+", true},
		{"empty packet", "+$#00", "", true},
		{"bad checksum", "+$OK#00", "", false},
		{"http", "HTTP/1.1 400 Bad Request\r\n\r\n", "", false},
		{"ssh banner", "SSH-2.0-OpenSSH_9.2\r\n", "", false},
		{"truncated", "+$OK#9", "", false},
		{"nothing", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseGDBReply([]byte(c.in))
			if ok != c.ok || got != c.want {
				t.Errorf("parseGDBReply(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
	if q := string(gdbQuery()); q != "+$qSupported#37" {
		t.Errorf("gdbQuery = %q", q)
	}
}

func sum(s string) string {
	p := gdbPacket(s)
	return p[len(p)-2:]
}

func TestWDB(t *testing.T) {
	req := wdbRequest(0x1234, wdbProcConnect, 7)
	if len(req) != 52 || binary.BigEndian.Uint32(req[12:]) != wdbProg || binary.BigEndian.Uint32(req[20:]) != wdbProcConnect {
		t.Fatalf("request % x", req)
	}
	// The checksum covers the message with the checksum field zeroed.
	c := bytes.Clone(req)
	binary.BigEndian.PutUint32(c[40:], 0)
	if got := uint16(binary.BigEndian.Uint32(req[40:])); got != wdbChecksum(c) || req[40] != 0xff {
		t.Errorf("checksum word % x", req[40:44])
	}
	reply := func(acceptStat uint32, xid uint32, body []byte) []byte {
		b := []byte{}
		for _, v := range []uint32{xid, 1, 0, 0, 0, acceptStat, 0xffff0000, 0, 0} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return append(b, body...)
	}
	str := func(b []byte, s string) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	info := str(nil, "2.0")
	info = binary.BigEndian.AppendUint32(info, 1500)
	info = binary.BigEndian.AppendUint32(info, 1)
	info = binary.BigEndian.AppendUint32(info, 1)
	info = str(info, "VxWorks5.4.2")
	for range 5 {
		info = binary.BigEndian.AppendUint32(info, 0)
	}
	info = str(info, "Telogy Networks GG30E Reference Board")
	info = str(info, "host:file")
	cases := []struct {
		name string
		in   []byte
		xid  uint32
		err  bool
		bsp  string
	}{
		{"connect reply", reply(0, 9, info), 9, false, "Telogy Networks GG30E Reference Board"},
		{"wrong xid", reply(0, 9, info), 10, true, ""},
		{"prog unavailable", reply(1, 9, nil), 9, true, ""},
		{"short", []byte{0, 0, 0, 9}, 9, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, res, err := parseWDBReply(c.in, c.xid)
			if (err != nil) != c.err {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if !errors.Is(err, errWDB) {
					t.Errorf("error %v does not wrap errWDB", err)
				}
				return
			}
			in, err := parseWDBTargetInfo(res)
			if code != 0 || err != nil || in.BSP != c.bsp || in.RTVersion != "VxWorks5.4.2" || in.MTU != 1500 {
				t.Errorf("info %+v code %d err %v", in, code, err)
			}
		})
	}
}

func TestTFTPAndSecrets(t *testing.T) {
	if got := tftpRequest("a.cfg"); !bytes.Equal(got, []byte("\x00\x01a.cfg\x00octet\x00")) {
		t.Errorf("RRQ % x", got)
	}
	p, err := parseTFTP([]byte("\x00\x03\x00\x01hello"))
	if err != nil || p.Op != tftpDATA || p.Block != 1 || string(p.Data) != "hello" {
		t.Errorf("DATA: %+v %v", p, err)
	}
	p, err = parseTFTP([]byte("\x00\x05\x00\x01File not found\x00"))
	if err != nil || p.Op != tftpERROR || p.Msg != "File not found" {
		t.Errorf("ERROR: %+v %v", p, err)
	}
	if _, err := parseTFTP([]byte("HTTP/1.0 400")); !errors.Is(err, errTFTP) {
		t.Errorf("non-TFTP: %v", err)
	}
	cases := []struct {
		name, file string
		want       []string // key=value found
	}{
		{"yealink", "account.1.user_name = 1001\naccount.1.password = s3cret\naccount.1.auth_name=1001\n", []string{"account.1.password=s3cret"}},
		{"grandstream", "<config><P34>gs-pass</P34><P2>admin99</P2><P35>1001</P35></config>", []string{"P34=gs-pass", "P2=admin99", "P35=1001"}},
		{"cisco xml", "<authName>1001</authName><authPassword>c1sco</authPassword>", []string{"authPassword=c1sco"}},
		{"attribute", `<reg reg.1.auth.password="poly456" reg.1.address="1001"/>`, []string{"reg.1.auth.password=poly456"}},
		{"empty values", "account.1.password =\nadmin_password = \"\"\n", nil},
		{"no secrets", "display_name = Front desk\nserver = pbx.example\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, s := range findSecrets("f.cfg", []byte(c.file)) {
				got = append(got, s.Key+"="+s.Value)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("secrets %v, want %v", got, c.want)
			}
		})
	}
	names := tftpFileNames([]string{"0004f2a1b2c3"})
	for _, want := range []string{"0004f2a1b2c3.cfg", "SEP0004F2A1B2C3.cnf.xml", "cfg0004f2a1b2c3.xml", "y000000000000.cfg"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("file names lack %s", want)
		}
	}
}

func TestSNMPCodec(t *testing.T) {
	b, err := encodeSNMP(gosnmp.Version2c, "public", gosnmp.GetRequest, 42, []gosnmp.SnmpPDU{{Name: oidSysDescr, Type: gosnmp.Null}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := decodeSNMP(b)
	if err != nil || p.Community != "public" || p.RequestID != 42 || p.PDUType != gosnmp.GetRequest || len(p.Variables) != 1 {
		t.Fatalf("round trip: %+v %v", p, err)
	}
	for _, bad := range [][]byte{nil, []byte("GET / HTTP/1.0"), {0x30, 0x82, 0xff}} {
		if _, err := decodeSNMP(bad); err == nil {
			t.Errorf("decodeSNMP(% x) accepted", bad)
		}
	}
}

func TestShellDetection(t *testing.T) {
	if !isTelnet([]byte{0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20}) || !isTelnet([]byte("\r\nDebian GNU/Linux\r\nlogin: ")) {
		t.Error("telnet not recognised")
	}
	if isTelnet([]byte("HTTP/1.0 200 OK\r\n\r\nlogin:")) || isTelnet([]byte("SSH-2.0-x")) {
		t.Error("non-telnet recognised as telnet")
	}
	if got := telnetText([]byte("\xff\xfd\x18\xff\xfa\x18\x01\xff\xf0Welcome\r\nlogin: ")); got != `Welcome\r\nlogin:` {
		t.Errorf("telnetText = %q", got)
	}
	cx := adbConnect()
	if cmd, ok := parseADB(cx); !ok || cmd != "CNXN" {
		t.Errorf("parseADB(adbConnect()) = %q %v", cmd, ok)
	}
	if _, ok := parseADB([]byte("CNXN\x00\x00\x00\x01 and not a real header....")); ok {
		t.Error("bad magic accepted")
	}
}

func TestCredentials(t *testing.T) {
	def := DefaultCredentials()
	if len(def) < 20 || def[0] != (Credential{"admin", "admin"}) {
		t.Errorf("built-in list: %d entries, first %+v", len(def), def)
	}
	got, err := ParseCredentials(strings.NewReader("# c\n\nroot:toor\nadmin:\n"))
	if err != nil || len(got) != 2 || got[1] != (Credential{"admin", ""}) {
		t.Errorf("parse: %+v %v", got, err)
	}
	if _, err := ParseCredentials(strings.NewReader("nocolon\n")); err == nil {
		t.Error("line without colon accepted")
	}
	if !loginForm([]byte(`<form><input name=p TYPE="password"></form>`)) || loginForm([]byte("<input type=text>")) {
		t.Error("loginForm")
	}
}

func TestHelloAndFlight(t *testing.T) {
	hello := buildClientHello(verTLS10, []uint16{0x000a}, "pbx.example.com", make([]byte, 32))
	if hello[0] != 22 || binary.BigEndian.Uint16(hello[1:]) != verTLS10 || hello[5] != 1 || binary.BigEndian.Uint16(hello[9:]) != verTLS10 {
		t.Fatalf("hello header % x", hello[:12])
	}
	if !bytes.Contains(hello, []byte("pbx.example.com")) || bytes.Contains(buildClientHello(verTLS12, strongSuites(), "127.0.0.1", nil), []byte("127.0.0.1")) {
		t.Error("SNI only for names")
	}
	if ssl3 := buildClientHello(verSSL30, []uint16{0x000a}, "x.example", nil); binary.BigEndian.Uint16(ssl3[1:]) != verSSL30 || len(ssl3) != 5+4+2+32+1+2+4+2 {
		t.Errorf("SSLv3 hello has %d bytes", len(ssl3))
	}
	der := selfSigned(t, time.Now().Add(time.Hour), x509.SHA256WithRSA)
	flight := serverFlight(verTLS10, 0x000a, der, true)
	f, complete, err := parseServerFlight(flight)
	if err != nil || !complete || !f.HelloSeen || f.Version != verTLS10 || f.Suite != 0x000a || len(f.Certificates) != 1 || !f.CertRequest || !f.Done {
		t.Fatalf("flight: %+v complete=%v err=%v", f, complete, err)
	}
	// Split across records and cut short: incomplete, no error.
	f, complete, err = parseServerFlight(flight[:len(flight)/2])
	if err != nil || complete {
		t.Errorf("half flight: complete=%v err=%v", complete, err)
	}
	f, complete, err = parseServerFlight([]byte{21, 3, 1, 0, 2, 2, 40})
	if err != nil || !complete || f.Alert != 40 {
		t.Errorf("alert: %+v %v %v", f, complete, err)
	}
	if _, _, err := parseServerFlight([]byte("HTTP/1.1 400 Bad Request\r\n")); !errors.Is(err, errTLSRecord) {
		t.Errorf("HTTP answer: %v", err)
	}
	if g := suiteGroupOf(0xc012); g != "3DES" || suiteName(0x0005) != "TLS_RSA_WITH_RC4_128_SHA" {
		t.Errorf("suite tables: %q %q", g, suiteName(0x0005))
	}
}

// serverFlight builds ServerHello, Certificate, CertificateRequest (when
// req) and ServerHelloDone, split over two records.
func serverFlight(ver, suite uint16, der []byte, req bool) []byte {
	msg := func(typ byte, body []byte) []byte {
		return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	}
	sh := binary.BigEndian.AppendUint16(nil, ver)
	sh = append(sh, make([]byte, 32)...)
	sh = append(sh, 0)
	sh = binary.BigEndian.AppendUint16(sh, suite)
	sh = append(sh, 0)
	cl := []byte{byte(len(der) >> 16), byte(len(der) >> 8), byte(len(der))}
	cl = append(cl, der...)
	cert := append([]byte{byte(len(cl) >> 16), byte(len(cl) >> 8), byte(len(cl))}, cl...)
	hs := append(msg(2, sh), msg(11, cert)...)
	if req {
		hs = append(hs, msg(13, []byte{1, 1, 0, 0})...)
	}
	hs = append(hs, msg(14, nil)...)
	rec := func(b []byte) []byte {
		return append([]byte{22, byte(ver >> 8), byte(ver), byte(len(b) >> 8), byte(len(b))}, b...)
	}
	half := len(hs) / 2
	return append(rec(hs[:half]), rec(hs[half:])...)
}

func selfSigned(t *testing.T, notAfter time.Time, alg x509.SignatureAlgorithm) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "phone"}, NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter,
		DNSNames: []string{"pbx.example.com"}, SignatureAlgorithm: alg}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestJudgeCertificate(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	parse := func(der []byte) *x509.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ss := parse(selfSigned(t, now.Add(-time.Hour), x509.SHA256WithRSA))
	good := parse(selfSigned(t, now.Add(time.Hour), x509.SHA256WithRSA))
	pool := x509.NewCertPool()
	pool.AddCert(good)
	cases := []struct {
		name  string
		c     *x509.Certificate
		host  string
		roots *x509.CertPool
		want  []string
	}{
		{"expired self-signed wrong name", ss, "sip.example.net", x509.NewCertPool(), []string{"expired", "self-signed", "name does not match"}},
		{"trusted and matching", good, "pbx.example.com", pool, nil},
		{"ip target vs dns name", good, "192.0.2.1", pool, []string{"name does not match"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := judgeCertificate([]*x509.Certificate{c.c}, c.host, now, c.roots)
			if len(got) != len(c.want) {
				t.Fatalf("problems %q, want %q", got, c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
				}
			}
		})
	}
	if got := judgeCertificate(nil, "x", now, nil); len(got) != 1 {
		t.Errorf("empty chain: %q", got)
	}
}
