package peertest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Bencode (the encoding of rtpengine's ng control protocol): byte strings
// "4:spam", integers "i42e", lists "l...e" and dictionaries "d...e" with
// keys sorted as raw strings.

// Limits of BencodeDecode.
const (
	bencodeMaxInput = 1 << 20
	bencodeMaxDepth = 32
	bencodeMaxItems = 10000
)

// ErrBencode is wrapped by every bencode encoding and decoding error.
var ErrBencode = errors.New("peertest: bencode")

// BencodeEncode encodes v: string, []byte, int, int64, bool (as 0/1),
// []string, []any and map[string]any (nested freely).
func BencodeEncode(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := bencodeWrite(&b, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func bencodeWrite(b *bytes.Buffer, v any, depth int) error {
	if depth > bencodeMaxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrBencode, bencodeMaxDepth)
	}
	switch x := v.(type) {
	case string:
		b.WriteString(strconv.Itoa(len(x)))
		b.WriteByte(':')
		b.WriteString(x)
	case []byte:
		b.WriteString(strconv.Itoa(len(x)))
		b.WriteByte(':')
		b.Write(x)
	case int:
		fmt.Fprintf(b, "i%de", x)
	case int64:
		fmt.Fprintf(b, "i%de", x)
	case bool:
		if x {
			b.WriteString("i1e")
		} else {
			b.WriteString("i0e")
		}
	case []string:
		b.WriteByte('l')
		for _, s := range x {
			_ = bencodeWrite(b, s, depth+1)
		}
		b.WriteByte('e')
	case []any:
		b.WriteByte('l')
		for _, e := range x {
			if err := bencodeWrite(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('e')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('d')
		for _, k := range keys {
			_ = bencodeWrite(b, k, depth+1)
			if err := bencodeWrite(b, x[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('e')
	default:
		return fmt.Errorf("%w: cannot encode %T", ErrBencode, v)
	}
	return nil
}

// BencodeDecode decodes one value that must fill data: strings come back
// as string, integers as int64, lists as []any, dictionaries as
// map[string]any (keys in any order, none twice). It never panics and rejects inputs over 1 MiB, nesting
// over 32 levels and more than 10000 items.
func BencodeDecode(data []byte) (any, error) {
	if len(data) > bencodeMaxInput {
		return nil, fmt.Errorf("%w: %d bytes is over the limit", ErrBencode, len(data))
	}
	d := bencodeDecoder{data: data}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(data) {
		return nil, fmt.Errorf("%w: %d bytes after the value", ErrBencode, len(data)-d.pos)
	}
	return v, nil
}

type bencodeDecoder struct {
	data  []byte
	pos   int
	items int
}

func (d *bencodeDecoder) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrBencode, what, d.pos)
}

func (d *bencodeDecoder) value(depth int) (any, error) {
	if depth > bencodeMaxDepth {
		return nil, d.fail("nesting too deep")
	}
	if d.items++; d.items > bencodeMaxItems {
		return nil, d.fail("too many items")
	}
	if d.pos >= len(d.data) {
		return nil, d.fail("unexpected end")
	}
	switch c := d.data[d.pos]; {
	case c == 'i':
		end := bytes.IndexByte(d.data[d.pos:], 'e')
		if end < 0 {
			return nil, d.fail("unterminated integer")
		}
		s := string(d.data[d.pos+1 : d.pos+end])
		n, err := strconv.ParseInt(s, 10, 64)
		// Canonical form only: no "-0", no leading zeros, no "+".
		if err != nil || s == "-0" || (len(s) > 1 && s[0] == '0') || (len(s) > 2 && s[0] == '-' && s[1] == '0') || s[0] == '+' {
			return nil, d.fail("bad integer")
		}
		d.pos += end + 1
		return n, nil
	case c >= '0' && c <= '9':
		return d.str()
	case c == 'l':
		d.pos++
		list := []any{}
		for {
			if d.pos >= len(d.data) {
				return nil, d.fail("unterminated list")
			}
			if d.data[d.pos] == 'e' {
				d.pos++
				return list, nil
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
	case c == 'd':
		d.pos++
		dict := map[string]any{}
		for {
			if d.pos >= len(d.data) {
				return nil, d.fail("unterminated dictionary")
			}
			if d.data[d.pos] == 'e' {
				d.pos++
				return dict, nil
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			// rtpengine does not sort its keys: accept any order, but no
			// key twice.
			if _, dup := dict[k]; dup {
				return nil, d.fail("repeated dictionary key")
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			dict[k] = v
		}
	}
	return nil, d.fail("unexpected byte")
}

func (d *bencodeDecoder) str() (string, error) {
	colon := bytes.IndexByte(d.data[d.pos:], ':')
	if colon <= 0 || colon > 8 {
		return "", d.fail("bad string length")
	}
	ls := string(d.data[d.pos : d.pos+colon])
	n, err := strconv.Atoi(ls)
	// digits only (Atoi also takes a sign: "+1:a" is not bencode), no
	// leading zeros
	if err != nil || ls[0] < '0' || ls[0] > '9' || (len(ls) > 1 && ls[0] == '0') {
		return "", d.fail("bad string length")
	}
	start := d.pos + colon + 1
	if n > len(d.data)-start {
		return "", d.fail("string longer than the input")
	}
	d.pos = start + n
	return string(d.data[start:d.pos]), nil
}
