package transport

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"unicode/utf8"
)

// pcapng block types and option codes (draft-ietf-opsawg-pcapng).
const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 0x00000001
	blockEPB = 0x00000006

	byteOrderMagic = 0x1A2B3C4D

	optEnd        = 0
	optComment    = 1
	optSHBUserApp = 4
	optIfName     = 2
	optIfTSResol  = 9
	optEPBFlags   = 2

	// LinkTypeRaw is LINKTYPE_RAW: each packet begins with an IPv4 or IPv6
	// header, told apart by its version nibble.
	LinkTypeRaw = 101

	// maxSegment bounds the TCP payload of one synthetic segment, so that
	// a large stream message still fits in IP packets (64 KiB total length).
	maxSegment = 32 * 1024
)

// PcapngWriter records every observed message into a pcapng stream that
// Wireshark and tshark decode as SIP. It is the evidence recorder behind
// sipvet's --evidence-pcap.
//
// Layout: one Section Header Block, one Interface Description Block with
// LINKTYPE_RAW (101) and nanosecond timestamps (if_tsresol = 9), then one
// Enhanced Packet Block per IP packet. Each message becomes a synthetic
// IPv4 or IPv6 packet carrying a UDP header (udp) or a TCP header (tcp,
// tls, ws, wss), with correct lengths and checksums. TCP flows get a
// synthetic three-way handshake when first seen and consistent per-direction
// sequence and acknowledgement numbers. For tls the payload is the
// cleartext SIP message as sipvet saw it above TLS. For ws and wss each
// message is shown inside a cleartext WebSocket frame after a synthetic
// HTTP Upgrade (subprotocol sip), since Wireshark would otherwise take SIP
// on an HTTP port for HTTP. EPB comments mark everything synthetic. EPB flags carry the direction (inbound/outbound).
//
// A PcapngWriter is safe for concurrent use. Write errors are sticky and
// reported by Close.
type PcapngWriter struct {
	mu    sync.Mutex
	w     io.Writer
	err   error
	ipID  uint16
	flows map[flowKey]*tcpFlow
}

type flowKey struct{ a, b netip.AddrPort }

// tcpFlow holds the next sequence number of each endpoint of a flow.
type tcpFlow struct {
	client netip.AddrPort
	seq    map[netip.AddrPort]uint32
}

// NewPcapngWriter writes the section and interface headers to w and returns
// a writer ready to record packets.
func NewPcapngWriter(w io.Writer) (*PcapngWriter, error) {
	pw := &PcapngWriter{w: w, flows: make(map[flowKey]*tcpFlow)}
	var shb []byte
	shb = binary.LittleEndian.AppendUint32(shb, byteOrderMagic)
	shb = binary.LittleEndian.AppendUint16(shb, 1) // major
	shb = binary.LittleEndian.AppendUint16(shb, 0) // minor
	shb = binary.LittleEndian.AppendUint64(shb, 0xFFFFFFFFFFFFFFFF)
	shb = appendOption(shb, optSHBUserApp, []byte("sipvet"))
	shb = appendOption(shb, optEnd, nil)
	if err := pw.writeBlock(blockSHB, shb); err != nil {
		return nil, err
	}
	var idb []byte
	idb = binary.LittleEndian.AppendUint16(idb, LinkTypeRaw)
	idb = binary.LittleEndian.AppendUint16(idb, 0)      // reserved
	idb = binary.LittleEndian.AppendUint32(idb, 262144) // snaplen
	idb = appendOption(idb, optIfName, []byte("sipvet"))
	idb = appendOption(idb, optIfTSResol, []byte{9})
	idb = appendOption(idb, optEnd, nil)
	if err := pw.writeBlock(blockIDB, idb); err != nil {
		return nil, err
	}
	return pw, nil
}

// Observe records one message; it has the Observer signature.
func (pw *PcapngWriter) Observe(dir Direction, p Packet) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.err != nil {
		return
	}
	src, dst := pcapAddrs(p.Src, p.Dst)
	ts := uint64(0)
	if !p.Time.IsZero() && p.Time.UnixNano() > 0 {
		ts = uint64(p.Time.UnixNano())
	}
	flags := uint32(1) // inbound
	if dir == Sent {
		flags = 2 // outbound
	}
	if p.Transport == "udp" || p.Transport == "" {
		data := p.Data
		if len(data) > 65535-48 {
			data = data[:65535-48] // cannot happen for real datagrams
		}
		pkt := pw.ipPacket(src, dst, 17, buildUDP(src, dst, data))
		pw.writeEPB(ts, pkt, flags, "")
		return
	}
	comment := ""
	data := p.Data
	switch p.Transport {
	case "tcp":
	case "ws", "wss":
		comment = "SIP over " + p.Transport + " shown as a cleartext WebSocket frame (TLS removed by sipvet)"
	default:
		comment = "cleartext SIP payload of a " + p.Transport + " connection (TLS removed by sipvet)"
	}
	f := pw.flow(src, dst, ts, p.Transport)
	if p.Transport == "ws" || p.Transport == "wss" {
		data = wsFrame(data, src == f.client)
	}
	pw.writeSegments(ts, src, dst, f, data, flags, comment)
}

