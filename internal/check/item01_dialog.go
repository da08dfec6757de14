package check

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// uaEstablish places a plain call and starts sipvet's RTP. When the target
// does not answer with a 2xx it returns a ready outcome instead.
func uaEstablish(ctx context.Context, env *Env) (*uaSession, *Outcome, error) {
	s, err := uaStart(ctx, env, uaOfferSpec{}, nil, nil, nil)
	if err != nil {
		if errors.Is(err, transport.ErrTimeout) {
			o := Inconclusive("the target did not answer the INVITE")
			return nil, &o, nil
		}
		return nil, nil, err
	}
	if !s.answered() {
		o := Inconclusive("the target did not accept the call (%s); point sipvet at an auto-answering UA or answer the call", uaStatus(s.final))
		s.close(ctx)
		return nil, &o, nil
	}
	if err := s.startRTP(ctx); err != nil {
		o := Inconclusive("%v", err)
		o.Data = map[string]any{"cleanup": s.hangup(ctx)}
		s.close(ctx)
		return nil, &o, nil
	}
	return s, nil, nil
}

// uaSourceB opens a signalling connection from source B.
func uaSourceB(ctx context.Context, env *Env) (transport.Conn, error) {
	return uaDial(ctx, env, env.SourceB)
}

// uaByeObs is what ipa01.bye-foreign-source saw.
type uaByeObs struct {
	// ForeignStatus is the status of the answer to the BYE from B (0: none).
	ForeignStatus int `json:"foreign_status"`
	// MediaBefore and MediaAfter count the UA's RTP packets in one second
	// before and after the forged BYE.
	MediaBefore int `json:"media_before"`
	MediaAfter  int `json:"media_after"`
	// LegitStatus is the status of sipvet's own BYE afterwards (0: none
	// sent or no answer).
	LegitStatus int `json:"legit_status"`
	// AnsweredAtA is true when the UA sent its answer to B's BYE to the
	// dialog's address (A) rather than to B.
	AnsweredAtA bool `json:"answered_at_a,omitempty"`
}

func runByeForeign(ctx context.Context, env *Env) (Outcome, error) {
	s, o, err := uaEstablish(ctx, env)
	if s == nil {
		return *o0(o), err
	}
	defer s.close(ctx)
	b, err := uaSourceB(ctx, env)
	if err != nil {
		return Outcome{Data: map[string]any{"cleanup": s.hangup(ctx)}}, err
	}
	defer b.Close()
	uaSleep(ctx, 1200*time.Millisecond)
	var obs uaByeObs
	t0 := env.Now()
	obs.MediaBefore = len(s.media.rtpSince(t0.Add(-time.Second)))
	fbye := s.inDialog("BYE", b)
	resp, _ := s.transactFrom(ctx, b, fbye)
	if resp != nil {
		obs.ForeignStatus = resp.StatusCode
	} else if st := s.answeredAtA(ctx, topBranch(fbye), 300*time.Millisecond); st > 0 {
		obs.ForeignStatus, obs.AnsweredAtA = st, true
	}
	uaSleep(ctx, 1500*time.Millisecond)
	obs.MediaAfter = len(s.media.rtpSince(env.Now().Add(-time.Second)))
	cleanup := s.hangup(ctx)
	if i := strings.Index(cleanup, "→ "); i >= 0 {
		obs.LegitStatus, _ = strconv.Atoi(strings.Fields(cleanup[i+len("→ "):])[0])
	}
	out := judgeByeForeign(obs)
	out.Data = map[string]any{"observed": obs, "source_b": b.LocalAddr(), "cleanup": cleanup}
	return out, nil
}

// o0 dereferences an early outcome (never nil when the session is nil
// without an error).
func o0(o *Outcome) *Outcome {
	if o == nil {
		return &Outcome{}
	}
	return o
}

