// Package transport is the only sipvet package that opens sockets. It dials
// targets and listens over UDP, TCP, TLS and WebSocket (RFC 7118, plain and
// secure), frames SIP messages on streams, derives every socket deadline from
// a context, bounds every read, runs RFC 3261 client transactions, and feeds
// every message sent or received to Observers such as the pcapng evidence
// recorder and the per-check EvidenceLog.
//
// UDP client sockets are unconnected: replies from any address and port
// reach Recv, which is what several checks (reply to a different port,
// source B spoofing) need.
package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// Sentinel errors callers may match with errors.Is.
var (
	// ErrTimeout is wrapped when a transaction or receive runs out of time.
	ErrTimeout = errors.New("transport: timeout")
	// ErrClosed is wrapped by operations on a closed Conn or Listener.
	ErrClosed = errors.New("transport: closed")
	// ErrUnsupported is wrapped when an operation does not apply to the
	// transport (SendTo on a stream Conn, for example).
	ErrUnsupported = errors.New("transport: operation not supported on this transport")
	// ErrBadTransport is wrapped when the transport name is unknown.
	ErrBadTransport = errors.New("transport: unknown transport")
	// ErrBadAddress is wrapped when an address cannot be parsed or resolved.
	ErrBadAddress = errors.New("transport: bad address")
	// ErrNoConnection is wrapped when a Listener has no connection to reply on.
	ErrNoConnection = errors.New("transport: no connection to peer")
	// ErrSubprotocol is wrapped when a WebSocket server does not select the
	// "sip" subprotocol (RFC 7118 §4.1).
	ErrSubprotocol = errors.New("transport: websocket server did not select subprotocol sip")
)

// Packet is one SIP message (a datagram, a framed stream message or a
// WebSocket message) with its endpoints.
type Packet struct {
	// Data holds the raw message bytes.
	Data []byte
	// Src and Dst are "ip:port", with brackets around IPv6 addresses.
	Src, Dst string
	// Transport is udp, tcp, tls, ws or wss.
	Transport string
	// Time is when the message was read or written.
	Time time.Time
}

// Direction tells whether sipvet sent or received a message.
type Direction string

// The two directions; their values match finding.DirSent and finding.DirRecv.
const (
	Sent Direction = "sent"
	Recv Direction = "recv"
)

// Observer is called for every message sent or received. It must be safe
// for concurrent use and must not retain or modify p.Data after returning
// unless it copies it.
type Observer func(dir Direction, p Packet)

// Options configures Dial and Listen.
type Options struct {
	// LocalAddr is the local source, "ip:port" or "ip" (port 0 or absent:
	// any port). Checks use e.g. 127.0.0.2 as "source B".
	LocalAddr string
	// TLSConfig is used for tls and wss. Dial with nil uses a client config
	// that skips verification (a scanner must talk to self-signed targets)
	// with ServerName set to the target host. Listen requires a config with
	// a certificate.
	TLSConfig *tls.Config
	// Limits bounds what is read; zero fields take DefaultLimits values.
	Limits sip.Limits
	// Observers see every message sent or received.
	Observers []Observer
	// Now is the clock used to timestamp packets; nil means time.Now.
	Now func() time.Time
}

// DefaultLimits returns the limits used for zero fields of Options.Limits,
// the sip package defaults (64 KiB messages).
func DefaultLimits() sip.Limits {
	return sip.Limits{MaxMessageSize: sip.DefaultMaxMessageSize, MaxHeaders: sip.DefaultMaxHeaders, MaxLineLength: sip.DefaultMaxLineLength}
}

// maxDatagram is the UDP receive buffer size.
const maxDatagram = 65535

func (o Options) limits() sip.Limits {
	d := DefaultLimits()
	l := o.Limits
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = d.MaxMessageSize
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = d.MaxHeaders
	}
	if l.MaxLineLength <= 0 {
		l.MaxLineLength = d.MaxLineLength
	}
	return l
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o Options) observe(dir Direction, p Packet) {
	for _, f := range o.Observers {
		if f != nil {
			f(dir, p)
		}
	}
}

