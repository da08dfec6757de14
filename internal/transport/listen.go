package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Listener bounds: how many connections a stream listener keeps, and how
// many framed messages it queues for Recv.
const (
	maxListenerConns = 256
	listenerQueue    = 64
	handshakeTimeout = 10 * time.Second
)

// Listener errors callers may match with errors.Is.
var (
	// ErrTooManyConnections is wrapped when a listener refuses a connection.
	ErrTooManyConnections = errors.New("transport: too many connections")
	// ErrNoCertificate is wrapped when tls or wss is requested without a
	// TLS configuration holding a certificate.
	ErrNoCertificate = errors.New("transport: TLS listener needs a certificate")
)

// Listen starts a Listener on addr ("ip:port"; port 0 picks a free one) for
// udp, tcp, tls, ws or wss. tls and wss need opts.TLSConfig with a
// certificate. ctx bounds only the set-up; Close stops the listener.
func Listen(ctx context.Context, transport, addr string, opts Options) (Listener, error) {
	switch transport {
	case "udp":
		return listenUDP(ctx, addr, opts)
	case "tcp", "tls", "ws", "wss":
		return listenStream(ctx, transport, addr, opts)
	}
	return nil, fmt.Errorf("%w: %q", ErrBadTransport, transport)
}

// streamListener serves tcp, tls, ws and wss. Every connection has a reader
// goroutine that frames messages into one shared queue.
type streamListener struct {
	transport string
	opts      Options
	ln        net.Listener
	srv       *http.Server // ws and wss
	addr      string
	ch        chan Packet
	quit      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu    sync.Mutex
	peers map[string]*peer // by remote "ip:port"
}

func listenStream(ctx context.Context, transport, addr string, opts Options) (Listener, error) {
	secure := transport == "tls" || transport == "wss"
	if secure && (opts.TLSConfig == nil || (len(opts.TLSConfig.Certificates) == 0 && opts.TLSConfig.GetCertificate == nil)) {
		return nil, fmt.Errorf("transport: listen %s: %w", transport, ErrNoCertificate)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: %s listen %s: %w", transport, addr, err)
	}
	l := &streamListener{
		transport: transport,
		opts:      opts,
		addr:      addrString(ln.Addr()),
		ch:        make(chan Packet, listenerQueue),
		quit:      make(chan struct{}),
		peers:     make(map[string]*peer),
	}
	if secure {
		ln = tls.NewListener(ln, opts.TLSConfig)
	}
	l.ln = ln
	if transport == "ws" || transport == "wss" {
		l.srv = &http.Server{
			Handler:           http.HandlerFunc(l.serveWS),
			ReadHeaderTimeout: 10 * time.Second,
			MaxHeaderBytes:    16 << 10,
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			_ = l.srv.Serve(ln)
		}()
		return l, nil
	}
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

func (l *streamListener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		p, next := netConnPeer(l.transport, c, l.opts)
		if !l.add(p) {
			_ = c.Close()
			continue
		}
		go l.serveConn(c, p, next)
	}
}

// add registers p; it refuses when closed or full. After a successful add
// the caller must run serve(p, ...).
func (l *streamListener) add(p *peer) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.quit:
		return false
	default:
	}
	if len(l.peers) >= maxListenerConns {
		return false
	}
	if old, ok := l.peers[p.remote]; ok {
		_ = old.close()
	}
	l.peers[p.remote] = p
	l.wg.Add(1) // done by serve
	return true
}

func (l *streamListener) remove(p *peer) {
	l.mu.Lock()
	if l.peers[p.remote] == p {
		delete(l.peers, p.remote)
	}
	l.mu.Unlock()
	_ = p.close()
}

// serveConn completes a TLS handshake within handshakeTimeout, then serves
// the connection.
func (l *streamListener) serveConn(c net.Conn, p *peer, next func() ([]byte, error)) {
	if tc, ok := c.(*tls.Conn); ok {
		ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			l.remove(p)
			l.wg.Done()
			return
		}
	}
	l.serve(p, next)
}

