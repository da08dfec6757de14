package capture

import (
	"bytes"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
)

// Limits that bound the analyser's memory.
const (
	maxDialogs     = 1 << 16
	maxChallenges  = 1 << 14
	maxTCPFlows    = 1 << 12
	maxStreams     = 1 << 14
	maxCandidates  = 1 << 14
	maxHarvest     = 4096
	maxPerAgent    = 512
	maxAgents      = 256
	maxDigests     = 4096
	maxTraces      = 256
	maxDTMF        = 4096
	maxRTCPEvents  = 4096
	maxEvidenceLen = 8 << 10
	sweepEvery     = 4096
	streamIdle     = 30 * time.Second
	dialogIdle     = 10 * time.Minute
)

// Options configure an Analyzer.
type Options struct {
	// Audio receives WAV files of decoded streams (per direction and a
	// mixed two-channel file per call). Nil: audio is decoded (for DTMF
	// and seconds) but not written. With Audio set, every SRTP packet is
	// decrypted.
	Audio AudioStore
	// DecryptAll decrypts (and verifies) every SRTP packet even without
	// Audio. Otherwise the first packets of each stream (enough to verify
	// the key and decode a sample), every telephone-event packet and one
	// packet in 1024 are decrypted, and the rest only counted.
	DecryptAll bool
	// Workers is the number of goroutines doing per-stream media work
	// (decryption, decoding, DTMF detection); 0 means GOMAXPROCS, 1 runs
	// everything on the goroutine calling Packet. Results do not depend
	// on it.
	Workers int
}

// Analyzer follows SIP, SDP, RTP and RTCP through a capture. Feed it
// packets in capture order with Packet, then call Finish once.
type Analyzer struct {
	opt        Options
	rep        Report
	start      time.Time
	last       time.Time
	n          int64
	dialogs    map[string]*dialog
	media      map[netip.AddrPort]*mediaRef
	challenges map[string]*challengeSeen
	tcp        map[flowKey]*tcpStream
	streams    activeStreams
	cands      map[flowKey]*candidate
	ssrcSrc    map[ssrcDst][]netip.AddrPort
	rtcpEvents []rtcpEvent
	tlsClients map[netip.Addr]tlsUse
	fellBack   map[netip.Addr]bool
	agents     map[string]*agentIDs
	harvest    harvestSets
	digestSeen map[string]bool
	sdesSeen   map[string]bool
	nextStream int
	finished   []*doneStream
	bySSRC     map[uint32][]*stream // active streams by SSRC, for SRTCP
	hdrs       msgHeaders           // the header index of the SIP message being analysed
	pipe       *pipeline
	// src is the reader batch the current packet lives in (nil when the
	// caller owns the packet: its payload is copied for the workers).
	src        *packetBatch
	full       bool // decrypt every SRTP packet
	failFrame  int64
	ulaw, alaw *[256]int16
	lastSweep  time.Time
}

// NewAnalyzer returns an Analyzer.
func NewAnalyzer(o Options) *Analyzer {
	a := &Analyzer{
		opt: o, dialogs: map[string]*dialog{}, media: map[netip.AddrPort]*mediaRef{},
		challenges: map[string]*challengeSeen{}, tcp: map[flowKey]*tcpStream{}, streams: newActiveStreams(),
		cands: map[flowKey]*candidate{}, ssrcSrc: map[ssrcDst][]netip.AddrPort{}, tlsClients: map[netip.Addr]tlsUse{},
		fellBack: map[netip.Addr]bool{}, agents: map[string]*agentIDs{}, harvest: newHarvestSets(), digestSeen: map[string]bool{}, sdesSeen: map[string]bool{},
		bySSRC: map[uint32][]*stream{}, full: o.DecryptAll || o.Audio != nil,
	}
	a.ulaw, a.alaw = g711Tables()
	a.pipe = newPipeline(a, o.Workers)
	return a
}

