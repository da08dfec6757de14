package capture

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/sipvet/sipvet/internal/finding"
)

// streamRows is a report's stream list (data.streams). It encodes itself
// for the JSON report (finding.Appender and finding.IndentAppender),
// exactly as encoding/json (and json.Indent) encode a []StreamSummary:
// TestStreamRowsJSON and FuzzStreamRowsJSON hold it to that.
type streamRows []StreamSummary

// AppendJSON appends the rows' compact JSON to b.
func (rows streamRows) AppendJSON(b []byte) ([]byte, error) {
	return writeJSON(b, false, 0, len(rows)*600, func(w *jsonWriter) error { return w.streams(rows) })
}

// AppendIndentJSON appends the rows' JSON indented by two spaces a level,
// the first line at depth levels.
func (rows streamRows) AppendIndentJSON(b []byte, depth int) ([]byte, error) {
	return writeJSON(b, true, depth, len(rows)*1300, func(w *jsonWriter) error { return w.streams(rows) })
}

func (w *jsonWriter) streams(rows streamRows) error {
	if rows == nil {
		w.null()
		return nil
	}
	w.open('[')
	for i := range rows {
		w.elem()
		if err := w.stream(&rows[i]); err != nil {
			return err
		}
	}
	w.close(']')
	return nil
}

// stream writes one row: the fields in order, omitempty as tagged.
func (w *jsonWriter) stream(s *StreamSummary) error {
	w.open('{')
	w.str("ssrc", s.SSRC)
	w.str("src", s.Src)
	w.str("dst", s.Dst)
	w.str("codec", s.Codec)
	w.int("packets", s.Packets)
	if err := w.float("seconds", s.Seconds); err != nil {
		return err
	}
	w.bool("encrypted", s.Encrypted)
	w.bool("decrypted", s.Decrypted)
	w.str("wav", s.WAV)
	if err := w.float("audio_seconds", s.AudioSeconds); err != nil {
		return err
	}
	if s.SampleRate != 0 {
		w.int("sample_rate", int64(s.SampleRate))
	}
	w.str("found_by", s.FoundBy)
	if s.CallID != "" {
		w.str("call_id", s.CallID)
	}
	if s.Suite != "" {
		w.str("srtp_suite", s.Suite)
	}
	for _, f := range [...]struct {
		key string
		v   int64
	}{{"auth_failures", s.AuthFailures}, {"srtp_verified", s.SRTPVerified}, {"srtp_skipped", s.SRTPSkipped}, {"srtcp_decrypted", s.SRTCPDecrypted}} {
		if f.v != 0 {
			w.int(f.key, f.v)
		}
	}
	w.key("sizes")
	s.Sizes.write(w)
	if err := w.float("bits_per_packet", s.BitsPerPacket); err != nil {
		return err
	}
	if err := w.float("bits_per_second", s.BitsPerSecond); err != nil {
		return err
	}
	if s.Talkspurts != 0 {
		w.int("talkspurts", int64(s.Talkspurts))
	}
	if s.SeqJumps != 0 {
		w.int("seq_jumps", int64(s.SeqJumps))
	}
	if err := w.float("payload_entropy", s.PayloadEntropy); err != nil {
		return err
	}
	w.close('}')
	return nil
}

// vbrRow is one stream of item 22's data.streams.
type vbrRow struct {
	SSRC          string  `json:"ssrc"`
	Src           string  `json:"src"`
	Dst           string  `json:"dst"`
	Codec         string  `json:"codec"`
	Encrypted     bool    `json:"encrypted"`
	Distinct      int     `json:"distinct_sizes"`
	BitsPerPacket float64 `json:"bits_per_packet"`
	BitsPerSecond float64 `json:"bits_per_second"`
	Talkspurts    int     `json:"talkspurts"`
	Leaks         bool    `json:"leaks"`
}

// vbrRows encodes itself as encoding/json encodes a []vbrRow.
type vbrRows []vbrRow

// AppendJSON appends the rows' compact JSON to b.
func (rows vbrRows) AppendJSON(b []byte) ([]byte, error) {
	return writeJSON(b, false, 0, len(rows)*200, func(w *jsonWriter) error { return w.vbr(rows) })
}

