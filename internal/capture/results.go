package capture

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/ident"
	"github.com/sipvet/sipvet/internal/kb"
)

// Check ids of the capture analysis (SPEC §5, pcap mode).
const (
	CheckDigest      = "ipa03.captured-digest"
	CheckFallback    = "ipa05.observed-fallback"
	CheckAudio       = "ipa08.cleartext-audio"
	CheckDTMF        = "ipa08.dtmf"
	CheckInjection   = "ipa09.injection-trace"
	CheckRTCPSpoof   = "ipa10.rtcp-spoof-trace"
	CheckIdentifiers = "ipa13.captured-identifiers"
	CheckHarvest     = "ipa19.harvested-ids"
	CheckSDES        = "ipa21.captured-sdes-keys"
	CheckVBR         = "ipa22.vbr-leak"
)

// CheckInfo names one capture check.
type CheckInfo struct {
	Item             int
	ID               string
	TitleEN, TitleJA string
}

// Checks lists the capture checks in item order.
func Checks() []CheckInfo {
	return []CheckInfo{
		{3, CheckDigest, "Digest exchanges over cleartext (crackable offline)", "平文で流れたダイジェスト認証（オフライン解析可能）"},
		{5, CheckFallback, "Client moved from TLS to cleartext SIP", "TLS から平文 SIP への切り替え"},
		{8, CheckAudio, "Unencrypted RTP audio recovered", "暗号化されていない RTP 音声の復元"},
		{8, CheckDTMF, "DTMF digits recovered from RTP", "RTP からの DTMF 数字の復元"},
		{9, CheckInjection, "Traces of RTP injection", "RTP 注入の痕跡"},
		{10, CheckRTCPSpoof, "RTCP BYE/SDES from a foreign source", "第三者からの RTCP BYE/SDES"},
		{13, CheckIdentifiers, "Predictable identifiers in captured SIP", "キャプチャ中の予測可能な識別子"},
		{19, CheckHarvest, "SIP identities harvested from the capture", "キャプチャから収集できる SIP ID"},
		{21, CheckSDES, "SDES SRTP keys over cleartext SIP (SRTP decrypted)", "平文 SIP 上の SDES 鍵（SRTP 復号）"},
		{22, CheckVBR, "Packet sizes of encrypted streams leak speech", "暗号化ストリームのパケット長による情報漏えい"},
	}
}

// Cracked is a password recovered for Report.Digests[Digest].
type Cracked struct {
	Digest   int
	Password string
}

// ResultOptions configure Results.
type ResultOptions struct {
	// Target names the capture in the results (normally its path).
	Target string
	// Reveal keeps secrets (passwords, keys, digits) in clear.
	Reveal bool
	// Cracked are passwords found for captured digests; Cracking says
	// cracking was attempted (so an empty Cracked means "not found").
	Cracked  []Cracked
	Cracking bool
	// Read is how the file reading went (a note is added when it stopped early).
	Read ReadStats
}

func (o ResultOptions) secret(s string) string {
	if o.Reveal {
		return s
	}
	return finding.Mask(s)
}

func base(item int, id, target string) finding.Result {
	r := finding.Result{Item: item, Check: id, Target: target, Severity: finding.Info, Evidence: []finding.Evidence{}, Data: map[string]any{}}
	if it, ok := kb.Get(item); ok {
		if it.CVSS2 != nil {
			p := it.CVSS2.Published
			r.CVSS2 = &finding.CVSS{Vector: it.CVSS2.Vector, Score: it.CVSS2.Score, Published: &p}
		}
		if it.CVSS3.Vector != "" {
			r.CVSS3 = &finding.CVSS{Vector: it.CVSS3.Vector, Score: it.CVSS3.Score}
		}
	}
	return r
}

func verdict(r *finding.Result, v finding.Verdict, sev finding.Severity, format string, a ...any) {
	r.Verdict = v
	text := fmt.Sprintf(format, a...)
	switch v {
	case finding.Vulnerable:
		r.Summary = text
		r.Severity = sev
		if sev == "" {
			r.Severity = finding.Medium
			if r.CVSS3 != nil {
				r.Severity = finding.SeverityForScore(r.CVSS3.Score)
			}
		}
	case finding.NotVulnerable:
		r.Summary = text
		r.Severity = finding.Info
	default:
		r.Reason = text
		r.Summary = text
		r.Severity = finding.Info
	}
}

