package capture

import (
	"net/netip"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// Proto is the transport protocol of a Packet.
type Proto uint8

// Transport protocols.
const (
	UDP Proto = iota + 1
	TCP
)

// String returns "udp" or "tcp".
func (p Proto) String() string {
	switch p {
	case UDP:
		return "udp"
	case TCP:
		return "tcp"
	}
	return "?"
}

// Packet is one transport-layer segment or datagram taken from a capture,
// after link-layer decoding and IP reassembly.
type Packet struct {
	// Index is the 1-based number of the frame in the capture.
	Index int64
	// Time is the capture time stamp.
	Time time.Time
	// Proto is UDP or TCP.
	Proto Proto
	// Src and Dst are the transport addresses.
	Src, Dst netip.AddrPort
	// Payload is the UDP payload or TCP segment data. The analyser copies
	// what it keeps: the reader may reuse the buffer.
	Payload []byte
	// Seq, SYN, FIN and RST are set for TCP.
	Seq           uint32
	SYN, FIN, RST bool
	// sip is the UDP payload parsed ahead as SIP (by the reading
	// goroutine, off the analysis's ordered path); nil when not done.
	sip *parsedSIP
	// kind is what the reading goroutine found the UDP payload to be
	// (kindUnknown: not looked at); rtp is the RTP header when kindRTP.
	// The analysis then need not touch the payload bytes again.
	kind uint8
	rtp  rtpHdr
}

// What a UDP payload is (classify).
const (
	kindUnknown = iota
	kindSIP     // looks like SIP (sip holds the parse, unless it panicked)
	kindRTCP    // RTP version 2 with an RTCP packet type
	kindRTP     // an RTP header that parses (rtp)
	kindOther   // none of these
)

// parsedSIP is a SIP message parsed ahead of the analysis.
type parsedSIP struct {
	m *sip.Message
}

// classify tells what a UDP payload is — SIP, RTCP, RTP (with its header)
// or none of these — as the analysis handles it.
func classify(b []byte) (kind uint8, h rtpHdr) {
	switch {
	case looksSIP(b):
		return kindSIP, h
	case len(b) < 8 || b[0]>>6 != 2:
		return kindOther, h
	case b[1] >= 192 && b[1] <= 223:
		return kindRTCP, h
	}
	if h, ok := parseRTP(b); ok {
		return kindRTP, h
	}
	return kindOther, h
}

// parseAhead classifies a UDP payload and parses SIP, for the analysis.
// A parser panic leaves p.sip nil: the analysis then parses the packet
// again under its own recovery, which counts the failure.
func parseAhead(p *Packet) {
	if p.Proto != UDP {
		return
	}
	p.kind, p.rtp = classify(p.Payload)
	if p.kind == kindSIP {
		p.sip = parseSIPAhead(p.Payload)
	}
}

// parseSIPAhead parses a SIP message; nil if the parser panics.
func parseSIPAhead(b []byte) (ps *parsedSIP) {
	defer func() {
		if recover() != nil {
			ps = nil
		}
	}()
	m, _ := sip.ParseWith(b, sip.Limits{MaxMessageSize: maxSIPMessage})
	return &parsedSIP{m: m}
}
