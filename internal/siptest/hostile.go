package siptest

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// Hostile server modes.
const (
	// HostileGarbage answers every datagram with random non-SIP bytes.
	HostileGarbage = "garbage"
	// HostileHuge answers with a 64 KiB (65507-byte, the UDP maximum) response-looking blob whose header
	// section never ends.
	HostileHuge = "huge"
	// HostileSilent never answers.
	HostileSilent = "silent"
	// HostileSlow answers a valid 200 after SlowDelay.
	HostileSlow = "slow"
	// HostileFlood answers every request with FloodCopies bogus responses.
	HostileFlood = "flood"
)

// Bounds of the hostile server.
const (
	// SlowDelay is how long a "slow" server waits before answering.
	SlowDelay = 20 * time.Second
	// FloodCopies is how many bogus responses a "flood" server sends per
	// request.
	FloodCopies = 50
	// hostileMaxRequests bounds how many datagrams one server answers.
	hostileMaxRequests = 200
	// hugeSize is the largest UDP payload over IPv4 (65535 - 8 - 20),
	// just under 64 KiB.
	hugeSize = 65507
)

// HostileModes returns the modes HostileServer accepts.
func HostileModes() []string {
	return []string{HostileGarbage, HostileHuge, HostileSilent, HostileSlow, HostileFlood}
}

// HostileServer starts a UDP server on 127.0.0.1 that answers every
// datagram in a hostile way (see the Hostile* modes) and returns its
// target, "udp://127.0.0.1:PORT". It stops when the test ends. Every mode is
// bounded: at most 200 datagrams are answered.
func HostileServer(t testing.TB, mode string) string {
	t.Helper()
	switch mode {
	case HostileGarbage, HostileHuge, HostileSilent, HostileSlow, HostileFlood:
	default:
		t.Fatalf("siptest: unknown hostile mode %q (want one of %v)", mode, HostileModes())
	}
	ctx, cancel := background(t)
	ln, err := transport.Listen(ctx, "udp", "127.0.0.1:0", transport.Options{})
	if err != nil {
		cancel()
		t.Fatalf("siptest: hostile server: %v", err)
	}
	h := &hostile{mode: mode, ln: ln, rng: rand.New(rand.NewPCG(1, 2))}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.run(ctx, &wg)
	}()
	t.Cleanup(func() {
		cancel()
		_ = ln.Close()
		wg.Wait()
	})
	return "udp://" + ln.Addr()
}

type hostile struct {
	mode string
	ln   transport.Listener
	rng  *rand.Rand
}

func (h *hostile) run(ctx context.Context, wg *sync.WaitGroup) {
	for n := 0; ; {
		p, err := h.ln.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, transport.ErrClosed) {
				return
			}
			continue
		}
		if n >= hostileMaxRequests {
			continue
		}
		n++
		switch h.mode {
		case HostileGarbage:
			b := make([]byte, 1+h.rng.IntN(512))
			for i := range b {
				b[i] = byte(h.rng.Uint32())
			}
			b[0] = 0xff // never "SIP/2.0"
			_ = h.ln.Reply(ctx, p, b)
		case HostileHuge:
			_ = h.ln.Reply(ctx, p, hugeBlob(p.Data))
		case HostileSilent:
		case HostileSlow:
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.NewTimer(SlowDelay)
				defer t.Stop()
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if req, err := sip.Parse(p.Data); err == nil && req.IsRequest() {
					resp := sip.NewResponse(req, 200, "OK")
					resp.Set("To", resp.Get("To")+";tag=slow")
					_ = h.ln.Reply(ctx, p, resp.Bytes())
				}
			}()
		case HostileFlood:
			bogus := floodResponse(p.Data)
			for range FloodCopies {
				if h.ln.Reply(ctx, p, bogus) != nil {
					break
				}
			}
		}
	}
}

// hugeBlob is a response start line and the request's headers followed by
// filler header lines up to 64 KiB, with no blank line ending the headers.
func hugeBlob(req []byte) []byte {
	var b strings.Builder
	b.WriteString("SIP/2.0 200 OK\r\n")
	if m, err := sip.Parse(req); err == nil {
		for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
			if v := m.Get(name); v != "" {
				b.WriteString(name + ": " + v + "\r\n")
			}
		}
	}
	line := "X-Filler: " + strings.Repeat("A", 1000) + "\r\n"
	for b.Len()+len(line) <= hugeSize {
		b.WriteString(line)
	}
	for b.Len() < hugeSize {
		b.WriteByte('B')
	}
	return []byte(b.String())
}

// floodResponse is a well-formed 200 that matches no transaction: wrong
// branch, Call-ID and CSeq.
func floodResponse(req []byte) []byte {
	host := "127.0.0.1"
	if m, err := sip.Parse(req); err == nil {
		if v, err := m.TopVia(); err == nil {
			host = v.SentBy()
		}
	}
	return []byte("SIP/2.0 200 OK\r\n" +
		"Via: SIP/2.0/UDP " + host + ";branch=z9hG4bK-flood-0000\r\n" +
		"From: <sip:flood@127.0.0.1>;tag=flood\r\n" +
		"To: <sip:flood@127.0.0.1>;tag=flood\r\n" +
		"Call-ID: flood-bogus@127.0.0.1\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n")
}
