package lab

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/transport"
)

// fakeListener is a transport.Listener that records what the lab sends.
type fakeListener struct {
	mu   sync.Mutex
	sent int
}

func (f *fakeListener) Recv(ctx context.Context) (transport.Packet, error) {
	<-ctx.Done()
	return transport.Packet{}, ctx.Err()
}

func (f *fakeListener) Reply(ctx context.Context, to transport.Packet, data []byte) error {
	return f.SendTo(ctx, data, to.Src)
}

func (f *fakeListener) SendTo(_ context.Context, data []byte, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent += len(data)
	return nil
}

func (f *fakeListener) Addr() string      { return "127.0.0.1:5060" }
func (f *fakeListener) Transport() string { return "udp" }
func (f *fakeListener) Close() error      { return nil }

var _ transport.Listener = (*fakeListener)(nil)

// panicCatcher is a slog.Handler that remembers panic reports.
type panicCatcher struct {
	mu  sync.Mutex
	msg string
}

func (p *panicCatcher) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicCatcher) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		p.mu.Lock()
		r.Attrs(func(a slog.Attr) bool { p.msg += a.String() + " "; return true })
		p.mu.Unlock()
	}
	return nil
}
func (p *panicCatcher) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicCatcher) WithGroup(string) slog.Handler      { return p }

// FuzzHandlePacket feeds arbitrary datagrams to the lab's request handler
// (every flag on) and asserts it never panics and answers each datagram
// with a bounded amount of data.
func FuzzHandlePacket(f *testing.F) {
	for _, s := range []string{
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK2;rport\r\nFrom: <sip:alice@x>;tag=1\r\nTo: <sip:alice@x>\r\nCall-ID: 2\r\nCSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0\r\nAuthorization: Digest username=\"alice\", realm=\"sipvet.lab\", nonce=\"a\", uri=\"sip:127.0.0.1\", response=\"b\"\r\n\r\n",
		"INVITE sip:echo@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK3\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:echo@x>\r\nCall-ID: 3\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 50\r\n\r\nv=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 5998 RTP/AVP 0 8\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-sipvetlab-00\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;rport=1\r\nCall-ID: 4\r\nCSeq: 1 INVITE\r\n\r\n",
		"\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	pc := &panicCatcher{}
	l, err := newLab(Options{MaxCall: 10 * time.Millisecond, Log: slog.New(pc)})
	if err != nil {
		f.Fatal(err)
	}
	fl := &fakeListener{}
	l.listeners = []transport.Listener{fl}
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(func() {
		cancel()
		l.wg.Wait()
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		fl.mu.Lock()
		fl.sent = 0
		fl.mu.Unlock()
		l.handlePacket(ctx, fl, transport.Packet{Data: data, Src: "127.0.0.1:5999", Dst: "127.0.0.1:5060", Transport: "udp", Time: time.Now()})
		pc.mu.Lock()
		msg := pc.msg
		pc.mu.Unlock()
		if msg != "" {
			t.Fatalf("handler panicked: %s", msg)
		}
		fl.mu.Lock()
		defer fl.mu.Unlock()
		if limit := 8*len(data) + 8192; fl.sent > limit {
			t.Fatalf("answered %d input bytes with %d bytes", len(data), fl.sent)
		}
	})
}

// FuzzParseSDP asserts the SDP reader never panics and keeps its output
// bounded by the input.
func FuzzParseSDP(f *testing.F) {
	f.Add([]byte("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"))
	f.Add([]byte("m=audio 99999 RTP/AVP x\nc=IN IP6 ::1\n"))
	f.Add([]byte("m=video 1 RTP/AVP 0\r\nm=audio 2/2 RTP/AVP 8\r\nc=IN IP4 1.2.3.4/127\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseSDP(body)
		if len(o.pts) > len(body) {
			t.Fatalf("%d payload types from %d bytes", len(o.pts), len(body))
		}
		if err == nil && o.addr.IsValid() && o.addr.Port() == 0 {
			t.Fatalf("zero port accepted: %v", o.addr)
		}
	})
}