// dialog is what is kept per Call-ID.
type dialog struct {
	callID string
	last   time.Time
	media  []netip.AddrPort
	keys   []SDESKey
	ended  bool
	// sdpBody and sdpMedia are the last SDP body parsed in the dialog
	// and its media: a proxy forwards the body it received, so most
	// bodies come twice in a row.
	sdpBody  []byte
	sdpMedia []sdpMedia
}

// tlsUse is when a client first opened TLS, and to which server.
type tlsUse struct {
	at     time.Time
	server netip.Addr
}

// mediaRef ties an SDP-advertised address to its dialog.
type mediaRef struct {
	dlg  *dialog
	m    sdpMedia
	rtcp bool // the address is the RTCP port of m
}

type challengeSeen struct {
	ch   *digest.Challenge
	time time.Time
	// where the challenge was captured: its evidence is built only for a
	// digest that answers it (most challenges never get one recorded).
	// raw is the message's own copy (sip.Message.Raw), which ch's strings
	// keep alive anyway.
	src, dst  netip.AddrPort
	index     int64
	transport string
	raw       []byte
}

// evidence returns the evidence of the challenge's message.
func (cs *challengeSeen) evidence() finding.Evidence {
	p := Packet{Index: cs.index, Time: cs.time, Src: cs.src, Dst: cs.dst}
	return evidence(&p, cs.transport, cs.raw)
}

// Packet analyses one packet. A packet that trips a bug in an analyser
// is counted in Report.Failed and skipped: one hostile packet must not end
// the audit of a capture.
func (a *Analyzer) Packet(p *Packet) {
	defer func() {
		if r := recover(); r != nil {
			a.rep.Failed++
			if a.rep.FirstFailure == "" {
				a.failFrame, a.rep.FirstFailure = p.Index, fmt.Sprintf("frame %d: %v", p.Index, r)
			}
		}
	}()
	if a.n == 0 {
		a.start = p.Time
	}
	a.n++
	a.last = p.Time
	a.rep.Packets++
	a.rep.Bytes += int64(len(p.Payload))
	if a.n%sweepEvery == 0 && p.Time.Sub(a.lastSweep) > 5*time.Second {
		a.lastSweep = p.Time
		a.sweep()
	}
	switch p.Proto {
	case UDP:
		a.udp(p)
	case TCP:
		a.tcpPacket(p)
	}
}

func (a *Analyzer) udp(p *Packet) {
	kind, h := p.kind, p.rtp
	if kind == kindUnknown {
		kind, h = classify(p.Payload)
	}
	switch kind {
	case kindSIP:
		a.sip(p, "udp", p.Payload)
	case kindRTCP:
		a.rtcp(p)
	case kindRTP:
		a.rtp(p, h)
	}
}

// looksSIP tells SIP from media: a response line or a request line ending
// in SIP/2.0.
func looksSIP(b []byte) bool {
	if len(b) < 12 {
		return false
	}
	if bytes.HasPrefix(b, []byte("SIP/2.0 ")) {
		return true
	}
	if b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	end := bytes.IndexByte(b[:min(len(b), 512)], '\n')
	if end < 0 {
		return false
	}
	line := bytes.TrimRight(b[:end], "\r")
	return bytes.HasSuffix(line, []byte(" SIP/2.0"))
}

func (a *Analyzer) tcpPacket(p *Packet) {
	k := flowKey{p.Src, p.Dst}
	s := a.tcp[k]
	if s == nil {
		if len(a.tcp) >= maxTCPFlows {
			a.sweepTCP(true)
		}
		s = &tcpStream{}
		a.tcp[k] = s
	}
	data := s.add(p)
	if len(data) > 0 && !s.checked {
		s.checked = true
		// TLS record: handshake (22), version 3.x.
		if len(data) >= 6 && data[0] == 0x16 && data[1] == 3 {
			s.tls = true
			if data[5] == 1 { // ClientHello
				a.rep.TLSFlows++
				if _, ok := a.tlsClients[p.Src.Addr()]; !ok && len(a.tlsClients) < maxHarvest {
					a.tlsClients[p.Src.Addr()] = tlsUse{p.Time, p.Dst.Addr()}
				}
			}
		}
	}
	if !s.tls && len(data) > 0 {
		for _, m := range s.frames(data) {
			a.sip(p, "tcp", m)
		}
	}
	if p.FIN || p.RST {
		delete(a.tcp, k)
	}
}

