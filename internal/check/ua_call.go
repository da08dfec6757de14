package check

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// Limits and pacing of the UA checks' calls and media.
const (
	// uaAnswerWait bounds how long a ringing target may take to answer
	// (auto-answer or a person at the phone).
	uaAnswerWait = 20 * time.Second
	// uaFrameEvery is the interval of sipvet's own RTP (25 packets/s, which
	// stays under the default --rate of 50 with room for SIP).
	uaFrameEvery = 40 * time.Millisecond
	// uaFrameSamples is the RTP timestamp step per frame (40 ms at 8 kHz).
	uaFrameSamples = 320
	// uaMaxSeen bounds the media packets an endpoint remembers.
	uaMaxSeen = 4000
	// uaMaxSends bounds any single RTP/RTCP send loop.
	uaMaxSends = 500
)

// errUAScope is returned when the media address a target negotiated is
// outside the scan's scope.
var errUAScope = errors.New("check: media address out of scope")

// uaSession is one call sipvet places to a UA target from source A: the
// INVITE client transaction, the dialog it creates and A's media endpoint.
type uaSession struct {
	env    *Env
	sig    transport.Conn
	media  *uaEndpoint
	d      *dialog
	ruri   string
	invite *sip.Message
	offer  []byte
	// provisional are the 1xx responses, final the final one.
	provisional []*sip.Message
	final       *sip.Message
	// Dialog state from a 2xx.
	toHeader string
	remote   string
	routes   []string
	answer   uaMediaInfo
	ansErr   error
	// stray are responses to other transactions that arrived at A during
	// the INVITE transaction (e.g. the answer to a request sent from B
	// that the UA sent to the dialog's address instead).
	stray []*sip.Message
	// pending are packets answeredAtA read from A's socket that belong to
	// someone else; inviteTx and watchSIP read them first.
	pending  []transport.Packet
	sender   context.CancelFunc
	senderWG sync.WaitGroup
	ssrc     uint32
	seq      uint16
	ts       uint32
}

// uaDial opens a signalling connection to the target from local ("" = A).
func uaDial(ctx context.Context, env *Env, local string) (transport.Conn, error) {
	return env.Dialer.Dial(ctx, env.Target, local)
}

// uaMediaTarget is the target used to open media sockets: UDP to the target
// host (the dial sends nothing; sends go to SDP addresses with SendTo).
func uaMediaTarget(env *Env) target.Target {
	return target.Target{Transport: "udp", Host: env.Target.Host, Port: env.Target.Port}
}

// uaHost returns the host of "ip:port".
func uaHost(hostport string) string {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap().String()
	}
	if i := strings.LastIndexByte(hostport, ':'); i > 0 {
		return strings.Trim(hostport[:i], "[]")
	}
	return hostport
}

// uaOpenMedia opens an RTP socket on an even port and the RTCP socket on the
// next one (RFC 3550 §11), both on ip, and starts reading them.
func uaOpenMedia(ctx context.Context, env *Env, ip string) (*uaEndpoint, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("check: media address %q: %w", ip, err)
	}
	var lastErr error
	for i := 0; i < 12; i++ {
		port := uint16(20000 + 2*(uaRand32(env)%15000))
		rtpC, err := env.Dialer.Dial(ctx, uaMediaTarget(env), netip.AddrPortFrom(a, port).String())
		if err != nil {
			lastErr = err
			continue
		}
		rtcpC, err := env.Dialer.Dial(ctx, uaMediaTarget(env), netip.AddrPortFrom(a, port+1).String())
		if err != nil {
			rtpC.Close()
			lastErr = err
			continue
		}
		e := newUAEndpoint(rtpC, rtcpC, env.Now)
		e.start(ctx)
		return e, nil
	}
	return nil, fmt.Errorf("check: open media sockets on %s: %w", ip, lastErr)
}

func uaRand32(env *Env) uint32 {
	return binary.BigEndian.Uint32(uaRandKey(env.Rand, 4))
}

