package capture

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/srtp/v3"
)

type streamKey struct {
	src, dst netip.AddrPort
	ssrc     uint32
}

type ssrcDst struct {
	ssrc uint32
	dst  netip.AddrPort
}

// rtpHdr is the fixed RTP header (RFC 3550 §5.1).
type rtpHdr struct {
	pt     uint8
	marker bool
	seq    uint16
	ts     uint32
	ssrc   uint32
	hlen   int // header length with CSRCs and extension
	pad    int // padding bytes at the end
}

// parseRTP reads an RTP header; ok is false for anything that is not
// version 2 or whose lengths do not fit.
func parseRTP(b []byte) (h rtpHdr, ok bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return h, false
	}
	h.pt = b[1] & 0x7f
	h.marker = b[1]&0x80 != 0
	h.seq = binary.BigEndian.Uint16(b[2:])
	h.ts = binary.BigEndian.Uint32(b[4:])
	h.ssrc = binary.BigEndian.Uint32(b[8:])
	h.hlen = 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < h.hlen+4 {
			return h, false
		}
		h.hlen += 4 + 4*int(binary.BigEndian.Uint16(b[h.hlen+2:]))
	}
	if h.hlen > len(b) {
		return h, false
	}
	if b[0]&0x20 != 0 {
		h.pad = int(b[len(b)-1])
	}
	return h, true
}

// candidate is a UDP flow that may be RTP (no SDP describes it).
type candidate struct {
	ssrc uint32
	seq  uint16
	n    int
	last time.Time
	held []*Packet
}

const confirmPackets = 4

// srtpCand is one key tried on a stream.
type srtpCand struct {
	key SDESKey
	ctx *srtp.Context
	roc uint32
}

// stream is the state of one RTP stream.
type stream struct {
	idx         int
	key         streamKey
	ref         *mediaRef // the SDP media the stream belongs to (nil: heuristic)
	codecs      map[uint8]codec
	keys        []SDESKey
	first, last time.Time
	srtp        bool
	chosen      *srtpCand
	tries       int
	packets     int64
	authFail    int64
	decrypted   int64
	seqInit     bool
	lastSeq     uint16
	lastTS      uint32
	seqJumps    int
	talkspurts  int
	sizes       map[int]int64
	hist        [256]int64
	histN       int64
	codecName   string
	clock       int
	wav         *wavWriter
	wavName     string
	pos         int64 // samples placed (position of the next sample)
	posInit     bool
	posTS       uint32
	samples     int64
	gz          *goertzel
	eventTS     uint32
	haveEvent   bool
	dtmf        []DTMFDigit
	pcm         []int16
	plain       []byte
	srtcpOK     int64
	callID      string
	dtmfPT      int
	audioFailed bool
}

func (a *Analyzer) rtp(p *Packet) {
	h, ok := parseRTP(p.Payload)
	if !ok {
		return
	}
	k := streamKey{p.Src, p.Dst, h.ssrc}
	if s := a.streams[k]; s != nil {
		a.streamPacket(s, p, h)
		return
	}
	ref := a.media[p.Dst]
	if ref == nil || ref.rtcp {
		if r := a.media[p.Src]; r != nil && !r.rtcp {
			ref = r
		} else {
			ref = nil
		}
	}
	if ref == nil {
		a.heuristic(p, h)
		return
	}
	s := a.newStream(k, p, ref)
	if s != nil {
		a.streamPacket(s, p, h)
	}
}

