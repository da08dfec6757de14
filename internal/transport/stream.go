package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
)

// clientQueue is how many framed messages a client connection buffers
// before its reader stops reading (TCP back-pressure).
const clientQueue = 16

// peer is one stream connection (tcp, tls, ws or wss), on either side.
type peer struct {
	transport     string
	local, remote string
	opts          Options
	// write sends one message; it is serialised by wmu.
	write     func(ctx context.Context, data []byte) error
	wmu       sync.Mutex
	closeFn   func() error
	closeOnce sync.Once
	closeErr  error
}

func (p *peer) send(ctx context.Context, data []byte) error {
	p.wmu.Lock()
	err := p.write(ctx, data)
	p.wmu.Unlock()
	if err != nil {
		if isClosed(err) {
			err = fmt.Errorf("%w: %w", ErrClosed, err)
		}
		return fmt.Errorf("transport: %s send to %s: %w", p.transport, p.remote, err)
	}
	p.opts.observe(Sent, Packet{Data: data, Src: p.local, Dst: p.remote, Transport: p.transport, Time: p.opts.now()})
	return nil
}

func (p *peer) close() error {
	p.closeOnce.Do(func() { p.closeErr = p.closeFn() })
	return p.closeErr
}

// readLoop frames messages with next and delivers them to out until next
// fails or quit is closed. It returns the reason it stopped.
func (p *peer) readLoop(next func() ([]byte, error), out chan<- Packet, quit <-chan struct{}) error {
	for {
		data, err := next()
		if err != nil {
			return err
		}
		pkt := Packet{Data: data, Src: p.remote, Dst: p.local, Transport: p.transport, Time: p.opts.now()}
		select {
		case out <- pkt:
		case <-quit:
			return ErrClosed
		}
	}
}

// netConnPeer wraps a TCP or TLS connection.
func netConnPeer(transport string, c net.Conn, opts Options) (*peer, func() ([]byte, error)) {
	p := &peer{
		transport: transport,
		local:     addrString(c.LocalAddr()),
		remote:    addrString(c.RemoteAddr()),
		opts:      opts,
		closeFn:   c.Close,
	}
	p.write = func(ctx context.Context, data []byte) error {
		return withDeadline(ctx, c, false, func() error {
			_, err := c.Write(data)
			return err
		})
	}
	lim := opts.limits()
	br := bufio.NewReaderSize(c, 4096)
	next := func() ([]byte, error) { return sip.ReadStreamMessage(br, lim) }
	return p, next
}

// wsPeer wraps a WebSocket connection; local and remote are "ip:port".
func wsPeer(transport string, wc *websocket.Conn, local, remote string, opts Options) (*peer, func() ([]byte, error)) {
	lim := opts.limits()
	wc.SetReadLimit(int64(lim.MaxMessageSize))
	p := &peer{
		transport: transport,
		local:     local,
		remote:    remote,
		opts:      opts,
		closeFn:   func() error { return wc.CloseNow() },
	}
	p.write = func(ctx context.Context, data []byte) error {
		// RFC 7118 §5.1: text frames must be UTF-8; anything else (a
		// fuzzed message, say) goes in a binary frame.
		typ := websocket.MessageText
		if !utf8.Valid(data) {
			typ = websocket.MessageBinary
		}
		return wc.Write(ctx, typ, data)
	}
	next := func() ([]byte, error) {
		// The reader runs until Close; coder/websocket would close the
		// connection if a per-call context expired, so none is used here.
		_, data, err := wc.Read(context.Background())
		return data, err
	}
	return p, next
}

// streamConn is a client Conn over tcp, tls, ws or wss.
type streamConn struct {
	p         *peer
	ch        chan Packet
	quit      chan struct{}
	done      chan struct{}
	err       error // why the reader stopped; read after done is closed
	closeOnce sync.Once
}

func newStreamConn(p *peer, next func() ([]byte, error)) *streamConn {
	c := &streamConn{p: p, ch: make(chan Packet, clientQueue), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		err := p.readLoop(next, c.ch, c.quit)
		select {
		case <-c.quit:
			err = ErrClosed
		default:
		}
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("transport: %s connection closed by %s: %w", p.transport, p.remote, err)
		} else {
			err = fmt.Errorf("transport: %s recv from %s: %w", p.transport, p.remote, err)
		}
		c.err = err
		close(c.done)
	}()
	return c
}

func (c *streamConn) Send(ctx context.Context, data []byte) error { return c.p.send(ctx, data) }

func (c *streamConn) SendTo(context.Context, []byte, string) error {
	return fmt.Errorf("transport: SendTo over %s: %w", c.p.transport, ErrUnsupported)
}

func (c *streamConn) Recv(ctx context.Context) (Packet, error) {
	deliver := func(pkt Packet) (Packet, error) {
		c.p.opts.observe(Recv, pkt)
		return pkt, nil
	}
	select {
	case pkt := <-c.ch:
		return deliver(pkt)
	default:
	}
	select {
	case pkt := <-c.ch:
		return deliver(pkt)
	case <-c.done:
		select {
		case pkt := <-c.ch:
			return deliver(pkt)
		default:
			return Packet{}, c.err
		}
	case <-ctx.Done():
		return Packet{}, ctxErr(ctx.Err())
	}
}

