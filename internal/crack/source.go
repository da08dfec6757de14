package crack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"sync"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrMask reports a malformed mask.
	ErrMask = errors.New("crack: bad mask")
	// ErrRules reports an unknown rule set.
	ErrRules = errors.New("crack: unknown rules")
	// ErrNoHashes reports that there is nothing to crack.
	ErrNoHashes = errors.New("crack: no hashes")
)

// MaxCandidate is the longest candidate tried; longer wordlist lines are
// skipped.
const MaxCandidate = 256

// Source produces candidate passwords for the workers. Implementations are
// Wordlist and Mask; a Source is used by one Run.
type Source interface {
	// next returns the next piece of work, or nil at the end.
	next() (job, error)
	// progress returns the fraction of the work handed out (0–1), or -1 when
	// unknown.
	progress() float64
	// Describe says what the source tries, for reports.
	Describe() string
}

// job is a piece of work: it calls emit for each of its base candidates.
type job interface {
	run(emit func([]byte))
}

// wordlist streams a newline-separated list in chunks.
type wordlist struct {
	mu    sync.Mutex
	r     *bufio.Reader
	carry []byte
	size  int64
	read  int64
	done  bool
	name  string
}

// chunkSize is how many bytes of a wordlist one job covers.
const chunkSize = 256 << 10

// Wordlist returns a Source reading one candidate per line from r (LF or
// CRLF line ends; lines longer than MaxCandidate are skipped). size is the
// number of bytes r holds when known (for progress), else 0; name is how
// reports call the list.
func Wordlist(r io.Reader, size int64, name string) Source {
	return &wordlist{r: bufio.NewReaderSize(r, chunkSize), size: size, name: name}
}

func (w *wordlist) Describe() string { return "wordlist " + w.name }

func (w *wordlist) progress() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.size <= 0 {
		return -1
	}
	return min(1, float64(w.read)/float64(w.size))
}

type lines []byte

func (l lines) run(emit func([]byte)) {
	b := []byte(l)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var line []byte
		if i < 0 {
			line, b = b, nil
		} else {
			line, b = b[:i], b[i+1:]
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) <= MaxCandidate {
			emit(line)
		}
	}
}

func (w *wordlist) next() (job, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil, nil
	}
	buf := make([]byte, len(w.carry), chunkSize+len(w.carry))
	copy(buf, w.carry)
	w.carry = nil
	n, err := io.ReadFull(w.r, buf[len(buf):cap(buf)])
	buf = buf[:len(buf)+n]
	w.read += int64(n)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		w.done = true
	case err != nil:
		w.done = true
		return nil, fmt.Errorf("crack: read wordlist: %w", err)
	default:
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 {
			// A line longer than a chunk: drop it up to the next newline.
			w.carry = nil
			if _, err := w.r.ReadSlice('\n'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				w.done = true
			}
			return lines(nil), nil
		}
		w.carry = append([]byte(nil), buf[i+1:]...)
		buf = buf[:i+1]
	}
	return lines(buf), nil
}

// mask enumerates the keyspace of a hashcat-style mask.
type mask struct {
	text  string
	sets  [][]byte
	total uint64
	mu    sync.Mutex
	pos   uint64
}

// maskChunk is how many mask candidates one job covers.
const maskChunk = 1 << 16

// Charsets returns the built-in charsets of masks: ?l ?u ?d ?s ?a.
func Charsets() map[byte]string {
	var s strings.Builder
	for c := byte(' '); c <= '~'; c++ {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			s.WriteByte(c)
		}
	}
	l, u, d := "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
	return map[byte]string{'l': l, 'u': u, 'd': d, 's': s.String(), 'a': l + u + d + s.String()}
}

// expand turns a charset definition (which may use ?l etc.) into its bytes.
func expand(def string, custom map[byte]string) (string, error) {
	var out []byte
	seen := [256]bool{}
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			if !seen[s[i]] {
				seen[s[i]] = true
				out = append(out, s[i])
			}
		}
	}
	for i := 0; i < len(def); i++ {
		if def[i] != '?' {
			add(def[i : i+1])
			continue
		}
		if i+1 >= len(def) {
			return "", fmt.Errorf("%w: %q ends with '?'", ErrMask, def)
		}
		i++
		c := def[i]
		switch {
		case c == '?':
			add("?")
		case Charsets()[c] != "":
			add(Charsets()[c])
		case custom[c] != "":
			add(custom[c])
		default:
			return "", fmt.Errorf("%w: unknown charset ?%c", ErrMask, c)
		}
	}
	return string(out), nil
}