// uaStart places a call: INVITE with the offer, waits for the final
// response (calling onProvisional for each 1xx, e.g. to CANCEL), ACKs a 2xx
// and starts sipvet's own RTP towards the answer. The caller must call
// close. A non-2xx final is not an error: final tells it. When out is not
// nil it receives the session before the INVITE is sent, for hooks.
func uaStart(ctx context.Context, env *Env, spec uaOfferSpec, extra func(*sip.Message), onProvisional func(*sip.Message), out **uaSession) (*uaSession, error) {
	sig, err := uaDial(ctx, env, "")
	if err != nil {
		return nil, err
	}
	s := &uaSession{env: env, sig: sig, d: env.newDialog()}
	ip := uaHost(sig.LocalAddr())
	if spec.addr == "" || spec.port == 0 {
		s.media, err = uaOpenMedia(ctx, env, ip)
		if err != nil {
			sig.Close()
			return nil, err
		}
		if spec.addr == "" {
			spec.addr = ip
		}
		if spec.port == 0 {
			spec.port = uaPort(s.media.rtp.LocalAddr())
			spec.rtcpPort = spec.port + 1
		}
	}
	if spec.sessionID == 0 {
		spec.sessionID = uint64(uaRand32(env))
	}
	s.ssrc, s.seq, s.ts = uaRand32(env), uint16(uaRand32(env)), uaRand32(env)
	s.offer = uaBuildOffer(spec)
	user := env.Target.User
	s.ruri = env.Target.SIPURI(user)
	from := "sipvet"
	if env.User != "" {
		// A target that challenges INVITE checks that From names the
		// account that authenticates.
		from = env.User
	}
	s.invite = env.request(sig, s.d, "INVITE", s.ruri, from, s.ruri)
	s.invite.Set("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK")
	s.invite.SetBody("application/sdp", s.offer)
	if extra != nil {
		extra(s.invite)
	}
	if out != nil {
		*out = s
	}
	if err := s.inviteTx(ctx, onProvisional); err != nil {
		s.close(ctx)
		return nil, err
	}
	// A target that challenges the INVITE (RFC 3261 §22.2) gets the test
	// account's credentials, as a new transaction of the same dialog.
	for round := 0; round < 2 && env.User != "" && authIsChallenge(s.final); round++ {
		ch := authChallengeOf(s.final)
		next := env.authRebuild(sig, s.d, s.invite)
		cred, err := env.authAnswer(ch, next, env.User, env.Password, 1)
		if err != nil {
			break
		}
		next.Set(ch.header(), cred.String())
		s.invite, s.final, s.provisional = next, nil, nil
		if err := s.inviteTx(ctx, onProvisional); err != nil {
			s.close(ctx)
			return nil, err
		}
	}
	return s, nil
}

func uaPort(hostport string) int {
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return 0
	}
	return int(ap.Port())
}

