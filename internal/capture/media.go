package capture

import (
	"encoding/binary"
	"fmt"
	"iter"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

type streamKey struct {
	src, dst netip.AddrPort
	ssrc     uint32
}

// streamID is a streamKey packed into integers: maps hash it as plain
// memory, several times faster than the generic hash of netip values,
// and it is looked up for every RTP packet.
type streamID struct {
	src0, src1, dst0, dst1 uint64
	ports                  uint32
	ssrc                   uint32
	fam                    uint32 // bit 0: src is IPv4, bit 1: dst is IPv4 (::ffff:a.b.c.d stays apart from a.b.c.d)
}

func (k streamKey) id() streamID {
	s, d := k.src.Addr().As16(), k.dst.Addr().As16()
	return streamID{binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:]), binary.BigEndian.Uint64(d[:8]), binary.BigEndian.Uint64(d[8:]),
		uint32(k.src.Port())<<16 | uint32(k.dst.Port()), k.ssrc, b2u(k.src.Addr().Is4()) | b2u(k.dst.Addr().Is4())<<1}
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
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

// histBytes is how many payload bytes of a stream feed its byte histogram
// (payload entropy, the encrypted-or-not judgement of heuristic streams).
const histBytes = 16 << 10

// ptCodec is what a stream knows of one payload type's codec.
type ptCodec struct {
	pt    int // -1: none
	c     codec
	event bool        // telephone-event
	g711  *[256]int16 // decoding table when the codec is PCMU or PCMA
	g722  bool        // the codec is G.722
}

// ptCodecOf works out the codec of payload type pt in stream s.
func (w *mediaWorker) ptCodecOf(s *stream, pt uint8) ptCodec {
	c := s.codecOf(pt)
	pc := ptCodec{pt: int(pt), c: c, event: strings.EqualFold(c.Name, "telephone-event")}
	switch strings.ToUpper(c.Name) {
	case "PCMU":
		pc.g711 = w.a.ulaw
	case "PCMA":
		pc.g711 = w.a.alaw
	case "G722":
		pc.g722 = true
	}
	return pc
}

// byteHist counts byte values in two tables, byte i of the input in
// table i%2, so that a run of equal bytes (digital silence) does not
// make every increment wait for the one before. The counts are 16-bit,
// so that the tables of the many streams a worker serves in turn stay
// small in the cache: a stream feeds it fewer than histBytes (16 KiB)
// bytes and then one more packet, of at most 64 KiB, which puts at most
// 32 KiB in each table — no entry passes 49,151.
type byteHist [2][256]uint16

func (h *byteHist) add(b []byte) {
	for len(b) >= 2 {
		_ = b[1]
		h[0][b[0]]++
		h[1][b[1]]++
		b = b[2:]
	}
	for _, x := range b {
		h[0][x]++
	}
}

// counts returns the combined counts.
func (h *byteHist) counts() [256]int64 {
	var out [256]int64
	for i := range out {
		out[i] = int64(h[0][i]) + int64(h[1][i])
	}
	return out
}

// srtpCand is one key tried on a stream.
type srtpCand struct {
	key SDESKey
	ctx *srtp.Context
	roc uint32
}

// maxSizes is how many distinct payload sizes a stream's histogram holds;
// past it the histogram stops counting.
const maxSizes = 2048

// sizeHist counts payload sizes: small sizes (all of G.711 and most of
// Opus) in an array, which spares a map update per packet, the rest in a
// map.
type sizeHist struct {
	small    *[512]int64
	big      map[int]int64
	distinct int
	// When repeating (inRun), run packets of size last are not counted
	// yet: most streams repeat one size, and counting them here, next to
	// the fields every packet reads, spares a cache line of the
	// histogram per packet.
	last, run int
	inRun     bool
}

