package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// inbound is one message from the DUT.
type inbound struct {
	pkt transport.Packet
	msg *sip.Message
	// via names the socket it arrived on: "udp", "tcp", "tls" or "b"
	// (the source-B socket).
	via string
}

// dutState is what the registrar learned about the DUT.
type dutState struct {
	ip        netip.Addr
	src       string // packet source of the last REGISTER
	transport string // transport of that REGISTER
	contact   *sip.URI
	aor       string
	at        time.Time
}

// server is the running harness: listeners, registrar, collector.
type server struct {
	cfg   *Config
	rnd   io.Reader
	lst   map[string]transport.Listener // udp, tcp
	tls   *tlsListener
	b     transport.Listener // source-B socket (udp)
	inbox chan inbound
	ev    *transport.EvidenceLog
	coll  *collector
	wg    sync.WaitGroup

	mu       sync.Mutex
	dut      *dutState
	regs     int
	nonces   map[string]bool
	realm    string
	listenIP string
	tlsRegs  map[string]bool
}

func newServer(ctx context.Context, cfg *Config) (*server, error) {
	s := &server{cfg: cfg, rnd: cfg.Rand, lst: map[string]transport.Listener{}, inbox: make(chan inbound, 256),
		ev: transport.NewEvidenceLog(), coll: newCollector(), nonces: map[string]bool{}, realm: "sipvet-harness", tlsRegs: map[string]bool{}}
	if s.rnd == nil {
		s.rnd = rand.Reader
	}
	obs := append(append([]transport.Observer{}, cfg.Observers...), s.ev.Observe)
	opts := transport.Options{Observers: obs, Now: cfg.Now}
	for _, t := range cfg.Listen {
		addr := net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
		if s.listenIP == "" || t.Transport == "udp" {
			s.listenIP = t.Host
		}
		switch t.Transport {
		case "udp", "tcp":
			l, err := transport.Listen(ctx, t.Transport, addr, opts)
			if err != nil {
				s.close()
				return nil, fmt.Errorf("harness: %w", err)
			}
			s.lst[t.Transport] = l
			s.wg.Add(1)
			go s.recvLoop(l, t.Transport)
		case "tls":
			name := cfg.TLSName
			if name == "" {
				name = t.Host
			}
			if cfg.CA == nil {
				ca, err := NewCA(s.rnd, cfg.Now(), "sipvet harness CA")
				if err != nil {
					s.close()
					return nil, err
				}
				cfg.CA = ca
			}
			certs, err := Certificates(cfg.CA, s.rnd, cfg.Now(), name)
			if err != nil {
				s.close()
				return nil, err
			}
			tl, err := listenTLS(ctx, addr, certs, cfg.Now, obs, func(p transport.Packet) { s.dispatch(p, "tls") })
			if err != nil {
				s.close()
				return nil, err
			}
			s.tls = tl
		}
	}
	srcB := cfg.SourceB
	if srcB == "" {
		if ip, err := netip.ParseAddr(s.listenIP); err == nil && ip.Is4() && ip.IsLoopback() {
			srcB = "127.0.0.2"
		}
	}
	if srcB != "" {
		b, err := transport.Listen(ctx, "udp", net.JoinHostPort(srcB, "0"), opts)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("harness: source B %s: %w", srcB, err)
		}
		s.b = b
		s.wg.Add(1)
		go s.recvLoop(b, "b")
	}
	return s, nil
}

func (s *server) close() {
	for _, l := range s.lst {
		_ = l.Close()
	}
	if s.b != nil {
		_ = s.b.Close()
	}
	if s.tls != nil {
		s.tls.close()
	}
	s.wg.Wait()
}

func (s *server) recvLoop(l transport.Listener, via string) {
	defer s.wg.Done()
	for {
		p, err := l.Recv(context.Background())
		if err != nil {
			if strings.Contains(err.Error(), "closed") {
				return
			}
			continue
		}
		s.dispatch(p, via)
	}
}

