package harness

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// foreignResult is what the DUT answered to the INVITE from source B.
type foreignResult struct {
	codes []int
}

// foreignInvite sends an INVITE from source B to dst (the DUT's contact),
// waits up to wait for responses, and cleans up: ACK+BYE after a 2xx,
// CANCEL while ringing.
func (s *server) foreignInvite(ctx context.Context, dst string, contact *sip.URI, wait time.Duration) foreignResult {
	var res foreignResult
	if err := s.inScope(dst); err != nil {
		return res
	}
	host, port, err := net.SplitHostPort(dst)
	if err != nil {
		return res
	}
	p, _ := strconv.Atoi(port)
	bHost, _, _ := net.SplitHostPort(s.b.Addr())
	obs := append(append([]transport.Observer{}, s.cfg.Observers...), s.ev.Observe)
	conn, err := transport.Dial(ctx, target.Target{Transport: "udp", Host: host, Port: p}, transport.Options{LocalAddr: bHost, Observers: obs, Now: s.cfg.Now})
	if err != nil {
		return res
	}
	defer conn.Close()
	ruri := "sip:" + dst
	if contact != nil {
		ruri = contact.String()
	}
	local := conn.LocalAddr()
	branch := sip.NewBranch(s.rnd)
	fromTag := sip.NewTag(s.rnd)
	callID := sip.NewCallID(s.rnd, bHost)
	inv := sip.NewRequest("INVITE", ruri)
	inv.Add("Via", "SIP/2.0/UDP "+local+";branch="+branch+";rport")
	inv.Add("Max-Forwards", "70")
	inv.Add("From", "<sip:sipvet-source-b@"+local+">;tag="+fromTag)
	inv.Add("To", "<"+ruri+">")
	inv.Add("Call-ID", callID)
	inv.Add("CSeq", "1 INVITE")
	inv.Add("Contact", "<sip:sipvet-source-b@"+local+">")
	inv.Add("User-Agent", s.cfg.UserAgent)
	inv.SetBody("application/sdp", []byte("v=0\r\no=sipvet 1 1 IN IP4 "+bHost+"\r\ns=sipvet\r\nc=IN IP4 "+bHost+
		"\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 8\r\na=inactive\r\n"))
	tm := s.cfg.Timers
	tm.Timeout = wait
	tr, _ := transport.Transact(ctx, conn, inv.Bytes(), tm)
	ringing := false
	for _, pk := range tr.Responses {
		m, err := sip.Parse(pk.Data)
		if err != nil || m.StatusCode == 0 {
			continue
		}
		res.codes = append(res.codes, m.StatusCode)
		if m.StatusCode > 100 && m.StatusCode < 200 {
			ringing = true
		}
	}
	short := tm
	short.Timeout = 2 * time.Second
	switch {
	case tr.Final != nil && tr.Final.StatusCode < 300:
		to := tr.Final.Get("To")
		next := ruri
		if na, err := sip.ParseNameAddr(tr.Final.Get("Contact")); err == nil {
			next = na.URI.String()
		}
		req := func(method string, cseq string) *sip.Message {
			m := sip.NewRequest(method, next)
			m.Add("Via", "SIP/2.0/UDP "+local+";branch="+sip.NewBranch(s.rnd)+";rport")
			m.Add("Max-Forwards", "70")
			m.Add("From", "<sip:sipvet-source-b@"+local+">;tag="+fromTag)
			m.Add("To", to)
			m.Add("Call-ID", callID)
			m.Add("CSeq", cseq)
			m.Add("Content-Length", "0")
			return m
		}
		_ = conn.Send(ctx, req("ACK", "1 ACK").Bytes())
		_, _ = transport.Transact(ctx, conn, req("BYE", "2 BYE").Bytes(), short)
	case tr.Final == nil && ringing:
		c := sip.NewRequest("CANCEL", ruri)
		c.Add("Via", "SIP/2.0/UDP "+local+";branch="+branch+";rport")
		c.Add("Max-Forwards", "70")
		c.Add("From", "<sip:sipvet-source-b@"+local+">;tag="+fromTag)
		c.Add("To", "<"+ruri+">")
		c.Add("Call-ID", callID)
		c.Add("CSeq", "1 CANCEL")
		c.Add("Content-Length", "0")
		_, _ = transport.Transact(ctx, conn, c.Bytes(), short)
		// The 487 for the INVITE follows; acknowledge it.
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		for {
			pk, err := conn.Recv(wctx)
			if err != nil {
				break
			}
			m, err := sip.Parse(pk.Data)
			if err != nil || m.StatusCode < 300 {
				continue
			}
			if _, method, _ := m.CSeq(); method == "INVITE" {
				if ack, err := transport.ACKFor(inv, m); err == nil {
					_ = conn.Send(ctx, ack.Bytes())
				}
				break
			}
		}
	}
	return res
}
