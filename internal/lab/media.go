package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/sipvet/sipvet/internal/transport"
)

// Media constants of the auto-answering UA: 20 ms G.711 frames at 8 kHz.
const (
	sampleRate     = 8000
	frameSamples   = 160
	frameInterval  = 20 * time.Millisecond
	toneHz         = 1000
	toneAmplitude  = 0.3 * 32767
	ptPCMU         = 0
	ptPCMA         = 8
	maxRTPPacket   = 1500
	defaultMaxCall = 60 * time.Second
)

// mediaConfig is what a media session needs to start.
type mediaConfig struct {
	// ip is the local address the RTP and RTCP sockets bind to.
	ip string
	// remote is where the tone is sent (from the SDP offer); invalid means
	// "latch onto the first RTP source".
	remote netip.AddrPort
	// mayReach filters tone destinations (see Lab.mayReach).
	mayReach    func(netip.Addr) bool
	pt          uint8
	ssrc        uint32
	seq         uint16
	ts          uint32
	maxDuration time.Duration
	now         func() time.Time
	log         *slog.Logger
	ua          uaMediaOpts // vuln_ua.go
}

// media is one RTP endpoint: it echoes every RTP packet back to its sender,
// sends a 1 kHz tone to the remote party every 20 ms and answers RTCP with
// receiver reports. It stops at stop, at maxDuration or when the lab closes.
type media struct {
	cfg     mediaConfig
	rtpL    transport.Listener
	rtcpL   transport.Listener
	cancel  context.CancelFunc
	done    chan struct{}
	payload []byte

	mu     sync.Mutex
	remote netip.AddrPort
	src    recvStats
	lastSR uint32
	srAt   time.Time
	// uaStopped is set when an RTCP BYE stopped the media (vuln_ua.go).
	uaStopped bool
}

// recvStats holds RFC 3550 §A.3 reception statistics for one remote SSRC.
type recvStats struct {
	seen        bool
	ssrc        uint32
	baseSeq     uint32
	maxSeq      uint16
	cycles      uint32
	received    uint32
	expPrior    uint32
	recvPrior   uint32
	jitter      float64
	lastTransit int64
}

// startMedia opens the RTP and RTCP sockets and starts the session's
// goroutines, which wg tracks.
func startMedia(ctx context.Context, wg *sync.WaitGroup, cfg mediaConfig) (*media, error) {
	if cfg.maxDuration <= 0 {
		cfg.maxDuration = defaultMaxCall
	}
	rtpL, err := transport.Listen(ctx, "udp", netJoin(cfg.ip, 0), transport.Options{Now: cfg.now})
	if err != nil {
		return nil, fmt.Errorf("lab: rtp socket: %w", err)
	}
	rtcpL, err := transport.Listen(ctx, "udp", netJoin(cfg.ip, 0), transport.Options{Now: cfg.now})
	if err != nil {
		rtpL.Close()
		return nil, fmt.Errorf("lab: rtcp socket: %w", err)
	}
	mctx, cancel := context.WithTimeout(ctx, cfg.maxDuration)
	m := &media{
		cfg: cfg, rtpL: rtpL, rtcpL: rtcpL, cancel: cancel, done: make(chan struct{}),
		payload: tonePayload(cfg.pt), remote: cfg.remote,
	}
	var inner sync.WaitGroup
	inner.Add(3)
	wg.Add(1)
	go func() {
		defer wg.Done()
		inner.Wait()
		close(m.done)
	}()
	go func() { defer inner.Done(); m.recvLoop(mctx, rtpL) }()
	go func() { defer inner.Done(); m.recvLoop(mctx, rtcpL) }()
	go func() {
		defer inner.Done()
		m.toneLoop(mctx)
		// Whatever ended the tone (stop, timeout, lab close) ends the session.
		cancel()
		rtpL.Close()
		rtcpL.Close()
	}()
	return m, nil
}

// rtpPort and rtcpPort are the local ports for the SDP answer.
func (m *media) rtpPort() int  { return portOf(m.rtpL.Addr()) }
func (m *media) rtcpPort() int { return portOf(m.rtcpL.Addr()) }

