package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/sipvet/sipvet/internal/digest"
)

// memStore is an in-memory AudioStore.
type memStore struct{ files map[string]*memFile }

type memFile struct {
	b   []byte
	off int
}

func (f *memFile) Write(p []byte) (int, error) {
	if need := f.off + len(p); need > len(f.b) {
		f.b = append(f.b, make([]byte, need-len(f.b))...)
	}
	copy(f.b[f.off:], p)
	f.off += len(p)
	return len(p), nil
}

func (f *memFile) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("unsupported")
	}
	f.off = int(off)
	return off, nil
}

func (f *memFile) Close() error { return nil }

func newMemStore() *memStore { return &memStore{files: map[string]*memFile{}} }

func (m *memStore) Create(name string) (WAVFile, error) {
	f := &memFile{}
	m.files[name] = f
	return f, nil
}

func (m *memStore) Open(name string) (io.ReadCloser, error) {
	f, ok := m.files[name]
	if !ok {
		return nil, errors.New("no such file")
	}
	return io.NopCloser(bytes.NewReader(f.b)), nil
}

func (m *memStore) Remove(name string) error { delete(m.files, name); return nil }
func (m *memStore) Path(name string) string  { return name }

func (m *memStore) wav(t *testing.T, name string) ([]int16, int) {
	s, ch, _ := m.wavRate(t, name)
	return s, ch
}

// wavRate returns the samples, channels and sample rate of a WAV file.
func (m *memStore) wavRate(t *testing.T, name string) ([]int16, int, int) {
	t.Helper()
	f, ok := m.files[name]
	if !ok {
		t.Fatalf("no audio file %q (have %v)", name, m.names())
	}
	s, ch, rate, err := ReadWAV(bytes.NewReader(f.b))
	if err != nil {
		t.Fatal(err)
	}
	return s, ch, rate
}

func (m *memStore) names() []string {
	var n []string
	for k := range m.files {
		n = append(n, k)
	}
	return n
}

// xcorr returns the best normalised cross-correlation of x against ref over
// lags up to maxLag samples.
func xcorr(ref, x []int16, maxLag int) float64 {
	best := 0.0
	for lag := -maxLag; lag <= maxLag; lag++ {
		var sxy, sxx, syy float64
		for i := range ref {
			j := i + lag
			if j < 0 || j >= len(x) {
				continue
			}
			a, b := float64(ref[i]), float64(x[j])
			sxy += a * b
			sxx += a * a
			syy += b * b
		}
		if sxx > 0 && syy > 0 {
			best = math.Max(best, sxy/math.Sqrt(sxx*syy))
		}
	}
	return best
}

