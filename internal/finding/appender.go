package finding

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
)

// Appender is a Data value that writes its own compact JSON: exactly the
// bytes encoding/json writes for it (without HTML escaping), faster than
// reflection. A capture's stream lists run to thousands of rows. Marshal
// and WriteJSON use it; anything else that encodes the value still sees
// the plain Go value.
type Appender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// IndentAppender is an Appender that also writes its indented form: what
// json.Indent makes of AppendJSON's bytes with two spaces a level, the
// value's first line being at depth levels. The indentation pass over the
// compact bytes is then not needed.
type IndentAppender interface {
	Appender
	AppendIndentJSON(b []byte, depth int) ([]byte, error)
}

// encodeIndented encodes a result as JSON indented by two spaces a level
// from depth, its Appender values by their own methods: the result is
// encoded with a marker string in their place, and each marker is
// replaced by the value's JSON. The markers carry a random nonce, so no
// string of the result can pass for one.
func encodeIndented(res *Result, depth int) ([]byte, error) {
	var keys []string
	for k, v := range res.Data {
		if _, ok := v.(Appender); ok {
			keys = append(keys, k)
		}
	}
	plain := func() ([]byte, error) {
		compact, err := CompactJSON(res)
		if err != nil {
			return nil, err
		}
		return appendIndentAt(make([]byte, 0, len(compact)*5/2), compact, "  ", depth), nil
	}
	if len(keys) == 0 {
		return plain()
	}
	slices.Sort(keys)
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("finding: %w", err)
	}
	cp := *res
	cp.Data = maps.Clone(res.Data)
	marks := make([][]byte, len(keys))
	for i, k := range keys {
		m := "\x00sipvet-" + hex.EncodeToString(nonce[:]) + "-" + k
		cp.Data[k] = m
		enc, err := CompactJSON(m)
		if err != nil {
			return nil, err
		}
		marks[i] = enc
	}
	compact, err := CompactJSON(&cp)
	if err != nil {
		return nil, err
	}
	b := appendIndentAt(nil, compact, "  ", depth)
	type splice struct {
		at, n int
		v     Appender
	}
	var sp []splice
	for i, m := range marks {
		at := bytes.Index(b, m)
		if at < 0 || bytes.Contains(b[at+len(m):], m) {
			return plain() // not where expected
		}
		sp = append(sp, splice{at, len(m), res.Data[keys[i]].(Appender)})
	}
	slices.SortFunc(sp, func(a, b splice) int { return a.at - b.at })
	out := make([]byte, 0, len(b)+256<<10)
	last := 0
	for _, s := range sp {
		out = append(out, b[last:s.at]...)
		// the value continues the line of its key, at that line's depth
		line := bytes.LastIndexByte(b[:s.at], '\n') + 1
		level := 0
		for line+2*level+1 < s.at && b[line+2*level] == ' ' && b[line+2*level+1] == ' ' {
			level++
		}
		if ia, ok := s.v.(IndentAppender); ok {
			out, err = ia.AppendIndentJSON(out, level)
		} else {
			var c []byte
			if c, err = s.v.AppendJSON(nil); err == nil {
				out = appendIndentAt(out, c, "  ", level)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("finding: %w", err)
		}
		last = s.at + s.n
	}
	return append(out, b[last:]...), nil
}
