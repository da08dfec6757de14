package sip

import (
	"fmt"
	"strconv"
	"strings"
)

// Via is one via-parm of a Via header (RFC 3261 §20.42).
type Via struct {
	// Protocol is protocol-name "/" protocol-version, normally "SIP/2.0".
	Protocol string
	// Transport is the transport token as on the wire (UDP, TCP, TLS,
	// SCTP, WS, WSS ...).
	Transport string
	// Host is the sent-by host; an IPv6 reference keeps its brackets.
	Host string
	// Port is the sent-by port, 0 when absent.
	Port int
	// Params are the via-params (branch, received, rport, maddr, ttl ...).
	Params []Param
}

// ParseVia parses a Via header value, which may hold several
// comma-separated via-parms. Whitespace around '/', ':', ';' and '=' is
// tolerated as the grammar's SWS/LWS allows. Errors wrap ErrVia.
func ParseVia(value string) ([]Via, error) {
	parts := SplitList(value)
	if len(parts) == 0 {
		return nil, fmt.Errorf("sip: Via %q: empty: %w", truncate(value, 64), ErrVia)
	}
	out := make([]Via, 0, len(parts))
	for _, p := range parts {
		v, err := parseViaParm(p)
		if err != nil {
			return out, fmt.Errorf("sip: Via %q: %w", truncate(p, 64), err)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseViaParm(s string) (Via, error) {
	var v Via
	// sent-protocol = protocol-name SLASH protocol-version SLASH transport
	fields := make([]string, 0, 3)
	rest := s
	for range 2 {
		slash := strings.IndexByte(rest, '/')
		if slash < 0 {
			return v, fmt.Errorf("sent-protocol needs name/version/transport: %w", ErrVia)
		}
		fields = append(fields, strings.TrimSpace(rest[:slash]))
		rest = strings.TrimLeft(rest[slash+1:], " \t")
	}
	end := strings.IndexAny(rest, " \t")
	if end < 0 {
		return v, fmt.Errorf("missing sent-by: %w", ErrVia)
	}
	fields = append(fields, rest[:end])
	rest = strings.TrimSpace(rest[end:])
	for _, f := range fields {
		if !isToken(f) {
			return v, fmt.Errorf("sent-protocol field %q is not a token: %w", f, ErrVia)
		}
	}
	v.Protocol = fields[0] + "/" + fields[1]
	v.Transport = fields[2]
	// sent-by = host [ COLON port ]; params start at ';'. A trailing
	// comment "(...)" is ignored.
	hostport := rest
	params := ""
	if semi := strings.IndexByte(rest, ';'); semi >= 0 {
		hostport, params = rest[:semi], rest[semi:]
	}
	hostport = strings.TrimSpace(hostport)
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 || !validIPv6Ref(hostport[:end+1]) {
			return v, fmt.Errorf("invalid IPv6 reference in sent-by %q: %w", hostport, ErrVia)
		}
		v.Host, hostport = hostport[:end+1], strings.TrimSpace(hostport[end+1:])
	} else {
		end := strings.IndexAny(hostport, ": \t")
		if end < 0 {
			end = len(hostport)
		}
		v.Host, hostport = hostport[:end], strings.TrimSpace(hostport[end:])
		if !validHostname(v.Host) {
			return v, fmt.Errorf("invalid sent-by host %q: %w", v.Host, ErrVia)
		}
	}
	if strings.HasPrefix(hostport, ":") {
		p := strings.TrimSpace(hostport[1:])
		n, err := strconv.Atoi(p)
		if err != nil || !isDigits(p) || n > 65535 {
			return v, fmt.Errorf("invalid sent-by port %q: %w", p, ErrVia)
		}
		v.Port = n
	} else if hostport != "" && !strings.HasPrefix(hostport, "(") {
		return v, fmt.Errorf("unexpected %q after sent-by: %w", hostport, ErrVia)
	}
	ps, err := parseGenericParams(params)
	if err != nil {
		return v, fmt.Errorf("%w: %w", ErrVia, err)
	}
	v.Params = ps
	return v, nil
}

// Branch returns the branch parameter, or "".
func (v Via) Branch() string {
	b, _ := lookupParam(v.Params, "branch")
	return b
}

// Param returns the named via-param (case-insensitive) and whether it is
// present.
func (v Via) Param(name string) (string, bool) { return lookupParam(v.Params, name) }

// SentBy returns host[:port].
func (v Via) SentBy() string {
	if v.Port == 0 {
		return v.Host
	}
	return v.Host + ":" + strconv.Itoa(v.Port)
}

// String returns the via-parm in wire form, e.g.
// "SIP/2.0/UDP host:5060;branch=z9hG4bK...".
func (v Via) String() string {
	var b strings.Builder
	b.WriteString(v.Protocol)
	b.WriteByte('/')
	b.WriteString(v.Transport)
	b.WriteByte(' ')
	b.WriteString(v.SentBy())
	writeParams(&b, v.Params, ';', ';')
	return b.String()
}
