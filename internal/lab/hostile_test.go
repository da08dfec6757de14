package lab_test

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// syncBuffer is a bytes.Buffer safe for the lab's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// hostileInputs returns the RFC 4475 torture corpus of internal/sip (when
// present), random datagrams and bit-flipped variants of a valid INVITE.
func hostileInputs(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	files, _ := filepath.Glob("../sip/testdata/torture/*/*.dat")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if len(files) == 0 {
		t.Log("no torture corpus in ../sip/testdata/torture; random inputs only")
	}
	rng := rand.New(rand.NewPCG(4475, 3261))
	for range 100 {
		b := make([]byte, 1+rng.IntN(1400))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		out = append(out, b)
	}
	base := []byte("INVITE sip:echo@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK1;rport\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:echo@127.0.0.1>\r\nCall-ID: h1\r\nCSeq: 1 INVITE\r\n" +
		"Authorization: Digest username=\"alice\", realm=\"sipvet.lab\", nonce=\"n\", uri=\"sip:echo@127.0.0.1\", response=\"r\", qop=auth, nc=00000001, cnonce=\"c\"\r\n" +
		"Contact: <sip:a@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\nContent-Length: 63\r\n\r\n" +
		"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 5998 RTP/AVP 0\r\na=rtcp:1\r\nt=0 0\r\n")
	for range 200 {
		b := bytes.Clone(base)
		for range 1 + rng.IntN(8) {
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		}
		out = append(out, b)
	}
	return out
}

func TestHostileInput(t *testing.T) {
	siptest.CheckGoroutines(t)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))
	l := siptest.StartLab(t, lab.Options{MaxCall: 200 * time.Millisecond, Log: log})
	inputs := hostileInputs(t)
	for _, tgt := range l.Targets() {
		tg, err := target.Parse(tgt)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(tg.Transport, func(t *testing.T) {
			var conn transport.Conn
			for i, in := range inputs {
				if conn == nil || tg.Transport != "udp" && i%10 == 0 {
					if conn != nil {
						conn.Close()
					}
					if conn, err = transport.Dial(t.Context(), tg, transport.Options{}); err != nil {
						t.Fatal(err)
					}
				}
				if err := conn.Send(t.Context(), in); err != nil && tg.Transport == "udp" {
					t.Fatalf("send: %v", err)
				}
			}
			// Drain whatever came back, then the lab must still answer.
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			answered := 0
			for {
				if _, err := conn.Recv(ctx); err != nil {
					break
				}
				answered++
			}
			cancel()
			if tg.Transport == "udp" && answered == 0 {
				t.Error("the lab answered none of the hostile datagrams (not even with 400)")
			}
			t.Logf("%d inputs, %d responses", len(inputs), answered)
			conn.Close()
			c := dial(t, tgt, "")
			wantStatus(t, c.do(c.request("OPTIONS", c.labURI(""), "alice", c.labURI(""))), 200)
		})
	}
	if s := logs.String(); strings.Contains(s, "panic") {
		t.Errorf("the lab panicked on hostile input:\n%s", s)
	}
}
