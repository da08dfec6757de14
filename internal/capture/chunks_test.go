package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// readResult is what a reader handed on, for comparing two readers.
type readResult struct {
	pkts []string
	st   ReadStats
}

func describe(p *Packet) string {
	return fmt.Sprintf("%d %d %v %v>%v %x %d %v%v%v", p.Index, p.Time.UnixNano(), p.Proto, p.Src, p.Dst, p.Payload, p.Seq, p.SYN, p.FIN, p.RST)
}

// viaPcapgo reads data with Read (pcapgo).
func viaPcapgo(data []byte) readResult {
	var out readResult
	out.st, _ = Read(context.Background(), bytes.NewReader(data), func(p *Packet) { out.pkts = append(out.pkts, describe(p)) })
	return out
}

// viaChunks reads data with the chunk reader, arenas of size bytes, the
// file handed over by r (which may return short reads); ok is false when
// data is not a classic pcap file.
func viaChunks(data []byte, size int, slow bool) (readResult, bool) {
	var out readResult
	h, ok := parsePcapHeader(data)
	if !ok {
		return out, false
	}
	r := bytes.NewReader(data[pcapHeaderLen:])
	free := make(chan *packetBatch, 3)
	for range 3 {
		free <- &packetBatch{arena: make([]byte, 0, size), free: free}
	}
	c := &chunkReader{h: h, d: newDecoder(), st: &out.st, off: pcapHeaderLen, size: size,
		next: func() *packetBatch { return <-free },
		emit: func(b *packetBatch) {
			for i := range b.pkts {
				out.pkts = append(out.pkts, describe(&b.pkts[i]))
			}
			b.refs.Store(1)
			b.release()
		}}
	c.r = r
	if slow {
		c.r = iotest.HalfReader(r)
	}
	c.read(context.Background())
	return out, true
}

func compareReaders(t *testing.T, name string, data []byte, size int, slow bool) {
	t.Helper()
	want := viaPcapgo(data)
	got, ok := viaChunks(data, size, slow)
	if !ok {
		t.Fatalf("%s: not read as classic pcap", name)
	}
	ws, gs := fmt.Sprintf("%+v", want.st), fmt.Sprintf("%+v", got.st)
	if ws != gs {
		t.Fatalf("%s (arena %d): stats\n got  %s\n want %s", name, size, gs, ws)
	}
	if len(got.pkts) != len(want.pkts) {
		t.Fatalf("%s (arena %d): %d packets, want %d", name, size, len(got.pkts), len(want.pkts))
	}
	for i := range got.pkts {
		if got.pkts[i] != want.pkts[i] {
			t.Fatalf("%s (arena %d): packet %d\n got  %s\n want %s", name, size, i, got.pkts[i], want.pkts[i])
		}
	}
}

// toPcap rewrites a pcapng file as classic pcap (nanosecond or
// microsecond time stamps, the given byte order).
func toPcap(t *testing.T, ng []byte, nano bool, order binary.ByteOrder) []byte {
	t.Helper()
	r, err := pcapgo.NewNgReader(bytes.NewReader(ng), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var w *pcapgo.Writer
	if nano {
		w = pcapgo.NewWriterNanos(&out)
	} else {
		w = pcapgo.NewWriter(&out)
	}
	if err := w.WriteFileHeader(262144, r.LinkType()); err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ci.Timestamp, CaptureLength: len(data), Length: ci.Length}, data); err != nil {
			t.Fatal(err)
		}
	}
	b := out.Bytes()
	if order == binary.BigEndian {
		b = swapPcap(b)
	}
	return b
}

// swapPcap turns a little-endian classic pcap file into big-endian.
func swapPcap(b []byte) []byte {
	out := bytes.Clone(b)
	sw32 := func(i int) { binary.BigEndian.PutUint32(out[i:], binary.LittleEndian.Uint32(b[i:])) }
	sw16 := func(i int) { binary.BigEndian.PutUint16(out[i:], binary.LittleEndian.Uint16(b[i:])) }
	sw32(0)
	sw16(4)
	sw16(6)
	for _, i := range []int{8, 12, 16, 20} {
		sw32(i)
	}
	for i := pcapHeaderLen; i+pcapRecordLen <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+8:]))
		for k := 0; k < 16; k += 4 {
			sw32(i + k)
		}
		i += pcapRecordLen + n
	}
	return out
}