// serve reads p until it fails. A peer that sends garbage or breaks the
// framing is disconnected; other peers are unaffected.
func (l *streamListener) serve(p *peer, next func() ([]byte, error)) {
	defer l.wg.Done()
	defer l.remove(p)
	_ = p.readLoop(next, l.ch, l.quit)
}

func (l *streamListener) serveWS(w http.ResponseWriter, r *http.Request) {
	wc, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{"sip"},
		// SIP clients in browsers connect from arbitrary origins; this is a
		// lab/harness endpoint, not a web application.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return
	}
	local := l.addr
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		local = addrString(a)
	}
	remote := r.RemoteAddr
	if ap, err := parseDst(remote); err == nil {
		remote = apString(ap)
	}
	p, next := wsPeer(l.transport, wc, local, remote, l.opts)
	if !l.add(p) {
		_ = wc.Close(websocket.StatusTryAgainLater, "too many connections")
		return
	}
	l.serve(p, next)
}

func (l *streamListener) Recv(ctx context.Context) (Packet, error) {
	select {
	case pkt := <-l.ch:
		l.opts.observe(Recv, pkt)
		return pkt, nil
	case <-l.quit:
		return Packet{}, fmt.Errorf("transport: %s recv: %w", l.transport, ErrClosed)
	case <-ctx.Done():
		return Packet{}, ctxErr(ctx.Err())
	}
}

func (l *streamListener) lookup(remote string) *peer {
	if ap, err := parseDst(remote); err == nil {
		remote = apString(ap)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peers[remote]
}

func (l *streamListener) Reply(ctx context.Context, to Packet, data []byte) error {
	p := l.lookup(to.Src)
	if p == nil {
		return fmt.Errorf("transport: %s reply to %s: %w", l.transport, to.Src, ErrNoConnection)
	}
	return p.send(ctx, data)
}

func (l *streamListener) SendTo(ctx context.Context, data []byte, dst string) error {
	if p := l.lookup(dst); p != nil {
		return p.send(ctx, data)
	}
	if l.transport == "ws" || l.transport == "wss" {
		return fmt.Errorf("transport: %s send to %s: %w", l.transport, dst, ErrNoConnection)
	}
	ap, err := parseDst(dst)
	if err != nil {
		return err
	}
	var c net.Conn
	d := &net.Dialer{}
	if l.transport == "tls" {
		cfg := l.opts.TLSConfig.Clone()
		cfg.InsecureSkipVerify = true //nolint:gosec // a lab/harness peer has a self-signed certificate
		if cfg.ServerName == "" {
			cfg.ServerName = ap.Addr().String()
		}
		c, err = (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", ap.String())
	} else {
		c, err = d.DialContext(ctx, "tcp", ap.String())
	}
	if err != nil {
		return fmt.Errorf("transport: %s dial %s: %w", l.transport, dst, err)
	}
	p, next := netConnPeer(l.transport, c, l.opts)
	if !l.add(p) {
		_ = c.Close()
		return fmt.Errorf("transport: %s dial %s: %w", l.transport, dst, ErrTooManyConnections)
	}
	go l.serve(p, next)
	return p.send(ctx, data)
}

func (l *streamListener) Addr() string      { return l.addr }
func (l *streamListener) Transport() string { return l.transport }

// Close stops accepting, closes every connection and waits for the
// listener's goroutines to end.
func (l *streamListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.mu.Lock()
		close(l.quit)
		peers := make([]*peer, 0, len(l.peers))
		for _, p := range l.peers {
			peers = append(peers, p)
		}
		l.mu.Unlock()
		if l.srv != nil {
			err = l.srv.Close()
		} else {
			err = l.ln.Close()
		}
		for _, p := range peers {
			_ = p.close()
		}
		l.wg.Wait()
	})
	if err != nil {
		return fmt.Errorf("transport: close %s listener: %w", l.transport, err)
	}
	return nil
}
