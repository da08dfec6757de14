package sip

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseNameAddr(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		display string
		uri     string
		params  []Param
		err     error
	}{
		{name: "quoted", in: `"Alice Smith" <sip:alice@example.com>;tag=1928301774`,
			display: "Alice Smith", uri: "sip:alice@example.com", params: []Param{{Name: "tag", Value: "1928301774", HasValue: true}}},
		{name: "quoted with escapes", in: `"A \"B\" \\C" <sip:a@b>`, display: `A "B" \C`, uri: "sip:a@b"},
		{name: "unquoted tokens", in: "Bob  Jones <sip:bob@b>", display: "Bob Jones", uri: "sip:bob@b"},
		{name: "no space before <", in: "caller<sip:caller@example.com>;tag=323", display: "caller", uri: "sip:caller@example.com",
			params: []Param{{Name: "tag", Value: "323", HasValue: true}}},
		{name: "bare angle", in: "<sip:a@b;lr>", uri: "sip:a@b;lr"},
		{name: "addr-spec params belong to header", in: "sip:a@b;tag=x;expires=60", uri: "sip:a@b",
			params: []Param{{Name: "tag", Value: "x", HasValue: true}, {Name: "expires", Value: "60", HasValue: true}}},
		{name: "spaces around params", in: "<sip:a@b> ; tag = 1 ; q=0.5 ; flag", uri: "sip:a@b",
			params: []Param{{Name: "tag", Value: "1", HasValue: true}, {Name: "q", Value: "0.5", HasValue: true}, {Name: "flag"}}},
		{name: "quoted param value", in: `<sip:a@b>;+sip.instance="<urn:uuid:1;x>"`, uri: "sip:a@b",
			params: []Param{{Name: "+sip.instance", Value: `"<urn:uuid:1;x>"`, HasValue: true}}},
		{name: "ipv6", in: "<sip:[2001:db8::1]:5060>", uri: "sip:[2001:db8::1]:5060"},
		{name: "tel", in: "<tel:+12015550123>", uri: "tel:+12015550123"},
		{name: "empty", in: "  ", err: ErrNameAddr},
		{name: "unterminated quote", in: `"Mr. J. User <sip:j.user@example.com>`, err: ErrNameAddr},
		{name: "quoted without angle", in: `"x" sip:a@b`, err: ErrNameAddr},
		{name: "missing >", in: "<sip:a@b", err: ErrNameAddr},
		{name: "comma in unquoted name", in: "Bell, Alexander <sip:a@b>", err: ErrNameAddr},
		{name: "spaces in angle", in: "< sip:a@b >", err: ErrURI},
		{name: "addr-spec with headers", in: "sip:a@b?Route=x", err: ErrNameAddr},
		{name: "empty param", in: "<sip:a@b>;;", err: ErrNameAddr},
		{name: "junk after >", in: "<sip:a@b> junk", err: ErrNameAddr},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNameAddr(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.DisplayName != tc.display || got.URI.String() != tc.uri || !reflect.DeepEqual(got.Params, tc.params) {
				t.Errorf("got %q %q %+v, want %q %q %+v", got.DisplayName, got.URI, got.Params, tc.display, tc.uri, tc.params)
			}
			// String must re-parse to the same value.
			again, err := ParseNameAddr(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("String() %q re-parses to %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestNameAddrString(t *testing.T) {
	u, _ := ParseURI("sip:a@b")
	n := NameAddr{DisplayName: `Q "x"`, URI: u, Params: []Param{{Name: "tag", Value: "t", HasValue: true}}}
	if got, want := n.String(), `"Q \"x\"" <sip:a@b>;tag=t`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if n.Tag() != "t" {
		t.Errorf("Tag = %q", n.Tag())
	}
}

func TestParseVia(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []Via
		err  error
	}{
		{name: "basic", in: "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds",
			want: []Via{{Protocol: "SIP/2.0", Transport: "UDP", Host: "pc33.example.com", Params: []Param{{Name: "branch", Value: "z9hG4bK776asdhds", HasValue: true}}}}},
		{name: "port rport received", in: "SIP/2.0/TCP 192.0.2.1:5060;rport;received=192.0.2.9;branch=z9hG4bKx",
			want: []Via{{Protocol: "SIP/2.0", Transport: "TCP", Host: "192.0.2.1", Port: 5060,
				Params: []Param{{Name: "rport"}, {Name: "received", Value: "192.0.2.9", HasValue: true}, {Name: "branch", Value: "z9hG4bKx", HasValue: true}}}}},
		{name: "ipv6", in: "SIP/2.0/TLS [2001:db8::9:1]:5061;branch=z9hG4bKas3;received=[2001:db8::9:255]",
			want: []Via{{Protocol: "SIP/2.0", Transport: "TLS", Host: "[2001:db8::9:1]", Port: 5061,
				Params: []Param{{Name: "branch", Value: "z9hG4bKas3", HasValue: true}, {Name: "received", Value: "[2001:db8::9:255]", HasValue: true}}}}},
		{name: "whitespace everywhere and two values", in: "SIP / 2.0 / UDP first.example.com : 4000 ; ttl=16 ; maddr = 224.2.0.1 , SIP/2.0/WSS ws.example.com",
			want: []Via{
				{Protocol: "SIP/2.0", Transport: "UDP", Host: "first.example.com", Port: 4000,
					Params: []Param{{Name: "ttl", Value: "16", HasValue: true}, {Name: "maddr", Value: "224.2.0.1", HasValue: true}}},
				{Protocol: "SIP/2.0", Transport: "WSS", Host: "ws.example.com"}}},
		{name: "missing sent-by", in: "SIP/2.0/UDP", err: ErrVia},
		{name: "missing transport", in: "SIP/2.0 host", err: ErrVia},
		{name: "bad port", in: "SIP/2.0/UDP h:99999", err: ErrVia},
		{name: "bad ipv6", in: "SIP/2.0/UDP [::g]", err: ErrVia},
		{name: "empty param", in: "SIP/2.0/UDP h;;", err: ErrVia},
		{name: "empty", in: " , ", err: ErrVia},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseVia(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			for _, v := range got {
				again, err := ParseVia(v.String())
				if err != nil || !reflect.DeepEqual(again[0], v) {
					t.Errorf("String %q re-parses to %+v, %v", v.String(), again, err)
				}
			}
		})
	}
	v, _ := ParseVia("SIP/2.0/UDP h:5060;branch=z9hG4bKa")
	if v[0].Branch() != "z9hG4bKa" || v[0].SentBy() != "h:5060" || v[0].String() != "SIP/2.0/UDP h:5060;branch=z9hG4bKa" {
		t.Errorf("accessors: %q %q %q", v[0].Branch(), v[0].SentBy(), v[0].String())
	}
}