// heuristic confirms a flow as RTP once a few packets of one SSRC arrive
// with consecutive sequence numbers, then replays the held packets.
func (a *Analyzer) heuristic(p *Packet, h rtpHdr) {
	if p.Src.Port() < 1024 || p.Dst.Port() < 1024 {
		return
	}
	fk := flowKey{p.Src, p.Dst}
	c := a.cands[fk]
	if c == nil || c.ssrc != h.ssrc || uint16(h.seq-c.seq) == 0 || uint16(h.seq-c.seq) > 3 {
		if c == nil && len(a.cands) >= maxCandidates {
			return
		}
		c = &candidate{ssrc: h.ssrc}
		a.cands[fk] = c
	}
	c.seq, c.last = h.seq, p.Time
	c.n++
	cp := *p
	cp.Payload = append([]byte(nil), p.Payload...)
	c.held = append(c.held, &cp)
	if c.n < confirmPackets {
		return
	}
	delete(a.cands, fk)
	s := a.newStream(streamKey{p.Src, p.Dst, h.ssrc}, p, nil)
	if s == nil {
		return
	}
	for _, q := range c.held {
		if qh, ok := parseRTP(q.Payload); ok {
			a.streamPacket(s, q, qh)
		}
	}
}

func (a *Analyzer) newStream(k streamKey, p *Packet, ref *mediaRef) *stream {
	if len(a.streams) >= maxStreams {
		a.sweepStreams(true)
	}
	a.nextStream++
	s := &stream{idx: a.nextStream, key: k, ref: ref, first: p.Time, sizes: map[int]int64{}, dtmfPT: -1, codecs: map[uint8]codec{}}
	if ref != nil {
		s.callID = ref.dlg.callID
		// The receiver's SDP maps payload types; fall back to the sender's.
		for _, r := range []*mediaRef{a.media[k.src], a.media[k.dst]} {
			if r == nil || r.rtcp {
				continue
			}
			for pt, c := range r.m.Codecs {
				s.codecs[pt] = c
			}
			if strings.Contains(strings.ToUpper(r.m.Proto), "SAVP") || len(r.m.Crypto) > 0 {
				s.srtp = true
			}
		}
		// Keys: the sender's own SDP first (RFC 4568 §6.1: each side
		// announces the key it sends with), then the rest of the dialog.
		if r := a.media[k.src]; r != nil && r.dlg == ref.dlg {
			s.keys = append(s.keys, r.m.Crypto...)
		}
		s.keys = append(s.keys, ref.dlg.keys...)
	}
	for pt, c := range s.codecs {
		if strings.EqualFold(c.Name, "telephone-event") {
			s.dtmfPT = int(pt)
		}
	}
	// Item 09: the same SSRC sent to one destination from two sources.
	sd := ssrcDst{k.ssrc, k.dst}
	srcs := a.ssrcSrc[sd]
	if len(srcs) > 0 && len(srcs) < 4 {
		all := []string{}
		for _, x := range srcs {
			all = append(all, x.String())
		}
		all = append(all, k.src.String())
		if len(a.rep.Injections) < maxTraces {
			a.rep.Injections = append(a.rep.Injections, InjectionTrace{SSRC: fmt.Sprintf("0x%08x", k.ssrc), Dst: k.dst.String(), Sources: all,
				Kind: "two-sources", Detail: fmt.Sprintf("SSRC 0x%08x reached %s from %d sources (frame %d)", k.ssrc, k.dst, len(all), p.Index)})
		}
	}
	if len(srcs) < 4 && len(a.ssrcSrc) < maxStreams {
		a.ssrcSrc[sd] = append(srcs, k.src)
	}
	a.streams[k] = s
	return s
}

// codecOf returns the codec of payload type pt in this stream.
func (s *stream) codecOf(pt uint8) codec {
	if c, ok := s.codecs[pt]; ok && c.Name != "" {
		return c
	}
	if c, ok := staticCodec(pt); ok {
		return c
	}
	if s.ref == nil && pt == 101 {
		return codec{Name: "telephone-event", Rate: 8000}
	}
	return codec{Name: fmt.Sprintf("pt%d", pt)}
}

