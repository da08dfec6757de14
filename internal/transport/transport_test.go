package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sipvet/sipvet/internal/sip"
)

func TestRoundTrip(t *testing.T) {
	hosts := []string{"127.0.0.1"}
	if ipv6Loopback(t) {
		hosts = append(hosts, "::1")
	} else {
		t.Log("::1 unavailable; IPv6 round trips skipped")
	}
	for _, host := range hosts {
		for _, tr := range []string{"udp", "tcp", "tls", "ws", "wss"} {
			t.Run(tr+"/"+host, func(t *testing.T) {
				srvLog, cliLog := NewEvidenceLog(), NewEvidenceLog()
				l := listenT(t, tr, net.JoinHostPort(host, "0"), Options{TLSConfig: testTLSConfig(t), Observers: []Observer{srvLog.Observe}})
				c := dialT(t, targetOf(t, tr, l.Addr()), Options{Observers: []Observer{cliLog.Observe}})
				if c.Transport() != tr || l.Transport() != tr {
					t.Fatalf("transports %q/%q, want %q", c.Transport(), l.Transport(), tr)
				}
				if c.RemoteAddr() != l.Addr() {
					t.Errorf("RemoteAddr = %q, want %q", c.RemoteAddr(), l.Addr())
				}
				ctx := testCtx(t, 5*time.Second)
				req := request("OPTIONS", "z9hG4bK-rt", 1)
				if err := c.Send(ctx, []byte(req)); err != nil {
					t.Fatal(err)
				}
				p, err := l.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if string(p.Data) != req {
					t.Fatalf("listener got %q, want %q", p.Data, req)
				}
				if p.Src != c.LocalAddr() || p.Transport != tr {
					t.Errorf("listener packet Src=%q Transport=%q, want %q %q", p.Src, p.Transport, c.LocalAddr(), tr)
				}
				resp := response(200, "OK", "OPTIONS", "z9hG4bK-rt", 1)
				if err := l.Reply(ctx, p, []byte(resp)); err != nil {
					t.Fatal(err)
				}
				got, err := c.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if string(got.Data) != resp || got.Src != l.Addr() || got.Dst != c.LocalAddr() {
					t.Errorf("client got %q from %s to %s", firstLine(got.Data), got.Src, got.Dst)
				}
				cev, sev := cliLog.Take(), srvLog.Take()
				if len(cev) != 2 || cev[0].Dir != "sent" || cev[1].Dir != "recv" || cev[1].Data != resp {
					t.Errorf("client evidence = %+v", cev)
				}
				if len(sev) != 2 || sev[0].Dir != "recv" || sev[1].Dir != "sent" {
					t.Errorf("server evidence = %+v", sev)
				}
				if n := len(cliLog.Take()); n != 0 {
					t.Errorf("Take did not reset: %d left", n)
				}
			})
		}
	}
}

func TestLocalAddrSourceB(t *testing.T) {
	for _, tr := range []string{"udp", "tcp", "ws"} {
		t.Run(tr, func(t *testing.T) {
			l := listenT(t, tr, "127.0.0.1:0", Options{})
			c := dialT(t, targetOf(t, tr, l.Addr()), Options{LocalAddr: "127.0.0.2"})
			ctx := testCtx(t, 5*time.Second)
			if err := c.Send(ctx, []byte(request("OPTIONS", "z9hG4bK-b", 1))); err != nil {
				t.Fatal(err)
			}
			p, err := l.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ap, err := netip.ParseAddrPort(p.Src)
			if err != nil || ap.Addr() != netip.MustParseAddr("127.0.0.2") {
				t.Fatalf("source seen by listener = %q, want 127.0.0.2", p.Src)
			}
			if !strings.HasPrefix(c.LocalAddr(), "127.0.0.2:") {
				t.Errorf("LocalAddr = %q", c.LocalAddr())
			}
		})
	}
	t.Run("udp-fixed-port", func(t *testing.T) {
		// Pick a free port, release it, and bind to it explicitly.
		pc, err := net.ListenPacket("udp4", "127.0.0.2:0")
		if err != nil {
			t.Fatal(err)
		}
		want := pc.LocalAddr().String()
		_ = pc.Close()
		l := listenT(t, "udp", "127.0.0.1:0", Options{})
		c := dialT(t, targetOf(t, "udp", l.Addr()), Options{LocalAddr: want})
		if c.LocalAddr() != want {
			t.Errorf("LocalAddr = %q, want %q", c.LocalAddr(), want)
		}
	})
}