// addEvidence appends up to 10 evidence records.
func addEvidence(r *finding.Result, ev ...finding.Evidence) {
	for _, e := range ev {
		if len(r.Evidence) >= 10 {
			return
		}
		r.Evidence = append(r.Evidence, e)
	}
}

// Results turns a Report into one result per capture check (SPEC §4/§5).
// Secrets are masked unless o.Reveal.
func Results(rep *Report, o ResultOptions) []finding.Result {
	// Item 13's analysis takes longest: it runs while the others are
	// built (the builders only read the report).
	var ident finding.Result
	identDone := make(chan struct{})
	go func() {
		defer close(identDone)
		ident = identResult(rep, o)
	}()
	before := []finding.Result{digestResult(rep, o), fallbackResult(rep, o), audioResult(rep, o), dtmfResult(rep, o),
		injectionResult(rep, o), rtcpResult(rep, o)}
	after := []finding.Result{harvestResult(rep, o), sdesResult(rep, o), vbrResult(rep, o)}
	<-identDone
	rs := append(append(before, ident), after...)
	if o.Read.Stopped != nil {
		for i := range rs {
			rs[i].Data["capture_incomplete"] = fmt.Sprintf("reading stopped at frame %d (offset %d): %v", o.Read.StoppedAt, o.Read.StoppedOffset, o.Read.Stopped)
		}
	}
	return rs
}

func digestResult(rep *Report, o ResultOptions) finding.Result {
	r := base(3, CheckDigest, o.Target)
	pw := map[int]string{}
	for _, c := range o.Cracked {
		pw[c.Digest] = c.Password
	}
	var list []map[string]any
	creds := []map[string]any{}
	users := map[string]bool{}
	seenCred := map[string]bool{}
	var shown []string
	for i, d := range rep.Digests {
		alg := d.Credentials.Algorithm
		if alg == "" {
			alg = "MD5"
		}
		e := map[string]any{"user": d.Credentials.Username, "realm": d.Credentials.Realm, "method": d.Request.Method,
			"uri": d.Request.URI, "algorithm": alg, "qop": d.Credentials.QOP, "client": d.Client, "server": d.Server,
			"transport": d.Transport, "challenge_captured": d.Challenge != nil, "time": d.Time.UTC()}
		if p, ok := pw[i]; ok {
			e["cracked"] = true
			k := d.Credentials.Username + "@" + d.Credentials.Realm
			if !seenCred[k] {
				seenCred[k] = true
				creds = append(creds, map[string]any{"user": d.Credentials.Username, "realm": d.Credentials.Realm, "password": o.secret(p)})
				shown = append(shown, d.Credentials.Username+"="+o.secret(p))
			}
		}
		list = append(list, e)
		users[d.Credentials.Username+"@"+d.Credentials.Realm] = true
		addEvidence(&r, d.Evidence...)
	}
	switch {
	case len(rep.Digests) > 0:
		r.Data["digests"] = list
		r.Data["credentials"] = creds
		msg := fmt.Sprintf("%d digest response(s) of %d account(s) travelled over cleartext SIP and can be cracked offline", len(rep.Digests), len(users))
		if o.Cracking {
			msg += fmt.Sprintf("; %d of %d password(s) cracked", len(creds), len(users))
			if len(shown) > 0 {
				msg += ": " + strings.Join(shown, ", ")
			}
		}
		verdict(&r, finding.Vulnerable, "", "%s", msg)
	case rep.Challenges > 0:
		verdict(&r, finding.Vulnerable, finding.Info, "%d digest challenge(s) over cleartext SIP, but no response was captured", rep.Challenges)
	case rep.SIPMessages > 0:
		verdict(&r, finding.NotVulnerable, "", "no digest exchange in %d cleartext SIP message(s)", rep.SIPMessages)
	case rep.TLSFlows > 0:
		verdict(&r, finding.NotVulnerable, "", "SIP travelled only over TLS (%d connection(s)); no digest is visible", rep.TLSFlows)
	default:
		verdict(&r, finding.NotApplicable, "", "no SIP in the capture")
	}
	return r
}