// evidence makes an evidence record of a packet.
func evidence(p *Packet, transport string, data []byte) finding.Evidence {
	d := string(data)
	if len(d) > maxEvidenceLen {
		d = d[:maxEvidenceLen] + "…"
	}
	return finding.Evidence{Time: p.Time.UTC(), Dir: "recv", Transport: transport, Src: p.Src.String(), Dst: p.Dst.String(),
		Data: d, Note: fmt.Sprintf("frame %d", p.Index)}
}

// sip analyses one SIP message.
func (a *Analyzer) sip(p *Packet, transport string, raw []byte) {
	var m *sip.Message
	if p.sip != nil && transport == "udp" {
		m = p.sip.m
	} else {
		m, _ = sip.ParseWith(raw, sip.Limits{MaxMessageSize: maxSIPMessage}) // lenient: use what parsed
	}
	if m == nil || (m.Method == "" && m.StatusCode == 0) {
		return
	}
	a.rep.SIPMessages++
	x := &a.hdrs
	x.index(m)
	callID := x.get(hdrCallID)
	dlg := a.dialogs[callID]
	if dlg == nil && callID != "" {
		if len(a.dialogs) >= maxDialogs {
			a.sweepDialogs(true)
		}
		callID = strings.Clone(callID) // kept: not a view into the whole message
		dlg = &dialog{callID: callID}
		a.dialogs[callID] = dlg
		a.rep.Dialogs++
	}
	if dlg != nil {
		dlg.last = p.Time
	}
	if m.IsRequest() && !strings.Contains(x.get(hdrTo), "tag=") || m.StatusCode >= 200 && m.StatusCode < 300 || m.StatusCode == 401 || m.StatusCode == 407 {
		// In-dialog requests and provisional responses repeat identities
		// already seen; skipping them saves the URI parsing.
		a.harvestMsg(x, p)
	}
	a.identifiers(x, p, dlg)
	if m.IsRequest() {
		a.fallback(m, p, transport)
		a.credentials(x, p, transport, raw)
		if m.Method == "BYE" && dlg != nil {
			dlg.ended = true
			dlg.sdpBody, dlg.sdpMedia = nil, nil
		}
	} else if m.StatusCode == 401 || m.StatusCode == 407 {
		a.challenge(x, p, transport)
	}
	if len(m.Body) > 0 && dlg != nil {
		a.sdpBody(x, p, dlg)
	}
}

// challenge records the digest challenges of a 401/407.
func (a *Analyzer) challenge(x *msgHeaders, p *Packet, transport string) {
	for _, h := range [...]hdr{hdrWWWAuthenticate, hdrProxyAuthenticate} {
		for v := range x.values(h) {
			ch, err := digest.ParseChallenge(v)
			if err != nil || !strings.EqualFold(ch.Scheme, "digest") {
				continue
			}
			a.rep.Challenges++
			if len(a.challenges) >= maxChallenges {
				a.sweepChallenges(true)
			}
			a.challenges[ch.Nonce] = &challengeSeen{ch: ch, time: p.Time, src: p.Src, dst: p.Dst, index: p.Index, transport: transport, raw: x.m.Raw}
		}
	}
}

