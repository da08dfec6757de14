package check

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// SDP protocols sipvet offers (RFC 3551, RFC 3711, RFC 5764).
const (
	uaProtoAVP  = "RTP/AVP"
	uaProtoSAVP = "RTP/SAVP"
	uaProtoDTLS = "UDP/TLS/RTP/SAVP"
)

// uaMaxSDP bounds the SDP bodies the UA checks parse.
const uaMaxSDP = 16 << 10

// errUANoAudio is returned when an SDP body has no audio stream.
var errUANoAudio = errors.New("check: sdp has no audio stream")

// uaCodec is one payload format of an offer.
type uaCodec struct {
	pt   uint8
	name string // encoding name/clock[/channels], e.g. "PCMU/8000"
	fmtp string
}

// uaOfferSpec describes the SDP offer a UA check sends.
type uaOfferSpec struct {
	// addr and port are the c= address and the m= port.
	addr string
	port int
	// rtcpPort is announced with a=rtcp (RFC 3605) when > 0.
	rtcpPort int
	proto    string
	codecs   []uaCodec
	// direction is sendrecv (default), sendonly, recvonly or inactive.
	direction string
	// cryptoKey, when set, is offered as an AES_CM_128_HMAC_SHA1_80 SDES
	// key (RFC 4568): 30 bytes of key and salt.
	cryptoKey []byte
	// fingerprint, when set, offers DTLS-SRTP (RFC 5763) with this
	// sha-256 fingerprint value.
	fingerprint string
	sessionID   uint64
}

// uaG711 is the plain offer: PCMU and PCMA (RFC 3551).
func uaG711() []uaCodec {
	return []uaCodec{{pt: 0, name: "PCMU/8000"}, {pt: 8, name: "PCMA/8000"}}
}

// uaOpusFirst offers Opus (RFC 7587) before G.711, without cbr, so that the
// answer shows whether the UA keeps VBR.
func uaOpusFirst() []uaCodec {
	return append([]uaCodec{{pt: 96, name: "opus/48000/2", fmtp: "useinbandfec=1"}}, uaG711()...)
}

// uaBuildOffer renders an SDP offer with pion/sdp.
func uaBuildOffer(s uaOfferSpec) []byte {
	family := "IP4"
	if a, err := netip.ParseAddr(s.addr); err == nil && a.Is6() && !a.Is4In6() {
		family = "IP6"
	}
	proto := s.proto
	if proto == "" {
		proto = uaProtoAVP
	}
	codecs := s.codecs
	if len(codecs) == 0 {
		codecs = uaG711()
	}
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: s.port}, Protos: strings.Split(proto, "/")},
	}
	for _, c := range codecs {
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(c.pt)))
	}
	md.MediaName.Formats = append(md.MediaName.Formats, "101")
	for _, c := range codecs {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s", c.pt, c.name)))
		if c.fmtp != "" {
			md.Attributes = append(md.Attributes, sdp.NewAttribute("fmtp", fmt.Sprintf("%d %s", c.pt, c.fmtp)))
		}
	}
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute("rtpmap", "101 telephone-event/8000"),
		sdp.NewAttribute("fmtp", "101 0-16"),
		sdp.NewAttribute("ptime", "20"))
	if s.rtcpPort > 0 {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("rtcp", strconv.Itoa(s.rtcpPort)))
	}
	if len(s.cryptoKey) > 0 {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("crypto",
			"1 AES_CM_128_HMAC_SHA1_80 inline:"+base64.StdEncoding.EncodeToString(s.cryptoKey)))
	}
	if s.fingerprint != "" {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("fingerprint", "sha-256 "+s.fingerprint),
			sdp.NewAttribute("setup", "actpass"))
	}
	dir := s.direction
	if dir == "" {
		dir = "sendrecv"
	}
	md.Attributes = append(md.Attributes, sdp.NewPropertyAttribute(dir))
	sd := &sdp.SessionDescription{
		Origin: sdp.Origin{Username: "sipvet", SessionID: s.sessionID, SessionVersion: s.sessionID,
			NetworkType: "IN", AddressType: family, UnicastAddress: s.addr},
		SessionName: "sipvet",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: family,
			Address: &sdp.Address{Address: s.addr}},
		TimeDescriptions:  []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions: []*sdp.MediaDescription{md},
	}
	b, err := sd.Marshal()
	if err != nil {
		// Marshal fails only on nil fields, which the literal above has not.
		return nil
	}
	return b
}

// uaRandKey returns n random bytes from r (an SDES key and salt).
func uaRandKey(r io.Reader, n int) []byte {
	b := make([]byte, n)
	_, _ = io.ReadFull(r, b)
	return b
}

