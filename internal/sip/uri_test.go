package sip

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseURI(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want *URI
		err  error
	}{
		{name: "simple", in: "sip:alice@example.com",
			want: &URI{Scheme: "sip", User: "alice", Host: "example.com"}},
		{name: "host only with port", in: "sip:example.com:5070",
			want: &URI{Scheme: "sip", Host: "example.com", Port: 5070}},
		{name: "sips password params headers", in: "sips:bob:secret@192.0.2.4:5061;transport=tls;lr?Subject=hi&Priority=urgent",
			want: &URI{Scheme: "sips", User: "bob", Password: "secret", HasPassword: true, Host: "192.0.2.4", Port: 5061,
				Params:  []Param{{Name: "transport", Value: "tls", HasValue: true}, {Name: "lr"}},
				Headers: []Param{{Name: "Subject", Value: "hi", HasValue: true}, {Name: "Priority", Value: "urgent", HasValue: true}}}},
		{name: "empty password", in: "sip:bob:@h",
			want: &URI{Scheme: "sip", User: "bob", HasPassword: true, Host: "h"}},
		{name: "ipv6 reference", in: "sip:[2001:db8::10]:5070;maddr=[2001:db8::1]",
			want: &URI{Scheme: "sip", Host: "[2001:db8::10]", Port: 5070, Params: []Param{{Name: "maddr", Value: "[2001:db8::1]", HasValue: true}}}},
		{name: "ipv6 with ipv4 tail", in: "sip:user@[::ffff:192.0.2.1]",
			want: &URI{Scheme: "sip", User: "user", Host: "[::ffff:192.0.2.1]"}},
		{name: "escaped user kept", in: "sip:%61lice%20x@example.com",
			want: &URI{Scheme: "sip", User: "%61lice%20x", Host: "example.com"}},
		{name: "user with semicolon", in: "sip:user;par=u%40example.net@example.com",
			want: &URI{Scheme: "sip", User: "user;par=u%40example.net", Host: "example.com"}},
		{name: "param without value and empty value", in: "sip:h;a;b=",
			want: &URI{Scheme: "sip", Host: "h", Params: []Param{{Name: "a"}, {Name: "b", HasValue: true}}}},
		{name: "uppercase scheme kept", in: "SIP:h",
			want: &URI{Scheme: "SIP", Host: "h"}},
		{name: "tel", in: "tel:+1-201-555-0123;phone-context=example.com",
			want: &URI{Scheme: "tel", User: "+1-201-555-0123", Params: []Param{{Name: "phone-context", Value: "example.com", HasValue: true}}}},
		{name: "opaque", in: "urn:service:sos",
			want: &URI{Scheme: "urn", Opaque: "service:sos"}},
		{name: "opaque http", in: "http://www.example.com/a?b",
			want: &URI{Scheme: "http", Opaque: "//www.example.com/a?b"}},
		{name: "no scheme", in: "alice@example.com", err: ErrURI},
		{name: "angle brackets", in: "<sip:a@b>", err: ErrURI},
		{name: "whitespace", in: "sip:a@b; lr", err: ErrURI},
		{name: "empty host", in: "sip:alice@", err: ErrURI},
		{name: "empty user", in: "sip:@h", err: ErrURI},
		{name: "bad port", in: "sip:h:65536", err: ErrURI},
		{name: "non-numeric port", in: "sip:h:50a", err: ErrURI},
		{name: "unterminated ipv6", in: "sip:[::1", err: ErrURI},
		{name: "bad ipv6", in: "sip:[zz::1]", err: ErrURI},
		{name: "empty param name", in: "sip:h;;x", err: ErrURI},
		{name: "empty opaque", in: "foo:", err: ErrURI},
		{name: "bad scheme", in: "1sip:h", err: ErrURI},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseURI(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("ParseURI(%q) error %v, want %v", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURI(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseURI(%q) =\n %+v, want\n %+v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.in {
				t.Errorf("String() = %q, want %q", s, tc.in)
			}
		})
	}
}

func TestURIAccessors(t *testing.T) {
	u, err := ParseURI("sip:%41lice@example.com:5080;Transport=TCP;lr?Route=%3Csip:x%3E")
	if err != nil {
		t.Fatal(err)
	}
	if got := u.UnescapedUser(); got != "Alice" {
		t.Errorf("UnescapedUser = %q", got)
	}
	if got := u.HostPort(); got != "example.com:5080" {
		t.Errorf("HostPort = %q", got)
	}
	if v, ok := u.Param("transport"); !ok || v != "TCP" || u.Transport() != "tcp" {
		t.Errorf("transport = %q %v %q", v, ok, u.Transport())
	}
	if _, ok := u.Param("lr"); !ok {
		t.Error("lr missing")
	}
	if _, ok := u.Param("maddr"); ok {
		t.Error("maddr present")
	}
	if v, ok := u.Header("route"); !ok || Unescape(v) != "<sip:x>" {
		t.Errorf("Route header = %q", v)
	}
	if !u.IsSIP() {
		t.Error("IsSIP false")
	}
	if got := Unescape("%4g%%41%4"); got != "%4g%A%4" {
		t.Errorf("Unescape kept malformed escapes wrongly: %q", got)
	}
	var nilURI *URI
	if nilURI.String() != "" {
		t.Error("nil URI String not empty")
	}
}
