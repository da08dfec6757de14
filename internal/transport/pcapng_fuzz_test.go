package transport

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// FuzzPcapngObserve feeds arbitrary messages and addresses to the pcapng
// writer: it must never panic, and every block must be well formed and hold
// an IP packet with correct lengths and checksums.
func FuzzPcapngObserve(f *testing.F) {
	f.Add([]byte("OPTIONS sip:a SIP/2.0\r\n\r\n"), "127.0.0.1:5060", "127.0.0.1:40000", "udp", true)
	f.Add([]byte("SIP/2.0 200 OK\r\n\r\n"), "[::1]:5061", "[::1]:1", "tls", false)
	f.Add([]byte{0xff, 0xfe}, "127.0.0.1:80", "[::ffff:127.0.0.1]:2", "ws", true)
	f.Add([]byte(""), "bogus", "", "wss", false)
	f.Add(bytes.Repeat([]byte("x"), 300), "[fe80::1%eth0]:5060", "10.0.0.1:5060", "tcp", true)
	f.Fuzz(func(t *testing.T, data []byte, src, dst, transport string, sent bool) {
		var buf bytes.Buffer
		w, err := NewPcapngWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		dir := Recv
		if sent {
			dir = Sent
		}
		// Twice, and once reversed, to exercise flow state.
		w.Observe(dir, Packet{Data: data, Src: src, Dst: dst, Transport: transport, Time: time.Unix(1, 0)})
		w.Observe(dir, Packet{Data: data, Src: src, Dst: dst, Transport: transport, Time: time.Unix(2, 0)})
		w.Observe(dir, Packet{Data: data, Src: dst, Dst: src, Transport: transport, Time: time.Unix(3, 0)})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		blocks := readBlocks(t, buf.Bytes())
		if len(blocks) < 5 {
			t.Fatalf("%d blocks", len(blocks))
		}
		for _, b := range blocks[2:] {
			capLen := binary.LittleEndian.Uint32(b.body[12:])
			if int(capLen) > len(b.body)-20 {
				t.Fatalf("caplen %d overruns block", capLen)
			}
			checkIP(t, b.body[20:20+capLen])
		}
		if buf.Len() > 3*(len(data)+4096)+1024 {
			t.Fatalf("output %d bytes for %d bytes of data", buf.Len(), len(data))
		}
	})
}