// TestChunkReaderMatchesPcapgo: on the real captures (as classic pcap in
// both byte orders and time-stamp resolutions) and on synthetic ones of
// every link type, read whole, cut short anywhere and with damaged record
// headers, the chunk reader hands on the same packets and stats as
// pcapgo, whatever the arena size (records crossing chunk boundaries) and
// however short the reads.
func TestChunkReaderMatchesPcapgo(t *testing.T) {
	files, _ := filepath.Glob("testdata/real/*.pcapng")
	if len(files) == 0 {
		t.Fatal("no real captures in testdata/real")
	}
	var inputs []struct {
		name string
		data []byte
	}
	add := func(name string, b []byte) {
		inputs = append(inputs, struct {
			name string
			data []byte
		}{name, b})
	}
	for _, f := range files {
		ng, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(filepath.Base(f)+" us", toPcap(t, ng, false, binary.LittleEndian))
		add(filepath.Base(f)+" ns big-endian", toPcap(t, ng, true, binary.BigEndian))
	}
	b, _ := synthetic(t)
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw, layers.LinkTypeNull, layers.LinkTypeLinuxSLL2} {
		add(fmt.Sprintf("synthetic %v", lt), b.pcap(lt, false))
	}
	add("synthetic vlan", b.pcap(layers.LinkTypeEthernet, true))
	for _, in := range inputs {
		for _, size := range []int{chunkSize, 4096, 700} {
			compareReaders(t, in.name, in.data, size, size == 700)
		}
	}
	// Damage: cut short at many places, and record lengths that exceed
	// the snap length or the original length.
	small := b.pcap(layers.LinkTypeEthernet, false)
	small = small[:min(len(small), 3000)]
	for cut := pcapHeaderLen; cut <= len(small); cut++ {
		compareReaders(t, fmt.Sprintf("cut at %d", cut), small[:cut], 512, false)
	}
	first := pcapHeaderLen
	second := first + pcapRecordLen + int(binary.LittleEndian.Uint32(small[first+8:]))
	for _, rec := range []int{first, second} {
		for _, c := range []struct{ capLen, origLen uint32 }{{1 << 30, 1 << 30}, {300000, 300000}, {100, 50}, {0, 0}, {0, 10}} {
			d := bytes.Clone(small)
			binary.LittleEndian.PutUint32(d[rec+8:], c.capLen)
			binary.LittleEndian.PutUint32(d[rec+12:], c.origLen)
			compareReaders(t, fmt.Sprintf("record at %d with lengths %d/%d", rec, c.capLen, c.origLen), d, 512, false)
		}
	}
}

// FuzzChunkReader: for any classic pcap input, the chunk reader agrees
// with pcapgo.
func FuzzChunkReader(f *testing.F) {
	b, _ := synthetic(f)
	full := b.pcap(layers.LinkTypeEthernet, false)
	f.Add(full[:min(len(full), 3000)], uint16(300))
	f.Add(b.pcap(layers.LinkTypeRaw, false)[:2000], uint16(64))
	f.Fuzz(func(t *testing.T, data []byte, size uint16) {
		if _, ok := parsePcapHeader(data); !ok {
			return
		}
		compareReaders(t, "fuzz", data, int(size%4096)+1, size%2 == 0)
	})
}

// TestReadCancelled: a cancelled context stops both readers with the
// context's error in the stats, keeping what was analysed.
func TestReadCancelled(t *testing.T) {
	b, _ := synthetic(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, data := range map[string][]byte{"pcap": b.pcap(layers.LinkTypeEthernet, false), "pcapng": b.pcapng(layers.LinkTypeEthernet)} {
		for _, workers := range []int{1, 2} {
			rep, st, err := Analyze(ctx, bytes.NewReader(data), Options{Workers: workers})
			if err != nil {
				t.Fatalf("%s, %d workers: %v", name, workers, err)
			}
			if !errors.Is(st.Stopped, context.Canceled) || rep == nil {
				t.Errorf("%s, %d workers: stopped %v, want context.Canceled", name, workers, st.Stopped)
			}
			if rep.Packets != 0 {
				t.Errorf("%s, %d workers: %d packets analysed after cancellation", name, workers, rep.Packets)
			}
		}
	}
}

// TestFastPathSetsEveryField: the chunk reader fills a recycled batch slot
// field by field; a field added to Packet must be set there too.
func TestFastPathSetsEveryField(t *testing.T) {
	var names []string
	for f := range reflect.TypeFor[Packet]().Fields() {
		names = append(names, f.Name)
	}
	want := "Index Time Proto Src Dst Payload Seq SYN FIN RST sip kind rtp"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("Packet has fields %q; the fast path of chunkReader.run (and parseAhead) sets %q: set the new ones there", got, want)
	}
}
