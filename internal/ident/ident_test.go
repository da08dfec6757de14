package ident

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// series builds n values with f.
func series(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func randHex(r *rand.Rand, chars int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, chars)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

func TestAnalyze(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name        string
		values      []string
		predictable bool
		check       func(t *testing.T, rep Report)
	}{
		{"random 64-bit tags", series(200, func(int) string { return randHex(r, 16) }), false, func(t *testing.T, rep Report) {
			if rep.MinEntropyBits < 38 || rep.MinEntropyBits > 50 {
				t.Errorf("estimate %.1f, want about 44 (2.7 bits per hex character at n=200)", rep.MinEntropyBits)
			}
		}},
		{"random 128-bit nonces", series(200, func(int) string { return randHex(r, 32) }), false, nil},
		{"random 16-bit tags", series(200, func(int) string { return randHex(r, 4) }), true, func(t *testing.T, rep Report) {
			if rep.MinEntropyBits > 17 {
				t.Errorf("estimate %.1f, want at most 16", rep.MinEntropyBits)
			}
		}},
		{"decimal counter", series(200, func(i int) string { return fmt.Sprintf("%d", 1000+i) }), true, func(t *testing.T, rep Report) {
			if !rep.Counter {
				t.Error("counter not detected")
			}
		}},
		{"hex counter with constant prefix", series(200, func(i int) string { return fmt.Sprintf("as%08x", 0xa000+3*i) }), true, func(t *testing.T, rep Report) {
			if !rep.Counter || rep.CommonPrefix == "" {
				t.Errorf("counter %v prefix %q", rep.Counter, rep.CommonPrefix)
			}
		}},
		{"unix timestamps", series(200, func(i int) string { return fmt.Sprintf("%d", 1700000000+i/10) }), true, func(t *testing.T, rep Report) {
			if !rep.Timestamp {
				t.Error("timestamp not detected")
			}
		}},
		{"duplicates", series(200, func(i int) string { return randHex(r, 16)[:0] + fmt.Sprintf("%016x", uint64(i%150)*0x9e3779b97f4a7c15) }), true, func(t *testing.T, rep Report) {
			if rep.Duplicates != 50 {
				t.Errorf("duplicates %d, want 50", rep.Duplicates)
			}
		}},
		{"MAC in Call-ID", series(200, func(int) string { return "001a2b3c4d5e-" + randHex(r, 16) }), true, func(t *testing.T, rep Report) {
			if len(rep.Addresses) == 0 || !strings.Contains(rep.Addresses[0], "00:1a:2b:3c:4d:5e") {
				t.Errorf("addresses %v", rep.Addresses)
			}
		}},
		{"dotted IPv4 in Call-ID", series(200, func(int) string { return randHex(r, 16) + "@192.0.2.7" }), true, func(t *testing.T, rep Report) {
			if len(rep.Addresses) != 1 || rep.Addresses[0] != "ipv4 192.0.2.7" {
				t.Errorf("addresses %v", rep.Addresses)
			}
		}},
		{"kamailio-style nonce: timestamps then keyed hash", series(200, func(i int) string {
			b := make([]byte, 24)
			binary.BigEndian.PutUint32(b, uint32(1700000030+i/50))
			binary.BigEndian.PutUint32(b[4:], uint32(1700000000+i/50))
			for j := 8; j < 24; j++ {
				b[j] = byte(r.IntN(256))
			}
			return base64.StdEncoding.EncodeToString(b)
		}), false, func(t *testing.T, rep Report) {
			if len(rep.Fields) == 0 || rep.Fields[0].Kind != "timestamp" {
				t.Errorf("inner timestamp not reported: %+v", rep.Fields)
			}
			if rep.Encoding != "base64" {
				t.Errorf("encoding %s", rep.Encoding)
			}
		}},
		{"constant hash and request CRC (stateless to-tag)", series(200, func(int) string {
			return "b27e1a1d33761e85846fc98f5f3a7e58-" + randHex(r, 4)
		}), true, func(t *testing.T, rep Report) {
			if rep.MinEntropyBits > 17 {
				t.Errorf("estimate %.1f", rep.MinEntropyBits)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := Analyze("test", c.values)
			if rep.Predictable != c.predictable {
				t.Errorf("predictable %v, want %v: %+v", rep.Predictable, c.predictable, rep)
			}
			if rep.Predictable && len(rep.Reasons) == 0 {
				t.Error("predictable without a reason")
			}
			if c.check != nil {
				c.check(t, rep)
			}
		})
	}
}

func TestAnalyzeInsufficient(t *testing.T) {
	rep := Analyze("to-tag", []string{"1", "2", "3"})
	if !rep.Insufficient || rep.Predictable {
		t.Errorf("3 values: insufficient %v predictable %v", rep.Insufficient, rep.Predictable)
	}
	if rep := Analyze("x", nil); rep.Samples != 0 || !rep.Insufficient {
		t.Errorf("nil input: %+v", rep)
	}
}

func TestThresholds(t *testing.T) {
	th := Thresholds()
	if th["min_entropy_bits"] != MinEntropyBits || th["min_samples"] != MinSamples {
		t.Errorf("thresholds %v", th)
	}
}
