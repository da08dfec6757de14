package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// spandspDecode decodes G.722 with spandsp (the library baresip's g722
// module uses), called from python3 through ctypes: the oracle of the
// decoder. It needs python3 and libspandsp2 (.ci/packages/pcap.txt) and
// fails, not skips, without them.
func spandspDecode(t *testing.T, data []byte) []int16 {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed for the spandsp G.722 oracle")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.g722"), filepath.Join(dir, "out.pcm")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	const script = `
import ctypes, sys
lib = ctypes.CDLL("libspandsp.so.2")
lib.g722_decode_init.restype = ctypes.c_void_p
lib.g722_decode_init.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
lib.g722_decode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_char_p, ctypes.c_int]
data = open(sys.argv[1], "rb").read()
st = lib.g722_decode_init(None, 64000, 0)
amp = (ctypes.c_int16 * (2 * len(data)))()
n = lib.g722_decode(st, amp, data, len(data))
open(sys.argv[2], "wb").write(bytes(amp)[:2 * n])
`
	if msg, err := exec.Command(py, "-c", script, in, out).CombinedOutput(); err != nil {
		t.Fatalf("spandsp oracle: %v\n%s", err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(raw)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	return pcm
}

// TestG722MatchesSpanDSP holds the decoder to spandsp sample for sample on
// the G.722 payloads of the real baresip call and on random codes (every
// code word, saturation of the predictors).
func TestG722MatchesSpanDSP(t *testing.T) {
	var call []byte
	_, err := ReadFile(context.Background(), filepath.Join("testdata", "real", "g722.pcapng"), func(p *Packet) {
		if h, ok := parseRTP(p.Payload); ok && h.pt == 9 && len(call) < 64<<10 {
			call = append(call, p.Payload[h.hlen:]...)
		}
	})
	if err != nil || len(call) < 8000 {
		t.Fatalf("G.722 payloads of the real capture: %d bytes, %v", len(call), err)
	}
	rng := rand.New(rand.NewPCG(7, 22))
	random := make([]byte, 16000)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	for name, data := range map[string][]byte{"baresip call": call, "random codes": random, "all ones": bytes.Repeat([]byte{0xff}, 4000)} {
		t.Run(name, func(t *testing.T) {
			want := spandspDecode(t, data)
			got := newG722Decoder().decode(nil, data)
			if len(got) != len(want) {
				t.Fatalf("%d samples, spandsp %d", len(got), len(want))
			}
			// spandsp 0.0.6 (Debian 12) wraps a QMF output beyond 16 bits
			// around where the Recommendation limits it, as sipvet does:
			// the unlimited value must agree with spandsp modulo 2^16, and
			// the output must be that value limited.
			raw := newG722Decoder()
			clipped := 0
			for i, code := range data {
				x1, x2 := raw.step(code)
				for k, x := range []int32{x1, x2} {
					j := 2*i + k
					if int16(x) != want[j] || got[j] != int16(sat16(x)) {
						t.Fatalf("sample %d: %d (before limiting %d), spandsp %d", j, got[j], x, want[j])
					}
					if x != int32(int16(x)) {
						clipped++
					}
				}
			}
			t.Logf("%d samples equal to spandsp's, %d of them limited where spandsp wraps", len(got), clipped)
		})
	}
}

// FuzzG722 feeds arbitrary payloads to the decoder, split at an arbitrary
// point (the state carries over between packets): no panic, two samples
// per byte, and the split does not change the output.
func FuzzG722(f *testing.F) {
	f.Add([]byte{0x00, 0xff, 0x3f, 0xc0}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, cut uint8) {
		whole := newG722Decoder().decode(nil, data)
		if len(whole) != 2*len(data) {
			t.Fatalf("%d samples from %d bytes", len(whole), len(data))
		}
		k := int(cut) % (len(data) + 1)
		d := newG722Decoder()
		split := d.decode(d.decode(nil, data[:k]), data[k:])
		if !slicesEqual(whole, split) {
			t.Fatal("decoding in two parts differs")
		}
	})
}

func slicesEqual(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
