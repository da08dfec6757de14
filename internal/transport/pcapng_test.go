package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "update golden files")

// pcapBlock is one parsed pcapng block.
type pcapBlock struct {
	typ  uint32
	body []byte
}

// readBlocks splits a little-endian pcapng stream into blocks, checking
// the framing rules (lengths multiple of 4, trailer equals header).
func readBlocks(t *testing.T, b []byte) []pcapBlock {
	t.Helper()
	var out []pcapBlock
	for len(b) > 0 {
		if len(b) < 12 {
			t.Fatalf("trailing %d bytes", len(b))
		}
		typ := binary.LittleEndian.Uint32(b)
		n := binary.LittleEndian.Uint32(b[4:])
		if n%4 != 0 || n < 12 || int(n) > len(b) {
			t.Fatalf("block %#x: bad length %d", typ, n)
		}
		if tail := binary.LittleEndian.Uint32(b[n-4:]); tail != n {
			t.Fatalf("block %#x: trailer length %d != %d", typ, tail, n)
		}
		out = append(out, pcapBlock{typ, b[8 : n-4]})
		b = b[n:]
	}
	return out
}

// options parses a pcapng option list.
func options(t *testing.T, b []byte) map[uint16][]byte {
	t.Helper()
	m := map[uint16][]byte{}
	for len(b) >= 4 {
		code := binary.LittleEndian.Uint16(b)
		n := int(binary.LittleEndian.Uint16(b[2:]))
		if code == 0 {
			return m
		}
		padded := (n + 3) &^ 3
		if 4+padded > len(b) {
			t.Fatalf("option %d overruns", code)
		}
		m[code] = b[4 : 4+n]
		b = b[4+padded:]
	}
	return m
}

