package capture

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestWorkersDeterministic checks that the number of media workers does
// not change the results, with and without audio extraction, on the
// synthetic capture and on a real SRTP capture.
func TestWorkersDeterministic(t *testing.T) {
	b, _ := synthetic(t)
	synth := b.pcap(layers.LinkTypeEthernet, false)
	render := func(rep *Report) string {
		js, err := json.Marshal(Results(rep, ResultOptions{Target: "x", Reveal: true}))
		if err != nil {
			t.Fatal(err)
		}
		return string(js)
	}
	for _, audio := range []bool{false, true} {
		var want string
		for _, workers := range []int{1, 2, 5} {
			o := Options{Workers: workers}
			if audio {
				o.Audio = newMemStore()
			}
			rep, _ := analyze(t, synth, o)
			got := render(rep)
			if workers == 1 {
				want = got
				continue
			}
			if got != want {
				t.Errorf("audio %v: %d workers give other results than 1", audio, workers)
			}
		}
	}
	t.Run("direct", func(t *testing.T) {
		// Packets handed to Analyzer.Packet by the caller (not read by
		// Analyze: no parse ahead, no classification by the reader) give
		// the same results, with one worker and with several.
		for _, workers := range []int{1, 2} {
			want, _ := analyze(t, synth, Options{Workers: workers})
			a := NewAnalyzer(Options{Workers: workers})
			if _, err := Read(t.Context(), bytes.NewReader(synth), a.Packet); err != nil {
				t.Fatal(err)
			}
			if render(a.Finish()) != render(want) {
				t.Errorf("%d workers: packets fed directly give other results than Analyze", workers)
			}
		}
	})
	t.Run("real", func(t *testing.T) {
		var want string
		for _, workers := range []int{1, 3} {
			rep, _, err := AnalyzeFile(t.Context(), filepath.Join("testdata", "real", "srtp.pcapng"), Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if got := render(rep); workers == 1 {
				want = got
			} else if got != want {
				t.Errorf("%d workers give other results than 1", workers)
			}
		}
	})
}

// TestSRTPSample checks the default SRTP sampling: the key is verified,
// only srtpSample audio packets of a longer stream are decrypted (the rest
// counted as skipped, except one in srtpKeepAlive), every DTMF event is
// still recovered, and Options.DecryptAll decrypts everything.
func TestSRTPSample(t *testing.T) {
	path := filepath.Join("testdata", "real", "srtp.pcapng")
	full, _, err := AnalyzeFile(t.Context(), path, Options{DecryptAll: true})
	if err != nil {
		t.Fatal(err)
	}
	sampled, _, err := AnalyzeFile(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Streams) != len(sampled.Streams) || len(full.Streams) == 0 {
		t.Fatalf("streams: %d vs %d", len(full.Streams), len(sampled.Streams))
	}
	for i, f := range full.Streams {
		s := sampled.Streams[i]
		if !f.Decrypted || !s.Decrypted || f.SRTPSkipped != 0 || f.AuthFailures != 0 || s.AuthFailures != 0 {
			t.Errorf("stream %s: full %+v sampled %+v", f.SSRC, f, s)
		}
		if f.SRTPVerified <= srtpSample || s.SRTPVerified < srtpSample || s.SRTPSkipped == 0 ||
			s.SRTPVerified+s.SRTPSkipped != f.SRTPVerified {
			t.Errorf("stream %s: verified %d (full %d), skipped %d", f.SSRC, s.SRTPVerified, f.SRTPVerified, s.SRTPSkipped)
		}
		if s.AudioSeconds <= 1 || s.AudioSeconds >= f.AudioSeconds {
			t.Errorf("stream %s: sampled audio %.2f s, full %.2f s", f.SSRC, s.AudioSeconds, f.AudioSeconds)
		}
	}
	digits := func(r *Report) (s string) {
		for _, d := range r.DTMF {
			s += d.Digit
		}
		return s
	}
	if digits(full) != "2580" || digits(sampled) != digits(full) {
		t.Errorf("DTMF: full %q, sampled %q", digits(full), digits(sampled))
	}
}
