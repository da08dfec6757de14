package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Sentinel errors of the capture reader.
var (
	// ErrFormat means the input is neither pcap nor pcapng.
	ErrFormat = errors.New("capture: not a pcap or pcapng file")
	// ErrTruncated means the capture ended inside a record or block.
	ErrTruncated = errors.New("capture: file truncated")
	// ErrCorrupt means a record or block could not be read.
	ErrCorrupt = errors.New("capture: corrupt record")
)

// ReadStats describes what Read got out of a capture.
type ReadStats struct {
	// Format is "pcap" or "pcapng".
	Format string
	// Frames is the number of frames read; Bytes the number of file bytes.
	Frames, Bytes int64
	// Packets is the number of UDP/TCP packets handed on.
	Packets int64
	// Undecoded counts frames that held no IPv4/IPv6 UDP or TCP.
	Undecoded int64
	// Fragments counts IPv4 and IPv6 fragments; Reassembled the datagrams
	// built from them.
	Fragments, Reassembled int64
	// Stopped, when not nil, is why reading ended before the end of the
	// file (it wraps ErrTruncated or ErrCorrupt); StoppedAt is the frame
	// number and StoppedOffset the file offset where that happened.
	Stopped       error
	StoppedAt     int64
	StoppedOffset int64
}

// ReadFile reads the capture at path and hands every packet to fn.
func ReadFile(ctx context.Context, path string, fn func(*Packet)) (ReadStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return ReadStats{}, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	return Read(ctx, f, fn)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// packetSource is what pcapgo's two readers have in common.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// Read decodes a pcap or pcapng stream and hands every UDP and TCP packet to
// fn, in capture order. The Packet and its Payload are only valid during the
// call. A damaged or truncated capture is read as far as possible: the
// returned stats say where it stopped, and the error is nil unless nothing
// could be read at all (ErrFormat).
func Read(ctx context.Context, r io.Reader, fn func(*Packet)) (ReadStats, error) {
	d := newDecoder()
	pkt := &Packet{}
	var st ReadStats
	err := readFrames(ctx, r, &st, func(lt layers.LinkType, data []byte, ts time.Time) {
		d.frame(lt, data, ts, pkt, fn, &st)
	})
	return st, err
}

// frame decodes frame number st.Frames, hands its packets to fn and
// counts them (and a frame that gives none) in st.
func (d *decoder) frame(lt layers.LinkType, data []byte, ts time.Time, pkt *Packet, fn func(*Packet), st *ReadStats) {
	frags := st.Fragments
	n := d.decode(lt, data, ts, st.Frames, pkt, fn, st)
	if n == 0 && st.Fragments == frags {
		st.Undecoded++
	}
	st.Packets += int64(n)
}

// readFrames reads the frames of a pcap or pcapng stream and hands each,
// with its link type and time stamp, to fn (the data is only valid during
// the call); it keeps st's frame counts and where reading stopped.
func readFrames(ctx context.Context, r io.Reader, st *ReadStats, fn func(lt layers.LinkType, data []byte, ts time.Time)) error {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		return fmt.Errorf("%w: %d bytes", ErrFormat, len(magic))
	}
	var src packetSource
	var ng *pcapgo.NgReader
	var linkType layers.LinkType
	switch {
	case magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a:
		st.Format = "pcapng"
		opts := pcapgo.DefaultNgReaderOptions
		opts.SkipUnknownVersion = true
		ng, err = pcapgo.NewNgReader(br, opts)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFormat, err)
		}
		src, linkType = ng, ng.LinkType()
	default:
		st.Format = "pcap"
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFormat, err)
		}
		src, linkType = pr, pr.LinkType()
	}
	for {
		if st.Frames&0xfff == 0 && ctx.Err() != nil {
			st.Stopped = ctx.Err()
			break
		}
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			kind := ErrCorrupt
			if errors.Is(err, io.ErrUnexpectedEOF) {
				kind = ErrTruncated
			}
			st.Stopped = fmt.Errorf("%w: %w", kind, err)
			st.StoppedAt = st.Frames + 1
			st.StoppedOffset = cr.n - int64(br.Buffered())
			break
		}
		st.Frames++
		lt := linkType
		if ng != nil && ci.InterfaceIndex > 0 {
			if ifc, err := ng.Interface(ci.InterfaceIndex); err == nil {
				lt = ifc.LinkType
			}
		}
		fn(lt, data, ci.Timestamp)
	}
	st.Bytes = cr.n - int64(br.Buffered())
	return nil
}

// decoder is the DecodingLayerParser fast path: preallocated layers, no
// per-packet allocation for ordinary frames.
type decoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	loop    layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	udp     layers.UDP
	tcp     layers.TCP
	payload gopacket.Payload
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
	defrag  *ip4defrag.IPv4Defragmenter
	defrag6 *defrag6
	frags   int64
	// slow turns the fast path off (tests compare the two paths).
	slow bool
}

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}, defrag: ip4defrag.NewIPv4Defragmenter(), defrag6: newDefrag6()}
	for _, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeUDP, layers.LayerTypeTCP} {
		p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.udp, &d.tcp, &d.payload)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	d.decoded = make([]gopacket.LayerType, 0, 8)
	return d
}

// firstLayer maps a link type to the first layer to decode.
func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12:
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6, true
		}
		return layers.LayerTypeIPv4, true
	}
	return 0, false
}

