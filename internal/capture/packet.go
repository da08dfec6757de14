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
}

// parsedSIP is a SIP message parsed ahead of the analysis.
type parsedSIP struct {
	m *sip.Message
}

// parseAhead parses a UDP payload that looks like SIP; nil otherwise. A
// parser panic gives nil: the analysis then parses the packet again under
// its own recovery, which counts the failure.
func parseAhead(p *Packet) (ps *parsedSIP) {
	if p.Proto != UDP || !looksSIP(p.Payload) {
		return nil
	}
	defer func() {
		if recover() != nil {
			ps = nil
		}
	}()
	m, _ := sip.ParseWith(p.Payload, sip.Limits{MaxMessageSize: maxSIPMessage})
	return &parsedSIP{m: m}
}
