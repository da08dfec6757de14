package harness

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzNetstring: readNetstring never panics, never returns more than its
// limit, and a well-formed netstring round-trips.
func FuzzNetstring(f *testing.F) {
	f.Add([]byte(`46:{"response":true,"ok":true,"data":"","token":"1"},`))
	f.Add([]byte("0:,"))
	f.Add([]byte("99999999999999:x,"))
	f.Add([]byte("3:abc;"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := readNetstring(bufio.NewReader(bytes.NewReader(data)), 1024)
		if err == nil && len(got) > 1024 {
			t.Fatalf("netstring of %d bytes above the limit", len(got))
		}
		if len(data) <= 1024 {
			enc := append([]byte(itoa(len(data))+":"), data...)
			enc = append(enc, ',')
			back, err := readNetstring(bufio.NewReader(bytes.NewReader(enc)), 1024)
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("round trip of %q: %q, %v", data, back, err)
			}
		}
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