// inviteTx runs the INVITE client transaction of RFC 3261 §17.1.1 with the
// ACK of §13.2.2.4 for a 2xx.
func (s *uaSession) inviteTx(ctx context.Context, onProvisional func(*sip.Message)) error {
	tm := s.env.Timers
	if tm.T1 <= 0 {
		tm.T1 = 500 * time.Millisecond
	}
	if tm.Timeout <= 0 {
		tm.Timeout = 64 * tm.T1
	}
	via, _ := s.invite.TopVia()
	branch := via.Branch()
	req := s.invite.Bytes()
	if err := s.sig.Send(ctx, req); err != nil {
		return fmt.Errorf("check: INVITE: %w", err)
	}
	start := time.Now()
	deadline := start.Add(tm.Timeout)
	interval := tm.T1
	next := start.Add(interval)
	for n := 0; n < 200; n++ {
		wait := deadline
		retrans := s.sig.Transport() == "udp" && len(s.provisional) == 0
		if retrans && next.Before(wait) {
			wait = next
		}
		rctx, cancel := context.WithDeadline(ctx, wait)
		pkt, err := s.recvA(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("check: INVITE: %w", ctx.Err())
			}
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, sip.ErrTooLarge) {
				return fmt.Errorf("check: INVITE: %w", err)
			}
			if !time.Now().Before(deadline) {
				return fmt.Errorf("check: INVITE: no final response: %w", transport.ErrTimeout)
			}
			if retrans && !time.Now().Before(next) {
				_ = s.sig.Send(ctx, req)
				interval *= 2
				next = time.Now().Add(interval)
			}
			continue
		}
		m := sip.ParseComplete(pkt.Data)
		if m == nil || m.IsRequest() {
			continue
		}
		v, err := m.TopVia()
		_, method, cerr := m.CSeq()
		if err != nil || cerr != nil || v.Branch() != branch || method != "INVITE" {
			if len(s.stray) < 50 {
				s.stray = append(s.stray, m)
			}
			continue
		}
		if m.StatusCode < 200 {
			s.provisional = append(s.provisional, m)
			if m.StatusCode > 100 {
				// Ringing: Timer C territory; wait for someone to answer.
				deadline = time.Now().Add(uaAnswerWait)
			}
			if onProvisional != nil {
				onProvisional(m)
			}
			continue
		}
		s.final = m
		if m.StatusCode >= 300 {
			if ack, err := transport.ACKFor(s.invite, m); err == nil {
				_ = s.sig.Send(ctx, ack.Bytes())
			}
			return nil
		}
		s.toHeader = m.Get("To")
		if c, err := sip.ParseNameAddr(m.Get("Contact")); err == nil && c.URI != nil {
			s.remote = c.URI.String()
		} else {
			s.remote = s.ruri
		}
		s.routes = uaRouteSet(m)
		s.answer, s.ansErr = uaParseSDP(m.Body)
		if err := s.sendACK(ctx); err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("check: INVITE: too many unrelated messages")
}

// uaRouteSet is the route set a UAC takes from a response that creates a
// dialog: its Record-Route entries in reverse order (RFC 3261 §12.1.2).
func uaRouteSet(m *sip.Message) []string {
	var routes []string
	rr := m.GetAll("Record-Route")
	for i := len(rr) - 1; i >= 0; i-- {
		entries := sip.SplitList(rr[i])
		for j := len(entries) - 1; j >= 0; j-- {
			routes = append(routes, entries[j])
		}
	}
	return routes
}

// established is true once a 2xx was ACKed.
func (s *uaSession) answered() bool { return s.final != nil && s.final.StatusCode < 300 }

// inDialog builds an in-dialog request sent from conn c (RFC 3261 §12.2.1.1).
// For ACK the CSeq number is the INVITE's.
func (s *uaSession) inDialog(method string, c transport.Conn) *sip.Message {
	m := sip.NewRequest(method, s.remote)
	m.Add("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=%s;rport", viaTransport(c.Transport()), c.LocalAddr(), sip.NewBranch(s.env.Rand)))
	for _, r := range s.routes {
		m.Add("Route", r)
	}
	m.Add("Max-Forwards", "70")
	m.Add("From", s.invite.Get("From"))
	m.Add("To", s.toHeader)
	m.Add("Call-ID", s.d.callID)
	num, _, _ := s.invite.CSeq()
	if method == "ACK" {
		m.Add("CSeq", fmt.Sprintf("%d ACK", num))
	} else {
		m.Add("CSeq", fmt.Sprintf("%d %s", s.d.cseq, method))
		s.d.cseq++
	}
	if method == "INVITE" || method == "UPDATE" {
		m.Add("Contact", "<"+contactURI(c, "sipvet")+">")
	}
	if s.env.UserAgent != "" {
		m.Add("User-Agent", s.env.UserAgent)
	}
	m.Add("Content-Length", "0")
	return m
}

func (s *uaSession) sendACK(ctx context.Context) error {
	if err := s.sig.Send(ctx, s.inDialog("ACK", s.sig).Bytes()); err != nil {
		return fmt.Errorf("check: ACK: %w", err)
	}
	return nil
}