// judgeByeForeign decides ipa01.bye-foreign-source.
func judgeByeForeign(o uaByeObs) Outcome {
	switch {
	case o.ForeignStatus >= 200 && o.ForeignStatus < 300:
		media := "the UA's media went on"
		if o.MediaBefore > 0 && o.MediaAfter == 0 {
			media = "the UA's media stopped"
		}
		return Vulnerable("the UA accepted a BYE sent from source B (%d%s) and ended the call; %s: anyone who learns the dialog identifiers can hang up calls", o.ForeignStatus, uaWhereAnswered(o.AnsweredAtA), media)
	case o.LegitStatus >= 200 && o.LegitStatus < 300:
		if o.ForeignStatus == 0 {
			return Passed("the UA ignored a BYE from source B; the call survived and sipvet's own BYE ended it (%d)", o.LegitStatus)
		}
		return Passed("the UA refused a BYE from source B (%d); the call survived and sipvet's own BYE ended it (%d)", o.ForeignStatus, o.LegitStatus)
	}
	return Inconclusive("the UA answered neither the BYE from source B (%d) nor sipvet's own BYE with a 2xx (%d)", o.ForeignStatus, o.LegitStatus)
}

// uaWhereAnswered notes an answer that went to A instead of to B.
func uaWhereAnswered(atA bool) string {
	if atA {
		return ", answered to the dialog's address rather than to B"
	}
	return ""
}

// uaCancelObs is what ipa01.cancel-foreign-source saw.
type uaCancelObs struct {
	// Rang is true when a provisional response above 100 arrived before
	// the final one (the call was pending long enough to CANCEL).
	Rang bool `json:"rang"`
	// ForeignStatus is the answer to the CANCEL from B seen at B (0: none).
	ForeignStatus int `json:"foreign_status"`
	// Final is the INVITE's final status; LegitCancel tells whether sipvet
	// had sent its own CANCEL before the final response arrived.
	Final       int  `json:"final"`
	LegitCancel bool `json:"legit_cancel"`
	// RingMs is how long the call rang (first 18x to the final response).
	RingMs int64 `json:"ring_ms"`
}

func runCancelForeign(ctx context.Context, env *Env) (Outcome, error) {
	b, err := uaSourceB(ctx, env)
	if err != nil {
		return Outcome{}, err
	}
	defer b.Close()
	var (
		obs       uaCancelObs
		sess      *uaSession
		wg        sync.WaitGroup
		cancelMsg *sip.Message
		rangAt    time.Time
	)
	done := make(chan struct{})
	onProv := func(m *sip.Message) {
		if m.StatusCode == 100 || cancelMsg != nil {
			return
		}
		obs.Rang = true
		rangAt = time.Now()
		inv := sess.invite
		cancelMsg = sip.NewRequest("CANCEL", inv.RequestURI)
		cancelMsg.Add("Via", inv.Get("Via"))
		cancelMsg.Add("Max-Forwards", "70")
		cancelMsg.Add("From", inv.Get("From"))
		cancelMsg.Add("To", inv.Get("To"))
		cancelMsg.Add("Call-ID", inv.CallID())
		num, _, _ := inv.CSeq()
		cancelMsg.Add("CSeq", fmt.Sprintf("%d CANCEL", num))
		cancelMsg.Add("Content-Length", "0")
		// The CANCEL keeps the INVITE's Via (RFC 3261 §9.1) but leaves from
		// source B; the answer may go to B (rport) or to A.
		tctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		res, err := transport.Transact(tctx, b, cancelMsg.Bytes(), env.Timers)
		cancel()
		if err == nil && res.Final != nil {
			obs.ForeignStatus = res.Final.StatusCode
		}
		// If the pending call survives, cancel it from A after a while.
		legit, sig := cancelMsg.Bytes(), sess.sig
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-done:
			case <-ctx.Done():
			case <-time.After(2500 * time.Millisecond):
				obs.LegitCancel = true
				_ = sig.Send(ctx, legit)
			}
		}()
	}
	s, err := uaStart(ctx, env, uaOfferSpec{}, nil, onProv, &sess)
	if !rangAt.IsZero() {
		obs.RingMs = time.Since(rangAt).Milliseconds()
	}
	close(done)
	wg.Wait()
	if err != nil {
		if errors.Is(err, transport.ErrTimeout) {
			return Inconclusive("the target did not answer the INVITE"), nil
		}
		return Outcome{}, err
	}
	defer s.close(ctx)
	if s.final != nil {
		obs.Final = s.final.StatusCode
	}
	cleanup := s.hangup(ctx)
	out := judgeCancelForeign(obs)
	out.Data = map[string]any{"observed": obs, "source_b": b.LocalAddr(), "cleanup": cleanup}
	return out, nil
}