// Conn is a client connection to one target. Send, SendTo and Close may be
// called concurrently with Recv; Recv calls are serialised.
type Conn interface {
	// Send sends one message to the target.
	Send(ctx context.Context, data []byte) error
	// SendTo sends one datagram to an arbitrary "ip:port" (UDP only; other
	// transports return an error wrapping ErrUnsupported).
	SendTo(ctx context.Context, data []byte, dst string) error
	// Recv returns the next framed message from any peer. It honours the
	// deadline and cancellation of ctx; on timeout the error wraps both
	// ErrTimeout and context.DeadlineExceeded.
	Recv(ctx context.Context) (Packet, error)
	// LocalAddr is the local "ip:port".
	LocalAddr() string
	// RemoteAddr is the target "ip:port".
	RemoteAddr() string
	// Transport is udp, tcp, tls, ws or wss.
	Transport() string
	// Close releases the socket; pending Recv calls return ErrClosed.
	Close() error
}

// Listener accepts messages on a local address (for the lab target and the
// harness).
type Listener interface {
	// Recv returns the next message from any peer or connection.
	Recv(ctx context.Context) (Packet, error)
	// Reply sends data back on the socket or connection that to arrived on.
	Reply(ctx context.Context, to Packet, data []byte) error
	// SendTo sends to "ip:port": a datagram for udp; for tcp and tls over an
	// existing connection from dst, else over a newly dialled one; for ws
	// and wss over an existing connection only.
	SendTo(ctx context.Context, data []byte, dst string) error
	// Addr is the listening "ip:port".
	Addr() string
	// Transport is udp, tcp, tls, ws or wss.
	Transport() string
	// Close stops listening and closes every connection.
	Close() error
}

// addrString renders a net.Addr as "ip:port" with IPv4-mapped IPv6
// addresses unmapped.
func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	var ap netip.AddrPort
	switch v := a.(type) {
	case *net.UDPAddr:
		ap = v.AddrPort()
	case *net.TCPAddr:
		ap = v.AddrPort()
	default:
		return a.String()
	}
	return apString(ap)
}

func apString(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// parseLocal parses Options.LocalAddr ("ip", "ip:port", "[v6]:port", "[v6]").
func parseLocal(s string) (netip.AddrPort, error) {
	if s == "" {
		return netip.AddrPort{}, nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	h := s
	if len(h) > 1 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: local address %q", ErrBadAddress, s)
	}
	return netip.AddrPortFrom(a, 0), nil
}

// resolve finds an address of host, preferring the family of local when
// local is set.
func resolve(ctx context.Context, host string, port int, local netip.AddrPort) (netip.AddrPort, error) {
	if port < 0 || port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("%w: port %d", ErrBadAddress, port)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(a.Unmap(), uint16(port)), nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: resolve %q: %w", ErrBadAddress, host, err)
	}
	pick := addrs[0].Unmap()
	if local.IsValid() && !local.Addr().IsUnspecified() {
		for _, a := range addrs {
			if a.Unmap().Is4() == local.Addr().Is4() {
				pick = a.Unmap()
				break
			}
		}
	}
	return netip.AddrPortFrom(pick, uint16(port)), nil
}

// parseDst parses an "ip:port" destination.
func parseDst(dst string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(dst)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: destination %q: %w", ErrBadAddress, dst, err)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// deadlineConn is the subset of net.Conn / net.PacketConn used by withDeadline.
type deadlineConn interface {
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// longAgo is a deadline in the past that interrupts blocked I/O.
func longAgo() time.Time { return time.Unix(1, 0) }

// withDeadline runs op with the socket deadline (read or write) derived from
// ctx: the ctx deadline, and an immediate deadline when ctx is cancelled.
// A deadline error is translated into the context's error.
func withDeadline(ctx context.Context, c deadlineConn, read bool, op func() error) error {
	set := c.SetWriteDeadline
	if read {
		set = c.SetReadDeadline
	}
	if err := ctx.Err(); err != nil {
		return ctxErr(err)
	}
	dl, _ := ctx.Deadline()
	_ = set(dl)
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = set(longAgo())
		close(fired)
	})
	err := op()
	if !stop() {
		<-fired
	}
	_ = set(time.Time{})
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if cerr := ctx.Err(); cerr != nil {
			return ctxErr(cerr)
		}
		if !dl.IsZero() {
			// The socket deadline can fire a hair before the context's.
			return ctxErr(context.DeadlineExceeded)
		}
	}
	return err
}

// ctxErr wraps a context error; deadline expiry also wraps ErrTimeout.
func ctxErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("transport: %w", err)
}

// isClosed reports whether err comes from using a closed socket.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