// sum16 is an independent one's-complement sum for checking checksums.
func sum16(parts ...[]byte) uint16 {
	var all []byte
	for _, p := range parts {
		all = append(all, p...)
	}
	if len(all)%2 == 1 {
		all = append(all, 0)
	}
	var s uint64
	for i := 0; i < len(all); i += 2 {
		s += uint64(all[i])<<8 | uint64(all[i+1])
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// checkIP verifies the IP header, the L4 length and checksum of pkt, and
// returns protocol, source port, destination port and payload.
func checkIP(t *testing.T, pkt []byte) (byte, uint16, uint16, []byte) {
	t.Helper()
	var pseudo, l4 []byte
	var proto byte
	switch pkt[0] >> 4 {
	case 4:
		if sum16(pkt[:20]) != 0xffff {
			t.Error("bad IPv4 header checksum")
		}
		if int(binary.BigEndian.Uint16(pkt[2:])) != len(pkt) {
			t.Error("bad IPv4 total length")
		}
		proto, l4 = pkt[9], pkt[20:]
		pseudo = append(append([]byte{}, pkt[12:20]...), 0, proto, byte(len(l4)>>8), byte(len(l4)))
	case 6:
		if int(binary.BigEndian.Uint16(pkt[4:]))+40 != len(pkt) {
			t.Error("bad IPv6 payload length")
		}
		proto, l4 = pkt[6], pkt[40:]
		pseudo = append(append([]byte{}, pkt[8:40]...), 0, 0, byte(len(l4)>>8), byte(len(l4)), 0, 0, 0, proto)
	default:
		t.Fatalf("IP version %d", pkt[0]>>4)
	}
	if sum16(pseudo, l4) != 0xffff {
		t.Errorf("bad L4 checksum (proto %d)", proto)
	}
	sp, dp := binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	switch proto {
	case 17:
		if int(binary.BigEndian.Uint16(l4[4:])) != len(l4) {
			t.Error("bad UDP length")
		}
		return proto, sp, dp, l4[8:]
	case 6:
		return proto, sp, dp, l4[int(l4[12]>>4)*4:]
	}
	t.Fatalf("protocol %d", proto)
	return 0, 0, 0, nil
}

// evidencePackets is a fixed exchange over udp (IPv4), tcp and tls (IPv6).
func evidencePackets() []struct {
	dir Direction
	p   Packet
} {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	u, s := "127.0.0.1:40000", "127.0.0.1:5060"
	tc, ts := "127.0.0.1:40001", "127.0.0.1:15080"
	lc, ls := "[::1]:40002", "[::1]:5061"
	body := strings.Repeat("v=0\r\n", 3)
	inv := strings.Replace(request("INVITE", "z9hG4bK-t", 1), "Content-Length: 0\r\n\r\n",
		"Content-Type: application/sdp\r\nContent-Length: 15\r\n\r\n"+body, 1)
	return []struct {
		dir Direction
		p   Packet
	}{
		{Sent, Packet{[]byte(request("OPTIONS", "z9hG4bK-u", 1)), u, s, "udp", at(0)}},
		{Recv, Packet{[]byte(response(200, "OK", "OPTIONS", "z9hG4bK-u", 1)), s, u, "udp", at(1)}},
		{Sent, Packet{[]byte(inv), tc, ts, "tcp", at(2)}},
		{Recv, Packet{[]byte(response(100, "Trying", "INVITE", "z9hG4bK-t", 1)), ts, tc, "tcp", at(3)}},
		{Recv, Packet{[]byte(response(486, "Busy Here", "INVITE", "z9hG4bK-t", 1)), ts, tc, "tcp", at(4)}},
		{Sent, Packet{[]byte(strings.Replace(request("ACK", "z9hG4bK-t", 1), "To: <sip:bob@127.0.0.1>", "To: <sip:bob@127.0.0.1>;tag=b2", 1)), tc, ts, "tcp", at(5)}},
		{Sent, Packet{[]byte(request("MESSAGE", "z9hG4bK-l", 1)), lc, ls, "tls", at(6)}},
		{Recv, Packet{[]byte(response(202, "Accepted", "MESSAGE", "z9hG4bK-l", 1)), ls, lc, "tls", at(7)}},
		{Sent, Packet{[]byte(request("REGISTER", "z9hG4bK-w", 1)), "127.0.0.1:40003", "127.0.0.1:8080", "ws", at(8)}},
		{Recv, Packet{[]byte(response(401, "Unauthorized", "REGISTER", "z9hG4bK-w", 1)), "127.0.0.1:8080", "127.0.0.1:40003", "ws", at(9)}},
		{Sent, Packet{append([]byte(request("INFO", "z9hG4bK-s", 1)), 0xff), "127.0.0.1:40004", "127.0.0.1:15443", "wss", at(10)}},
		{Recv, Packet{[]byte(response(200, "OK", "INFO", "z9hG4bK-s", 1)), "127.0.0.1:15443", "127.0.0.1:40004", "wss", at(11)}},
	}
}

func writeEvidence(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewPcapngWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evidencePackets() {
		w.Observe(e.dir, e.p)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPcapngStructure(t *testing.T) {
	out := writeEvidence(t)
	blocks := readBlocks(t, out)
	if blocks[0].typ != blockSHB || binary.LittleEndian.Uint32(blocks[0].body) != byteOrderMagic {
		t.Fatal("first block is not a little-endian SHB")
	}
	if blocks[1].typ != blockIDB || binary.LittleEndian.Uint16(blocks[1].body) != LinkTypeRaw {
		t.Fatal("second block is not an IDB with LINKTYPE_RAW")
	}
	if res := options(t, blocks[1].body[8:])[optIfTSResol]; !bytes.Equal(res, []byte{9}) {
		t.Errorf("if_tsresol = %v, want 9 (ns)", res)
	}
	evs := evidencePackets()
	var payloads [][]byte
	var epbs int
	for _, b := range blocks[2:] {
		if b.typ != blockEPB {
			t.Fatalf("unexpected block %#x", b.typ)
		}
		epbs++
		capLen := binary.LittleEndian.Uint32(b.body[12:])
		if origLen := binary.LittleEndian.Uint32(b.body[16:]); capLen != origLen {
			t.Errorf("caplen %d != origlen %d", capLen, origLen)
		}
		pkt := b.body[20 : 20+capLen]
		_, _, _, payload := checkIP(t, pkt)
		opts := options(t, b.body[20+((capLen+3)&^3):])
		if strings.HasPrefix(string(opts[optComment]), "synthetic") {
			continue
		}
		if len(payload) > 0 {
			payloads = append(payloads, payload)
			ts := uint64(binary.LittleEndian.Uint32(b.body[4:]))<<32 | uint64(binary.LittleEndian.Uint32(b.body[8:]))
			want := evs[len(payloads)-1]
			if ts != uint64(want.p.Time.UnixNano()) {
				t.Errorf("packet %d timestamp %d, want %d", len(payloads), ts, want.p.Time.UnixNano())
			}
			flags := binary.LittleEndian.Uint32(opts[optEPBFlags])
			if wantFlags := map[Direction]uint32{Sent: 2, Recv: 1}[want.dir]; flags&3 != wantFlags {
				t.Errorf("packet %d direction flags %d, want %d", len(payloads), flags&3, wantFlags)
			}
			if _, ok := opts[optComment]; ok != (want.p.Transport != "tcp" && want.p.Transport != "udp") {
				t.Errorf("packet %d (%s): comment present = %v", len(payloads), want.p.Transport, ok)
			}
		}
	}
	if len(payloads) != len(evs) {
		t.Fatalf("%d payload packets, want %d", len(payloads), len(evs))
	}
	for i, e := range evs {
		if e.p.Transport == "ws" || e.p.Transport == "wss" {
			if !bytes.HasSuffix(payloads[i], e.p.Data) || len(payloads[i]) > len(e.p.Data)+14 {
				t.Errorf("payload %d is not a WebSocket frame of the message", i)
			}
			continue
		}
		if !bytes.Equal(payloads[i], e.p.Data) {
			t.Errorf("payload %d differs", i)
		}
	}
	// Four TCP flows, each with a three-packet synthetic handshake, and two
	// WebSocket upgrades.
	if want := len(evs) + 4*3 + 2*2; epbs != want {
		t.Errorf("%d EPBs, want %d", epbs, want)
	}

	golden := filepath.Join("testdata", "evidence.pcapng")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("output differs from %s (run with -update after checking it in Wireshark)", golden)
	}
}

func TestPcapngTCPSequence(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewPcapngWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	a, b := "10.0.0.1:1000", "10.0.0.2:5060"
	big := bytes.Repeat([]byte("x"), maxSegment+100) // split in two segments
	w.Observe(Sent, Packet{[]byte("hello"), a, b, "tcp", time.Unix(1, 0)})
	w.Observe(Recv, Packet{[]byte("world!"), b, a, "tcp", time.Unix(2, 0)})
	w.Observe(Sent, Packet{big, a, b, "tcp", time.Unix(3, 0)})
	w.Observe(Recv, Packet{[]byte("z"), b, a, "tcp", time.Unix(4, 0)})
	next := map[uint16]uint32{} // by source port: expected seq
	for i, blk := range readBlocks(t, buf.Bytes())[2:] {
		capLen := binary.LittleEndian.Uint32(blk.body[12:])
		pkt := blk.body[20 : 20+capLen]
		_, sp, dp, payload := checkIP(t, pkt)
		tcp := pkt[20:]
		seq, ack, flags := binary.BigEndian.Uint32(tcp[4:]), binary.BigEndian.Uint32(tcp[8:]), tcp[13]
		if i < 3 {
			if i < 2 && flags&tcpSYN == 0 {
				t.Fatalf("packet %d: want SYN", i)
			}
			if flags&tcpSYN != 0 {
				next[sp] = seq + 1
			}
			continue
		}
		if seq != next[sp] {
			t.Errorf("packet %d: seq %d, want %d", i, seq, next[sp])
		}
		if ack != next[dp] {
			t.Errorf("packet %d: ack %d, want %d", i, ack, next[dp])
		}
		next[sp] += uint32(len(payload))
	}
	if next[1000]-1001 != uint32(5+len(big)) {
		t.Errorf("client sent %d bytes", next[1000]-1001)
	}
}

func TestPcapngHostileInput(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewPcapngWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cases := []Packet{
		{Data: nil, Src: "", Dst: "", Transport: ""},
		{Data: []byte("x"), Src: "not an address", Dst: "[::1]:1", Transport: "udp"},
		{Data: []byte("y"), Src: "1.2.3.4:5", Dst: "[2001:db8::1]:6", Transport: "wss"},
		{Data: bytes.Repeat([]byte("z"), 70000), Src: "1.2.3.4:5", Dst: "1.2.3.4:6", Transport: "udp"},
	}
	for _, p := range cases {
		w.Observe(Recv, p)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, b := range readBlocks(t, buf.Bytes())[2:] {
		capLen := binary.LittleEndian.Uint32(b.body[12:])
		checkIP(t, b.body[20:20+capLen])
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestPcapngWriteError(t *testing.T) {
	if _, err := NewPcapngWriter(&failWriter{0}); err == nil {
		t.Fatal("NewPcapngWriter ignored a write error")
	}
	w, err := NewPcapngWriter(&failWriter{2})
	if err != nil {
		t.Fatal(err)
	}
	w.Observe(Sent, Packet{Data: []byte("x"), Src: "127.0.0.1:1", Dst: "127.0.0.1:2", Transport: "udp"})
	if err := w.Close(); err == nil {
		t.Fatal("Close did not report the write error")
	}
}

func TestPcapngConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewPcapngWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				tr := []string{"udp", "tcp"}[i%2]
				w.Observe(Sent, Packet{[]byte("OPTIONS sip:x SIP/2.0\r\n\r\n"), "127.0.0.1:1000", "127.0.0.1:" + string(rune('1'+g)) + "000", tr, time.Now()})
			}
		})
	}
	wg.Wait()
	if n := len(readBlocks(t, buf.Bytes())); n != 2+200+4*3 {
		t.Fatalf("%d blocks", n)
	}
}

// runTshark decodes a pcapng file and returns, per SIP packet, the fields
// method|status|cseq-method|ip-cksum|udp-cksum|tcp-cksum|expert-severity.
func runTshark(t *testing.T, data []byte) [][]string {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark not installed (required in CI)")
		}
		t.Skip("tshark not installed")
	}
	file := filepath.Join(t.TempDir(), "evidence.pcapng")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t, 60*time.Second)
	cmd := exec.CommandContext(ctx, tshark, "-n", "-r", file,
		"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
		"-Y", "sip", "-T", "fields", "-E", "separator=|",
		"-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.CSeq.method",
		"-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status", "-e", "_ws.expert.severity")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user profile
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("tshark: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("tshark: %v", err)
	}
	t.Logf("tshark:\n%s", out)
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, "|")
		if len(f) != 7 {
			t.Fatalf("tshark line %q", l)
		}
		for j, name := range []string{"ip", "udp", "tcp"} {
			if v := f[3+j]; v != "" && v != "1" {
				t.Errorf("%q: %s checksum status %q, want 1 (good)", l, name, v)
			}
		}
		for _, v := range strings.Split(f[6], ",") {
			if sev, _ := strconv.Atoi(v); sev >= 0x00600000 {
				t.Errorf("%q: tshark expert severity %#x (warning or worse)", l, sev)
			}
		}
		rows = append(rows, f)
	}
	return rows
}