// mediaDst returns where the answer asks for RTP and RTCP, after checking the
// address is in scope.
func (s *uaSession) mediaDst(ctx context.Context) (rtpDst, rtcpDst netip.AddrPort, err error) {
	if s.ansErr != nil {
		return rtpDst, rtcpDst, fmt.Errorf("check: unusable SDP answer: %w", s.ansErr)
	}
	rtpDst = s.answer.addrPort()
	if !rtpDst.IsValid() {
		return rtpDst, rtcpDst, fmt.Errorf("check: SDP answer names no media address (c=%q port %d)", s.answer.conn, s.answer.port)
	}
	if err := uaMediaAllowed(ctx, s.env, rtpDst); err != nil {
		return rtpDst, rtcpDst, err
	}
	rp := s.answer.rtcpPort
	if rp <= 0 || rp > 65535 {
		rp = int(rtpDst.Port()) + 1
	}
	return rtpDst, netip.AddrPortFrom(rtpDst.Addr(), uint16(rp)), nil
}

// uaMediaAllowed applies the scope rule to a media address the target
// negotiated: the target host itself, any loopback address when the target
// is on loopback, or a host the scope guard admits (named as a target).
func uaMediaAllowed(ctx context.Context, env *Env, ap netip.AddrPort) error {
	a := ap.Addr().Unmap()
	if a.String() == env.Target.Host {
		return nil
	}
	if ta, err := netip.ParseAddr(env.Target.Host); err == nil && ta.IsLoopback() && a.IsLoopback() {
		return nil
	}
	if a.IsMulticast() || a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return fmt.Errorf("%w: %s is not a unicast address", errUAScope, a)
	}
	c, err := env.Dialer.Dial(ctx, target.Target{Transport: "udp", Host: a.String(), Port: int(ap.Port())}, "")
	if err != nil {
		return fmt.Errorf("%w: the SDP answer puts media on %s; name udp://%s as a target too to let sipvet send RTP there (%v)", errUAScope, ap, a, err)
	}
	return c.Close()
}

// startRTP starts sipvet's own RTP stream from A to the answer's address
// (PCMU-sized silence frames every uaFrameEvery, bounded by ctx).
func (s *uaSession) startRTP(ctx context.Context) error {
	if s.media == nil {
		return nil
	}
	dst, _, err := s.mediaDst(ctx)
	if err != nil {
		return err
	}
	pt, _ := s.answer.firstCodec()
	sctx, cancel := context.WithCancel(ctx)
	s.sender = cancel
	s.senderWG.Add(1)
	go func() {
		defer s.senderWG.Done()
		t := time.NewTicker(uaFrameEvery)
		defer t.Stop()
		payload := make([]byte, uaFrameSamples)
		for i := range payload {
			payload[i] = 0xff
		}
		for n := 0; n < 3000; n++ {
			s.seq++
			s.ts += uaFrameSamples
			b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc}, Payload: payload}).Marshal()
			if err == nil {
				_ = s.media.rtp.SendTo(sctx, b, dst.String())
			}
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// stopRTP stops sipvet's own stream; it returns the last sequence number
// and timestamp sent.
func (s *uaSession) stopRTP() (uint16, uint32) {
	if s.sender != nil {
		s.sender()
		s.senderWG.Wait()
		s.sender = nil
	}
	return s.seq, s.ts
}

// transactFrom sends an in-dialog request from conn c and waits for its
// final response; for a 2xx to INVITE it sends the ACK from c too.
func (s *uaSession) transactFrom(ctx context.Context, c transport.Conn, req *sip.Message) (*sip.Message, error) {
	res, err := s.env.transact(ctx, c, req)
	if err != nil {
		return nil, err
	}
	if req.Method == "INVITE" && res.Final.StatusCode < 300 {
		ack := s.inDialog("ACK", c)
		num, _, _ := req.CSeq()
		ack.Set("CSeq", fmt.Sprintf("%d ACK", num))
		_ = c.Send(ctx, ack.Bytes())
	}
	return res.Final, nil
}

