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

// encodeResult encodes a result as compact JSON, its Appender values by
// their own method: the result is encoded with a marker string in their
// place, and each marker is replaced by the value's JSON. The markers
// carry a random nonce, so no string of the result can pass for one.
func encodeResult(res *Result) ([]byte, error) {
	var keys []string
	for k, v := range res.Data {
		if _, ok := v.(Appender); ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return encodeCompact(res)
	}
	slices.Sort(keys)
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("finding: %w", err)
	}
	cp := *res
	cp.Data = maps.Clone(res.Data)
	type splice struct {
		at, n int
		v     Appender
	}
	marks := make([][]byte, len(keys))
	for i, k := range keys {
		m := "\x00sipvet-" + hex.EncodeToString(nonce[:]) + "-" + k
		cp.Data[k] = m
		enc, err := encodeCompact(m)
		if err != nil {
			return nil, err
		}
		marks[i] = enc
	}
	b, err := encodeCompact(&cp)
	if err != nil {
		return nil, err
	}
	var sp []splice
	for i, m := range marks {
		at := bytes.Index(b, m)
		if at < 0 || bytes.Contains(b[at+len(m):], m) {
			return encodeCompact(res) // not where expected: the plain way
		}
		sp = append(sp, splice{at, len(m), res.Data[keys[i]].(Appender)})
	}
	slices.SortFunc(sp, func(a, b splice) int { return a.at - b.at })
	out := make([]byte, 0, len(b)+64<<10)
	last := 0
	for _, s := range sp {
		out = append(out, b[last:s.at]...)
		if out, err = s.v.AppendJSON(out); err != nil {
			return nil, fmt.Errorf("finding: %w", err)
		}
		last = s.at + s.n
	}
	return append(out, b[last:]...), nil
}
