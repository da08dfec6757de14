package capture

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// fastUDP4 decodes the frame that makes up nearly all of a VoIP capture —
// Ethernet, Linux cooked (SLL) or raw IP framing, an IPv4 header without
// options that is not a fragment, and UDP — without going through
// gopacket's layer machinery, which costs several times more per packet.
// It gives exactly what DecodingLayerParser gives for such a frame
// (TestFastPathMatchesGopacket and FuzzFastPath hold it to that) and says
// ok = false for anything else, which then takes the gopacket path.
func fastUDP4(lt layers.LinkType, data []byte) (src, dst netip.AddrPort, payload []byte, ok bool) {
	var ip []byte
	switch lt {
	case layers.LinkTypeEthernet:
		if len(data) < 14 || data[12] != 0x08 || data[13] != 0x00 {
			return
		}
		ip = data[14:]
	case layers.LinkTypeLinuxSLL:
		// gopacket rejects an address length over the 8-byte field
		if len(data) < 16 || data[14] != 0x08 || data[15] != 0x00 || binary.BigEndian.Uint16(data[4:6]) > 8 {
			return
		}
		ip = data[16:]
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, 12:
		ip = data
	default:
		return
	}
	// IPv4, header length 5 words (options go the long way), protocol UDP,
	// neither more-fragments nor an offset.
	if len(ip) < 28 || ip[0] != 0x45 || ip[9] != 17 || ip[6]&0x3f != 0 || ip[7] != 0 {
		return
	}
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	if total == 0 || total < 28 {
		return // zero (TSO) or too short for UDP: the long way
	}
	if total < len(ip) {
		ip = ip[:total] // link-layer padding
	}
	udp := ip[20:]
	ulen := int(binary.BigEndian.Uint16(udp[4:6]))
	if ulen < 8 {
		return // zero (jumbogram) or invalid: the long way
	}
	ulen = min(ulen, len(udp))
	src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[12:16])), binary.BigEndian.Uint16(udp[0:2]))
	dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[16:20])), binary.BigEndian.Uint16(udp[2:4]))
	return src, dst, udp[8:ulen], true
}
