package fuzz

import (
	"context"
	"testing"

	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// BenchmarkLoopbackUDPRoundTrip measures the loopback UDP round-trip
// limit through internal/transport: one 500-byte datagram to an echo
// listener and its echo back per iteration. 1/(ns/op) is the most
// request/answer pairs per second one socket can do; scripts/bench-fuzz.sh
// compares the campaign's cases/s with it.
func BenchmarkLoopbackUDPRoundTrip(b *testing.B) {
	ctx := context.Background()
	ln, err := transport.Listen(ctx, "udp", "127.0.0.1:0", transport.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			p, err := ln.Recv(ctx)
			if err != nil {
				return
			}
			_ = ln.Reply(ctx, p, p.Data)
		}
	}()
	tg, _ := target.Parse("udp://" + ln.Addr())
	c, err := transport.Dial(ctx, tg, transport.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 500)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