func TestRecvTimeout(t *testing.T) {
	for _, tr := range []string{"udp", "tcp", "tls", "ws"} {
		t.Run(tr, func(t *testing.T) {
			l := listenT(t, tr, "127.0.0.1:0", Options{TLSConfig: testTLSConfig(t)})
			c := dialT(t, targetOf(t, tr, l.Addr()), Options{})
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.Recv(ctx)
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTimeout) {
				t.Fatalf("Recv error = %v, want DeadlineExceeded and ErrTimeout", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Recv took %v", d)
			}
			// Cancellation interrupts a Recv without deadline.
			ctx2, cancel2 := context.WithCancel(t.Context())
			time.AfterFunc(30*time.Millisecond, cancel2)
			if _, err := c.Recv(ctx2); !errors.Is(err, context.Canceled) {
				t.Fatalf("Recv after cancel = %v, want Canceled", err)
			}
			// The Conn still works afterwards.
			ctx3 := testCtx(t, 5*time.Second)
			if err := c.Send(ctx3, []byte(request("OPTIONS", "z9hG4bK-after", 1))); err != nil {
				t.Fatal(err)
			}
			p, err := l.Recv(ctx3)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Reply(ctx3, p, []byte(response(200, "OK", "OPTIONS", "z9hG4bK-after", 1))); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Recv(ctx3); err != nil {
				t.Fatalf("Recv after timeouts: %v", err)
			}
			// Listener Recv times out too.
			lctx, lcancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
			defer lcancel()
			if _, err := l.Recv(lctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("listener Recv = %v", err)
			}
		})
	}
}

func TestCloseUnblocksRecv(t *testing.T) {
	for _, tr := range []string{"udp", "tcp", "ws"} {
		t.Run(tr, func(t *testing.T) {
			l := listenT(t, tr, "127.0.0.1:0", Options{})
			c := dialT(t, targetOf(t, tr, l.Addr()), Options{})
			errc := make(chan error, 2)
			go func() { _, err := c.Recv(t.Context()); errc <- err }()
			go func() { _, err := l.Recv(t.Context()); errc <- err }()
			time.Sleep(30 * time.Millisecond)
			_ = c.Close()
			_ = l.Close()
			for range 2 {
				select {
				case err := <-errc:
					if err == nil {
						t.Error("Recv returned no error after Close")
					}
				case <-time.After(3 * time.Second):
					t.Fatal("Recv still blocked after Close")
				}
			}
		})
	}
}

func TestUDPReplyFromOtherPort(t *testing.T) {
	l := listenT(t, "udp", "127.0.0.1:0", Options{})
	other := listenT(t, "udp", "127.0.0.1:0", Options{})
	c := dialT(t, targetOf(t, "udp", l.Addr()), Options{})
	ctx := testCtx(t, 5*time.Second)
	if err := c.Send(ctx, []byte(request("OPTIONS", "z9hG4bK-o", 1))); err != nil {
		t.Fatal(err)
	}
	p, err := l.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp := response(200, "OK", "OPTIONS", "z9hG4bK-o", 1)
	if err := other.SendTo(ctx, []byte(resp), p.Src); err != nil {
		t.Fatal(err)
	}
	got, err := c.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Src != other.Addr() || string(got.Data) != resp {
		t.Fatalf("got %q from %s, want reply from %s", firstLine(got.Data), got.Src, other.Addr())
	}
	// And the Conn can answer that other address with SendTo.
	if err := c.SendTo(ctx, []byte("ping"), got.Src); err != nil {
		t.Fatal(err)
	}
	if p, err := other.Recv(ctx); err != nil || string(p.Data) != "ping" {
		t.Fatalf("other got %q, %v", p.Data, err)
	}
}

// rawServer accepts one TCP connection and runs serve on it.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { _ = ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c)
	}()
	return ln.Addr().String()
}

func TestTCPFraming(t *testing.T) {
	body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"
	m1 := response(100, "Trying", "INVITE", "z9hG4bK-p", 1)
	m2 := strings.Replace(response(486, "Busy Here", "INVITE", "z9hG4bK-p", 1), "Content-Length: 0\r\n\r\n",
		fmt.Sprintf("Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", len(body), body), 1)
	addr := rawServer(t, func(c net.Conn) {
		// Two pipelined messages, keep-alive CRLFs between, one write.
		_, _ = c.Write([]byte("\r\n\r\n" + m1 + "\r\n" + m2))
		_, _ = io.Copy(io.Discard, c)
	})
	c := dialT(t, targetOf(t, "tcp", addr), Options{})
	ctx := testCtx(t, 5*time.Second)
	for i, want := range []string{m1, m2} {
		p, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if string(p.Data) != want {
			t.Fatalf("message %d = %q, want %q", i, p.Data, want)
		}
	}
}

