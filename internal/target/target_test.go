package target

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in, want  string
		transport string
		host      string
		port      int
		user      string
	}{
		{"udp://127.0.0.1:15060", "udp://127.0.0.1:15060", "udp", "127.0.0.1", 15060, ""},
		{"udp://127.0.0.1", "udp://127.0.0.1:5060", "udp", "127.0.0.1", 5060, ""},
		{"TCP://example.com:5070", "tcp://example.com:5070", "tcp", "example.com", 5070, ""},
		{"tls://[::1]", "tls://[::1]:5061", "tls", "::1", 5061, ""},
		{"udp://[::1]:5062", "udp://[::1]:5062", "udp", "::1", 5062, ""},
		{"ws://127.0.0.1:8080/sip", "ws://127.0.0.1:8080/sip", "ws", "127.0.0.1", 8080, ""},
		{"wss://pbx.example", "wss://pbx.example:443", "wss", "pbx.example", 443, ""},
		{"sip:alice@127.0.0.1:5080", "udp://127.0.0.1:5080", "udp", "127.0.0.1", 5080, "alice"},
		{"sip:127.0.0.1;transport=tcp", "tcp://127.0.0.1:5060", "tcp", "127.0.0.1", 5060, ""},
		{"sips:bob@[2001:db8::1]", "tls://[2001:db8::1]:5061", "tls", "2001:db8::1", 5061, "bob"},
		{"sips:h.example;transport=ws", "wss://h.example:443", "wss", "h.example", 443, ""},
		{"10.0.0.1:5099", "udp://10.0.0.1:5099", "udp", "10.0.0.1", 5099, ""},
		{"::1", "udp://[::1]:5060", "udp", "::1", 5060, ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			if got.String() != c.want || got.Transport != c.transport || got.Host != c.host || got.Port != c.port || got.User != c.user {
				t.Errorf("Parse(%q) = %+v (%s), want %s", c.in, got, got, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "http://x", "udp://", "udp://host:0", "udp://host:70000", "udp://host:abc",
		"udp://[::1", "udp://[zz]:5060", "udp://bad host", "sip:h;transport=sctp", "udp://h:5060/path", "udp://[::1]x"} {
		t.Run(in, func(t *testing.T) {
			if _, err := Parse(in); !errors.Is(err, ErrBadTarget) {
				t.Errorf("Parse(%q) error = %v, want ErrBadTarget", in, err)
			}
		})
	}
}

func TestSIPURI(t *testing.T) {
	cases := map[string]string{
		"udp://127.0.0.1:5060": "sip:100@127.0.0.1:5060",
		"tcp://127.0.0.1:5060": "sip:100@127.0.0.1:5060;transport=tcp",
		"tls://[::1]:5061":     "sips:100@[::1]:5061",
	}
	for in, want := range cases {
		tg, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.SIPURI("100"); got != want {
			t.Errorf("%s: SIPURI = %q, want %q", in, got, want)
		}
	}
}

func TestIPv6Zones(t *testing.T) {
	if tg, err := Parse("udp://[fe80::1%eth0]:5060"); err != nil || tg.Host != "fe80::1%eth0" {
		t.Errorf("zone eth0: %+v %v", tg, err)
	}
	for _, in := range []string{"00::%#", "udp://[fe80::1%a/b]:5060", "fe80::1%a?b"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted a zone that breaks the URI", in)
		}
	}
}
