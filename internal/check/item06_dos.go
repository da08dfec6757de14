package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// viaReflection is ipa06.via-reflection: are responses sent where the top
// Via says (without rport) rather than to the packet source, so that a
// forged Via turns the target into a reflector (RFC 3261 §26.1.5)?
type viaReflection struct{}

func (viaReflection) Info() Info {
	return Info{
		ID:      "ipa06.via-reflection",
		Item:    6,
		TitleEN: "Responses follow a forged Via to a third address (reflection and amplification)",
		TitleJA: "偽装した Via に従った第三者宛て応答 (反射・増幅)",
		Modes:   []Mode{ModeScan},
		Roles:   []Role{RoleAny},
	}
}

// reflectionProbe is one forged-Via request and where its answers went.
type reflectionProbe struct {
	Name       string `json:"name"`
	From       string `json:"from"`
	Via        string `json:"via"`
	SentBytes  int    `json:"sent_bytes"`
	AtB        int    `json:"responses_at_b"`
	AtBBytes   int    `json:"bytes_at_b"`
	AtSource   int    `json:"responses_at_source"`
	FirstCodes []int  `json:"codes"`
}

func (viaReflection) Run(ctx context.Context, env *Env) (Outcome, error) {
	if env.Target.Transport != "udp" {
		return NotApplicable("responses over %s return on the connection; reflection needs UDP", env.Target.Transport), nil
	}
	// B: the victim socket; A: the ordinary source; B2: another port on B's
	// address (the same-address case: an attacker that spoofs B's IP).
	b, err := env.Dialer.Dial(ctx, env.Target, env.SourceB)
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa06.via-reflection: listen on source B: %w", err)
	}
	defer b.Close()
	var probes []reflectionProbe
	for _, from := range []struct{ name, local string }{{"other address", ""}, {"same address, other port", env.SourceB}} {
		a, err := env.Dialer.Dial(ctx, env.Target, from.local)
		if err != nil {
			return Outcome{}, fmt.Errorf("ipa06.via-reflection: %w", err)
		}
		p := reflectOnce(ctx, env, a, b, from.name)
		a.Close()
		probes = append(probes, p)
		if p.AtB > 0 {
			break
		}
	}
	return judgeViaReflection(probes), nil
}