func TestSyntheticGroundTruth(t *testing.T) {
	b, tr := synthetic(t)
	store := newMemStore()
	rep, st := analyze(t, b.pcap(layers.LinkTypeEthernet, false), Options{Audio: store})
	if st.Stopped != nil || st.Reassembled != 1 {
		t.Fatalf("read stats %+v", st)
	}
	t.Run("digest", func(t *testing.T) {
		if len(rep.Digests) != 1 {
			t.Fatalf("digests = %d, want 1", len(rep.Digests))
		}
		d := rep.Digests[0]
		if d.Challenge == nil || d.Credentials.Username != tr.user || d.Credentials.QOP != "auth" {
			t.Fatalf("digest %+v", d)
		}
		ok, err := digest.Verify(&d.Credentials, d.Request, tr.password)
		if err != nil || !ok {
			t.Fatalf("captured digest does not verify with the known password: %v %v", ok, err)
		}
	})
	t.Run("streams", func(t *testing.T) {
		if len(rep.Streams) != 5 {
			for _, s := range rep.Streams {
				t.Logf("%+v", s)
			}
			t.Fatalf("streams = %d, want 5", len(rep.Streams))
		}
		for _, s := range rep.Streams[:2] {
			if s.Encrypted || s.WAV == "" || s.AudioSeconds < 0.99 {
				t.Errorf("cleartext stream %+v", s)
			}
		}
		got, _ := store.wav(t, rep.Streams[0].WAV)
		if c := xcorr(tr.srcA, got, 200); c < 0.95 {
			t.Errorf("PCMU audio correlation %.3f < 0.95", c)
		}
		got, _ = store.wav(t, rep.Streams[1].WAV)
		if c := xcorr(tr.srcB, got, 200); c < 0.95 {
			t.Errorf("PCMA audio correlation %.3f < 0.95", c)
		}
		if len(rep.Calls) != 1 {
			t.Fatalf("calls %+v", rep.Calls)
		}
		st, ch := store.wav(t, rep.Calls[0].WAV)
		if ch != 2 || len(st) < 2*len(tr.srcA) {
			t.Errorf("stereo call file: %d channels, %d samples", ch, len(st))
		}
	})
	t.Run("srtp", func(t *testing.T) {
		var a, bs *StreamSummary
		for i := range rep.Streams {
			switch rep.Streams[i].SSRC {
			case "0x33333333":
				a = &rep.Streams[i]
			case "0x44444444":
				bs = &rep.Streams[i]
			}
		}
		if a == nil || bs == nil {
			t.Fatal("SRTP streams missing")
		}
		if !a.Encrypted || !a.Decrypted || a.AuthFailures != 0 || a.Suite != "AES_CM_128_HMAC_SHA1_80" || a.SRTCPDecrypted != 1 {
			t.Errorf("SRTP A %+v", a)
		}
		got, _ := store.wav(t, a.WAV)
		if c := xcorr(tr.srcA, got, 200); c < 0.95 {
			t.Errorf("decrypted SRTP audio correlation %.3f < 0.95", c)
		}
		if !bs.Decrypted || bs.Suite != "AES_CM_128_HMAC_SHA1_32" || bs.BitsPerPacket < 3 {
			t.Errorf("SRTP B (VBR) %+v", bs)
		}
		if len(rep.SDES) != 2 || !bytes.Equal(append(append([]byte{}, rep.SDES[0].Key.Key...), rep.SDES[0].Key.Salt...), tr.keyA) {
			t.Errorf("SDES keys %+v", rep.SDES)
		}
	})
	t.Run("dtmf", func(t *testing.T) {
		var inband, events strings.Builder
		for _, d := range rep.DTMF {
			if d.Source == "inband" {
				inband.WriteString(d.Digit)
			} else {
				events.WriteString(d.Digit)
			}
		}
		// The in-band digits appear twice: in the cleartext and in the decrypted SRTP stream.
		if inband.String() != tr.inband+tr.inband || events.String() != tr.events {
			t.Errorf("dtmf inband %q events %q, want %q %q", inband.String(), events.String(), tr.inband+tr.inband, tr.events)
		}
	})
	t.Run("without WAV", func(t *testing.T) {
		// G.711 decoded straight into the DTMF detector (no audio store):
		// the same digits, times and audio lengths.
		plain, _ := analyze(t, b.pcap(layers.LinkTypeEthernet, false), Options{DecryptAll: true})
		if !slices.Equal(plain.DTMF, rep.DTMF) {
			t.Errorf("DTMF without WAV %+v, with %+v", plain.DTMF, rep.DTMF)
		}
		for i, s := range plain.Streams {
			if w := rep.Streams[i]; s.AudioSeconds != w.AudioSeconds || s.Packets != w.Packets {
				t.Errorf("stream %s without WAV: %.3f s of %d packets, with WAV %.3f s of %d", s.SSRC, s.AudioSeconds, s.Packets, w.AudioSeconds, w.Packets)
			}
		}
	})
	t.Run("traces", func(t *testing.T) {
		if len(rep.Injections) != 1 || rep.Injections[0].Kind != "two-sources" {
			t.Errorf("injections %+v", rep.Injections)
		}
		if len(rep.RTCPSpoofs) != 1 || rep.RTCPSpoofs[0].Kind != "BYE" || rep.RTCPSpoofs[0].From != evil+":5555" {
			t.Errorf("rtcp spoofs %+v", rep.RTCPSpoofs)
		}
		if len(rep.Fallbacks) != 1 || rep.Fallbacks[0].Client != "10.0.0.5" {
			t.Errorf("fallbacks %+v", rep.Fallbacks)
		}
		if !contains(rep.Harvest.Extensions, "1000") || !contains(rep.Harvest.Extensions, "2000") || !contains(rep.Harvest.DisplayNames, "Alice A") {
			t.Errorf("harvest %+v", rep.Harvest)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSizeCountsJSON holds SizeCounts' encoding to encoding/json's for a
// map[int]int64: keys in the order of their strings, nil as null.
func TestSizeCountsJSON(t *testing.T) {
	seed := uint32(3)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	cases := []SizeCounts{nil, {}, {170: 331}, {2: 1, 10: 2, 100: 3, 1000: 4, 9: 5}, {-5: 1, -40: 2, 0: 3, 7: -1},
		{99999999999999999: 1, 9: 2, 1e16: 3, 1e17: 4, 0: 5}, {20: 1, 200: 2, 2: 3, 21: 4, 199: 5}}
	for range 200 {
		c := SizeCounts{}
		for range next() % 40 {
			c[int(next()%3000)-100] = int64(next() % 100000)
		}
		cases = append(cases, c)
	}
	for _, c := range cases {
		got, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(map[int]int64(c))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("SizeCounts %v encodes as\n%s\nencoding/json gives\n%s", c, got, want)
		}
	}
}