func (c *streamConn) LocalAddr() string  { return c.p.local }
func (c *streamConn) RemoteAddr() string { return c.p.remote }
func (c *streamConn) Transport() string  { return c.p.transport }

func (c *streamConn) Close() error {
	c.closeOnce.Do(func() { close(c.quit) })
	return c.p.close()
}

// clientTLSConfig returns the configuration for dialling t: cfg with
// ServerName defaulting to the target host, or when cfg is nil a config
// that verifies nothing and accepts TLS 1.0 and later.
func clientTLSConfig(t target.Target, cfg *tls.Config) *tls.Config {
	if cfg == nil {
		// A scanner must reach self-signed, misconfigured and old targets
		// (many SIP phones stop at TLS 1.0); certificates and versions are
		// judged by checks, not here.
		return &tls.Config{InsecureSkipVerify: true, ServerName: t.Host, MinVersion: tls.VersionTLS10} //nolint:gosec // see above
	}
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		cfg.ServerName = t.Host
	}
	return cfg
}

func netDialer(opts Options) (*net.Dialer, error) {
	local, err := parseLocal(opts.LocalAddr)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{}
	if local.IsValid() {
		d.LocalAddr = net.TCPAddrFromAddrPort(local)
	}
	return d, nil
}

func dialStream(ctx context.Context, t target.Target, opts Options) (Conn, error) {
	d, err := netDialer(opts)
	if err != nil {
		return nil, err
	}
	local, _ := parseLocal(opts.LocalAddr)
	remote, err := resolve(ctx, t.Host, t.Port, local)
	if err != nil {
		return nil, err
	}
	var c net.Conn
	if t.Transport == "tls" {
		td := &tls.Dialer{NetDialer: d, Config: clientTLSConfig(t, opts.TLSConfig)}
		c, err = td.DialContext(ctx, "tcp", remote.String())
	} else {
		c, err = d.DialContext(ctx, "tcp", remote.String())
	}
	if err != nil {
		return nil, fmt.Errorf("transport: dial %s: %w", t, err)
	}
	p, next := netConnPeer(t.Transport, c, opts)
	return newStreamConn(p, next), nil
}

func dialWS(ctx context.Context, t target.Target, opts Options) (Conn, error) {
	d, err := netDialer(opts)
	if err != nil {
		return nil, err
	}
	local, _ := parseLocal(opts.LocalAddr)
	remote, err := resolve(ctx, t.Host, t.Port, local)
	if err != nil {
		return nil, err
	}
	var (
		mu                  sync.Mutex
		localStr, remoteStr string
	)
	record := func(c net.Conn) {
		mu.Lock()
		localStr, remoteStr = addrString(c.LocalAddr()), addrString(c.RemoteAddr())
		mu.Unlock()
	}
	// Dial the resolved address, whatever host name the URL carries.
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			c, err := d.DialContext(ctx, "tcp", remote.String())
			if err == nil {
				record(c)
			}
			return c, err
		},
		DialTLSContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			td := &tls.Dialer{NetDialer: d, Config: clientTLSConfig(t, opts.TLSConfig)}
			c, err := td.DialContext(ctx, "tcp", remote.String())
			if err == nil {
				record(c)
			}
			return c, err
		},
		MaxResponseHeaderBytes: 16 << 10,
		DisableCompression:     true,
	}
	defer tr.CloseIdleConnections()
	path := t.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	url := t.Transport + "://" + t.HostPort() + path
	wc, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:   &http.Client{Transport: tr},
		Subprotocols: []string{"sip"},
	})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("transport: dial %s: %w", t, err)
	}
	if wc.Subprotocol() != "sip" {
		_ = wc.CloseNow()
		return nil, fmt.Errorf("transport: dial %s: %w (got %q)", t, ErrSubprotocol, wc.Subprotocol())
	}
	mu.Lock()
	l, r := localStr, remoteStr
	mu.Unlock()
	if r == "" {
		r = apString(remote)
	}
	p, next := wsPeer(t.Transport, wc, l, r, opts)
	return newStreamConn(p, next), nil
}

// Dial opens a Conn to the target:
//
//   - udp: an unconnected socket bound to Options.LocalAddr (or to the
//     routed source address with an ephemeral port), so that replies from
//     any address and port are received;
//   - tcp, tls: a connection, with messages framed by sip.ReadStreamMessage;
//   - ws, wss: an RFC 7118 WebSocket with subprotocol "sip", one SIP message
//     per WebSocket message.
//
// ctx bounds name resolution, connection set-up and handshakes only.
func Dial(ctx context.Context, t target.Target, opts Options) (Conn, error) {
	switch t.Transport {
	case "udp":
		return dialUDP(ctx, t, opts)
	case "tcp", "tls":
		return dialStream(ctx, t, opts)
	case "ws", "wss":
		return dialWS(ctx, t, opts)
	}
	return nil, fmt.Errorf("%w: %q", ErrBadTransport, t.Transport)
}