// reflectOnce sends one INVITE from a whose Via names b (no rport) and
// counts, over the window, what arrives at b and at a. The INVITE's error
// answer is never ACKed from b, so a reflector retransmits it: those bytes
// count too (RFC 3261 §17.2.1).
func reflectOnce(ctx context.Context, env *Env, a, b transport.Conn, name string) reflectionProbe {
	d := env.newDialog()
	ruri := uriFor(env.Target, "sipvet-reflect", env.Target.HostPort())
	req := env.request(a, d, "INVITE", ruri, "", ruri)
	branch := sip.NewBranch(env.Rand)
	via := fmt.Sprintf("SIP/2.0/UDP %s;branch=%s", b.LocalAddr(), branch)
	s2SetTopVia(req, via)
	data := req.Bytes()
	p := reflectionProbe{Name: name, From: a.LocalAddr(), Via: b.LocalAddr(), SentBytes: len(data)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var once sync.Once
	count := func(c transport.Conn, atB bool) {
		defer wg.Done()
		for _, pkt := range s2Collect(wctx, c, env.s2Window(), func(_ transport.Packet, m *sip.Message) bool {
			// An answer at the source, not at B: wait a little longer for
			// anything reflected, then stop.
			if !atB && !m.IsRequest() && m.CallID() == d.callID {
				once.Do(func() { time.AfterFunc(500*time.Millisecond, stop) })
			}
			return false
		}) {
			m := sip.ParseComplete(pkt.Data)
			if m == nil || m.IsRequest() || m.CallID() != d.callID {
				continue
			}
			mu.Lock()
			if atB {
				p.AtB++
				p.AtBBytes += len(pkt.Data)
			} else {
				p.AtSource++
			}
			if len(p.FirstCodes) < 8 {
				p.FirstCodes = append(p.FirstCodes, m.StatusCode)
			}
			mu.Unlock()
		}
	}
	wg.Add(2)
	go count(b, true)
	go count(a, false)
	if err := a.Send(ctx, data); err != nil {
		env.Log.Debug("ipa06.via-reflection: send", "err", err)
	}
	wg.Wait()
	return p
}

// judgeViaReflection: answers at B are reflection; the amplification
// factor is bytes at B over bytes sent.
func judgeViaReflection(probes []reflectionProbe) Outcome {
	data := map[string]any{"probes": probes}
	for _, p := range probes {
		if p.AtB > 0 {
			amp := float64(p.AtBBytes) / float64(max(p.SentBytes, 1))
			data["amplification"] = amp
			o := Vulnerable("responses followed the forged Via (%s): %d response(s), %d bytes reached %s for one %d-byte request from %s — amplification %.2f× including retransmissions",
				p.Name, p.AtB, p.AtBBytes, p.Via, p.SentBytes, p.From, amp)
			o.Data = data
			return o
		}
	}
	answered := 0
	for _, p := range probes {
		answered += p.AtSource
	}
	var o Outcome
	if answered > 0 {
		o = Passed("responses went back to the packet source, not to the address in the forged Via")
		data["amplification"] = 0.0
	} else {
		o = Inconclusive("no response arrived at the source or at the forged Via address (the target may send to the Via port on the source address, or drop such requests)")
	}
	o.Data = data
	return o
}

// routeRelay is ipa06.route-relay: does the target forward a request along
// a pre-loaded Route header to an address of the sender's choosing (open
// relay, request amplification)?
type routeRelay struct{}

func (routeRelay) Info() Info {
	return Info{
		ID:      "ipa06.route-relay",
		Item:    6,
		TitleEN: "Request with a foreign Route header relayed (open relay)",
		TitleJA: "外部を指す Route ヘッダを持つリクエストの中継 (オープンリレー)",
		Modes:   []Mode{ModeScan},
		Roles:   []Role{RoleProxy, RoleAny},
	}
}

func (routeRelay) Run(ctx context.Context, env *Env) (Outcome, error) {
	a, b, closeBoth, err := env.dialPair(ctx, "ipa06.route-relay")
	if err != nil {
		return Outcome{}, err
	}
	defer closeBoth()
	d := env.newDialog()
	ruri := uriFor(env.Target, "sipvet-relay", env.Target.HostPort())
	req := env.request(a, d, "OPTIONS", ruri, "", ruri)
	route := "<sip:" + b.LocalAddr() + ";lr>"
	if b.Transport() != "udp" {
		route = "<sip:" + b.LocalAddr() + ";transport=" + b.Transport() + ";lr>"
	}
	req.Prepend("Route", route)
	var relayed []transport.Packet
	var wg sync.WaitGroup
	cctx, stopCollect := context.WithCancel(ctx)
	defer stopCollect()
	wg.Add(1)
	go func() {
		defer wg.Done()
		relayed = s2Collect(cctx, b, env.s2Window(), func(p transport.Packet, m *sip.Message) bool {
			if m.IsRequest() && m.CallID() == d.callID {
				s2Answer(ctx, b, p, m, 200)
				return true
			}
			return false
		})
	}()
	res, terr := env.transact(ctx, a, req)
	if terr == nil {
		// A relayed request reaches B before its answer reaches us; after
		// the final answer only a short grace period remains.
		time.AfterFunc(300*time.Millisecond, stopCollect)
	}
	wg.Wait()
	var final *sip.Message
	if terr == nil {
		final = res.Final
	} else if !s2Timeout(terr) {
		return Outcome{}, fmt.Errorf("ipa06.route-relay: %w", terr)
	}
	arrived := false
	for _, p := range relayed {
		if m := sip.ParseComplete(p.Data); m != nil && m.IsRequest() && m.CallID() == d.callID {
			arrived = true
		}
	}
	o := judgeRouteRelay(arrived, final)
	o.Data["route"] = route
	return o, nil
}

// judgeRouteRelay: the request arriving at the Route address is a relay.
func judgeRouteRelay(arrived bool, final *sip.Message) Outcome {
	data := map[string]any{"relayed": arrived}
	var o Outcome
	switch {
	case arrived:
		o = Vulnerable("the target forwarded an unauthenticated request to the address in a foreign Route header: anyone can use it as a relay toward third parties")
	case final != nil:
		data["status"] = final.StatusCode
		o = Passed("the target did not forward the request along the foreign Route (%d %s)", final.StatusCode, final.Reason)
	default:
		o = Inconclusive("no response and nothing relayed within the window")
	}
	o.Data = data
	return o
}

// flood is ipa06.flood (opt-in --allow dos): a bounded burst of requests
// from source A while a legitimate client at source B measures whether the
// service degrades.
type flood struct{}

func (flood) Info() Info {
	return Info{
		ID:         "ipa06.flood",
		Item:       6,
		TitleEN:    "Service degraded by a bounded request flood (liveness from another source)",
		TitleJA:    "有限のリクエスト洪水によるサービス低下 (別送信元からの死活監視)",
		Modes:      []Mode{ModeScan},
		Roles:      []Role{RoleAny},
		Allow:      AllowDoS,
		Disruptive: true,
	}
}

// Flood bounds.
const (
	floodMaxRequests = 5000
	floodDuration    = 5 * time.Second
	floodProbeEvery  = 250 * time.Millisecond
)

// floodStats is what one flood run measured.
type floodStats struct {
	Sent          int       `json:"sent"`
	Seconds       float64   `json:"seconds"`
	Rate          float64   `json:"achieved_rate"`
	Answered      int       `json:"answered"`
	BaselineMS    []float64 `json:"baseline_ms"`
	DuringMS      []float64 `json:"during_ms"`
	AfterMS       []float64 `json:"after_ms"`
	ProbeTimeouts int       `json:"probe_timeouts"`
}

func (flood) Run(ctx context.Context, env *Env) (Outcome, error) {
	var st floodStats
	for i := 0; i < 3; i++ {
		lat, err := env.s2Probe(ctx, env.SourceB, 2*time.Second)
		if err != nil {
			st.BaselineMS = append(st.BaselineMS, -1)
			continue
		}
		st.BaselineMS = append(st.BaselineMS, ms(lat))
	}
	if median(st.BaselineMS) < 0 {
		return Inconclusive("the target did not answer the liveness probes before the flood"), nil
	}
	a, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa06.flood: %w", err)
	}
	defer a.Close()
	fctx, stop := context.WithTimeout(ctx, floodDuration)
	defer stop()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(2)
	go func() { // drain answers to the flood
		defer wg.Done()
		for fctx.Err() == nil {
			p, err := a.Recv(fctx)
			if err != nil {
				if errors.Is(err, transport.ErrClosed) {
					return
				}
				continue
			}
			if bytes.HasPrefix(p.Data, []byte("SIP/2.0 ")) {
				mu.Lock()
				st.Answered++
				mu.Unlock()
			}
		}
	}()
	go func() { // liveness from source B during the flood
		defer wg.Done()
		for fctx.Err() == nil {
			lat, err := env.s2Probe(ctx, env.SourceB, time.Second)
			mu.Lock()
			if err != nil {
				st.DuringMS = append(st.DuringMS, -1)
				st.ProbeTimeouts++
			} else {
				st.DuringMS = append(st.DuringMS, ms(lat))
			}
			mu.Unlock()
			select {
			case <-fctx.Done():
			case <-time.After(floodProbeEvery):
			}
		}
	}()
	start := time.Now()
	d := env.newDialog()
	ruri := uriFor(env.Target, "", env.Target.HostPort())
	for st.Sent < floodMaxRequests && fctx.Err() == nil {
		req := env.request(a, d, "OPTIONS", ruri, "", ruri)
		if err := a.Send(fctx, req.Bytes()); err != nil {
			break
		}
		st.Sent++
	}
	st.Seconds = time.Since(start).Seconds()
	stop()
	wg.Wait()
	if st.Seconds > 0 {
		st.Rate = float64(st.Sent) / st.Seconds
	}
	after := env.s2After(ctx, 3, 300*time.Millisecond)
	st.AfterMS = after.AfterMS
	return judgeFlood(st), nil
}