func (h *sizeHist) add(n int) {
	if h.inRun && n == h.last {
		h.run++
		return
	}
	h.flush()
	if h.distinct >= maxSizes {
		return
	}
	h.count(n)
	// what follows of size n is counted in run (past maxSizes nothing
	// is counted at all)
	h.last, h.inRun = n, h.distinct < maxSizes
}

// flush counts the pending run.
func (h *sizeHist) flush() {
	if h.run == 0 {
		return
	}
	if h.last >= 0 && h.last < 512 {
		h.small[h.last] += int64(h.run)
	} else {
		h.big[h.last] += int64(h.run)
	}
	h.run = 0
}

// count counts one packet of size n.
func (h *sizeHist) count(n int) {
	if n >= 0 && n < 512 {
		if h.small == nil {
			h.small = new([512]int64)
		}
		if h.small[n] == 0 {
			h.distinct++
		}
		h.small[n]++
		return
	}
	if h.big == nil {
		h.big = map[int]int64{}
	}
	if h.big[n] == 0 {
		h.distinct++
	}
	h.big[n]++
}

// counts returns the histogram as a map of size to packets.
func (h *sizeHist) counts() map[int]int64 {
	h.flush()
	out := make(map[int]int64, h.distinct)
	if h.small != nil {
		for n, c := range h.small {
			if c > 0 {
				out[n] = c
			}
		}
	}
	for n, c := range h.big {
		out[n] = c
	}
	return out
}

// stream is the state of one RTP stream.
type stream struct {
	// last is the time of the last packet, set when the stream ends
	// (while it is active, Analyzer.streams keeps it)
	last        time.Time
	idx         int
	slot        int32 // in Analyzer.streams while active
	key         streamKey
	ref         *mediaRef // the SDP media the stream belongs to (nil: heuristic)
	codecs      map[uint8]codec
	keys        []SDESKey
	first       time.Time
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
	sizes       sizeHist
	hist        byteHist
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
	rtpHeader   rtp.Header
	srtcpOK     int64
	callID      string
	dtmfPT      int
	audioFailed bool
	// cur is the codec of the last payload type seen; alt that of the
	// type seen before it, kept for streams where two types alternate
	// (audio and telephone-event)
	cur, alt ptCodec
	// scale is the decoded sample rate over 8 kHz (2 for G.722), fixed by
	// the first audio packet; g722 is that stream's decoder
	scale int64
	g722  *g722Decoder
	dec   []int16 // G.722 audio at 8 kHz for the DTMF detector
	// skipped counts SRTP packets left encrypted (sampling, see decrypt)
	skipped int64
}

// rtp handles an RTP packet whose header is h.
func (a *Analyzer) rtp(p *Packet, h rtpHdr) {
	k := streamKey{p.Src, p.Dst, h.ssrc}
	if slot, ok := a.streams.find(k); ok {
		a.dispatchRTP(slot, p, h)
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
		a.dispatchRTP(s.slot, p, h)
	}
}

// dispatchRTP hands an RTP packet to the worker of the stream in slot.
func (a *Analyzer) dispatchRTP(slot int32, p *Packet, h rtpHdr) {
	t := &a.streams
	at := p.Time.Sub(a.start)
	t.last[slot] = at
	a.pipe.sendTo(int(t.worker[slot]), job{kind: jobRTP, s: t.s[slot], pl: p.Payload, at: at, index: p.Index, h: h})
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
			a.dispatchRTP(s.slot, q, qh)
		}
	}
}

func (a *Analyzer) newStream(k streamKey, p *Packet, ref *mediaRef) *stream {
	if a.streams.len() >= maxStreams {
		a.sweepStreams(true)
	}
	a.nextStream++
	s := &stream{idx: a.nextStream, key: k, ref: ref, first: p.Time, last: p.Time, dtmfPT: -1, codecs: map[uint8]codec{}, cur: ptCodec{pt: -1}, alt: ptCodec{pt: -1}}
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
	a.streams.add(s, p.Time.Sub(a.start), a.pipe.workerOf(s))
	if l := a.bySSRC[k.ssrc]; len(l) < 64 {
		a.bySSRC[k.ssrc] = append(l, s)
	}
	return s
}

