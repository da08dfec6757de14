package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/sipvet/sipvet/internal/finding"
)

var update = flag.Bool("update", false, "update golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run with -update and review the diff\n--- got:\n%s", path, got)
	}
}

func TestGoldenResults(t *testing.T) {
	b, _ := synthetic(t)
	cases := []struct {
		name   string
		reveal bool
	}{{"synthetic.json", false}, {"synthetic-reveal.json", true}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, st := analyze(t, b.pcap(layers.LinkTypeEthernet, false), Options{Audio: newMemStore()})
			rs := Results(rep, ResultOptions{Target: "synthetic.pcap", Reveal: tc.reveal, Read: st,
				Cracking: true, Cracked: []Cracked{{Digest: 0, Password: "secret1"}}})
			if len(rs) != len(Checks()) {
				t.Fatalf("%d results for %d checks", len(rs), len(Checks()))
			}
			for i, r := range rs {
				if r.Check != Checks()[i].ID || !r.Verdict.Valid() {
					t.Errorf("result %d: %s %s", i, r.Check, r.Verdict)
				}
			}
			got, err := json.MarshalIndent(rs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, append(got, '\n'))
		})
	}
}

// TestVerdicts checks the verdict of every capture check on the synthetic capture.
func TestVerdicts(t *testing.T) {
	b, _ := synthetic(t)
	rep, st := analyze(t, b.pcap(layers.LinkTypeEthernet, false), Options{})
	want := map[string]finding.Verdict{
		CheckDigest: finding.Vulnerable, CheckFallback: finding.Vulnerable, CheckAudio: finding.Vulnerable, CheckDTMF: finding.Vulnerable,
		CheckInjection: finding.Vulnerable, CheckRTCPSpoof: finding.Vulnerable, CheckIdentifiers: finding.Inconclusive,
		CheckHarvest: finding.Vulnerable, CheckSDES: finding.Vulnerable, CheckVBR: finding.Vulnerable,
	}
	for _, r := range Results(rep, ResultOptions{Target: "x", Read: st}) {
		if r.Verdict != want[r.Check] {
			t.Errorf("%s: %s (%s), want %s", r.Check, r.Verdict, r.Summary, want[r.Check])
		}
		if r.Data["dtmf"] != nil && r.Data["dtmf"] == "5959" {
			t.Errorf("DTMF digits not masked")
		}
	}
}

// TestLinkTypes reads the same capture in every supported framing.
func TestLinkTypes(t *testing.T) {
	b, _ := synthetic(t)
	cases := []struct {
		name string
		data []byte
	}{
		{"ethernet", b.pcap(layers.LinkTypeEthernet, false)},
		{"ethernet-vlan", b.pcap(layers.LinkTypeEthernet, true)},
		{"sll", b.pcap(layers.LinkTypeLinuxSLL, false)},
		{"sll2", b.pcap(layers.LinkTypeLinuxSLL2, false)},
		{"null", b.pcap(layers.LinkTypeNull, false)},
		{"raw", b.pcap(layers.LinkTypeRaw, false)},
		{"pcapng-ethernet", b.pcapng(layers.LinkTypeEthernet)},
		{"pcapng-sll2", b.pcapng(layers.LinkTypeLinuxSLL2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, st := analyze(t, tc.data, Options{})
			if st.Undecoded != 0 || len(rep.Digests) != 1 || len(rep.Streams) != 5 || len(rep.SDES) != 2 || len(rep.DTMF) != 6 {
				t.Errorf("%+v: digests %d streams %d sdes %d dtmf %d", st, len(rep.Digests), len(rep.Streams), len(rep.SDES), len(rep.DTMF))
			}
		})
	}
}

func TestIPv6(t *testing.T) {
	b := newCap(t)
	msg := sipMsg("REGISTER sip:[2001:db8::10] SIP/2.0", []string{"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK6", "From: <sip:alice@[2001:db8::10]>;tag=a",
		"To: <sip:alice@[2001:db8::10]>", "Call-ID: v6", "CSeq: 2 REGISTER",
		`Authorization: Digest username="alice", realm="v6", nonce="n6", uri="sip:[2001:db8::10]", response="0123456789abcdef0123456789abcdef"`}, "")
	b.udp("[2001:db8::1]:5060", "[2001:db8::10]:5060", msg)
	rep, _ := analyze(t, b.pcap(layers.LinkTypeEthernet, false), Options{})
	if len(rep.Digests) != 1 || rep.Digests[0].Client != "[2001:db8::1]:5060" {
		t.Fatalf("digests %+v", rep.Digests)
	}
}

// TestDamaged: truncated files give what was read and say where reading
// stopped; garbage is ErrFormat.
func TestDamaged(t *testing.T) {
	b, _ := synthetic(t)
	full := b.pcap(layers.LinkTypeEthernet, false)
	ng := b.pcapng(layers.LinkTypeEthernet)
	t.Run("truncated-pcap", func(t *testing.T) {
		rep, st := analyze(t, full[:len(full)*2/3+7], Options{})
		if !errors.Is(st.Stopped, ErrTruncated) || st.StoppedAt == 0 || len(rep.Digests) != 1 {
			t.Fatalf("stats %+v digests %d", st, len(rep.Digests))
		}
	})
	t.Run("truncated-pcapng", func(t *testing.T) {
		_, st := analyze(t, ng[:len(ng)/2+3], Options{})
		if st.Stopped == nil || st.Frames == 0 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("corrupt-record", func(t *testing.T) {
		bad := append([]byte(nil), full...)
		// The caplen of the second record: 24-byte file header, first record.
		first := 24 + 16 + int(le32(bad[24+8:]))
		copy(bad[first+8:], []byte{0xff, 0xff, 0xff, 0x7f})
		rep, st := analyze(t, bad, Options{})
		if st.Stopped == nil || st.StoppedAt != 2 || rep.Packets != 1 {
			t.Fatalf("stats %+v packets %d", st, rep.Packets)
		}
	})
	for _, in := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte{0}, 100)} {
		if _, _, err := Analyze(context.Background(), bytes.NewReader(in), Options{}); !errors.Is(err, ErrFormat) {
			t.Errorf("Analyze(%q) = %v, want ErrFormat", in, err)
		}
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
