package capture

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/srtp/v3"
)

// maxSDPMedia bounds the media sections taken from one SDP body.
const maxSDPMedia = 16

// codec is one rtpmap entry (RFC 4566 §6, RFC 3551 static payload types).
type codec struct {
	Name     string
	Rate     int
	Channels int
	Fmtp     string
}

// sdpMedia is what the analyser needs from one m= section.
type sdpMedia struct {
	Media    string
	Addr     netip.Addr
	Port     int
	RTCPPort int
	Mux      bool
	Proto    string
	Codecs   map[uint8]codec
	Crypto   []SDESKey
}

// SDESKey is one a=crypto attribute (RFC 4568 §9.1) with its decoded
// master key and salt.
type SDESKey struct {
	Tag    int    `json:"tag"`
	Suite  string `json:"suite"`
	Inline string `json:"inline"`
	// Params holds the lifetime/MKI part and session parameters as written.
	Params string `json:"params,omitempty"`
	Key    []byte `json:"-"`
	Salt   []byte `json:"-"`
	// Profile is the SRTP protection profile of Suite; zero when sipvet does
	// not support the suite.
	Profile srtp.ProtectionProfile `json:"-"`
}

// suiteProfile maps SDES crypto-suite names (RFC 4568, RFC 6188, RFC 7714)
// to SRTP protection profiles.
func suiteProfile(s string) srtp.ProtectionProfile {
	switch strings.ToUpper(s) {
	case "AES_CM_128_HMAC_SHA1_80":
		return srtp.ProtectionProfileAes128CmHmacSha1_80
	case "AES_CM_128_HMAC_SHA1_32":
		return srtp.ProtectionProfileAes128CmHmacSha1_32
	case "AES_256_CM_HMAC_SHA1_80", "AES_CM_256_HMAC_SHA1_80":
		return srtp.ProtectionProfileAes256CmHmacSha1_80
	case "AES_256_CM_HMAC_SHA1_32", "AES_CM_256_HMAC_SHA1_32":
		return srtp.ProtectionProfileAes256CmHmacSha1_32
	case "AEAD_AES_128_GCM":
		return srtp.ProtectionProfileAeadAes128Gcm
	case "AEAD_AES_256_GCM":
		return srtp.ProtectionProfileAeadAes256Gcm
	}
	return 0
}

// parseCrypto parses "1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^20|1:4 ...".
func parseCrypto(v string) (SDESKey, bool) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return SDESKey{}, false
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil {
		return SDESKey{}, false
	}
	k := SDESKey{Tag: tag, Suite: f[1], Profile: suiteProfile(f[1])}
	kp := f[2]
	if i := strings.IndexByte(kp, ';'); i >= 0 { // several keys: take the first
		kp = kp[:i]
	}
	if !strings.HasPrefix(strings.ToLower(kp), "inline:") {
		return SDESKey{}, false
	}
	kp = kp[len("inline:"):]
	b64, params, _ := strings.Cut(kp, "|")
	k.Inline, k.Params = b64, params
	if len(f) > 3 {
		k.Params = strings.TrimPrefix(k.Params+" "+strings.Join(f[3:], " "), " ")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(b64, "="))
	}
	if err != nil || k.Profile == 0 {
		k.Profile = 0
		return k, true
	}
	kl, _ := k.Profile.KeyLen()
	sl, _ := k.Profile.SaltLen()
	if len(raw) != kl+sl {
		k.Profile = 0
		return k, true
	}
	k.Key, k.Salt = raw[:kl], raw[kl:]
	return k, true
}

// staticCodecs returns the RFC 3551 static payload types.
func staticCodec(pt uint8) (codec, bool) {
	switch pt {
	case 0:
		return codec{"PCMU", 8000, 1, ""}, true
	case 3:
		return codec{"GSM", 8000, 1, ""}, true
	case 4:
		return codec{"G723", 8000, 1, ""}, true
	case 8:
		return codec{"PCMA", 8000, 1, ""}, true
	case 9:
		return codec{"G722", 8000, 1, ""}, true
	case 13:
		return codec{"CN", 8000, 1, ""}, true
	case 18:
		return codec{"G729", 8000, 1, ""}, true
	}
	return codec{}, false
}