// hangup ends the call from A with BYE (or CANCEL while it is not
// answered). It reports what happened, for Data["cleanup"].
func (s *uaSession) hangup(ctx context.Context) string {
	s.stopRTP()
	if !s.answered() {
		return "no dialog to end"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	resp, err := s.transactFrom(ctx, s.sig, s.inDialog("BYE", s.sig))
	if err != nil {
		return "BYE failed: " + err.Error()
	}
	s.final = nil
	return fmt.Sprintf("call ended (BYE → %d %s)", resp.StatusCode, resp.Reason)
}

// close releases every socket.
func (s *uaSession) close(ctx context.Context) {
	s.stopRTP()
	if s.media != nil {
		s.media.close()
	}
	s.sig.Close()
}

// watchSIP reads requests arriving at A for d, answers them (200, with the
// offer for a re-INVITE; BYE ends the call) and returns their methods.
func (s *uaSession) watchSIP(ctx context.Context, d time.Duration) []string {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var methods []string
	for n := 0; n < 200 && ctx.Err() == nil; n++ {
		pkt, err := s.recvA(ctx)
		if err != nil {
			if errors.Is(err, sip.ErrTooLarge) {
				continue
			}
			break
		}
		m := sip.ParseComplete(pkt.Data)
		if m == nil {
			continue
		}
		if !m.IsRequest() {
			if _, method, err := m.CSeq(); err == nil && method == "INVITE" && m.StatusCode >= 200 && m.StatusCode < 300 {
				_ = s.sendACK(ctx) // retransmitted 2xx
			}
			continue
		}
		if m.Method == "ACK" {
			continue
		}
		methods = append(methods, m.Method)
		resp := sip.NewResponse(m, 200, "OK")
		if m.Method == "INVITE" {
			resp.Set("Contact", "<"+contactURI(s.sig, "sipvet")+">")
			resp.SetBody("application/sdp", s.offer)
		}
		if m.Method == "BYE" {
			s.final = nil
		}
		_ = s.sig.Send(ctx, resp.Bytes())
	}
	return methods
}

// answeredAtA looks for a final response to the request with top Via
// branch sent from B that the UA sent to A (the dialog's address) instead
// of to B: among the stray responses, then on A's socket for up to wait. It
// returns the status (0: none). Other requests arriving meanwhile are
// lost, so call it only while the dialog is quiet.
func (s *uaSession) answeredAtA(ctx context.Context, branch string, wait time.Duration) int {
	match := func(m *sip.Message) bool {
		v, err := m.TopVia()
		return err == nil && !m.IsRequest() && m.StatusCode >= 200 && v.Branch() == branch
	}
	for _, m := range s.stray {
		if match(m) {
			return m.StatusCode
		}
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for n := 0; n < 50 && ctx.Err() == nil; n++ {
		pkt, err := s.sig.Recv(ctx)
		if err != nil {
			if errors.Is(err, sip.ErrTooLarge) {
				continue
			}
			return 0
		}
		if m := sip.ParseComplete(pkt.Data); m != nil && match(m) {
			return m.StatusCode
		}
		if len(s.pending) < 50 {
			s.pending = append(s.pending, pkt)
		}
	}
	return 0
}

// recvA returns the next packet for A: one put back by answeredAtA, else
// one from A's socket.
func (s *uaSession) recvA(ctx context.Context) (transport.Packet, error) {
	if len(s.pending) > 0 {
		p := s.pending[0]
		s.pending = s.pending[1:]
		return p, nil
	}
	return s.sig.Recv(ctx)
}

// topBranch returns the branch of a request's top Via.
func topBranch(m *sip.Message) string {
	v, err := m.TopVia()
	if err != nil {
		return ""
	}
	return v.Branch()
}

// uaRTPSeen is one RTP packet sipvet received.
type uaRTPSeen struct {
	at       time.Time
	src, dst string
	ssrc     uint32
	seq      uint16
	ts       uint32
	pt       uint8
	size     int
}

// uaRTCPSeen is one RTCP compound packet sipvet received.
type uaRTCPSeen struct {
	at   time.Time
	src  string
	pkts []rtcp.Packet
}

// uaEndpoint is one local RTP/RTCP socket pair that remembers what arrives.
type uaEndpoint struct {
	rtp, rtcp transport.Conn
	now       func() time.Time
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu     sync.Mutex
	rtpIn  []uaRTPSeen
	rtcpIn []uaRTCPSeen
}

func newUAEndpoint(rtpC, rtcpC transport.Conn, now func() time.Time) *uaEndpoint {
	if now == nil {
		now = time.Now
	}
	return &uaEndpoint{rtp: rtpC, rtcp: rtcpC, now: now}
}

// uaOpenEndpointAt opens one endpoint bound to local ("ip:port" or "ip").
func uaOpenEndpointAt(ctx context.Context, env *Env, local string) (*uaEndpoint, error) {
	c, err := env.Dialer.Dial(ctx, uaMediaTarget(env), local)
	if err != nil {
		return nil, err
	}
	e := newUAEndpoint(c, nil, env.Now)
	e.start(ctx)
	return e, nil
}

func (e *uaEndpoint) start(ctx context.Context) {
	ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for _, c := range []transport.Conn{e.rtp, e.rtcp} {
		if c == nil {
			continue
		}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			for ctx.Err() == nil {
				p, err := c.Recv(ctx)
				if err != nil {
					if errors.Is(err, sip.ErrTooLarge) {
						continue
					}
					return
				}
				e.record(p)
			}
		}()
	}
}

func (e *uaEndpoint) record(p transport.Packet) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch transport.ClassifyMedia(p.Data) {
	case transport.MediaRTP:
		var h rtp.Header
		if _, err := h.Unmarshal(p.Data); err != nil || len(e.rtpIn) >= uaMaxSeen {
			return
		}
		e.rtpIn = append(e.rtpIn, uaRTPSeen{at: e.now(), src: p.Src, dst: p.Dst, ssrc: h.SSRC, seq: h.SequenceNumber, ts: h.Timestamp, pt: h.PayloadType, size: len(p.Data)})
	case transport.MediaRTCP:
		pkts, err := rtcp.Unmarshal(p.Data)
		if err != nil || len(e.rtcpIn) >= uaMaxSeen {
			return
		}
		e.rtcpIn = append(e.rtcpIn, uaRTCPSeen{at: e.now(), src: p.Src, pkts: pkts})
	}
}

