package transport

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// TestDialRaw: raw TCP and UDP connections carry bytes both ways, report
// every read and write to the observers with the right endpoints, and die
// with their context.
func TestDialRaw(t *testing.T) {
	tl, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	go func() {
		c, err := tl.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		_, _ = c.Write(append([]byte("echo:"), buf[:n]...))
	}()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	other, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		buf := make([]byte, 64)
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		// Answer from another port, as TFTP servers do.
		_, _ = other.WriteTo(buf[:n], from)
	}()
	cases := []struct {
		network, addr string
	}{
		{"tcp", tl.Addr().String()},
		{"udp", pc.LocalAddr().String()},
	}
	for _, c := range cases {
		t.Run(c.network, func(t *testing.T) {
			var mu sync.Mutex
			var seen []Packet
			obs := func(d Direction, p Packet) {
				mu.Lock()
				seen = append(seen, p)
				mu.Unlock()
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			rc, err := DialRaw(ctx, c.network, c.addr, Options{Observers: []Observer{obs}})
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if _, err := rc.Write([]byte("hi")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, from, err := rc.ReadFromAddr(buf)
			if err != nil || n == 0 {
				t.Fatalf("read: %d %v", n, err)
			}
			if c.network == "udp" && from != other.LocalAddr().String() {
				t.Errorf("reply from %s, want %s", from, other.LocalAddr())
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 2 || seen[0].Transport != c.network || string(seen[0].Data) != "hi" || seen[0].Dst != c.addr {
				t.Errorf("observed %+v", seen)
			}
		})
	}
	t.Run("context ends the connection", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		rc, err := DialRaw(ctx, "udp", pc.LocalAddr().String(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		_ = rc.SetReadDeadline(time.Now().Add(time.Hour))
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		start := time.Now()
		if _, err := rc.Read(make([]byte, 8)); err == nil || time.Since(start) > 2*time.Second {
			t.Errorf("read after cancel: %v after %v", err, time.Since(start))
		}
	})
	t.Run("bad input", func(t *testing.T) {
		if _, err := DialRaw(t.Context(), "sctp", "127.0.0.1:1", Options{}); !errors.Is(err, ErrBadTransport) {
			t.Errorf("sctp: %v", err)
		}
		if _, err := DialRaw(t.Context(), "tcp", "127.0.0.1", Options{}); !errors.Is(err, ErrBadAddress) {
			t.Errorf("no port: %v", err)
		}
		rc, err := DialRaw(t.Context(), "tcp", tl.Addr().String(), Options{})
		if err == nil {
			defer rc.Close()
			if _, err := rc.WriteToAddr([]byte("x"), "127.0.0.1:9"); !errors.Is(err, ErrUnsupported) {
				t.Errorf("WriteToAddr on tcp: %v", err)
			}
		}
	})
}
