package check

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// s2Window is how long the server2 checks wait for traffic the target sends
// on its own (reflected responses, relayed requests, REFER-triggered
// INVITEs): the transaction timeout, at most 4 s.
func (e *Env) s2Window() time.Duration {
	w := e.Timers.Timeout
	if w <= 0 || w > 4*time.Second {
		w = 4 * time.Second
	}
	return w
}

// s2Collect reads every message arriving on c until the window closes or
// stop returns true for one of them.
func s2Collect(ctx context.Context, c transport.Conn, window time.Duration, stop func(transport.Packet, *sip.Message) bool) []transport.Packet {
	ctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	var got []transport.Packet
	for len(got) < 1000 {
		p, err := c.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, transport.ErrClosed) {
				return got
			}
			continue
		}
		got = append(got, p)
		m := sip.ParseComplete(p.Data)
		if stop != nil && m != nil && stop(p, m) {
			return got
		}
	}
	return got
}

// s2Answer answers a request received on c with code (a polite UAS: the
// relayed or triggered request gets a final response).
func s2Answer(ctx context.Context, c transport.Conn, p transport.Packet, req *sip.Message, code int) {
	if req.Method == "ACK" {
		return
	}
	resp := sip.NewResponse(req, code, "")
	if to := resp.Get("To"); to != "" && !strings.Contains(to, "tag=") {
		resp.Set("To", to+";tag=sipvet")
	}
	sctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if c.Transport() == "udp" {
		_ = c.SendTo(sctx, resp.Bytes(), p.Src)
		return
	}
	_ = c.Send(sctx, resp.Bytes())
}

// s2Probe sends one OPTIONS to the target from local and returns the time
// from the send to the final response (the rate-limit wait excluded).
func (e *Env) s2Probe(ctx context.Context, local string, timeout time.Duration) (time.Duration, error) {
	c, err := e.Dialer.Dial(ctx, e.Target, local)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	d := e.newDialog()
	ruri := uriFor(e.Target, "", e.Target.HostPort())
	req := e.request(c, d, "OPTIONS", ruri, "", ruri)
	via, _ := req.TopVia()
	if err := c.Send(ctx, req.Bytes()); err != nil {
		return 0, err
	}
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resend := time.Now().Add(timeout / 4)
	for {
		p, err := c.Recv(rctx)
		if err != nil {
			if rctx.Err() != nil {
				return 0, fmt.Errorf("liveness probe: no answer within %v: %w", timeout, transport.ErrTimeout)
			}
			continue
		}
		if m := sip.ParseComplete(p.Data); m != nil && !m.IsRequest() && m.StatusCode >= 200 {
			if v, err := m.TopVia(); err == nil && v.Branch() == via.Branch() {
				return time.Since(start), nil
			}
		}
		if c.Transport() == "udp" && time.Now().After(resend) {
			resend = time.Now().Add(timeout / 4)
			_ = c.Send(ctx, req.Bytes())
		}
	}
}

// s2Liveness is what probes around a disruptive request saw.
type s2Liveness struct {
	BeforeMS  float64   `json:"before_ms"`
	AfterMS   []float64 `json:"after_ms"`
	Failed    int       `json:"failed"`
	Recovered bool      `json:"recovered"`
}

// s2After probes from source B n times, interval apart, after a request
// that might have started a loop; it reports failures and latencies.
func (e *Env) s2After(ctx context.Context, n int, interval time.Duration) s2Liveness {
	var l s2Liveness
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
		lat, err := e.s2Probe(ctx, e.SourceB, time.Second)
		if err != nil {
			l.Failed++
			l.AfterMS = append(l.AfterMS, -1)
			continue
		}
		l.AfterMS = append(l.AfterMS, ms(lat))
	}
	l.Recovered = len(l.AfterMS) > 0 && l.AfterMS[len(l.AfterMS)-1] >= 0
	return l
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// s2Host returns the bare host of "ip:port" (IPv6 without brackets).
func s2Host(hostport string) string {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap().String()
	}
	return hostport
}

// s2SetTopVia replaces the top Via of m.
func s2SetTopVia(m *sip.Message, value string) {
	for i, h := range m.Headers {
		if strings.EqualFold(h.Name, "via") || h.Name == "v" {
			m.Headers[i].Value = value
			return
		}
	}
	m.Prepend("Via", value)
}

