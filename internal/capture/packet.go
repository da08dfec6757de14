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

// What a UDP payload is, as parseAhead sees it.
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

// parseAhead classifies a UDP payload as Analyzer.udp does — SIP, RTCP,
// RTP (with its header parsed) or neither — and parses SIP. A parser
// panic leaves p.sip nil: the analysis then parses the packet again under
// its own recovery, which counts the failure.
func parseAhead(p *Packet) {
	if p.Proto != UDP {
		return
	}
	b := p.Payload
	switch {
	case looksSIP(b):
		p.kind = kindSIP
		p.sip = parseSIPAhead(b)
	case len(b) < 8 || b[0]>>6 != 2:
		p.kind = kindOther
	case b[1] >= 192 && b[1] <= 223:
		p.kind = kindRTCP
	default:
		p.kind = kindOther
		if h, ok := parseRTP(b); ok {
			p.kind, p.rtp = kindRTP, h
		}
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