// credentials records every digest response of a request.
func (a *Analyzer) credentials(x *msgHeaders, p *Packet, transport string, raw []byte) {
	m := x.m
	for _, h := range [...]hdr{hdrAuthorization, hdrProxyAuthorization} {
		for v := range x.values(h) {
			cr, err := digest.ParseCredentials(v)
			if err != nil || !strings.EqualFold(cr.Scheme, "digest") || cr.Response == "" {
				continue
			}
			key := cr.Username + "\x00" + cr.Nonce + "\x00" + cr.Response + "\x00" + cr.CNonce + "\x00" + cr.NC
			if a.digestSeen[key] || len(a.rep.Digests) >= maxDigests {
				continue
			}
			a.digestSeen[key] = true
			d := Digest{
				Time: p.Time, Transport: transport, Client: p.Src.String(), Server: p.Dst.String(), Header: hdrNames[h],
				Credentials: *cr, Request: digest.Request{Method: m.Method, URI: cr.URI, Body: append([]byte(nil), m.Body...)},
				Evidence: []finding.Evidence{evidence(p, transport, raw)},
			}
			if cs := a.challenges[cr.Nonce]; cs != nil {
				d.Challenge = cs.ch
				d.Evidence = append([]finding.Evidence{cs.evidence()}, d.Evidence...)
			}
			a.rep.Digests = append(a.rep.Digests, d)
		}
	}
}

// fallback notes a client that used TLS and later sends cleartext SIP, or
// a sips: request over a cleartext transport (item 05).
func (a *Analyzer) fallback(m *sip.Message, p *Packet, transport string) {
	if len(a.rep.Fallbacks) >= maxTraces {
		return
	}
	client := p.Src.Addr()
	if u, ok := a.tlsClients[client]; ok && !a.fellBack[client] && !p.Time.Before(u.at) && p.Dst.Addr() == u.server {
		a.fellBack[client] = true
		a.rep.Fallbacks = append(a.rep.Fallbacks, Fallback{Client: client.String(), TLSAt: u.at, ClearAt: p.Time,
			Transport: transport, Request: m.StartLine(), Reason: "the client used TLS with this server earlier in the capture, then sent this request in cleartext",
			Evidence: []finding.Evidence{evidence(p, transport, m.Raw)}})
		return
	}
	if strings.HasPrefix(strings.ToLower(m.RequestURI), "sips:") && !a.fellBack[client] {
		a.fellBack[client] = true
		a.rep.Fallbacks = append(a.rep.Fallbacks, Fallback{Client: client.String(), ClearAt: p.Time, Transport: transport,
			Request: m.StartLine(), Reason: "a sips: request travelled over a cleartext transport",
			Evidence: []finding.Evidence{evidence(p, transport, m.Raw)}})
	}
}

// sdpBody registers the media of an SDP body and its SDES keys.
func (a *Analyzer) sdpBody(x *msgHeaders, p *Packet, dlg *dialog) {
	m := x.m
	ct, _ := sip.ContentType(x.get(hdrContentType))
	var bodies [][]byte
	switch {
	case strings.EqualFold(ct, "application/sdp"):
		bodies = append(bodies, m.Body)
	case strings.HasPrefix(strings.ToLower(ct), "multipart/"):
		parts, _ := sip.ParseMultipart(x.get(hdrContentType), m.Body)
		for _, pt := range parts {
			if c, _ := sip.ContentType(pt.Get("Content-Type")); strings.EqualFold(c, "application/sdp") {
				bodies = append(bodies, pt.Body)
			}
		}
	}
	for _, b := range bodies {
		if !bytes.Equal(b, dlg.sdpBody) || dlg.sdpBody == nil {
			dlg.sdpBody, dlg.sdpMedia = bytes.Clone(b), parseSDP(b)
		}
		for _, md := range dlg.sdpMedia {
			if !md.Addr.IsValid() || md.Port <= 0 || md.Port > 65535 {
				continue
			}
			rtp := netip.AddrPortFrom(md.Addr.Unmap(), uint16(md.Port))
			a.media[rtp] = &mediaRef{dlg: dlg, m: md}
			dlg.media = append(dlg.media, rtp)
			if !md.Mux && md.RTCPPort > 0 && md.RTCPPort < 65536 {
				rtcp := netip.AddrPortFrom(md.Addr.Unmap(), uint16(md.RTCPPort))
				a.media[rtcp] = &mediaRef{dlg: dlg, m: md, rtcp: true}
				dlg.media = append(dlg.media, rtcp)
			}
			for _, k := range md.Crypto {
				if len(dlg.keys) < 16 {
					dlg.keys = append(dlg.keys, k)
				}
				if len(a.rep.SDES) < maxDigests && !a.sdesSeen[k.Inline] {
					a.sdesSeen[k.Inline] = true
					a.rep.SDES = append(a.rep.SDES, SDESExposure{Time: p.Time, CallID: dlg.callID, Sender: p.Src.String(),
						Media: rtp.String(), Key: k, Evidence: []finding.Evidence{evidence(p, "sip", m.Raw)}})
				}
			}
		}
	}
}

