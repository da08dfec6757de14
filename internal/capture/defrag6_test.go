package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// frag6 is one IPv6 fragment to build: the byte range [off, end) of the
// fragmentable part, and whether more fragments follow.
type frag6 struct {
	off, end int
	more     bool
}

// fragHeader6 builds an IPv6 Fragment header.
func fragHeader6(next uint8, off int, more bool, id uint32) []byte {
	h := make([]byte, 8)
	h[0] = next
	w := uint16(off) &^ 7
	if more {
		w |= 1
	}
	binary.BigEndian.PutUint16(h[2:], w)
	binary.BigEndian.PutUint32(h[4:], id)
	return h
}

// udp6Fragments adds a UDP datagram over IPv6 as the given fragments, in
// the given order (fragments may overlap or leave holes on purpose).
func (b *capBuilder) udp6Fragments(src, dst string, payload []byte, id uint32, frags []frag6) {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	ip := ipLayer(s.Addr(), d.Addr(), layers.IPProtocolUDP).(*layers.IPv6)
	u := &layers.UDP{SrcPort: layers.UDPPort(s.Port()), DstPort: layers.UDPPort(d.Port())}
	_ = u.SetNetworkLayerForChecksum(ip)
	dgram := b.serialize(ip, u, gopacket.Payload(payload))[40:]
	for _, f := range frags {
		h := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment, SrcIP: net.IP(s.Addr().AsSlice()), DstIP: net.IP(d.Addr().AsSlice())}
		body := append(fragHeader6(uint8(layers.IPProtocolUDP), f.off, f.more, id), dgram[f.off:min(f.end, len(dgram))]...)
		b.frames = append(b.frames, frame{b.now, b.serialize(h, gopacket.Payload(body))})
		b.advance(time.Millisecond)
	}
}

func TestDefrag6(t *testing.T) {
	a, z := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	data := bytes.Repeat([]byte("0123456789abcdef"), 6) // 96 bytes
	piece := func(off, end int, more bool, id uint32) []byte {
		return append(fragHeader6(17, off, more, id), data[off:end]...)
	}
	now := time.Unix(100, 0)
	cases := []struct {
		name   string
		frags  [][]byte
		want   []byte // nil: nothing reassembled
		atLast bool   // the datagram completes on the last fragment
	}{
		{"in order", [][]byte{piece(0, 32, true, 1), piece(32, 64, true, 1), piece(64, 96, false, 1)}, data, true},
		{"reversed", [][]byte{piece(64, 96, false, 2), piece(32, 64, true, 2), piece(0, 32, true, 2)}, data, true},
		{"duplicate ignored", [][]byte{piece(0, 32, true, 3), piece(0, 32, true, 3), piece(32, 96, false, 3)}, data, true},
		{"overlap drops the datagram", [][]byte{piece(0, 40, true, 4), piece(32, 96, false, 4)}, nil, false},
		{"hole", [][]byte{piece(0, 32, true, 5), piece(64, 96, false, 5)}, nil, false},
		{"atomic fragment", [][]byte{piece(0, 96, false, 6)}, data, true},
		{"unaligned middle fragment", [][]byte{piece(0, 30, true, 7), piece(30, 96, false, 7)}, nil, false},
		{"two different ends", [][]byte{piece(64, 96, false, 8), piece(0, 32, true, 8), piece(32, 64, false, 8)}, nil, false},
		{"short header", [][]byte{{17, 0, 0}}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDefrag6()
			var got []byte
			completedAt := -1
			for i, f := range c.frags {
				if next, out, ok := d.add(a, z, f, now); ok {
					if next != 17 {
						t.Errorf("next header %d", next)
					}
					got, completedAt = out, i
				}
			}
			if !bytes.Equal(got, c.want) {
				t.Fatalf("reassembled %q, want %q", got, c.want)
			}
			if c.atLast && completedAt != len(c.frags)-1 {
				t.Errorf("completed at fragment %d of %d", completedAt+1, len(c.frags))
			}
			if c.want != nil && len(d.pending) != 0 {
				t.Errorf("%d datagrams still pending", len(d.pending))
			}
		})
	}
	t.Run("bounded and expired", func(t *testing.T) {
		d := newDefrag6()
		for id := range uint32(maxPending6 + 100) {
			d.add(a, z, piece(0, 32, true, id), now)
		}
		if len(d.pending) > maxPending6 {
			t.Fatalf("%d pending, limit %d", len(d.pending), maxPending6)
		}
		d.expire(now.Add(fragTimeout6 + time.Second))
		if len(d.pending) != 0 {
			t.Fatalf("%d pending after the timeout", len(d.pending))
		}
	})
}

// TestIPv6FragmentedSIP reads a capture in which a SIP request carrying
// digest credentials crosses IPv6 in three fragments, out of order: the
// analyser must see the digest. An overlapping copy (RFC 5722: discarded)
// and an incomplete one must add nothing.
func TestIPv6FragmentedSIP(t *testing.T) {
	b := newCap(t)
	ua, proxy := "[2001:db8::10]:5060", "[2001:db8::1]:5060"
	auth := `Authorization: Digest username="carol", realm="v6.example", nonce="n6", uri="sip:2001@[2001:db8::1]", response="00112233445566778899aabbccddeeff", algorithm=MD5`
	msg := func(callID string) []byte {
		return []byte("INVITE sip:2001@[2001:db8::1] SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bK" + callID +
			"\r\nFrom: <sip:carol@v6.example>;tag=f1\r\nTo: <sip:2001@v6.example>\r\nCall-ID: " + callID + "\r\nCSeq: 2 INVITE\r\n" + auth +
			"\r\nX-Pad: " + strings.Repeat("p", 500) + "\r\nContent-Length: 0\r\n\r\n")
	}
	m := msg("v6-call-1")
	n := len(m) + 8
	third := (n / 3) &^ 7
	b.udp6Fragments(ua, proxy, m, 77, []frag6{{2 * third, n, false}, {0, third, true}, {third, 2 * third, true}})
	b.udp6Fragments(ua, proxy, msg("v6-call-2"), 78, []frag6{{0, third + 8, true}, {third, n, false}})
	b.udp6Fragments(ua, proxy, msg("v6-call-3"), 79, []frag6{{0, third, true}})
	rep, st := analyze(t, b.pcap(layers.LinkTypeEthernet, false), Options{})
	if st.Fragments != 6 || st.Reassembled != 1 {
		t.Errorf("fragments %d, reassembled %d; want 6 and 1", st.Fragments, st.Reassembled)
	}
	if len(rep.Digests) != 1 {
		t.Fatalf("digests %d, want 1", len(rep.Digests))
	}
	if d := rep.Digests[0]; d.Credentials.Username != "carol" || d.Credentials.Realm != "v6.example" || d.Client != ua {
		t.Errorf("digest %+v", d)
	}
}