func TestOversize(t *testing.T) {
	t.Run("tcp-content-length", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) {
			msg := strings.Replace(response(200, "OK", "OPTIONS", "z9hG4bK-x", 1), "Content-Length: 0", "Content-Length: 100000", 1)
			_, _ = c.Write([]byte(msg))
			_, _ = io.Copy(io.Discard, c)
		})
		c := dialT(t, targetOf(t, "tcp", addr), Options{})
		_, err := c.Recv(testCtx(t, 5*time.Second))
		if !errors.Is(err, sip.ErrTooLarge) {
			t.Fatalf("Recv = %v, want sip.ErrTooLarge", err)
		}
	})
	t.Run("udp-datagram", func(t *testing.T) {
		l := listenT(t, "udp", "127.0.0.1:0", Options{})
		c := dialT(t, targetOf(t, "udp", l.Addr()), Options{Limits: sip.Limits{MaxMessageSize: 1000}})
		ctx := testCtx(t, 5*time.Second)
		if err := l.SendTo(ctx, bytes.Repeat([]byte("A"), 2000), c.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Recv(ctx); !errors.Is(err, sip.ErrTooLarge) {
			t.Fatalf("Recv = %v, want sip.ErrTooLarge", err)
		}
		if err := l.SendTo(ctx, []byte("small"), c.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if p, err := c.Recv(ctx); err != nil || string(p.Data) != "small" {
			t.Fatalf("Recv after oversize = %q, %v", p.Data, err)
		}
	})
	t.Run("ws-message", func(t *testing.T) {
		l := listenT(t, "ws", "127.0.0.1:0", Options{Limits: sip.Limits{MaxMessageSize: 1000}})
		c := dialT(t, targetOf(t, "ws", l.Addr()), Options{})
		ctx := testCtx(t, 5*time.Second)
		_ = c.Send(ctx, bytes.Repeat([]byte("A"), 5000))
		lctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if p, err := l.Recv(lctx); err == nil {
			t.Fatalf("listener accepted %d-byte message over a 1000-byte limit", len(p.Data))
		}
		// The listener dropped that connection.
		if _, err := c.Recv(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("client Recv = %v, want connection error", err)
		}
	})
}

func TestGarbagePeer(t *testing.T) {
	cases := []struct {
		name    string
		garbage []byte
		wantErr error // nil: only require a prompt error
	}{
		{"no-newline", bytes.Repeat([]byte("x"), 1<<20), sip.ErrTooLarge},
		{"endless-headers", bytes.Repeat([]byte("X-A: b\r\n"), 1<<17), sip.ErrTooLarge},
		{"crlf-flood", bytes.Repeat([]byte("\r\n"), 1<<19), nil},
	}
	for _, tc := range cases {
		t.Run("client/"+tc.name, func(t *testing.T) {
			addr := rawServer(t, func(c net.Conn) {
				_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				_, _ = c.Write(tc.garbage)
				time.Sleep(100 * time.Millisecond)
			})
			c := dialT(t, targetOf(t, "tcp", addr), Options{})
			start := time.Now()
			_, err := c.Recv(testCtx(t, 3*time.Second))
			if err == nil {
				t.Fatal("Recv returned a message from garbage")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Recv = %v, want %v", err, tc.wantErr)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("Recv took %v", d)
			}
		})
	}
	t.Run("listener", func(t *testing.T) {
		l := listenT(t, "tcp", "127.0.0.1:0", Options{})
		bad, err := net.Dial("tcp", l.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer bad.Close()
		go func() {
			_ = bad.SetWriteDeadline(time.Now().Add(3 * time.Second))
			_, _ = bad.Write(bytes.Repeat([]byte("garbage"), 1<<16))
		}()
		// The listener hangs up on the bad peer...
		_ = bad.SetReadDeadline(time.Now().Add(3 * time.Second))
		// (EOF, or a reset since the listener closes with unread data.)
		if _, err := io.Copy(io.Discard, bad); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("bad peer was not disconnected: %v", err)
		}
		// ...and keeps serving good ones.
		c := dialT(t, targetOf(t, "tcp", l.Addr()), Options{})
		ctx := testCtx(t, 3*time.Second)
		req := request("OPTIONS", "z9hG4bK-good", 1)
		if err := c.Send(ctx, []byte(req)); err != nil {
			t.Fatal(err)
		}
		p, err := l.Recv(ctx)
		if err != nil || string(p.Data) != req {
			t.Fatalf("listener Recv = %q, %v", firstLine(p.Data), err)
		}
	})
}

func TestListenerSendTo(t *testing.T) {
	t.Run("tcp-existing", func(t *testing.T) {
		l := listenT(t, "tcp", "127.0.0.1:0", Options{})
		c := dialT(t, targetOf(t, "tcp", l.Addr()), Options{})
		ctx := testCtx(t, 5*time.Second)
		if err := c.Send(ctx, []byte(request("REGISTER", "z9hG4bK-r", 1))); err != nil {
			t.Fatal(err)
		}
		p, err := l.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		req := request("OPTIONS", "z9hG4bK-srv", 7)
		if err := l.SendTo(ctx, []byte(req), p.Src); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Recv(ctx); err != nil || string(got.Data) != req {
			t.Fatalf("client got %q, %v", firstLine(got.Data), err)
		}
	})
	for _, tr := range []string{"tcp", "tls"} {
		t.Run(tr+"-dial", func(t *testing.T) {
			cfg := testTLSConfig(t)
			dst := listenT(t, tr, "127.0.0.1:0", Options{TLSConfig: cfg})
			l := listenT(t, tr, "127.0.0.1:0", Options{TLSConfig: cfg})
			ctx := testCtx(t, 5*time.Second)
			req := request("NOTIFY", "z9hG4bK-n", 1)
			if err := l.SendTo(ctx, []byte(req), dst.Addr()); err != nil {
				t.Fatal(err)
			}
			p, err := dst.Recv(ctx)
			if err != nil || string(p.Data) != req {
				t.Fatalf("got %q, %v", firstLine(p.Data), err)
			}
			// The reply comes back over the connection l dialled.
			resp := response(200, "OK", "NOTIFY", "z9hG4bK-n", 1)
			if err := dst.Reply(ctx, p, []byte(resp)); err != nil {
				t.Fatal(err)
			}
			if got, err := l.Recv(ctx); err != nil || string(got.Data) != resp {
				t.Fatalf("reply %q, %v", firstLine(got.Data), err)
			}
		})
	}
	t.Run("ws-unknown", func(t *testing.T) {
		l := listenT(t, "ws", "127.0.0.1:0", Options{})
		err := l.SendTo(testCtx(t, time.Second), []byte("x"), "127.0.0.1:9")
		if !errors.Is(err, ErrNoConnection) {
			t.Fatalf("SendTo = %v, want ErrNoConnection", err)
		}
	})
}

func TestWebSocket(t *testing.T) {
	t.Run("binary-frame", func(t *testing.T) {
		l := listenT(t, "ws", "127.0.0.1:0", Options{})
		c := dialT(t, targetOf(t, "ws", l.Addr()), Options{})
		ctx := testCtx(t, 5*time.Second)
		msg := append([]byte(request("MESSAGE", "z9hG4bK-bin", 1)), 0xff, 0xfe, 0x00)
		if err := c.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		if p, err := l.Recv(ctx); err != nil || !bytes.Equal(p.Data, msg) {
			t.Fatalf("got %q, %v", p.Data, err)
		}
	})
	t.Run("no-subprotocol", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			wc, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			_ = wc.CloseNow()
		}))
		defer srv.Close()
		addr := strings.TrimPrefix(srv.URL, "http://")
		_, err := Dial(testCtx(t, 5*time.Second), targetOf(t, "ws", addr), Options{})
		if !errors.Is(err, ErrSubprotocol) {
			t.Fatalf("Dial = %v, want ErrSubprotocol", err)
		}
	})
}