// decode turns one frame into zero or one packets (more after
// reassembly) and returns how many it handed to fn.
func (d *decoder) decode(lt layers.LinkType, data []byte, ts time.Time, idx int64, pkt *Packet, fn func(*Packet), st *ReadStats) (n int) {
	defer func() {
		// DecodeFromBytes of a hostile frame must not stop the run.
		if recover() != nil {
			n = 0
		}
	}()
	if src, dst, payload, ok := fastUDP4(lt, data); ok && !d.slow {
		*pkt = Packet{Index: idx, Time: ts, Proto: UDP, Src: src, Dst: dst, Payload: payload}
		fn(pkt)
		return 1
	}
	first, ok := firstLayer(lt, data)
	if !ok {
		return 0
	}
	p := d.parsers[first]
	_ = p.DecodeLayers(data, &d.decoded)
	var src, dst netip.Addr
	var haveIP bool
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			src, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(d.ip4.DstIP.To4())
			haveIP = true
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				return d.fragment(ts, idx, pkt, fn, st)
			}
		case layers.LayerTypeIPv6:
			src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
			haveIP = true
			if fh := ip6FragmentHeader(&d.ip6); fh != nil {
				return d.fragment6(src, dst, fh, ts, idx, pkt, fn, st)
			}
		case layers.LayerTypeUDP:
			if !haveIP {
				return 0
			}
			*pkt = Packet{Index: idx, Time: ts, Proto: UDP, Src: netip.AddrPortFrom(src, uint16(d.udp.SrcPort)),
				Dst: netip.AddrPortFrom(dst, uint16(d.udp.DstPort)), Payload: d.udp.Payload}
			fn(pkt)
			return 1
		case layers.LayerTypeTCP:
			if !haveIP {
				return 0
			}
			*pkt = Packet{Index: idx, Time: ts, Proto: TCP, Src: netip.AddrPortFrom(src, uint16(d.tcp.SrcPort)),
				Dst: netip.AddrPortFrom(dst, uint16(d.tcp.DstPort)), Payload: d.tcp.Payload,
				Seq: d.tcp.Seq, SYN: d.tcp.SYN, FIN: d.tcp.FIN, RST: d.tcp.RST}
			fn(pkt)
			return 1
		}
	}
	return 0
}

// fragment feeds an IPv4 fragment to the defragmenter and decodes the
// datagram once it is complete.
func (d *decoder) fragment(ts time.Time, idx int64, pkt *Packet, fn func(*Packet), st *ReadStats) int {
	st.Fragments++
	in := d.ip4
	in.Payload = append([]byte(nil), d.ip4.Payload...)
	in.Contents = append([]byte(nil), d.ip4.Contents...)
	d.frags++
	if d.frags%1024 == 0 {
		d.defrag.DiscardOlderThan(ts.Add(-30 * time.Second))
	}
	out, err := d.defrag.DefragIPv4WithTimestamp(&in, ts)
	if err != nil || out == nil {
		return 0
	}
	st.Reassembled++
	src, _ := netip.AddrFromSlice(out.SrcIP.To4())
	dst, _ := netip.AddrFromSlice(out.DstIP.To4())
	return d.transport(uint8(out.Protocol), out.Payload, src, dst, ts, idx, pkt, fn)
}

// ip6FragmentHeader returns the Fragment header and what follows it when
// the packet's next header (after a hop-by-hop header, if any) is
// Fragment; nil otherwise.
func ip6FragmentHeader(ip *layers.IPv6) []byte {
	pl := ip.Payload
	next := ip.NextHeader
	if ip.HopByHop != nil {
		if len(pl) < 2 {
			return nil
		}
		n := (int(pl[1]) + 1) * 8
		if n > len(pl) {
			return nil
		}
		next, pl = ip.HopByHop.NextHeader, pl[n:]
	}
	if next != layers.IPProtocolIPv6Fragment {
		return nil
	}
	return pl
}

// fragment6 feeds an IPv6 fragment to the reassembler and decodes the
// datagram once it is complete.
func (d *decoder) fragment6(src, dst netip.Addr, fh []byte, ts time.Time, idx int64, pkt *Packet, fn func(*Packet), st *ReadStats) int {
	st.Fragments++
	next, data, ok := d.defrag6.add(src, dst, fh, ts)
	if !ok {
		return 0
	}
	st.Reassembled++
	return d.transport(next, data, src, dst, ts, idx, pkt, fn)
}

// transport decodes a reassembled UDP or TCP datagram and hands it to fn.
func (d *decoder) transport(proto uint8, data []byte, src, dst netip.Addr, ts time.Time, idx int64, pkt *Packet, fn func(*Packet)) int {
	var first gopacket.LayerType
	switch layers.IPProtocol(proto) {
	case layers.IPProtocolUDP:
		first = layers.LayerTypeUDP
	case layers.IPProtocolTCP:
		first = layers.LayerTypeTCP
	default:
		return 0
	}
	_ = d.parsers[first].DecodeLayers(data, &d.decoded)
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeUDP:
			*pkt = Packet{Index: idx, Time: ts, Proto: UDP, Src: netip.AddrPortFrom(src, uint16(d.udp.SrcPort)),
				Dst: netip.AddrPortFrom(dst, uint16(d.udp.DstPort)), Payload: d.udp.Payload}
			fn(pkt)
			return 1
		case layers.LayerTypeTCP:
			*pkt = Packet{Index: idx, Time: ts, Proto: TCP, Src: netip.AddrPortFrom(src, uint16(d.tcp.SrcPort)),
				Dst: netip.AddrPortFrom(dst, uint16(d.tcp.DstPort)), Payload: d.tcp.Payload,
				Seq: d.tcp.Seq, SYN: d.tcp.SYN, FIN: d.tcp.FIN, RST: d.tcp.RST}
			fn(pkt)
			return 1
		}
	}
	return 0
}