// uaFakeFingerprint returns a sha-256 fingerprint-shaped value from r: the
// UA checks only look at the answer, no DTLS handshake follows.
func uaFakeFingerprint(r io.Reader) string {
	b := uaRandKey(r, 32)
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

// uaMediaInfo is what the UA checks read from an SDP answer: its first
// audio stream.
type uaMediaInfo struct {
	// origin is the o= unicast address; conn the effective c= address
	// (media level, else session level).
	origin, conn string
	port         int
	rtcpPort     int
	proto        string
	// pts are the payload types of the m= line, in order; rtpmap maps a
	// payload type to its lower-case encoding name ("opus", "pcmu") and
	// fmtp to its format parameters.
	pts       []uint8
	rtpmap    map[uint8]string
	fmtp      map[uint8]string
	crypto    []string
	fpr       string
	direction string
}

// addrPort is the media destination, invalid when the answer names no
// usable IP address or port.
func (m uaMediaInfo) addrPort() netip.AddrPort {
	a, err := netip.ParseAddr(m.conn)
	if err != nil || m.port <= 0 || m.port > 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(m.port))
}

// secure reports whether the stream's profile is SRTP.
func (m uaMediaInfo) secure() bool { return strings.Contains(m.proto, "SAVP") }

// firstCodec returns the encoding name of the first payload type that is
// not telephone-event or comfort noise ("" when unknown).
func (m uaMediaInfo) firstCodec() (uint8, string) {
	for _, pt := range m.pts {
		name := m.rtpmap[pt]
		if name == "" {
			switch pt {
			case 0:
				name = "pcmu"
			case 8:
				name = "pcma"
			case 9:
				name = "g722"
			case 18:
				name = "g729"
			case 13:
				name = "cn"
			}
		}
		if name == "telephone-event" || name == "cn" {
			continue
		}
		return pt, name
	}
	return 0, ""
}

// uaParseSDP reads the first audio stream of an SDP body with pion/sdp. It
// never panics and rejects bodies over uaMaxSDP.
func uaParseSDP(body []byte) (uaMediaInfo, error) {
	var mi uaMediaInfo
	if len(body) > uaMaxSDP {
		return mi, fmt.Errorf("check: sdp of %d bytes is over the limit of %d", len(body), uaMaxSDP)
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return mi, fmt.Errorf("check: sdp: %w", err)
	}
	mi.origin = sd.Origin.UnicastAddress
	if sd.ConnectionInformation != nil && sd.ConnectionInformation.Address != nil {
		mi.conn = sd.ConnectionInformation.Address.Address
	}
	for _, md := range sd.MediaDescriptions {
		if md == nil || md.MediaName.Media != "audio" {
			continue
		}
		if md.ConnectionInformation != nil && md.ConnectionInformation.Address != nil {
			mi.conn = md.ConnectionInformation.Address.Address
		}
		mi.port = md.MediaName.Port.Value
		mi.proto = strings.Join(md.MediaName.Protos, "/")
		mi.rtpmap, mi.fmtp = map[uint8]string{}, map[uint8]string{}
		for _, f := range md.MediaName.Formats {
			if n, err := strconv.ParseUint(f, 10, 8); err == nil && n < 128 {
				mi.pts = append(mi.pts, uint8(n))
			}
		}
		mi.direction = "sendrecv"
		for _, a := range md.Attributes {
			switch a.Key {
			case "rtpmap", "fmtp":
				num, rest, _ := strings.Cut(a.Value, " ")
				n, err := strconv.ParseUint(num, 10, 8)
				if err != nil || n >= 128 {
					continue
				}
				if a.Key == "rtpmap" {
					name, _, _ := strings.Cut(strings.TrimSpace(rest), "/")
					mi.rtpmap[uint8(n)] = strings.ToLower(name)
				} else {
					mi.fmtp[uint8(n)] = strings.TrimSpace(rest)
				}
			case "rtcp":
				f := strings.Fields(a.Value)
				if len(f) > 0 {
					mi.rtcpPort, _ = strconv.Atoi(f[0])
				}
			case "crypto":
				if len(mi.crypto) < 16 {
					mi.crypto = append(mi.crypto, a.Value)
				}
			case "fingerprint":
				mi.fpr = a.Value
			case "sendrecv", "sendonly", "recvonly", "inactive":
				mi.direction = a.Key
			}
		}
		return mi, nil
	}
	return mi, errUANoAudio
}

// uaFmtpParam returns a parameter of an fmtp value ("cbr" of
// "useinbandfec=1; cbr=1").
func uaFmtpParam(fmtp, name string) (string, bool) {
	for _, p := range strings.FieldsFunc(fmtp, func(r rune) bool { return r == ';' || r == ' ' }) {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