// parseSDP reads the media sections of an SDP body: with pion/sdp first,
// and line by line when pion rejects the body.
func parseSDP(body []byte) []sdpMedia {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err == nil {
		return fromPion(&sd)
	}
	return parseSDPRaw(string(body))
}

func fromPion(sd *sdp.SessionDescription) []sdpMedia {
	var session netip.Addr
	if sd.ConnectionInformation != nil && sd.ConnectionInformation.Address != nil {
		session = parseConnAddr(sd.ConnectionInformation.Address.Address)
	}
	var out []sdpMedia
	for _, md := range sd.MediaDescriptions {
		if len(out) == maxSDPMedia {
			break
		}
		m := newMedia(md.MediaName.Media, md.MediaName.Port.Value, strings.Join(md.MediaName.Protos, "/"), md.MediaName.Formats)
		m.Addr = session
		if md.ConnectionInformation != nil && md.ConnectionInformation.Address != nil {
			m.Addr = parseConnAddr(md.ConnectionInformation.Address.Address)
		}
		for _, a := range md.Attributes {
			m.attribute(a.Key, a.Value)
		}
		out = append(out, m)
	}
	return out
}

func newMedia(media string, port int, proto string, formats []string) sdpMedia {
	m := sdpMedia{Media: media, Port: port, RTCPPort: port + 1, Proto: proto, Codecs: map[uint8]codec{}}
	for _, f := range formats {
		if pt, err := strconv.Atoi(f); err == nil && pt >= 0 && pt < 128 {
			if c, ok := staticCodec(uint8(pt)); ok {
				m.Codecs[uint8(pt)] = c
			}
		}
	}
	return m
}

func (m *sdpMedia) attribute(key, val string) {
	switch strings.ToLower(key) {
	case "rtpmap":
		ptS, enc, _ := strings.Cut(val, " ")
		pt, err := strconv.Atoi(ptS)
		if err != nil || pt < 0 || pt > 127 {
			return
		}
		p := strings.Split(strings.TrimSpace(enc), "/")
		c := m.Codecs[uint8(pt)]
		c.Name = p[0]
		if len(p) > 1 {
			c.Rate, _ = strconv.Atoi(p[1])
		}
		c.Channels = 1
		if len(p) > 2 {
			c.Channels, _ = strconv.Atoi(p[2])
		}
		m.Codecs[uint8(pt)] = c
	case "fmtp":
		ptS, params, _ := strings.Cut(val, " ")
		if pt, err := strconv.Atoi(ptS); err == nil && pt >= 0 && pt < 128 {
			c := m.Codecs[uint8(pt)]
			c.Fmtp = params
			m.Codecs[uint8(pt)] = c
		}
	case "rtcp":
		p, _, _ := strings.Cut(val, " ")
		if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 {
			m.RTCPPort = n
		}
	case "rtcp-mux":
		m.Mux = true
	case "crypto":
		if k, ok := parseCrypto(val); ok && len(m.Crypto) < 8 {
			m.Crypto = append(m.Crypto, k)
		}
	}
}

func parseConnAddr(s string) netip.Addr {
	s, _, _ = strings.Cut(s, "/") // multicast TTL
	a, _ := netip.ParseAddr(s)
	return a
}

// parseSDPRaw is the lenient fallback: c=, m= and a= lines only.
func parseSDPRaw(body string) []sdpMedia {
	var session netip.Addr
	var out []sdpMedia
	cur := -1
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimRight(line, "\r")
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		v := line[2:]
		switch line[0] {
		case 'c':
			f := strings.Fields(v)
			if len(f) == 3 {
				a := parseConnAddr(f[2])
				if cur < 0 {
					session = a
				} else {
					out[cur].Addr = a
				}
			}
		case 'm':
			if len(out) == maxSDPMedia {
				return out
			}
			f := strings.Fields(v)
			if len(f) < 3 {
				cur = -1
				continue
			}
			ps, _, _ := strings.Cut(f[1], "/")
			port, _ := strconv.Atoi(ps)
			m := newMedia(f[0], port, f[2], f[3:])
			m.Addr = session
			out = append(out, m)
			cur = len(out) - 1
		case 'a':
			if cur >= 0 {
				k, val, _ := strings.Cut(v, ":")
				out[cur].attribute(k, val)
			}
		}
	}
	return out
}
