// Package target parses what sipvet may send to: target URIs
// (udp://host:port, tcp://…, tls://…, ws://…, wss://…, sip:/sips: URIs),
// address ranges for discovery, and the authorised scope. It is pure.
package target

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrBadTarget is wrapped by every target parse error.
var ErrBadTarget = errors.New("target: bad target")

// Transports lists the transports sipvet speaks, in order of preference.
func Transports() []string { return []string{"udp", "tcp", "tls", "ws", "wss"} }

// Target is one endpoint to audit.
type Target struct {
	// Transport is udp, tcp, tls, ws or wss.
	Transport string
	// Host is an IP literal (without brackets) or a host name.
	Host string
	// Port is the port; defaults: 5060 (udp/tcp), 5061 (tls), 80 (ws), 443 (wss).
	Port int
	// Path is the WebSocket resource path (ws/wss only), default "/".
	Path string
	// User is the user part of a sip:/sips: target, if any.
	User string
}

// DefaultPort returns the default port of a transport.
func DefaultPort(transport string) int {
	switch transport {
	case "tls":
		return 5061
	case "ws":
		return 80
	case "wss":
		return 443
	}
	return 5060
}

// String renders the target in its canonical form, e.g. udp://127.0.0.1:5060,
// udp://[::1]:5060 or ws://host:80/path.
func (t Target) String() string {
	s := t.Transport + "://" + t.HostPort()
	if (t.Transport == "ws" || t.Transport == "wss") && t.Path != "" && t.Path != "/" {
		s += t.Path
	}
	return s
}

// HostPort returns host:port with IPv6 brackets.
func (t Target) HostPort() string { return JoinHostPort(t.Host, t.Port) }

// JoinHostPort joins a host and a port, bracketing IPv6 literals.
func JoinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// AddrPort returns the target as an IP address and port when Host is an IP literal.
func (t Target) AddrPort() (netip.AddrPort, bool) {
	a, err := netip.ParseAddr(t.Host)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(t.Port)), true
}

// Secure reports whether the transport is encrypted (tls, wss).
func (t Target) Secure() bool { return t.Transport == "tls" || t.Transport == "wss" }

// Stream reports whether the transport is connection-oriented.
func (t Target) Stream() bool { return t.Transport != "udp" }

// SIPURI returns a SIP URI for the target host (sip: or sips:), with a
// transport parameter when it is not UDP, and the given user part.
func (t Target) SIPURI(user string) string {
	scheme := "sip"
	if t.Secure() {
		scheme = "sips"
	}
	s := scheme + ":"
	if user != "" {
		s += user + "@"
	}
	s += t.HostPort()
	switch t.Transport {
	case "tcp":
		s += ";transport=tcp"
	case "ws", "wss":
		s += ";transport=ws"
	}
	return s
}

// ViaTransport returns the transport token used in a Via header (UDP, TCP, TLS, WS, WSS).
func (t Target) ViaTransport() string { return strings.ToUpper(t.Transport) }

// Parse parses one target. Accepted forms:
//
//	udp://host[:port]  tcp://…  tls://…  ws://host[:port][/path]  wss://…
//	sip:[user@]host[:port][;transport=udp|tcp|tls|ws]   sips:[user@]host[:port]
//	host[:port]        (UDP)
//
// IPv6 literals are written in brackets.
func Parse(s string) (Target, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return Target{}, fmt.Errorf("%w: empty", ErrBadTarget)
	}
	var t Target
	rest := raw
	lower := strings.ToLower(raw)
	switch {
	case strings.Contains(lower, "://"):
		i := strings.Index(raw, "://")
		t.Transport = strings.ToLower(raw[:i])
		rest = raw[i+3:]
		if !validTransport(t.Transport) {
			return Target{}, fmt.Errorf("%w: %q: unknown scheme %q (want udp, tcp, tls, ws or wss)", ErrBadTarget, raw, t.Transport)
		}
		if t.Transport == "ws" || t.Transport == "wss" {
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				t.Path = rest[j:]
				rest = rest[:j]
			} else {
				t.Path = "/"
			}
		} else if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			if strings.Trim(rest[j:], "/") != "" {
				return Target{}, fmt.Errorf("%w: %q: a %s target has no path", ErrBadTarget, raw, t.Transport)
			}
			rest = rest[:j]
		}
	case strings.HasPrefix(lower, "sips:"):
		t.Transport = "tls"
		rest = raw[5:]
	case strings.HasPrefix(lower, "sip:"):
		t.Transport = "udp"
		rest = raw[4:]
	default:
		t.Transport = "udp"
	}
	if strings.HasPrefix(lower, "sip:") || strings.HasPrefix(lower, "sips:") {
		params := ""
		if j := strings.IndexAny(rest, ";?"); j >= 0 {
			params = rest[j:]
			rest = rest[:j]
		}
		for _, p := range strings.Split(strings.TrimLeft(params, ";?"), ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(k, "transport") {
				tr := strings.ToLower(v)
				if !validTransport(tr) {
					return Target{}, fmt.Errorf("%w: %q: unknown transport %q", ErrBadTarget, raw, v)
				}
				if t.Transport == "tls" && tr == "ws" {
					tr = "wss"
				}
				if t.Transport != "tls" || tr == "wss" {
					t.Transport = tr
				}
			}
		}
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			t.User = rest[:at]
			rest = rest[at+1:]
		}
	}
	host, port, err := splitHostPort(rest)
	if err != nil {
		return Target{}, fmt.Errorf("%w: %q: %w", ErrBadTarget, raw, err)
	}
	t.Host = host
	t.Port = port
	if t.Port == 0 {
		t.Port = DefaultPort(t.Transport)
	}
	return t, nil
}

func validTransport(s string) bool {
	for _, t := range Transports() {
		if t == s {
			return true
		}
	}
	return false
}

var errNoHost = errors.New("missing host")

func splitHostPort(s string) (string, int, error) {
	if s == "" {
		return "", 0, errNoHost
	}
	host, portStr := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("unclosed '[' in IPv6 address")
		}
		host = s[1:end]
		after := s[end+1:]
		if after != "" {
			if after[0] != ':' {
				return "", 0, fmt.Errorf("unexpected %q after IPv6 address", after)
			}
			portStr = after[1:]
		}
		if _, err := netip.ParseAddr(host); err != nil {
			return "", 0, fmt.Errorf("bad IPv6 address %q", host)
		}
	} else {
		if strings.Count(s, ":") > 1 {
			if _, err := netip.ParseAddr(s); err == nil && validHost(s) {
				return s, 0, nil
			}
			return "", 0, fmt.Errorf("bad host %q (write IPv6 addresses in brackets)", s)
		}
		if i := strings.IndexByte(s, ':'); i >= 0 {
			host, portStr = s[:i], s[i+1:]
		}
	}
	if host == "" {
		return "", 0, errNoHost
	}
	if !validHost(host) {
		return "", 0, fmt.Errorf("bad host %q", host)
	}
	port := 0
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 1 || p > 65535 {
			return "", 0, fmt.Errorf("bad port %q", portStr)
		}
		port = p
	}
	return host, port, nil
}

func validHost(h string) bool {
	if a, err := netip.ParseAddr(h); err == nil {
		// An IPv6 zone names an interface (fe80::1%eth0): keep it to
		// characters that cannot end the host in a URI.
		for _, c := range a.Zone() {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}
