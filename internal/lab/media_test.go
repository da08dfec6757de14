package lab_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	psdp "github.com/pion/sdp/v3"

	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/transport"
)

// mediaCounts is what arrived on the test's RTP socket.
type mediaCounts struct {
	echoes, tone, rr int
	toneSSRC         uint32
	rrBlock          *rtcp.ReceptionReport
	tonePayload      []byte
}

// collect reads the socket for d and classifies RTP echo, tone and RTCP.
func collect(t *testing.T, sock transport.Listener, ourSSRC uint32, wantPT uint8, d time.Duration) mediaCounts {
	t.Helper()
	var mc mediaCounts
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	for {
		p, err := sock.Recv(ctx)
		if err != nil {
			return mc
		}
		if len(p.Data) > 1 && p.Data[1] >= 200 && p.Data[1] <= 204 {
			pkts, err := rtcp.Unmarshal(p.Data)
			if err != nil {
				t.Errorf("bad RTCP from the lab: %v", err)
				continue
			}
			for _, pk := range pkts {
				if rr, ok := pk.(*rtcp.ReceiverReport); ok {
					mc.rr++
					for i := range rr.Reports {
						if rr.Reports[i].SSRC == ourSSRC {
							mc.rrBlock = &rr.Reports[i]
						}
					}
				}
			}
			continue
		}
		var pkt rtp.Packet
		if err := pkt.Unmarshal(p.Data); err != nil {
			t.Errorf("bad RTP from the lab: %v", err)
			continue
		}
		if pkt.SSRC == ourSSRC {
			mc.echoes++
			continue
		}
		mc.tone++
		mc.toneSSRC = pkt.SSRC
		mc.tonePayload = pkt.Payload
		if pkt.PayloadType != wantPT || len(pkt.Payload) != 160 {
			t.Errorf("tone packet PT %d with %d bytes, want PT %d with 160", pkt.PayloadType, len(pkt.Payload), wantPT)
		}
	}
}