func fallbackResult(rep *Report, o ResultOptions) finding.Result {
	r := base(5, CheckFallback, o.Target)
	if len(rep.Fallbacks) > 0 {
		var list []map[string]any
		for _, f := range rep.Fallbacks {
			e := map[string]any{"client": f.Client, "request": f.Request, "transport": f.Transport, "reason": f.Reason, "clear_at": f.ClearAt.UTC()}
			if !f.TLSAt.IsZero() {
				e["tls_at"] = f.TLSAt.UTC()
			}
			list = append(list, e)
			addEvidence(&r, f.Evidence...)
		}
		r.Data["fallbacks"] = list
		verdict(&r, finding.Vulnerable, "", "%d client(s) sent SIP in cleartext after using TLS (or sent sips: over cleartext): %s", len(rep.Fallbacks), rep.Fallbacks[0].Client)
		return r
	}
	if rep.TLSFlows > 0 {
		verdict(&r, finding.NotVulnerable, "", "%d TLS connection(s); no client of them sent cleartext SIP afterwards", rep.TLSFlows)
		return r
	}
	verdict(&r, finding.NotApplicable, "", "no SIP over TLS in the capture, so no fallback can be observed")
	return r
}

func streamsData(rep *Report) streamRows {
	if rep.Streams == nil {
		return streamRows{}
	}
	return rep.Streams
}

func audioResult(rep *Report, o ResultOptions) finding.Result {
	r := base(8, CheckAudio, o.Target)
	r.Data["streams"] = streamsData(rep)
	if len(rep.Calls) > 0 {
		r.Data["calls"] = rep.Calls
	}
	var clear int
	var secs float64
	for _, s := range rep.Streams {
		if !s.Encrypted {
			clear++
			secs += s.AudioSeconds
		}
	}
	switch {
	case len(rep.Streams) == 0:
		verdict(&r, finding.NotApplicable, "", "no RTP stream in the capture")
	case clear > 0:
		r.Data["seconds_recovered"] = round3(secs)
		verdict(&r, finding.Vulnerable, "", "%d of %d RTP stream(s) unencrypted; %.1f s of audio decoded", clear, len(rep.Streams), secs)
	default:
		verdict(&r, finding.NotVulnerable, "", "all %d RTP stream(s) are encrypted (SRTP)", len(rep.Streams))
	}
	return r
}

func dtmfResult(rep *Report, o ResultOptions) finding.Result {
	r := base(8, CheckDTMF, o.Target)
	var digits strings.Builder
	// the fields in the order of their names: the JSON a map of them gave
	type event struct {
		Digit  string  `json:"digit"`
		Offset float64 `json:"offset"`
		Source string  `json:"source"`
		Stream int     `json:"stream"`
	}
	var events []event
	for _, d := range rep.DTMF {
		digits.WriteString(d.Digit)
		events = append(events, event{Digit: o.secret(d.Digit), Source: d.Source, Stream: d.Stream, Offset: round3(d.Offset)})
	}
	switch {
	case len(rep.DTMF) > 0:
		r.Data["dtmf"] = o.secret(digits.String())
		r.Data["events"] = events
		srcs := map[string]bool{}
		for _, d := range rep.DTMF {
			srcs[d.Source] = true
		}
		verdict(&r, finding.Vulnerable, "", "%d DTMF digit(s) recovered (%s): %s", len(rep.DTMF), strings.Join(sortedKeys(srcs), ", "), o.secret(digits.String()))
	case len(rep.Streams) == 0:
		verdict(&r, finding.NotApplicable, "", "no RTP stream in the capture")
	default:
		verdict(&r, finding.NotVulnerable, "", "no DTMF found in %d stream(s) (RFC 4733 events or in-band tones in readable audio)", len(rep.Streams))
	}
	return r
}

func injectionResult(rep *Report, o ResultOptions) finding.Result {
	r := base(9, CheckInjection, o.Target)
	switch {
	case len(rep.Injections) > 0:
		r.Data["traces"] = rep.Injections
		verdict(&r, finding.Vulnerable, "", "%d trace(s) of RTP injection: %s", len(rep.Injections), rep.Injections[0].Detail)
	case len(rep.Streams) == 0:
		verdict(&r, finding.NotApplicable, "", "no RTP stream in the capture")
	default:
		verdict(&r, finding.NotVulnerable, "", "no SSRC from two sources and no sequence jumps in %d stream(s)", len(rep.Streams))
	}
	return r
}