func median(xs []float64) float64 {
	var ok []float64
	for _, x := range xs {
		if x >= 0 {
			ok = append(ok, x)
		}
	}
	if len(ok) == 0 {
		return -1
	}
	sort.Float64s(ok)
	return ok[len(ok)/2]
}

// judgeFlood: during the flood, half the probes lost or a median latency
// above 10× the baseline (and 200 ms) is a degraded service.
func judgeFlood(st floodStats) Outcome {
	base := median(st.BaselineMS)
	during := median(st.DuringMS)
	lost := 0.0
	if len(st.DuringMS) > 0 {
		lost = float64(st.ProbeTimeouts) / float64(len(st.DuringMS))
	}
	data := map[string]any{"flood": st, "baseline_median_ms": base, "during_median_ms": during, "probe_loss": lost}
	thresholds := "thresholds: ≥ 50% probes lost, or median > 10× baseline and > 200 ms"
	var o Outcome
	switch {
	case st.Sent == 0:
		o = Inconclusive("no flood request could be sent")
	case len(st.DuringMS) == 0:
		o = Inconclusive("no liveness probe ran during the flood")
	case lost >= 0.5:
		o = Vulnerable("a flood of %d OPTIONS at %.0f/s from one source made the service fail for another client: %.0f%% of liveness probes from source B were lost (%s)", st.Sent, st.Rate, lost*100, thresholds)
	case during > 10*base && during > 200:
		o = Vulnerable("a flood of %d OPTIONS at %.0f/s from one source slowed the service for another client: median probe latency %.1f ms vs %.1f ms before (%s)", st.Sent, st.Rate, during, base, thresholds)
	default:
		o = Passed("the service stayed available to another client during a flood of %d OPTIONS at %.0f/s: median probe latency %.1f ms (baseline %.1f ms), %.0f%% lost (%s); raise --rate to flood harder", st.Sent, st.Rate, during, base, lost*100, thresholds)
	}
	if st.Answered < st.Sent/2 && st.Sent > 0 {
		o.Summary += fmt.Sprintf("; only %d of %d flood requests were answered (the target dropped or throttled the flooding source)", st.Answered, st.Sent)
	}
	o.Data = data
	return o
}
