package peertest

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// RelayUAConfig configures RelayUA.
type RelayUAConfig struct {
	// Flags are the ng "flags" of offer and answer, e.g. "strict source".
	Flags []string
	// Linger is how long the callee keeps sending its tone after the BYE
	// (default 5 s): a far end that has not stopped yet, whose media the
	// relay must not pass on once the session is deleted.
	Linger time.Duration
}

// RelayUA starts an auto-answering SIP UA on a free 127.0.0.1 UDP port whose
// media goes through rtp (an SBC in miniature): for an INVITE it asks
// rtpengine to offer, answers for a callee socket that sends a PCMU tone to
// the relay, and returns rtpengine's answer in its 200; BYE deletes the
// rtpengine call. It returns the SIP port and stops on cleanup.
func RelayUA(t testing.TB, rtp *RtpenginePeer, cfg RelayUAConfig) int {
	t.Helper()
	if cfg.Linger <= 0 {
		cfg.Linger = 5 * time.Second
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := &relayUA{pc: pc, rtp: rtp, cfg: cfg, ctx: ctx, calls: map[string]*relayCall{}}
	u.wg.Add(1)
	go func() { defer u.wg.Done(); u.serve() }()
	t.Cleanup(func() {
		cancel()
		pc.Close()
		u.mu.Lock()
		for _, c := range u.calls {
			c.stop()
		}
		u.mu.Unlock()
		u.wg.Wait()
	})
	return pc.LocalAddr().(*net.UDPAddr).Port
}

type relayUA struct {
	pc    net.PacketConn
	rtp   *RtpenginePeer
	cfg   RelayUAConfig
	ctx   context.Context
	wg    sync.WaitGroup
	mu    sync.Mutex
	calls map[string]*relayCall
	n     int
}

type relayCall struct {
	last   []byte // the final response, for retransmitted INVITEs
	toTag  string
	callee net.PacketConn
	cancel context.CancelFunc
	once   sync.Once
}

func (c *relayCall) stop() {
	c.once.Do(func() {
		if c.cancel != nil {
			c.cancel()
		}
		if c.callee != nil {
			c.callee.Close()
		}
	})
}

func (u *relayUA) serve() {
	buf := make([]byte, 65535)
	for {
		n, src, err := u.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		m, err := sip.Parse(append([]byte{}, buf[:n]...))
		if err != nil || m == nil || !m.IsRequest() {
			continue
		}
		u.handle(m, src)
	}
}

func (u *relayUA) reply(resp *sip.Message, dst net.Addr) []byte {
	b := resp.Bytes()
	_, _ = u.pc.WriteTo(b, dst)
	return b
}

// relayMediaPort returns the port of the first m=audio line of an SDP body.
func relayMediaPort(sdp string) (int, bool) {
	for _, line := range strings.Split(sdp, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "m=audio "); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, err := strconv.Atoi(f[0])
				return n, err == nil && n > 0 && n < 65536
			}
		}
	}
	return 0, false
}

func (u *relayUA) handle(req *sip.Message, src net.Addr) {
	u.mu.Lock()
	defer u.mu.Unlock()
	from, _ := req.From()
	to, _ := req.To()
	callID := req.CallID()
	switch {
	case req.Method == "INVITE" && to.Tag() == "":
		if c := u.calls[callID]; c != nil {
			if c.last != nil {
				_, _ = u.pc.WriteTo(c.last, src)
			}
			return
		}
		c := &relayCall{toTag: fmt.Sprintf("rua%d", u.n)}
		u.n++
		u.calls[callID] = c
		u.reply(sip.NewResponse(req, 100, "Trying"), src)
		c.last = u.reply(u.answer(req, c, from.Tag()), src)
	case req.Method == "ACK":
	case req.Method == "BYE":
		u.reply(sip.NewResponse(req, 200, "OK"), src)
		if c := u.calls[callID]; c != nil {
			ctx, cancel := context.WithTimeout(u.ctx, time.Second)
			_, _ = u.rtp.Ng(ctx, map[string]any{"command": "delete", "call-id": callID, "from-tag": from.Tag()})
			cancel()
			// The callee stops a while later, not at once.
			time.AfterFunc(u.cfg.Linger, c.stop)
		}
	default:
		resp := sip.NewResponse(req, 200, "OK")
		if req.Method == "INVITE" {
			if c := u.calls[callID]; c != nil {
				resp = sip.NewResponse(req, 488, "Not Acceptable Here")
			}
		}
		u.reply(resp, src)
	}
}

// answer runs ng offer/answer for an INVITE and returns the final response.
func (u *relayUA) answer(req *sip.Message, c *relayCall, fromTag string) *sip.Message {
	ctx, cancel := context.WithTimeout(u.ctx, 2*time.Second)
	defer cancel()
	flags := append([]string{}, u.cfg.Flags...)
	off, err := u.rtp.Ng(ctx, map[string]any{"command": "offer", "call-id": req.CallID(), "from-tag": fromTag,
		"sdp": string(req.Body), "flags": flags})
	if err != nil {
		return sip.NewResponse(req, 500, "Relay Offer Failed: "+err.Error())
	}
	sdpToCallee, _ := off["sdp"].(string)
	relayPort, ok := relayMediaPort(sdpToCallee)
	if !ok {
		return sip.NewResponse(req, 500, "Relay Offer Without Port")
	}
	callee, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return sip.NewResponse(req, 500, "No Callee Socket")
	}
	c.callee = callee
	cport := callee.LocalAddr().(*net.UDPAddr).Port
	calleeSDP := fmt.Sprintf("v=0\r\no=callee 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n", cport)
	ans, err := u.rtp.Ng(ctx, map[string]any{"command": "answer", "call-id": req.CallID(), "from-tag": fromTag,
		"to-tag": c.toTag, "sdp": calleeSDP, "flags": flags})
	if err != nil {
		return sip.NewResponse(req, 500, "Relay Answer Failed: "+err.Error())
	}
	sdpToCaller, _ := ans["sdp"].(string)
	cctx, ccancel := context.WithTimeout(u.ctx, 90*time.Second)
	c.cancel = ccancel
	u.wg.Add(2)
	go func() {
		defer u.wg.Done()
		relayTone(cctx, callee, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayPort})
	}()
	go func() { // drain what the relay forwards to the callee
		defer u.wg.Done()
		b := make([]byte, 2048)
		for {
			if _, _, err := callee.ReadFrom(b); err != nil {
				return
			}
		}
	}()
	resp := sip.NewResponse(req, 200, "OK")
	resp.Set("To", req.Get("To")+";tag="+c.toTag)
	resp.Set("Contact", "<sip:relay@"+u.pc.LocalAddr().String()+">")
	resp.SetBody("application/sdp", []byte(sdpToCaller))
	return resp
}

// relayTone sends PCMU frames every 20 ms from c to dst until ctx ends.
func relayTone(ctx context.Context, c net.PacketConn, dst net.Addr) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 0
	binary.BigEndian.PutUint32(pkt[8:], 0xca11ee)
	for i := 0; i < 5000; i++ {
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(160*i))
		for j := 12; j < len(pkt); j++ {
			pkt[j] = byte(0x80 + (i+j)%32)
		}
		if _, err := c.WriteTo(pkt, dst); err != nil && ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