func TestInviteEchoMedia(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts lab.Options
	}{{"vulnerable", lab.Options{}}, {"hardened", hardened()}} {
		t.Run(tc.name, func(t *testing.T) {
			siptest.CheckGoroutines(t)
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			sock, err := transport.Listen(t.Context(), "udp", "127.0.0.1:0", transport.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer sock.Close()
			port := sock.Addr()[len("127.0.0.1:"):]
			offer := "v=0\r\no=test 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
				"m=audio " + port + " RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
			inv := c.request("INVITE", c.labURI("echo"), "alice", c.labURI("echo"))
			inv.SetBody("application/sdp", []byte(offer))
			res, err := c.try(inv)
			if err != nil {
				t.Fatal(err)
			}
			if res.Final.StatusCode == 401 {
				inv = c.authorize(inv, res.Final, "alice", "wonderland")
				if res, err = c.try(inv); err != nil {
					t.Fatal(err)
				}
			} else {
				// Unchallenged: 100, 180 and 200 in order.
				var codes []int
				for _, p := range res.Responses {
					m, _ := sip.Parse(p.Data)
					codes = append(codes, m.StatusCode)
				}
				if len(codes) < 3 || codes[0] != 100 || codes[1] != 180 || codes[2] != 200 {
					t.Errorf("responses %v, want 100 180 200", codes)
				}
			}
			resp := res.Final
			wantStatus(t, resp, 200)
			if resp.Get("Content-Type") != "application/sdp" {
				t.Fatalf("200 without SDP:\n%s", resp)
			}
			var ans psdp.SessionDescription
			if err := ans.Unmarshal(resp.Body); err != nil {
				t.Fatalf("answer is not valid SDP (%v):\n%s", err, resp.Body)
			}
			if len(ans.MediaDescriptions) != 1 || ans.MediaDescriptions[0].MediaName.Formats[0] != "0" {
				t.Fatalf("answer media = %+v", ans.MediaDescriptions)
			}
			md := ans.MediaDescriptions[0]
			rtpAddr := net.JoinHostPort(ans.ConnectionInformation.Address.Address, strconv.Itoa(md.MediaName.Port.Value))
			rtcpPort, ok := md.Attribute("rtcp")
			if !ok {
				t.Fatal("answer has no a=rtcp")
			}
			rtcpAddr := net.JoinHostPort(ans.ConnectionInformation.Address.Address, rtcpPort)

			// ACK the 200 (to the Contact, with the To tag).
			ack := c.request("ACK", c.labURI("echo"), "alice", "x")
			contact, _ := sip.ParseNameAddr(resp.Get("Contact"))
			ack.RequestURI = contact.URI.String()
			ack.Set("To", resp.Get("To"))
			ack.Set("From", inv.Get("From"))
			ack.Set("CSeq", strconv.Itoa(int(mustCSeq(t, inv)))+" ACK")
			ack.Del("Contact")
			if err := c.conn.Send(t.Context(), ack.Bytes()); err != nil {
				t.Fatal(err)
			}

			// Send RTP: each packet must come back unchanged.
			const ourSSRC = 0x51b7e57
			for i := range 10 {
				pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(1000 + i),
					Timestamp: uint32(160 * i), SSRC: ourSSRC}, Payload: make([]byte, 160)}
				b, _ := pkt.Marshal()
				if err := sock.SendTo(t.Context(), b, rtpAddr); err != nil {
					t.Fatal(err)
				}
			}
			mc := collect(t, sock, ourSSRC, 0, 400*time.Millisecond)
			sr := &rtcp.SenderReport{SSRC: ourSSRC, NTPTime: 0xe000000012345678, PacketCount: 10, OctetCount: 1600}
			b, _ := rtcp.Marshal([]rtcp.Packet{sr})
			if err := sock.SendTo(t.Context(), b, rtcpAddr); err != nil {
				t.Fatal(err)
			}
			rc := collect(t, sock, ourSSRC, 0, 200*time.Millisecond)
			mc.rr, mc.rrBlock, mc.tone = rc.rr, rc.rrBlock, mc.tone+rc.tone
			if mc.echoes != 10 {
				t.Errorf("%d echoes, want 10", mc.echoes)
			}
			if mc.tone < 10 {
				t.Errorf("%d tone packets in 600 ms, want about 30", mc.tone)
			}
			if p := mc.tonePayload; len(p) == 160 {
				for i := 0; i+8 < len(p); i++ {
					if p[i] != p[i+8] {
						t.Fatalf("tone payload is not periodic with 8 samples (1 kHz): % x", p[:16])
					}
				}
			}
			if mc.rr == 0 || mc.rrBlock == nil {
				t.Fatalf("no receiver report for our SSRC (rr=%d)", mc.rr)
			}
			if mc.rrBlock.LastSequenceNumber&0xffff != 1009 || mc.rrBlock.TotalLost != 0 || mc.rrBlock.LastSenderReport != 0x00001234 {
				t.Errorf("report block = %+v", *mc.rrBlock)
			}

			// BYE ends the call and the tone.
			bye(t, c, inv, resp)
			collect(t, sock, ourSSRC, 0, 100*time.Millisecond) // drain in-flight packets
			if after := collect(t, sock, ourSSRC, 0, 300*time.Millisecond); after.tone != 0 {
				t.Errorf("%d tone packets after BYE", after.tone)
			}
			// A second BYE finds no dialog.
			b2 := c.request("BYE", contact.URI.String(), "alice", "x")
			b2.Set("To", resp.Get("To"))
			b2.Set("Call-ID", inv.CallID())
			b2.Set("From", inv.Get("From"))
			wantStatus(t, c.do(b2), 481)
		})
	}
}

func mustCSeq(t *testing.T, m *sip.Message) uint32 {
	t.Helper()
	n, _, err := m.CSeq()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMediaMaxCall(t *testing.T) {
	siptest.CheckGoroutines(t)
	_, tgt := startLab(t, lab.Options{MaxCall: 300 * time.Millisecond})
	c := dial(t, tgt, "")
	sock, err := transport.Listen(t.Context(), "udp", "127.0.0.1:0", transport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	offer := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
		sock.Addr()[len("127.0.0.1:"):] + " RTP/AVP 8\r\n"
	inv := c.request("INVITE", c.labURI("0455512345"), "alice", c.labURI("0455512345"))
	inv.SetBody("application/sdp", []byte(offer))
	wantStatus(t, c.do(inv), 200)
	first := collect(t, sock, 0, 8, 200*time.Millisecond)
	if first.tone == 0 {
		t.Fatal("no tone")
	}
	collect(t, sock, 0, 8, 300*time.Millisecond)
	if after := collect(t, sock, 0, 8, 300*time.Millisecond); after.tone != 0 {
		t.Errorf("tone still running after MaxCall: %d packets", after.tone)
	}
}