func TestErrors(t *testing.T) {
	ctx := testCtx(t, 5*time.Second)
	l := listenT(t, "tcp", "127.0.0.1:0", Options{})
	c := dialT(t, targetOf(t, "tcp", l.Addr()), Options{})
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"sendto-tcp", c.SendTo(ctx, []byte("x"), "127.0.0.1:1"), ErrUnsupported},
		{"bad-transport", func() error { _, err := Dial(ctx, targetOf(t, "sctp", "127.0.0.1:1"), Options{}); return err }(), ErrBadTransport},
		{"listen-bad-transport", func() error { _, err := Listen(ctx, "sctp", "127.0.0.1:0", Options{}); return err }(), ErrBadTransport},
		{"tls-no-cert", func() error { _, err := Listen(ctx, "tls", "127.0.0.1:0", Options{}); return err }(), ErrNoCertificate},
		{"bad-local", func() error {
			_, err := Dial(ctx, targetOf(t, "udp", "127.0.0.1:5060"), Options{LocalAddr: "nope"})
			return err
		}(), ErrBadAddress},
		{"bad-dst", func() error {
			u := listenT(t, "udp", "127.0.0.1:0", Options{})
			return u.SendTo(ctx, []byte("x"), "host:1")
		}(), ErrBadAddress},
		{"reply-unknown", l.Reply(ctx, Packet{Src: "127.0.0.1:9"}, []byte("x")), ErrNoConnection},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Fatalf("error = %v, want %v", tc.err, tc.want)
			}
		})
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, tr := range []string{"udp", "tcp", "tls", "ws"} {
		l, err := Listen(t.Context(), tr, "127.0.0.1:0", Options{TLSConfig: testTLSConfig(t)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := Dial(testCtx(t, 5*time.Second), targetOf(t, tr, l.Addr()), Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := testCtx(t, 5*time.Second)
		if err := c.Send(ctx, []byte(request("OPTIONS", "z9hG4bK-l", 1))); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Recv(ctx); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		_ = l.Close()
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
