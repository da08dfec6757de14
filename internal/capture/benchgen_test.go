package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestMakeBenchCapture writes the benchmark capture of scripts/bench-pcap.sh:
// the real calls of testdata/real replicated with shifted addresses (and
// SSRCs, for plain RTP), 50 calls of each kind at a time, until the file
// reaches SIPVET_BENCH_MB megabytes. It runs only when SIPVET_BENCH_OUT names
// the output file.
func TestMakeBenchCapture(t *testing.T) {
	out := os.Getenv("SIPVET_BENCH_OUT")
	if out == "" {
		t.Skip("set SIPVET_BENCH_OUT=FILE (and SIPVET_BENCH_MB) to write the benchmark capture")
	}
	mb, _ := strconv.Atoi(os.Getenv("SIPVET_BENCH_MB"))
	if mb <= 0 {
		mb = 300
	}
	type rec struct {
		t    time.Duration
		data []byte
		srtp bool
	}
	var base []rec
	var start time.Time
	var setBytes int
	for _, name := range []string{"g711.pcapng", "srtp.pcapng", "opus-srtp.pcapng"} {
		f, err := os.Open(filepath.Join("testdata", "real", name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		if r.LinkType() != layers.LinkTypeEthernet {
			t.Fatalf("%s: link type %v", name, r.LinkType())
		}
		var first time.Time
		for {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			if first.IsZero() {
				first = ci.Timestamp
			}
			base = append(base, rec{ci.Timestamp.Sub(first), data, name != "g711.pcapng"})
			setBytes += len(data) + 16
		}
		f.Close()
	}
	if start.IsZero() {
		start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// The SSRCs of the plain RTP, to shift them in RTCP too.
	var plain [][]byte
	for _, r := range base {
		if !r.srtp && len(r.data) >= 14+20+8+12 && binary.BigEndian.Uint16(r.data[12:]) == 0x0800 && r.data[23] == 17 {
			pl := r.data[14+int(r.data[14]&0x0f)*4+8:]
			if len(pl) >= 12 && pl[0]>>6 == 2 && (pl[1] < 192 || pl[1] > 223) && !looksSIP(pl) {
				k := append([]byte(nil), pl[8:12]...)
				if !bytes.Contains(bytes.Join(plain, nil), k) {
					plain = append(plain, k)
				}
			}
		}
	}
	copies := (mb<<20)/setBytes + 1
	type ev struct {
		t    time.Duration
		copy int
		i    int
	}
	evs := make([]ev, 0, copies*len(base))
	for c := 0; c < copies; c++ {
		off := time.Duration(c%50)*200*time.Millisecond + time.Duration(c/50)*15*time.Second
		for i, r := range base {
			evs = append(evs, ev{off + r.t, c, i})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].t < evs[j].t })
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriter(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	loop := []byte("127.0.0.1")
	buf := make([]byte, 0, 65536)
	for _, e := range evs {
		r := base[e.i]
		buf = append(buf[:0], r.data...)
		// 127.0.0.1 → 127.a.b.c (same text length, so no length changes).
		ip := [4]byte{127, byte(e.copy / 100 % 10), byte(e.copy / 10 % 10), byte(e.copy%10 + 1)}
		if e.copy >= 1000 {
			t.Fatal("too many copies for the address scheme")
		}
		text := []byte(fmt.Sprintf("127.%d.%d.%d", ip[1], ip[2], ip[3]))
		if len(buf) >= 34 && binary.BigEndian.Uint16(buf[12:]) == 0x0800 {
			ihl := int(buf[14]&0x0f) * 4
			copy(buf[26:30], ip[:])
			copy(buf[30:34], ip[:])
			buf[24], buf[25] = 0, 0
			var sum uint32
			for k := 14; k < 14+ihl; k += 2 {
				sum += uint32(binary.BigEndian.Uint16(buf[k:]))
			}
			for sum > 0xffff {
				sum = sum&0xffff + sum>>16
			}
			binary.BigEndian.PutUint16(buf[24:], ^uint16(sum))
			if buf[23] == 17 && len(buf) >= 14+ihl+8 {
				u := 14 + ihl
				buf[u+6], buf[u+7] = 0, 0 // no UDP checksum
				pl := buf[u+8:]
				if looksSIP(pl) {
					copy(pl, bytes.ReplaceAll(pl, loop, text))
				} else if !r.srtp && len(pl) >= 12 && pl[0]>>6 == 2 && (pl[1] < 192 || pl[1] > 223) {
					ssrc := binary.BigEndian.Uint32(pl[8:]) ^ uint32(e.copy)<<8
					binary.BigEndian.PutUint32(pl[8:], ssrc)
				} else if !r.srtp && len(pl) >= 8 && pl[0]>>6 == 2 {
					for _, k := range plain {
						v := binary.BigEndian.Uint32(k) ^ uint32(e.copy)<<8
						copy(pl, bytes.ReplaceAll(pl, k, binary.BigEndian.AppendUint32(nil, v)))
					}
				}
			}
		}
		ci := gopacket.CaptureInfo{Timestamp: start.Add(e.t), CaptureLength: len(buf), Length: len(buf)}
		if err := w.WritePacket(ci, buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d copies of %d frames", out, copies, len(base))
}
