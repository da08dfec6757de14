package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// decodeBoth decodes one frame with the fast path on and off and reports
// the packets each handed on.
func decodeBoth(lt layers.LinkType, frame []byte) (fast, slow []Packet) {
	for i, d := range []*decoder{newDecoder(), newDecoder()} {
		d.slow = i == 1
		var st ReadStats
		var got []Packet
		d.decode(lt, frame, time.Unix(1, 0), 1, &Packet{}, func(p *Packet) {
			q := *p
			q.Payload = bytes.Clone(p.Payload)
			got = append(got, q)
		}, &st)
		if i == 0 {
			fast = got
		} else {
			slow = got
		}
	}
	return fast, slow
}

func samePackets(a, b []Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Proto != y.Proto || x.Src != y.Src || x.Dst != y.Dst || !bytes.Equal(x.Payload, y.Payload) || x.Seq != y.Seq {
			return false
		}
	}
	return true
}

// TestFastPathMatchesGopacket holds the hand-written IPv4/UDP decoder to
// gopacket's DecodingLayerParser on every frame of the real captures and
// on edge cases of the headers it reads: both must hand on the same
// packets.
func TestFastPathMatchesGopacket(t *testing.T) {
	frames := 0
	taken := 0
	files, _ := filepath.Glob("testdata/real/*.pcapng")
	if len(files) == 0 {
		t.Fatal("no real captures in testdata/real")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var st ReadStats
		err = readFrames(context.Background(), bytes.NewReader(data), &st, func(lt layers.LinkType, frame []byte, _ time.Time) {
			frames++
			fast, slow := decodeBoth(lt, frame)
			if _, _, _, ok := fastUDP4(lt, frame); ok {
				taken++
			}
			if !samePackets(fast, slow) {
				t.Errorf("%s frame %d: fast path %v, gopacket %v", f, frames, fast, slow)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if taken*10 < frames*9 {
		t.Errorf("fast path took %d of %d real frames; expected nearly all", taken, frames)
	}
	// Edge cases around every field the fast path reads.
	b := newCap(t)
	b.udp("10.0.0.1:5060", "10.0.0.2:5062", []byte("payload of a datagram"))
	ip := b.frames[0].data
	mut := func(f func(ip []byte) []byte) []byte { return f(bytes.Clone(ip)) }
	cases := map[string][]byte{
		"plain":            ip,
		"padded":           append(bytes.Clone(ip), 0, 0, 0, 0, 0, 0),
		"truncated":        ip[:len(ip)-5],
		"ip length 0":      mut(func(x []byte) []byte { x[2], x[3] = 0, 0; return x }),
		"ip length short":  mut(func(x []byte) []byte { binary.BigEndian.PutUint16(x[2:], 24); return x }),
		"ip length long":   mut(func(x []byte) []byte { binary.BigEndian.PutUint16(x[2:], 900); return x }),
		"udp length 0":     mut(func(x []byte) []byte { x[24], x[25] = 0, 0; return x }),
		"udp length 5":     mut(func(x []byte) []byte { binary.BigEndian.PutUint16(x[24:], 5); return x }),
		"udp length long":  mut(func(x []byte) []byte { binary.BigEndian.PutUint16(x[24:], 4000); return x }),
		"udp length short": mut(func(x []byte) []byte { binary.BigEndian.PutUint16(x[24:], 12); return x }),
		"more fragments":   mut(func(x []byte) []byte { x[6] |= 0x20; return x }),
		"offset":           mut(func(x []byte) []byte { x[7] = 1; return x }),
		"dont fragment":    mut(func(x []byte) []byte { x[6] |= 0x40; return x }),
		"evil bit":         mut(func(x []byte) []byte { x[6] |= 0x80; return x }),
		"tcp":              mut(func(x []byte) []byte { x[9] = 6; return x }),
		"version 6":        mut(func(x []byte) []byte { x[0] = 0x65; return x }),
		"options":          mut(func(x []byte) []byte { x[0] = 0x46; return x }),
		"short":            ip[:27],
	}
	for name, ip := range cases {
		for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw, layers.LinkTypeIPv4} {
			frame := b.linkFrame(lt, ip, false)
			fast, slow := decodeBoth(lt, frame)
			if !samePackets(fast, slow) {
				t.Errorf("%s over %v: fast path %v, gopacket %v", name, lt, fast, slow)
			}
		}
	}
}

// FuzzFastPath compares the fast path with gopacket on arbitrary frames.
func FuzzFastPath(f *testing.F) {
	b := newCap(f)
	b.udp("10.0.0.1:5060", "10.0.0.2:5062", []byte("INVITE sip:x SIP/2.0\r\n\r\n"))
	for i, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw} {
		f.Add(uint8(i), b.linkFrame(lt, b.frames[0].data, false))
	}
	lts := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw, layers.LinkTypeIPv4, 12}
	f.Fuzz(func(t *testing.T, which uint8, frame []byte) {
		lt := lts[int(which)%len(lts)]
		fast, slow := decodeBoth(lt, frame)
		if _, _, _, ok := fastUDP4(lt, frame); ok && !samePackets(fast, slow) {
			t.Fatalf("fast path %v, gopacket %v", fast, slow)
		}
	})
}