func (a *Analyzer) streamPacket(s *stream, p *Packet, h rtpHdr) {
	s.last = p.Time
	s.packets++
	b := p.Payload
	size := len(b) - h.hlen
	c := s.codecOf(h.pt)
	isEvent := strings.EqualFold(c.Name, "telephone-event")
	// Sequence and timestamp continuity (item 09 traces); a marker bit
	// after a timestamp gap starts a talkspurt (silence suppression).
	if s.seqInit {
		d := int16(h.seq - s.lastSeq)
		if d > 100 || d < -100 {
			s.seqJumps++
		}
		if d > 0 {
			if h.marker && !isEvent && h.ts-s.lastTS > uint32(d)*320 {
				s.talkspurts++
			}
			s.lastSeq = h.seq
			if !isEvent {
				s.lastTS = h.ts
			}
		}
	} else {
		s.seqInit, s.lastSeq, s.lastTS = true, h.seq, h.ts
	}
	if !isEvent && len(s.sizes) < 2048 {
		s.sizes[size]++
	}
	if s.histN < 64<<10 && size > 0 {
		for _, x := range b[h.hlen : len(b)-min(h.pad, size)] {
			s.hist[x]++
		}
		s.histN += int64(size)
	}
	payload := b[h.hlen:]
	if h.pad > 0 && h.pad <= len(payload) && !s.srtp {
		payload = payload[:len(payload)-h.pad]
	}
	if s.srtp {
		pl, ok := a.decrypt(s, b, h)
		if !ok {
			return
		}
		payload = pl
	}
	if isEvent {
		a.event(s, p, h, payload)
		return
	}
	a.audio(s, p, h, c, payload)
}

// decrypt tries the dialog's SDES keys on an SRTP packet; the first key
// whose authentication tag verifies is kept. ROCs 0–3 are tried on the
// first packets, for captures that start after a sequence wrap.
func (a *Analyzer) decrypt(s *stream, b []byte, h rtpHdr) ([]byte, bool) {
	if s.chosen != nil {
		pl, err := s.chosen.ctx.DecryptRTP(s.plain[:0], b, nil)
		if err != nil {
			s.authFail++
			return nil, false
		}
		s.plain = pl
		s.decrypted++
		return payloadOf(pl, h), true
	}
	if len(s.keys) == 0 || s.tries > 8 {
		return nil, false
	}
	s.tries++
	for _, k := range s.keys {
		if k.Profile == 0 {
			continue
		}
		for roc := uint32(0); roc < 4; roc++ {
			ctx, err := srtp.CreateContext(k.Key, k.Salt, k.Profile)
			if err != nil {
				break
			}
			if roc > 0 {
				ctx.SetROC(h.ssrc, roc)
			}
			pl, err := ctx.DecryptRTP(nil, b, nil)
			if err != nil {
				continue
			}
			s.chosen = &srtpCand{key: k, ctx: ctx, roc: roc}
			s.plain = pl
			s.decrypted++
			return payloadOf(pl, h), true
		}
	}
	s.authFail++
	return nil, false
}

// payloadOf strips the header and padding from a decrypted packet.
func payloadOf(pl []byte, h rtpHdr) []byte {
	if len(pl) < h.hlen || len(pl) == 0 {
		return nil
	}
	out := pl[h.hlen:]
	if pl[0]&0x20 != 0 && len(out) > 0 {
		if n := int(out[len(out)-1]); n <= len(out) {
			out = out[:len(out)-n]
		}
	}
	return out
}

// event reads an RFC 4733 telephone-event payload.
func (a *Analyzer) event(s *stream, p *Packet, h rtpHdr, pl []byte) {
	if len(pl) < 4 {
		return
	}
	if s.haveEvent && s.eventTS == h.ts {
		return // same event: continuation or end packets
	}
	d, ok := eventDigit(pl[0])
	if !ok {
		return
	}
	s.haveEvent, s.eventTS = true, h.ts
	if len(s.dtmf) < 1024 {
		s.dtmf = append(s.dtmf, DTMFDigit{Digit: d, Source: "rfc4733", Stream: s.idx, Offset: p.Time.Sub(a.start).Seconds()})
	}
}