// dropSSRC forgets a finished stream in a.bySSRC.
func (a *Analyzer) dropSSRC(s *stream) {
	l := a.bySSRC[s.key.ssrc]
	for i, x := range l {
		if x == s {
			l = append(l[:i:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(a.bySSRC, s.key.ssrc)
		return
	}
	a.bySSRC[s.key.ssrc] = l
}

// rtcpStream returns the active RTP stream an RTCP packet about ssrc
// belongs to: the one sent from the RTCP packet's address (same port with
// rtcp-mux, or the port below), else the newest stream of that SSRC.
func (a *Analyzer) rtcpStream(ssrc uint32, from netip.AddrPort) *stream {
	l := a.bySSRC[ssrc]
	for _, s := range l {
		if s.key.src.Addr() == from.Addr() && (s.key.src.Port() == from.Port() || s.key.src.Port()+1 == from.Port()) {
			return s
		}
	}
	if len(l) > 0 {
		return l[len(l)-1]
	}
	return nil
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

func (w *mediaWorker) streamPacket(s *stream, j *job) {
	s.packets++
	h := j.h
	b := j.pl
	size := len(b) - h.hlen
	if int(h.pt) != s.cur.pt {
		if s.alt.pt == int(h.pt) {
			s.cur, s.alt = s.alt, s.cur
		} else {
			s.cur, s.alt = w.ptCodecOf(s, h.pt), s.cur
		}
	}
	c, isEvent := s.cur.c, s.cur.event
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
	if !isEvent {
		s.sizes.add(size)
	}
	if s.histN < histBytes && size > 0 {
		s.hist.add(b[h.hlen : len(b)-min(h.pad, size)])
		s.histN += int64(size)
	}
	payload := b[h.hlen:]
	if h.pad > 0 && h.pad <= len(payload) && !s.srtp {
		payload = payload[:len(payload)-h.pad]
	}
	if s.srtp {
		pl, ok := w.decrypt(s, b, h, isEvent)
		if !ok {
			return
		}
		payload = pl
	}
	if isEvent {
		w.event(s, j.at, h, payload)
		return
	}
	w.audio(s, j.at, h, c, payload)
}

// srtpSample is how many audio packets of an SRTP stream are decrypted
// (and their tags verified) when the audio is not extracted: enough to
// prove the key and to decode a second or two of audio.
const srtpSample = 64

// srtpKeepAlive: past the sample, one packet in this many is still
// decrypted and verified, which keeps pion/srtp's rollover-counter estimate
// (RFC 3711 §3.3.1, valid for gaps under 2^15 packets) in step with the
// stream and spreads the tag checks over the whole stream.
const srtpKeepAlive = 1024

// decrypt tries the dialog's SDES keys on an SRTP packet; the first key
// whose authentication tag verifies is kept. ROCs 0–3 are tried on the
// first packets, for captures that start after a sequence wrap. Unless
// every packet is wanted (Options.DecryptAll or audio extraction), only
// the first srtpSample audio packets and the first packet of each
// telephone event are decrypted; the others are counted in s.skipped. pion/srtp still sees
// every packet's sequence number through the ones it decrypts, and the
// rollover counter is estimated from the sequence number (RFC 3711
// §3.3.1), which tolerates the gaps as long as they are shorter than half
// the sequence space.
func (w *mediaWorker) decrypt(s *stream, b []byte, h rtpHdr, isEvent bool) ([]byte, bool) {
	if s.chosen != nil {
		sampled := !w.a.full && !isEvent && s.decrypted+s.authFail >= srtpSample
		if sampled && s.packets%srtpKeepAlive != 0 {
			s.skipped++
			return nil, false
		}
		if !w.a.full && isEvent && s.haveEvent && s.eventTS == h.ts {
			// A continuation or end packet of an event already read
			// (the timestamp is in the clear): event would drop it.
			s.skipped++
			return nil, false
		}
		pl, err := s.chosen.ctx.DecryptRTP(s.plain[:0], b, &s.rtpHeader)
		if err != nil {
			s.authFail++
			return nil, false
		}
		s.plain = pl
		s.decrypted++
		if sampled {
			// Verified to keep the rollover counter in step; not
			// decoded, as the audio around it is not.
			return nil, false
		}
		return payloadOf(pl, h), true
	}
	if len(s.keys) == 0 || s.tries > 8 {
		return nil, false
	}
	s.tries++
	// ROC 0 with every key first: captures rarely start after a wrap, and
	// each try builds a context (key derivation).
	for roc := uint32(0); roc < 4; roc++ {
		for _, k := range s.keys {
			if k.Profile == 0 {
				continue
			}
			ctx, err := srtp.CreateContext(k.Key, k.Salt, k.Profile)
			if err != nil {
				continue
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
func (w *mediaWorker) event(s *stream, at time.Duration, h rtpHdr, pl []byte) {
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
		s.dtmf = append(s.dtmf, DTMFDigit{Digit: d, Source: "rfc4733", Stream: s.idx, Offset: at.Seconds()})
	}
}

// audio decodes G.711 (8 kHz) or G.722 (16 kHz) and places the samples by
// RTP timestamp; the DTMF detector sees the audio at 8 kHz.
func (w *mediaWorker) audio(s *stream, when time.Duration, h rtpHdr, c codec, pl []byte) {
	if s.codecName == "" {
		s.codecName = c.Name
		s.clock = c.Rate
	}
	table := s.cur.g711
	if table == nil && !s.cur.g722 {
		return
	}
	if !s.posInit {
		s.posInit, s.posTS = true, h.ts
		s.scale = 1
		if s.cur.g722 {
			s.scale, s.g722 = 2, newG722Decoder()
		}
		if s.gz == nil {
			s.gz = newGoertzel()
		}
		if w.store != nil && !s.audioFailed {
			s.wavName = wavName(s)
			f, err := w.store.Create(s.wavName)
			if err == nil {
				s.wav, err = newWAVWriter(f, int(8000*s.scale))
			}
			if err != nil {
				s.audioFailed, s.wav, s.wavName = true, nil, ""
			}
		}
	}
	if s.cur.g722 != (s.scale == 2) {
		return // a switch between codecs of other rates: not placed
	}
	// RTP timestamps of G.722 run at 8 kHz (RFC 3551 §4.5.2) for 16 kHz audio.
	at := s.pos + s.scale*int64(int32(h.ts-s.posTS))
	if !s.cur.g722 && s.wav == nil {
		s.g711(when, h, at, pl, table)
		return
	}
	if s.cur.g722 {
		s.pcm = s.g722.decode(s.pcm[:0], pl)
	} else {
		s.pcm = decodeG711(s.pcm[:0], pl, table)
	}
	skip, gap, ok := s.place(at, int64(len(s.pcm)))
	if !ok {
		return
	}
	pcm := s.pcm[skip:]
	if s.wav != nil {
		if gap > 0 {
			s.wav.silence(gap)
		}
		s.wav.write(pcm)
	}
	fed := pcm
	if s.scale == 2 {
		s.dec = s.dec[:0]
		for i := 0; i+1 < len(pcm); i += 2 {
			s.dec = append(s.dec, int16((int32(pcm[i])+int32(pcm[i+1]))/2))
		}
		fed = s.dec
	}
	p0 := s.gz.pos
	s.inband(when, p0, len(fed), s.gz.feed(fed))
	s.placed(h, int64(len(s.pcm)), int64(len(pcm)))
}

// place finds where a packet of n samples starting at sample at goes: the
// samples to skip (a late or duplicate packet keeps only what is new), or
// the gap of silence before it (at most 5 s, already counted in s.pos);
// ok is false when nothing of it is new.
func (s *stream) place(at, n int64) (skip, gap int64, ok bool) {
	switch {
	case at < s.pos:
		if skip = s.pos - at; skip >= n {
			return 0, 0, false
		}
	case at > s.pos:
		gap = min(at-s.pos, 5*8000*s.scale)
		s.pos += gap
	}
	return skip, gap, true
}

// placed advances the stream past a packet of n samples (n/scale RTP
// timestamp units) of which kept were new.
func (s *stream) placed(h rtpHdr, n, kept int64) {
	s.pos += kept
	s.posTS = h.ts + uint32(n/s.scale)
	s.samples += kept
}

// inband records the key presses the detector found in fed samples, p0
// being its position before them: a hit's time is the packet's minus the
// samples fed after it.
func (s *stream) inband(when time.Duration, p0 int64, fed int, hits []toneHit) {
	for _, hit := range hits {
		if len(s.dtmf) < 1024 {
			off := when.Seconds() - float64(p0+int64(fed)-hit.at)/8000
			s.dtmf = append(s.dtmf, DTMFDigit{Digit: hit.digit, Source: "inband", Stream: s.idx, Offset: math.Max(off, 0)})
		}
	}
}

// g711 is audio for G.711 when no WAV is written: the same placement and
// detection, with the bytes decoded straight into the DTMF detector.
func (s *stream) g711(when time.Duration, h rtpHdr, at int64, pl []byte, table *[256]int16) {
	n := int64(len(pl))
	skip, _, ok := s.place(at, n)
	if !ok {
		return
	}
	pl = pl[skip:]
	p0 := s.gz.pos
	s.inband(when, p0, len(pl), s.gz.feedG711(pl, table))
	s.placed(h, n, int64(len(pl)))
}

func wavName(s *stream) string {
	clean := func(ap netip.AddrPort) string {
		return strings.NewReplacer(":", "_", "[", "", "]", "").Replace(ap.String())
	}
	return fmt.Sprintf("stream-%03d-%s-to-%s-%08x.wav", s.idx, clean(s.key.src), clean(s.key.dst), s.key.ssrc)
}

// entropy is the Shannon entropy in bits of a histogram given by its
// counts (maps.Values of a map, slices.Values of an array). Each count's
// term is computed once: a histogram repeats small counts, and the same
// count gives the same term, so the sum is what a Log2 per bin gives.
func entropy(counts iter.Seq[int64]) float64 {
	var n int64
	for c := range counts {
		n += c
	}
	if n == 0 {
		return 0
	}
	var terms [256]float64 // terms[c] for c < 256 once known (0: not yet, or c == n)
	h := 0.0
	for c := range counts {
		if c <= 0 {
			continue
		}
		if c < int64(len(terms)) && terms[c] != 0 {
			h -= terms[c]
			continue
		}
		p := float64(c) / float64(n)
		t := p * math.Log2(p)
		if c < int64(len(terms)) {
			terms[c] = t
		}
		h -= t
	}
	return h
}

// finishStream closes a stream and files its summary.
func (w *mediaWorker) finishStream(s *stream) {
	sm := StreamSummary{SSRC: fmt.Sprintf("0x%08x", s.key.ssrc), Src: s.key.src.String(), Dst: s.key.dst.String(),
		Codec: s.codecName, Packets: s.packets, Seconds: round3(s.last.Sub(s.first).Seconds()), Encrypted: s.srtp,
		Decrypted: s.chosen != nil && s.decrypted > 0, FoundBy: "sdp", CallID: s.callID, AuthFailures: s.authFail,
		Sizes: s.sizes.counts(), SeqJumps: s.seqJumps, Talkspurts: s.talkspurts, first: s.first, clock: s.clock}
	if s.chosen != nil {
		sm.SRTPVerified, sm.SRTPSkipped = s.decrypted, s.skipped
	}
	if s.ref == nil {
		sm.FoundBy = "heuristic"
	}
	if sm.Codec == "" {
		sm.Codec = "unknown"
	}
	if s.chosen != nil {
		sm.Suite = s.chosen.key.Suite
	}
	counts := s.hist.counts()
	sm.PayloadEntropy = round3(entropy(slices.Values(counts[:])))
	if s.ref == nil && looksEncrypted(sm.PayloadEntropy, s.histN) {
		sm.Encrypted = true
		s.dtmf = nil
		if s.wav != nil {
			_ = s.wav.close(s.rate())
			_ = w.store.Remove(s.wavName)
			s.wav, s.wavName = nil, ""
		}
		s.samples = 0
	}
	sm.BitsPerPacket = round3(entropy(maps.Values(sm.Sizes)))
	var audioPkts int64
	for _, c := range sm.Sizes {
		audioPkts += c
	}
	if d := s.last.Sub(s.first).Seconds(); d > 0 {
		sm.BitsPerSecond = round3(sm.BitsPerPacket * float64(audioPkts) / d)
	}
	if s.wav != nil {
		if err := s.wav.close(s.rate()); err == nil {
			sm.WAV = w.store.Path(s.wavName)
		}
	}
	sm.AudioSeconds = round3(float64(s.samples) / float64(s.rate()))
	if s.samples > 0 {
		sm.SampleRate = s.rate()
	}
	sm.SRTCPDecrypted = s.srtcpOK
	var dtmf []DTMFDigit
	if n := min(len(s.dtmf), maxDTMF-w.dtmfKept); n > 0 {
		dtmf = s.dtmf[:n:n]
		w.dtmfKept += n
	}
	if s.seqJumps >= 2 && len(w.injections) < maxTraces {
		w.injections = append(w.injections, InjectionTrace{SSRC: sm.SSRC, Dst: sm.Dst, Sources: []string{sm.Src}, Kind: "seq-jumps",
			Detail: fmt.Sprintf("stream %s → %s SSRC %s: %d sequence-number jumps of more than 100", sm.Src, sm.Dst, sm.SSRC, s.seqJumps),
			stream: s.idx})
	}
	// Keep only what the end of the analysis needs.
	w.finished = append(w.finished, &doneStream{idx: s.idx, key: s.key, first: s.first, wavLocal: s.wavName, summary: sm, dtmf: dtmf, rate: s.rate()})
}

// rate is the sample rate of the stream's decoded audio.
func (s *stream) rate() int {
	if s.scale == 2 {
		return 16000
	}
	return 8000
}

// doneStream is what is kept of a finished stream.
type doneStream struct {
	idx      int
	key      streamKey
	first    time.Time
	wavLocal string
	summary  StreamSummary
	dtmf     []DTMFDigit
	rate     int
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
			if y.wavLocal == "" || used[j] || y.key.src != x.key.dst || y.key.dst != x.key.src || y.rate != x.rate {
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
	rate := x.rate
	offX := int64(x.first.Sub(base).Seconds() * float64(rate))
	offY := int64(y.first.Sub(base).Seconds() * float64(rate))
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
	frames, err := mixStereo(f, ra, rb, offX, offY, rate)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return
	}
	a.rep.Calls = append(a.rep.Calls, CallAudio{WAV: a.opt.Audio.Path(name), Left: x.summary.index, Right: y.summary.index,
		Seconds: round3(float64(frames) / float64(rate))})
}

// rtcpEvent is an RTCP BYE or SDES about an SSRC.
type rtcpEvent struct {
	kind  string
	ssrc  uint32
	from  netip.AddrPort
	frame int64
}

func (a *Analyzer) rtcp(p *Packet) {
	ref := a.media[p.Dst]
	if ref == nil {
		ref = a.media[p.Src]
	}
	if ref == nil || len(ref.dlg.keys) == 0 {
		a.rtcpEvents = appendRTCPEvents(a.rtcpEvents, p, p.Payload)
		return
	}
	if len(p.Payload) < 8 {
		return
	}
	// SRTCP: decrypted by the worker of the RTP stream of the same sender
	// SSRC (it knows the key that stream verified), else here with the
	// dialog's keys.
	if s := a.rtcpStream(binary.BigEndian.Uint32(p.Payload[4:]), p.Src); s != nil {
		a.pipe.send(job{kind: jobRTCP, s: s, pl: p.Payload, at: p.Time.Sub(a.start), index: p.Index,
			rtcp: &rtcpJob{src: p.Src, time: p.Time, keys: ref.dlg.keys}})
		return
	}
	if pl, ok := decryptRTCP(p.Payload, ref.dlg.keys); ok {
		a.rtcpEvents = appendRTCPEvents(a.rtcpEvents, p, pl)
	}
}

// rtcp handles an SRTCP packet of stream s: decrypted with the key the
// stream verified (else the dialog's keys) and counted on the stream.
func (w *mediaWorker) rtcp(p *Packet, s *stream, keys []SDESKey) {
	var pl []byte
	switch {
	case s.chosen != nil:
		// The stream's SRTP context also holds the SRTCP keys derived
		// from the same master key (RFC 3711 §4.3), and SRTCP carries
		// its own index: no context to build per packet.
		var err error
		if pl, err = s.chosen.ctx.DecryptRTCP(w.rtcpBuf[:0], p.Payload, nil); err != nil {
			return
		}
		w.rtcpBuf = pl
	default:
		var ok bool
		if pl, ok = decryptRTCP(p.Payload, keys); !ok {
			return
		}
	}
	s.srtcpOK++
	w.rtcpEvents = appendRTCPEvents(w.rtcpEvents, p, pl)
}

// appendRTCPEvents appends the BYE and SDES packets of a (decrypted)
// RTCP compound packet.
func appendRTCPEvents(dst []rtcpEvent, p *Packet, plain []byte) []rtcpEvent {
	pkts, err := rtcp.Unmarshal(plain)
	if err != nil {
		return dst
	}
	add := func(kind string, ssrc uint32) {
		if len(dst) < maxRTCPEvents {
			dst = append(dst, rtcpEvent{kind, ssrc, p.Src, p.Index})
		}
	}
	for _, pk := range pkts {
		switch v := pk.(type) {
		case *rtcp.Goodbye:
			for _, ss := range v.Sources {
				add("BYE", ss)
			}
		case *rtcp.SourceDescription:
			for _, c := range v.Chunks {
				add("SDES", c.Source)
			}
		}
	}
	return dst
}

// decryptRTCP decrypts an SRTCP packet with the first key that verifies.
func decryptRTCP(b []byte, keys []SDESKey) ([]byte, bool) {
	for _, k := range keys {
		if k.Profile == 0 {
			continue
		}
		ctx, err := srtp.CreateContext(k.Key, k.Salt, k.Profile)
		if err != nil {
			continue
		}
		pl, err := ctx.DecryptRTCP(nil, b, nil)
		if err != nil {
			continue
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
		for _, s := range srcs {
			if s.Addr() == ev.from.Addr() && (ev.from.Port() == s.Port() || ev.from.Port() == s.Port()+1) {
				legit = true
				break
			}
		}
		if legit || len(a.rep.RTCPSpoofs) >= maxTraces {
			continue
		}
		k := fmt.Sprintf("%s/%d/%s", ev.kind, ev.ssrc, ev.from)
		if seen[k] {
			continue
		}
		seen[k] = true
		from := make([]string, 0, len(srcs))
		for _, s := range srcs {
			from = append(from, s.String())
		}
		a.rep.RTCPSpoofs = append(a.rep.RTCPSpoofs, RTCPSpoofTrace{Kind: ev.kind, SSRC: fmt.Sprintf("0x%08x", ev.ssrc), From: ev.from.String(),
			StreamFrom: from, Frame: ev.frame})
	}
}