// dispatch handles REGISTER and OPTIONS at once and queues the rest.
func (s *server) dispatch(p transport.Packet, via string) {
	m, err := sip.Parse(p.Data)
	if m == nil || (err != nil && m.Method == "" && m.StatusCode == 0) {
		return
	}
	in := inbound{pkt: p, msg: m, via: via}
	if m.IsRequest() {
		s.coll.add(m)
		switch m.Method {
		case "REGISTER":
			s.register(in)
			return
		case "OPTIONS":
			s.reply(in, 200, "", nil)
			return
		}
	}
	select {
	case s.inbox <- in:
	default:
	}
}

// register is the registrar: an optional digest challenge (any answer is
// accepted: the harness tests the DUT, not its password), then 200 OK.
func (s *server) register(in inbound) {
	m := in.msg
	if in.via == "tls" {
		s.mu.Lock()
		s.tlsRegs[canonAddr(in.pkt.Src)] = true
		s.mu.Unlock()
	}
	if d := s.registered(); d != nil && in.pkt.Src != "" && s.inScope(in.pkt.Src) != nil {
		return
	}
	if !s.cfg.NoAuth && !m.Has("Authorization") {
		nonce := s.token(16)
		s.mu.Lock()
		s.nonces[nonce] = true
		s.mu.Unlock()
		ch := &digest.Challenge{Scheme: "Digest", Realm: s.realm, Nonce: nonce, Algorithm: "MD5", QOP: []string{"auth"}}
		s.reply(in, 401, "", []sip.Header{{Name: "WWW-Authenticate", Value: ch.String()}})
		return
	}
	src, err := netip.ParseAddrPort(in.pkt.Src)
	if err != nil {
		return
	}
	if d := s.registered(); d != nil && d.ip != src.Addr().Unmap() {
		return // the first device to register is the DUT; others are ignored
	}
	expires := "3600"
	var contact *sip.URI
	if c := m.Get("Contact"); c != "" && c != "*" {
		if na, err := sip.ParseNameAddr(c); err == nil {
			contact = na.URI
			if v, ok := na.Param("expires"); ok {
				expires = v
			}
		}
	}
	if v := m.Get("Expires"); v != "" && contact != nil {
		if _, ok := mustParam(m.Get("Contact"), "expires"); !ok {
			expires = v
		}
	}
	to, _ := m.To()
	s.mu.Lock()
	if expires != "0" && contact != nil {
		aor := ""
		if to.URI != nil {
			aor = to.URI.String()
		}
		s.dut = &dutState{ip: src.Addr().Unmap(), src: in.pkt.Src, transport: in.via, contact: contact, aor: aor, at: s.cfg.Now()}
		s.regs++
	}
	s.mu.Unlock()
	var extra []sip.Header
	if contact != nil {
		extra = append(extra, sip.Header{Name: "Contact", Value: "<" + contact.String() + ">;expires=" + expires})
	}
	s.reply(in, 200, "", extra)
}

func mustParam(contact, name string) (string, bool) {
	na, err := sip.ParseNameAddr(contact)
	if err != nil {
		return "", false
	}
	return na.Param(name)
}

// registered returns the DUT state, nil before the first registration.
func (s *server) registered() *dutState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dut == nil {
		return nil
	}
	d := *s.dut
	return &d
}

func (s *server) token(n int) string {
	b := make([]byte, n)
	_, _ = io.ReadFull(s.rnd, b)
	return hex.EncodeToString(b)
}

// inScope refuses destinations other than the DUT (before registration,
// the source of the message being answered is the only peer).
func (s *server) inScope(dst string) error {
	d := s.registered()
	if d == nil {
		return nil
	}
	ap, err := netip.ParseAddrPort(dst)
	if err != nil || ap.Addr().Unmap() != d.ip {
		return fmt.Errorf("%w: %s (DUT is %s)", ErrOutOfScope, dst, d.ip)
	}
	return nil
}

// respond builds a response to req with a To tag (code > 100), Server and
// Contact of the harness.
func (s *server) respond(in inbound, code int, toTag string, extra []sip.Header) *sip.Message {
	r := sip.NewResponse(in.msg, code, "")
	if code > 100 && toTag != "" {
		if to, err := in.msg.To(); err == nil && to.Tag() == "" {
			r.Set("To", in.msg.Get("To")+";tag="+toTag)
		}
	}
	r.Del("Content-Length")
	for _, h := range extra {
		r.Add(h.Name, h.Value)
	}
	r.Add("Server", s.cfg.UserAgent)
	if !r.Has("Content-Length") && len(r.Body) == 0 {
		r.Add("Content-Length", "0")
	}
	return r
}