func rtcpResult(rep *Report, o ResultOptions) finding.Result {
	r := base(10, CheckRTCPSpoof, o.Target)
	switch {
	case len(rep.RTCPSpoofs) > 0:
		r.Data["traces"] = rep.RTCPSpoofs
		t := rep.RTCPSpoofs[0]
		verdict(&r, finding.Vulnerable, "", "%d RTCP BYE/SDES packet(s) about an SSRC came from a foreign source (first: %s for %s from %s)", len(rep.RTCPSpoofs), t.Kind, t.SSRC, t.From)
	case len(rep.Streams) == 0:
		verdict(&r, finding.NotApplicable, "", "no RTP stream in the capture")
	default:
		verdict(&r, finding.NotVulnerable, "", "every RTCP BYE/SDES seen came from its stream's sender")
	}
	return r
}

// identSet is one kind of identifier of an agent.
type identSet struct {
	kind string
	vals []string
}

// identSets returns the identifier sets of an agent, in report order.
func identSets(g AgentIDs) [5]identSet {
	return [5]identSet{{"call-id", g.CallIDs}, {"from-tag", g.FromTags}, {"to-tag", g.ToTags}, {"branch", g.Branches}, {"nonce", g.Nonces}}
}

type identKey struct{ agent, kind string }

// analyzeIdentifiers runs ident.Analyze on every non-empty identifier set
// of the agents, on all CPUs (a busy capture has hundreds of sets).
func analyzeIdentifiers(agents []AgentIDs) map[identKey]ident.Report {
	type task struct {
		key  identKey
		vals []string
	}
	var tasks []task
	for _, g := range agents {
		for _, kv := range identSets(g) {
			if len(kv.vals) > 0 {
				tasks = append(tasks, task{identKey{g.Agent, kv.kind}, kv.vals})
			}
		}
	}
	reports := make([]ident.Report, len(tasks))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(tasks); i = int(next.Add(1) - 1) {
				reports[i] = ident.Analyze(tasks[i].key.kind, tasks[i].vals)
			}
		}()
	}
	wg.Wait()
	out := make(map[identKey]ident.Report, len(tasks))
	for i, t := range tasks {
		out[t.key] = reports[i]
	}
	return out
}

func identResult(rep *Report, o ResultOptions) finding.Result {
	r := base(13, CheckIdentifiers, o.Target)
	var agents []map[string]any
	predictable, decided, uncertain := 0, 0, 0
	var reasons []string
	irs := analyzeIdentifiers(rep.Agents)
	for _, g := range rep.Agents {
		var reports []ident.Report
		for _, kv := range identSets(g) {
			if len(kv.vals) == 0 {
				continue
			}
			ir := irs[identKey{g.Agent, kv.kind}]
			reports = append(reports, ir)
			if !ir.Insufficient && !ir.Uncertain {
				decided++
			}
			if ir.Uncertain && !ir.Insufficient {
				uncertain++
			}
			if ir.Predictable && !ir.Insufficient {
				predictable++
				reasons = append(reasons, fmt.Sprintf("%s %s: %s", g.Agent, kv.kind, strings.Join(ir.Reasons, "; ")))
			}
		}
		if len(reports) > 0 {
			agents = append(agents, map[string]any{"agent": g.Agent, "identifiers": reports})
		}
	}
	r.Data["agents"] = agents
	r.Data["thresholds"] = ident.Thresholds()
	switch {
	case predictable > 0:
		sort.Strings(reasons)
		verdict(&r, finding.Vulnerable, "", "%d identifier set(s) predictable: %s", predictable, reasons[0])
	case len(agents) == 0:
		verdict(&r, finding.NotApplicable, "", "no cleartext SIP in the capture")
	case uncertain > 0:
		verdict(&r, finding.Inconclusive, "", "%d identifier set(s) estimate below %.0f bits but the sample cannot tell them from random ones; none is a repeat, counter, timestamp or embedded address", uncertain, ident.MinEntropyBits)
	case decided == 0:
		verdict(&r, finding.Inconclusive, "", "too few identifiers per agent for a verdict (at least %d of one kind are needed)", ident.MinSamples)
	default:
		verdict(&r, finding.NotVulnerable, "", "%d identifier set(s) analysed; none predictable", decided)
	}
	return r
}

