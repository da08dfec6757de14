package lab

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// errNoAudio is returned when an SDP offer has no usable audio stream.
var errNoAudio = errors.New("lab: sdp offer has no audio stream with PCMU or PCMA")

// sdpOffer is the part of an SDP offer (RFC 4566) the lab uses.
type sdpOffer struct {
	// addr is the audio destination (c= address and m= port); it may be
	// invalid when the offer gives no usable address (port 0, hostnames).
	addr netip.AddrPort
	// pts are the payload types of the first audio m= line.
	pts []int
	// dtmf is the telephone-event payload type, or -1.
	dtmf int
}

// parseSDP extracts the first audio stream from an SDP body. It never
// panics on hostile input and reads at most 200 lines.
func parseSDP(body []byte) (sdpOffer, error) {
	o := sdpOffer{dtmf: -1}
	var sessionConn, mediaConn string
	inAudio, seenAudio := false, false
	port := -1
	lines := bytes.Split(body, []byte("\n"))
	if len(lines) > 200 {
		lines = lines[:200]
	}
	for _, raw := range lines {
		line := strings.TrimRight(string(raw), "\r")
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		val := line[2:]
		switch line[0] {
		case 'm':
			if seenAudio {
				inAudio = false
				continue
			}
			f := strings.Fields(val)
			if len(f) < 3 || f[0] != "audio" {
				inAudio = false
				continue
			}
			inAudio, seenAudio = true, true
			p, err := strconv.Atoi(strings.SplitN(f[1], "/", 2)[0])
			if err == nil && p >= 0 && p <= 65535 {
				port = p
			}
			for _, s := range f[3:] {
				if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 127 {
					o.pts = append(o.pts, n)
				}
			}
		case 'c':
			f := strings.Fields(val)
			if len(f) < 3 {
				continue
			}
			host := strings.SplitN(f[2], "/", 2)[0]
			if inAudio {
				mediaConn = host
			} else if !seenAudio {
				sessionConn = host
			}
		case 'a':
			if !inAudio {
				continue
			}
			if rest, ok := strings.CutPrefix(val, "rtpmap:"); ok {
				f := strings.Fields(rest)
				if len(f) == 2 && strings.HasPrefix(strings.ToLower(f[1]), "telephone-event/") {
					if n, err := strconv.Atoi(f[0]); err == nil {
						o.dtmf = n
					}
				}
			}
		}
	}
	if !seenAudio {
		return o, errNoAudio
	}
	conn := mediaConn
	if conn == "" {
		conn = sessionConn
	}
	if a, err := netip.ParseAddr(conn); err == nil && port > 0 {
		o.addr = netip.AddrPortFrom(a.Unmap(), uint16(port))
	}
	return o, nil
}

// choosePT picks PCMU, else PCMA, from an offer.
func (o sdpOffer) choosePT() (uint8, error) {
	for _, want := range []int{ptPCMU, ptPCMA} {
		for _, p := range o.pts {
			if p == want {
				return uint8(want), nil
			}
		}
	}
	return 0, errNoAudio
}

// sdpParams are the values of an SDP offer or answer the lab writes.
type sdpParams struct {
	ip        string
	port      int
	rtcpPort  int
	pts       []int
	dtmf      int
	sessionID uint64
	user      string
}

// buildSDP renders an SDP body for the auto-answering UA.
func buildSDP(p sdpParams) []byte {
	family := "IP4"
	if a, err := netip.ParseAddr(p.ip); err == nil && a.Is6() && !a.Is4In6() {
		family = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=%s %d %d IN %s %s\r\ns=sipvet-lab\r\nc=IN %s %s\r\nt=0 0\r\n",
		p.user, p.sessionID, p.sessionID, family, p.ip, family, p.ip)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP", p.port)
	for _, pt := range p.pts {
		fmt.Fprintf(&b, " %d", pt)
	}
	if p.dtmf >= 0 {
		fmt.Fprintf(&b, " %d", p.dtmf)
	}
	b.WriteString("\r\n")
	for _, pt := range p.pts {
		switch pt {
		case ptPCMU:
			b.WriteString("a=rtpmap:0 PCMU/8000\r\n")
		case ptPCMA:
			b.WriteString("a=rtpmap:8 PCMA/8000\r\n")
		}
	}
	if p.dtmf >= 0 {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", p.dtmf, p.dtmf)
	}
	fmt.Fprintf(&b, "a=rtcp:%d\r\na=ptime:20\r\na=sendrecv\r\n", p.rtcpPort)
	return []byte(b.String())
}