// setRemote sets the tone destination (from an SDP answer in an ACK).
func (m *media) setRemote(ap netip.AddrPort) {
	m.mu.Lock()
	m.remote = ap
	m.mu.Unlock()
}

// stop ends the session; it is safe to call more than once.
func (m *media) stop() { m.cancel() }

// recvLoop reads RTP or RTCP (RFC 5761 multiplexing is accepted on both
// sockets) until the session ends.
func (m *media) recvLoop(ctx context.Context, l transport.Listener) {
	for {
		p, err := l.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, transport.ErrClosed) {
				return
			}
			continue
		}
		m.handle(ctx, l, p)
	}
}

// handle processes one datagram with panic recovery.
func (m *media) handle(ctx context.Context, l transport.Listener, p transport.Packet) {
	defer func() {
		if r := recover(); r != nil {
			m.cfg.log.Error("lab: media packet panic", "src", p.Src, "panic", r)
		}
	}()
	if len(p.Data) < 8 || len(p.Data) > maxRTPPacket || p.Data[0]>>6 != 2 || !m.uaAdmit(p) {
		return
	}
	if pt := p.Data[1]; pt >= 200 && pt <= 204 {
		m.handleRTCP(ctx, l, p)
		return
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(p.Data); err != nil {
		return
	}
	src, err := netip.ParseAddrPort(p.Src)
	if err != nil {
		return
	}
	m.mu.Lock()
	m.account(&pkt.Header, p.Time)
	if !m.remote.IsValid() {
		m.remote = src
	}
	m.mu.Unlock()
	// Echo: the same packet straight back to whoever sent it.
	if err := l.Reply(ctx, p, p.Data); err != nil && ctx.Err() == nil {
		m.cfg.log.Debug("lab: rtp echo", "dst", p.Src, "err", err)
	}
}

// account updates reception statistics (RFC 3550 §A.1, §A.8). m.mu is held.
func (m *media) account(h *rtp.Header, at time.Time) {
	s := &m.src
	if !s.seen || s.ssrc != h.SSRC {
		*s = recvStats{seen: true, ssrc: h.SSRC, baseSeq: uint32(h.SequenceNumber), maxSeq: h.SequenceNumber}
	} else {
		delta := h.SequenceNumber - s.maxSeq
		if delta < 0x8000 {
			if h.SequenceNumber < s.maxSeq {
				s.cycles += 1 << 16
			}
			s.maxSeq = h.SequenceNumber
		}
	}
	s.received++
	arrival := at.UnixNano() * sampleRate / int64(time.Second)
	transit := arrival - int64(h.Timestamp)
	if s.received > 1 {
		d := math.Abs(float64(transit - s.lastTransit))
		s.jitter += (d - s.jitter) / 16
	}
	s.lastTransit = transit
}

// handleRTCP answers any RTCP compound packet with a receiver report for
// the stream the lab receives, plus an SDES CNAME (RFC 3550 §6.1).
func (m *media) handleRTCP(ctx context.Context, l transport.Listener, p transport.Packet) {
	pkts, err := rtcp.Unmarshal(p.Data)
	if err != nil {
		return
	}
	for _, pk := range flattenRTCP(pkts) {
		if sr, ok := pk.(*rtcp.SenderReport); ok {
			m.mu.Lock()
			m.lastSR = uint32(sr.NTPTime >> 16)
			m.srAt = m.cfg.now()
			m.mu.Unlock()
		}
	}
	out, err := rtcp.Marshal(m.report())
	if err != nil {
		return
	}
	if err := l.Reply(ctx, p, out); err != nil && ctx.Err() == nil {
		m.cfg.log.Debug("lab: rtcp reply", "dst", p.Src, "err", err)
	}
}

func flattenRTCP(pkts []rtcp.Packet) []rtcp.Packet {
	var out []rtcp.Packet
	for _, p := range pkts {
		if c, ok := p.(*rtcp.CompoundPacket); ok {
			out = append(out, []rtcp.Packet(*c)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

// report builds RR + SDES for the current statistics.
func (m *media) report() []rtcp.Packet {
	m.mu.Lock()
	defer m.mu.Unlock()
	rr := &rtcp.ReceiverReport{SSRC: m.cfg.ssrc}
	if s := &m.src; s.seen {
		ext := s.cycles + uint32(s.maxSeq)
		expected := ext - s.baseSeq + 1
		lost := int64(expected) - int64(s.received)
		if lost < 0 {
			lost = 0
		}
		expInt := expected - s.expPrior
		recvInt := s.received - s.recvPrior
		s.expPrior, s.recvPrior = expected, s.received
		var frac uint8
		if lostInt := int64(expInt) - int64(recvInt); expInt != 0 && lostInt > 0 {
			frac = uint8((lostInt << 8) / int64(expInt))
		}
		var dlsr uint32
		if m.lastSR != 0 {
			dlsr = uint32(m.cfg.now().Sub(m.srAt).Seconds() * 65536)
		}
		rr.Reports = []rtcp.ReceptionReport{{
			SSRC: s.ssrc, FractionLost: frac, TotalLost: uint32(min(lost, 0x7fffff)),
			LastSequenceNumber: ext, Jitter: uint32(s.jitter),
			LastSenderReport: m.lastSR, Delay: dlsr,
		}}
	}
	sdes := &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: m.cfg.ssrc,
		Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "sipvet-lab@" + m.cfg.ip}},
	}}}
	return []rtcp.Packet{rr, sdes}
}

