package harness

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// tlsEvent is what happened to one TLS connection attempt of the DUT.
type tlsEvent struct {
	remote string
	cert   CertKind
	// reset is true when the harness reset the connection before any
	// handshake (ipa05); err is the handshake error, nil when it completed.
	reset bool
	err   error
	time  time.Time
}

// tlsListener is the harness's own TLS server: unlike transport's, it
// reports every handshake outcome, switches its certificate between
// connections, and can reset connections (RST) on purpose.
type tlsListener struct {
	ln     net.Listener
	addr   string
	now    func() time.Time
	obs    []transport.Observer
	inbox  func(transport.Packet)
	events chan tlsEvent

	mu    sync.Mutex
	cert  CertKind
	certs map[CertKind]tls.Certificate
	reset bool
	conns map[string]*tlsPeer
	wg    sync.WaitGroup
	quit  chan struct{}
}

type tlsPeer struct {
	raw net.Conn
	tc  *tls.Conn
	wmu sync.Mutex
}

func listenTLS(ctx context.Context, addr string, certs map[CertKind]tls.Certificate, now func() time.Time,
	obs []transport.Observer, inbox func(transport.Packet)) (*tlsListener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("harness: tls listen %s: %w", addr, err)
	}
	l := &tlsListener{ln: ln, addr: ln.Addr().String(), now: now, obs: obs, inbox: inbox,
		events: make(chan tlsEvent, 64), cert: CertValid, certs: certs,
		conns: map[string]*tlsPeer{}, quit: make(chan struct{})}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

func (l *tlsListener) setMode(cert CertKind, reset bool) {
	l.mu.Lock()
	l.cert, l.reset = cert, reset
	l.mu.Unlock()
}

// resetAll aborts every open connection with a TCP RST.
func (l *tlsListener) resetAll() {
	l.mu.Lock()
	peers := make([]*tlsPeer, 0, len(l.conns))
	for _, p := range l.conns {
		peers = append(peers, p)
	}
	l.mu.Unlock()
	for _, p := range peers {
		abort(p.raw)
	}
}

func abort(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func (l *tlsListener) emit(e tlsEvent) {
	select {
	case l.events <- e:
	default:
	}
}

func (l *tlsListener) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		kind, reset := l.cert, l.reset
		cert := l.certs[kind]
		n := len(l.conns)
		l.mu.Unlock()
		remote := canonAddr(c.RemoteAddr().String())
		if reset || n >= 64 {
			abort(c)
			l.emit(tlsEvent{remote: remote, cert: kind, reset: true, time: l.now()})
			continue
		}
		l.wg.Add(1)
		go l.serve(c, remote, kind, cert)
	}
}

func (l *tlsListener) serve(c net.Conn, remote string, kind CertKind, cert tls.Certificate) {
	defer l.wg.Done()
	tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := tc.HandshakeContext(ctx)
	cancel()
	l.emit(tlsEvent{remote: remote, cert: kind, err: err, time: l.now()})
	if err != nil {
		_ = c.Close()
		return
	}
	p := &tlsPeer{raw: c, tc: tc}
	l.mu.Lock()
	if old := l.conns[remote]; old != nil {
		_ = old.raw.Close()
	}
	l.conns[remote] = p
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.conns[remote] == p {
			delete(l.conns, remote)
		}
		l.mu.Unlock()
		_ = c.Close()
	}()
	r := bufio.NewReader(tc)
	for {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Minute))
		data, err := sip.ReadStreamMessage(r, sip.Limits{})
		if err != nil {
			return
		}
		pkt := transport.Packet{Data: data, Src: remote, Dst: l.addr, Transport: "tls", Time: l.now()}
		for _, o := range l.obs {
			o(transport.Recv, pkt)
		}
		l.inbox(pkt)
	}
}

// send writes data on the connection from dst.
func (l *tlsListener) send(ctx context.Context, data []byte, dst string) error {
	l.mu.Lock()
	p := l.conns[canonAddr(dst)]
	l.mu.Unlock()
	if p == nil {
		return fmt.Errorf("harness: tls send to %s: %w", dst, transport.ErrNoConnection)
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	dl := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	_ = p.raw.SetWriteDeadline(dl)
	if _, err := p.tc.Write(data); err != nil {
		return fmt.Errorf("harness: tls send to %s: %w", dst, err)
	}
	pkt := transport.Packet{Data: data, Src: l.addr, Dst: canonAddr(dst), Transport: "tls", Time: l.now()}
	for _, o := range l.obs {
		o(transport.Sent, pkt)
	}
	return nil
}

func (l *tlsListener) close() {
	select {
	case <-l.quit:
		return
	default:
	}
	close(l.quit)
	_ = l.ln.Close()
	l.resetAll()
	l.wg.Wait()
}

func canonAddr(s string) string {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return s
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}