// rtpSince returns the RTP packets received at or after t.
func (e *uaEndpoint) rtpSince(t time.Time) []uaRTPSeen {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []uaRTPSeen
	for _, p := range e.rtpIn {
		if !p.at.Before(t) {
			out = append(out, p)
		}
	}
	return out
}

// rtcpSince returns the RTCP packets received at or after t.
func (e *uaEndpoint) rtcpSince(t time.Time) []uaRTCPSeen {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []uaRTCPSeen
	for _, p := range e.rtcpIn {
		if !p.at.Before(t) {
			out = append(out, p)
		}
	}
	return out
}

func (e *uaEndpoint) close() {
	if e.cancel != nil {
		e.cancel()
	}
	e.rtp.Close()
	if e.rtcp != nil {
		e.rtcp.Close()
	}
	e.wg.Wait()
}

// uaSendRTP sends n RTP packets with header h (seq and ts advancing) from c
// to dst, one every interval.
func uaSendRTP(ctx context.Context, c transport.Conn, dst netip.AddrPort, h rtp.Header, payload []byte, n int, interval time.Duration) int {
	sent := 0
	for i := 0; i < min(n, uaMaxSends) && ctx.Err() == nil; i++ {
		b, err := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
		if err == nil && c.SendTo(ctx, b, dst.String()) == nil {
			sent++
		}
		h.SequenceNumber++
		h.Timestamp += uaFrameSamples
		if interval > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}
	return sent
}

// uaSendRTCP sends one RTCP compound packet from c to dst.
func uaSendRTCP(ctx context.Context, c transport.Conn, dst netip.AddrPort, pkts ...rtcp.Packet) error {
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		return fmt.Errorf("check: rtcp: %w", err)
	}
	return c.SendTo(ctx, b, dst.String())
}

// uaSleep waits d or until ctx ends.
func uaSleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// uaStatus renders a response as "200 OK" ("no response" for nil).
func uaStatus(m *sip.Message) string {
	if m == nil {
		return "no response"
	}
	return strconv.Itoa(m.StatusCode) + " " + m.Reason
}