// writeSegments writes data from src to dst as one or more TCP segments.
func (pw *PcapngWriter) writeSegments(ts uint64, src, dst netip.AddrPort, f *tcpFlow, data []byte, flags uint32, comment string) {
	for first := true; first || len(data) > 0; first = false {
		n := min(len(data), maxSegment)
		seg := buildTCP(src, dst, f.seq[src], f.seq[dst], tcpACK|tcpPSH, data[:n])
		f.seq[src] += uint32(n)
		pw.writeEPB(ts, pw.ipPacket(src, dst, 6, seg), flags, comment)
		data = data[n:]
	}
}

// wsFrame wraps data in one unfragmented WebSocket frame (RFC 6455 §5.2):
// a text frame when data is UTF-8, else binary. Client frames carry the
// mask bit with an all-zero key, so the payload bytes stay readable.
func wsFrame(data []byte, fromClient bool) []byte {
	op := byte(0x1)
	if !utf8.Valid(data) {
		op = 0x2
	}
	h := []byte{0x80 | op}
	mask := byte(0)
	if fromClient {
		mask = 0x80
	}
	switch n := len(data); {
	case n < 126:
		h = append(h, mask|byte(n))
	case n <= 0xFFFF:
		h = append(h, mask|126)
		h = binary.BigEndian.AppendUint16(h, uint16(n))
	default:
		h = append(h, mask|127)
		h = binary.BigEndian.AppendUint64(h, uint64(n))
	}
	if fromClient {
		h = append(h, 0, 0, 0, 0)
	}
	return append(h, data...)
}

// flow returns the state of the TCP flow between src and dst. When the flow
// is new it writes a synthetic handshake with src as the client: TCP's
// three-way handshake, plus for ws and wss an HTTP Upgrade exchange with
// subprotocol sip (RFC 7118), so that Wireshark dissects the frames as SIP
// on any port.
func (pw *PcapngWriter) flow(src, dst netip.AddrPort, ts uint64, transport string) *tcpFlow {
	k := flowKey{src, dst}
	if dst.Compare(src) < 0 {
		k = flowKey{dst, src}
	}
	if f, ok := pw.flows[k]; ok {
		return f
	}
	// Deterministic initial sequence numbers keep the file reproducible.
	isnC, isnS := uint32(1000), uint32(5000)
	f := &tcpFlow{client: src, seq: map[netip.AddrPort]uint32{src: isnC + 1, dst: isnS + 1}}
	pw.flows[k] = f
	const note = "synthetic TCP handshake added by sipvet"
	pw.writeEPB(ts, pw.ipPacket(src, dst, 6, buildTCP(src, dst, isnC, 0, tcpSYN, nil)), 0, note)
	pw.writeEPB(ts, pw.ipPacket(dst, src, 6, buildTCP(dst, src, isnS, isnC+1, tcpSYN|tcpACK, nil)), 0, note)
	pw.writeEPB(ts, pw.ipPacket(src, dst, 6, buildTCP(src, dst, isnC+1, isnS+1, tcpACK, nil)), 0, note)
	if transport == "ws" || transport == "wss" {
		const wsNote = "synthetic WebSocket handshake added by sipvet (the real request path is not recorded)"
		req := "GET / HTTP/1.1\r\nHost: " + dst.String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n"
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n"
		pw.writeSegments(ts, src, dst, f, []byte(req), 0, wsNote)
		pw.writeSegments(ts, dst, src, f, []byte(resp), 0, wsNote)
	}
	return f
}

// Close reports the first write error, if any. It does not close the
// underlying writer.
func (pw *PcapngWriter) Close() error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.err
}

func (pw *PcapngWriter) writeEPB(ts uint64, pkt []byte, flags uint32, comment string) {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0) // interface ID
	b = binary.LittleEndian.AppendUint32(b, uint32(ts>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(ts))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
	b = append(b, pkt...)
	b = pad4(b)
	if comment != "" {
		b = appendOption(b, optComment, []byte(comment))
	}
	if flags != 0 {
		b = appendOption(b, optEPBFlags, binary.LittleEndian.AppendUint32(nil, flags))
	}
	if comment != "" || flags != 0 {
		b = appendOption(b, optEnd, nil)
	}
	if err := pw.writeBlock(blockEPB, b); err != nil {
		pw.err = err
	}
}