// reply answers in on the socket it came from.
func (s *server) reply(in inbound, code int, toTag string, extra []sip.Header) {
	if toTag == "" && code > 100 {
		toTag = s.token(6)
	}
	s.send(in, s.respond(in, code, toTag, extra).Bytes())
}

// send sends data back the way in arrived.
func (s *server) send(in inbound, data []byte) {
	_ = s.sendVia(in.via, in.pkt, data)
}

func (s *server) sendVia(via string, to transport.Packet, data []byte) error {
	if err := s.inScope(to.Src); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	switch via {
	case "tls":
		return s.tls.send(ctx, data, to.Src)
	case "b":
		return s.b.SendTo(ctx, data, to.Src)
	}
	l := s.lst[via]
	if l == nil {
		return fmt.Errorf("harness: no %s listener", via)
	}
	return l.Reply(ctx, to, data)
}

// sendFromB sends data from the source-B socket to dst (UDP).
func (s *server) sendFromB(ctx context.Context, data []byte, dst string) error {
	if s.b == nil {
		return fmt.Errorf("%w: no source B address (set --source-b)", ErrConfig)
	}
	if err := s.inScope(dst); err != nil {
		return err
	}
	return s.b.SendTo(ctx, data, dst)
}

// next returns the next queued message accepted by want; messages it does
// not want get the default treatment. It fails when ctx ends.
func (s *server) next(ctx context.Context, want func(inbound) bool) (inbound, error) {
	for {
		select {
		case in := <-s.inbox:
			if want(in) {
				return in, nil
			}
			s.defaultHandle(in)
		case <-ctx.Done():
			return inbound{}, ctx.Err()
		}
	}
}

// drain gives the default treatment to what is queued for d.
func (s *server) drain(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, _ = s.next(ctx, func(inbound) bool { return false })
}

// defaultHandle answers what no check claimed, so the DUT never hangs:
// INVITE → 480, BYE/CANCEL/others → 200, responses and ACK are ignored.
func (s *server) defaultHandle(in inbound) {
	m := in.msg
	if !m.IsRequest() {
		return
	}
	switch m.Method {
	case "ACK":
	case "INVITE":
		if to, err := m.To(); err == nil && to.Tag() != "" {
			s.reply(in, 481, "", nil) // re-INVITE in a dialog the harness does not keep
			return
		}
		s.reply(in, 480, "", nil)
	default:
		s.reply(in, 200, "", nil)
	}
}

// tlsHostPort is how the DUT reaches the TLS listener: Config.TLSName
// (the name its certificates carry) with the listener's port, else the
// listener's address.
func (s *server) tlsHostPort() string {
	if s.cfg.TLSName == "" {
		return s.tls.addr
	}
	_, port, _ := net.SplitHostPort(s.tls.addr)
	return net.JoinHostPort(s.cfg.TLSName, port)
}

// listenerURI is the harness's own address for Contact headers.
func (s *server) listenerURI(via string) string {
	switch via {
	case "tls":
		return "sip:sipvet@" + s.tls.addr + ";transport=tls"
	case "tcp":
		return "sip:sipvet@" + s.lst["tcp"].Addr() + ";transport=tcp"
	case "b":
		return "sip:sipvet@" + s.b.Addr()
	}
	if l := s.lst["udp"]; l != nil {
		return "sip:sipvet@" + l.Addr()
	}
	return ""
}

// harnessHost is the host:port of the udp (else first) listener.
func (s *server) harnessHost() string {
	if l := s.lst["udp"]; l != nil {
		return l.Addr()
	}
	if l := s.lst["tcp"]; l != nil {
		return l.Addr()
	}
	if s.tls != nil {
		return s.tls.addr
	}
	return ""
}

// sawTLSRegister reports whether a REGISTER came over the TLS connection
// from remote.
func (s *server) sawTLSRegister(remote string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsRegs[canonAddr(remote)]
}