// audio decodes G.711 and places the samples by RTP timestamp.
func (a *Analyzer) audio(s *stream, p *Packet, h rtpHdr, c codec, pl []byte) {
	name := strings.ToUpper(c.Name)
	if s.codecName == "" {
		s.codecName = c.Name
		s.clock = c.Rate
	}
	if name != "PCMU" && name != "PCMA" {
		return
	}
	if !s.posInit {
		s.posInit, s.posTS = true, h.ts
		if s.gz == nil {
			s.gz = newGoertzel()
		}
		if a.opt.Audio != nil && !s.audioFailed {
			s.wavName = wavName(s)
			f, err := a.opt.Audio.Create(s.wavName)
			if err == nil {
				s.wav, err = newWAVWriter(f, 8000)
			}
			if err != nil {
				s.audioFailed, s.wav, s.wavName = true, nil, ""
			}
		}
	}
	at := s.pos + int64(int32(h.ts-s.posTS))
	table := a.ulaw
	if name == "PCMA" {
		table = a.alaw
	}
	s.pcm = decodeG711(s.pcm[:0], pl, table)
	pcm := s.pcm
	switch {
	case at < s.pos: // late or duplicate packet: keep what is new
		skip := s.pos - at
		if skip >= int64(len(pcm)) {
			return
		}
		pcm = pcm[skip:]
	case at > s.pos:
		gap := min(at-s.pos, 5*8000)
		if s.wav != nil {
			s.wav.silence(gap)
		}
		s.pos += gap
	}
	if s.wav != nil {
		s.wav.write(pcm)
	}
	s.gz.feed(pcm, func(d string, at int64) {
		if len(s.dtmf) < 1024 {
			off := p.Time.Sub(a.start).Seconds() - float64(s.pos+int64(len(pcm))-at)/8000
			s.dtmf = append(s.dtmf, DTMFDigit{Digit: d, Source: "inband", Stream: s.idx, Offset: math.Max(off, 0)})
		}
	})
	s.pos += int64(len(pcm))
	s.posTS = h.ts + uint32(len(s.pcm))
	s.samples += int64(len(pcm))
}

func wavName(s *stream) string {
	clean := func(ap netip.AddrPort) string {
		return strings.NewReplacer(":", "_", "[", "", "]", "").Replace(ap.String())
	}
	return fmt.Sprintf("stream-%03d-%s-to-%s-%08x.wav", s.idx, clean(s.key.src), clean(s.key.dst), s.key.ssrc)
}

// entropy returns the Shannon entropy in bits of a distribution.
func entropy[K comparable](counts map[K]int64) float64 {
	var n int64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}