// writeBlock frames body (already padded) as a pcapng block.
func (pw *PcapngWriter) writeBlock(typ uint32, body []byte) error {
	total := uint32(12 + len(body))
	b := make([]byte, 0, total)
	b = binary.LittleEndian.AppendUint32(b, typ)
	b = binary.LittleEndian.AppendUint32(b, total)
	b = append(b, body...)
	b = binary.LittleEndian.AppendUint32(b, total)
	if _, err := pw.w.Write(b); err != nil {
		return fmt.Errorf("transport: write pcapng: %w", err)
	}
	return nil
}

func appendOption(b []byte, code uint16, val []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(val)))
	b = append(b, val...)
	return pad4(b)
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// pcapAddrs parses the packet addresses; unparseable ones become the
// unspecified address, and mixed families are mapped to IPv6.
func pcapAddrs(s, d string) (netip.AddrPort, netip.AddrPort) {
	src := parseAddrPortLoose(s)
	dst := parseAddrPortLoose(d)
	if src.Addr().Is4() != dst.Addr().Is4() {
		src = netip.AddrPortFrom(netip.AddrFrom16(src.Addr().As16()), src.Port())
		dst = netip.AddrPortFrom(netip.AddrFrom16(dst.Addr().As16()), dst.Port())
	}
	return src, dst
}

func parseAddrPortLoose(s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
}

// ipPacket wraps an upper-layer segment (with its checksum already set) in
// an IPv4 or IPv6 header.
func (pw *PcapngWriter) ipPacket(src, dst netip.AddrPort, proto byte, l4 []byte) []byte {
	if src.Addr().Is4() {
		pw.ipID++
		h := make([]byte, 20, 20+len(l4))
		h[0] = 0x45
		binary.BigEndian.PutUint16(h[2:], uint16(20+len(l4)))
		binary.BigEndian.PutUint16(h[4:], pw.ipID)
		binary.BigEndian.PutUint16(h[6:], 0x4000) // DF
		h[8] = 64
		h[9] = proto
		s, d := src.Addr().As4(), dst.Addr().As4()
		copy(h[12:], s[:])
		copy(h[16:], d[:])
		binary.BigEndian.PutUint16(h[10:], ^onesSum(0, h))
		return append(h, l4...)
	}
	h := make([]byte, 40, 40+len(l4))
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(l4)))
	h[6] = proto
	h[7] = 64
	s, d := src.Addr().As16(), dst.Addr().As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, l4...)
}

func buildUDP(src, dst netip.AddrPort, payload []byte) []byte {
	u := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(u[0:], src.Port())
	binary.BigEndian.PutUint16(u[2:], dst.Port())
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	u = append(u, payload...)
	c := ^onesSum(pseudoSum(src, dst, 17, len(u)), u)
	if c == 0 {
		c = 0xFFFF // RFC 768: a computed zero is sent as all ones
	}
	binary.BigEndian.PutUint16(u[6:], c)
	return u
}

// TCP header flags.
const (
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

func buildTCP(src, dst netip.AddrPort, seq, ack uint32, flags byte, payload []byte) []byte {
	t := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(t[0:], src.Port())
	binary.BigEndian.PutUint16(t[2:], dst.Port())
	binary.BigEndian.PutUint32(t[4:], seq)
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12] = 5 << 4
	t[13] = flags
	binary.BigEndian.PutUint16(t[14:], 65535) // window
	t = append(t, payload...)
	binary.BigEndian.PutUint16(t[16:], ^onesSum(pseudoSum(src, dst, 6, len(t)), t))
	return t
}

// pseudoSum is the one's-complement sum of the IPv4 or IPv6 pseudo-header.
func pseudoSum(src, dst netip.AddrPort, proto byte, length int) uint32 {
	var b []byte
	if src.Addr().Is4() {
		s, d := src.Addr().As4(), dst.Addr().As4()
		b = append(append(b, s[:]...), d[:]...)
		b = append(b, 0, proto)
		b = binary.BigEndian.AppendUint16(b, uint16(length))
	} else {
		s, d := src.Addr().As16(), dst.Addr().As16()
		b = append(append(b, s[:]...), d[:]...)
		b = binary.BigEndian.AppendUint32(b, uint32(length))
		b = append(b, 0, 0, 0, proto)
	}
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	return sum
}

// onesSum adds b to the running one's-complement sum and folds it to 16 bits.
func onesSum(sum uint32, b []byte) uint16 {
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xFFFF {
		sum = (sum >> 16) + (sum & 0xFFFF)
	}
	return uint16(sum)
}