// toneLoop sends one tone frame every 20 ms to the remote party until ctx
// ends.
func (m *media) toneLoop(ctx context.Context) {
	tick := time.NewTicker(frameInterval)
	defer tick.Stop()
	seq, ts := m.cfg.seq, m.cfg.ts
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		m.mu.Lock()
		dst, muted := m.remote, m.uaMuted()
		m.mu.Unlock()
		if muted || !dst.IsValid() || (m.cfg.mayReach != nil && !m.cfg.mayReach(dst.Addr())) {
			continue
		}
		pkt := rtp.Packet{
			Header: rtp.Header{Version: 2, PayloadType: m.cfg.pt, SequenceNumber: seq, Timestamp: ts,
				SSRC: m.cfg.ssrc, Marker: seq == m.cfg.seq},
			Payload: m.payload,
		}
		seq++
		ts += frameSamples
		b, err := pkt.Marshal()
		if err != nil {
			continue
		}
		if err := m.rtpL.SendTo(ctx, b, dst.String()); err != nil && ctx.Err() != nil {
			return
		}
	}
}

// tonePayload returns 20 ms of a 1 kHz sine in G.711 µ-law (PCMU) or A-law
// (PCMA). 1 kHz at 8 kHz is exactly 8 samples per cycle, so every frame is
// identical.
func tonePayload(pt uint8) []byte {
	out := make([]byte, frameSamples)
	for i := range out {
		s := int16(toneAmplitude * math.Sin(2*math.Pi*toneHz*float64(i)/sampleRate))
		if pt == ptPCMA {
			out[i] = linearToALaw(s)
		} else {
			out[i] = linearToULaw(s)
		}
	}
	return out
}

// linearToULaw encodes a 16-bit sample as G.711 µ-law.
func linearToULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	var sign byte
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, clip) + bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^(sign | byte(exp<<4) | byte(mant))
}

// linearToALaw encodes a 16-bit sample as G.711 A-law.
func linearToALaw(s int16) byte {
	x := int(s) >> 3
	var mask byte = 0xd5
	if x < 0 {
		mask, x = 0x55, -x-1
	}
	seg := 0
	for end := 0x1f; seg < 8 && x > end; end = end<<1 | 1 {
		seg++
	}
	if seg >= 8 {
		return 0x7f ^ mask
	}
	a := byte(seg << 4)
	if seg < 2 {
		a |= byte(x>>1) & 0x0f
	} else {
		a |= byte(x>>seg) & 0x0f
	}
	return a ^ mask
}
