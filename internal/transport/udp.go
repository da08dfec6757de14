package transport

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
)

// udpSocket is an unconnected UDP socket shared by the UDP Conn and Listener.
type udpSocket struct {
	pc    *net.UDPConn
	opts  Options
	lim   sip.Limits
	local string
	// sem serialises Recv and wmu sends, since deadlines are per socket.
	sem       chan struct{}
	wmu       sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

func newUDPSocket(pc *net.UDPConn, opts Options) *udpSocket {
	return &udpSocket{pc: pc, opts: opts, lim: opts.limits(), local: addrString(pc.LocalAddr()), sem: make(chan struct{}, 1)}
}

func (s *udpSocket) recv(ctx context.Context) (Packet, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return Packet{}, ctxErr(ctx.Err())
	}
	defer func() { <-s.sem }()
	buf := make([]byte, maxDatagram)
	var (
		n    int
		from netip.AddrPort
	)
	err := withDeadline(ctx, s.pc, true, func() error {
		var err error
		n, from, err = s.pc.ReadFromUDPAddrPort(buf)
		return err
	})
	if err != nil {
		if isClosed(err) {
			return Packet{}, fmt.Errorf("transport: udp recv: %w", ErrClosed)
		}
		return Packet{}, fmt.Errorf("transport: udp recv: %w", err)
	}
	p := Packet{Src: apString(from), Dst: s.local, Transport: "udp", Time: s.opts.now()}
	if n > s.lim.MaxMessageSize {
		return p, fmt.Errorf("transport: udp datagram of %d bytes from %s (limit %d): %w", n, p.Src, s.lim.MaxMessageSize, sip.ErrTooLarge)
	}
	p.Data = bytes.Clone(buf[:n])
	s.opts.observe(Recv, p)
	return p, nil
}

func (s *udpSocket) sendTo(ctx context.Context, data []byte, dst netip.AddrPort) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := withDeadline(ctx, s.pc, false, func() error {
		_, err := s.pc.WriteToUDPAddrPort(data, dst)
		return err
	})
	if err != nil {
		if isClosed(err) {
			err = ErrClosed
		}
		return fmt.Errorf("transport: udp send to %s: %w", dst, err)
	}
	s.opts.observe(Sent, Packet{Data: data, Src: s.local, Dst: apString(dst), Transport: "udp", Time: s.opts.now()})
	return nil
}

func (s *udpSocket) close() error {
	s.closeOnce.Do(func() { s.closeErr = s.pc.Close() })
	return s.closeErr
}

// udpConn is the client side: an unconnected socket plus a default target.
type udpConn struct {
	*udpSocket
	remote netip.AddrPort
}

func dialUDP(ctx context.Context, t target.Target, opts Options) (Conn, error) {
	local, err := parseLocal(opts.LocalAddr)
	if err != nil {
		return nil, err
	}
	remote, err := resolve(ctx, t.Host, t.Port, local)
	if err != nil {
		return nil, err
	}
	bind := local
	if !bind.IsValid() || bind.Addr().IsUnspecified() {
		port := bind.Port()
		// Learn the source address the kernel would route from, so that
		// LocalAddr (and thus Via and the evidence) names a real address.
		// Connecting a UDP socket sends nothing.
		src := netip.IPv6Unspecified()
		if remote.Addr().Is4() {
			src = netip.IPv4Unspecified()
		}
		if probe, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(remote)); err == nil {
			src = probe.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
			_ = probe.Close()
		}
		bind = netip.AddrPortFrom(src, port)
	}
	network := "udp6"
	if bind.Addr().Is4() {
		network = "udp4"
	}
	if bind.Addr().Is4() != remote.Addr().Is4() {
		return nil, fmt.Errorf("%w: local %s and target %s are of different address families", ErrBadAddress, bind.Addr(), remote.Addr())
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, network, bind.String())
	if err != nil {
		return nil, fmt.Errorf("transport: udp bind %s: %w", bind, err)
	}
	return &udpConn{udpSocket: newUDPSocket(pc.(*net.UDPConn), opts), remote: remote}, nil
}

func (c *udpConn) Send(ctx context.Context, data []byte) error { return c.sendTo(ctx, data, c.remote) }

func (c *udpConn) SendTo(ctx context.Context, data []byte, dst string) error {
	ap, err := parseDst(dst)
	if err != nil {
		return err
	}
	return c.sendTo(ctx, data, ap)
}

func (c *udpConn) Recv(ctx context.Context) (Packet, error) { return c.recv(ctx) }
func (c *udpConn) LocalAddr() string                        { return c.local }
func (c *udpConn) RemoteAddr() string                       { return apString(c.remote) }
func (c *udpConn) Transport() string                        { return "udp" }
func (c *udpConn) Close() error                             { return c.close() }

// udpListener is the server side.
type udpListener struct{ *udpSocket }

func listenUDP(ctx context.Context, addr string, opts Options) (Listener, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: udp listen %s: %w", addr, err)
	}
	return &udpListener{newUDPSocket(pc.(*net.UDPConn), opts)}, nil
}

func (l *udpListener) Recv(ctx context.Context) (Packet, error) { return l.recv(ctx) }

func (l *udpListener) Reply(ctx context.Context, to Packet, data []byte) error {
	return l.SendTo(ctx, data, to.Src)
}

func (l *udpListener) SendTo(ctx context.Context, data []byte, dst string) error {
	ap, err := parseDst(dst)
	if err != nil {
		return err
	}
	return l.sendTo(ctx, data, ap)
}

func (l *udpListener) Addr() string      { return l.local }
func (l *udpListener) Transport() string { return "udp" }
func (l *udpListener) Close() error      { return l.close() }