// Mask returns a Source enumerating the mask m: ?l ?u ?d ?s ?a are the
// built-in charsets, ?1 … ?4 the custom ones (custom[0] … custom[3], which
// may themselves use ?l and the like), ?? a literal '?', any other byte
// itself. Masks longer than MaxCandidate or whose keyspace exceeds 2^64
// give ErrMask.
func Mask(m string, custom []string) (Source, error) {
	if len(custom) > 4 {
		return nil, fmt.Errorf("%w: at most 4 custom charsets", ErrMask)
	}
	cs := map[byte]string{}
	for i, def := range custom {
		if def == "" {
			continue
		}
		e, err := expand(def, nil)
		if err != nil {
			return nil, fmt.Errorf("custom charset %d: %w", i+1, err)
		}
		cs[byte('1'+i)] = e
	}
	mk := &mask{text: m, total: 1}
	for i := 0; i < len(m); i++ {
		var set string
		if m[i] == '?' {
			if i+1 >= len(m) {
				return nil, fmt.Errorf("%w: %q ends with '?'", ErrMask, m)
			}
			var err error
			if set, err = expand(m[i:i+2], cs); err != nil {
				return nil, err
			}
			i++
		} else {
			set = m[i : i+1]
		}
		hi, lo := bits.Mul64(mk.total, uint64(len(set)))
		if hi != 0 {
			return nil, fmt.Errorf("%w: keyspace of %q exceeds 2^64", ErrMask, m)
		}
		mk.total = lo
		mk.sets = append(mk.sets, []byte(set))
	}
	if len(mk.sets) == 0 || len(mk.sets) > MaxCandidate {
		return nil, fmt.Errorf("%w: %q: want 1 to %d positions", ErrMask, m, MaxCandidate)
	}
	return mk, nil
}

func (m *mask) Describe() string { return "mask " + m.text }

// Keyspace returns the number of candidates of a mask Source, or 0 for
// other sources.
func Keyspace(s Source) uint64 {
	if m, ok := s.(*mask); ok {
		return m.total
	}
	return 0
}

func (m *mask) progress() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return float64(m.pos) / float64(m.total)
}

type maskRange struct {
	m          *mask
	start, end uint64
}

func (m *mask) next() (job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pos >= m.total {
		return nil, nil
	}
	end := m.pos + maskChunk
	if end > m.total || end < m.pos {
		end = m.total
	}
	j := maskRange{m: m, start: m.pos, end: end}
	m.pos = end
	return j, nil
}

func (r maskRange) run(emit func([]byte)) {
	sets := r.m.sets
	n := len(sets)
	idx := make([]int, n)
	cand := make([]byte, n)
	// The last position varies fastest.
	x := r.start
	for i := n - 1; i >= 0; i-- {
		l := uint64(len(sets[i]))
		idx[i] = int(x % l)
		x /= l
		cand[i] = sets[i][idx[i]]
	}
	for k := r.start; k < r.end; k++ {
		emit(cand)
		for i := n - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(sets[i]) {
				cand[i] = sets[i][idx[i]]
				break
			}
			idx[i] = 0
			cand[i] = sets[i][0]
		}
	}
}

// Rules returns the names of the rule sets: "none" and "simple".
func Rules() []string { return []string{"none", "simple"} }

// simpleRules emits the case variants of w (as is, lower, Capitalized,
// UPPER; duplicates once), each alone and followed by one and by two digits.
func simpleRules(w []byte, emit func([]byte)) {
	var buf [MaxCandidate + 2]byte
	n := len(w)
	if n > MaxCandidate {
		return
	}
	variants := [4][]byte{}
	lower := bytes.ToLower(w)
	upper := bytes.ToUpper(w)
	capital := append([]byte{}, lower...)
	if n > 0 {
		capital[0] = upper[0]
	}
	variants[0], variants[1], variants[2], variants[3] = w, lower, capital, upper
	for vi, v := range variants {
		dup := false
		for _, p := range variants[:vi] {
			if bytes.Equal(p, v) {
				dup = true
			}
		}
		if dup {
			continue
		}
		copy(buf[:], v)
		emit(buf[:n])
		for d := byte('0'); d <= '9'; d++ {
			buf[n] = d
			emit(buf[:n+1])
		}
		for d := 0; d < 100; d++ {
			buf[n], buf[n+1] = byte('0'+d/10), byte('0'+d%10)
			emit(buf[:n+2])
		}
	}
}
