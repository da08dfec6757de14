package check

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// Hand-built TLS ClientHellos and a parser for the server's first flight
// (RFC 5246 §7.4, RFC 6101 for SSL 3.0). crypto/tls cannot offer SSL 3.0,
// export, NULL, RC4, DES, IDEA or anonymous suites; a scanner only needs the
// server's answer to an offer, not a working session, so the hello is
// written byte by byte and the reply parsed up to ServerHelloDone. Nothing
// here needs a cryptographic library, and the same hello works for every
// legacy version.

// TLS protocol versions as they appear on the wire.
const (
	verSSL30 uint16 = 0x0300
	verTLS10 uint16 = 0x0301
	verTLS11 uint16 = 0x0302
	verTLS12 uint16 = 0x0303
)

func versionName(v uint16) string {
	switch v {
	case verSSL30:
		return "SSLv3"
	case verTLS10:
		return "TLS1.0"
	case verTLS11:
		return "TLS1.1"
	case verTLS12:
		return "TLS1.2"
	case 0x0304:
		return "TLS1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// suiteGroup is a named set of cipher suites.
type suiteGroup struct {
	Name   string
	Suites []uint16
}

// weakSuiteGroups lists the weak suite families of item 20 (IANA TLS
// Cipher Suites registry values).
func weakSuiteGroups() []suiteGroup {
	return []suiteGroup{
		{"NULL", []uint16{0x0001, 0x0002, 0x003b, 0xc001, 0xc006, 0xc00b, 0xc010, 0xc015}},
		{"EXPORT", []uint16{0x0003, 0x0006, 0x0008, 0x000b, 0x000e, 0x0011, 0x0014, 0x0017, 0x0019, 0x0062, 0x0063, 0x0064, 0x0065}},
		{"DES", []uint16{0x0009, 0x000c, 0x000f, 0x0012, 0x0015, 0x001a}},
		{"3DES", []uint16{0x000a, 0x000d, 0x0010, 0x0013, 0x0016, 0x001b, 0xc003, 0xc008, 0xc00d, 0xc012, 0xc017}},
		{"RC4", []uint16{0x0004, 0x0005, 0x0018, 0xc002, 0xc007, 0xc00c, 0xc011, 0xc016}},
		{"IDEA", []uint16{0x0007}},
		{"anonymous", []uint16{0x0018, 0x001b, 0x0034, 0x003a, 0x006c, 0x006d, 0x00a6, 0x00a7, 0xc015, 0xc016, 0xc017, 0xc018, 0xc019}},
	}
}

// strongSuites are modern suites (ECDHE/DHE/RSA with AES-GCM, ChaCha20,
// AES-CBC) offered when probing versions and certificates.
func strongSuites() []uint16 {
	return []uint16{0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc023, 0xc027, 0xc024, 0xc028,
		0xc009, 0xc013, 0xc00a, 0xc014, 0x009e, 0x009f, 0x0067, 0x006b, 0x0033, 0x0039,
		0x009c, 0x009d, 0x003c, 0x003d, 0x002f, 0x0035}
}

// broadSuites are the strong suites followed by every weak one, so that
// any server, however old, finds something it accepts.
func broadSuites() []uint16 {
	out := strongSuites()
	seen := map[uint16]bool{}
	for _, s := range out {
		seen[s] = true
	}
	for _, g := range weakSuiteGroups() {
		for _, s := range g.Suites {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// suiteName returns the IANA name of a suite (crypto/tls knows only the
// ones it implements).
func suiteName(s uint16) string {
	names := map[uint16]string{
		0x0001: "TLS_RSA_WITH_NULL_MD5", 0x0002: "TLS_RSA_WITH_NULL_SHA", 0x003b: "TLS_RSA_WITH_NULL_SHA256",
		0xc001: "TLS_ECDH_ECDSA_WITH_NULL_SHA", 0xc006: "TLS_ECDHE_ECDSA_WITH_NULL_SHA", 0xc00b: "TLS_ECDH_RSA_WITH_NULL_SHA",
		0xc010: "TLS_ECDHE_RSA_WITH_NULL_SHA", 0xc015: "TLS_ECDH_anon_WITH_NULL_SHA",
		0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5", 0x0006: "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", 0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
		0x000b: "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", 0x000e: "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", 0x0011: "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
		0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", 0x0017: "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", 0x0019: "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA",
		0x0062: "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", 0x0063: "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", 0x0064: "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", 0x0065: "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA",
		0x0009: "TLS_RSA_WITH_DES_CBC_SHA", 0x000c: "TLS_DH_DSS_WITH_DES_CBC_SHA", 0x000f: "TLS_DH_RSA_WITH_DES_CBC_SHA",
		0x0012: "TLS_DHE_DSS_WITH_DES_CBC_SHA", 0x0015: "TLS_DHE_RSA_WITH_DES_CBC_SHA", 0x001a: "TLS_DH_anon_WITH_DES_CBC_SHA",
		0x000a: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000d: "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", 0x0010: "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA",
		0x0013: "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", 0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", 0x001b: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
		0xc003: "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA", 0xc008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", 0xc00d: "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA",
		0xc012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", 0xc017: "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
		0x0004: "TLS_RSA_WITH_RC4_128_MD5", 0x0005: "TLS_RSA_WITH_RC4_128_SHA", 0x0018: "TLS_DH_anon_WITH_RC4_128_MD5",
		0xc002: "TLS_ECDH_ECDSA_WITH_RC4_128_SHA", 0xc007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", 0xc00c: "TLS_ECDH_RSA_WITH_RC4_128_SHA",
		0xc011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA", 0xc016: "TLS_ECDH_anon_WITH_RC4_128_SHA",
		0x0007: "TLS_RSA_WITH_IDEA_CBC_SHA",
		0x0034: "TLS_DH_anon_WITH_AES_128_CBC_SHA", 0x003a: "TLS_DH_anon_WITH_AES_256_CBC_SHA", 0x006c: "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
		0x006d: "TLS_DH_anon_WITH_AES_256_CBC_SHA256", 0x00a6: "TLS_DH_anon_WITH_AES_128_GCM_SHA256", 0x00a7: "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
		0xc018: "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", 0xc019: "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return tls.CipherSuiteName(s)
}

// suiteGroupOf names the weak family of a suite ("" for none).
func suiteGroupOf(s uint16) string {
	for _, g := range weakSuiteGroups() {
		for _, x := range g.Suites {
			if x == s {
				return g.Name
			}
		}
	}
	return ""
}

// buildClientHello writes one TLS record holding a ClientHello offering
// version and suites (plus the renegotiation SCSV). For TLS 1.0 and later it
// carries SNI (when serverName is a DNS name), supported groups, point
// formats and, for TLS 1.2, signature algorithms; SSL 3.0 hellos carry no
// extensions. random must be 32 bytes.
func buildClientHello(version uint16, suites []uint16, serverName string, random []byte) []byte {
	var body []byte
	body = binary.BigEndian.AppendUint16(body, version)
	r := make([]byte, 32)
	copy(r, random)
	body = append(body, r...)
	body = append(body, 0) // no session id
	cs := append(append([]uint16{}, suites...), 0x00ff)
	body = binary.BigEndian.AppendUint16(body, uint16(2*len(cs)))
	for _, s := range cs {
		body = binary.BigEndian.AppendUint16(body, s)
	}
	body = append(body, 1, 0) // null compression only
	if version >= verTLS10 {
		var ext []byte
		addExt := func(typ uint16, data []byte) {
			ext = binary.BigEndian.AppendUint16(ext, typ)
			ext = binary.BigEndian.AppendUint16(ext, uint16(len(data)))
			ext = append(ext, data...)
		}
		if serverName != "" {
			if _, err := netip.ParseAddr(serverName); err != nil && len(serverName) < 256 {
				var sn []byte
				sn = binary.BigEndian.AppendUint16(sn, uint16(len(serverName)+3))
				sn = append(sn, 0)
				sn = binary.BigEndian.AppendUint16(sn, uint16(len(serverName)))
				sn = append(sn, serverName...)
				addExt(0x0000, sn)
			}
		}
		groups := []uint16{0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101}
		var g []byte
		g = binary.BigEndian.AppendUint16(g, uint16(2*len(groups)))
		for _, x := range groups {
			g = binary.BigEndian.AppendUint16(g, x)
		}
		addExt(0x000a, g)
		addExt(0x000b, []byte{1, 0})
		if version >= verTLS12 {
			algs := []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202}
			var sa []byte
			sa = binary.BigEndian.AppendUint16(sa, uint16(2*len(algs)))
			for _, x := range algs {
				sa = binary.BigEndian.AppendUint16(sa, x)
			}
			addExt(0x000d, sa)
		}
		body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
		body = append(body, ext...)
	}
	hs := []byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	hs = append(hs, body...)
	recVer := verTLS10
	if version == verSSL30 {
		recVer = verSSL30
	}
	rec := []byte{22, byte(recVer >> 8), byte(recVer)}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

// ServerFlight is what a server sent in answer to a ClientHello, up to
// ServerHelloDone or an alert.
type ServerFlight struct {
	// TLS is true when the bytes were TLS records at all.
	TLS bool
	// Alert is the alert description when the server refused (-1: none).
	Alert int
	// HelloSeen is true when a ServerHello arrived.
	HelloSeen bool
	Version   uint16
	Suite     uint16
	// Certificates are the DER certificates of the Certificate message.
	Certificates [][]byte
	// CertRequest is true when the server asked for a client certificate.
	CertRequest bool
	// Done is true when ServerHelloDone arrived.
	Done bool
}

// errTLSRecord is wrapped for bytes that are not TLS records.
var errTLSRecord = errors.New("check: not a TLS record stream")

// tlsFlightLimit bounds the bytes parsed from a server.
const tlsFlightLimit = 256 << 10

// parseServerFlight parses TLS records (handshake messages may span
// records). It returns what it understood and complete=true once the
// flight ended (ServerHelloDone or alert). Hostile input never panics.
func parseServerFlight(b []byte) (f ServerFlight, complete bool, err error) {
	f.Alert = -1
	if len(b) > tlsFlightLimit {
		b = b[:tlsFlightLimit]
	}
	var hs []byte
	for len(b) >= 5 {
		typ, ver, n := b[0], binary.BigEndian.Uint16(b[1:]), int(binary.BigEndian.Uint16(b[3:]))
		if typ < 20 || typ > 23 || ver>>8 != 3 || n > 18432 {
			return f, false, fmt.Errorf("%w: record type %d version 0x%04x", errTLSRecord, typ, ver)
		}
		f.TLS = true
		if len(b) < 5+n {
			break
		}
		frag := b[5 : 5+n]
		b = b[5+n:]
		switch typ {
		case 21:
			if len(frag) >= 2 {
				f.Alert = int(frag[1])
			}
			return f, true, nil
		case 22:
			hs = append(hs, frag...)
		}
	}
	if len(b) > 0 && len(b) < 5 && !f.TLS {
		if b[0] < 20 || b[0] > 23 {
			return f, false, errTLSRecord
		}
	}
	for len(hs) >= 4 {
		typ := hs[0]
		n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
		if len(hs) < 4+n {
			break
		}
		msg := hs[4 : 4+n]
		hs = hs[4+n:]
		switch typ {
		case 2:
			if err := parseServerHello(msg, &f); err != nil {
				return f, true, err
			}
		case 11:
			f.Certificates = parseCertificateMsg(msg)
		case 13:
			f.CertRequest = true
		case 14:
			f.Done = true
			return f, true, nil
		}
	}
	return f, false, nil
}

func parseServerHello(m []byte, f *ServerFlight) error {
	if len(m) < 2+32+1 {
		return fmt.Errorf("%w: short ServerHello", errTLSRecord)
	}
	f.HelloSeen = true
	f.Version = binary.BigEndian.Uint16(m)
	sid := int(m[34])
	if len(m) < 35+sid+3 {
		return fmt.Errorf("%w: short ServerHello", errTLSRecord)
	}
	f.Suite = binary.BigEndian.Uint16(m[35+sid:])
	rest := m[35+sid+3:]
	if len(rest) >= 2 {
		ext := rest[2:]
		for len(ext) >= 4 {
			t, n := binary.BigEndian.Uint16(ext), int(binary.BigEndian.Uint16(ext[2:]))
			if len(ext) < 4+n {
				break
			}
			if t == 0x002b && n == 2 { // supported_versions (TLS 1.3)
				f.Version = binary.BigEndian.Uint16(ext[4:])
			}
			ext = ext[4+n:]
		}
	}
	return nil
}

// parseCertificateMsg splits a TLS ≤ 1.2 Certificate message into DER
// certificates (at most 10).
func parseCertificateMsg(m []byte) [][]byte {
	if len(m) < 3 {
		return nil
	}
	total := int(m[0])<<16 | int(m[1])<<8 | int(m[2])
	m = m[3:]
	if total < len(m) {
		m = m[:total]
	}
	var out [][]byte
	for len(m) >= 3 && len(out) < 10 {
		n := int(m[0])<<16 | int(m[1])<<8 | int(m[2])
		if len(m) < 3+n {
			break
		}
		out = append(out, m[3:3+n])
		m = m[3+n:]
	}
	return out
}
