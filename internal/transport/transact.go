package transport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// ErrBadRequest is wrapped when Transact cannot learn the transaction key
// (top Via branch and CSeq) from the request it is given.
var ErrBadRequest = errors.New("transport: request unusable for a transaction")

// Timers are the RFC 3261 §17 timer values (Table 4).
type Timers struct {
	// T1 is the RTT estimate (default 500 ms); retransmissions start at T1.
	T1 time.Duration
	// T2 caps non-INVITE retransmission intervals (default 4 s).
	T2 time.Duration
	// T4 is the maximum time a message stays in the network (default 5 s).
	// Transact does not linger in the Completed state, so it is unused
	// there; it is kept for callers that do.
	T4 time.Duration
	// Timeout is Timer B (INVITE) or F (non-INVITE), default 64*T1.
	Timeout time.Duration
}

// DefaultTimers returns T1 500 ms, T2 4 s, T4 5 s and a zero Timeout,
// which means 64*T1.
func DefaultTimers() Timers {
	return Timers{T1: 500 * time.Millisecond, T2: 4 * time.Second, T4: 5 * time.Second}
}

func (tm Timers) withDefaults() Timers {
	d := DefaultTimers()
	if tm.T1 <= 0 {
		tm.T1 = d.T1
	}
	if tm.T2 <= 0 {
		tm.T2 = d.T2
	}
	if tm.T4 <= 0 {
		tm.T4 = d.T4
	}
	if tm.Timeout <= 0 {
		tm.Timeout = 64 * tm.T1
	}
	return tm
}

// Result is what a client transaction saw.
type Result struct {
	// Responses holds every matching response, provisional and final,
	// including retransmissions, in arrival order.
	Responses []Packet
	// Final is the first final (>= 200) response, or nil.
	Final *sip.Message
	// FinalPacket is the packet Final was parsed from.
	FinalPacket Packet
	// Retransmissions counts request retransmissions (UDP only).
	Retransmissions int
}

// Transact runs an RFC 3261 §17.1 client transaction for req over c.
//
// The transaction key is the top Via branch and the CSeq method of req.
// Over UDP the request is retransmitted per Timer A (INVITE: T1, 2T1, 4T1,
// ... until a provisional response arrives) or Timer E (non-INVITE: T1
// doubling up to T2, then every T2; T2 once a provisional arrived). Over
// tcp, tls, ws and wss it is sent once. Responses that do not match the key
// are skipped (Observers of c still see them). Transact returns on the first
// final response; for an INVITE with a final response of 300 or above it
// also sends the ACK of §17.1.1.3. When Timer B/F (tm.Timeout) or ctx
// expires first, the error wraps ErrTimeout and context.DeadlineExceeded
// and the Result holds the provisional responses that arrived; when ctx is
// cancelled the error wraps context.Canceled.
//
// An ACK request is sent once and Transact returns at once, since ACK has
// no client transaction.
func Transact(ctx context.Context, c Conn, req []byte, tm Timers) (Result, error) {
	var res Result
	tm = tm.withDefaults()
	m, perr := sip.Parse(req)
	if m == nil {
		return res, fmt.Errorf("%w: %w", ErrBadRequest, perr)
	}
	if !m.IsRequest() {
		return res, fmt.Errorf("%w: not a request", ErrBadRequest)
	}
	via, err := m.TopVia()
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	_, method, err := m.CSeq()
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	branch := via.Branch()
	if err := c.Send(ctx, req); err != nil {
		return res, err
	}
	if method == "ACK" {
		return res, nil
	}
	invite := method == "INVITE"
	reliable := c.Transport() != "udp"

	start := time.Now()
	timerB := start.Add(tm.Timeout)
	tctx, cancel := context.WithDeadline(ctx, timerB)
	defer cancel()

	interval := tm.T1
	nextRetrans := start.Add(interval)
	proceeding := false
	timedOut := func() (Result, error) {
		if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return res, fmt.Errorf("transport: %s transaction %s: %w", method, branch, err)
		}
		return res, fmt.Errorf("transport: %s transaction %s: no final response: %w: %w", method, branch, ErrTimeout, context.DeadlineExceeded)
	}
	for {
		retransmitting := !reliable && !(invite && proceeding)
		rctx, rcancel := tctx, context.CancelFunc(func() {})
		if retransmitting {
			rctx, rcancel = context.WithDeadline(tctx, nextRetrans)
		}
		pkt, err := c.Recv(rctx)
		rcancel()
		if err != nil {
			switch {
			case errors.Is(err, sip.ErrTooLarge):
				continue // one oversize datagram; the socket is fine
			case !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
				return res, err
			case ctx.Err() != nil || tctx.Err() != nil || !time.Now().Before(timerB):
				return timedOut()
			case !retransmitting:
				// A socket deadline fired marginally before the context's.
				continue
			}
			// Timer A or E fired.
			if err := c.Send(ctx, req); err != nil {
				return res, err
			}
			res.Retransmissions++
			switch {
			case invite:
				interval *= 2
			case proceeding:
				interval = tm.T2
			default:
				interval = min(2*interval, tm.T2)
			}
			nextRetrans = time.Now().Add(interval) // the timer restarts when it fires
			continue
		}
		resp, perr := sip.Parse(pkt.Data)
		if resp == nil || resp.IsRequest() || !sip.Complete(perr) || !matches(resp, branch, method) {
			continue
		}
		res.Responses = append(res.Responses, pkt)
		if resp.StatusCode < 200 {
			proceeding = true
			continue
		}
		res.Final, res.FinalPacket = resp, pkt
		if invite && resp.StatusCode >= 300 {
			ack, err := ACKFor(m, resp)
			if err != nil {
				return res, err
			}
			if err := c.Send(ctx, ack.Bytes()); err != nil {
				return res, fmt.Errorf("transport: ACK for %d: %w", resp.StatusCode, err)
			}
		}
		return res, nil
	}
}

// matches applies RFC 3261 §17.1.3: same top Via branch and CSeq method.
func matches(resp *sip.Message, branch, method string) bool {
	v, err := resp.TopVia()
	if err != nil || v.Branch() != branch {
		return false
	}
	_, m, err := resp.CSeq()
	return err == nil && m == method
}

// ACKFor builds the ACK for a non-2xx final response to an INVITE, as the
// client transaction sends it (RFC 3261 §17.1.1.3): the Request-URI,
// Call-ID, From, top Via and Route headers of the INVITE, the To of the
// response (with its tag), CSeq with the INVITE's number and method ACK,
// Max-Forwards 70 and an empty body.
func ACKFor(invite, resp *sip.Message) (*sip.Message, error) {
	via, err := invite.TopVia()
	if err != nil {
		return nil, fmt.Errorf("%w: ACK: %w", ErrBadRequest, err)
	}
	num, _, err := invite.CSeq()
	if err != nil {
		return nil, fmt.Errorf("%w: ACK: %w", ErrBadRequest, err)
	}
	ack := sip.NewRequest("ACK", invite.RequestURI)
	ack.Add("Via", via.String())
	for _, r := range invite.GetAll("Route") {
		ack.Add("Route", r)
	}
	ack.Add("Max-Forwards", "70")
	ack.Add("From", invite.Get("From"))
	ack.Add("To", resp.Get("To"))
	ack.Add("Call-ID", invite.Get("Call-ID"))
	ack.Add("CSeq", strconv.FormatUint(uint64(num), 10)+" ACK")
	ack.Add("Content-Length", "0")
	return ack, nil
}
