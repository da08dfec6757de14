package transport

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// RawConn is a plain TCP or UDP connection to a port of a target host that
// does not speak SIP: the infrastructure checks (debuggers, web admin, SNMP,
// TFTP, telnet, TLS handshakes) run their own protocols over it. It is a
// net.Conn, so crypto/tls and net/http can sit on top of it, and every read
// and write is reported to the Options' Observers as a Packet with
// Transport "tcp" or "udp" (the bytes as they are on the wire).
//
// The connection lives inside the context given to DialRaw: its deadline is
// the context's deadline (SetDeadline and friends cannot extend it) and it is
// closed when the context is done.
type RawConn interface {
	net.Conn
	// ReadFromAddr reads one datagram and reports its source "ip:port"
	// (UDP only; TCP returns the remote address). UDP sockets are
	// unconnected, so replies from another port of the host (TFTP) arrive.
	ReadFromAddr(b []byte) (n int, from string, err error)
	// WriteToAddr sends one datagram to "ip:port" (UDP only; TCP returns an
	// error wrapping ErrUnsupported).
	WriteToAddr(b []byte, dst string) (int, error)
}

// DialRaw connects to hostport ("host:port", IPv6 in brackets) over
// network "tcp" or "udp" from Options.LocalAddr. TLSConfig and Limits of opts
// are ignored: callers that need TLS wrap the connection themselves.
func DialRaw(ctx context.Context, network, hostport string, opts Options) (RawConn, error) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrBadAddress, hostport, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("%w: port of %q", ErrBadAddress, hostport)
	}
	local, err := parseLocal(opts.LocalAddr)
	if err != nil {
		return nil, err
	}
	dst, err := resolve(ctx, host, port, local)
	if err != nil {
		return nil, err
	}
	rc := &rawConn{opts: opts, network: network, remote: dst}
	switch network {
	case "tcp":
		d := net.Dialer{}
		if local.IsValid() {
			d.LocalAddr = &net.TCPAddr{IP: local.Addr().AsSlice(), Port: int(local.Port())}
		}
		c, err := d.DialContext(ctx, "tcp", dst.String())
		if err != nil {
			return nil, fmt.Errorf("transport: raw dial tcp %s: %w", dst, err)
		}
		rc.c = c
	case "udp":
		var la *net.UDPAddr
		if local.IsValid() {
			la = &net.UDPAddr{IP: local.Addr().AsSlice(), Port: int(local.Port())}
		} else if dst.Addr().Is4() {
			la = &net.UDPAddr{IP: net.IPv4zero}
		}
		netw := "udp"
		if dst.Addr().Is4() {
			netw = "udp4"
		} else {
			netw = "udp6"
		}
		pc, err := net.ListenUDP(netw, la)
		if err != nil {
			return nil, fmt.Errorf("transport: raw udp socket: %w", err)
		}
		rc.c, rc.pc = pc, pc
	default:
		return nil, fmt.Errorf("%w: raw %q", ErrBadTransport, network)
	}
	rc.local = addrString(rc.c.LocalAddr())
	if rc.pc != nil && (local.Addr().IsUnspecified() || !local.IsValid()) {
		// An unbound UDP socket reports 0.0.0.0; name the loopback source
		// the kernel will use for a loopback destination.
		if dst.Addr().IsLoopback() {
			p := rc.pc.LocalAddr().(*net.UDPAddr).Port
			rc.local = netip.AddrPortFrom(dst.Addr(), uint16(p)).String()
		}
	}
	rc.ctxDeadline, _ = ctx.Deadline()
	_ = rc.c.SetDeadline(rc.ctxDeadline)
	rc.stop = context.AfterFunc(ctx, func() { _ = rc.Close() })
	return rc, nil
}

type rawConn struct {
	c           net.Conn
	pc          *net.UDPConn
	opts        Options
	network     string
	remote      netip.AddrPort
	local       string
	ctxDeadline time.Time
	stop        func() bool
	closeOnce   sync.Once
	closeErr    error
}

func (r *rawConn) observe(dir Direction, b []byte, src, dst string) {
	if len(r.opts.Observers) == 0 || len(b) == 0 {
		return
	}
	r.opts.observe(dir, Packet{Data: bytes.Clone(b), Src: src, Dst: dst, Transport: r.network, Time: r.opts.now()})
}

func (r *rawConn) Read(b []byte) (int, error) {
	if r.pc != nil {
		n, _, err := r.ReadFromAddr(b)
		return n, err
	}
	n, err := r.c.Read(b)
	r.observe(Recv, b[:n], r.remote.String(), r.local)
	return n, err
}

func (r *rawConn) ReadFromAddr(b []byte) (int, string, error) {
	if r.pc == nil {
		n, err := r.Read(b)
		return n, r.remote.String(), err
	}
	n, from, err := r.pc.ReadFromUDPAddrPort(b)
	if err != nil {
		return n, "", err
	}
	src := apString(from)
	r.observe(Recv, b[:n], src, r.local)
	return n, src, nil
}

func (r *rawConn) Write(b []byte) (int, error) {
	if r.pc != nil {
		return r.WriteToAddr(b, r.remote.String())
	}
	n, err := r.c.Write(b)
	r.observe(Sent, b[:n], r.local, r.remote.String())
	return n, err
}

func (r *rawConn) WriteToAddr(b []byte, dst string) (int, error) {
	if r.pc == nil {
		return 0, fmt.Errorf("transport: raw tcp write to %s: %w", dst, ErrUnsupported)
	}
	ap, err := parseDst(dst)
	if err != nil {
		return 0, err
	}
	n, err := r.pc.WriteToUDPAddrPort(b, ap)
	if err == nil {
		r.observe(Sent, b[:n], r.local, apString(ap))
	}
	return n, err
}

func (r *rawConn) Close() error {
	r.closeOnce.Do(func() {
		if r.stop != nil {
			r.stop()
		}
		r.closeErr = r.c.Close()
	})
	return r.closeErr
}

func (r *rawConn) LocalAddr() net.Addr { return r.c.LocalAddr() }

func (r *rawConn) RemoteAddr() net.Addr {
	if r.network == "udp" {
		return net.UDPAddrFromAddrPort(r.remote)
	}
	return r.c.RemoteAddr()
}

// clamp keeps deadlines inside the context's deadline.
func (r *rawConn) clamp(t time.Time) time.Time {
	if r.ctxDeadline.IsZero() {
		return t
	}
	if t.IsZero() || t.After(r.ctxDeadline) {
		return r.ctxDeadline
	}
	return t
}

func (r *rawConn) SetDeadline(t time.Time) error      { return r.c.SetDeadline(r.clamp(t)) }
func (r *rawConn) SetReadDeadline(t time.Time) error  { return r.c.SetReadDeadline(r.clamp(t)) }
func (r *rawConn) SetWriteDeadline(t time.Time) error { return r.c.SetWriteDeadline(r.clamp(t)) }

// NetDialFunc adapts a raw dial function to the signature of
// net/http.Transport.DialContext, so that an HTTP client's connections go
// through it (and thus through the scope guard and the evidence log).
func NetDialFunc(dial func(ctx context.Context, network, hostport string) (RawConn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch network {
		case "tcp", "tcp4", "tcp6":
			network = "tcp"
		}
		return dial(ctx, network, addr)
	}
}
