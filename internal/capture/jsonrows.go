package capture

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// streamRows is a report's stream list (data.streams). It encodes itself
// for the JSON report (finding.Appender), exactly as encoding/json encodes
// a []StreamSummary: TestStreamRowsJSON and FuzzStreamRowsJSON hold it to
// that.
type streamRows []StreamSummary

// AppendJSON appends the rows' compact JSON to b.
func (rows streamRows) AppendJSON(b []byte) ([]byte, error) {
	if rows == nil {
		return append(b, "null"...), nil
	}
	b = slices.Grow(b, len(rows)*640) // a row takes about 600 bytes
	b = append(b, '[')
	var err error
	for i := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = rows[i].appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendJSON appends one row: the fields in order, omitempty as tagged.
func (s *StreamSummary) appendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"ssrc":`...)
	b = appendJSONString(b, s.SSRC)
	b = append(b, `,"src":`...)
	b = appendJSONString(b, s.Src)
	b = append(b, `,"dst":`...)
	b = appendJSONString(b, s.Dst)
	b = append(b, `,"codec":`...)
	b = appendJSONString(b, s.Codec)
	b = append(b, `,"packets":`...)
	b = strconv.AppendInt(b, s.Packets, 10)
	b = append(b, `,"seconds":`...)
	if b, err = appendJSONFloat(b, s.Seconds); err != nil {
		return nil, err
	}
	b = append(b, `,"encrypted":`...)
	b = strconv.AppendBool(b, s.Encrypted)
	b = append(b, `,"decrypted":`...)
	b = strconv.AppendBool(b, s.Decrypted)
	b = append(b, `,"wav":`...)
	b = appendJSONString(b, s.WAV)
	b = append(b, `,"audio_seconds":`...)
	if b, err = appendJSONFloat(b, s.AudioSeconds); err != nil {
		return nil, err
	}
	if s.SampleRate != 0 {
		b = append(b, `,"sample_rate":`...)
		b = strconv.AppendInt(b, int64(s.SampleRate), 10)
	}
	b = append(b, `,"found_by":`...)
	b = appendJSONString(b, s.FoundBy)
	if s.CallID != "" {
		b = append(b, `,"call_id":`...)
		b = appendJSONString(b, s.CallID)
	}
	if s.Suite != "" {
		b = append(b, `,"srtp_suite":`...)
		b = appendJSONString(b, s.Suite)
	}
	for _, f := range [...]struct {
		key string
		v   int64
	}{{`,"auth_failures":`, s.AuthFailures}, {`,"srtp_verified":`, s.SRTPVerified}, {`,"srtp_skipped":`, s.SRTPSkipped}, {`,"srtcp_decrypted":`, s.SRTCPDecrypted}} {
		if f.v != 0 {
			b = append(b, f.key...)
			b = strconv.AppendInt(b, f.v, 10)
		}
	}
	b = append(b, `,"sizes":`...)
	b = s.Sizes.appendJSON(b)
	b = append(b, `,"bits_per_packet":`...)
	if b, err = appendJSONFloat(b, s.BitsPerPacket); err != nil {
		return nil, err
	}
	b = append(b, `,"bits_per_second":`...)
	if b, err = appendJSONFloat(b, s.BitsPerSecond); err != nil {
		return nil, err
	}
	if s.Talkspurts != 0 {
		b = append(b, `,"talkspurts":`...)
		b = strconv.AppendInt(b, int64(s.Talkspurts), 10)
	}
	if s.SeqJumps != 0 {
		b = append(b, `,"seq_jumps":`...)
		b = strconv.AppendInt(b, int64(s.SeqJumps), 10)
	}
	b = append(b, `,"payload_entropy":`...)
	if b, err = appendJSONFloat(b, s.PayloadEntropy); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
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
	if rows == nil {
		return append(b, "null"...), nil
	}
	b = slices.Grow(b, len(rows)*200)
	b = append(b, '[')
	var err error
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"ssrc":`...)
		b = appendJSONString(b, r.SSRC)
		b = append(b, `,"src":`...)
		b = appendJSONString(b, r.Src)
		b = append(b, `,"dst":`...)
		b = appendJSONString(b, r.Dst)
		b = append(b, `,"codec":`...)
		b = appendJSONString(b, r.Codec)
		b = append(b, `,"encrypted":`...)
		b = strconv.AppendBool(b, r.Encrypted)
		b = append(b, `,"distinct_sizes":`...)
		b = strconv.AppendInt(b, int64(r.Distinct), 10)
		b = append(b, `,"bits_per_packet":`...)
		if b, err = appendJSONFloat(b, r.BitsPerPacket); err != nil {
			return nil, err
		}
		b = append(b, `,"bits_per_second":`...)
		if b, err = appendJSONFloat(b, r.BitsPerSecond); err != nil {
			return nil, err
		}
		b = append(b, `,"talkspurts":`...)
		b = strconv.AppendInt(b, int64(r.Talkspurts), 10)
		b = append(b, `,"leaks":`...)
		b = strconv.AppendBool(b, r.Leaks)
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONString appends s as encoding/json writes it without HTML
// escaping: printable ASCII as it is, anything else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
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
