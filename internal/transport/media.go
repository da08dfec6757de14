package transport

import (
	"encoding/binary"
	"fmt"
)

// MediaKind classifies a datagram as RTP, RTCP or neither (RFC 3550 §5.1,
// §6.4; RFC 5761 §4 distinguishes them by the payload type byte).
type MediaKind int

// The media kinds ClassifyMedia returns.
const (
	NotMedia MediaKind = iota
	MediaRTP
	MediaRTCP
)

// ClassifyMedia tells RTP and RTCP datagrams apart from SIP and anything
// else: version 2, a header long enough for its kind, and for RTCP a packet
// type 200–207 (RFC 5761 §4). SIP messages start with a letter, whose top
// two bits are 01, so they never classify as media.
func ClassifyMedia(b []byte) MediaKind {
	if len(b) < 8 || b[0]>>6 != 2 {
		return NotMedia
	}
	if pt := b[1]; pt >= 200 && pt <= 207 {
		return MediaRTCP
	}
	if len(b) < 12 {
		return NotMedia
	}
	return MediaRTP
}

// MediaSummary renders an RTP or RTCP datagram as one line of text for the
// evidence log (binary payloads are useless in JSON and large): RTP gives
// the header fields and the payload size, RTCP the packet types. It returns
// false for anything that is not media.
func MediaSummary(b []byte) (string, bool) {
	switch ClassifyMedia(b) {
	case MediaRTP:
		cc := int(b[0] & 0x0f)
		return fmt.Sprintf("RTP pt=%d seq=%d ts=%d ssrc=0x%08x marker=%t csrc=%d size=%d",
			b[1]&0x7f, binary.BigEndian.Uint16(b[2:4]), binary.BigEndian.Uint32(b[4:8]),
			binary.BigEndian.Uint32(b[8:12]), b[1]&0x80 != 0, cc, len(b)), true
	case MediaRTCP:
		s := "RTCP"
		// Walk the compound packet (RFC 3550 §6.1), at most 16 parts.
		for off, n := 0, 0; off+4 <= len(b) && n < 16; n++ {
			pt := b[off+1]
			words := int(binary.BigEndian.Uint16(b[off+2 : off+4]))
			name := rtcpTypeName(pt)
			if off+8 <= len(b) {
				s += fmt.Sprintf(" %s(ssrc=0x%08x,count=%d)", name, binary.BigEndian.Uint32(b[off+4:off+8]), b[off]&0x1f)
			} else {
				s += " " + name
			}
			off += (words + 1) * 4
		}
		return s + fmt.Sprintf(" size=%d", len(b)), true
	}
	return "", false
}

func rtcpTypeName(pt byte) string {
	switch pt {
	case 200:
		return "SR"
	case 201:
		return "RR"
	case 202:
		return "SDES"
	case 203:
		return "BYE"
	case 204:
		return "APP"
	case 205:
		return "RTPFB"
	case 206:
		return "PSFB"
	}
	return fmt.Sprintf("PT%d", pt)
}
