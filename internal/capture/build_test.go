package capture

import (
	"bytes"
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// frame is one packet of a synthetic capture.
type frame struct {
	t    time.Time
	data []byte // IP packet
}

// capBuilder builds synthetic captures in memory.
type capBuilder struct {
	tb     testing.TB
	now    time.Time
	frames []frame
	ipID   uint16
}

func newCap(tb testing.TB) *capBuilder {
	return &capBuilder{tb: tb, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (b *capBuilder) advance(d time.Duration) { b.now = b.now.Add(d) }

func ipLayer(src, dst netip.Addr, proto layers.IPProtocol) gopacket.SerializableLayer {
	if src.Is4() {
		return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice())}
	}
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice())}
}

func (b *capBuilder) serialize(ls ...gopacket.SerializableLayer) []byte {
	b.tb.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		b.tb.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// udp adds a UDP datagram.
func (b *capBuilder) udp(src, dst string, payload []byte) {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	ip := ipLayer(s.Addr(), d.Addr(), layers.IPProtocolUDP)
	u := &layers.UDP{SrcPort: layers.UDPPort(s.Port()), DstPort: layers.UDPPort(d.Port())}
	_ = u.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	b.frames = append(b.frames, frame{b.now, b.serialize(ip, u, gopacket.Payload(payload))})
}

// udpFragmented adds a UDP datagram split into IPv4 fragments of at most
// size payload bytes (a multiple of 8), last fragment first.
func (b *capBuilder) udpFragmented(src, dst string, payload []byte, size int) {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	ip := ipLayer(s.Addr(), d.Addr(), layers.IPProtocolUDP).(*layers.IPv4)
	u := &layers.UDP{SrcPort: layers.UDPPort(s.Port()), DstPort: layers.UDPPort(d.Port())}
	_ = u.SetNetworkLayerForChecksum(ip)
	whole := b.serialize(ip, u, gopacket.Payload(payload))
	dgram := whole[20:]
	b.ipID++
	var frags []frame
	for off := 0; off < len(dgram); off += size {
		end := min(off+size, len(dgram))
		f := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: ip.SrcIP, DstIP: ip.DstIP, Id: b.ipID, FragOffset: uint16(off / 8)}
		if end < len(dgram) {
			f.Flags = layers.IPv4MoreFragments
		}
		frags = append(frags, frame{b.now, b.serialize(f, gopacket.Payload(dgram[off:end]))})
	}
	for i := len(frags) - 1; i >= 0; i-- {
		b.frames = append(b.frames, frags[i])
	}
}

// tcp adds a TCP segment.
func (b *capBuilder) tcp(src, dst string, seq uint32, syn bool, payload []byte) {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	ip := ipLayer(s.Addr(), d.Addr(), layers.IPProtocolTCP)
	t := &layers.TCP{SrcPort: layers.TCPPort(s.Port()), DstPort: layers.TCPPort(d.Port()), Seq: seq, SYN: syn, ACK: !syn, Window: 65535}
	_ = t.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	b.frames = append(b.frames, frame{b.now, b.serialize(ip, t, gopacket.Payload(payload))})
}

// linkFrame wraps an IP packet in the given link type.
func (b *capBuilder) linkFrame(lt layers.LinkType, ip []byte, vlan bool) []byte {
	v6 := ip[0]>>4 == 6
	et := layers.EthernetTypeIPv4
	if v6 {
		et = layers.EthernetTypeIPv6
	}
	switch lt {
	case layers.LinkTypeEthernet:
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: et}
		if vlan {
			eth.EthernetType = layers.EthernetTypeDot1Q
			return b.serialize(eth, &layers.Dot1Q{VLANIdentifier: 42, Type: et}, gopacket.Payload(ip))
		}
		return b.serialize(eth, gopacket.Payload(ip))
	case layers.LinkTypeLinuxSLL:
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 1)
		binary.BigEndian.PutUint16(h[4:], 6)
		binary.BigEndian.PutUint16(h[14:], uint16(et))
		return append(h, ip...)
	case layers.LinkTypeLinuxSLL2:
		h := make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], uint16(et))
		binary.BigEndian.PutUint32(h[4:], 1)
		binary.BigEndian.PutUint16(h[8:], 1)
		h[11] = 6
		return append(h, ip...)
	case layers.LinkTypeNull:
		h := make([]byte, 4)
		fam := uint32(2)
		if v6 {
			fam = 24
		}
		binary.LittleEndian.PutUint32(h, fam)
		return append(h, ip...)
	}
	return ip
}

// pcap writes the capture in pcap format.
func (b *capBuilder) pcap(lt layers.LinkType, vlan bool) []byte {
	b.tb.Helper()
	var out bytes.Buffer
	w := pcapgo.NewWriter(&out)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		b.tb.Fatal(err)
	}
	for _, f := range b.frames {
		data := b.linkFrame(lt, f.data, vlan)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: f.t, CaptureLength: len(data), Length: len(data)}, data); err != nil {
			b.tb.Fatal(err)
		}
	}
	return out.Bytes()
}

// pcapng writes the capture as pcapng.
func (b *capBuilder) pcapng(lt layers.LinkType) []byte {
	b.tb.Helper()
	var out bytes.Buffer
	w, err := pcapgo.NewNgWriter(&out, lt)
	if err != nil {
		b.tb.Fatal(err)
	}
	for _, f := range b.frames {
		data := b.linkFrame(lt, f.data, false)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: f.t, CaptureLength: len(data), Length: len(data)}, data); err != nil {
			b.tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.tb.Fatal(err)
	}
	return out.Bytes()
}

// rtpPacket builds an RTP packet.
func rtpPacket(pt uint8, marker bool, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	h := make([]byte, 12, 12+len(payload))
	h[0] = 0x80
	h[1] = pt
	if marker {
		h[1] |= 0x80
	}
	binary.BigEndian.PutUint16(h[2:], seq)
	binary.BigEndian.PutUint32(h[4:], ts)
	binary.BigEndian.PutUint32(h[8:], ssrc)
	return append(h, payload...)
}

// linearToUlaw encodes a sample as G.711 µ-law (the inverse of ulaw).
func linearToUlaw(s int16) byte {
	const bias, clip = 0x84, 32635
	v := int(s)
	sign := 0
	if v < 0 {
		v, sign = -v, 0x80
	}
	v = min(v, clip) + bias
	exp := 7
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (v >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

// linearToAlaw encodes a sample as G.711 A-law.
func linearToAlaw(s int16) byte {
	v := int(s)
	mask := 0xd5
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := 0
	for lim := 0xff; v > lim && seg < 8; lim = lim<<1 | 1 {
		seg++
	}
	var a int
	if seg >= 8 {
		a = 0x7f
	} else {
		a = seg << 4
		if seg < 2 {
			a |= (v >> 4) & 0x0f
		} else {
			a |= (v >> (seg + 3)) & 0x0f
		}
	}
	return byte(a ^ mask)
}

// tone returns n samples of the sum of the given frequencies.
func tone(n int, start int, amp float64, freqs ...float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		v := 0.0
		for _, f := range freqs {
			v += amp * math.Sin(2*math.Pi*f*float64(start+i)/8000)
		}
		out[i] = int16(v)
	}
	return out
}

// dtmfFreq returns the row and column frequencies of a key.
func dtmfFreq(key byte) (float64, float64) {
	const keys = "123A456B789C*0#D"
	i := bytes.IndexByte([]byte(keys), key)
	f := dtmfFreqs()
	return f[i/4], f[4+i%4]
}

func sinTable(f float64, i int) float64 { return math.Sin(2 * math.Pi * f * float64(i) / 8000) }