// AppendIndentJSON appends the rows' JSON indented by two spaces a level,
// the first line at depth levels.
func (rows vbrRows) AppendIndentJSON(b []byte, depth int) ([]byte, error) {
	return writeJSON(b, true, depth, len(rows)*400, func(w *jsonWriter) error { return w.vbr(rows) })
}

func (w *jsonWriter) vbr(rows vbrRows) error {
	if rows == nil {
		w.null()
		return nil
	}
	w.open('[')
	for _, r := range rows {
		w.elem()
		w.open('{')
		w.str("ssrc", r.SSRC)
		w.str("src", r.Src)
		w.str("dst", r.Dst)
		w.str("codec", r.Codec)
		w.bool("encrypted", r.Encrypted)
		w.int("distinct_sizes", int64(r.Distinct))
		if err := w.float("bits_per_packet", r.BitsPerPacket); err != nil {
			return err
		}
		if err := w.float("bits_per_second", r.BitsPerSecond); err != nil {
			return err
		}
		w.int("talkspurts", int64(r.Talkspurts))
		w.bool("leaks", r.Leaks)
		w.close('}')
	}
	w.close(']')
	return nil
}

// writeJSON runs write on a jsonWriter appending to b (grown by size
// bytes), compact or indented from depth, and returns what it wrote.
func writeJSON(b []byte, indent bool, depth, size int, write func(*jsonWriter) error) ([]byte, error) {
	w := jsonWriter{b: slices.Grow(b, size), indent: indent, depth: depth}
	if err := write(&w); err != nil {
		return nil, err
	}
	return w.b, nil
}

// jsonWriter writes JSON as encoding/json does, compact or indented as
// json.Indent indents it (two spaces a level), into b. (Its methods
// update b in place: b is the only pointer, stored once per call.)
type jsonWriter struct {
	b      []byte
	indent bool
	depth  int
	empty  bool // nothing written yet in the innermost object or array
}

// spaces serve the indentation of up to len(spaces)/2 levels at once.
const spaces = "                                                                "

func appendNewline(b []byte, depth int) []byte {
	b = append(b, '\n')
	for n := 2 * depth; n > 0; n -= len(spaces) {
		b = append(b, spaces[:min(n, len(spaces))]...)
	}
	return b
}

// open starts an object or array.
func (w *jsonWriter) open(c byte) {
	w.b = append(w.b, c)
	w.depth++
	w.empty = true
}

// close ends one: "{}" or "[]" when nothing was written in it.
func (w *jsonWriter) close(c byte) {
	w.depth--
	b := w.b
	if w.indent && !w.empty {
		b = appendNewline(b, w.depth)
	}
	w.b = append(b, c)
	w.empty = false
}

// elem starts a member: the comma after the one before, the new line.
func (w *jsonWriter) elem() {
	b := w.b
	if !w.empty {
		b = append(b, ',')
	}
	if w.indent {
		b = appendNewline(b, w.depth)
	}
	w.b = b
	w.empty = false
}

// key starts an object member: `"k":` (`"k": ` indented).
func (w *jsonWriter) key(k string) {
	w.elem()
	b := append(w.b, '"')
	b = append(b, k...)
	b = append(b, '"', ':')
	if w.indent {
		b = append(b, ' ')
	}
	w.b = b
}

// keyInt starts an object member whose key is the decimal n.
func (w *jsonWriter) keyInt(n uint64) {
	w.elem()
	b := append(w.b, '"')
	b = strconv.AppendUint(b, n, 10)
	b = append(b, '"', ':')
	if w.indent {
		b = append(b, ' ')
	}
	w.b = b
}

func (w *jsonWriter) null() { w.b = append(w.b, "null"...) }

func (w *jsonWriter) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonWriter) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jsonWriter) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jsonWriter) float(k string, v float64) error {
	w.key(k)
	var err error
	w.b, err = appendJSONFloat(w.b, v)
	return err
}

// appendJSONString appends s as encoding/json writes it without HTML
// escaping: printable ASCII as it is, anything else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			enc, _ := finding.CompactJSON(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64 (the ES6
// number format), and fails where it fails (NaN, infinities).
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 as e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}
