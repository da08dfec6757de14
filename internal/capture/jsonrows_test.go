package capture

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
)

// checkRows compares the rows' own encoding with encoding/json's (and,
// indented, with json.Indent's at several depths): the same bytes, or an
// error from both.
func checkRows(t testing.TB, rows streamRows, vbr vbrRows) {
	t.Helper()
	for _, c := range []struct {
		own      func([]byte) ([]byte, error)
		indented func([]byte, int) ([]byte, error)
		plain    any
	}{{rows.AppendJSON, rows.AppendIndentJSON, []StreamSummary(rows)}, {vbr.AppendJSON, vbr.AppendIndentJSON, []vbrRow(vbr)}} {
		got, gotErr := c.own([]byte("x"))
		want, wantErr := finding.CompactJSON(c.plain)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("own encoding error %v, encoding/json error %v", gotErr, wantErr)
		}
		if gotErr != nil {
			continue
		}
		if !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Fatalf("own encoding\n%s\nencoding/json\n%s", got[1:], want)
		}
		for _, depth := range []int{0, 1, 4} {
			var ind bytes.Buffer
			if err := json.Indent(&ind, want, strings.Repeat("  ", depth), "  "); err != nil {
				t.Fatal(err)
			}
			got, err := c.indented([]byte("x"), depth)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append([]byte("x"), ind.Bytes()...)) {
				t.Fatalf("own indented encoding at depth %d\n%s\njson.Indent\n%s", depth, got[1:], ind.Bytes())
			}
		}
	}
}

func row(str string, f float64, n int64) (StreamSummary, vbrRow) {
	s := StreamSummary{SSRC: str, Src: "127.0.0.1:" + str, Dst: str + str, Codec: str, Packets: n, Seconds: f, Encrypted: n%2 == 0,
		Decrypted: n%3 == 0, WAV: str, AudioSeconds: -f, SampleRate: int(n % 3), FoundBy: str, CallID: str, Suite: str,
		AuthFailures: n % 5, SRTPVerified: n % 7, SRTPSkipped: n % 11, SRTCPDecrypted: n % 13, BitsPerPacket: f / 3, BitsPerSecond: f * 1e7,
		Talkspurts: int(n % 4), SeqJumps: int(n % 6), PayloadEntropy: f * 1e-9}
	if n%4 != 0 {
		s.Sizes = SizeCounts{int(n % 500): n, 170: 3}
	}
	return s, vbrRow{str, str, str, str, n%2 == 0, int(n % 9), f, -f, int(n), n%5 == 0}
}

func TestStreamRowsJSON(t *testing.T) {
	checkRows(t, nil, nil)
	checkRows(t, streamRows{}, vbrRows{})
	strs := []string{"", "0x75b482b3", "PCMU", `a "quoted" \ one`, "tab\there", "nul\x00", "é and 漢字", "bad \xff utf-8", "<sip:a@b>&", "\u2028", "\x7f"}
	floats := []float64{0, 1, -1, 6.596, 1e-7, 1e-6, 9.99e-7, 1e20, 1e21, 1.5e300, -2.5e-9, 123456789.125, math.Copysign(0, -1), 0.1 + 0.2}
	var rows streamRows
	var vbr vbrRows
	for i, s := range strs {
		for j, f := range floats {
			r, v := row(s, f, int64(i*len(floats)+j))
			rows, vbr = append(rows, r), append(vbr, v)
		}
	}
	checkRows(t, rows, vbr)
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		r, v := row("x", bad, 1)
		checkRows(t, streamRows{r}, vbrRows{v})
	}
}

// FuzzStreamRowsJSON: for any string, float and count, the rows' own
// encoding is encoding/json's.
func FuzzStreamRowsJSON(f *testing.F) {
	f.Add("0x75b482b3", 6.596, int64(331))
	f.Add("a\"\\\x00\xff漢", 1e-7, int64(-4))
	f.Fuzz(func(t *testing.T, s string, x float64, n int64) {
		r, v := row(s, x, n)
		checkRows(t, streamRows{r, r}, vbrRows{v})
	})
}