// finishStream closes a stream and files its summary.
func (a *Analyzer) finishStream(s *stream) {
	sm := StreamSummary{SSRC: fmt.Sprintf("0x%08x", s.key.ssrc), Src: s.key.src.String(), Dst: s.key.dst.String(),
		Codec: s.codecName, Packets: s.packets, Seconds: round3(s.last.Sub(s.first).Seconds()), Encrypted: s.srtp,
		Decrypted: s.chosen != nil && s.decrypted > 0, FoundBy: "sdp", CallID: s.callID, AuthFailures: s.authFail,
		Sizes: s.sizes, SeqJumps: s.seqJumps, Talkspurts: s.talkspurts, first: s.first, clock: s.clock}
	if s.ref == nil {
		sm.FoundBy = "heuristic"
	}
	if sm.Codec == "" {
		sm.Codec = "unknown"
	}
	if s.chosen != nil {
		sm.Suite = s.chosen.key.Suite
	}
	bh := map[int]int64{}
	for i, c := range s.hist {
		if c > 0 {
			bh[i] = c
		}
	}
	sm.PayloadEntropy = round3(entropy(bh))
	if s.ref == nil && looksEncrypted(sm.PayloadEntropy, s.histN) {
		sm.Encrypted = true
		s.dtmf = nil
		if s.wav != nil {
			_ = s.wav.close(8000)
			_ = a.opt.Audio.Remove(s.wavName)
			s.wav, s.wavName = nil, ""
		}
		s.samples = 0
	}
	sm.BitsPerPacket = round3(entropy(s.sizes))
	var audioPkts int64
	for _, c := range s.sizes {
		audioPkts += c
	}
	if d := s.last.Sub(s.first).Seconds(); d > 0 {
		sm.BitsPerSecond = round3(sm.BitsPerPacket * float64(audioPkts) / d)
	}
	if s.wav != nil {
		if err := s.wav.close(8000); err == nil {
			sm.WAV = a.opt.Audio.Path(s.wavName)
		}
	}
	sm.AudioSeconds = round3(float64(s.samples) / 8000)
	if s.wav != nil && sm.WAV != "" {
		a.wavNames[sm.WAV] = true
	}
	sm.SRTCPDecrypted = s.srtcpOK
	for _, d := range s.dtmf {
		if len(a.rep.DTMF) < maxDTMF {
			a.rep.DTMF = append(a.rep.DTMF, d)
		}
	}
	if s.seqJumps >= 2 && len(a.rep.Injections) < maxTraces {
		a.rep.Injections = append(a.rep.Injections, InjectionTrace{SSRC: sm.SSRC, Dst: sm.Dst, Sources: []string{sm.Src}, Kind: "seq-jumps",
			Detail: fmt.Sprintf("stream %s → %s SSRC %s: %d sequence-number jumps of more than 100", sm.Src, sm.Dst, sm.SSRC, s.seqJumps)})
	}
	// Keep only what the end of the analysis needs.
	a.finished = append(a.finished, &doneStream{idx: s.idx, key: s.key, first: s.first, wavLocal: s.wavName, summary: sm})
}

// doneStream is what is kept of a finished stream.
type doneStream struct {
	idx      int
	key      streamKey
	first    time.Time
	wavLocal string
	summary  StreamSummary
}

// looksEncrypted judges a payload byte distribution: SRTP payloads are
// uniformly random, so their entropy is close to the maximum expected for
// n samples of 256 equally likely values.
func looksEncrypted(h float64, n int64) bool {
	if n < 512 {
		return false
	}
	expect := 8 - 255/(2*float64(n)*math.Ln2)
	return h >= expect-0.15
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// mix writes a stereo WAV for each pair of streams that are the two
// directions of one call.
func (a *Analyzer) mix() {
	if a.opt.Audio == nil {
		return
	}
	used := map[int]bool{}
	for i, x := range a.finished {
		if x.wavLocal == "" || used[i] {
			continue
		}
		for j := i + 1; j < len(a.finished); j++ {
			y := a.finished[j]
			if y.wavLocal == "" || used[j] || y.key.src != x.key.dst || y.key.dst != x.key.src {
				continue
			}
			used[i], used[j] = true, true
			a.mixPair(x, y)
			break
		}
	}
}

func (a *Analyzer) mixPair(x, y *doneStream) {
	name := fmt.Sprintf("call-%03d.wav", len(a.rep.Calls)+1)
	base := x.first
	if y.first.Before(base) {
		base = y.first
	}
	offX := int64(x.first.Sub(base).Seconds() * 8000)
	offY := int64(y.first.Sub(base).Seconds() * 8000)
	ra, err := a.opt.Audio.Open(x.wavLocal)
	if err != nil {
		return
	}
	defer ra.Close()
	rb, err := a.opt.Audio.Open(y.wavLocal)
	if err != nil {
		return
	}
	defer rb.Close()
	f, err := a.opt.Audio.Create(name)
	if err != nil {
		return
	}
	frames, err := mixStereo(f, ra, rb, offX, offY, 8000)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return
	}
	a.rep.Calls = append(a.rep.Calls, CallAudio{WAV: a.opt.Audio.Path(name), Left: x.summary.index, Right: y.summary.index,
		Seconds: round3(float64(frames) / 8000)})
}

