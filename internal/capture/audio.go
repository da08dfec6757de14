package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// AudioStore is where decoded audio goes. Create returns a new file for
// writing (the WAV header is rewritten through Seek when the stream ends);
// Open reads a file back (to mix two directions into one call file).
type AudioStore interface {
	Create(name string) (WAVFile, error)
	Open(name string) (io.ReadCloser, error)
	Remove(name string) error
	// Path returns how the file is named in reports.
	Path(name string) string
}

// WAVFile is a writable, seekable file.
type WAVFile interface {
	io.WriteSeeker
	io.Closer
}

// ulaw returns the 16-bit linear sample of a G.711 µ-law byte (ITU-T G.711).
func ulaw(b byte) int16 {
	b = ^b
	t := (int(b&0x0f) << 3) + 0x84
	t <<= (b & 0x70) >> 4
	if b&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// alaw returns the 16-bit linear sample of a G.711 A-law byte.
func alaw(b byte) int16 {
	b ^= 0x55
	t := int(b&0x0f) << 4
	seg := (b & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if b&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// g711Tables returns the µ-law and A-law decoding tables.
func g711Tables() (u, a *[256]int16) {
	u, a = new([256]int16), new([256]int16)
	for i := range 256 {
		u[i], a[i] = ulaw(byte(i)), alaw(byte(i))
	}
	return u, a
}

// decodeG711 appends the PCM samples of payload to dst using table.
func decodeG711(dst []int16, payload []byte, table *[256]int16) []int16 {
	n := len(dst)
	dst = slices.Grow(dst, len(payload))[:n+len(payload)]
	decodeInto(dst[n:], payload, table)
	return dst
}

const wavHeaderLen = 44

// wavHeader returns a PCM WAV header for n bytes of 16-bit samples.
func wavHeader(channels, rate int, n uint32) []byte {
	h := make([]byte, wavHeaderLen)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+n)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], n)
	return h
}

// maxWAVBytes keeps a WAV file under the 4 GiB limit of its header.
const maxWAVBytes = 1 << 31

// wavWriter streams mono 16-bit PCM into a WAV file.
type wavWriter struct {
	f       WAVFile
	samples int64
	buf     []byte
	err     error
}

func newWAVWriter(f WAVFile, rate int) (*wavWriter, error) {
	if _, err := f.Write(wavHeader(1, rate, 0)); err != nil {
		return nil, fmt.Errorf("capture: write wav: %w", err)
	}
	return &wavWriter{f: f}, nil
}

// write appends samples.
func (w *wavWriter) write(s []int16) {
	if w.err != nil || (w.samples+int64(len(s)))*2 > maxWAVBytes {
		return
	}
	w.buf = w.buf[:0]
	for _, v := range s {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(v))
	}
	_, w.err = w.f.Write(w.buf)
	w.samples += int64(len(s))
}

// silence appends n zero samples.
func (w *wavWriter) silence(n int64) {
	zero := make([]int16, 800)
	for n > 0 && w.err == nil {
		k := min(n, int64(len(zero)))
		w.write(zero[:k])
		n -= k
	}
}

// close rewrites the header with the final length and closes the file.
func (w *wavWriter) close(rate int) error {
	err := w.err
	if _, serr := w.f.Seek(0, io.SeekStart); serr == nil && err == nil {
		_, err = w.f.Write(wavHeader(1, rate, uint32(w.samples*2)))
	} else if err == nil {
		err = serr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadWAV reads a 16-bit PCM WAV file (as written by this package) and
// returns its samples (interleaved when stereo), channels and rate.
func ReadWAV(r io.Reader) (samples []int16, channels, rate int, err error) {
	b, err := io.ReadAll(io.LimitReader(r, maxWAVBytes+wavHeaderLen))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("capture: read wav: %w", err)
	}
	if len(b) < wavHeaderLen || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, 0, errors.New("capture: not a WAV file")
	}
	channels = int(binary.LittleEndian.Uint16(b[22:]))
	rate = int(binary.LittleEndian.Uint32(b[24:]))
	data := b[wavHeaderLen:]
	if n := int(binary.LittleEndian.Uint32(b[40:])); n < len(data) {
		data = data[:n]
	}
	samples = make([]int16, len(data)/2)
	for i := range samples {
		samples[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return samples, channels, rate, nil
}

// mixStereo writes a two-channel WAV: left from a, right from b, each
// starting offA/offB samples into the file. Both inputs are mono 16-bit
// WAVs at rate; they are streamed, not loaded.
func mixStereo(dst WAVFile, a, b io.Reader, offA, offB int64, rate int) (int64, error) {
	ra, rb := &pcmReader{r: a}, &pcmReader{r: b}
	if err := ra.skipHeader(); err != nil {
		return 0, err
	}
	if err := rb.skipHeader(); err != nil {
		return 0, err
	}
	if _, err := dst.Write(wavHeader(2, rate, 0)); err != nil {
		return 0, fmt.Errorf("capture: write wav: %w", err)
	}
	var frames int64
	buf := make([]byte, 0, 8192)
	for {
		l, okA := int16(0), false
		if frames >= offA {
			l, okA = ra.next()
		} else {
			okA = !ra.done
		}
		r, okB := int16(0), false
		if frames >= offB {
			r, okB = rb.next()
		} else {
			okB = !rb.done
		}
		if !okA && !okB {
			break
		}
		buf = binary.LittleEndian.AppendUint16(buf, uint16(l))
		buf = binary.LittleEndian.AppendUint16(buf, uint16(r))
		frames++
		if len(buf) >= 8188 {
			if _, err := dst.Write(buf); err != nil {
				return frames, fmt.Errorf("capture: write wav: %w", err)
			}
			buf = buf[:0]
		}
		if frames*4 > maxWAVBytes {
			break
		}
	}
	if _, err := dst.Write(buf); err != nil {
		return frames, fmt.Errorf("capture: write wav: %w", err)
	}
	if _, err := dst.Seek(0, io.SeekStart); err != nil {
		return frames, fmt.Errorf("capture: write wav: %w", err)
	}
	if _, err := dst.Write(wavHeader(2, rate, uint32(frames*4))); err != nil {
		return frames, fmt.Errorf("capture: write wav: %w", err)
	}
	return frames, nil
}

// pcmReader reads 16-bit samples after a WAV header.
type pcmReader struct {
	r    io.Reader
	buf  []byte
	pos  int
	done bool
}

func (p *pcmReader) skipHeader() error {
	h := make([]byte, wavHeaderLen)
	if _, err := io.ReadFull(p.r, h); err != nil {
		return fmt.Errorf("capture: read wav: %w", err)
	}
	return nil
}

func (p *pcmReader) next() (int16, bool) {
	if p.done {
		return 0, false
	}
	if p.pos+2 > len(p.buf) {
		rest := len(p.buf) - p.pos
		nb := make([]byte, 8192)
		copy(nb, p.buf[p.pos:])
		n, _ := io.ReadAtLeast(p.r, nb[rest:], 2-rest)
		p.buf, p.pos = nb[:rest+n], 0
		if len(p.buf) < 2 {
			p.done = true
			return 0, false
		}
	}
	v := int16(binary.LittleEndian.Uint16(p.buf[p.pos:]))
	p.pos += 2
	return v, true
}
