package peertest

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestBencode(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"string", "spam", "4:spam"},
		{"empty string", "", "0:"},
		{"int", 42, "i42e"},
		{"negative", int64(-3), "i-3e"},
		{"list", []any{"a", 1}, "l1:ai1ee"},
		{"strings", []string{"strict source", "x"}, "l13:strict source1:xe"},
		{"dict sorted", map[string]any{"sdp": "v=0", "command": "offer"}, "d7:command5:offer3:sdp3:v=0e"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := BencodeEncode(c.in)
			if err != nil || string(got) != c.want {
				t.Fatalf("encode = %q, %v; want %q", got, err, c.want)
			}
			if _, err := BencodeDecode(got); err != nil {
				t.Errorf("decode %q: %v", got, err)
			}
		})
	}
	for _, bad := range []string{"", "i01e", "i-0e", "ie", "5:abc", "l", "x", "4:spamX", "d1:ae", "d1:a0:1:a0:e", "d+1:01:0e", "d-1:e"} {
		if v, err := BencodeDecode([]byte(bad)); !errors.Is(err, ErrBencode) {
			t.Errorf("decode %q = %v, %v; want an ErrBencode", bad, v, err)
		}
	}
	if _, err := BencodeEncode(3.5); !errors.Is(err, ErrBencode) {
		t.Errorf("encode float: %v", err)
	}
}

// FuzzBencodeDecode: decoding never panics, and whatever decodes encodes
// to canonical bencode that decodes to the same value and re-encodes to the
// same bytes; canonical input (sorted keys) comes back byte for byte.
func FuzzBencodeDecode(f *testing.F) {
	for _, s := range []string{"d6:result4:ponge", "d3:sdp3:v=06:result2:oke", "li1ei-2e0:e", "i0e", "llllllleeeeeee", "d1:ad1:bl1:cee1:di7ee"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := BencodeDecode(data)
		if err != nil {
			return
		}
		out, err := BencodeEncode(v)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		v2, err := BencodeDecode(out)
		if err != nil || !reflect.DeepEqual(v, v2) {
			t.Fatalf("second decode %#v, %v", v2, err)
		}
		if out2, _ := BencodeEncode(v2); !bytes.Equal(out, out2) {
			t.Fatalf("encoding not stable: %q → %q", out, out2)
		}
		if len(out) != len(data) {
			t.Fatalf("round trip changed the length: %q → %q", data, out)
		}
	})
}
