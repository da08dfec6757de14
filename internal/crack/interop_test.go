package crack

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
)

// needTool finds an external program: in CI its absence is a failure,
// elsewhere the test is skipped.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (Debian package sipcrack): %v", name, err)
		}
		t.Skipf("%s not installed (Debian package sipcrack)", name)
	}
	return p
}

// udpPcap returns a classic pcap file holding one Ethernet/IPv4/UDP packet
// per payload, from src to dst.
func udpPcap(src, dst [4]byte, sport, dport uint16, payloads ...[]byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 1) // Ethernet
	b.Write(hdr)
	for i, p := range payloads {
		pkt := make([]byte, 14+20+8+len(p))
		copy(pkt[0:6], []byte{2, 0, 0, 0, 0, 2})
		copy(pkt[6:12], []byte{2, 0, 0, 0, 0, 1})
		binary.BigEndian.PutUint16(pkt[12:], 0x0800)
		ip := pkt[14:34]
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(p)))
		ip[8] = 64
		ip[9] = 17
		copy(ip[12:16], src[:])
		copy(ip[16:20], dst[:])
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[j:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		udp := pkt[34:42]
		binary.BigEndian.PutUint16(udp[0:], sport)
		binary.BigEndian.PutUint16(udp[2:], dport)
		binary.BigEndian.PutUint16(udp[4:], uint16(8+len(p)))
		copy(pkt[42:], p)
		ph := make([]byte, 16)
		le.PutUint32(ph[0:], uint32(1700000000+i))
		le.PutUint32(ph[8:], uint32(len(pkt)))
		le.PutUint32(ph[12:], uint32(len(pkt)))
		b.Write(ph)
		b.Write(pkt)
	}
	return b.Bytes()
}

// register returns a REGISTER carrying cred.
func register(cred *digest.Credentials) []byte {
	return []byte("REGISTER sip:127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bK776asdhds\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:1001@127.0.0.1>;tag=1928301774\r\n" +
		"To: <sip:1001@127.0.0.1>\r\n" +
		"Call-ID: a84b4c76e66710@127.0.0.2\r\n" +
		"CSeq: 2 REGISTER\r\n" +
		"Contact: <sip:1001@127.0.0.2:5062>\r\n" +
		"Authorization: " + cred.String() + "\r\n" +
		"Content-Length: 0\r\n\r\n")
}

// TestSipdumpInterop captures two REGISTERs (qop auth and none) in a pcap,
// has the real sipdump extract them, checks that our parser reads its dump,
// that FormatSipdump writes the same lines, that we crack them, and that
// sipcrack cracks what we write.
func TestSipdumpInterop(t *testing.T) {
	sipdump := needTool(t, "sipdump")
	sipcrack := needTool(t, "sipcrack")
	dir := t.TempDir()
	req := digest.Request{Method: "REGISTER", URI: "sip:127.0.0.1"}
	var creds []*digest.Credentials
	for _, qop := range [][]string{{"auth"}, nil} {
		ch := &digest.Challenge{Scheme: "Digest", Realm: "sipvet.test", Nonce: "6d7e2b1f0c9a4e58", QOP: qop, Algorithm: "MD5"}
		c, err := digest.Answer(ch, "1001", "letmein7", req, "5fe1a2b3", 1)
		if err != nil {
			t.Fatal(err)
		}
		creds = append(creds, c)
	}
	pcap := udpPcap([4]byte{127, 0, 0, 2}, [4]byte{127, 0, 0, 1}, 5062, 5060, register(creds[0]), register(creds[1]))
	pcapPath := filepath.Join(dir, "register.pcap")
	if err := os.WriteFile(pcapPath, pcap, 0o644); err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(dir, "out.dump")
	if out, err := exec.CommandContext(t.Context(), sipdump, "-p", pcapPath, dump).CombinedOutput(); err != nil {
		t.Fatalf("sipdump: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("sipdump wrote %d lines:\n%s", len(lines), raw)
	}
	var entries []*digest.HashEntry
	for i, l := range lines {
		e, err := digest.ParseSipdump(l)
		if err != nil {
			t.Fatalf("parse sipdump line %q: %v", l, err)
		}
		ours, err := digest.FormatSipdump(e.Server, e.Client, creds[i], req)
		if err != nil {
			t.Fatal(err)
		}
		if ours != l {
			t.Errorf("line %d:\nsipdump: %s\nsipvet:  %s", i, l, ours)
		}
		entries = append(entries, e)
	}
	res, err := Run(t.Context(), entries, Wordlist(strings.NewReader("a\nb\nletmein7\n"), 0, "w"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !r.Found || r.Password != "letmein7" {
			t.Errorf("entry %d not cracked: %+v", i, r)
		}
	}
	// sipcrack reads what FormatSipdump writes (on a copy: it rewrites it).
	words := filepath.Join(dir, "words.txt")
	os.WriteFile(words, []byte("x\nletmein7\n"), 0o644)
	ours, _ := digest.FormatSipdump("127.0.0.2", "127.0.0.1", creds[0], req)
	mine := filepath.Join(dir, "ours.dump")
	os.WriteFile(mine, []byte(ours+"\n"), 0o644)
	cmd := exec.CommandContext(t.Context(), sipcrack, "-w", words, mine)
	cmd.Stdin = strings.NewReader("1\n")
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "letmein7") {
		t.Fatalf("sipcrack on our dump: %v\n%s", err, out)
	}
	if *update {
		if err := os.WriteFile(filepath.Join("..", "digest", "testdata", "sipdump", "register.dump"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "register.pcap"), pcap, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