// rtcpEvent is an RTCP BYE or SDES about an SSRC.
type rtcpEvent struct {
	kind  string
	ssrc  uint32
	from  netip.AddrPort
	frame int64
}

func (a *Analyzer) rtcp(p *Packet) {
	b := p.Payload
	ref := a.media[p.Dst]
	if ref == nil {
		ref = a.media[p.Src]
	}
	plain := b
	if ref != nil && len(ref.dlg.keys) > 0 {
		pl, ok := a.decryptRTCP(p, ref)
		if !ok {
			return
		}
		plain = pl
	}
	pkts, err := rtcp.Unmarshal(plain)
	if err != nil {
		return
	}
	for _, pk := range pkts {
		switch v := pk.(type) {
		case *rtcp.Goodbye:
			for _, ss := range v.Sources {
				a.addRTCPEvent("BYE", ss, p)
			}
		case *rtcp.SourceDescription:
			for _, c := range v.Chunks {
				a.addRTCPEvent("SDES", c.Source, p)
			}
		}
	}
}

func (a *Analyzer) addRTCPEvent(kind string, ssrc uint32, p *Packet) {
	if len(a.rtcpEvents) < maxRTCPEvents {
		a.rtcpEvents = append(a.rtcpEvents, rtcpEvent{kind, ssrc, p.Src, p.Index})
	}
}

// decryptRTCP decrypts SRTCP with the dialog's keys and counts it on the
// RTP stream of the same sender.
func (a *Analyzer) decryptRTCP(p *Packet, ref *mediaRef) ([]byte, bool) {
	if len(p.Payload) < 8 {
		return nil, false
	}
	ssrc := binary.BigEndian.Uint32(p.Payload[4:])
	var s *stream
	for k, st := range a.streams {
		if k.ssrc == ssrc {
			s = st
			break
		}
	}
	keys := ref.dlg.keys
	if s != nil && s.chosen != nil {
		keys = []SDESKey{s.chosen.key}
	}
	for _, k := range keys {
		if k.Profile == 0 {
			continue
		}
		ctx, err := srtp.CreateContext(k.Key, k.Salt, k.Profile)
		if err != nil {
			continue
		}
		pl, err := ctx.DecryptRTCP(nil, p.Payload, nil)
		if err != nil {
			continue
		}
		if s != nil {
			s.srtcpOK++
		}
		return pl, true
	}
	return nil, false
}

// judgeRTCP compares BYE/SDES senders with the RTP senders of each SSRC.
func (a *Analyzer) judgeRTCP() {
	bySSRC := map[uint32][]netip.AddrPort{}
	for _, s := range a.finished {
		bySSRC[s.key.ssrc] = append(bySSRC[s.key.ssrc], s.key.src)
	}
	seen := map[string]bool{}
	for _, ev := range a.rtcpEvents {
		srcs := bySSRC[ev.ssrc]
		if len(srcs) == 0 {
			continue
		}
		legit := false
		var from []string
		for _, s := range srcs {
			from = append(from, s.String())
			if s.Addr() == ev.from.Addr() && (ev.from.Port() == s.Port() || ev.from.Port() == s.Port()+1) {
				legit = true
			}
		}
		k := fmt.Sprintf("%s/%d/%s", ev.kind, ev.ssrc, ev.from)
		if legit || seen[k] || len(a.rep.RTCPSpoofs) >= maxTraces {
			continue
		}
		seen[k] = true
		a.rep.RTCPSpoofs = append(a.rep.RTCPSpoofs, RTCPSpoofTrace{Kind: ev.kind, SSRC: fmt.Sprintf("0x%08x", ev.ssrc), From: ev.from.String(),
			StreamFrom: from, Frame: ev.frame})
	}
}