// uaMinRing is how long a call must ring for a CANCEL verdict to mean
// anything.
const uaMinRing = time.Second

// judgeCancelForeign decides ipa01.cancel-foreign-source.
func judgeCancelForeign(o uaCancelObs) Outcome {
	switch {
	case !o.Rang:
		return NotApplicable("the UA answered at once (%d) without ringing, so there was no pending INVITE to CANCEL; call a user that rings", o.Final)
	case o.Final >= 200 && o.Final < 300 && o.RingMs < uaMinRing.Milliseconds():
		return NotApplicable("the UA answered %d ms after it started ringing, before a CANCEL could take effect (CANCEL from B → %d); call a user that rings for a while", o.RingMs, o.ForeignStatus)
	case o.Final == 487 && !o.LegitCancel:
		return Vulnerable("the UA cancelled a ringing call on a CANCEL sent from source B (CANCEL → %d, INVITE → 487): anyone who sees the INVITE can stop calls", o.ForeignStatus)
	case o.Final == 487 && o.LegitCancel:
		return Passed("the UA ignored a CANCEL from source B (%d) and kept ringing; sipvet's own CANCEL ended the call", o.ForeignStatus)
	case o.Final >= 200 && o.Final < 300 && (o.ForeignStatus == 0 || o.ForeignStatus >= 300):
		return Passed("the UA refused a CANCEL from source B (%d) and answered the call (%d)", o.ForeignStatus, o.Final)
	case o.Final >= 200 && o.Final < 300:
		return Inconclusive("the UA accepted the CANCEL from source B (%d) but answered the call anyway (%d): a race", o.ForeignStatus, o.Final)
	}
	return Inconclusive("unexpected final response %d after a CANCEL from source B (%d)", o.Final, o.ForeignStatus)
}

// uaReinviteObs is what ipa01.reinvite-hijack saw.
type uaReinviteObs struct {
	// Status is the answer to the re-INVITE from B (0: none).
	Status int `json:"status"`
	// RTPAtB counts RTP packets that arrived at B's media port.
	RTPAtB int `json:"rtp_at_b"`
}

func runReinviteHijack(ctx context.Context, env *Env) (Outcome, error) {
	s, o, err := uaEstablish(ctx, env)
	if s == nil {
		return *o0(o), err
	}
	defer s.close(ctx)
	b, err := uaSourceB(ctx, env)
	if err != nil {
		return Outcome{Data: map[string]any{"cleanup": s.hangup(ctx)}}, err
	}
	defer b.Close()
	bm, err := uaOpenEndpointAt(ctx, env, uaHost(b.LocalAddr()))
	if err != nil {
		return Outcome{Data: map[string]any{"cleanup": s.hangup(ctx)}}, err
	}
	defer bm.close()
	uaSleep(ctx, 800*time.Millisecond)
	req := s.inDialog("INVITE", b)
	req.SetBody("application/sdp", uaBuildOffer(uaOfferSpec{addr: uaHost(bm.rtp.LocalAddr()), port: uaPort(bm.rtp.LocalAddr()), sessionID: uint64(uaRand32(env))}))
	t0 := env.Now()
	var obs uaReinviteObs
	if resp, _ := s.transactFrom(ctx, b, req); resp != nil {
		obs.Status = resp.StatusCode
	}
	uaSleep(ctx, 2*time.Second)
	obs.RTPAtB = len(bm.rtpSince(t0))
	cleanup := s.hangup(ctx)
	out := judgeReinviteHijack(obs)
	out.Data = map[string]any{"observed": obs, "source_b": b.LocalAddr(), "media_b": bm.rtp.LocalAddr(), "cleanup": cleanup}
	return out, nil
}