// sweep finishes what has been idle for long (capture time).
func (a *Analyzer) sweep() {
	a.sweepStreams(false)
	a.sweepDialogs(false)
	a.sweepChallenges(false)
	a.sweepTCP(false)
	for k, c := range a.cands {
		if a.last.Sub(c.last) > 10*time.Second {
			delete(a.cands, k)
		}
	}
}

// sweepStreams finishes idle streams (all with force), in stream order.
func (a *Analyzer) sweepStreams(force bool) {
	var idle []*stream
	t := &a.streams
	now := a.last.Sub(a.start)
	for slot, s := range t.s {
		if s != nil && (now-t.last[slot] > streamIdle || force) {
			idle = append(idle, s)
		}
	}
	sort.Slice(idle, func(i, j int) bool { return idle[i].idx < idle[j].idx })
	for _, s := range idle {
		// the worker reads the stream's end from s.last
		s.last = a.start.Add(t.last[s.slot])
		t.remove(s)
		a.dropSSRC(s)
		a.pipe.send(job{kind: jobFinish, s: s})
	}
}

func (a *Analyzer) sweepDialogs(force bool) {
	limit := dialogIdle
	if force {
		limit = time.Minute
	}
	for id, d := range a.dialogs {
		if a.last.Sub(d.last) > limit || (d.ended && a.last.Sub(d.last) > streamIdle) {
			for _, ap := range d.media {
				if r := a.media[ap]; r != nil && r.dlg == d {
					delete(a.media, ap)
				}
			}
			delete(a.dialogs, id)
		}
	}
	if force && len(a.dialogs) >= maxDialogs {
		// Still full: drop an arbitrary half.
		i := 0
		for id := range a.dialogs {
			if i%2 == 0 {
				delete(a.dialogs, id)
			}
			i++
		}
	}
}

func (a *Analyzer) sweepChallenges(force bool) {
	for n, c := range a.challenges {
		if a.last.Sub(c.time) > 5*time.Minute || force && a.last.Sub(c.time) > 10*time.Second {
			delete(a.challenges, n)
		}
	}
	if force && len(a.challenges) >= maxChallenges {
		for n := range a.challenges {
			delete(a.challenges, n)
			if len(a.challenges) < maxChallenges/2 {
				break
			}
		}
	}
}

func (a *Analyzer) sweepTCP(force bool) {
	for k, s := range a.tcp {
		if a.last.Sub(s.last) > 5*time.Minute || force {
			delete(a.tcp, k)
		}
	}
}

// Finish ends the analysis and returns the report. Audio files are closed
// and the per-call stereo files written.
func (a *Analyzer) Finish() *Report {
	a.sweepStreams(true)
	a.pipe.wait()
	a.merge()
	pos := map[int]int{}
	for i, s := range a.finished {
		s.summary.index = i
		pos[s.idx] = i
		a.rep.Streams = append(a.rep.Streams, s.summary)
	}
	for i := range a.rep.DTMF {
		a.rep.DTMF[i].Stream = pos[a.rep.DTMF[i].Stream]
	}
	a.mix()
	a.judgeRTCP()
	a.rep.Harvest = a.harvest.result()
	a.rep.Agents = a.agentResults()
	if a.n > 0 {
		a.rep.Start, a.rep.End = a.start, a.last
	}
	sort.SliceStable(a.rep.DTMF, func(i, j int) bool { return a.rep.DTMF[i].Offset < a.rep.DTMF[j].Offset })
	return &a.rep
}