// TestPcapngTshark is the end-to-end check: tshark must decode the
// recorded messages as SIP with valid checksums.
func TestPcapngTshark(t *testing.T) {
	want := []string{"OPTIONS|", "|200", "INVITE|", "|100", "|486", "ACK|", "MESSAGE|", "|202", "REGISTER|", "|401", "INFO|", "|200"}
	rows := runTshark(t, writeEvidence(t))
	if len(rows) != len(want) {
		t.Fatalf("tshark decoded %d SIP packets, want %d", len(rows), len(want))
	}
	for i, f := range rows {
		if got := f[0] + "|" + f[1]; got != want[i] {
			t.Errorf("packet %d: method|status = %q, want %q", i, got, want[i])
		}
	}
}

// TestPcapngLiveTshark records real udp, tcp and ws transactions through
// an Observer and decodes the file with tshark.
func TestPcapngLiveTshark(t *testing.T) {
	var buf bytes.Buffer
	pw, err := NewPcapngWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, tr := range []string{"udp", "tcp", "ws"} {
		l := listenT(t, tr, "127.0.0.1:0", Options{})
		branch := "z9hG4bK-live-" + tr
		runUAS(t, l, func(int, Packet) []string {
			return []string{response(100, "Trying", "INVITE", branch, 1), response(486, "Busy Here", "INVITE", branch, 1)}
		})
		c := dialT(t, targetOf(t, tr, l.Addr()), Options{Observers: []Observer{pw.Observe}})
		if _, err := Transact(testCtx(t, 5*time.Second), c, []byte(request("INVITE", branch, 1)), Timers{T1: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		want = append(want, "INVITE|", "|100", "|486", "ACK|")
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	rows := runTshark(t, buf.Bytes())
	if len(rows) != len(want) {
		t.Fatalf("tshark decoded %d SIP packets, want %d", len(rows), len(want))
	}
	for i, f := range rows {
		if got := f[0] + "|" + f[1]; got != want[i] {
			t.Errorf("packet %d: method|status = %q, want %q", i, got, want[i])
		}
	}
}