// judgeReinviteHijack decides ipa01.reinvite-hijack.
func judgeReinviteHijack(o uaReinviteObs) Outcome {
	switch {
	case o.Status >= 200 && o.Status < 300 && o.RTPAtB > 0:
		return Vulnerable("the UA accepted a re-INVITE from source B (%d) and sent the call's media there (%d RTP packets): the call can be hijacked", o.Status, o.RTPAtB)
	case o.Status >= 200 && o.Status < 300:
		return Vulnerable("the UA accepted a re-INVITE from source B (%d) that moves the media, although no RTP reached B in 2 s", o.Status)
	case o.Status == 0:
		return Passed("the UA ignored a re-INVITE from source B")
	}
	return Passed("the UA refused a re-INVITE from source B (%d)", o.Status)
}

// uaPrackObs is what ipa01.prack-spoof saw.
type uaPrackObs struct {
	// Reliable is true when the UA sent a reliable provisional (RSeq,
	// Require: 100rel).
	Reliable bool `json:"reliable"`
	// Status is the answer to the PRACK from B (0: none).
	Status int `json:"status"`
	// AnsweredAtA is true when that answer went to A instead of B.
	AnsweredAtA bool `json:"answered_at_a,omitempty"`
}

func runPrackSpoof(ctx context.Context, env *Env) (Outcome, error) {
	b, err := uaSourceB(ctx, env)
	if err != nil {
		return Outcome{}, err
	}
	defer b.Close()
	var (
		obs  uaPrackObs
		sess *uaSession
		sent bool
	)
	s, err := uaStart(ctx, env, uaOfferSpec{}, func(inv *sip.Message) {
		inv.Set("Supported", "100rel")
	}, func(m *sip.Message) {
		if sent || m.StatusCode == 100 || m.Get("RSeq") == "" || !strings.Contains(strings.ToLower(m.Get("Require")), "100rel") {
			return
		}
		obs.Reliable, sent = true, true
		// The early dialog (RFC 3262 §4): its To tag and Contact; a 2xx
		// later overwrites them.
		early := sess
		early.toHeader = m.Get("To")
		if c, err := sip.ParseNameAddr(m.Get("Contact")); err == nil && c.URI != nil {
			early.remote = c.URI.String()
		} else {
			early.remote = sess.ruri
		}
		early.routes = uaRouteSet(m)
		num, _, _ := sess.invite.CSeq()
		rack := fmt.Sprintf("%s %d INVITE", strings.TrimSpace(m.Get("RSeq")), num)
		pr := early.inDialog("PRACK", b)
		pr.Set("RAck", rack)
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if res, err := transport.Transact(tctx, b, pr.Bytes(), env.Timers); err == nil && res.Final != nil {
			obs.Status = res.Final.StatusCode
		} else if st := sess.answeredAtA(ctx, topBranch(pr), 300*time.Millisecond); st > 0 {
			obs.Status, obs.AnsweredAtA = st, true
		}
		cancel()
		// The legitimate PRACK from A, so the call can proceed.
		legit := early.inDialog("PRACK", sess.sig)
		legit.Set("RAck", rack)
		_ = sess.sig.Send(ctx, legit.Bytes())
	}, &sess)
	if err != nil {
		if errors.Is(err, transport.ErrTimeout) {
			return Inconclusive("the target did not answer the INVITE"), nil
		}
		return Outcome{}, err
	}
	defer s.close(ctx)
	cleanup := s.hangup(ctx)
	out := judgePrackSpoof(obs)
	out.Data = map[string]any{"observed": obs, "source_b": b.LocalAddr(), "final": uaStatus(s.final), "cleanup": cleanup}
	return out, nil
}

// judgePrackSpoof decides ipa01.prack-spoof.
func judgePrackSpoof(o uaPrackObs) Outcome {
	switch {
	case !o.Reliable:
		return NotApplicable("the UA sent no reliable provisional response (no 100rel), so there is nothing to PRACK")
	case o.Status >= 200 && o.Status < 300:
		return Vulnerable("the UA accepted a PRACK sent from source B (%d%s): the early dialog trusts any source", o.Status, uaWhereAnswered(o.AnsweredAtA))
	case o.Status == 0:
		return Passed("the UA ignored a PRACK from source B")
	}
	return Passed("the UA refused a PRACK from source B (%d)", o.Status)
}