func harvestResult(rep *Report, o ResultOptions) finding.Result {
	r := base(19, CheckHarvest, o.Target)
	h := rep.Harvest
	r.Data["found"] = h.Extensions
	r.Data["uris"] = h.URIs
	r.Data["display_names"] = h.DisplayNames
	r.Data["user_agents"] = h.UserAgents
	r.Data["servers"] = h.Servers
	n := len(h.URIs) + len(h.Extensions) + len(h.UserAgents) + len(h.Servers)
	switch {
	case n > 0:
		verdict(&r, finding.Vulnerable, finding.Low, "%d user(s)/extension(s), %d URI(s), %d agent string(s) readable in cleartext SIP", len(h.Extensions), len(h.URIs), len(h.UserAgents)+len(h.Servers))
	case rep.TLSFlows > 0:
		verdict(&r, finding.NotVulnerable, "", "SIP travelled only over TLS; no identity is readable")
	default:
		verdict(&r, finding.NotApplicable, "", "no SIP in the capture")
	}
	return r
}

func sdesResult(rep *Report, o ResultOptions) finding.Result {
	r := base(21, CheckSDES, o.Target)
	var keys []map[string]any
	for _, x := range rep.SDES {
		keys = append(keys, map[string]any{"call_id": x.CallID, "sender": x.Sender, "media": x.Media, "tag": x.Key.Tag,
			"suite": x.Key.Suite, "key": o.secret(x.Key.Inline), "supported": x.Key.Profile != 0})
		addEvidence(&r, x.Evidence...)
	}
	var dec streamRows
	for _, s := range rep.Streams {
		if s.Decrypted {
			dec = append(dec, s)
		}
	}
	switch {
	case len(rep.SDES) > 0:
		r.Data["keys"] = keys
		r.Data["streams"] = dec
		secs := 0.0
		undecoded := map[string]bool{}
		for _, s := range dec {
			secs += s.AudioSeconds
			if s.AudioSeconds == 0 {
				undecoded[s.Codec] = true
			}
		}
		note := ""
		if len(undecoded) > 0 {
			note = fmt.Sprintf(" (%s payloads decrypted but not decoded to audio)", strings.Join(sortedKeys(undecoded), ", "))
		}
		var verified, skipped int64
		for _, s := range dec {
			verified += s.SRTPVerified
			skipped += s.SRTPSkipped
		}
		checked := fmt.Sprintf("auth tags verified on %d packet(s)", verified)
		if skipped > 0 {
			checked += fmt.Sprintf("; %d more left encrypted, decrypt them with --extract-audio or --decrypt-all", skipped)
		}
		verdict(&r, finding.Vulnerable, "", "%d SDES key(s) seen over cleartext SIP; %d SRTP stream(s) decrypted with them (%s), %.1f s of audio recovered%s", len(rep.SDES), len(dec), checked, secs, note)
	case rep.SIPMessages == 0 && rep.TLSFlows == 0:
		verdict(&r, finding.NotApplicable, "", "no SIP in the capture")
	default:
		verdict(&r, finding.NotVulnerable, "", "no a=crypto key in cleartext SIP")
	}
	return r
}

func vbrResult(rep *Report, o ResultOptions) finding.Result {
	r := base(22, CheckVBR, o.Target)
	var rows vbrRows
	enc, leaking := 0, 0
	worst := 0.0
	for _, s := range rep.Streams {
		leak := s.Encrypted && (len(s.Sizes) >= 3 && s.BitsPerPacket >= 0.5 || s.Talkspurts >= 3)
		rows = append(rows, vbrRow{s.SSRC, s.Src, s.Dst, s.Codec, s.Encrypted, len(s.Sizes), s.BitsPerPacket, s.BitsPerSecond, s.Talkspurts, leak})
		if s.Encrypted {
			enc++
		}
		if leak {
			leaking++
			worst = max(worst, s.BitsPerSecond)
		}
	}
	r.Data["streams"] = rows
	r.Data["bits_per_second"] = worst
	switch {
	case leaking > 0:
		verdict(&r, finding.Vulnerable, "", "%d of %d encrypted stream(s) leak their payload sizes (VBR or silence suppression): up to %.0f bits/s", leaking, enc, worst)
	case enc == 0:
		verdict(&r, finding.NotApplicable, "", "no encrypted RTP stream in the capture")
	default:
		verdict(&r, finding.NotVulnerable, "", "%d encrypted stream(s), all with constant payload sizes", enc)
	}
	return r
}
