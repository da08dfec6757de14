package check

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// InfraOptions configures the infrastructure checks of items 17–20, which
// probe ports of the target host other than its SIP port.
type InfraOptions struct {
	// Ports are added to every infrastructure check's default port list
	// (--ports); each check identifies its own protocol on each port.
	Ports []int
	// OnlyPorts makes the checks probe Ports only, not their defaults.
	OnlyPorts bool
	// MACs feed MAC-based provisioning file names (--mac), as 12 lowercase
	// hex digits without separators.
	MACs []string
	// Credentials extend the built-in list of default web-admin
	// credentials.
	Credentials []Credential
	// Communities extend the built-in list of SNMP communities.
	Communities []string
	// RootCAs are the trust anchors of the certificate check (nil: the
	// system pool).
	RootCAs *x509.CertPool
	// PortTimeout bounds the probe of one port (default 2 s).
	PortTimeout time.Duration
}

// Credential is a user name and password pair.
type Credential struct {
	User, Password string
}

// RawDialer is implemented by dialers that can open plain TCP and UDP
// connections to other ports of a target host (the scan engine's dialer
// does, with its scope guard, rate limit and evidence recording).
type RawDialer interface {
	DialRaw(ctx context.Context, network, hostport string) (transport.RawConn, error)
}

// errNoRawDialer is returned when the Env's dialer cannot open raw sockets.
var errNoRawDialer = errors.New("check: the dialer cannot open connections to other ports")

// infraPorts returns the ports an infrastructure check probes: its defaults
// (unless OnlyPorts) plus the user's ports, without duplicates, in order.
func (e *Env) infraPorts(defaults ...int) []int {
	var out []int
	if !e.Infra.OnlyPorts {
		out = append(out, defaults...)
	}
	for _, p := range e.Infra.Ports {
		if p > 0 && p <= 65535 && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (e *Env) portTimeout() time.Duration {
	if e.Infra.PortTimeout > 0 {
		return e.Infra.PortTimeout
	}
	return 2 * time.Second
}

// dialPort opens a raw connection to port of the target host, bounded by the
// per-port timeout. The returned cancel must be called when done.
func (e *Env) dialPort(ctx context.Context, network string, port int) (transport.RawConn, context.CancelFunc, error) {
	rd, ok := e.Dialer.(RawDialer)
	if !ok {
		return nil, func() {}, errNoRawDialer
	}
	pctx, cancel := context.WithTimeout(ctx, e.portTimeout())
	c, err := rd.DialRaw(pctx, network, target.JoinHostPort(e.Target.Host, port))
	if err != nil {
		cancel()
		return nil, func() {}, err
	}
	return c, func() { c.Close(); cancel() }, nil
}

// readUntil reads from c until done reports a complete message, max bytes
// were read, or the connection's deadline passes. It returns what it read.
func readUntil(c transport.RawConn, max int, done func([]byte) bool) []byte {
	var buf []byte
	tmp := make([]byte, 4096)
	for len(buf) < max {
		n, err := c.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if done != nil && done(buf) {
			break
		}
		if err != nil {
			break
		}
	}
	if len(buf) > max {
		buf = buf[:max]
	}
	return buf
}

// portList renders ports for summaries ("80, 443").
func portList(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}

// portResult is what one check saw on one port (data["ports"]).
type portResult struct {
	Port     int    `json:"port"`
	Proto    string `json:"protocol"`
	Found    bool   `json:"found"`
	Detail   string `json:"detail,omitempty"`
	Problem  string `json:"problem,omitempty"`
	Evidence string `json:"banner,omitempty"`
}

func portData(rs []portResult) []map[string]any {
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		m := map[string]any{"port": r.Port, "protocol": r.Proto, "found": r.Found}
		if r.Detail != "" {
			m["detail"] = r.Detail
		}
		if r.Problem != "" {
			m["problem"] = r.Problem
		}
		if r.Evidence != "" {
			m["banner"] = r.Evidence
		}
		out = append(out, m)
	}
	return out
}

// printable renders bytes of an unknown protocol as a short readable string.
func printable(b []byte, max int) string {
	var sb strings.Builder
	for _, c := range b {
		if sb.Len() >= max {
			sb.WriteString("…")
			break
		}
		switch {
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		default:
			fmt.Fprintf(&sb, `\x%02x`, c)
		}
	}
	return sb.String()
}