// s2Timeout tells whether err is a timeout or a deadline.
func s2Timeout(err error) bool {
	return errors.Is(err, transport.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}

// s2Cleanup ends what an accepted INVITE started: ACK and BYE for a 2xx,
// CANCEL for a call still ringing.
func (e *Env) s2Cleanup(ctx context.Context, c transport.Conn, inv *sip.Message, res transport.Result) string {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if res.Final != nil && res.Final.StatusCode >= 200 && res.Final.StatusCode < 300 {
		target := inv.RequestURI
		if na, err := sip.ParseNameAddr(res.Final.Get("Contact")); err == nil && na.URI != nil {
			// Only follow a Contact on the target itself: never send elsewhere.
			if s2Host(na.URI.HostPort()) == s2Host(e.Target.HostPort()) || strings.Contains(na.URI.HostPort(), e.Target.Host) {
				target = na.URI.String()
			}
		}
		mk := func(method string, n int) *sip.Message {
			m := sip.NewRequest(method, target)
			m.Add("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=%s;rport", viaTransport(c.Transport()), c.LocalAddr(), sip.NewBranch(e.Rand)))
			m.Add("Max-Forwards", "70")
			m.Add("From", inv.Get("From"))
			m.Add("To", res.Final.Get("To"))
			m.Add("Call-ID", inv.CallID())
			m.Add("CSeq", fmt.Sprintf("%d %s", n, method))
			if e.UserAgent != "" {
				m.Add("User-Agent", e.UserAgent)
			}
			m.Add("Content-Length", "0")
			return m
		}
		num, _, _ := inv.CSeq()
		_ = c.Send(cctx, mk("ACK", int(num)).Bytes())
		if r, err := transport.Transact(cctx, c, mk("BYE", int(num)+1).Bytes(), e.Timers); err == nil && r.Final != nil {
			return fmt.Sprintf("call ended with BYE (%d)", r.Final.StatusCode)
		}
		return "BYE unanswered"
	}
	for _, p := range res.Responses {
		if m := sip.ParseComplete(p.Data); m != nil && m.StatusCode >= 180 && m.StatusCode < 200 {
			cn := sip.NewRequest("CANCEL", inv.RequestURI)
			cn.Add("Via", inv.Get("Via"))
			cn.Add("Max-Forwards", "70")
			cn.Add("From", inv.Get("From"))
			cn.Add("To", inv.Get("To"))
			cn.Add("Call-ID", inv.CallID())
			num, _, _ := inv.CSeq()
			cn.Add("CSeq", fmt.Sprintf("%d CANCEL", num))
			cn.Add("Content-Length", "0")
			_, _ = transport.Transact(cctx, c, cn.Bytes(), e.Timers)
			// The INVITE's 487 is ACKed by the transaction layer only while
			// Transact runs; collect it here and ACK it.
			for _, q := range s2Collect(cctx, c, time.Second, func(_ transport.Packet, m *sip.Message) bool {
				return !m.IsRequest() && m.StatusCode >= 300
			}) {
				if m := sip.ParseComplete(q.Data); m != nil && !m.IsRequest() && m.StatusCode >= 300 {
					if ack, err := transport.ACKFor(inv, m); err == nil {
						_ = c.Send(cctx, ack.Bytes())
					}
				}
			}
			return "ringing call cancelled"
		}
	}
	return ""
}

// s2Authorize answers a 401/407 challenge in resp for req with the test
// account: it returns a copy of req with the next CSeq, a fresh branch and
// the credentials, or nil when there is no account or no usable challenge.
func (e *Env) s2Authorize(req, resp *sip.Message) *sip.Message {
	if e.User == "" || e.Password == "" || resp == nil {
		return nil
	}
	hdr, out := "WWW-Authenticate", "Authorization"
	if resp.StatusCode == 407 {
		hdr, out = "Proxy-Authenticate", "Proxy-Authorization"
	}
	ch, err := digest.ParseChallenge(resp.Get(hdr))
	if err != nil {
		return nil
	}
	cred, err := digest.Answer(ch, e.User, e.Password, digest.Request{Method: req.Method, URI: req.RequestURI, Body: req.Body}, sip.NewTag(e.Rand), 1)
	if err != nil {
		return nil
	}
	next := req.Clone()
	if v, err := next.TopVia(); err == nil {
		s2SetTopVia(next, strings.Replace(v.String(), v.Branch(), sip.NewBranch(e.Rand), 1))
	}
	num, method, _ := next.CSeq()
	next.Set("CSeq", fmt.Sprintf("%d %s", num+1, method))
	next.Set(out, cred.String())
	return next
}

// dialPair opens the two sockets of a relay-style check: b on source B,
// where whatever the target is tricked into sending should arrive, and a on
// the ordinary source, which sends the request. close closes both.
func (e *Env) dialPair(ctx context.Context, id string) (a, b transport.Conn, closeBoth func(), err error) {
	b, err = e.Dialer.Dial(ctx, e.Target, e.SourceB)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: listen on source B: %w", id, err)
	}
	a, err = e.Dialer.Dial(ctx, e.Target, "")
	if err != nil {
		b.Close()
		return nil, nil, nil, fmt.Errorf("%s: %w", id, err)
	}
	return a, b, func() { a.Close(); b.Close() }, nil
}
